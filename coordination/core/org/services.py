"""Services of the organisation: memberships, absences, quotas, language.

Each service validates, writes inside its own transaction and records the audit trail.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.models import (
    PARTISAN_KINDS,
    Absence,
    Department,
    DepartmentKind,
    Membership,
    Role,
    Team,
    User,
)
from coordination.core.org.permissions import forget_memberships, membership_change_denial


def membership_validate(*, user: User, department: Department, team: Team | None, role: str,
                        is_adjudicator: bool, is_inspector: bool,
                        other_department_kinds: set[str], other_adjudicator: bool) -> None:
    """Raise ApplicationError if this membership would break a rule of the organisation.

    `other_department_kinds` and `other_adjudicator` describe the user's other memberships, so
    that a form holding several memberships at once can check them together.
    """
    if role not in Role.values:
        raise ApplicationError(_("Unknown role “%(role)s”.") % {"role": role},
                               code="invalid_role", field="role")
    if team is not None and team.department_id != department.pk:
        raise ApplicationError(
            _("The team “%(team)s” belongs to another department.") % {"team": team.name},
            code="team_outside_department", field="team",
        )
    if (is_adjudicator or is_inspector) and department.kind != DepartmentKind.QUALITY:
        raise ApplicationError(
            _("Only members of the quality department can adjudicate or inspect."),
            code="capability_outside_quality",
            field="is_adjudicator" if is_adjudicator else "is_inspector",
        )
    if is_adjudicator and other_department_kinds & PARTISAN_KINDS:
        raise ApplicationError(
            _("An adjudicator may not also belong to sales or marketing: lead quality is judged "
              "by a neutral party. Remove the sales or marketing membership first."),
            code="adjudicator_in_partisan_department", field="is_adjudicator",
        )
    if department.kind in PARTISAN_KINDS and other_adjudicator:
        raise ApplicationError(
            _("This person adjudicates lead-quality disputes and may not also belong to sales or "
              "marketing. Withdraw the adjudicator capability first."),
            code="adjudicator_in_partisan_department", field="department",
        )


def _check_actor(actor, *, department: Department, role: str, user_id: int,
                 current: Membership | None = None) -> None:
    denial = membership_change_denial(actor, department=department, role=role, user_id=user_id,
                                      current=current)
    if denial is not None:
        # The executive role outside the executive office is a wrong value, not a wrong actor.
        if role == Role.EXECUTIVE and department.kind != DepartmentKind.EXECUTIVE:
            raise ApplicationError(denial, code="executive_outside_executive_office",
                                   field="role")
        raise PermissionDenied(denial, field="role")


def _check_against_existing(*, user: User, department: Department, team: Team | None, role: str,
                            is_adjudicator: bool, is_inspector: bool,
                            exclude_pk: int | None) -> None:
    others = Membership.objects.filter(user=user).select_related("department")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    others = list(others)
    membership_validate(
        user=user, department=department, team=team, role=role,
        is_adjudicator=is_adjudicator, is_inspector=is_inspector,
        other_department_kinds={m.department.kind for m in others},
        other_adjudicator=any(m.is_adjudicator for m in others),
    )


@transaction.atomic
def membership_create(*, user: User, department: Department, role: str = Role.MEMBER,
                      team: Team | None = None, is_adjudicator: bool = False,
                      is_inspector: bool = False, actor=None) -> Membership:
    """Add `user` to `department`. Refuses an adjudicator in sales or marketing, a team of
    another department, a second membership in the same department, and anything `actor` may
    not grant (`membership_change_denial`: heads give member or team lead in their own
    department; heads, executives and the executive office are an administrator's)."""
    _check_actor(actor, department=department, role=role, user_id=user.pk)
    # Lock the person: two concurrent changes could otherwise each pass the adjudicator rule.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    _check_against_existing(user=user, department=department, team=team, role=role,
                            is_adjudicator=is_adjudicator, is_inspector=is_inspector,
                            exclude_pk=None)
    if Membership.objects.filter(user=user, department=department).exists():
        raise ApplicationError(
            _("%(user)s is already a member of %(department)s.")
            % {"user": user, "department": department},
            code="duplicate_membership", field="department",
        )
    membership = Membership.objects.create(
        user=user, department=department, team=team, role=role,
        is_adjudicator=is_adjudicator, is_inspector=is_inspector,
    )
    audit_record(actor=actor, verb="membership.created", obj=membership,
                 after=audit_snapshot(membership))
    forget_memberships(user)
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, actor=None, **changes) -> Membership:
    """Change role, team or capabilities of a membership under the same rules as creation,
    and what `actor` may grant in both the old and the new department. A change of role is
    audited as `membership.role_changed`, any other change as `membership.updated`."""
    allowed = {"department", "team", "role", "is_adjudicator", "is_inspector"}
    unknown = set(changes) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    values = {name: getattr(membership, name) for name in allowed} | changes
    _check_actor(actor, department=values["department"], role=values["role"],
                 user_id=membership.user_id, current=membership)
    User.objects.select_for_update(no_key=True).filter(pk=membership.user_id).first()
    before = audit_snapshot(membership)
    _check_against_existing(user=membership.user, exclude_pk=membership.pk, **values)
    if Membership.objects.filter(user_id=membership.user_id, department=values["department"]
                                 ).exclude(pk=membership.pk).exists():
        raise ApplicationError(
            _("%(user)s is already a member of %(department)s.")
            % {"user": membership.user, "department": values["department"]},
            code="duplicate_membership", field="department",
        )
    for name, value in changes.items():
        setattr(membership, name, value)
    membership.save()
    verb = "membership.role_changed" if before.get("role") != membership.role else (
        "membership.updated")
    audit_record(actor=actor, verb=verb, obj=membership, before=before,
                 after=audit_snapshot(membership))
    forget_memberships(membership.user)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor=None) -> None:
    """Remove a membership, if `actor` may manage it (as for a change)."""
    _check_actor(actor, department=membership.department, role=membership.role,
                 user_id=membership.user_id, current=membership)
    audit_record(actor=actor, verb="membership.deleted", obj=membership,
                 before=audit_snapshot(membership))
    membership.delete()
    forget_memberships(membership.user)


