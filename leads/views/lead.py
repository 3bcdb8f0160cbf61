"""Pages of leads: My leads, All leads, the lead page and the actions on it (follow-up,
reassign, qualify, win, lose, claim from the pool, open a dispute).

Views read through the selectors, act through one service call each (`call_service` turns a
refusal into what the page shows) and decide nothing a service decides; what the templates show
is prepared here, so that they stay logic-free.
"""

from urllib.parse import urlsplit

import phonenumbers
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination.core.web.pages import (
    call_service,
    countdown,
    error_summary,
    page_query,
    safe_next,
)
from leads.forms import (
    AllLeadsFilterForm,
    DisputeForm,
    FollowUpForm,
    LoseForm,
    MyLeadsFilterForm,
    ReassignForm,
    WinForm,
)
from leads.models import NEXT_STEP_CLOCK, WORKED_STATUSES, Dispute, FollowUp, Lead, LeadStatus
from leads.permissions import (
    can_change_lead_status,
    can_claim_from,
    can_list_leads,
    can_log_follow_up,
    can_read_follow_up_notes,
    can_reassign_lead,
    can_view_lead,
    is_sales,
)
from leads.selectors import (
    lead_duplicates_for,
    lead_list_filtered,
    lead_list_for,
    lead_timeline,
    lead_was_pooled,
    my_leads_filtered,
)
from leads.services import (
    dispute_open,
    follow_up_create,
    lead_claim,
    lead_lose,
    lead_qualify,
    lead_reassign_manual,
    lead_win,
)
from leads.views.quality import lead_quality_context

PAGE_SIZE = 25
# All leads is read, not worked row by row: a longer page, fewer clicks.
ALL_LEADS_PAGE_SIZE = 50


# Helpers -------------------------------------------------------------------------------------


def _clock_label(lead: Lead) -> str:
    """Which clock runs (`Lead.running_clock`); the next step's name when none does."""
    return str((lead.running_clock or NEXT_STEP_CLOCK).label)


def _phone_display(phone: str) -> str:
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def lead_for_page(user, pk: int) -> Lead:
    """The lead with what its page shows, or 404 for a user who may not see it: read through
    `lead_list_for`, as the API reads it."""
    return get_object_or_404(
        lead_list_for(user=user).select_related("created_by", "lost_reason", "rule")
        # Lets the page skip the quality queries for a lead never disputed.
        .annotate(has_disputes=Exists(Dispute.objects.filter(lead=OuterRef("pk")))),
        pk=pk,
    )


