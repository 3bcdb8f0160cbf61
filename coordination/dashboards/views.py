"""The shared marketing-sales scoreboard: one page, the same for both sides.

Nobody grades the other side: marketing's volume and sales' conversion stand side by side under
the one outcome both carry, and lead quality is what the neutral quality department ruled. The
figures come from the metrics service; this view only reads the filter and lays them out.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from coordination.dashboards import charts
from coordination.dashboards.forms import CUSTOM, PRESETS, ScoreboardFilterForm
from coordination.metrics.funnel import funnel_metrics
from coordination.metrics.periods import today_in_site_zone
from coordination.metrics.permissions import can_view_dispute_figures, can_view_scoreboard


def _preset_links(current: str, source_id: int | None) -> list[dict]:
    url = reverse("dashboards:scoreboard")
    links = []
    for key, (label, _period) in PRESETS.items():
        query = {"period": key} | ({"source": source_id} if source_id else {})
        links.append({"key": key, "label": label, "url": f"{url}?{urlencode(query)}",
                      "current": key == current})
    return links


@login_required
@require_GET
def scoreboard(request):
    if not can_view_scoreboard(request.user):
        raise PermissionDenied
    form = ScoreboardFilterForm(request.GET or None, today=today_in_site_zone())
    preset, period, source_id = form.chosen()
    # Under blind review the quality department sees no dispute figures: they would tell who
    # opened the disputes it judges, or their side.
    funnel = funnel_metrics(period=period, source_id=source_id,
                            with_disputes=can_view_dispute_figures(request.user))
    totals = funnel.totals
    currency = totals.outcome[0].currency
    context = {
        "form": form,
        "preset_links": _preset_links(preset, source_id),
        "custom": preset == CUSTOM,
        "period": period,
        "source_name": dict(form.fields["source"].choices).get(source_id) if source_id else "",
        "funnel": funnel,
        "totals": totals,
        "outcome_currency": currency,
        "several_currencies": len(totals.outcome) > 1,
        "granularity": funnel.trend.granularity,
        "outcome_chart": charts.outcome_chart(funnel.trend, currency),
        "volume_chart": charts.volume_chart(funnel.trend),
        "rates_chart": charts.rates_chart(funnel.trend),
    }
    return render(request, "dashboards/scoreboard.html", context)
