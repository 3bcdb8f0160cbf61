"""Every periodic schedule of Tandem, as the installed apps declared it.

Each app registers its schedules in its AppConfig.ready() (coordination.core.schedules); this
is the one list of them all. `manage.py setup_periodic_tasks --list` prints it, and
`manage.py setup_periodic_tasks` writes it into django-celery-beat, keeping an admin's changes
to an existing entry's timing and enabled flag.
"""

from coordination.core.schedules import SCHEDULES, Schedule


def project_schedules() -> list[Schedule]:
    """All registered schedules: the core's first, then each app's, in registration order."""
    return list(SCHEDULES)
