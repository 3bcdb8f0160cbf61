"""A believable demo organisation: departments, teams, people, absences, quotas and the
Chinese public holidays of 2025 and 2026 on the default business calendar.

Safe to run again: everything is looked up before it is created and nothing existing is
changed, so a second run writes no rows. `make run` calls it once, then `--print-logins` on
every start.
"""

import argparse
import calendar as calendar_module
import datetime
import unicodedata
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from coordination.core.org.models import (
    Absence,
    AbsenceKind,
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
    Weekday,
    WorkingPeriod,
)
from coordination.core.org.services import absence_create, membership_create

DEMO_PASSWORD = "tandem-demo"
EMAIL_DOMAIN = "tandem.example"
CURRENCY = "CNY"
# People per unit of --scale: --scale N adds (N - 1) * PEOPLE_PER_SCALE generated people.
PEOPLE_PER_SCALE = 30

# --- Departments and teams -----------------------------------------------------------------

DEPARTMENTS: list[tuple[str, str, tuple[str, ...]]] = [
    # (kind, name, teams)
    (DepartmentKind.SALES, "销售部", ("华东组", "华南组", "华北组")),
    (DepartmentKind.MARKETING, "市场部", ("线上投放组", "线下活动组")),
    (DepartmentKind.PRODUCT, "产研部", ()),
    (DepartmentKind.DELIVERY, "交付部", ("实施一组", "实施二组")),
    (DepartmentKind.AFTER_SALES, "售后部", ("客服组",)),
    (DepartmentKind.QUALITY, "质检部", ()),
    (DepartmentKind.LEGAL, "法务部", ()),
    (DepartmentKind.FINANCE, "财务部", ()),
    (DepartmentKind.HR, "人事部", ()),
    (DepartmentKind.ADMIN, "行政部", ()),
    (DepartmentKind.IT, "IT部", ()),
    (DepartmentKind.EXECUTIVE, "总经办", ()),
]
SALES_DEPARTMENT = "销售部"
MARKETING_DEPARTMENT = "市场部"


# --- People --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    department: str
    role: str = Role.MEMBER
    team: str | None = None
    is_adjudicator: bool = False
    is_inspector: bool = False
    # Monthly sales target in CNY, for sales reps only; the quarter's is three times it.
    monthly_quota: Decimal | None = None


H, L, M, X = Role.HEAD, Role.LEAD, Role.MEMBER, Role.EXECUTIVE
PEOPLE: list[Person] = [
    Person("wangjianguo", "王建国", "总经办", X),  # 老板
    Person("jiangli", "蒋丽", "总经办", H),
    # Sales: a head, a lead per team and three reps under each lead.
    Person("zhangwei", "张伟", "销售部", H),
    Person("wangfang", "王芳", "销售部", L, "华东组"),
    Person("chenjing", "陈静", "销售部", M, "华东组", monthly_quota=Decimal("200000")),
    Person("yanglei", "杨磊", "销售部", M, "华东组", monthly_quota=Decimal("180000")),
    Person("zhaomin", "赵敏", "销售部", M, "华东组", monthly_quota=Decimal("150000")),
    Person("liqiang", "李强", "销售部", L, "华南组"),
    Person("huangyong", "黄勇", "销售部", M, "华南组", monthly_quota=Decimal("220000")),
    Person("zhoujie", "周杰", "销售部", M, "华南组", monthly_quota=Decimal("180000")),
    Person("wuting", "吴婷", "销售部", M, "华南组", monthly_quota=Decimal("160000")),
    Person("liuyang", "刘洋", "销售部", L, "华北组"),
    Person("xugang", "徐刚", "销售部", M, "华北组", monthly_quota=Decimal("200000")),
    Person("sunli", "孙丽", "销售部", M, "华北组", monthly_quota=Decimal("170000")),
    Person("machao", "马超", "销售部", M, "华北组", monthly_quota=Decimal("150000")),
    # Marketing.
    Person("lina", "李娜", "市场部", H),
    Person("zhulin", "朱琳", "市场部", M, "线上投放组"),
    Person("hubin", "胡斌", "市场部", M, "线上投放组"),
    Person("linxue", "林雪", "市场部", M, "线下活动组"),
    Person("hejun", "何军", "市场部", M, "线下活动组"),
    # Quality, the neutral third party: two adjudicating inspectors under their head.
    Person("fengtao", "冯涛", "质检部", H),
    Person("hanxue", "韩雪", "质检部", M, is_adjudicator=True, is_inspector=True),
    Person("tangning", "唐宁", "质检部", M, is_adjudicator=True, is_inspector=True),
    # Delivery and after-sales.
    Person("luoming", "罗明", "交付部", H),
    Person("liangchen", "梁晨", "交付部", M, "实施一组"),
    Person("dengchao", "邓超", "交付部", M, "实施二组"),
    Person("songjia", "宋佳", "售后部", H),
    Person("zhenghao", "郑浩", "售后部", M, "客服组"),
    # Functional departments.
    Person("gaofeng", "高峰", "产研部", H),
    Person("yujie", "于洁", "法务部", H),
    Person("dongmei", "董梅", "财务部", H),
    Person("chenghong", "程红", "人事部", H),
    Person("caoyang", "曹阳", "行政部", H),
    Person("yuanbo", "袁博", "IT部", H),
]
ADMIN_USERNAME = "admin"

