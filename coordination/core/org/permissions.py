"""Who may see and act on what, from department and role. One place for views, API and admin.

Each app writes its own rules in its own `permissions.py` and registers them here with
`permission_rule_register` from its AppConfig.ready(), so that `can_view(user, obj)` and
`can_act(user, obj, action)` answer for any object. Functions take either a person (`User`)
or an integration principal (`coordination.core.apikeys.principal.ApiKeyPrincipal`);
integrations hold no department and act only through the scopes of their key, which the API
checks.
"""

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext as _

from coordination.core.org.models import (
    PARTISAN_KINDS,
    Absence,
    Department,
    DepartmentKind,
    Membership,
    Quota,
    Role,
    Team,
    User,
)

_CACHE_ATTR = "_tandem_memberships"


def is_person(user) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def is_integration(user) -> bool:
    return getattr(user, "is_integration", False)


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their departments and teams, loaded once per user object."""
    if not is_person(user):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, department__is_active=True)
            .select_related("department", "team")
            .order_by("department__kind", "department__name")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user) -> None:
    """Drop the cached memberships, after they changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_superuser(user) -> bool:
    return is_person(user) and user.is_superuser


def is_executive(user) -> bool:
    """Executives read everything and run the daily standup: the members of the executive
    office. The executive role exists only there (`membership_change_denial` refuses it in any
    other department), so a role alone never opens the whole company."""
    if is_superuser(user):
        return True
    return any(m.department.kind == DepartmentKind.EXECUTIVE for m in memberships_of(user))


def role_in(user, department: Department) -> str | None:
    for membership in memberships_of(user):
        if membership.department_id == department.pk:
            return membership.role
    return None


def is_head_of(user, department: Department) -> bool:
    return role_in(user, department) in {Role.HEAD, Role.EXECUTIVE}


def headed_department_ids(user) -> set[int]:
    return {m.department_id for m in memberships_of(user) if m.role in {Role.HEAD, Role.EXECUTIVE}}


def led_team_ids(user) -> set[int]:
    return {m.team_id for m in memberships_of(user) if m.role == Role.LEAD and m.team_id}


def department_ids(user) -> set[int]:
    return {m.department_id for m in memberships_of(user)}


def is_member_of_kind(user, *kinds: str) -> bool:
    return any(m.department.kind in kinds for m in memberships_of(user))


def is_head(user) -> bool:
    return bool(headed_department_ids(user))


def is_adjudicator(user) -> bool:
    """A neutral judge of lead quality: quality department, flagged, and in no partisan one."""
    memberships = memberships_of(user)
    if any(m.department.kind in PARTISAN_KINDS for m in memberships):
        return False
    return any(
        m.is_adjudicator and m.department.kind == DepartmentKind.QUALITY for m in memberships
    )


def is_inspector(user) -> bool:
    memberships = memberships_of(user)
    if any(m.department.kind in PARTISAN_KINDS for m in memberships):
        return False
    return any(m.is_inspector and m.department.kind == DepartmentKind.QUALITY for m in memberships)


def manages_user(user, other) -> bool:
    """A head of one of `other`'s departments, or the lead of one of their teams."""
    if not is_person(user):
        return False
    heads = headed_department_ids(user)
    leads = led_team_ids(user)
    if not heads and not leads:
        return False
    return Membership.objects.filter(user=other).filter(
        models.Q(department_id__in=heads) | models.Q(team_id__in=leads)
    ).exists()


# Rules for the organisation's own objects ------------------------------------------------------

def can_view_department(user, department: Department) -> bool:
    # The organisation chart is open to everyone in it: departments see each other's figures.
    return is_person(user)


def can_manage_department(user, department: Department) -> bool:
    return is_superuser(user) or is_head_of(user, department)


def can_change_department_kind(user) -> bool:
    """What a department is decides what its people may do (the executive office reads
    everything, the quality department judges): only an administrator changes a department's
    kind or closes it; a head may rename it."""
    return is_superuser(user)


def can_view_team(user, team: Team) -> bool:
    return is_person(user)


def can_view_user(user, other) -> bool:
    return is_person(user)


def can_view_membership(user, membership: Membership) -> bool:
    return is_person(user)


# Roles a department head may give within their own department. Making someone a head or an
# executive, or adding anyone to the executive office (whose members read everything), is an
# administrator's act: a head could otherwise promote themselves or a friend above the
# department's own reach.
HEAD_GRANTABLE_ROLES = frozenset({Role.MEMBER, Role.LEAD})
ADMIN_ONLY_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE})
ORG_ADMIN_SCOPE = "org:admin"


