"""Pages of the leads app: My leads, All leads, the lead page, the team board, the lead pool
and the follow-up search with its exports.

Views read through the selectors, act through one service call each and decide nothing a
service decides; what the templates show is prepared here, so that they stay logic-free.
"""

import csv
import datetime
import io
from urllib.parse import urlsplit

import phonenumbers
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from coordination.core.errors import ApplicationError
from coordination.core.errors import PermissionDenied as NotAllowed
from coordination.core.forms import add_application_error
from leads.forms import (
    AllLeadsFilterForm,
    FollowUpForm,
    FollowUpSearchForm,
    LoseForm,
    MyLeadsFilterForm,
    ReassignForm,
    WinForm,
)
from leads.models import WORKED_STATUSES, ContactChannel, Dispute, Lead, LeadStatus, Outcome
from leads.permissions import (
    can_change_lead_status,
    can_claim_from,
    can_list_leads,
    can_log_follow_up,
    can_read_follow_up_notes,
    can_read_notes_in_lists,
    can_reassign_lead,
    can_search_follow_ups,
    can_view_lead,
    is_sales,
    is_sales_head,
    is_sales_manager,
)
from leads.selectors import (
    claim_standing,
    deadline_expression,
    default_queue_for,
    follow_up_search,
    lead_duplicates_for,
    lead_list_filtered,
    lead_timeline,
    my_leads_filtered,
    pool_leads_for,
    pools_claimable_by,
    team_board,
)
from leads.services import (
    follow_up_create,
    lead_claim,
    lead_lose,
    lead_qualify,
    lead_reassign_manual,
    lead_win,
)

PAGE_SIZE = 25
# All leads is read, not worked row by row: a longer page, fewer clicks.
ALL_LEADS_PAGE_SIZE = 50
# Exports stop here: a spreadsheet of more follow-ups than this is read by nobody, and the cap
# keeps one request from tying up a worker. The page says so.
EXPORT_LIMIT = 50_000
EXPORT_CHUNK = 2_000
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Helpers -------------------------------------------------------------------------------------


