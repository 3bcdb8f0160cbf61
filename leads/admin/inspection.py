"""Quality inspection of follow-ups (质检): the scorecards admins keep, and the inspections
drawn and scored elsewhere, read-only here.

A scorecard is saved with its criteria through `scorecard_save`, whose checks
(`scorecard_validate`) the criteria rows show before anything is saved.
"""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import add_application_error
from coordination.core.org import permissions as org
from leads.admin.base import (
    ReadOnlyAdminMixin,
    adopt,
    form_data,
    formset_note_changes,
    formset_rows,
    visible_leads,
)
from leads.models import Criterion, Inspection, InspectionAnswer, Scorecard
from leads.permissions import can_inspect, can_see_quality_queue
from leads.services.inspection import CRITERION_FIELDS, scorecard_save, scorecard_validate


def _sees_all_quality(user) -> bool:
    return (org.is_superuser(user) or org.is_executive(user) or can_see_quality_queue(user)
            or can_inspect(user))


def _criterion_data(row: forms.ModelForm) -> dict:
    """A criteria row as the scorecard services take it; "id" names a stored criterion."""
    data = {name: row.cleaned_data.get(name) for name in CRITERION_FIELDS}
    if data["choices"] is None:  # an empty box: no options
        data["choices"] = []
    return {**data, "id": row.instance.pk}


class CriterionFormSet(BaseInlineFormSet):
    """Checks the criteria together with `scorecard_validate`: a row's error is shown on that
    row, the scorecard's own above the rows."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each row's own errors first
        rows = formset_rows(self)
        # self.instance already holds the scorecard's submitted fields ("in use").
        try:
            scorecard_validate(data={"is_active": self.instance.is_active},
                               criteria=[_criterion_data(row) for row in rows])
        except ApplicationError as error:
            index = error.extra.get("criterion")
            if index is None:
                raise forms.ValidationError(error.message, code=error.code) from None
            add_application_error(rows[index], error)


class CriterionInline(admin.TabularInline):
    model = Criterion
    formset = CriterionFormSet
    fields = list(CRITERION_FIELDS)
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "pass_mark", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [CriterionInline]

    def save_model(self, request, obj, form, change):
        # Saved in save_related, with its criteria: one service call, one audit event.
        pass

    def save_related(self, request, form, formsets, change):
        criteria = None  # no rows sent: the criteria stay as they are
        for formset in formsets:
            if formset.model is Criterion:
                criteria = [_criterion_data(row) for row in formset_rows(formset)]
                formset_note_changes(formset)
        stored = Scorecard.objects.get(pk=form.instance.pk) if change else Scorecard()
        adopt(form.instance, scorecard_save(scorecard=stored, data=form_data(form),
                                            criteria=criteria, actor=request.user))


class InspectionAnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionAnswer
    fields = ["criterion", "value", "points"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: follow-ups are drawn by the daily sample and scored on the inspector's
    scoring page."""

    list_display = ["drawn_on", "follow_up", "round", "status", "inspector", "score", "passed",
                    "not_genuine", "scored_at"]
    list_filter = ["status", "round", "passed", "not_genuine", "scorecard", "drawn_on"]
    search_fields = ["follow_up__lead__name", "follow_up__author__username",
                     "follow_up__author__full_name", "findings"]
    list_select_related = ["follow_up__lead", "inspector"]
    show_full_result_count = False
    date_hierarchy = "drawn_on"
    fields = ["follow_up", "round", "scorecard", "drawn_on", "status", "inspector", "score",
              "passed", "findings", "not_genuine", "scored_at"]
    readonly_fields = fields
    inlines = [InspectionAnswerInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _sees_all_quality(request.user):
            return queryset
        visible = visible_leads(request)
        return queryset if visible is None else queryset.filter(
            follow_up__lead_id__in=visible)
