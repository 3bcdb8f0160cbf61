import datetime
import zoneinfo

import pytest

from coordination.core.org.models import DepartmentKind, Role
from tests.factories import DepartmentFactory, SourceFactory, TeamFactory, member

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# Tuesday 2026-11-24, 10:00 in Shanghai: working time in the default calendar.
TUESDAY_10 = at(2026, 11, 24, 10)


@pytest.fixture
def sales():
    return DepartmentFactory(name="销售部", kind=DepartmentKind.SALES)


@pytest.fixture
def team(sales):
    return TeamFactory(department=sales, name="华东组")


@pytest.fixture
def head(sales):
    return member(department=sales, role=Role.HEAD, user=None)


@pytest.fixture
def reps(sales, team):
    return [member(department=sales, team=team) for _ in range(3)]


@pytest.fixture
def source():
    return SourceFactory(name="百度推广")
