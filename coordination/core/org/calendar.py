"""Business time: adding working time to a moment and measuring it between two moments.

Working hours are wall-clock times in the calendar's own zone; durations are real elapsed time,
so a shift that spans a daylight-saving change is as long as it really is. A period whose end is
at or before its start runs past midnight and belongs to the day it starts on. Holidays remove a
day's periods; a make-up working day (调休上班日) gets the periods of the weekday it names.
"""

import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from coordination.core.errors import ApplicationError
from coordination.core.org.models import BusinessCalendar, CalendarDayKind, Department

UTC = datetime.UTC
# How far to look for working time before deciding the calendar has none.
_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar loaded into memory, so that a batch of deadlines costs no further queries."""

    time_zone: zoneinfo.ZoneInfo
    # weekday -> [(start, end)] in local wall-clock time
    periods: dict[int, list[tuple[datetime.time, datetime.time]]]
    holidays: frozenset[datetime.date] = frozenset()
    # date -> weekday whose periods it takes
    workdays: dict[datetime.date, int] = field(default_factory=dict)

    def periods_on(self, day: datetime.date) -> list[tuple[datetime.time, datetime.time]]:
        if day in self.holidays:
            return []
        if day in self.workdays:
            return self.periods.get(self.workdays[day], [])
        return self.periods.get(day.weekday(), [])


def default_spec() -> CalendarSpec:
    """Monday to Friday, 09:00 to 18:00 in the site's zone: used when no calendar is defined."""
    nine_to_six = [(datetime.time(9), datetime.time(18))]
    return CalendarSpec(
        time_zone=zoneinfo.ZoneInfo(settings.TIME_ZONE),
        periods={weekday: nine_to_six for weekday in range(5)},
    )


def calendar_spec_load(calendar: BusinessCalendar) -> CalendarSpec:
    periods: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for period in calendar.periods.order_by("weekday", "start_time"):
        periods.setdefault(period.weekday, []).append((period.start_time, period.end_time))
    holidays = set()
    workdays = {}
    for day in calendar.days.all():
        if day.kind == CalendarDayKind.HOLIDAY:
            holidays.add(day.date)
        else:
            workdays[day.date] = day.hours_like
    return CalendarSpec(
        time_zone=zoneinfo.ZoneInfo(calendar.time_zone),
        periods=periods,
        holidays=frozenset(holidays),
        workdays=workdays,
    )


def calendar_spec_for(*, calendar: BusinessCalendar | None = None,
                      department: Department | None = None) -> CalendarSpec:
    """The calendar given, else the department's, else the default one, else Mon–Fri 9–18."""
    if calendar is None and department is not None and department.calendar_id:
        calendar = department.calendar
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(is_default=True).first()
    return calendar_spec_load(calendar) if calendar is not None else default_spec()


def start_of_local_day(now: datetime.datetime) -> datetime.datetime:
    """Midnight at the start of `now`'s day in the current time zone (the site's): where the
    daily limits (claims from the pool, leads a rep takes per day, today's reassignments)
    start counting."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _require_aware(moment: datetime.datetime, name: str) -> None:
    if timezone.is_naive(moment):
        raise ApplicationError(f"{name} must be an aware datetime.", code="naive_datetime",
                               field=name)


def _intervals_from(spec: CalendarSpec, moment: datetime.datetime
                    ) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Working intervals (in UTC) that end after `moment`, in order."""
    # Start a day early: a period of yesterday may run past midnight into `moment`.
    day = moment.astimezone(spec.time_zone).date() - datetime.timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        for start, end in spec.periods_on(day):
            end_day = day if end > start else day + datetime.timedelta(days=1)
            start_utc = datetime.datetime.combine(day, start, spec.time_zone).astimezone(UTC)
            end_utc = datetime.datetime.combine(end_day, end, spec.time_zone).astimezone(UTC)
            if end_utc > moment:
                yield max(start_utc, moment), end_utc
        day += datetime.timedelta(days=1)
    raise ApplicationError(
        "The business calendar has no working time in the next three years.",
        code="calendar_without_working_time",
    )


def business_time_add(*, start: datetime.datetime, duration: datetime.timedelta,
                      spec: CalendarSpec | None = None) -> datetime.datetime:
    """The moment at which `duration` of working time has passed after `start`.

    A zero duration returns `start` itself; a deadline that falls exactly at the end of a working
    period is that end, not the start of the next one. The result is in the calendar's zone.
    """
    _require_aware(start, "start")
    if duration < datetime.timedelta(0):
        raise ApplicationError("The duration must not be negative.", code="negative_duration",
                               field="duration")
    spec = spec or calendar_spec_for()
    if not duration:
        return start.astimezone(spec.time_zone)
    moment = start.astimezone(UTC)
    remaining = duration
    for interval_start, interval_end in _intervals_from(spec, moment):
        available = interval_end - interval_start
        if remaining <= available:
            return (interval_start + remaining).astimezone(spec.time_zone)
        remaining -= available
    raise AssertionError("unreachable: _intervals_from raises when it runs out")


def business_time_between(*, start: datetime.datetime, end: datetime.datetime,
                          spec: CalendarSpec | None = None) -> datetime.timedelta:
    """Working time from `start` to `end`; negative when `end` comes first."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end < start:
        return -business_time_between(start=end, end=start, spec=spec)
    spec = spec or calendar_spec_for()
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    total = datetime.timedelta(0)
    day = start_utc.astimezone(spec.time_zone).date() - datetime.timedelta(days=1)
    last_day = end_utc.astimezone(spec.time_zone).date()
    while day <= last_day:
        for period_start, period_end in spec.periods_on(day):
            end_day = day if period_end > period_start else day + datetime.timedelta(days=1)
            lo = datetime.datetime.combine(day, period_start, spec.time_zone).astimezone(UTC)
            hi = datetime.datetime.combine(end_day, period_end, spec.time_zone).astimezone(UTC)
            lo, hi = max(lo, start_utc), min(hi, end_utc)
            if hi > lo:
                total += hi - lo
        day += datetime.timedelta(days=1)
    return total


def business_minutes_between(*, start: datetime.datetime, end: datetime.datetime,
                             spec: CalendarSpec | None = None) -> int:
    """Whole minutes of working time from `start` to `end` (rounded down)."""
    delta = business_time_between(start=start, end=end, spec=spec)
    return int(delta.total_seconds() // 60)


def is_business_time(*, moment: datetime.datetime, spec: CalendarSpec | None = None) -> bool:
    _require_aware(moment, "moment")
    spec = spec or calendar_spec_for()
    start, _end = next(_intervals_from(spec, moment.astimezone(UTC)))
    return start <= moment.astimezone(UTC)


def next_business_moment(*, moment: datetime.datetime, spec: CalendarSpec | None = None
                         ) -> datetime.datetime:
    """`moment` itself if it is working time, else the start of the next working period."""
    _require_aware(moment, "moment")
    spec = spec or calendar_spec_for()
    start, _end = next(_intervals_from(spec, moment.astimezone(UTC)))
    return start.astimezone(spec.time_zone)
