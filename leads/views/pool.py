"""The lead pool: the leads waiting in the pools a rep may claim from, and the limits of those
pools. Claiming is an action on a lead (leads/views/lead.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leads.permissions import is_sales
from leads.selectors import claim_standing, pool_leads_for, pools_claimable_by

PAGE_SIZE = 25


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