# Absences relative to the Monday of the current week: (username, kind, first day offset,
# days, note). One rep is on leave this week, so assignment has someone to skip.
ABSENCES: list[tuple[str, str, int, int, str]] = [
    ("chenjing", AbsenceKind.LEAVE, 0, 5, "年假"),
    ("liuyang", AbsenceKind.TRIP, 8, 3, "出差：北京客户拜访"),
]

# The short list printed by --print-logins: one login per kind of user worth trying.
LOGINS: list[tuple[str, str]] = [
    (ADMIN_USERNAME, "superuser (Django admin)"),
    ("wangjianguo", "executive (老板)"),
    ("zhangwei", "sales head"),
    ("wangfang", "sales team lead"),
    ("chenjing", "sales rep (on leave this week)"),
    ("yanglei", "sales rep"),
    ("lina", "marketing head"),
    ("zhulin", "marketing member"),
    ("hanxue", "quality adjudicator and inspector"),
    ("luoming", "delivery head"),
]

# Generated people for --scale: surname and given name combined deterministically, so that
# len(SURNAMES) * len(GIVEN_NAMES) consecutive numbers all get different names. Their usernames
# are numbered from FIRST_GENERATED (rep0031, rep0032, ... and mkt0035, ... for marketers); the
# numbers never depend on the table above, so a later run finds the same people again.
FIRST_GENERATED = PEOPLE_PER_SCALE + 1
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
)
GIVEN_NAMES = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文", "华", "建华", "玉兰", "萍", "红",
    "鹏", "宇", "浩", "凯", "婷", "雪", "琳", "晨", "欣怡", "子涵", "梓轩", "一鸣", "思远",
    "佳琪", "雨桐", "博文", "志强", "海燕", "晓东", "丹", "辉", "斌", "莉", "倩", "建国",
    "国强", "春梅", "文静", "俊杰", "慧敏", "嘉怡", "天宇", "若曦", "子轩", "诗涵", "浩然",
    "梦琪", "宇航", "雅婷", "家豪", "晓燕", "永强",
)
GENERATED_QUOTAS = (Decimal("120000"), Decimal("150000"), Decimal("180000"), Decimal("200000"))