def _redirect_after_change(request, lead_pk: int):
    """Back to the lead if the user still sees it (a recycled or reassigned lead may be out
    of their sight now), else to their list."""
    if lead_list_for(user=request.user).filter(pk=lead_pk).exists():
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
        clock = countdown(lead.deadline, now)
        rows.append({
            "lead": lead,
            "phone": _phone_display(lead.phone),
            "countdown": clock,
            "clock_label": _clock_label(lead),
            "overdue": bool(clock and clock["overdue"]),
            "form": form,
            "form_open": form_open,
        })
    return {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": any(params.get(name) for name in ("status", "source", "overdue", "q")),
        "page_query": page_query(params),
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
        clock = countdown(lead.deadline, now)
        owner_kind, owner_text = _owner_column(lead)
        rows.append({
            "lead": lead,
            "owner_kind": owner_kind,
            "owner_text": owner_text,
            "countdown": clock,
            "clock_label": _clock_label(lead),
            "overdue": bool(clock and clock["overdue"]),
        })
    return render(request, "leads/all_leads.html", {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": any(params.get(name) for name in AllLeadsFilterForm.FILTER_NAMES),
        "page_query": page_query(params),
        "nav_current": "leads",
    })


# The lead page -------------------------------------------------------------------------------


def _timeline_rows(lead: Lead, *, notes_visible: bool) -> list[dict]:
    # Notes are shown or hidden per reader, not per follow-up.
    return [{**entry, "notes_visible": notes_visible} for entry in lead_timeline(lead=lead)]


def _detail_context(request, lead: Lead, bound: dict | None = None) -> dict:
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
        "countdown": countdown(lead.deadline, now),
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


def render_lead_detail(request, lead: Lead, *, bound: dict | None = None, status: int = 200):
    """The lead page; `bound` holds the forms to show again with their errors, by name
    ("follow_up", "reassign", "win", "lose", "dispute")."""
    return render(request, "leads/lead_detail.html", _detail_context(request, lead, bound),
                  status=status)


@login_required
@require_GET
def lead_detail(request, pk: int):
    """Everything about one lead and what the user may do with it; 404 if they may not see
    it."""
    return render_lead_detail(request, lead_for_page(request.user, pk))


# Actions on a lead ---------------------------------------------------------------------------


@login_required
@require_POST
def follow_up_log(request, pk: int):
    """Log a follow-up (owner only); back where it was sent from, with the form filled in
    again and the error named if the service refused it."""
    lead = lead_for_page(request.user, pk)
    form = _follow_up_form(lead, request.POST)
    next_url = safe_next(request, reverse("leads:detail", args=[lead.pk]))
    if form.is_valid() and call_service(request, follow_up_create, form=form, lead=lead,
                                        author=request.user, **form.cleaned_data):
        messages.success(request, _("Follow-up logged for %(lead)s.") % {"lead": lead})
        return redirect(next_url)
    messages.error(request, error_summary(_("The follow-up was not saved."), form))
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
    return render_lead_detail(request, lead, bound={"follow_up": form}, status=400)


@login_required
@require_POST
def lead_reassign(request, pk: int):
    lead = lead_for_page(request.user, pk)
    # Who may reassign is the service's to say (lead_reassign_manual): a refusal is a 403.
    form = ReassignForm(request.POST, exclude_user_id=lead.owner_id)
    if form.is_valid():
        to_user = form.cleaned_data["to_user"]
        if call_service(request, lead_reassign_manual, form=form, lead=lead, to_user=to_user,
                        note=form.cleaned_data["note"], actor=request.user):
            messages.success(request, _("%(lead)s is now %(user)s's lead.")
                             % {"lead": lead, "user": to_user.get_full_name()})
            return _redirect_after_change(request, lead.pk)
    messages.error(request, error_summary(_("The lead was not reassigned."), form))
    return render_lead_detail(request, lead, bound={"reassign": form}, status=400)


@login_required
@require_POST
def lead_qualify_view(request, pk: int):
    lead = lead_for_page(request.user, pk)
    if call_service(request, lead_qualify, lead=lead, actor=request.user):
        messages.success(request, _("%(lead)s is qualified.") % {"lead": lead})
    return _redirect_after_change(request, lead.pk)


@login_required
@require_POST
def lead_win_view(request, pk: int):
    lead = lead_for_page(request.user, pk)
    form = WinForm(request.POST)
    if form.is_valid() and call_service(request, lead_win, form=form, lead=lead,
                                        actor=request.user, value=form.cleaned_data["value"]):
        messages.success(request, _("%(lead)s is won. Congratulations!") % {"lead": lead})
        return _redirect_after_change(request, lead.pk)
    messages.error(request, error_summary(_("The lead was not marked won."), form))
    return render_lead_detail(request, lead, bound={"win": form}, status=400)


@login_required
@require_POST
def lead_lose_view(request, pk: int):
    lead = lead_for_page(request.user, pk)
    form = LoseForm(request.POST)
    if form.is_valid() and call_service(request, lead_lose, form=form, lead=lead,
                                        actor=request.user, reason=form.cleaned_data["reason"],
                                        note=form.cleaned_data["note"]):
        if form.cleaned_data["reason"].recycle:
            text = _("%(lead)s went back to the lead pool for another try.")
        else:
            text = _("%(lead)s is marked lost.")
        messages.success(request, text % {"lead": lead})
        return _redirect_after_change(request, lead.pk)
    messages.error(request, error_summary(_("The lead was not marked lost."), form))
    return render_lead_detail(request, lead, bound={"lose": form}, status=400)


@login_required
@require_POST
def lead_claim_view(request, pk: int):
    """Claim a lead from the pool: first come, first served. Whoever comes second is told so
    and sent back to the pool."""
    # As the API's claim: a lead someone else just claimed has left the pool (and the late
    # claimer's sight), and they must hear "taken", not "no such lead"; any other lead the
    # user may not see is a 404, so that claiming does not tell which leads exist.
    lead = get_object_or_404(Lead.objects.only("pk", "owner_id", "pool_id"), pk=pk)
    if not (lead_was_pooled(lead=lead) or can_view_lead(request.user, lead)):
        raise Http404
    # A refusal is an answer here, not a forbidden page: someone was quicker, a limit is
    # reached, or the user may not claim from this pool.
    if not call_service(request, lead_claim, deny_with_403=False, lead=lead, user=request.user):
        return redirect(safe_next(request, reverse("leads:pool")))
    lead.refresh_from_db()
    messages.success(request, _("%(lead)s is yours now. Contact them soon: the clock runs.")
                     % {"lead": lead})
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def dispute_open_view(request, pk: int):
    """Open a dispute on the lead's quality, with grounds, evidence and evidence files; back
    to the lead page with the form filled in again and the error named if refused. (The
    dispute's own pages are in leads/views/quality.py; this one answers with the lead page.)"""
    user = request.user
    lead = lead_for_page(user, pk)
    # Who may open a dispute is the service's to say (dispute_open): a refusal is a 403.
    follow_ups = list(FollowUp.objects.filter(lead=lead).order_by("-created_at", "-id"))
    form = DisputeForm(request.POST, request.FILES, follow_ups=follow_ups)
    if form.is_valid():
        data = form.cleaned_data
        # dispute_open is one transaction: a refused dispute leaves no files behind in the
        # database.
        if call_service(request, dispute_open, form=form, lead=lead, actor=user,
                        ground=data["ground"], evidence=data["evidence"],
                        follow_ups=data.get("follow_ups") or [], files=data["files"]):
            messages.success(request, _("Your dispute on %(lead)s went to the quality "
                                        "department.") % {"lead": lead})
            return redirect("leads:detail", pk=lead.pk)
    messages.error(request, error_summary(_("The dispute was not opened."), form))
    return render_lead_detail(request, lead, bound={"dispute": form}, status=400)
