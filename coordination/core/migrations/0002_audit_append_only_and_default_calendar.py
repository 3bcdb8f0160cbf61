import datetime

from django.conf import settings
from django.db import migrations

# PostgreSQL refuses UPDATE and DELETE of audit rows (TRUNCATE, used by test teardown and by
# operators on purpose, is not a row operation). SQLite refuses UPDATE; a DELETE trigger there
# would also block Django's test flush, which deletes row by row.
PG_FORWARD = """
CREATE OR REPLACE FUNCTION coordination_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER coordination_auditevent_append_only
    BEFORE UPDATE OR DELETE ON coordination_auditevent
    FOR EACH ROW EXECUTE FUNCTION coordination_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS coordination_auditevent_append_only ON coordination_auditevent;
DROP FUNCTION IF EXISTS coordination_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER coordination_auditevent_append_only
BEFORE UPDATE ON coordination_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS coordination_auditevent_append_only;"


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


def default_calendar(apps, schema_editor):
    """A default calendar, so that business time is defined from the first start:
    Monday to Friday, 09:00-12:00 and 13:00-18:00, in the site's zone."""
    BusinessCalendar = apps.get_model("coordination", "BusinessCalendar")
    WorkingPeriod = apps.get_model("coordination", "WorkingPeriod")
    if BusinessCalendar.objects.filter(is_default=True).exists():
        return
    calendar = BusinessCalendar.objects.create(name="Head office", time_zone=settings.TIME_ZONE,
                                               is_default=True)
    for weekday in range(5):
        WorkingPeriod.objects.create(calendar=calendar, weekday=weekday,
                                     start_time=datetime.time(9), end_time=datetime.time(12))
        WorkingPeriod.objects.create(calendar=calendar, weekday=weekday,
                                     start_time=datetime.time(13), end_time=datetime.time(18))


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(default_calendar, migrations.RunPython.noop),
    ]