def generated_name(number: int) -> str:
    surname = SURNAMES[number % len(SURNAMES)]
    given = GIVEN_NAMES[(number // len(SURNAMES)) % len(GIVEN_NAMES)]
    return surname + given


# --- China's public holidays ---------------------------------------------------------------

D = datetime.date
# As announced by the State Council: (name, first day off, last day off, make-up working days
# (调休上班日), which keep Monday's hours).
CHINA_PUBLIC_HOLIDAYS: list[tuple[str, datetime.date, datetime.date, tuple[datetime.date, ...]]] = [
    ("元旦", D(2025, 1, 1), D(2025, 1, 1), ()),
    ("春节", D(2025, 1, 28), D(2025, 2, 4), (D(2025, 1, 26), D(2025, 2, 8))),
    ("清明节", D(2025, 4, 4), D(2025, 4, 6), ()),
    ("劳动节", D(2025, 5, 1), D(2025, 5, 5), (D(2025, 4, 27),)),
    ("端午节", D(2025, 5, 31), D(2025, 6, 2), ()),
    ("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8), (D(2025, 9, 28), D(2025, 10, 11))),
    ("元旦", D(2026, 1, 1), D(2026, 1, 3), (D(2026, 1, 4),)),
    ("春节", D(2026, 2, 15), D(2026, 2, 23), (D(2026, 2, 14), D(2026, 2, 28))),
    ("清明节", D(2026, 4, 4), D(2026, 4, 6), ()),
    ("劳动节", D(2026, 5, 1), D(2026, 5, 5), (D(2026, 5, 9),)),
    ("端午节", D(2026, 6, 19), D(2026, 6, 21), ()),
    ("中秋节", D(2026, 9, 25), D(2026, 9, 27), ()),
    ("国庆节", D(2026, 10, 1), D(2026, 10, 7), (D(2026, 9, 20), D(2026, 10, 10))),
]


def calendar_days() -> list[tuple[datetime.date, str, str]]:
    """Every (date, kind, name) of the holiday table, in date order."""
    days = []
    for name, first, last, workdays in CHINA_PUBLIC_HOLIDAYS:
        day = first
        while day <= last:
            days.append((day, CalendarDayKind.HOLIDAY, name))
            day += datetime.timedelta(days=1)
        days.extend((workday, CalendarDayKind.WORKDAY, f"{name}调休上班") for workday in workdays)
    return sorted(days)


# --- Helpers -------------------------------------------------------------------------------

def _positive_int(value: str) -> int:
    # argparse turns this error into a usage message (a CommandError under call_command).
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar_module.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = (today.month - 1) // 3 * 3 + 1
    start = datetime.date(today.year, first_month, 1)
    last_month = first_month + 2
    end = datetime.date(today.year, last_month,
                        calendar_module.monthrange(today.year, last_month)[1])
    return start, end


class Command(BaseCommand):
    help = (
        "Create a demo organisation (departments, teams, about 30 people, absences, quotas) and "
        "China's public holidays of 2025-2026 on the default calendar. Safe to run again: "
        "existing rows are left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=_positive_int, default=1, metavar="N",
            help=f"Multiply the people: N > 1 adds (N - 1) * {PEOPLE_PER_SCALE} generated sales "
                 "reps and marketing members (default 1).",
        )
        parser.add_argument(
            "--print-logins", action="store_true",
            help="Only print a few demo logins and their password; change nothing.",
        )

    def handle(self, *args, scale: int, print_logins: bool, **options):
        if print_logins:
            self.print_logins()
            return
        with transaction.atomic():
            self.password_hash = make_password(DEMO_PASSWORD)  # once: hashing is slow on purpose
            self.created: dict[str, int] = {}
            business_calendar = self.seed_calendar()
            departments, teams = self.seed_departments()
            users = self.seed_people(departments, teams)
            extra_reps = self.seed_generated_people(scale, departments, teams)
            self.seed_absences(users, business_calendar)
            self.seed_quotas(departments, teams, users, extra_reps)
        if any(self.created.values()):
            summary = ", ".join(f"{count} {what}" for what, count in self.created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")

    def _count(self, what: str, number: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + number

    # The calendar --------------------------------------------------------------------------

    def seed_calendar(self) -> BusinessCalendar:
        business_calendar = BusinessCalendar.objects.filter(is_default=True).first()
        if business_calendar is None:
            # The same calendar migration 0002 creates, in case it was deleted since.
            business_calendar = BusinessCalendar.objects.create(name="Head office", is_default=True)
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=business_calendar, weekday=weekday,
                              start_time=datetime.time(start), end_time=datetime.time(end))
                for weekday in range(5) for start, end in ((9, 12), (13, 18))
            )
            self._count("calendars")
        existing = set(business_calendar.days.values_list("date", flat=True))
        missing = [
            CalendarDay(calendar=business_calendar, date=date, kind=kind, name=name,
                        hours_like=Weekday.MONDAY)
            for date, kind, name in calendar_days() if date not in existing
        ]
        CalendarDay.objects.bulk_create(missing)
        self._count("holidays and make-up working days", len(missing))
        return business_calendar

    # The organisation ----------------------------------------------------------------------

    def seed_departments(self) -> tuple[dict[str, Department], dict[tuple[str, str], Team]]:
        departments: dict[str, Department] = {}
        teams: dict[tuple[str, str], Team] = {}
        for kind, name, team_names in DEPARTMENTS:
            department, created = Department.objects.get_or_create(name=name,
                                                                   defaults={"kind": kind})
            if created:
                self._count("departments")
            departments[name] = department
            for team_name in team_names:
                team, created = Team.objects.get_or_create(department=department, name=team_name)
                if created:
                    self._count("teams")
                teams[name, team_name] = team
        return departments, teams

    def _user(self, username: str, full_name: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "email": f"{username}@{EMAIL_DOMAIN}",
                      "password": self.password_hash, **extra},
        )
        if created:
            self._count("people")
        return user

    def seed_people(self, departments, teams) -> dict[str, User]:
        users = {ADMIN_USERNAME: self._user(ADMIN_USERNAME, "系统管理员", is_staff=True,
                                            is_superuser=True)}
        for person in PEOPLE:
            user = self._user(person.username, person.full_name)
            users[person.username] = user
            department = departments[person.department]
            if Membership.objects.filter(user=user, department=department).exists():
                continue
            # Through the service, so that the organisation's rules (an adjudicator never in
            # sales or marketing) hold for the demo too and the audit trail records it.
            membership_create(
                user=user, department=department, role=person.role,
                team=teams[person.department, person.team] if person.team else None,
                is_adjudicator=person.is_adjudicator, is_inspector=person.is_inspector,
            )
            self._count("memberships")
        return users

    def seed_generated_people(self, scale: int, departments, teams) -> list[tuple[User, int]]:
        """(N - 1) * 30 more sales reps and marketing members, written in bulk.

        Returns the generated sales reps with their number, for their quotas.
        """
        if scale == 1:
            return []
        sales_teams = [teams[key] for key in sorted(teams) if key[0] == SALES_DEPARTMENT]
        marketing_teams = [teams[key] for key in sorted(teams) if key[0] == MARKETING_DEPARTMENT]
        plan: dict[str, tuple[int, Team]] = {}
        for index in range(PEOPLE_PER_SCALE * (scale - 1)):
            number = FIRST_GENERATED + index
            # One in five is a marketer, the rest sell; both spread evenly over their teams.
            if index % 5 == 4:
                team = marketing_teams[(index // 5) % len(marketing_teams)]
                plan[f"mkt{number:04d}"] = (number, team)
            else:
                team = sales_teams[index % len(sales_teams)]
                plan[f"rep{number:04d}"] = (number, team)

        existing = set(User.objects.filter(username__in=plan).values_list("username", flat=True))
        new_users = [
            User(username=username, full_name=generated_name(number),
                 email=f"{username}@{EMAIL_DOMAIN}", password=self.password_hash)
            for username, (number, _team) in plan.items() if username not in existing
        ]
        User.objects.bulk_create(new_users, batch_size=500)
        self._count("people", len(new_users))

        # Read the primary keys back: not every database returns them from bulk_create.
        users = {user.username: user for user in User.objects.filter(username__in=plan)}
        member_of = set(
            Membership.objects.filter(user__in=users.values(),
                                      department__in=[departments[SALES_DEPARTMENT],
                                                      departments[MARKETING_DEPARTMENT]])
            .values_list("user_id", "department_id")
        )
        # Written in bulk, around membership_create: these are plain members of sales or
        # marketing without the adjudicator or inspector capability and with no other
        # membership, so none of the service's rules can be broken; what is skipped is only the
        # audit event per row, which for thousands of generated people would be noise.
        new_memberships = [
            Membership(user=users[username], department_id=team.department_id, team=team,
                       role=Role.MEMBER)
            for username, (_number, team) in plan.items()
            if (users[username].pk, team.department_id) not in member_of
        ]
        Membership.objects.bulk_create(new_memberships, batch_size=500)
        self._count("memberships", len(new_memberships))
        return [(users[username], number) for username, (number, _team) in plan.items()
                if username.startswith("rep")]

    def seed_absences(self, users: dict[str, User], business_calendar: BusinessCalendar) -> None:
        zone = zoneinfo.ZoneInfo(business_calendar.time_zone)
        today = timezone.localdate(timezone=zone)
        monday = today - datetime.timedelta(days=today.weekday())
        for username, kind, offset, days, note in ABSENCES:
            user = users[username]
            # The same absence again, even in a later week, would only clutter the demo.
            if Absence.objects.filter(user=user, note=note).exists():
                continue
            first_day = monday + datetime.timedelta(days=offset)
            last_day = first_day + datetime.timedelta(days=days - 1)
            absence_create(
                user=user, kind=kind, note=note,
                starts_at=datetime.datetime.combine(first_day, datetime.time(9), zone),
                ends_at=datetime.datetime.combine(last_day, datetime.time(18), zone),
            )
            self._count("absences")

    # Quotas --------------------------------------------------------------------------------

    def seed_quotas(self, departments, teams, users: dict[str, User],
                    extra_reps: list[tuple[User, int]]) -> None:
        """This month's and this quarter's targets for every sales rep, each sales team (the
        sum of its reps') and the sales department (the sum of its teams')."""
        today = timezone.localdate()
        monthly = {users[p.username]: p.monthly_quota for p in PEOPLE if p.monthly_quota}
        for user, number in extra_reps:
            monthly[user] = GENERATED_QUOTAS[number % len(GENERATED_QUOTAS)]
        sales = departments[SALES_DEPARTMENT]
        sales_teams = [team for (department, _name), team in teams.items()
                       if department == SALES_DEPARTMENT]
        for (start, end), months in ((_month(today), 1), (_quarter(today), 3)):
            have = set(Quota.objects.filter(user__in=monthly, period_start=start, period_end=end)
                       .values_list("user_id", flat=True))
            new = [Quota(user=user, period_start=start, period_end=end, amount=amount * months,
                         currency=CURRENCY)
                   for user, amount in monthly.items() if user.pk not in have]
            Quota.objects.bulk_create(new, batch_size=500)
            self._count("quotas", len(new))
            team_total = Decimal(0)
            for team in sales_teams:
                amount = self._sum_of_rep_quotas(team, start, end)
                team_total += amount
                self._quota(start, end, amount, team=team)
            self._quota(start, end, team_total, department=sales)

    @staticmethod
    def _sum_of_rep_quotas(team: Team, start: datetime.date, end: datetime.date) -> Decimal:
        total = Quota.objects.filter(
            user__memberships__team=team, period_start=start, period_end=end
        ).aggregate(total=Sum("amount"))["total"]
        return total or Decimal(0)

    def _quota(self, start, end, amount: Decimal, **target) -> None:
        _quota, created = Quota.objects.get_or_create(
            period_start=start, period_end=end, **target,
            defaults={"amount": amount, "currency": CURRENCY},
        )
        if created:
            self._count("quotas")

    # --print-logins ------------------------------------------------------------------------

    def print_logins(self) -> None:
        """A short table of logins worth trying; reads only."""
        users = {
            user.username: user
            for user in User.objects.filter(username__in=[u for u, _ in LOGINS])
            .prefetch_related("memberships__department")
        }
        if not users:
            self.stdout.write("No demo users yet: run `manage.py seed_demo` first.")
            return
        rows = [("username", "name", "department", "role")]
        for username, role in LOGINS:
            user = users.get(username)
            if user is None:
                continue
            department = ", ".join(m.department.name for m in user.memberships.all()) or "-"
            rows.append((username, user.full_name or "-", department, role))
        widths = [max(_width(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("Demo logins:")
        for row in rows:
            cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
