"""Pages of the file import: upload and preview, confirm or cancel, the outcome."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coordination.core.errors import ApplicationError
from coordination.core.errors import PermissionDenied as NotAllowed
from coordination.core.forms import add_application_error
from leads.models import ImportStatus, LeadImport, Source
from leads.permissions import can_create_leads
from leads.services.imports import (
    FIELD_LABELS,
    HEADER_ALIASES,
    MAX_FILE_BYTES,
    MAX_ROWS,
    can_manage_lead_import,
    lead_import_cancel,
    lead_import_confirm,
    lead_import_create,
    lead_imports_recent,
    problem_rows,
    problems_csv,
    template_csv,
)

# The preview page lists this many problem rows; the CSV download has them all.
PROBLEMS_SHOWN = 200


class ImportUploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"), queryset=Source.objects.filter(is_active=True),
        help_text=gettext_lazy("Every lead of the file is recorded as coming from this source."))
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or Excel .xlsx (the first sheet)."))


def _require_importer(user) -> None:
    if not can_create_leads(user):
        raise PermissionDenied


def _lead_import_or_404(pk: int) -> LeadImport:
    return get_object_or_404(LeadImport.objects.select_related("source", "created_by"), pk=pk)


@login_required
def upload(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead_import = lead_import_create(source=form.cleaned_data["source"],
                                             file=form.cleaned_data["file"], actor=request.user)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect(lead_import)
    return render(request, "leads/import_upload.html", {
        "form": form,
        "recent_imports": lead_imports_recent(),
        "header_aliases": [(FIELD_LABELS[name], aliases)
                           for name, aliases in HEADER_ALIASES.items()],
        "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": number_format(MAX_ROWS, force_grouping=True),
    })


@login_required
def detail(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(pk)
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
def confirm(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(pk)
    try:
        lead_import = lead_import_confirm(lead_import=lead_import, actor=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except ApplicationError as error:
        messages.error(request, error.message)
    # Post/redirect/get: reloading the result page repeats nothing, and a second click on the
    # button finds the import done.
    return redirect(lead_import)


@login_required
@require_POST
def cancel(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(pk)
    try:
        lead_import_cancel(lead_import=lead_import, actor=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(lead_import)
    messages.success(request, _("The import of “%(file)s” was cancelled; nothing was imported.")
                     % {"file": lead_import.file_name})
    return redirect("leads_import:upload")


@login_required
@require_GET
def problems_download(request, pk: int):
    _require_importer(request.user)
    lead_import = _lead_import_or_404(pk)
    response = HttpResponse(problems_csv(lead_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{lead_import.pk}-rows.csv"'
    return response


@login_required
@require_GET
def template_download(request):
    _require_importer(request.user)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads-template.csv"'
    return response
