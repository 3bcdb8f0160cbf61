"""The demo seed: a believable organisation, China's holidays, safe to run again, scalable."""

import calendar
import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max
from django.utils import timezone

from coordination.core.management.commands.seed_demo import (
    CHINA_PUBLIC_HOLIDAYS,
    DEMO_PASSWORD,
    GIVEN_NAMES,
    SURNAMES,
    calendar_days,
    generated_name,
)
from coordination.core.org.calendar import calendar_spec_for, is_business_time
from coordination.core.org.models import (
    PARTISAN_KINDS,
    Absence,
    BusinessCalendar,
    CalendarDay,
    CalendarDayKind,
    Department,
    DepartmentKind,
    Membership,
    Quota,
    Role,
    Team,
    User,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (User, Department, Team, Membership, Quota, Absence, CalendarDay)}


@pytest.mark.django_db
def test_seed_creates_a_department_of_every_kind_with_a_head():
    seed()
    assert set(Department.objects.values_list("kind", flat=True)) == set(DepartmentKind.values)
    for department in Department.objects.all():
        assert department.memberships.filter(role=Role.HEAD).exists(), department.name


@pytest.mark.django_db
def test_seed_creates_about_thirty_people_who_can_log_in():
    output = seed()
    assert 28 <= User.objects.count() <= 40
    assert DEMO_PASSWORD in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    rep = User.objects.get(username="chenjing")
    assert rep.full_name == "陈静"
    assert rep.email == "chenjing@tandem.example"
    assert rep.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_seed_builds_sales_teams_with_leads_and_reps_and_an_executive():
    seed()
    for name in ("华东组", "华南组", "华北组"):
        team = Team.objects.get(department__kind=DepartmentKind.SALES, name=name)
        assert team.memberships.filter(role=Role.LEAD).count() == 1
        assert team.memberships.filter(role=Role.MEMBER).count() >= 2
    assert Membership.objects.filter(department__kind=DepartmentKind.MARKETING,
                                     role=Role.MEMBER).count() >= 2
    assert Membership.objects.filter(department__kind=DepartmentKind.EXECUTIVE,
                                     role=Role.EXECUTIVE).exists()


@pytest.mark.django_db
def test_adjudicators_are_in_quality_and_never_in_sales_or_marketing():
    seed()
    adjudicators = Membership.objects.filter(is_adjudicator=True)
    assert adjudicators.count() == 2
    assert set(adjudicators.values_list("department__kind", flat=True)) == {DepartmentKind.QUALITY}
    assert all(m.is_inspector for m in adjudicators)
    adjudicator_ids = adjudicators.values_list("user_id", flat=True)
    assert not Membership.objects.filter(user_id__in=adjudicator_ids,
                                         department__kind__in=PARTISAN_KINDS).exists()


@pytest.mark.django_db
def test_seed_records_an_absence_and_this_periods_quotas():
    seed()
    assert Absence.objects.filter(user__username="chenjing").exists()
    rep_quotas = Quota.objects.filter(user__username="chenjing")
    assert rep_quotas.count() == 2  # this month and this quarter
    assert {q.currency for q in rep_quotas} == {"CNY"}
    for team in Team.objects.filter(department__kind=DepartmentKind.SALES):
        assert team.quotas.count() == 2
    sales = Department.objects.get(kind=DepartmentKind.SALES)
    today = timezone.localdate()
    month = {"period_start": today.replace(day=1),
             "period_end": today.replace(day=calendar.monthrange(today.year, today.month)[1])}
    department_quota = sales.quotas.get(**month)
    team_sum = sum(q.amount for q in Quota.objects.filter(team__department=sales, **month))
    assert department_quota.amount == team_sum > 0


@pytest.mark.django_db
def test_seed_adds_the_2026_holidays_and_make_up_days_to_the_default_calendar():
    seed()
    default_calendar = BusinessCalendar.objects.get(is_default=True)
    days = {day.date: day for day in default_calendar.days.all()}
    assert days[datetime.date(2026, 10, 1)].kind == CalendarDayKind.HOLIDAY
    assert days[datetime.date(2026, 10, 1)].name == "国庆节"
    assert days[datetime.date(2026, 10, 10)].kind == CalendarDayKind.WORKDAY
    assert days[datetime.date(2026, 2, 14)].kind == CalendarDayKind.WORKDAY
    assert days[datetime.date(2026, 2, 17)].kind == CalendarDayKind.HOLIDAY
    assert days[datetime.date(2025, 1, 28)].name == "春节"
    assert datetime.date(2026, 10, 8) not in days


def test_holiday_table_is_consistent():
    dates = [date for date, _kind, _name in calendar_days()]
    assert len(dates) == len(set(dates))
    for name, first, last, workdays in CHINA_PUBLIC_HOLIDAYS:
        assert first <= last, name
        # A make-up working day is a weekend day that becomes a working day.
        assert all(day.weekday() >= 5 for day in workdays), name


def test_generated_names_are_distinct_for_a_large_scale():
    assert len(set(GIVEN_NAMES)) == len(GIVEN_NAMES)
    assert len(set(SURNAMES)) == len(SURNAMES)
    names = {generated_name(number) for number in range(3000)}
    assert len(names) == 3000


@pytest.mark.django_db
def test_seeded_make_up_working_day_is_business_time():
    seed()
    spec = calendar_spec_for()
    # 2026-10-10 is a Saturday, worked to make up for the National Day holiday.
    assert is_business_time(moment=datetime.datetime(2026, 10, 10, 10, tzinfo=SHANGHAI),
                            spec=spec)
    assert not is_business_time(moment=datetime.datetime(2026, 10, 2, 10, tzinfo=SHANGHAI),
                                spec=spec)


@pytest.mark.django_db
def test_second_run_creates_and_changes_nothing():
    seed()
    before = row_counts()
    last_change = Membership.objects.aggregate(Max("updated_at"))["updated_at__max"]
    output = seed()
    assert row_counts() == before
    assert Membership.objects.aggregate(Max("updated_at"))["updated_at__max"] == last_change
    assert "nothing changed" in output


@pytest.mark.django_db
def test_scale_three_gives_about_ninety_people_spread_over_sales_teams():
    seed("--scale", "3")
    assert 85 <= User.objects.count() <= 100
    assert User.objects.filter(username="rep0031", full_name__gt="").exists()
    sizes = (Membership.objects.filter(department__kind=DepartmentKind.SALES, role=Role.MEMBER)
             .values("team").annotate(size=Count("id")).values_list("size", flat=True))
    assert len(sizes) == 3
    assert max(sizes) - min(sizes) <= 1
    generated_rep = User.objects.get(username="rep0031")
    assert generated_rep.quotas.count() == 2
    assert generated_rep.check_password(DEMO_PASSWORD)
    before = row_counts()
    seed("--scale", "3")
    assert row_counts() == before


@pytest.mark.django_db
def test_scale_must_be_at_least_one():
    with pytest.raises(CommandError):
        seed("--scale", "0")


@pytest.mark.django_db
def test_print_logins_prints_the_password_and_writes_nothing(django_assert_max_num_queries):
    seed()
    before = row_counts()
    with django_assert_max_num_queries(3):
        output = seed("--print-logins")
    assert DEMO_PASSWORD in output
    assert "admin" in output
    assert "zhangwei" in output
    assert row_counts() == before


@pytest.mark.django_db
def test_print_logins_before_seeding_says_what_to_do():
    output = seed("--print-logins")
    assert "seed_demo" in output
    assert not User.objects.exists()
