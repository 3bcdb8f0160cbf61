"""The team board: for heads and team leads, each rep's open and overdue leads and today's
reassignments, and a head's default queue."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from leads.permissions import is_sales_head, is_sales_manager
from leads.selectors import default_queue_for, team_board


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
