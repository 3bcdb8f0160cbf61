"""Who may see and act on leads. Used by selectors, pages, API and admin alike."""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import BooleanField, ExpressionWrapper, Q, Value

from coordination.core.org import permissions as org
from coordination.core.org.models import DepartmentKind, Membership, Role
from coordination.core.request_cache import cached
from leads.models import DisputeSide, Lead, LeadPool


def is_sales(user) -> bool:
    return org.is_member_of_kind(user, DepartmentKind.SALES)


def is_marketing(user) -> bool:
    return org.is_member_of_kind(user, DepartmentKind.MARKETING)


def is_sales_manager(user) -> bool:
    """A head of a sales department or a sales team lead."""
    return any(
        m.department.kind == DepartmentKind.SALES and m.role in {Role.HEAD, Role.LEAD,
                                                                   Role.EXECUTIVE}
        for m in org.memberships_of(user)
    )


def can_list_leads(user) -> bool:
    """Who gets the All leads page: whoever sees more than their own leads (executives,
    admins, sales heads, marketing) and the sales team leads, who see their team's.
    lead_list_for decides which leads each of them sees."""
    return sees_all_leads(user) or is_sales_manager(user)


def is_sales_head(user) -> bool:
    """A head of a sales department (responsible for its default queue)."""
    return org.is_superuser(user) or any(
        m.department.kind == DepartmentKind.SALES and m.role in {Role.HEAD, Role.EXECUTIVE}
        for m in org.memberships_of(user)
    )


def sees_all_leads(user) -> bool:
    """Executives, admins, heads of sales and marketing see every lead; marketing sees the
    status and outcome of every lead it produced (all leads come from marketing's sources)."""
    if org.is_superuser(user) or org.is_executive(user):
        return True
    return any(
        m.department.kind in {DepartmentKind.SALES, DepartmentKind.MARKETING}
        and (m.role in {Role.HEAD, Role.EXECUTIVE} or m.department.kind == DepartmentKind.MARKETING)
        for m in org.memberships_of(user)
    )


def managed_owner_filter(user) -> Q:
    """Leads owned by the people a team lead or head manages, as a filter on Lead."""
    led_teams = org.led_team_ids(user)
    headed = org.headed_department_ids(user)
    managed = Membership.objects.filter(Q(team_id__in=led_teams) | Q(department_id__in=headed))
    return Q(owner__in=managed.values("user"))


def pool_filter(user) -> Q:
    """Leads in pools the user may claim from."""
    if not is_sales(user):
        return Q(pk__in=[])
    team_ids = {m.team_id for m in org.memberships_of(user) if m.team_id}
    return Q(pool__isnull=False) & (Q(pool__team__isnull=True) | Q(pool__team_id__in=team_ids))


def lead_visibility_filter(user) -> Q | None:
    """A filter on Lead for what `user` may see; None means everything.

    An integration holding a leads scope reads every lead (the API has checked the scope the
    method needs)."""
    if org.is_integration(user):
        return None if (user.has_scope("leads:read") or user.has_scope("leads:write")) \
            else Q(pk__in=[])
    if not org.is_person(user):
        return Q(pk__in=[])
    if sees_all_leads(user):
        return None
    visible = Q(owner=user) | pool_filter(user)
    if org.led_team_ids(user) or org.headed_department_ids(user):
        visible |= managed_owner_filter(user)
    return visible


def can_view_lead(user, lead: Lead) -> bool:
    if org.is_integration(user):
        return user.has_scope("leads:read")
    visible = lead_visibility_filter(user)
    if visible is None:
        return True
    if lead.owner_id is not None and lead.owner_id == user.pk:
        return True
    return Lead.objects.filter(visible, pk=lead.pk).exists()


def can_read_follow_up_notes(user, lead: Lead) -> bool:
    """Marketing sees status and outcome, never the follow-up notes."""
    if org.is_integration(user):
        return user.has_scope("leads:read")
    if org.is_superuser(user) or org.is_executive(user):
        return True
    if is_marketing(user) and not is_sales(user):
        return False
    return can_view_lead(user, lead)


def can_read_notes_in_lists(user) -> bool:
    """The part of can_read_follow_up_notes that does not depend on the lead, for lists whose
    rows are already limited to visible leads: marketing never reads notes."""
    if org.is_integration(user):
        return user.has_scope("leads:read")
    if org.is_superuser(user) or org.is_executive(user):
        return True
    return org.is_person(user) and not (is_marketing(user) and not is_sales(user))


