"""Business time: weekends, holidays, make-up working days, midnight, daylight saving."""

import datetime
import zoneinfo

import pytest

from coordination.core.errors import ApplicationError
from coordination.core.org.calendar import (
    CalendarSpec,
    business_minutes_between,
    business_time_add,
    business_time_between,
    calendar_spec_for,
    is_business_time,
    next_business_moment,
)
from tests.factories import BusinessCalendarFactory, CalendarDayFactory, WorkingPeriodFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NINE_TO_SIX = [(datetime.time(9), datetime.time(18))]


def at(year, month, day, hour=0, minute=0, tz=SHANGHAI):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


def office(**extra) -> CalendarSpec:
    """Monday to Friday, 09:00 to 18:00 in Shanghai."""
    return CalendarSpec(time_zone=SHANGHAI, periods={d: NINE_TO_SIX for d in range(5)}, **extra)


def test_adding_within_one_working_day():
    # 2026-11-24 is a Tuesday.
    due = business_time_add(start=at(2026, 11, 24, 10), duration=datetime.timedelta(minutes=30),
                            spec=office())
    assert due == at(2026, 11, 24, 10, 30)


def test_friday_evening_lead_is_due_monday_morning():
    # 2026-11-27 is a Friday; 23:00 is after hours, so 30 business minutes run from Monday 09:00.
    due = business_time_add(start=at(2026, 11, 27, 23), duration=datetime.timedelta(minutes=30),
                            spec=office())
    assert due == at(2026, 11, 30, 9, 30)


def test_time_left_at_friday_close_carries_over_the_weekend():
    due = business_time_add(start=at(2026, 11, 27, 17, 30),
                            duration=datetime.timedelta(hours=1), spec=office())
    assert due == at(2026, 11, 30, 9, 30)


def test_deadline_at_the_end_of_a_period_stays_at_that_end():
    due = business_time_add(start=at(2026, 11, 27, 17), duration=datetime.timedelta(hours=1),
                            spec=office())
    assert due == at(2026, 11, 27, 18)


def test_weekend_counts_no_business_time():
    assert business_time_between(start=at(2026, 11, 28, 8), end=at(2026, 11, 29, 20),
                                 spec=office()) == datetime.timedelta(0)


def test_holiday_is_skipped():
    # Thursday 2026-10-01 is National Day: work started Wednesday 17:00 resumes on Friday.
    spec = office(holidays=frozenset({datetime.date(2026, 10, 1)}))
    due = business_time_add(start=at(2026, 9, 30, 17), duration=datetime.timedelta(hours=2),
                            spec=spec)
    assert due == at(2026, 10, 2, 10)


def test_make_up_working_day_counts_as_working_time():
    # Saturday 2026-10-10 is a make-up working day with Monday's hours.
    spec = office(workdays={datetime.date(2026, 10, 10): 0})
    due = business_time_add(start=at(2026, 10, 9, 17), duration=datetime.timedelta(hours=2),
                            spec=spec)
    assert due == at(2026, 10, 10, 10)
    assert is_business_time(moment=at(2026, 10, 10, 11), spec=spec)
    assert not is_business_time(moment=at(2026, 10, 11, 11), spec=spec)


def test_across_a_holiday_block_with_make_up_days():
    # National Day 2026: Oct 1-7 off, Saturday Oct 10 worked; Sunday Sep 20 worked before it.
    holidays = frozenset(datetime.date(2026, 10, d) for d in range(1, 8))
    spec = office(holidays=holidays, workdays={datetime.date(2026, 10, 10): 0,
                                               datetime.date(2026, 9, 20): 0})
    # Wednesday Sep 30, 16:00 + 3 hours: 2 hours that day, the third on Thursday Oct 8.
    due = business_time_add(start=at(2026, 9, 30, 16), duration=datetime.timedelta(hours=3),
                            spec=spec)
    assert due == at(2026, 10, 8, 10)
    # From Sep 30 09:00 to Oct 12 09:00: Sep 30, Oct 8, Oct 9, Oct 10 (make-up) = 4 days x 9 h.
    assert business_time_between(start=at(2026, 9, 30, 9), end=at(2026, 10, 12, 9),
                                 spec=spec) == datetime.timedelta(hours=36)


def test_measuring_across_midnight_counts_only_working_hours():
    spec = office()
    # Tuesday 17:00 to Wednesday 10:00: one hour each side of the night.
    assert business_minutes_between(start=at(2026, 11, 24, 17), end=at(2026, 11, 25, 10),
                                    spec=spec) == 120


