"""The escalation ladder for a missed next step: steps taken day by day after the date."""

import datetime

from django.utils.translation import gettext as _

from coordination.core.errors import ApplicationError
from coordination.core.org.calendar import CalendarSpec, calendar_spec_for
from leads.models import Lead, default_ladder

LADDER_ACTIONS = {"remind", "copy_head", "reassign"}


# A step further than a year would never be reached, and counting that many working days
# would keep the sweep busy for nothing.
MAX_LADDER_DAYS = 365


def ladder_validate(ladder) -> None:
    if not isinstance(ladder, list):
        raise ApplicationError(_("The ladder must be a list of steps."), code="invalid",
                               field="escalation_ladder")
    previous = -1
    for index, step in enumerate(ladder, start=1):
        if (not isinstance(step, dict) or set(step) != {"after_days", "action"}
                or not isinstance(step["after_days"], int) or isinstance(step["after_days"], bool)
                or not 0 <= step["after_days"] <= MAX_LADDER_DAYS):
            raise ApplicationError(
                _("Step %(n)d must be {\"after_days\": a whole number ≥ 0, \"action\": …}.")
                % {"n": index}, code="invalid", field="escalation_ladder")
        if step["action"] not in LADDER_ACTIONS:
            raise ApplicationError(
                _("Step %(n)d: the action must be remind, copy_head or reassign.") % {"n": index},
                code="invalid", field="escalation_ladder")
        if step["after_days"] < previous:
            raise ApplicationError(_("Steps must be in order of days."), code="invalid",
                                   field="escalation_ladder")
        previous = step["after_days"]


def ladder_of(lead: Lead) -> list[dict]:
    if lead.rule_id and lead.rule.escalation_ladder:
        return lead.rule.escalation_ladder
    return default_ladder()


def add_working_days(*, moment: datetime.datetime, days: int,
                     spec: CalendarSpec) -> datetime.datetime:
    """The same local time `days` working days later: weekends and holidays are skipped,
    make-up working days count (the calendar decides which days have working hours)."""
    local = moment.astimezone(spec.time_zone)
    day = local.date()
    remaining = days
    for _step in range(3 * 366):
        if remaining <= 0:
            break
        day += datetime.timedelta(days=1)
        if spec.periods_on(day):
            remaining -= 1
    return datetime.datetime.combine(day, local.time().replace(tzinfo=None), spec.time_zone)


def ladder_due(*, lead: Lead, step: int,
               spec: CalendarSpec | None = None) -> datetime.datetime | None:
    """When step number `step` (0-based) falls due for the lead's current next step: its
    `after_days` counted in working days of the business calendar."""
    ladder = ladder_of(lead)
    if lead.next_step_due_at is None or step >= len(ladder):
        return None
    days = ladder[step]["after_days"]
    if not days:
        return lead.next_step_due_at
    return add_working_days(moment=lead.next_step_due_at, days=days,
                            spec=spec or calendar_spec_for())


def ladder_first_due(*, lead: Lead, spec: CalendarSpec | None = None) -> datetime.datetime | None:
    return ladder_due(lead=lead, step=0, spec=spec)
