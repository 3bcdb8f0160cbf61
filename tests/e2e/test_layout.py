"""A person logs in, finds the base layout, and switches between Chinese and English."""

import re

import pytest

from coordination.core.notifications.services import notify
from coordination.core.org.models import DepartmentKind, Role
from tests.factories import DepartmentFactory, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _switch_language(page, code: str) -> None:
    # The select submits its form on change (tandem.js); the page reloads in the new language.
    with page.expect_navigation():
        page.select_option("#language-select", code)


def _assert_layout(page, *, unread: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("#main-nav a[aria-current='page']")).to_have_count(1)
    expect(page.locator("#user-menu")).to_contain_text("王芳")
    expect(page.locator("#user-roles")).to_contain_text("华东销售部")
    expect(page.locator("#unread-count .badge")).to_have_text(str(unread))
    expect(page.locator("#language-switch")).to_be_visible()
    expect(page.locator("#logout-form button")).to_be_visible()


def test_login_layout_and_language_switch(live_server, page, artifacts_dir):
    from playwright.sync_api import expect

    department = DepartmentFactory(name="华东销售部", kind=DepartmentKind.SALES)
    user = member(department=department, role=Role.HEAD,
                  user=UserFactory(username="wangfang", full_name="王芳"))
    notify(recipient=user, title="Handoff waiting for acceptance", email=False)
    notify(recipient=user, title="Daily standup at 09:00", email=False)

    # Not signed in: the home page sends the browser to the login form, in the browser's language.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#main-nav")).to_have_count(0)
    # With JavaScript the language select submits itself; its button is only a fallback.
    expect(page.locator("#language-switch button")).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "login-zh-hans.png"))

    page.fill("#id_username", "wangfang")
    page.fill("#id_password", "secret-pass-123")
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    _assert_layout(page, unread=2)
    expect(page.locator("#user-roles")).to_contain_text("华东销售部 · ")
    expect(page.locator("#waiting")).to_contain_text("Handoff waiting for acceptance")

    _switch_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")
    _assert_layout(page, unread=2)
    expect(page.locator("#user-roles")).to_contain_text("华东销售部 · Department head")
    page.screenshot(path=str(artifacts_dir / "layout-home-en.png"), full_page=True)

    # Opening a notification marks it read: the badge follows.
    with page.expect_navigation():
        page.click("#waiting button:has-text('Handoff waiting for acceptance')")
    _assert_layout(page, unread=1)

    page.goto(f"{live_server.url}/notifications/")
    _switch_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    _assert_layout(page, unread=1)
    expect(page.locator("#language-select")).to_have_value("zh-hans")
    page.screenshot(path=str(artifacts_dir / "layout-notifications-zh-hans.png"), full_page=True)

    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(artifacts_dir / "layout-home-zh-hans.png"), full_page=True)

    user.refresh_from_db()
    assert user.preferred_language == "zh-hans"
