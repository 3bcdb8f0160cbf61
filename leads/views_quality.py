"""Pages of lead quality (线索质量申诉 / 三方判定, 质检): the dispute form and status on the lead
page, the adjudicator's queue and ruling page, the inspector's queue and scoring page, and each
rep's and team's inspection results.

As in leads/views.py: each action is one service call, the permission module decides who may
do what, and what the templates show is prepared here so that they stay logic-free.
"""

import datetime
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination.core.errors import ApplicationError
from coordination.core.errors import PermissionDenied as NotAllowed
from coordination.core.forms import add_application_error
from leads.forms_quality import (
    CorrectionForm,
    DisputeForm,
    InspectionForm,
    RulingForm,
)
from leads.models import (
    AnswerType,
    Dispute,
    DisputeAttachment,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Lead,
    Ruling,
)
from leads.permissions import (
    QUALITY,
    DisputeAccess,
    DisputeReadRule,
    can_correct_ruling,
    can_inspect,
    can_open_dispute,
    can_rule,
    can_see_quality_queue,
    is_sales,
    is_sales_manager,
)
from leads.selectors import quality_results_of_rep, quality_results_of_team
from leads.services import (
    dispute_open,
    dispute_rule,
    inspection_agreement,
    inspection_score,
)
from leads.services import ruling_correct as ruling_correct_service
from leads.services.evidence import EVIDENCE_EXTENSIONS, evidence_content_type
from leads.views import _countdown, _error_summary, _lead_for_page, _page_query, _render_detail

PAGE_SIZE = 25

RESULT_PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def _evidence_kind_label(kind: str) -> str:
    return {"image": _("Image"), "pdf": _("PDF"), "audio": _("Audio")}.get(kind, "")


def _side_text(dispute: Dispute) -> str:
    return str(DisputeSide(dispute.side).label)


# The lead page -------------------------------------------------------------------------------


def _ruling_rows(rulings: list[Ruling]) -> list[dict]:
    """Rulings newest first, each with the ruling that superseded it (if any)."""
    by_superseded = {ruling.supersedes_id: ruling for ruling in rulings if ruling.supersedes_id}
    rows = []
    for ruling in sorted(rulings, key=lambda r: (r.created_at, r.pk), reverse=True):
        superseded_by = by_superseded.get(ruling.pk)
        rows.append({"ruling": ruling, "superseded_by": superseded_by,
                     "is_current": superseded_by is None})
    return rows


def lead_quality_context(request, lead: Lead, *, follow_ups: list[FollowUp],
                         bound: DisputeForm | None = None) -> dict:
    """What the lead page shows of the lead's quality: the open dispute and its due time, the
    rulings so far, and the dispute form for those who may open one.

    No query for a lead that was never disputed (the page's lead query says so in
    `has_disputes`); the form takes the follow-ups the timeline already loaded.
    """
    user = request.user
    # Who may follow a dispute to its page: the page's own rule. This page is shown only to
    # who sees the lead.
    rule = DisputeReadRule(user)

    def url_for(dispute: Dispute) -> str:
        readable = rule.access(dispute, sees_lead=True).may_read
        return dispute.get_absolute_url() if readable else ""

    disputes = []
    if getattr(lead, "has_disputes", True):
        disputes = list(
            Dispute.objects.filter(lead=lead).order_by("-created_at", "-id")
            .prefetch_related(Prefetch("rulings",
                                       queryset=Ruling.objects.select_related("ruled_by"))))
    open_dispute = None
    ruled = []
    for dispute in disputes:
        dispute.lead = lead
        if dispute.status == DisputeStatus.OPEN and open_dispute is None:
            open_dispute = dispute
        rows = _ruling_rows(list(dispute.rulings.all()))
        if rows:
            ruled.append({"dispute": dispute, "rulings": rows,
                          "is_sample": dispute.side == DisputeSide.SAMPLE,
                          "url": url_for(dispute)})
    form = bound
    if form is None and open_dispute is None and can_open_dispute(user, lead):
        form = DisputeForm(follow_ups=follow_ups)
    open_row = None
    if open_dispute is not None:
        open_row = {
            "dispute": open_dispute,
            "is_sample": open_dispute.side == DisputeSide.SAMPLE,
            "countdown": _countdown(open_dispute.due_at, timezone.now()),
            "url": url_for(open_dispute),
        }
    return {"quality": {
        "open": open_row,
        "ruled": ruled,
        "verdict": lead.get_quality_verdict_display() if lead.quality_verdict else "",
        "dispute_form": form,
        "shown": bool(open_row or ruled or form),
    }}