def can_search_follow_ups(user) -> bool:
    return (is_sales(user) or is_marketing(user) or org.is_executive(user)
            or org.is_superuser(user))


def can_create_leads(user) -> bool:
    if org.is_integration(user):
        return user.has_scope("leads:write")
    return org.is_superuser(user) or is_marketing(user) or is_sales_manager(user)


def can_log_follow_up(user, lead: Lead) -> bool:
    return org.is_person(user) and lead.owner_id == user.pk


def headed_sales_department_ids(user) -> set[int]:
    return {m.department_id for m in org.memberships_of(user)
            if m.department.kind == DepartmentKind.SALES and m.role in {Role.HEAD, Role.EXECUTIVE}}


def can_reassign_lead(user, lead: Lead) -> bool:
    """Admins; a sales head for leads of their department's reps and unowned leads (the
    default queue, the pools); a team lead for leads of their team; integrations only with
    the leads:assign scope."""
    if org.is_integration(user):
        return user.has_scope("leads:assign")
    if org.is_superuser(user):
        return True
    headed = headed_sales_department_ids(user)
    if headed and lead.owner_id is None:
        return True
    if lead.owner_id is None or not (headed or org.led_team_ids(user)):
        return False
    # Asked several times per page (reassign form, status buttons): one query per reader.
    cached = getattr(lead, "_can_reassign", None)
    if cached is not None and cached[0] == (user.pk, lead.owner_id):
        return cached[1]
    allowed = Membership.objects.filter(user_id=lead.owner_id).filter(
        Q(department_id__in=headed) | Q(team_id__in=org.led_team_ids(user))).exists()
    lead._can_reassign = ((user.pk, lead.owner_id), allowed)
    return allowed


def can_receive_lead_from(actor, to_user) -> bool:
    """May `actor` give a lead to `to_user`? The target is an active sales member; a head
    gives within the sales departments they head, a team lead within their teams."""
    targets = Membership.objects.filter(user=to_user, user__is_active=True,
                                        department__kind=DepartmentKind.SALES)
    if org.is_integration(actor) or org.is_superuser(actor):
        return targets.exists()
    return targets.filter(Q(department_id__in=headed_sales_department_ids(actor))
                          | Q(team_id__in=org.led_team_ids(actor))).exists()


def can_change_lead_status(user, lead: Lead) -> bool:
    """The owner or their managers. Never an integration: won and lost are the shared
    outcome, which no push tool of one side may write."""
    if org.is_integration(user):
        return False
    return can_log_follow_up(user, lead) or can_reassign_lead(user, lead)


def can_read_rules(user) -> bool:
    """Admins, executives, sales heads and team leads; integrations with leads:read."""
    if org.is_integration(user):
        return user.has_scope("leads:read")
    return org.is_superuser(user) or org.is_executive(user) or is_sales_manager(user)


def can_change_rules(user) -> bool:
    return org.is_superuser(user)


def can_change_catalog(user) -> bool:
    """Sources and campaigns are kept by those who bring leads in: admins and marketing."""
    if org.is_integration(user):
        return False
    return org.is_superuser(user) or can_create_leads(user)


def can_claim_from(user, pool: LeadPool) -> bool:
    if not org.is_person(user) or not is_sales(user):
        return False
    if pool.team_id is None:
        return True
    return any(m.team_id == pool.team_id for m in org.memberships_of(user))


def can_act_on_lead(user, lead: Lead, action: str) -> bool:
    """The rule registered with the core for leads (LeadsConfig.ready()): changing and
    reassigning follow can_reassign_lead; anything else is the superuser's."""
    if action in {"change", "reassign"}:
        return can_reassign_lead(user, lead)
    return org.is_superuser(user)


# Lead quality ------------------------------------------------------------------------------------

def quality_side(user) -> str | None:
    """The side a person disputes for: sales (reps, heads) or marketing; None for others."""
    if is_sales(user):
        return "sales"
    if is_marketing(user):
        return "marketing"
    return None


def can_open_dispute(user, lead: Lead) -> bool:
    """The owning rep, a sales manager of the owner, or marketing."""
    if not org.is_person(user):
        return False
    if is_marketing(user) and not is_sales(user):
        return True
    return lead.owner_id == user.pk or (is_sales_manager(user) and can_view_lead(user, lead))


