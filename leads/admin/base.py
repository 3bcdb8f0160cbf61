"""What the admin modules of the leads app share: read-only history, the leads an admin user
may see, and handing a form's values to a service and its saved row back to the admin."""

from django import forms
from django.db import models

from leads.models import Lead
from leads.permissions import lead_visibility_filter


class ReadOnlyAdminMixin:
    """History written by the services: to be read, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def visible_leads(request):
    """The leads the admin user may see, by the same rule as the pages; None for all."""
    visible = lead_visibility_filter(request.user)
    return None if visible is None else Lead.objects.filter(visible).values("pk")


def form_data(form: forms.ModelForm) -> dict:
    """The cleaned values of the model's own fields on an admin form, as a service takes them
    (the change form's fields, or a changelist row's editable columns)."""
    model = form._meta.model
    names = {field.name for field in model._meta.concrete_fields if not field.primary_key}
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's object the row a service saved: the admin goes on to log, message and
    redirect with it."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def formset_rows(formset) -> list[forms.ModelForm]:
    """The rows of an inline formset the admin user keeps: filled in and not ticked for
    deletion."""
    return [row for row in formset.forms
            if row.cleaned_data and not row.cleaned_data.get("DELETE")]


def formset_note_changes(formset) -> None:
    """What the admin's change message reads from a formset that a service saved instead of
    the formset itself (formset.save() is what normally sets these)."""
    deleted = [row for row in formset.initial_forms if row.cleaned_data.get("DELETE")]
    formset.deleted_objects = [row.instance for row in deleted]
    formset.new_objects = [row.instance for row in formset.extra_forms
                           if row.has_changed() and not row.cleaned_data.get("DELETE")]
    formset.changed_objects = [(row.instance, row.changed_data)
                               for row in formset.initial_forms
                               if row.has_changed() and row not in deleted]
