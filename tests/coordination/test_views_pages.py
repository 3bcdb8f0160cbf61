"""The pages of the organisation core: home, notifications, organisation, login, language."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.core.notifications.models import Notification
from coordination.core.notifications.services import notify
from coordination.core.org.models import DepartmentKind, Role
from tests.factories import (
    AbsenceFactory,
    DepartmentFactory,
    MembershipFactory,
    QuotaFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

# Queries every signed-in page pays before the view runs: the session and the user.
SESSION_AND_USER = 2
# The base layout: the user's memberships (shared with the navigation) and the unread count.
LAYOUT = 2


def _notify_many(user, count: int) -> None:
    for number in range(count):
        notify(recipient=user, title=f"Notice {number}", body="Details", email=False)


# Login and access ----------------------------------------------------------------------------


def test_login_page_renders_the_form_and_the_language_switch(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'id="login-form"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'id="language-switch"' in html
    # No navigation for someone who is not signed in.
    assert 'id="main-nav"' not in html
    assert 'id="user-menu"' not in html


def test_login_page_shows_why_a_login_failed(client):
    UserFactory(username="rep")
    response = client.post(reverse("login"), {"username": "rep", "password": "wrong"})
    assert response.status_code == 200
    assert 'id="login-errors"' in response.content.decode()


def test_logging_in_through_the_form_leads_home(client):
    member(DepartmentKind.SALES, user=UserFactory(username="rep"))
    response = client.post(reverse("login"), {"username": "rep", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


@pytest.mark.parametrize("name", ["notifications", "organisation"])
def test_anonymous_pages_redirect_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# The base layout -----------------------------------------------------------------------------


def test_layout_shows_navigation_roles_and_unread_count(client):
    department = DepartmentFactory(name="华东销售部", kind=DepartmentKind.SALES)
    user = member(department=department, role=Role.HEAD, user=UserFactory(full_name="王芳"))
    _notify_many(user, 3)
    client.force_login(user)

    html = client.get(reverse("home")).content.decode()

    assert 'id="main-nav"' in html
    assert f'href="{reverse("organisation")}"' in html
    assert 'aria-current="page"' in html
    assert "王芳" in html
    assert "华东销售部 · Department head" in html
    assert 'data-count="3"' in html
    assert 'action="/logout/"' in html
    assert f'action="{reverse("language-switch")}"' in html
    assert 'name="language"' in html and 'name="next" value="/"' in html


# Home ----------------------------------------------------------------------------------------


def test_home_shows_empty_states_when_nothing_waits(client):
    client.force_login(member(DepartmentKind.SALES))
    html = client.get(reverse("home")).content.decode()
    assert 'id="waiting-empty"' in html
    assert "No quota applies to you in this period." in html
    assert "No absence planned." in html
    # A rep heads nothing: no "away from your departments" box.
    assert 'id="absent-colleagues"' not in html


def test_home_shows_what_waits_quotas_absences_and_absent_colleagues(client):
    department = DepartmentFactory(name="Sales East")
    team = TeamFactory(department=department, name="Key accounts")
    head = member(department=department, role=Role.HEAD)
    colleague = member(department=department, team=team, user=UserFactory(full_name="李雷"))
    AbsenceFactory(user=colleague)
    AbsenceFactory(user=head, starts_at=timezone.now() + datetime.timedelta(days=3))
    QuotaFactory(user=head, amount="250000.00")
    QuotaFactory(user=None, department=department, amount="1000000.00")
    QuotaFactory(user=None, team=team, amount="400000.00")
    notify(recipient=head, title="Handoff waiting for you", email=False)
    client.force_login(head)

    html = client.get(reverse("home")).content.decode()

    assert "Handoff waiting for you" in html
    assert 'id="waiting-empty"' not in html
    assert "250,000.00 CNY" in html
    assert "1,000,000.00 CNY" in html
    assert "李雷" in html
    assert "No absence planned." not in html


def test_home_query_count_is_pinned(client, django_assert_num_queries):
    department = DepartmentFactory()
    head = member(department=department, role=Role.HEAD)
    for _ in range(3):
        AbsenceFactory(user=member(department=department))
    QuotaFactory(user=head)
    _notify_many(head, 7)
    client.force_login(head)

    # memberships, latest notifications, quotas, own absences, absent colleagues.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 4):
        response = client.get(reverse("home"))
    assert response.status_code == 200


# Notifications -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_notifications_page_query_count_does_not_grow_with_the_inbox(
    client, django_assert_num_queries, count
):
    user = member(DepartmentKind.SALES)
    _notify_many(user, count)
    client.force_login(user)

    # The page's count and its rows.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 2):
        response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_notifications_are_paginated_and_filtered(client):
    user = member(DepartmentKind.SALES)
    _notify_many(user, 30)
    Notification.objects.filter(recipient=user, title="Notice 0").update(read_at=timezone.now())
    client.force_login(user)

    first = client.get(reverse("notifications")).content.decode()
    assert 'id="pagination"' in first
    assert "Page 1 of 2" in first
    assert 'href="?show=all&amp;page=2"' in first
    assert first.count('class="item is-unread"') == 25

    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert "Notice 0" in second
    assert second.count('class="item is-unread"') == 4
    assert second.count('class="item"') == 1

    unread = client.get(reverse("notifications"), {"show": "unread"}).content.decode()
    assert 'href="?show=unread&amp;page=2"' in unread
    assert "Page 1 of 2" in unread


def test_notifications_page_empty_states(client):
    client.force_login(member(DepartmentKind.SALES))
    html = client.get(reverse("notifications")).content.decode()
    assert "No notifications yet." in html
    assert 'id="read-all-form"' not in html
    unread = client.get(reverse("notifications"), {"show": "unread"}).content.decode()
    assert "No unread notifications." in unread


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    user = member(DepartmentKind.SALES)
    notification = notify(recipient=user, title="Contract review done", url="/organisation/",
                          email=False)
    client.force_login(user)

    response = client.post(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response.url == "/organisation/"
    notification.refresh_from_db()
    assert notification.is_read


def test_opening_a_notification_without_link_returns_to_the_page_it_came_from(client):
    user = member(DepartmentKind.SALES)
    notification = notify(recipient=user, title="FYI", email=False)
    client.force_login(user)

    response = client.post(reverse("notification-open", args=[notification.pk]), {"next": "/"})

    assert response.status_code == 302
    assert response.url == "/"
    notification.refresh_from_db()
    assert notification.is_read


def test_opening_a_notification_needs_post(client):
    user = member(DepartmentKind.SALES)
    notification = notify(recipient=user, title="FYI", email=False)
    client.force_login(user)
    assert client.get(reverse("notification-open", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_read_marks_every_own_notification_read(client):
    user = member(DepartmentKind.SALES)
    other = member(DepartmentKind.SALES)
    _notify_many(user, 4)
    _notify_many(other, 2)
    client.force_login(user)

    response = client.post(reverse("notifications-read-all"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("notifications")
    assert not Notification.objects.filter(recipient=user, read_at=None).exists()
    assert Notification.objects.filter(recipient=other, read_at=None).count() == 2
    html = response.content.decode()
    assert "4 notifications marked as read." in html
    assert 'data-count="0"' in html


def test_a_user_sees_only_their_own_notifications(client):
    user = member(DepartmentKind.SALES)
    other = member(DepartmentKind.MARKETING)
    notify(recipient=user, title="Mine to read", email=False)
    theirs = notify(recipient=other, title="Not for you", email=False)
    client.force_login(user)

    html = client.get(reverse("notifications")).content.decode()
    assert "Mine to read" in html
    assert "Not for you" not in html
    assert "Not for you" not in client.get(reverse("home")).content.decode()

    response = client.post(reverse("notification-open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


# Organisation --------------------------------------------------------------------------------


def test_organisation_page_lists_departments_heads_and_teams(client):
    sales = DepartmentFactory(name="Sales East", kind=DepartmentKind.SALES)
    TeamFactory(department=sales, name="Key accounts")
    member(department=sales, role=Role.HEAD, user=UserFactory(full_name="张伟"))
    member(department=sales)
    DepartmentFactory(name="Legal", kind=DepartmentKind.LEGAL)
    DepartmentFactory(name="Closed", is_active=False)
    client.force_login(member(DepartmentKind.MARKETING))

    html = client.get(reverse("organisation")).content.decode()

    assert "Sales East" in html and "Legal" in html
    assert "Closed" not in html
    assert "Key accounts" in html
    assert "张伟" in html
    assert "2 members" in html
    assert "No head appointed." in html
    assert "No teams." in html


def test_organisation_query_count_does_not_grow_with_departments(
    client, django_assert_num_queries
):
    viewer = member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE)
    for number in range(6):
        department = DepartmentFactory(kind=DepartmentKind.SALES)
        TeamFactory(department=department)
        TeamFactory(department=department)
        MembershipFactory(department=department, role=Role.HEAD)
        if number % 2:
            MembershipFactory(department=department)
    client.force_login(viewer)

    # Departments with member counts, their heads, their teams.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("organisation"))
    assert response.status_code == 200


# Language ------------------------------------------------------------------------------------


def test_language_switch_sets_the_page_language_and_remembers_it(client):
    user = member(DepartmentKind.SALES)
    client.force_login(user)

    response = client.post(reverse("language-switch"),
                           {"language": "zh-hans", "next": "/organisation/"})

    assert response.status_code == 302
    assert response.url == "/organisation/"
    html = client.get(reverse("organisation")).content.decode()
    assert '<html lang="zh-hans">' in html
    user.refresh_from_db()
    assert user.preferred_language == "zh-hans"

    client.post(reverse("language-switch"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_language_switch_works_before_logging_in(client):
    response = client.post(reverse("language-switch"),
                           {"language": "zh-hans", "next": "/login/?next=/"})
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert '<html lang="zh-hans">' in html
    # Django's own catalogue already names the password field in Chinese.
    assert "密码" in html


def test_language_switch_ignores_an_unsafe_next(client):
    response = client.post(reverse("language-switch"),
                           {"language": "en", "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert not response.url.startswith("https://evil.example.com")
