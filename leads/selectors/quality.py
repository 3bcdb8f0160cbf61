"""Lead quality: the disputes a user may read, with the ruling in force."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from leads.models import Dispute, DisputeAttachment, FollowUp, Ruling
from leads.permissions import DisputeReadRule


def ruling_in_force_of(*, dispute: Dispute) -> Ruling | None:
    """The dispute's ruling in force (`RulingQuerySet.in_force`); None while it is open."""
    return Ruling.objects.in_force().filter(dispute=dispute).order_by("-created_at", "-id").first()


def ruling_in_force_value(field: str = "verdict") -> Subquery:
    """A field of each dispute's ruling in force (`RulingQuerySet.in_force`), as a subquery to
    annotate disputes with (the outer row is the dispute); NULL while a dispute is open. Read
    by the dispute lists and the metrics' dispute figures."""
    return Subquery(Ruling.objects.in_force().filter(dispute=OuterRef("pk"))
                    .order_by("-created_at", "-id").values(field)[:1])


def dispute_list_for(*, user) -> QuerySet[Dispute]:
    """Disputes `user` may read (`DisputeReadRule.filter`: the quality department, executives,
    admins and keys with a quality scope read every one; a side the disputes it follows), with
    the verdict in force (`verdict`, `verdict_reason`), every ruling marked `in_force` or not
    and, as `reader_sees_lead`, what `DisputeReadRule.access` asks of each row (whether the
    reader may see its lead), so that a list reads what each row shows without a query per
    row."""
    rule = DisputeReadRule(user)
    queryset = (
        Dispute.objects.select_related("lead__source", "opened_by")
        .prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("author")
                     .order_by("created_at", "id")),
            Prefetch("attachments", queryset=DisputeAttachment.objects.order_by("id")),
            Prefetch("rulings", queryset=Ruling.objects.with_in_force()
                     .select_related("ruled_by").order_by("-id")))
        .annotate(verdict=ruling_in_force_value("verdict"),
                  verdict_reason=ruling_in_force_value("reason"),
                  reader_sees_lead=rule.sees_lead_expression()))
    readable = rule.filter()
    return queryset if readable is None else queryset.filter(readable)
