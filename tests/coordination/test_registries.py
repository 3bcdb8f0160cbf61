"""The core learns about the apps only through its registries, filled from AppConfig.ready()."""

import pytest
from django.db import transaction

from coordination.core.events.registry import EVENT_CONSUMERS, EVENT_TYPES, EventConsumer
from coordination.core.events.services import event_emit
from coordination.core.web.home import HOME_SECTIONS, HomeSection
from coordination.core.web.navigation import NAVIGATION, navigation_for
from coordination.core.web.routes import PAGE_ROUTES
from coordination.schedules import project_schedules
from tests.factories import UserFactory


def test_navigation_keeps_its_order_across_the_apps():
    assert NAVIGATION.keys() == [
        "home", "my_leads", "leads", "team", "pool", "follow_ups", "disputes", "inspections",
        "quality_results", "import_leads", "scoreboard", "notifications", "organisation", "api",
        "admin",
    ]


@pytest.mark.django_db
def test_a_superuser_sees_every_registered_entry_that_is_wired():
    admin = UserFactory(is_superuser=True, is_staff=True)
    keys = [entry["key"] for entry in navigation_for(admin, "/")]
    assert keys[0] == "home" and keys[-1] == "admin"
    assert {"leads", "scoreboard", "notifications"} <= set(keys)


def test_each_app_declares_its_schedules_and_the_list_reads_them_all():
    tasks = {schedule.task for schedule in project_schedules()}
    assert "coordination.core.tasks.heartbeat_task" in tasks
    assert "leads.tasks.leads_reassign_overdue_task" in tasks
    names = [schedule.name for schedule in project_schedules()]
    assert names[0] == "worker heartbeat"
    assert len(names) == len(set(names))


def test_setup_periodic_tasks_lists_the_schedule(capsys):
    from django.core.management import call_command

    call_command("setup_periodic_tasks", "--list")
    out = capsys.readouterr().out
    assert "leads: reassign overdue\tevery 60 s\tleads.tasks.leads_reassign_overdue_task" in out
    assert "quality: daily sample of leads\tcron 0 1 * * *" in out


def test_apps_name_their_events_and_routes():
    assert EVENT_TYPES.get("dispute.ruled").scope == "quality:read"
    assert "webhooks" in EVENT_CONSUMERS
    assert [route.prefix for route in PAGE_ROUTES] == ["leads/import/", "leads/", ""]


@pytest.mark.django_db(transaction=True)
def test_the_outbox_hands_a_committed_event_to_every_consumer_even_after_one_fails(monkeypatch):
    seen = []

    def broken(event_id):
        raise RuntimeError("down")

    monkeypatch.setattr(EVENT_CONSUMERS, "_entries", {
        "broken": EventConsumer("broken", broken),
        "probe": EventConsumer("probe", seen.append),
    })
    with transaction.atomic():
        event = event_emit(name="dispute.ruled", payload={})
        assert seen == []  # not before the commit
    assert seen == [event.pk]


@pytest.mark.django_db
def test_a_home_section_shows_when_it_has_something_and_is_left_out_when_not(client,
                                                                             monkeypatch):
    user = UserFactory()
    entries = dict(HOME_SECTIONS._entries)
    entries["probe"] = HomeSection(
        "probe", "coordination/home/_departments.html",
        lambda user, now: {"memberships": []} if user.username.startswith("show") else None)
    monkeypatch.setattr(HOME_SECTIONS, "_entries", entries)
    client.force_login(user)
    shown = client.get("/").content.decode().count('id="my-departments"')
    assert shown == 1  # the core's own section only
    user.username = "show-me"
    user.save()
    assert client.get("/").content.decode().count('id="my-departments"') == 2
