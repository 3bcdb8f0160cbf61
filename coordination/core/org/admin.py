from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import application_error_to_validation_error
from coordination.core.org.models import (
    PARTISAN_KINDS,
    Absence,
    BusinessCalendar,
    CalendarDay,
    Department,
    Heartbeat,
    Membership,
    Quota,
    Team,
    User,
    WorkingPeriod,
)
from coordination.core.org.permissions import (
    can_act,
    can_change_department_kind,
    can_view,
    membership_change_denial,
)
from coordination.core.org.services import (
    membership_create,
    membership_delete,
    membership_update,
    membership_validate,
    user_unlock_login,
)


class PermissionAdminMixin:
    """Admin access answers to the same permission module as pages and API."""

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_view(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_act(request.user, obj, "change"))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_act(request.user, obj, "delete"))


_MEMBERSHIP_FIELDS = ["department", "team", "role", "is_adjudicator", "is_inspector"]


def _actor_denial(form, *, user, department, role) -> None:
    """The membership rule of who may grant what, shown on the role field of an admin form."""
    actor = getattr(form, "actor", None)
    if actor is None:
        return
    current = form.instance if form.instance.pk else None
    if current is not None:
        current = Membership.objects.select_related("department").get(pk=current.pk)
    denial = membership_change_denial(actor, department=department, role=role,
                                      user_id=getattr(user, "pk", None), current=current)
    if denial is not None:
        form.add_error("role", denial)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", *_MEMBERSHIP_FIELDS]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        department = cleaned.get("department")
        if self.errors or user is None or department is None:
            return cleaned
        _actor_denial(self, user=user, department=department, role=cleaned.get("role"))
        if self.errors:
            return cleaned
        if getattr(self, "skip_existing_check", False):
            return cleaned
        others = Membership.objects.filter(user=user).select_related("department")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        others = list(others)
        try:
            membership_validate(
                user=user, department=department, team=cleaned.get("team"),
                role=cleaned.get("role"), is_adjudicator=cleaned.get("is_adjudicator", False),
                is_inspector=cleaned.get("is_inspector", False),
                other_department_kinds={m.department.kind for m in others},
                other_adjudicator=any(m.is_adjudicator for m in others),
            )
        except ApplicationError as error:
            raise application_error_to_validation_error(error) from None
        return cleaned


class MembershipInlineForm(MembershipForm):
    class Meta:
        model = Membership
        fields = _MEMBERSHIP_FIELDS


class MembershipInlineFormSet(BaseInlineFormSet):
    """Checks a person's memberships together: the rows being saved, not the stored ones."""

    def clean(self):
        super().clean()
        rows = [
            form for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("department")
        ]
        actor = getattr(self, "actor", None)
        for form in self.forms:
            # Who may grant what, for the rows this save changes or deletes; a row left as it
            # was needs no right (a staff member saving their own page keeps their membership).
            if not getattr(form, "cleaned_data", None) or not form.cleaned_data.get(
                    "department"):
                continue
            if form.cleaned_data.get("DELETE") or form.has_changed():
                form.actor = actor
                _actor_denial(form, user=self.instance, department=form.cleaned_data[
                    "department"], role=form.cleaned_data.get("role"))
        for form in rows:
            others = [other for other in rows if other is not form]
            data = form.cleaned_data
            if form.errors:
                continue
            try:
                membership_validate(
                    user=self.instance, department=data["department"], team=data.get("team"),
                    role=data.get("role"), is_adjudicator=data.get("is_adjudicator", False),
                    is_inspector=data.get("is_inspector", False),
                    other_department_kinds={o.cleaned_data["department"].kind for o in others},
                    other_adjudicator=any(o.cleaned_data.get("is_adjudicator") for o in others),
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)

    def get_form_kwargs(self, index):
        return super().get_form_kwargs(index)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Rows are checked against each other in clean() above, not against the stored rows
        # that this very save may change.
        form.skip_existing_check = True
        return form


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    formset = MembershipInlineFormSet
    fields = _MEMBERSHIP_FIELDS
    extra = 0
    autocomplete_fields = ["department", "team"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Who may grant what is checked row by row, against the person saving.
        return type(formset.__name__, (formset,), {"actor": request.user})


class AbsenceInline(admin.TabularInline):
    model = Absence
    fields = ["kind", "starts_at", "ends_at", "note"]
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdminMixin, PermissionAdminMixin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "email", "password1",
                                                 "password2")}),
    )
    list_display = ["username", "full_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    ordering = ["username"]

    actions = ["unlock_login"]

    def has_unlock_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Unlock log-in (after too many wrong passwords)"),
                  permissions=["unlock"])
    def unlock_login(self, request, queryset):
        for user in queryset:
            user_unlock_login(user=user, actor=request.user)
        self.message_user(request, _("Log-in unlocked for %(count)d people.")
                          % {"count": queryset.count()}, messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        # Staff who may edit their own details must not tick themselves into a superuser.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
        return fields
    inlines = [MembershipInline, AbsenceInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Memberships go through their services: rules, audit trail.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            membership_delete(membership=obj, actor=request.user)
        for obj in instances:
            values = {name: getattr(obj, name) for name in _MEMBERSHIP_FIELDS}
            if obj.pk:
                membership_update(membership=Membership.objects.get(pk=obj.pk),
                                  actor=request.user, **values)
            else:
                membership_create(user=form.instance, actor=request.user, **values)


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "department", "team", "role", "is_adjudicator", "is_inspector"]
    list_filter = ["department__kind", "role", "is_adjudicator", "is_inspector", "department"]
    search_fields = ["user__username", "user__full_name", "department__name"]
    list_select_related = ["user", "department", "team"]
    autocomplete_fields = ["user", "department", "team"]
    audit_on_save = False  # the services record it

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in _MEMBERSHIP_FIELDS}
        try:
            if change:
                saved = membership_update(membership=Membership.objects.get(pk=obj.pk),
                                          actor=request.user, **values)
            else:
                saved = membership_create(user=form.cleaned_data["user"], actor=request.user,
                                          **values)
        except ApplicationError as error:  # a concurrent change broke a rule after clean()
            messages.error(request, error.message)
            raise
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        membership_delete(membership=obj, actor=request.user)


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["name"]
    extra = 0


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "calendar", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [TeamInline]

    def get_readonly_fields(self, request, obj=None):
        if not can_change_department_kind(request.user):
            return ["kind", "is_active"]
        # A department with an adjudicator in it cannot become sales or marketing in passing.
        if obj is not None and obj.kind not in PARTISAN_KINDS and obj.memberships.filter(
            is_adjudicator=True
        ).exists():
            return ["kind"]
        return []


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "department"]
    list_filter = ["department"]
    search_fields = ["name", "department__name"]
    list_select_related = ["department"]


@admin.register(Absence)
class AbsenceAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    list_display = ["user", "kind", "starts_at", "ends_at", "note"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__full_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Quota)
class QuotaAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "period_start", "period_end", "amount", "currency"]
    list_filter = ["currency", "period_start"]
    search_fields = ["user__full_name", "team__name", "department__name"]
    list_select_related = ["user", "team__department", "department"]
    autocomplete_fields = ["user", "team", "department"]


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["date", "kind", "name", "hours_like"]
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_default"]
    inlines = [WorkingPeriodInline, CalendarDayInline]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
