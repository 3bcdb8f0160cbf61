"""Reading follow-ups: those a user may see, and the search over them."""

import datetime

from django.db.models import Q, QuerySet

from leads.models import FollowUp, Lead
from leads.permissions import lead_visibility_filter


def follow_up_list_for(*, user) -> QuerySet[FollowUp]:
    queryset = FollowUp.objects.select_related("lead", "author", "lead__source")
    visible = lead_visibility_filter(user)
    if visible is not None:
        lead_ids = Lead.objects.filter(visible).values("pk")
        queryset = queryset.filter(lead_id__in=lead_ids)
    return queryset


def follow_up_search(*, user, rep_id: int | None = None,
                     since: datetime.datetime | None = None,
                     until: datetime.datetime | None = None, text: str = "",
                     in_notes: bool = True) -> QuerySet[FollowUp]:
    """Follow-ups `user` may see, newest first, by rep, time range [since, until) and content:
    the next step and, when `in_notes` (the reader may read notes), the notes."""
    queryset = follow_up_list_for(user=user)
    if rep_id:
        queryset = queryset.filter(author_id=rep_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if text:
        match = Q(next_step__icontains=text)
        if in_notes:
            match |= Q(notes__icontains=text)
        queryset = queryset.filter(match)
    return queryset.order_by("-created_at", "-id")