def can_rule(user) -> bool:
    """Only an adjudicator of the neutral quality department rules, and never anyone who also
    belongs to sales or marketing: heads and executives included."""
    return org.is_person(user) and org.is_adjudicator(user)


def can_correct_ruling(user) -> bool:
    """A head of the quality department who belongs to neither side."""
    if not org.is_person(user) or is_sales(user) or is_marketing(user):
        return False
    return any(m.department.kind == DepartmentKind.QUALITY and m.role == Role.HEAD
               for m in org.memberships_of(user))


def can_inspect(user) -> bool:
    return org.is_person(user) and org.is_inspector(user)


def can_see_quality_queue(user) -> bool:
    return can_rule(user) or can_correct_ruling(user)


# Reading disputes ------------------------------------------------------------------------------

QUALITY, EXECUTIVE, INTEGRATION, SIDE = "quality", "executive", "integration", "side"

# A key reads disputes with a quality scope ("quality:write" is registered for no key today).
DISPUTE_READ_SCOPES = ("quality:read", "quality:write")


@dataclass(frozen=True)
class DisputeAccess:
    """What one reader may read of one dispute (`DisputeReadRule.access`).

    `reader` says how they read it (QUALITY, EXECUTIVE, INTEGRATION or SIDE), None when they may
    not read it at all. Whoever may read a dispute reads its grounds, its evidence (the text,
    the files, the linked follow-ups), its status and clock, and its rulings. Beyond that:
    `blind`: who opened it, its side and claim, and the names of the people on the lead (the
    follow-ups' authors, the files' uploaders and the files' own names) are withheld;
    `contact`: the lead's phone, e-mail and WeChat ID are shown;
    `notes`: the follow-ups' notes are shown.
    """

    reader: str | None
    blind: bool = False
    contact: bool = False
    notes: bool = False

    @property
    def may_read(self) -> bool:
        return self.reader is not None

    @property
    def opener(self) -> bool:
        """Who opened the dispute, and for which side."""
        return self.may_read and not self.blind


NO_ACCESS = DisputeAccess(reader=None)


