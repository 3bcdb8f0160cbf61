"""The escalation ladder for a missed next step: steps taken day by day after the date."""

import datetime

from django.utils.translation import gettext as _

from coordination.errors import ApplicationError
from leads.models import Lead, default_ladder

LADDER_ACTIONS = {"remind", "copy_head", "reassign"}


def ladder_validate(ladder) -> None:
    if not isinstance(ladder, list):
        raise ApplicationError(_("The ladder must be a list of steps."), code="invalid",
                               field="escalation_ladder")
    previous = -1
    for index, step in enumerate(ladder, start=1):
        if (not isinstance(step, dict) or set(step) != {"after_days", "action"}
                or not isinstance(step["after_days"], int) or step["after_days"] < 0):
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


def ladder_due(*, lead: Lead, step: int) -> datetime.datetime | None:
    """When step number `step` (0-based) falls due for the lead's current next step."""
    ladder = ladder_of(lead)
    if lead.next_step_due_at is None or step >= len(ladder):
        return None
    return lead.next_step_due_at + datetime.timedelta(days=ladder[step]["after_days"])


def ladder_first_due(*, lead: Lead) -> datetime.datetime | None:
    return ladder_due(lead=lead, step=0)
