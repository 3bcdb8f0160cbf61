"""Writing assignment rules, sources and campaigns (the lead catalogue)."""

from django.db import models, transaction
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError
from leads.models import AssignmentRule, Campaign, RulePoolMember
from leads.services.assignment import rule_conditions_validate
from leads.services.ladder import ladder_validate


@transaction.atomic
def rule_save(*, rule: AssignmentRule, data: dict, actor) -> AssignmentRule:
    """Write a rule and, when `data` has "members", replace its named reps, in one transaction.

    Conditions and ladder go through the same validators as the admin's and raise
    ApplicationError naming the field; nothing is written then.
    """
    data = dict(data)
    if "conditions" in data:
        rule_conditions_validate(data["conditions"])
    if "escalation_ladder" in data:
        ladder_validate(data["escalation_ladder"])
    reps = data.pop("members", None)
    created = rule.pk is None
    before = None if created else audit_snapshot(rule)
    for name, value in data.items():
        setattr(rule, name, value)
    rule.full_clean()  # field limits and constraints (SLAs at least a minute), by field
    rule.save()
    if reps is not None:
        rule.members.all().delete()
        RulePoolMember.objects.bulk_create(
            RulePoolMember(rule=rule, user=rep["user"], weight=rep.get("weight", 1))
            for rep in reps)
    after = audit_snapshot(rule)
    if reps is not None:
        after["reps"] = [{"user_id": rep["user"].pk, "weight": rep.get("weight", 1)}
                         for rep in reps]
    audit_record(actor=actor, verb="assignment_rule.created" if created
                 else "assignment_rule.changed", obj=rule, before=before, after=after)
    return rule


@transaction.atomic
def catalog_save(*, instance: models.Model, data: dict, actor) -> models.Model:
    """Create or change a source or campaign, with its audit event. The model's constraints
    (unique names, period order, spend not negative) are checked by full_clean first."""
    created = instance.pk is None
    before = None if created else audit_snapshot(instance)
    if (not created and isinstance(instance, Campaign) and "source" in data
            and data["source"].pk != instance.source_id):
        # Its leads carry the campaign: moving it would attribute them to another channel.
        raise ApplicationError(_("A campaign cannot move to another source."),
                               code="immutable", field="source")
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    name = instance._meta.model_name
    audit_record(actor=actor, verb=f"{name}.created" if created else f"{name}.changed",
                 obj=instance, before=before, after=audit_snapshot(instance))
    return instance