@login_required
@require_POST
def dispute_open_view(request, pk: int):
    """Open a dispute on the lead's quality, with grounds, evidence and evidence files; back
    to the lead page with the form filled in again and the error named if refused."""
    user = request.user
    lead = _lead_for_page(user, pk)
    if not can_open_dispute(user, lead):
        raise PermissionDenied
    follow_ups = list(FollowUp.objects.filter(lead=lead).order_by("-created_at", "-id"))
    form = DisputeForm(request.POST, request.FILES, follow_ups=follow_ups)
    if form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a refused dispute leaves no files behind in the database.
            with transaction.atomic():
                dispute_open(lead=lead, actor=user, ground=data["ground"],
                             evidence=data["evidence"],
                             follow_ups=data.get("follow_ups") or [], files=data["files"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Your dispute on %(lead)s went to the quality "
                                        "department.") % {"lead": lead})
            return redirect("leads:detail", pk=lead.pk)
    messages.error(request, _error_summary(_("The dispute was not opened."), form))
    return _render_detail(request, lead, bound={"dispute": form}, status=400)


# The adjudicator's queue ---------------------------------------------------------------------


@login_required
@require_GET
def dispute_queue(request):
    """Open disputes, the soonest due first (or the ruled ones, the latest first), for the
    quality department."""
    if not can_see_quality_queue(request.user):
        raise PermissionDenied
    now = timezone.now()
    blind = DisputeReadRule(request.user).blind
    show_ruled = request.GET.get("show") == "ruled"
    queryset = Dispute.objects.select_related("lead__source")
    if show_ruled:
        queryset = queryset.filter(status=DisputeStatus.RULED).order_by("-ruled_at", "-id")
    else:
        queryset = queryset.filter(status=DisputeStatus.OPEN).order_by("due_at", "id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for dispute in page.object_list:
        countdown = None if show_ruled else _countdown(dispute.due_at, now)
        rows.append({
            "dispute": dispute,
            "is_sample": dispute.side == DisputeSide.SAMPLE,
            "side": "" if blind or dispute.side == DisputeSide.SAMPLE else _side_text(dispute),
            "countdown": countdown,
            "overdue": bool(countdown and countdown["overdue"]),
        })
    return render(request, "leads/quality/disputes.html", {
        "page": page,
        "rows": rows,
        "show_ruled": show_ruled,
        "blind": blind,
        "page_query": _page_query(request.GET),
        "nav_current": "disputes",
    })


# The ruling page -----------------------------------------------------------------------------


def _dispute_or_404(pk: int) -> Dispute:
    return get_object_or_404(
        Dispute.objects.select_related("lead__source", "lead__campaign", "opened_by"), pk=pk)


def _dispute_context(request, dispute: Dispute, access: DisputeAccess, bound: dict) -> dict:
    """What the page shows of the dispute: what `access` allows the reader, no more."""
    user = request.user
    lead = dispute.lead
    now = timezone.now()
    blind = access.blind
    notes_visible = access.notes
    linked_ids = set(dispute.follow_ups.values_list("pk", flat=True))
    history = []
    for follow_up in (FollowUp.objects.filter(lead=lead).select_related("author")
                      .order_by("-created_at", "-id")):
        history.append({
            "follow_up": follow_up,
            # Blind review: no names of either side, the rep's included (the rep may be the
            # one who opened the dispute).
            "author": _("The rep") if blind else follow_up.author.get_full_name(),
            "linked": follow_up.pk in linked_ids,
            "notes_visible": notes_visible,
        })
    attachments = []
    for number, attachment in enumerate(dispute.attachments.order_by("created_at", "id"), 1):
        extension = os.path.splitext(attachment.file.name)[1].lower()
        attachments.append({
            "url": reverse("leads:dispute_file", args=[dispute.pk, attachment.pk]),
            # Blind review: a file's name may name its sender.
            "name": (_("Evidence file %(number)d") % {"number": number}) + extension
            if blind else os.path.basename(attachment.file.name),
            "kind": _evidence_kind_label(EVIDENCE_EXTENSIONS.get(extension, "")),
        })
    rulings = _ruling_rows(list(dispute.rulings.select_related("ruled_by")))
    current = next((row["ruling"] for row in rulings if row["is_current"]), None)
    ruling_form = bound.get("ruling")
    if ruling_form is None and dispute.status == DisputeStatus.OPEN and can_rule(user):
        ruling_form = RulingForm()
    correction_form = bound.get("correction")
    if correction_form is None and current is not None and can_correct_ruling(user):
        correction_form = CorrectionForm()
    is_open = dispute.status == DisputeStatus.OPEN
    countdown = _countdown(dispute.due_at, now) if is_open else None
    return {
        "dispute": dispute,
        "lead": lead,
        "is_sample": dispute.side == DisputeSide.SAMPLE,
        "show_opener": access.opener and dispute.side != DisputeSide.SAMPLE,
        "show_contact": access.contact,
        "side_text": _side_text(dispute),
        "opener": dispute.opened_by.get_full_name() if dispute.opened_by_id else "",
        "blind": blind,
        "is_open": is_open,
        "countdown": countdown,
        "overdue": bool(countdown and countdown["overdue"]),
        "history": history,
        "linked": [row for row in history if row["linked"]],
        "attachments": attachments,
        "rulings": rulings,
        "current_ruling": current,
        "ruling_form": ruling_form,
        "correction_form": correction_form,
        "read_only": ruling_form is None and correction_form is None,
        "nav_current": "disputes" if access.reader == QUALITY else "",
    }


def _read_access(user, dispute: Dispute) -> DisputeAccess:
    """What `user` may read of the dispute (`DisputeReadRule`, as in the API and the admin);
    403 for who may not read it."""
    access = DisputeReadRule(user).access(dispute)
    if not access.may_read:
        raise PermissionDenied
    return access


def _render_dispute(request, dispute: Dispute, *, bound: dict | None = None, status: int = 200):
    access = _read_access(request.user, dispute)
    return render(request, "leads/quality/dispute.html",
                  _dispute_context(request, dispute, access, bound or {}), status=status)


@login_required
@require_GET
def dispute_page(request, pk: int):
    """The lead's facts and the evidence of both sides; the ruling form for adjudicators, the
    rulings once made and, for a quality head, the correction form. Blind review hides who
    opened the dispute from the quality department."""
    return _render_dispute(request, _dispute_or_404(pk))


@login_required
@require_POST
def dispute_rule_view(request, pk: int):
    # Refused before anything is read: only an adjudicator ever gets this far.
    if not can_rule(request.user):
        raise PermissionDenied
    dispute = _dispute_or_404(pk)
    form = RulingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dispute_rule(dispute=dispute, verdict=data["verdict"], reason=data["reason"],
                         note=data["note"], actor=request.user)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("The ruling on %(lead)s is recorded. It is final.")
                             % {"lead": dispute.lead})
            return redirect(dispute)
    messages.error(request, _error_summary(_("The ruling was not recorded."), form))
    return _render_dispute(request, dispute, bound={"ruling": form}, status=400)


