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
        task="coordination.core.tasks.heartbeat_task",
        every_seconds=60,
        description="Shows on /healthz that the scheduler and a worker run.",
    ),
    Schedule(
        name="webhooks: send due deliveries",
        task="coordination.core.webhooks.tasks.webhook_deliveries_due_task",
        every_seconds=60,
        description="Sends webhook deliveries whose next attempt is due (retries with "
                    "backoff) and hands over events that missed their dispatch.",
    ),
    Schedule(
        name="leads: reassign overdue",
        task="leads.tasks.leads_reassign_overdue_task",
        every_seconds=60,
        description="Takes back leads past their first-contact deadline; climbs the next-step "
                    "escalation ladder.",
    ),
    Schedule(
        name="leads: assign left-over leads",
        task="leads.tasks.leads_assign_unassigned_task",
        every_seconds=300,
        description="Retries leads left in the default queue.",
    ),
    Schedule(
        name="leads: recycle idle leads",
        task="leads.tasks.leads_recycle_idle_task",
        crontab="15 2 * * *",
        description="Sends leads with no follow-up for their rule's idle days to the pool.",
    ),
    Schedule(
        name="quality: escalate overdue disputes",
        task="leads.tasks.disputes_escalate_overdue_task",
        every_seconds=60,
        description="Tells the quality heads about disputes past their ruling deadline.",
    ),
    Schedule(
        name="quality: daily sample of leads",
        task="leads.tasks.leads_sample_for_adjudication_task",
        crontab="0 1 * * *",
        description="Draws yesterday's share of each source's leads for adjudication.",
    ),
    Schedule(
        name="quality: daily inspection draw",
        task="leads.tasks.inspections_draw_task",
        crontab="30 1 * * *",
        description="Draws yesterday's follow-ups of each rep into the inspector queue.",
    ),
    Schedule(
        name="leads: expire import previews",
        task="leads.tasks.lead_imports_expire_task",
        crontab="30 3 * * *",
        description="Cancels file-import previews nobody confirmed within two days.",
    ),
]
