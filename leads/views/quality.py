"""Pages of disputes on a lead's quality (线索质量申诉 / 三方判定): the quality card of the lead
page, the adjudicator's queue, the ruling page with its ruling and correction forms, and the
evidence files. Opening a dispute is an action on the lead page (leads/views/lead.py).

Each action is one service call (`call_service`), `DisputeReadRule` decides who reads what, and
what the templates show is prepared here so that they stay logic-free.
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination.core.web.pages import call_service, countdown, error_summary, page_query
from leads.forms import CorrectionForm, DisputeForm, RulingForm
from leads.models import Dispute, DisputeSide, DisputeStatus, FollowUp, Lead, Ruling
from leads.permissions import (
    QUALITY,
    DisputeAccess,
    can_correct_ruling,
    can_open_dispute,
    can_rule,
    can_see_quality_queue,
    dispute_read_rule,
)
from leads.selectors import dispute_list_for
from leads.services import dispute_rule, ruling_correct
from leads.services.evidence import EVIDENCE_EXTENSIONS, evidence_content_type

PAGE_SIZE = 25


def _evidence_kind_label(kind: str) -> str:
    return {"image": _("Image"), "pdf": _("PDF"), "audio": _("Audio")}.get(kind, "")


def _side_text(dispute: Dispute) -> str:
    return str(DisputeSide(dispute.side).label)


def _ruling_rows(rulings: list[Ruling]) -> list[dict]:
    """Rulings newest first, each with the ruling that superseded it (if any) and whether it
    is the ruling in force (annotated: `RulingQuerySet.with_in_force`)."""
    by_superseded = {ruling.supersedes_id: ruling for ruling in rulings if ruling.supersedes_id}
    return [{"ruling": ruling, "superseded_by": by_superseded.get(ruling.pk),
             "is_current": ruling.in_force}
            for ruling in sorted(rulings, key=lambda r: (r.created_at, r.pk), reverse=True)]


# The lead page's quality card ----------------------------------------------------------------


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
    rule = dispute_read_rule(request)

    def url_for(dispute: Dispute) -> str:
        readable = rule.access(dispute, sees_lead=True).may_read
        return dispute.get_absolute_url() if readable else ""

    disputes = []
    if getattr(lead, "has_disputes", True):
        disputes = list(
            Dispute.objects.filter(lead=lead).order_by("-created_at", "-id")
            .prefetch_related(Prefetch("rulings", queryset=Ruling.objects.with_in_force()
                                       .select_related("ruled_by"))))
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
            "countdown": countdown(open_dispute.due_at, timezone.now()),
            "url": url_for(open_dispute),
        }
    return {"quality": {
        "open": open_row,
        "ruled": ruled,
        "verdict": lead.get_quality_verdict_display() if lead.quality_verdict else "",
        "dispute_form": form,
        "shown": bool(open_row or ruled or form),
    }}


# The adjudicator's queue ---------------------------------------------------------------------


@login_required
@require_GET
def dispute_queue(request):
    """Open disputes, the soonest due first (or the ruled ones, the latest first), for the
    quality department."""
    if not can_see_quality_queue(request.user):
        raise PermissionDenied
    now = timezone.now()
    blind = dispute_read_rule(request).blind
    show_ruled = request.GET.get("show") == "ruled"
    # The rows show the dispute, its lead and source: none of what the API prefetches.
    queryset = dispute_list_for(user=request.user).prefetch_related(None)
    if show_ruled:
        queryset = queryset.filter(status=DisputeStatus.RULED).order_by("-ruled_at", "-id")
    else:
        queryset = queryset.filter(status=DisputeStatus.OPEN).order_by("due_at", "id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for dispute in page.object_list:
        clock = None if show_ruled else countdown(dispute.due_at, now)
        rows.append({
            "dispute": dispute,
            "is_sample": dispute.side == DisputeSide.SAMPLE,
            "side": "" if blind or dispute.side == DisputeSide.SAMPLE else _side_text(dispute),
            "countdown": clock,
            "overdue": bool(clock and clock["overdue"]),
        })
    return render(request, "leads/quality/disputes.html", {
        "page": page,
        "rows": rows,
        "show_ruled": show_ruled,
        "blind": blind,
        "page_query": page_query(request.GET),
        "nav_current": "disputes",
    })


# The ruling page -----------------------------------------------------------------------------


def dispute_for_reader(request, pk: int) -> tuple[Dispute, DisputeAccess]:
    """The dispute, read through `dispute_list_for` as the API reads it, with what the user
    may read of it (`dispute_read_rule`, from the selector's `reader_sees_lead`: no second
    query).

    404 if there is no such dispute; 403 for one the user may not read, as the pages have
    always answered (the API answers 404: its lists are its only door)."""
    try:
        dispute = (dispute_list_for(user=request.user).select_related("lead__campaign")
                   .get(pk=pk))
    except Dispute.DoesNotExist:
        if Dispute.objects.filter(pk=pk).exists():
            raise PermissionDenied from None
        raise Http404 from None
    access = dispute_read_rule(request).access(dispute, sees_lead=dispute.reader_sees_lead)
    if not access.may_read:  # the selector and the rule agree (tests/leads/test_dispute_readers)
        raise PermissionDenied
    return dispute, access


def _dispute_context(request, dispute: Dispute, access: DisputeAccess, bound: dict) -> dict:
    """What the page shows of the dispute: what `access` allows the reader, no more. The
    linked follow-ups, the files and the rulings come prefetched by `dispute_list_for`."""
    user = request.user
    lead = dispute.lead
    now = timezone.now()
    blind = access.blind
    notes_visible = access.notes
    linked_ids = {follow_up.pk for follow_up in dispute.follow_ups.all()}
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
    files = sorted(dispute.attachments.all(), key=lambda file: (file.created_at, file.pk))
    for number, attachment in enumerate(files, 1):
        extension = os.path.splitext(attachment.file.name)[1].lower()
        attachments.append({
            "url": reverse("leads:dispute_file", args=[dispute.pk, attachment.pk]),
            # Blind review: a file's name may name its sender.
            "name": (_("Evidence file %(number)d") % {"number": number}) + extension
            if blind else os.path.basename(attachment.file.name),
            "kind": _evidence_kind_label(EVIDENCE_EXTENSIONS.get(extension, "")),
        })
    rulings = _ruling_rows(list(dispute.rulings.all()))
    current = next((row["ruling"] for row in rulings if row["is_current"]), None)
    ruling_form = bound.get("ruling")
    if ruling_form is None and dispute.status == DisputeStatus.OPEN and can_rule(user):
        ruling_form = RulingForm()
    correction_form = bound.get("correction")
    if correction_form is None and current is not None and can_correct_ruling(user):
        correction_form = CorrectionForm()
    is_open = dispute.status == DisputeStatus.OPEN
    clock = countdown(dispute.due_at, now) if is_open else None
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
        "countdown": clock,
        "overdue": bool(clock and clock["overdue"]),
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


def _render_dispute(request, dispute: Dispute, access: DisputeAccess, *,
                    bound: dict | None = None, status: int = 200):
    return render(request, "leads/quality/dispute.html",
                  _dispute_context(request, dispute, access, bound or {}), status=status)


@login_required
@require_GET
def dispute_page(request, pk: int):
    """The lead's facts and the evidence of both sides; the ruling form for adjudicators, the
    rulings once made and, for a quality head, the correction form. Blind review hides who
    opened the dispute from the quality department."""
    dispute, access = dispute_for_reader(request, pk)
    return _render_dispute(request, dispute, access)


@login_required
@require_POST
def dispute_rule_view(request, pk: int):
    # Who may rule is the service's to say (dispute_rule): a refusal is a 403.
    dispute, access = dispute_for_reader(request, pk)
    form = RulingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if call_service(request, dispute_rule, form=form, dispute=dispute,
                        verdict=data["verdict"], reason=data["reason"], note=data["note"],
                        actor=request.user):
            messages.success(request, _("The ruling on %(lead)s is recorded. It is final.")
                             % {"lead": dispute.lead})
            return redirect(dispute)
    messages.error(request, error_summary(_("The ruling was not recorded."), form))
    return _render_dispute(request, dispute, access, bound={"ruling": form}, status=400)


@login_required
@require_POST
def ruling_correct_view(request, pk: int, ruling_pk: int):
    # Who may correct is the service's to say (ruling_correct): a refusal is a 403.
    dispute, access = dispute_for_reader(request, pk)
    ruling = next((ruling for ruling in dispute.rulings.all() if ruling.pk == ruling_pk), None)
    if ruling is None:
        raise Http404
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if call_service(request, ruling_correct, form=form, ruling=ruling,
                        verdict=data["verdict"], reason=data["reason"], note=data["note"],
                        actor=request.user):
            messages.success(request, _("The correction is recorded; the earlier ruling stays "
                                        "on record."))
            return redirect(dispute)
    messages.error(request, error_summary(_("The correction was not recorded."), form))
    return _render_dispute(request, dispute, access, bound={"correction": form}, status=400)


@login_required
@require_GET
def dispute_file(request, pk: int, file_pk: int):
    """An evidence file, to those who may read the dispute. Files are not public media.

    Always a download, never shown in the page: the content type is the allowlist's for the
    file's extension (application/octet-stream for anything else, such as a file stored before
    the allowlist), the browser may not sniff another, and a sandbox keeps whatever it is from
    running script in the reader's session."""
    dispute, access = dispute_for_reader(request, pk)
    attachment = next((file for file in dispute.attachments.all() if file.pk == file_pk), None)
    if attachment is None:
        raise Http404
    extension = os.path.splitext(attachment.file.name)[1].lower()
    name = f"evidence-{attachment.pk}{extension}" if access.blind \
        else os.path.basename(attachment.file.name)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=name,
                            content_type=evidence_content_type(attachment.file.name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
