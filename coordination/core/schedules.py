"""Periodic schedules: each app declares its own from its AppConfig.ready() with
`schedule_register`; `manage.py setup_periodic_tasks` writes them all into django-celery-beat
(where admins may change the timing) and `manage.py setup_periodic_tasks --list` prints them,
so the whole schedule is still read in one place."""

from dataclasses import dataclass

from coordination.core.registry import Registry


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    description: str = ""
    # Place in the printed list: the core's entries first, then each app's.
    order: int = 500

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.crontab is None):
            raise ValueError(f"Schedule {self.name!r}: give every_seconds or crontab, not both")
        if self.crontab is not None and len(self.crontab.split()) != 5:
            raise ValueError(f"Schedule {self.name!r}: a crontab has five fields")

    @property
    def timing(self) -> str:
        return f"every {self.every_seconds} s" if self.every_seconds else f"cron {self.crontab}"


SCHEDULES: Registry[Schedule] = Registry("schedules", key=lambda schedule: schedule.name)


def schedule_register(schedule: Schedule) -> Schedule:
    return SCHEDULES.register(schedule)
