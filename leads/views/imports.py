"""Pages of the file import: upload and preview, confirm or cancel, the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination.core.web.pages import call_service
from leads.forms import ImportUploadForm
from leads.models import ImportStatus, LeadImport
from leads.permissions import can_create_leads
from leads.selectors import lead_import_list_for, lead_imports_recent
from leads.services.imports import (
    FIELD_LABELS,
    HEADER_ALIASES,
    MAX_FILE_BYTES,
    MAX_ROWS,
    can_manage_lead_import,
    lead_import_cancel,
    lead_import_confirm,
    lead_import_create,
    problem_rows,
    problems_csv,
    template_csv,
)

# The preview page lists this many problem rows; the CSV download has them all.
PROBLEMS_SHOWN = 200


def _require_importer(user) -> None:
    if not can_create_leads(user):
        raise PermissionDenied


def _lead_import_or_404(user, pk: int) -> LeadImport:
    return get_object_or_404(lead_import_list_for(user=user), pk=pk)


@login_required
def import_upload(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        call = call_service(request, lead_import_create, form=form,
                            source=form.cleaned_data["source"], file=form.cleaned_data["file"],
                            actor=request.user)
        if call:
            return redirect(call.result)
    return render(request, "leads/import_upload.html", {
        "form": form,
        "recent_imports": lead_imports_recent(user=request.user),
        "header_aliases": [(FIELD_LABELS[name], aliases)
                           for name, aliases in HEADER_ALIASES.items()],
        "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": number_format(MAX_ROWS, force_grouping=True),
    })


@login_required
def import_detail(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(request.user, pk)
    context = {
        "lead_import": lead_import,
        "problems": problem_rows(lead_import, limit=PROBLEMS_SHOWN),
        "problems_hidden": max(len(lead_import.problems) - PROBLEMS_SHOWN, 0),
        "may_manage": can_manage_lead_import(request.user, lead_import),
    }
    if lead_import.status == ImportStatus.PREVIEWED:
        return render(request, "leads/import_preview.html", context)
    return render(request, "leads/import_result.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(request.user, pk)
    call = call_service(request, lead_import_confirm, lead_import=lead_import,
                        actor=request.user)
    if call:
        lead_import = call.result
    # Post/redirect/get: reloading the result page repeats nothing, and a second click on the
    # button finds the import done.
    return redirect(lead_import)


@login_required
@require_POST
def import_cancel(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(request.user, pk)
    if not call_service(request, lead_import_cancel, lead_import=lead_import,
                        actor=request.user):
        return redirect(lead_import)
    messages.success(request, _("The import of “%(file)s” was cancelled; nothing was imported.")
                     % {"file": lead_import.file_name})
    return redirect("leads_import:upload")


@login_required
@require_GET
def import_problems_download(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(request.user, pk)
    response = HttpResponse(problems_csv(lead_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{lead_import.pk}-rows.csv"'
    return response


@login_required
@require_GET
def import_template_download(request):
    _require_importer(request.user)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads-template.csv"'
    return response
