import pytest
from django.db import DatabaseError, transaction

from coordination.core.audit.models import AppendOnlyError, AuditEvent
from coordination.core.audit.selectors import audit_history_for
from coordination.core.audit.services import audit_record, audit_snapshot
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_audit_records_actor_verb_object_before_and_after():
    actor = UserFactory(full_name="王芳")
    department = DepartmentFactory(name="销售部")
    before = audit_snapshot(department)
    department.name = "销售一部"
    department.save()
    event = audit_record(actor=actor, verb="department.renamed", obj=department, before=before,
                         after=audit_snapshot(department))
    assert event.actor == actor
    assert "王芳" in event.actor_label
    assert event.target == department
    assert event.before["name"] == "销售部"
    assert event.after["name"] == "销售一部"
    assert list(audit_history_for(obj=department)) == [event]


def test_system_actor_is_recorded_as_system():
    event = audit_record(actor=None, verb="sweep", obj=DepartmentFactory())
    assert event.actor is None
    assert event.actor_label == "system"


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm():
    event = audit_record(actor=None, verb="x", obj=DepartmentFactory())
    event.verb = "y"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="y")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_updates_of_audit_rows():
    from django.db import connection

    event = audit_record(actor=None, verb="x", obj=DepartmentFactory())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE coordination_auditevent SET verb = 'forged' WHERE id = %s",
                       [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).verb == "x"


def test_object_history_in_the_admin_shows_the_audit_trail(admin_client):
    department = DepartmentFactory(name="市场部")
    audit_record(actor=None, verb="department.checked", obj=department)
    response = admin_client.get(f"/admin/coordination/department/{department.pk}/history/")
    assert response.status_code == 200
    assert b"department.checked" in response.content
    assert b"audit-trail" in response.content


def test_admin_changes_are_audited(admin_client, admin_user):
    department = DepartmentFactory(name="市场部", kind="marketing")
    response = admin_client.post(
        f"/admin/coordination/department/{department.pk}/change/",
        {"name": "市场营销部", "kind": "marketing", "is_active": "on", "calendar": "",
         "teams-TOTAL_FORMS": "0", "teams-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content
    event = audit_history_for(obj=department).get()
    assert event.actor == admin_user
    assert event.before["name"] == "市场部"
    assert event.after["name"] == "市场营销部"