class DisputeReadRule:
    """Who may read a dispute, and what of it: the one rule behind the ruling page, the lead
    page's links to it, its evidence files, the API and the admin.

    - The quality department's judges (adjudicators, and the quality heads who correct
      rulings) read every dispute and the daily sample; blind while the quality settings ask
      for blind review (`is_blind_reader`).
    - Executives and admins read every dispute, whole.
    - A key with a quality scope reads every dispute; the lead's contact and the follow-up
      notes only if it holds leads:read too.
    - The side that opened a dispute follows it: who opened it, and whoever of that side may
      dispute the lead (`can_open_dispute`: for sales the lead's owner and the managers who see
      the lead, for marketing all of marketing). Nobody reads the other side's disputes, and no
      side reads the daily sample. They read the lead's contact while they may see the lead,
      and the follow-up notes while they may read them (`can_read_follow_up_notes`: marketing
      never).
    - Nobody else: inspectors and the rest of the quality department, the other departments,
      reps who neither own the lead nor opened the dispute.

    `filter()` is the rule in SQL (which disputes), `access(dispute)` the rule for one dispute
    (whether, and what); tests/leads/test_dispute_readers.py holds the two to agree. Build one
    per request: it reads the memberships once and the quality settings at most once.
    """

    def __init__(self, user):
        self.user = user
        self.kind = self._kind(user)
        # The side a person disputes for; None for one who disputes for no side.
        self.side = quality_side(user) if self.kind == SIDE else None

    @staticmethod
    def _kind(user) -> str | None:
        if org.is_integration(user):
            return INTEGRATION if any(user.has_scope(scope) for scope in DISPUTE_READ_SCOPES) \
                else None
        if not org.is_person(user):
            return None
        if can_see_quality_queue(user):
            return QUALITY
        if org.is_executive(user):  # admins included
            return EXECUTIVE
        return SIDE

    @cached_property
    def blind(self) -> bool:
        """Blind review applies to this reader: `is_blind_reader`, the one condition (true
        only for the quality department's judges, so only for `kind == QUALITY`)."""
        return is_blind_reader(self.user)

    @cached_property
    def _seen_leads(self) -> Q | None:
        """The disputes whose lead the reader may see (`can_view_lead`); None for all."""
        visible = lead_visibility_filter(self.user)
        return None if visible is None else Q(lead__in=Lead.objects.filter(visible).values("pk"))

    def filter(self) -> Q | None:
        """The disputes the reader may read, as a filter on Dispute; None for every one."""
        if self.kind is None:
            return Q(pk__in=[])
        if self.kind != SIDE:
            return None
        readable = Q(opened_by=self.user)
        if self.side == DisputeSide.MARKETING:
            readable |= Q(side=DisputeSide.MARKETING)
        elif self.side == DisputeSide.SALES:
            # can_open_dispute for sales: the lead's owner, or a manager who sees the lead.
            sales = Q(side=DisputeSide.SALES)
            if not is_sales_manager(self.user):
                readable |= sales & Q(lead__owner=self.user)
            elif self._seen_leads is None:
                readable |= sales
            else:
                readable |= sales & (Q(lead__owner=self.user) | self._seen_leads)
        return readable & ~Q(side=DisputeSide.SAMPLE)

    def sees_lead_expression(self):
        """Whether the reader may see each dispute's lead, for a list to annotate and hand to
        `access(dispute, sees_lead=...)` instead of a query per row. Null where `access` does
        not ask (the readers who are not a side)."""
        if self.kind != SIDE:
            return Value(None, output_field=BooleanField())
        if self._seen_leads is None:
            return Value(True, output_field=BooleanField())
        return ExpressionWrapper(self._seen_leads, output_field=BooleanField())

    def access(self, dispute, *, sees_lead: bool | None = None) -> DisputeAccess:
        """What the reader may read of `dispute`. `sees_lead`: whether they may see its lead,
        when the caller knows already (the lead's own page, a list's annotation); else asked
        here, in one query at most."""
        user = self.user
        if self.kind is None:
            return NO_ACCESS
        if self.kind == INTEGRATION:
            leads = user.has_scope("leads:read")
            return DisputeAccess(INTEGRATION, contact=leads, notes=leads)
        if self.kind == QUALITY:
            return DisputeAccess(QUALITY, blind=self.blind, contact=True, notes=True)
        if self.kind == EXECUTIVE:
            return DisputeAccess(EXECUTIVE, contact=True, notes=True)
        if dispute.side == DisputeSide.SAMPLE:
            return NO_ACCESS

        def lead_seen() -> bool:
            return can_view_lead(user, dispute.lead) if sees_lead is None else bool(sees_lead)

        if dispute.opened_by_id != user.pk:
            if dispute.side != self.side:
                return NO_ACCESS
            # can_open_dispute for sales, as in filter().
            if self.side == DisputeSide.SALES and dispute.lead.owner_id != user.pk and not (
                    is_sales_manager(user) and lead_seen()):
                return NO_ACCESS
        seen = lead_seen()
        # can_read_notes_in_lists and a visible lead: can_read_follow_up_notes for a person.
        return DisputeAccess(SIDE, contact=seen, notes=seen and can_read_notes_in_lists(user))


def dispute_read_rule(request) -> DisputeReadRule:
    """The `DisputeReadRule` of the request's user, built once per request: the queryset, the
    filters, the serializers, the pages and the admin of one request all ask it."""
    if not hasattr(request, "_dispute_rule"):
        request._dispute_rule = DisputeReadRule(request.user)
    return request._dispute_rule


def dispute_read_access(user, dispute) -> DisputeAccess:
    """What `user` may read of `dispute` (`DisputeReadRule`). For several disputes, or several
    questions in one request, build one DisputeReadRule and ask it."""
    return DisputeReadRule(user).access(dispute)


def is_blind_reader(user) -> bool:
    """Blind review applies to `user`: a reader of the quality department (who rules or
    corrects rulings) while the quality settings ask for blind review (the default, also when
    the settings row is missing). Such a reader is never shown who opened a dispute, its side,
    the names of the people on the lead, nor anything that tells them (file names, uploaders,
    per-person or per-side tallies), on the pages, in the API and in the admin.

    One settings query per request for a quality reader, none for anybody else."""
    if not can_see_quality_queue(user):
        return False
    from leads.models import QualitySettings

    def load() -> bool:
        settings = QualitySettings.objects.filter(pk=1).only("blind_review").first()
        return True if settings is None else settings.blind_review

    return cached(f"{QualitySettings.CACHE_KEY}.blind_review", load)
