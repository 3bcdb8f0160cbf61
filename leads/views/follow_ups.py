"""The follow-up search, for managers and marketing, and its exports (CSV and Excel) of the
filtered follow-ups."""

import csv
import datetime
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from coordination.core.web.pages import page_query
from leads.forms import FollowUpSearchForm
from leads.models import ContactChannel, Outcome
from leads.permissions import can_read_notes_in_lists, can_search_follow_ups
from leads.selectors import follow_up_search

PAGE_SIZE = 25
# Exports stop here: a spreadsheet of more follow-ups than this is read by nobody, and the cap
# keeps one request from tying up a worker. The page says so.
EXPORT_LIMIT = 50_000
EXPORT_CHUNK = 2_000
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _follow_up_search(request):
    if not can_search_follow_ups(request.user):
        raise PermissionDenied
    notes_visible = can_read_notes_in_lists(request.user)
    form = FollowUpSearchForm(request.GET, in_notes=notes_visible)
    queryset = follow_up_search(user=request.user, **form.filters())
    return form, queryset, notes_visible


@login_required
@require_GET
def follow_ups_page(request):
    form, queryset, notes_visible = _follow_up_search(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = page_query(request.GET)
    return render(request, "leads/follow_ups.html", {
        "form": form,
        "page": page,
        "notes_visible": notes_visible,
        "page_query": query,
        "export_query": query,
        "export_limit": EXPORT_LIMIT,
        "over_limit": page.paginator.count > EXPORT_LIMIT,
        "nav_current": "follow_ups",
    })


def _export_table(request) -> tuple[list[str], object]:
    """The header and the rows (a generator) of the filtered follow-ups, at most
    EXPORT_LIMIT, read from the database in chunks."""
    _form, queryset, notes_visible = _follow_up_search(request)
    # Resolved now, in the request's language: the rows are produced while the response
    # streams, after the view has returned.
    channels = {value: str(label) for value, label in ContactChannel.choices}
    outcomes = {value: str(label) for value, label in Outcome.choices}
    header = [_("When"), _("Lead ID"), _("Lead"), _("Source"), _("Rep"), _("Channel"),
              _("Outcome")]
    if notes_visible:
        header.append(_("Notes"))
    header += [_("Next step"), _("Next step due")]

    def rows():
        for follow_up in queryset[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK):
            row = [
                timezone.localtime(follow_up.created_at).replace(tzinfo=None),
                follow_up.lead_id,
                follow_up.lead.name,
                follow_up.lead.source.name,
                follow_up.author.get_full_name(),
                channels.get(follow_up.channel, follow_up.channel),
                outcomes.get(follow_up.outcome, follow_up.outcome),
            ]
            if notes_visible:
                row.append(follow_up.notes)
            row += [
                follow_up.next_step,
                timezone.localtime(follow_up.next_step_at).replace(tzinfo=None)
                if follow_up.next_step_at else None,
            ]
            yield row

    return header, rows()


def _export_filename(extension: str) -> str:
    return f"follow-ups-{timezone.localdate():%Y%m%d}.{extension}"


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose write hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def follow_ups_export_csv(request):
    header, rows = _export_table(request)
    writer = csv.writer(_Echo())

    def lines():
        # The byte order mark makes Excel read the file as UTF-8 (Chinese names and notes).
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@login_required
@require_GET
def follow_ups_export_xlsx(request):
    header, rows = _export_table(request)
    # Write-only: rows go to a temporary file as they come, not into memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Follow-ups")[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value:
                # Text stays text: a note starting with "=" is not a formula.
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("xlsx")}"'
    return response
