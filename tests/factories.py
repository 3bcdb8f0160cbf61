"""factory_boy factories for the organisation core."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from coordination.core.org.models import (
    Absence,
    BusinessCalendar,
    CalendarDay,
    Department,
    DepartmentKind,
    Membership,
    Quota,
    Role,
    Team,
    User,
    WorkingPeriod,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    kind = DepartmentKind.SALES


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """Writes the row directly; tests of the membership rules call the services instead."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.MEMBER


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    user = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(days=2))


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    user = factory.SubFactory(UserFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyAttribute(
        lambda o: (o.period_start + datetime.timedelta(days=32)).replace(day=1)
        - datetime.timedelta(days=1)
    )
    amount = Decimal("100000.00")
    currency = "CNY"


class BusinessCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Asia/Shanghai"


class WorkingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingPeriod

    calendar = factory.SubFactory(BusinessCalendarFactory)
    weekday = 0
    start_time = datetime.time(9)
    end_time = datetime.time(18)


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay

    calendar = factory.SubFactory(BusinessCalendarFactory)
    kind = "holiday"
    name = "Holiday"


def member(kind: str = DepartmentKind.SALES, role: str = Role.MEMBER, *, department=None,
           team=None, user=None, **membership) -> User:
    """A user with one membership: `member("quality", is_adjudicator=True)`."""
    department = department or DepartmentFactory(kind=kind)
    user = user or UserFactory()
    MembershipFactory(user=user, department=department, role=role, team=team, **membership)
    return user


# Leads ------------------------------------------------------------------------------------------

class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Source"

    name = factory.Sequence(lambda n: f"Source {n}")
    channel = "website"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Campaign"

    source = factory.SubFactory(SourceFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    spend = Decimal("10000.00")


class LeadPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.LeadPool"

    name = factory.Sequence(lambda n: f"Pool {n}")


class AssignmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.AssignmentRule"

    name = factory.Sequence(lambda n: f"Rule {n}")
    priority = factory.Sequence(lambda n: 10 + n)
    conditions = factory.LazyFunction(list)


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written directly (no intake, no assignment); intake tests call the services."""

    class Meta:
        model = "leads.Lead"

    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    source = factory.SubFactory(SourceFactory)


def rule_with_reps(reps, **fields):
    """An active rule whose pool is exactly `reps` (weights from `weights=` if given)."""
    from leads.models import RulePoolMember

    weights = fields.pop("weights", None) or [1] * len(reps)
    rule = AssignmentRuleFactory(**fields)
    for rep, weight in zip(reps, weights, strict=True):
        RulePoolMember.objects.create(rule=rule, user=rep, weight=weight)
    return rule