def _duration_text(seconds: float) -> str:
    """"45 s", "12 min", "2 h 5 min", "3 d 4 h": static/js/leads.js writes the same."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return _("{n} s").replace("{n}", str(seconds))
    minutes = seconds // 60
    if minutes < 60:
        return _("{n} min").replace("{n}", str(minutes))
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        parts = [_("{n} h").replace("{n}", str(hours))]
        if minutes:
            parts.append(_("{n} min").replace("{n}", str(minutes)))
        return " ".join(parts)
    days, hours = divmod(hours, 24)
    parts = [_("{n} d").replace("{n}", str(days))]
    if hours:
        parts.append(_("{n} h").replace("{n}", str(hours)))
    return " ".join(parts)


def _countdown(deadline: datetime.datetime | None, now: datetime.datetime) -> dict | None:
    """The clock of a lead as the page shows it before leads.js takes over."""
    if deadline is None:
        return None
    seconds = (deadline - now).total_seconds()
    overdue = seconds <= 0
    template = _("overdue by {time}") if overdue else _("in {time}")
    return {"deadline": deadline, "iso": deadline.isoformat(), "overdue": overdue,
            "text": template.replace("{time}", _duration_text(seconds))}


def _clock_label(lead: Lead) -> str:
    """Which clock runs (see Lead.current_deadline)."""
    if lead.status == LeadStatus.ASSIGNED and lead.first_contacted_at is None:
        return _("First contact")
    return _("Next step")


def _phone_display(phone: str) -> str:
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _error_summary(intro: str, form) -> str:
    """"The follow-up was not saved. Next step date: The date must be in the future." """
    parts = [intro]
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        parts.append(_("%(field)s: %(errors)s") % {"field": field.label, "errors": text}
                     if field is not None else text)
    return " ".join(parts)


def _page_query(params: QueryDict) -> str:
    """The query string of a list without its page number, for the page links."""
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def _lead_for_page(user, pk: int) -> Lead:
    """The lead with what its page shows, or 404 for a user who may not see it."""
    lead = get_object_or_404(
        Lead.objects.select_related("source", "campaign", "owner", "created_by", "pool",
                                    "lost_reason", "rule")
        .annotate(deadline=deadline_expression(),
                  # Lets the page skip the quality queries for a lead never disputed.
                  has_disputes=Exists(Dispute.objects.filter(lead=OuterRef("pk")))),
        pk=pk,
    )
    if not can_view_lead(user, lead):
        raise Http404
    return lead


def _redirect_after_change(request, lead_pk: int):
    """Back to the lead if the user still sees it (a recycled or reassigned lead may be out
    of their sight now), else to their list."""
    lead = Lead.objects.filter(pk=lead_pk).first()
    if lead is not None and can_view_lead(request.user, lead):
        return redirect("leads:detail", pk=lead_pk)
    return redirect("leads:mine" if is_sales(request.user) else "home")


def _follow_up_form(lead: Lead, data=None) -> FollowUpForm:
    # Unique ids per lead: My leads renders one form per row.
    return FollowUpForm(data, auto_id=f"follow-up-{lead.pk}-%s")


# My leads ------------------------------------------------------------------------------------


def _my_leads_context(request, params: QueryDict, *, bound_form: FollowUpForm | None = None,
                      bound_lead_id: int | None = None) -> dict:
    now = timezone.now()
    filter_form = MyLeadsFilterForm(params)
    queryset = my_leads_filtered(user=request.user, now=now, **filter_form.filters())
    page = Paginator(queryset, PAGE_SIZE).get_page(params.get("page"))
    list_url = reverse("leads:mine")
    return_to = f"{list_url}?{params.urlencode()}" if params else list_url
    rows = []
    form_shown = False
    for lead in page.object_list:
        if bound_form is not None and lead.pk == bound_lead_id:
            form, form_open, form_shown = bound_form, True, True
        else:
            form, form_open = _follow_up_form(lead), False
        countdown = _countdown(lead.deadline, now)
        rows.append({
            "lead": lead,
            "phone": _phone_display(lead.phone),
            "countdown": countdown,
            "clock_label": _clock_label(lead),
            "overdue": bool(countdown and countdown["overdue"]),
            "form": form,
            "form_open": form_open,
        })
    return {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": any(params.get(name) for name in ("status", "source", "overdue", "q")),
        "page_query": _page_query(params),
        "return_to": return_to,
        "overdue_count": sum(1 for row in rows if row["overdue"]),
        "form_shown": form_shown,
        "nav_current": "my_leads",
    }


@login_required
@require_GET
def my_leads_page(request):
    """A rep's open leads, the most urgent first, each with its clock and a follow-up form."""
    if not is_sales(request.user):
        raise PermissionDenied
    return render(request, "leads/my_leads.html", _my_leads_context(request, request.GET))


# All leads -----------------------------------------------------------------------------------


def _owner_column(lead: Lead) -> tuple[str, str]:
    """What the owner column shows, as (kind, text): "owner", "pool" or "unassigned"."""
    if lead.owner_id is not None:
        return "owner", lead.owner.get_full_name()
    if lead.pool_id is not None:
        return "pool", _("Lead pool: %(pool)s") % {"pool": lead.pool.name}
    return "unassigned", _("Unassigned")


@login_required
@require_GET
def all_leads_page(request):
    """Every lead the user may see, filtered and sorted, for those who see more than their
    own; a rep is sent to My leads. Shows no follow-up notes (marketing must not read them)."""
    user = request.user
    if not can_list_leads(user):
        if is_sales(user):
            return redirect("leads:mine")
        raise PermissionDenied
    now = timezone.now()
    params = request.GET
    filter_form = AllLeadsFilterForm(params)
    queryset = lead_list_filtered(user=user, now=now, **filter_form.filters())
    page = Paginator(queryset, ALL_LEADS_PAGE_SIZE).get_page(params.get("page"))
    rows = []
    for lead in page.object_list:
        countdown = _countdown(lead.deadline, now)
        owner_kind, owner_text = _owner_column(lead)
        rows.append({
            "lead": lead,
            "owner_kind": owner_kind,
            "owner_text": owner_text,
            "countdown": countdown,
            "clock_label": _clock_label(lead),
            "overdue": bool(countdown and countdown["overdue"]),
        })
    return render(request, "leads/all_leads.html", {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": any(params.get(name) for name in AllLeadsFilterForm.FILTER_NAMES),
        "page_query": _page_query(params),
        "nav_current": "leads",
    })


# The lead page -------------------------------------------------------------------------------


def _timeline_rows(lead: Lead, *, notes_visible: bool) -> list[dict]:
    # Notes are shown or hidden per reader, not per follow-up.
    return [{**entry, "notes_visible": notes_visible} for entry in lead_timeline(lead=lead)]