@login_required
@require_POST
def ruling_correct_view(request, pk: int, ruling_pk: int):
    if not can_correct_ruling(request.user):
        raise PermissionDenied
    dispute = _dispute_or_404(pk)
    ruling = get_object_or_404(Ruling, pk=ruling_pk, dispute=dispute)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ruling_correct_service(ruling=ruling, verdict=data["verdict"], reason=data["reason"],
                                   note=data["note"], actor=request.user)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("The correction is recorded; the earlier ruling stays "
                                        "on record."))
            return redirect(dispute)
    messages.error(request, _error_summary(_("The correction was not recorded."), form))
    return _render_dispute(request, dispute, bound={"correction": form}, status=400)


@login_required
@require_GET
def dispute_file(request, pk: int, file_pk: int):
    """An evidence file, to those who may read the dispute. Files are not public media.

    Always a download, never shown in the page: the content type is the allowlist's for the
    file's extension (application/octet-stream for anything else, such as a file stored before
    the allowlist), the browser may not sniff another, and a sandbox keeps whatever it is from
    running script in the reader's session."""
    dispute = _dispute_or_404(pk)
    access = _read_access(request.user, dispute)
    attachment = get_object_or_404(DisputeAttachment, pk=file_pk, dispute=dispute)
    extension = os.path.splitext(attachment.file.name)[1].lower()
    name = f"evidence-{attachment.pk}{extension}" if access.blind \
        else os.path.basename(attachment.file.name)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=name,
                            content_type=evidence_content_type(attachment.file.name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# The inspector's queue and scoring page ------------------------------------------------------


@login_required
@require_GET
def inspection_queue(request):
    """Follow-ups waiting for inspection, the oldest draw first. A follow-up the inspector
    scored once is not offered for its second scoring: that one is another inspector's."""
    user = request.user
    if not can_inspect(user):
        raise PermissionDenied
    scored_by_me = Inspection.objects.filter(follow_up_id=OuterRef("follow_up_id"),
                                             inspector_id=user.pk)
    queryset = (Inspection.objects.filter(status=InspectionStatus.PENDING)
                .exclude(Exists(scored_by_me))
                .select_related("follow_up__lead", "follow_up__author")
                .order_by("drawn_on", "id"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    agreement = inspection_agreement(since=timezone.now() - datetime.timedelta(days=90))
    if agreement["pairs"]:
        agreement["same_percent"] = round(agreement["same_verdict_rate"] * 100)
    return render(request, "leads/quality/inspections.html", {
        "page": page,
        "agreement": agreement,
        "page_query": _page_query(request.GET),
        "nav_current": "inspections",
    })


def _inspection_or_404(pk: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.select_related("follow_up__lead", "follow_up__author", "scorecard",
                                          "inspector"), pk=pk)


def _inspection_context(request, inspection: Inspection, form: InspectionForm | None) -> dict:
    user = request.user
    is_pending = inspection.status == InspectionStatus.PENDING
    if is_pending and form is None:
        form = InspectionForm(criteria=list(inspection.scorecard.criteria.all()))
    answers = []
    result_visible = False
    if not is_pending:
        # A scored inspection's figures stay hidden while the follow-up still waits for its
        # other scoring, except from the inspector who scored it: the second one is blind.
        result_visible = inspection.inspector_id == user.pk or not Inspection.objects.filter(
            follow_up_id=inspection.follow_up_id, status=InspectionStatus.PENDING).exists()
        if result_visible:
            for answer in (InspectionAnswer.objects.filter(inspection=inspection)
                           .select_related("criterion")
                           .order_by("criterion__position", "criterion_id")):
                value = answer.value
                if answer.criterion.answer_type == AnswerType.YES_NO:
                    value = _("Yes") if value else _("No")
                answers.append({"label": answer.criterion.label, "value": value})
    follow_up = inspection.follow_up
    return {
        "inspection": inspection,
        "follow_up": follow_up,
        "lead": follow_up.lead,
        "is_pending": is_pending,
        "is_second": inspection.round == 2,
        "form": form,
        "answers": answers,
        "result_visible": result_visible,
        "nav_current": "inspections",
    }


@login_required
@require_GET
def inspection_page(request, pk: int):
    """The follow-up and the scorecard's form. A second scoring shows nothing of the first."""
    if not can_inspect(request.user):
        raise PermissionDenied
    inspection = _inspection_or_404(pk)
    return render(request, "leads/quality/inspection.html",
                  _inspection_context(request, inspection, None))


@login_required
@require_POST
def inspection_score_view(request, pk: int):
    if not can_inspect(request.user):
        raise PermissionDenied
    inspection = _inspection_or_404(pk)
    form = InspectionForm(request.POST, criteria=list(inspection.scorecard.criteria.all()))
    if form.is_valid():
        try:
            scored = inspection_score(inspection=inspection, inspector=request.user,
                                      answers=form.answers(),
                                      findings=form.cleaned_data["findings"],
                                      not_genuine=form.cleaned_data["not_genuine"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            text = (_("Scored %(score)s: passed.") if scored.passed
                    else _("Scored %(score)s: below the pass mark."))
            messages.success(request, text % {"score": scored.score})
            if scored.not_genuine:
                messages.warning(request, _("The follow-up is flagged as not genuine."))
            return redirect("leads:inspections")
    messages.error(request, _error_summary(_("The inspection was not saved."), form))
    return render(request, "leads/quality/inspection.html",
                  _inspection_context(request, inspection, form), status=400)


# Quality results -----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@login_required
@require_GET
def quality_results(request):
    """A rep's scored inspections; for a head or team lead also the team's results by rep
    (count, average score, pass rate), aggregated in SQL."""
    user = request.user
    if not is_sales(user):
        raise PermissionDenied
    period = request.GET.get("period", "90")
    if period not in RESULT_PERIODS:
        period = "90"
    days = RESULT_PERIODS[period]
    since = timezone.now() - datetime.timedelta(days=days) if days else None

    summary, mine = quality_results_of_rep(user=user, since=since)
    summary["pass_rate"] = _percent(summary["passed"], summary["count"])
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    team = []
    if is_sales_manager(user):
        for row in quality_results_of_team(user=user, since=since):
            row["name"] = row["full_name"] or row["username"]
            row["pass_rate"] = _percent(row["passed"], row["inspected"])
            team.append(row)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "leads/quality/results.html", {
        "summary": summary,
        "page": page,
        "team": team,
        "show_team": is_sales_manager(user),
        "period": period,
        "periods": [
            {"value": "30", "label": _("Last 30 days"), "current": period == "30"},
            {"value": "90", "label": _("Last 90 days"), "current": period == "90"},
            {"value": "365", "label": _("Last 12 months"), "current": period == "365"},
            {"value": "all", "label": _("All time"), "current": period == "all"},
        ],
        "page_query": query.urlencode(),
        "nav_current": "quality_results",
    })