def membership_change_denial(actor, *, department: Department, role: str, user_id: int | None,
                             current: Membership | None = None) -> str | None:
    """Why `actor` may not give the person `user_id` the role `role` in `department` (creating,
    or changing `current`), or None if they may. To remove a membership, pass its own department
    and role.

    The one rule for memberships, used by the services (so the API, the admin and any later
    page are held to it):
    - nobody (not even an administrator) holds the executive role outside the executive office;
    - an administrator (a superuser), the system (`actor` None) and a key with `org:admin` may
      do anything else;
    - a key with only `org:write` manages members and team leads, never heads, executives or the
      executive office;
    - a person manages memberships only in departments they head, only as member or team lead,
      never their own membership, never another head's, never the executive office's.
    """
    if role == Role.EXECUTIVE and department.kind != DepartmentKind.EXECUTIVE:
        return _("The executive role belongs to the executive office only: add the person to "
                 "the executive office instead.")
    if actor is None or is_superuser(actor):
        return None
    touches_admin_only = (
        role in ADMIN_ONLY_ROLES or department.kind == DepartmentKind.EXECUTIVE
        or (current is not None and (current.role in ADMIN_ONLY_ROLES
                                     or current.department.kind == DepartmentKind.EXECUTIVE))
    )
    if is_integration(actor):
        if touches_admin_only and not actor.has_scope(ORG_ADMIN_SCOPE):
            return _("Only an administrator, or a key with the “org:admin” scope, can make "
                     "someone a department head or an executive, or change a head's or the "
                     "executive office's memberships.")
        return None
    if not is_person(actor):
        return _("You may not change memberships.")
    if user_id == actor.pk or (current is not None and current.user_id == actor.pk):
        return _("You cannot change your own membership: ask an administrator.")
    departments = [department] + ([current.department] if current is not None else [])
    for place in departments:
        if role_in(actor, place) != Role.HEAD:
            return (_("Only an administrator or a head of %(department)s may change its "
                      "memberships.") % {"department": place})
    if touches_admin_only:
        return _("Only an administrator can make someone a department head or an executive, or "
                 "change a head's or the executive office's memberships.")
    if current is None and user_id is not None and Membership.objects.filter(
        models.Q(role__in=ADMIN_ONLY_ROLES) | models.Q(department__kind=DepartmentKind.EXECUTIVE),
        user_id=user_id,
    ).exists():
        # Adding them would make the head their manager (their absences, quotas, leads).
        return _("This person heads a department or belongs to the executive office: only an "
                 "administrator can add them to another department.")
    return None


def can_manage_membership(user, membership: Membership) -> bool:
    return membership_change_denial(
        user, department=membership.department, role=membership.role,
        user_id=membership.user_id, current=membership if membership.pk else None,
    ) is None


def can_view_absence(user, absence: Absence) -> bool:
    if not is_person(user):
        return False
    return absence.user_id == user.pk or is_executive(user) or manages_user(user, absence.user)


def can_view_quota(user, quota: Quota) -> bool:
    if not is_person(user):
        return False
    if is_executive(user):
        return True
    if quota.user_id is not None:
        return quota.user_id == user.pk or manages_user(user, quota.user)
    if quota.team_id is not None:
        return (quota.team_id in led_team_ids(user)
                or quota.team.department_id in department_ids(user))
    return quota.department_id in department_ids(user)


def can_manage_quota(user, quota: Quota) -> bool:
    if is_superuser(user) or is_executive(user):
        return True
    if quota.department_id:
        department_id = quota.department_id
    elif quota.team_id:
        department_id = quota.team.department_id
    else:
        department_id = None
    return department_id is not None and department_id in headed_department_ids(user)


def can_view_audit_history(user, obj: models.Model) -> bool:
    return is_superuser(user) or is_executive(user)


# The registry: one question for any object -------------------------------------------------------

ViewRule = Callable[[object, models.Model], bool]
ActRule = Callable[[object, models.Model, str], bool]
_rules: dict[type[models.Model], tuple[ViewRule, ActRule | None]] = {}


def permission_rule_register(model: type[models.Model], *, view: ViewRule,
                             act: ActRule | None = None) -> None:
    """Name who may see `model`'s objects and act on them; each app registers its models' rules
    from its AppConfig.ready()."""
    _rules[model] = (view, act)


def register_core_rules() -> None:
    """The core's own models (called by CoreConfig.ready())."""
    permission_rule_register(Department, view=can_view_department,
                             act=lambda user, obj, action: can_manage_department(user, obj))
    permission_rule_register(Team, view=can_view_team,
                             act=lambda user, obj, action: can_manage_department(
                                 user, obj.department))
    permission_rule_register(User, view=can_view_user,
                             act=lambda user, obj, action: is_superuser(user)
                             or (action == "change" and obj == user))
    permission_rule_register(Membership, view=can_view_membership,
                             act=lambda user, obj, action: can_manage_membership(user, obj))
    permission_rule_register(Absence, view=can_view_absence,
                             act=lambda user, obj, action: obj.user_id == getattr(user, "pk", None)
                             or is_superuser(user) or manages_user(user, obj.user))
    permission_rule_register(Quota, view=can_view_quota,
                             act=lambda user, obj, action: can_manage_quota(user, obj))


def can_view(user, obj: models.Model) -> bool:
    """May `user` see `obj`? False for any model without a registered rule."""
    rule = _rules.get(type(obj)._meta.concrete_model)
    return bool(rule and rule[0](user, obj))


def can_act(user, obj: models.Model, action: str) -> bool:
    """May `user` perform `action` (change, delete, or a named action) on `obj`?"""
    rule = _rules.get(type(obj)._meta.concrete_model)
    if not rule or rule[1] is None:
        return is_superuser(user)
    return bool(rule[1](user, obj, action))