def _detail_context(request, lead: Lead, bound: dict | None = None) -> dict:
    from leads.views_quality import lead_quality_context  # it builds on this module

    user = request.user
    bound = bound or {}
    now = timezone.now()
    notes_visible = can_read_follow_up_notes(user, lead)
    original, duplicates = lead_duplicates_for(lead=lead, user=user)
    is_open = lead.is_open
    may_follow_up = is_open and can_log_follow_up(user, lead)
    may_reassign = is_open and can_reassign_lead(user, lead)
    may_change = is_open and can_change_lead_status(user, lead)
    may_claim = bool(lead.pool_id and lead.owner_id is None and can_claim_from(user, lead.pool))
    timeline = _timeline_rows(lead, notes_visible=notes_visible)
    deadlines = [
        (_("Assigned"), lead.assigned_at),
        (_("First contact due"), lead.first_contact_due_at),
        (_("First contacted"), lead.first_contacted_at),
        (_("Last follow-up"), lead.last_follow_up_at),
        (_("Next step due"), lead.next_step_due_at),
        (_("In the pool since"), lead.pooled_at),
        (_("Closed"), lead.closed_at),
    ]
    return {
        "lead": lead,
        "phone": _phone_display(lead.phone),
        "countdown": _countdown(lead.deadline, now),
        "clock_label": _clock_label(lead),
        "deadlines": [{"label": label, "at": at} for label, at in deadlines if at is not None],
        "original": original,
        "duplicates": duplicates,
        "timeline": timeline,
        **lead_quality_context(request, lead, bound=bound.get("dispute"), follow_ups=[
            entry["item"] for entry in timeline if entry["kind"] == "follow_up"]),
        "follow_up_form": (bound.get("follow_up") or _follow_up_form(lead))
        if may_follow_up else None,
        "reassign_form": (bound.get("reassign") or ReassignForm(exclude_user_id=lead.owner_id))
        if may_reassign else None,
        "may_qualify": may_change and lead.status == LeadStatus.CONTACTED,
        "win_form": (bound.get("win") or WinForm())
        if may_change and lead.status in WORKED_STATUSES else None,
        "lose_form": (bound.get("lose") or LoseForm()) if may_change else None,
        "may_claim": may_claim,
        "has_actions": bool(may_follow_up or may_reassign or may_change or may_claim),
        "return_to": reverse("leads:detail", args=[lead.pk]),
        "nav_current": "my_leads" if lead.owner_id == user.pk
        else "leads" if can_list_leads(user) else "",
    }


def _render_detail(request, lead: Lead, *, bound: dict | None = None, status: int = 200):
    return render(request, "leads/lead_detail.html", _detail_context(request, lead, bound),
                  status=status)


@login_required
@require_GET
def lead_detail(request, pk: int):
    """Everything about one lead and what the user may do with it; 404 if they may not see
    it."""
    return _render_detail(request, _lead_for_page(request.user, pk))


# Actions on a lead ---------------------------------------------------------------------------


@login_required
@require_POST
def follow_up_log(request, pk: int):
    """Log a follow-up (owner only); back where it was sent from, with the form filled in
    again and the error named if the service refused it."""
    lead = _lead_for_page(request.user, pk)
    form = _follow_up_form(lead, request.POST)
    next_url = _safe_next(request, reverse("leads:detail", args=[lead.pk]))
    if form.is_valid():
        try:
            follow_up_create(lead=lead, author=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Follow-up logged for %(lead)s.") % {"lead": lead})
            return redirect(next_url)
    messages.error(request, _error_summary(_("The follow-up was not saved."), form))
    target = urlsplit(next_url)
    try:
        came_from = resolve(target.path).view_name
    except Resolver404:
        came_from = ""
    if came_from == "leads:mine":
        context = _my_leads_context(request, QueryDict(target.query), bound_form=form,
                                    bound_lead_id=lead.pk)
        if context["form_shown"]:
            return render(request, "leads/my_leads.html", context, status=400)
    return _render_detail(request, lead, bound={"follow_up": form}, status=400)


@login_required
@require_POST
def lead_reassign(request, pk: int):
    lead = _lead_for_page(request.user, pk)
    if not can_reassign_lead(request.user, lead):
        raise PermissionDenied
    form = ReassignForm(request.POST, exclude_user_id=lead.owner_id)
    if form.is_valid():
        to_user = form.cleaned_data["to_user"]
        try:
            lead_reassign_manual(lead=lead, to_user=to_user, note=form.cleaned_data["note"],
                                 actor=request.user)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(lead)s is now %(user)s's lead.")
                             % {"lead": lead, "user": to_user.get_full_name()})
            return _redirect_after_change(request, lead.pk)
    messages.error(request, _error_summary(_("The lead was not reassigned."), form))
    return _render_detail(request, lead, bound={"reassign": form}, status=400)


