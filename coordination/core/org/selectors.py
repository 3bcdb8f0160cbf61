"""Reading the organisation: availability, quotas, heads, members."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from coordination.core.org.models import Absence, Department, Membership, Quota, Role, User


def users_available(*, users: QuerySet[User], at: datetime.datetime) -> QuerySet[User]:
    """`users` less those who are absent at `at` or inactive. One query, however many users."""
    away = Absence.objects.filter(user=OuterRef("pk"), starts_at__lte=at, ends_at__gt=at)
    return users.filter(is_active=True).exclude(Exists(away))


def user_is_available(*, user: User, at: datetime.datetime) -> bool:
    if not user.is_active:
        return False
    return not Absence.objects.filter(user=user, starts_at__lte=at, ends_at__gt=at).exists()


def absences_upcoming(*, user: User, now: datetime.datetime, limit: int = 5) -> list[Absence]:
    return list(Absence.objects.filter(user=user, ends_at__gt=now).order_by("starts_at")[:limit])


def department_heads(*, department: Department) -> QuerySet[User]:
    """The heads of `department`, active people only."""
    return User.objects.filter(
        is_active=True, memberships__department=department, memberships__role=Role.HEAD
    ).distinct()


def department_members(*, department: Department) -> QuerySet[Membership]:
    return (Membership.objects.filter(department=department, user__is_active=True)
            .select_related("user", "team").order_by("role", "user__full_name"))


def quotas_current_for(*, user: User, on: datetime.date) -> list[Quota]:
    """The quotas that apply to `user` on `on`: their own, their teams' and departments'."""
    memberships = Membership.objects.filter(user=user)
    return list(
        Quota.objects.filter(period_start__lte=on, period_end__gte=on)
        .filter(
            Q(user=user)
            | Q(team__in=memberships.exclude(team=None).values("team"))
            | Q(department__in=memberships.values("department"))
        )
        .select_related("user", "team__department", "department")
        .order_by("period_start")
    )


def absent_colleagues(*, user: User, at: datetime.datetime) -> list[Absence]:
    """Absences now of people in the departments `user` heads (for a head's home page)."""
    headed = Membership.objects.filter(user=user, role__in=[Role.HEAD, Role.EXECUTIVE]).values(
        "department")
    return list(
        Absence.objects.filter(
            starts_at__lte=at, ends_at__gt=at,
            user__memberships__department__in=headed,
        ).exclude(user=user).select_related("user").distinct().order_by("ends_at")[:20]
    )
