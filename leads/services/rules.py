"""Writing assignment rules, sources and campaigns (the lead catalogue).

The API and the admin both save through these services: the same checks, the same audit verbs
(`assignment_rule.created`/`.changed`, `source.created`/`.changed`, `campaign.created`/`.changed`).
"""

from django.db import models, transaction
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError
from leads.models import AssignmentRule, Campaign, RulePoolMember
from leads.services.assignment import rule_conditions_validate
from leads.services.ladder import ladder_validate


def rule_validate(*, data: dict) -> None:
    """Check the rule's conditions and escalation ladder, those of them `data` holds, with the
    rule engine's own validators: ApplicationError naming the field on the first broken one."""
    if "conditions" in data:
        rule_conditions_validate(data["conditions"])
    if "escalation_ladder" in data:
        ladder_validate(data["escalation_ladder"])


@transaction.atomic
def rule_save(*, rule: AssignmentRule, data: dict, actor) -> AssignmentRule:
    """Write a rule and, when `data` has "members", replace its named reps, in one transaction.

    `rule` is the stored row (or a new one): the audit event's "before" is read from it.
    Conditions and ladder are checked by `rule_validate` and raise ApplicationError naming the
    field; nothing is written then.
    """
    data = dict(data)
    rule_validate(data=data)
    reps = data.pop("members", None)
    created = rule.pk is None
    before = None if created else audit_snapshot(rule)
    if not created and reps is not None:
        before["reps"] = list(rule.members.order_by("user_id").values("user_id", "weight"))
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


def catalog_validate(*, instance: models.Model, data: dict) -> None:
    """The catalogue's own rules for writing `data` onto `instance` (the stored row, or a new
    one); ApplicationError naming the field. The one place these rules are written: the API's
    serializer and the admin's form rely on it."""
    if instance.pk is None or not isinstance(instance, Campaign) or "source" not in data:
        return
    if getattr(data["source"], "pk", data["source"]) != instance.source_id:
        # Its leads carry the campaign: moving it would attribute them to another channel.
        raise ApplicationError(_("A campaign's source cannot change."),
                               code="immutable", field="source")


@transaction.atomic
def catalog_save(*, instance: models.Model, data: dict, actor) -> models.Model:
    """Create or change a source or campaign, with its audit event. `instance` is the stored
    row (or a new one). The catalogue's rules (`catalog_validate`) come first, then the model's
    constraints (unique names, period order, spend not negative) through full_clean."""
    catalog_validate(instance=instance, data=data)
    created = instance.pk is None
    before = None if created else audit_snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    name = instance._meta.model_name
    audit_record(actor=actor, verb=f"{name}.created" if created else f"{name}.changed",
                 obj=instance, before=before, after=audit_snapshot(instance))
    return instance


__all__ = ["catalog_save", "catalog_validate", "rule_save", "rule_validate"]