@login_required
@require_POST
def lead_qualify_view(request, pk: int):
    lead = _lead_for_page(request.user, pk)
    try:
        lead_qualify(lead=lead, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(lead)s is qualified.") % {"lead": lead})
    return _redirect_after_change(request, lead.pk)


@login_required
@require_POST
def lead_win_view(request, pk: int):
    lead = _lead_for_page(request.user, pk)
    form = WinForm(request.POST)
    if form.is_valid():
        try:
            lead_win(lead=lead, actor=request.user, value=form.cleaned_data["value"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(lead)s is won. Congratulations!") % {"lead": lead})
            return _redirect_after_change(request, lead.pk)
    messages.error(request, _error_summary(_("The lead was not marked won."), form))
    return _render_detail(request, lead, bound={"win": form}, status=400)


@login_required
@require_POST
def lead_lose_view(request, pk: int):
    lead = _lead_for_page(request.user, pk)
    form = LoseForm(request.POST)
    if form.is_valid():
        try:
            lead_lose(lead=lead, actor=request.user, reason=form.cleaned_data["reason"],
                      note=form.cleaned_data["note"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if form.cleaned_data["reason"].recycle:
                text = _("%(lead)s went back to the lead pool for another try.")
            else:
                text = _("%(lead)s is marked lost.")
            messages.success(request, text % {"lead": lead})
            return _redirect_after_change(request, lead.pk)
    messages.error(request, _error_summary(_("The lead was not marked lost."), form))
    return _render_detail(request, lead, bound={"lose": form}, status=400)


@login_required
@require_POST
def lead_claim_view(request, pk: int):
    """Claim a lead from the pool: first come, first served. Whoever comes second is told so
    and sent back to the pool."""
    lead = get_object_or_404(Lead.objects.only("pk"), pk=pk)
    try:
        lead_claim(lead=lead, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_safe_next(request, reverse("leads:pool")))
    lead.refresh_from_db()
    messages.success(request, _("%(lead)s is yours now. Contact them soon: the clock runs.")
                     % {"lead": lead})
    return redirect("leads:detail", pk=lead.pk)


# The team board ------------------------------------------------------------------------------


@login_required
@require_GET
def team_page(request):
    """For heads and team leads: each rep's open and overdue leads and today's
    reassignments."""
    if not is_sales_manager(request.user):
        raise PermissionDenied
    now = timezone.now()
    rows = team_board(user=request.user, now=now)
    follow_ups_url = reverse("leads:follow_ups")
    today = timezone.localdate(now).isoformat()
    for row in rows:
        row["name"] = row["full_name"] or row["username"]
        row["follow_ups_url"] = f"{follow_ups_url}?rep={row['pk']}&date_from={today}"
    totals = {
        "open_leads": sum(row["open_leads"] for row in rows),
        "overdue_leads": sum(row["overdue_leads"] for row in rows),
        "reassigned_today": sum(row["reassigned_today"] for row in rows),
    }
    queue = default_queue_for(user=request.user) if is_sales_head(request.user) else []
    return render(request, "leads/team.html",
                  {"rows": rows, "totals": totals, "now": now, "nav_current": "team",
                   "queue": queue, "show_queue": is_sales_head(request.user)})


# The lead pool -------------------------------------------------------------------------------


@login_required
@require_GET
def pool_page(request):
    """Leads waiting in the pools the user may claim from, and the limits of those pools."""
    if not is_sales(request.user):
        raise PermissionDenied
    now = timezone.now()
    page = Paginator(pool_leads_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    pools = pools_claimable_by(user=request.user)
    return render(request, "leads/pool.html", {
        "page": page,
        "pools": pools,
        "standing": claim_standing(user=request.user, now=now),
        "return_to": request.get_full_path(),
        "nav_current": "pool",
    })


# Follow-up search and export -----------------------------------------------------------------


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
    query = _page_query(request.GET)
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