@transaction.atomic
def absence_create(*, user: User, starts_at: datetime.datetime, ends_at: datetime.datetime,
                   kind: str = "leave", note: str = "", actor=None) -> Absence:
    """Record that `user` is away from `starts_at` until `ends_at`."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError(_("Times must include a time zone."), code="naive_datetime",
                               field="starts_at")
    if ends_at <= starts_at:
        raise ApplicationError(_("An absence must end after it starts."),
                               code="absence_ends_before_start", field="ends_at")
    try:
        with transaction.atomic():
            absence = Absence.objects.create(user=user, starts_at=starts_at, ends_at=ends_at,
                                             kind=kind, note=note)
    except IntegrityError as exc:  # pragma: no cover - the checks above mirror the constraint
        raise ApplicationError(str(exc), code="integrity_error") from exc
    audit_record(actor=actor, verb="absence.created", obj=absence, after=audit_snapshot(absence))
    return absence


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language a person chose, for their e-mails and notifications."""
    from django.conf import settings

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ApplicationError(_("Unknown language."), code="invalid_language", field="language")
    if user.preferred_language != language:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        user.preferred_language = language


@transaction.atomic
def user_unlock_login(*, user: User, actor) -> int:
    """Lift a login lockout of `user` (wrong passwords counted for their account) before it
    runs out. Returns the number of recorded failed attempts removed; audited."""
    from axes.utils import reset

    removed = reset(username=user.get_username())
    audit_record(actor=actor, verb="user.login_unlocked", obj=user,
                 after={"attempts_removed": removed})
    return removed