def test_a_night_shift_runs_past_midnight():
    # A support desk working 22:00-06:00 every night.
    spec = CalendarSpec(time_zone=SHANGHAI,
                        periods={d: [(datetime.time(22), datetime.time(6))] for d in range(7)})
    due = business_time_add(start=at(2026, 11, 24, 23), duration=datetime.timedelta(hours=2),
                            spec=spec)
    assert due == at(2026, 11, 25, 1)
    # Started at 03:00 inside the shift that began the evening before.
    assert is_business_time(moment=at(2026, 11, 25, 3), spec=spec)
    assert not is_business_time(moment=at(2026, 11, 25, 12), spec=spec)
    assert business_time_between(start=at(2026, 11, 24, 21), end=at(2026, 11, 25, 7),
                                 spec=spec) == datetime.timedelta(hours=8)


def test_daylight_saving_night_is_an_hour_shorter():
    # Berlin moves its clocks from 02:00 to 03:00 on Sunday 2026-03-29: the Saturday night
    # shift 22:00-06:00 lasts seven real hours.
    spec = CalendarSpec(time_zone=BERLIN,
                        periods={5: [(datetime.time(22), datetime.time(6))]})
    assert business_time_between(start=at(2026, 3, 28, 21, tz=BERLIN),
                                 end=at(2026, 3, 29, 7, tz=BERLIN),
                                 spec=spec) == datetime.timedelta(hours=7)
    due = business_time_add(start=at(2026, 3, 28, 22, tz=BERLIN),
                            duration=datetime.timedelta(hours=7), spec=spec)
    assert due == at(2026, 3, 29, 6, tz=BERLIN)


def test_daylight_saving_keeps_office_hours_in_local_time():
    # Across the autumn change (Sunday 2026-10-25) the office still opens at 09:00 local time.
    spec = CalendarSpec(time_zone=BERLIN, periods={d: NINE_TO_SIX for d in range(5)})
    due = business_time_add(start=at(2026, 10, 23, 17, tz=BERLIN),
                            duration=datetime.timedelta(hours=2), spec=spec)
    assert due == at(2026, 10, 26, 10, tz=BERLIN)
    assert due.utcoffset() == datetime.timedelta(hours=1)


def test_start_in_another_zone_is_converted():
    # 02:00 UTC on a Tuesday is 10:00 in Shanghai.
    start = datetime.datetime(2026, 11, 24, 2, tzinfo=datetime.UTC)
    due = business_time_add(start=start, duration=datetime.timedelta(minutes=30), spec=office())
    assert due == at(2026, 11, 24, 10, 30)


def test_between_is_negative_when_end_comes_first():
    assert business_minutes_between(start=at(2026, 11, 24, 11), end=at(2026, 11, 24, 10),
                                    spec=office()) == -60


def test_next_business_moment_of_a_saturday_is_monday_opening():
    assert next_business_moment(moment=at(2026, 11, 28, 12), spec=office()) == at(2026, 11, 30, 9)


def test_naive_datetimes_are_refused():
    with pytest.raises(ApplicationError) as error:
        business_time_add(start=datetime.datetime(2026, 11, 24, 10),
                          duration=datetime.timedelta(minutes=5), spec=office())
    assert error.value.field == "start"


def test_a_calendar_without_working_time_is_an_error_not_a_hang():
    spec = CalendarSpec(time_zone=SHANGHAI, periods={})
    with pytest.raises(ApplicationError) as error:
        business_time_add(start=at(2026, 11, 24, 10), duration=datetime.timedelta(minutes=5),
                          spec=spec)
    assert error.value.code == "calendar_without_working_time"


@pytest.mark.django_db
def test_default_calendar_from_the_database_has_a_lunch_break():
    # Migration 0002 creates the default calendar: 09:00-12:00 and 13:00-18:00, Monday-Friday.
    spec = calendar_spec_for()
    due = business_time_add(start=at(2026, 11, 24, 11, 30),
                            duration=datetime.timedelta(hours=1), spec=spec)
    assert due == at(2026, 11, 24, 13, 30)


@pytest.mark.django_db
def test_calendar_rows_are_loaded_with_holidays_and_make_up_days():
    calendar = BusinessCalendarFactory(time_zone="Asia/Shanghai")
    for weekday in range(5):
        WorkingPeriodFactory(calendar=calendar, weekday=weekday)
    CalendarDayFactory(calendar=calendar, date=datetime.date(2026, 12, 1), kind="holiday")
    CalendarDayFactory(calendar=calendar, date=datetime.date(2026, 12, 5), kind="workday",
                       hours_like=0)
    spec = calendar_spec_for(calendar=calendar)
    assert not is_business_time(moment=at(2026, 12, 1, 10), spec=spec)
    assert is_business_time(moment=at(2026, 12, 5, 10), spec=spec)
    assert is_business_time(moment=at(2026, 12, 2, 10), spec=spec)
