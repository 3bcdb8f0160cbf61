"""Pages of the leads app."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from leads.models import Lead
from leads.permissions import can_view_lead


@login_required
def lead_detail(request, pk: int):
    lead = get_object_or_404(Lead.objects.select_related("source", "campaign", "owner"), pk=pk)
    if not can_view_lead(request.user, lead):
        raise Http404
    return render(request, "leads/lead_detail.html", {"lead": lead})
