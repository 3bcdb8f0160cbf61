"""Reporting periods: a range of calendar days in the site's time zone, end excluded.

Every figure of the metrics service is about a period. A period is dates, not datetimes, so that
"November" means the same days for a reader in Shanghai and for a server running in UTC; the
bounds become aware datetimes at midnight in the site's time zone (settings.TIME_ZONE).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.errors import ApplicationError

# Longer periods are refused: ten years of monthly buckets is already more than a chart shows,
# and the cap keeps one request from grouping a century of days.
MAX_PERIOD_DAYS = 3660


def site_time_zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # excluded

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Midnight of the first day and of the day after the last, in the site time zone."""
        tz = site_time_zone()
        return (datetime.datetime.combine(self.start, datetime.time(0), tz),
                datetime.datetime.combine(self.end, datetime.time(0), tz))


def period_check(*, start: datetime.date, end: datetime.date) -> Period:
    """A period from `start` to `end` (excluded), or an ApplicationError naming `end`."""
    if end <= start:
        raise ApplicationError(_("The end must come after the start."), code="invalid",
                               field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ApplicationError(
            _("A period may span at most %(days)d days.") % {"days": MAX_PERIOD_DAYS},
            code="too_long", field="end")
    return Period(start=start, end=end)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def this_month(today: datetime.date) -> Period:
    return Period(start=_month_start(today), end=_next_month(today))


def last_month(today: datetime.date) -> Period:
    end = _month_start(today)
    return Period(start=_month_start(end - datetime.timedelta(days=1)), end=end)


def this_quarter(today: datetime.date) -> Period:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end = start
    for _month in range(3):
        end = _next_month(end)
    return Period(start=start, end=end)


def today_in_site_zone(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localtime(now or timezone.now(), site_time_zone()).date()
