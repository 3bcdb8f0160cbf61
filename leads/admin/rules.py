"""Assignment rules, with the reps of their pools, and the lead pools leads are recycled to.

A rule is saved with its reps through `rule_save`, as in the API: the rule engine's own checks
of conditions and ladder, one transaction, one audit event (`assignment_rule.changed`).
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import add_application_error
from leads.admin.base import adopt, form_data, formset_note_changes, formset_rows
from leads.models import AssignmentRule, LeadPool, RulePoolMember
from leads.services.rules import rule_save, rule_validate


@admin.register(LeadPool)
class LeadPoolAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "team", "daily_claim_limit", "holding_capacity", "cooldown_days"]
    search_fields = ["name"]
    list_select_related = ["team__department"]
    autocomplete_fields = ["team"]


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "priority", "is_active", "conditions", "team", "strategy", "daily_cap",
                  "first_contact_sla_minutes", "next_step_sla_minutes", "max_reassignments",
                  "on_exhausted", "recycle_pool", "recycle_after_idle_days",
                  "escalation_ladder"]
        # The model's help texts name "attributes.<name>", which the admin would render as an
        # HTML tag; the fieldset descriptions below give the full shape instead.
        help_texts = {
            "conditions": _("A JSON list of conditions, as described above."),
            "escalation_ladder": _("A JSON list of steps, as described above."),
        }

    def clean(self):
        cleaned = super().clean()
        for name in ("conditions", "escalation_ladder"):
            if name not in cleaned:  # not even JSON: the field already says so
                continue
            if cleaned[name] is None:  # an empty box: no conditions, the default ladder
                cleaned[name] = []
            # One field at a time, so that each shows its own error.
            try:
                rule_validate(data={name: cleaned[name]})
            except ApplicationError as error:
                add_application_error(self, error)
        return cleaned


class RulePoolMemberInline(admin.TabularInline):
    model = RulePoolMember
    fields = ["user", "weight"]
    autocomplete_fields = ["user"]
    extra = 0


# Shown as fieldset descriptions, which the admin renders as HTML: no angle brackets here.
_CONDITIONS_HELP = _(
    'Which leads the rule takes. Every condition must match; an empty list [] matches every '
    'lead. Shape: [{"field": "source", "op": "equals", "value": "Baidu"}, {"field": "region", '
    '"op": "in", "value": ["上海", "江苏"]}]. Fields: source and campaign (by ID or name), '
    'region, product_interest, or “attributes.” and the header of an extra column of an '
    'imported file, such as attributes.行业. '
    'Operators: equals, in (with a list).')
_LADDER_HELP = _(
    'What happens, day by day, after a missed next-step date. Shape: [{"after_days": 0, '
    '"action": "remind"}, {"after_days": 2, "action": "copy_head"}, {"after_days": 4, '
    '"action": "reassign"}], in order of days. Actions: remind (the rep), copy_head (the rep '
    'and the head), reassign (to another rep of the pool). An empty list [] uses that default.')


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = AssignmentRuleForm
    inlines = [RulePoolMemberInline]
    list_display = ["name", "priority", "is_active", "strategy", "team", "daily_cap",
                    "first_contact_sla_minutes", "recycle_pool"]
    list_display_links = ["name"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "strategy"]
    search_fields = ["name"]
    list_select_related = ["team__department", "recycle_pool"]
    autocomplete_fields = ["team", "recycle_pool"]
    fieldsets = [
        (None, {"fields": ["name", "priority", "is_active"]}),
        (_("Which leads"), {"fields": ["conditions"], "description": _CONDITIONS_HELP}),
        (_("Who gets them"), {
            "fields": ["team", "strategy", "daily_cap"],
            "description": _("Name reps with weights below, or leave them out to use the "
                             "active members of the pool team."),
        }),
        (_("First contact and reassignment"), {
            "fields": ["first_contact_sla_minutes", "next_step_sla_minutes", "max_reassignments",
                       "on_exhausted"],
        }),
        (_("Lead pool"), {"fields": ["recycle_pool", "recycle_after_idle_days"]}),
        (_("Next-step escalation"), {"fields": ["escalation_ladder"],
                                     "description": _LADDER_HELP}),
    ]

    def save_model(self, request, obj, form, change):
        # Saved in save_related, with its reps: one service call, as the API makes it.
        pass

    def save_related(self, request, form, formsets, change):
        """The rule and, when the reps' rows were sent and changed, its reps, through
        `rule_save`. A changelist row (priority, active) comes with no rows: its reps stay."""
        data = form_data(form)
        for formset in formsets:
            if formset.model is RulePoolMember and (not change or formset.has_changed()):
                data["members"] = [
                    {"user": row.cleaned_data["user"], "weight": row.cleaned_data["weight"]}
                    for row in formset_rows(formset)]
            formset_note_changes(formset)
        stored = AssignmentRule.objects.get(pk=form.instance.pk) if change else AssignmentRule()
        adopt(form.instance, rule_save(rule=stored, data=data, actor=request.user))
