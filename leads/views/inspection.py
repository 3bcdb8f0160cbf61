"""Pages of the quality inspection of follow-ups (质检): the inspector's queue and scoring page,
and each rep's and team's inspection results.

Each action is one service call (`call_service`); the permission module decides who may do
what, and what the templates show is prepared here so that they stay logic-free.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coordination.core.web.pages import call_service, error_summary, page_query
from leads.forms import InspectionForm
from leads.models import AnswerType, Inspection, InspectionAnswer, InspectionStatus
from leads.permissions import can_inspect, is_sales, is_sales_manager
from leads.selectors import (
    inspection_list_for,
    quality_results_of_rep,
    quality_results_of_team,
)
from leads.services import inspection_agreement, inspection_score

PAGE_SIZE = 25

RESULT_PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def _inspections_for(user):
    """The inspections `user` may see (`inspection_list_for`, as the API reads them), without
    the API's prefetches: the pages read the criteria and the answers only where they show
    them."""
    return inspection_list_for(user=user).prefetch_related(None)


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
    queryset = (_inspections_for(user).filter(status=InspectionStatus.PENDING)
                .exclude(Exists(scored_by_me))
                .order_by("drawn_on", "id"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    agreement = inspection_agreement(since=timezone.now() - datetime.timedelta(days=90))
    if agreement["pairs"]:
        agreement["same_percent"] = round(agreement["same_verdict_rate"] * 100)
    return render(request, "leads/quality/inspections.html", {
        "page": page,
        "agreement": agreement,
        "page_query": page_query(request.GET),
        "nav_current": "inspections",
    })


def _inspection_or_404(user, pk: int) -> Inspection:
    return get_object_or_404(_inspections_for(user).select_related("scorecard", "inspector"),
                             pk=pk)


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
    inspection = _inspection_or_404(request.user, pk)
    return render(request, "leads/quality/inspection.html",
                  _inspection_context(request, inspection, None))


@login_required
@require_POST
def inspection_score_view(request, pk: int):
    # The inspection pages are the inspectors' (403 for anyone else, as on the page itself);
    # which inspection an inspector may score is the service's to say.
    if not can_inspect(request.user):
        raise PermissionDenied
    inspection = _inspection_or_404(request.user, pk)
    form = InspectionForm(request.POST, criteria=list(inspection.scorecard.criteria.all()))
    if form.is_valid():
        call = call_service(request, inspection_score, form=form, inspection=inspection,
                            inspector=request.user, answers=form.answers(),
                            findings=form.cleaned_data["findings"],
                            not_genuine=form.cleaned_data["not_genuine"])
        if call:
            scored = call.result
            text = (_("Scored %(score)s: passed.") if scored.passed
                    else _("Scored %(score)s: below the pass mark."))
            messages.success(request, text % {"score": scored.score})
            if scored.not_genuine:
                messages.warning(request, _("The follow-up is flagged as not genuine."))
            return redirect("leads:inspections")
    messages.error(request, error_summary(_("The inspection was not saved."), form))
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
        "page_query": page_query(request.GET),
        "nav_current": "quality_results",
    })
