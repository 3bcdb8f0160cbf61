"""Every periodic schedule of Tandem, in one place.

`manage.py setup_periodic_tasks` writes these into django-celery-beat, where admins may change
the timing; the command keeps an admin's changes to an existing entry's timing and enabled flag.
Later apps add their entries here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    description: str = ""


SCHEDULES = [
    Schedule(
        name="worker heartbeat",
        task="coordination.tasks.heartbeat_task",
        every_seconds=60,
        description="Shows on /healthz that the scheduler and a worker run.",
    ),
]
