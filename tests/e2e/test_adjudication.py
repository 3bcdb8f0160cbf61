"""An adjudicator of the quality department works the dispute queue in the browser: finds the
overdue dispute in red and the daily sample marked, opens a dispute under blind review, tries
to rule it invalid without a reason (refused, nothing written), then with one, and sees the
final ruling.

Assertions use ids, classes and data rather than words: the browser asks for Chinese, and the
Chinese catalogue grows separately.
"""

import datetime

import pytest
from django.utils import timezone

from coordination.core.org.models import DepartmentKind
from leads.models import Dispute, DisputeSide, FollowUp, LeadStatus, Ruling
from leads.services import dispute_open
from tests.factories import DepartmentFactory, LeadFactory, SourceFactory, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret-pass-123")
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")


def test_adjudicator_rules_a_dispute_invalid_with_a_reason(live_server, page, artifacts_dir):
    from playwright.sync_api import expect

    sales = DepartmentFactory(name="华东销售部", kind=DepartmentKind.SALES)
    rep = member(department=sales, user=UserFactory(username="wangfang", full_name="王芳"))
    quality = DepartmentFactory(name="质检部", kind=DepartmentKind.QUALITY)
    member(department=quality, is_adjudicator=True,
           user=UserFactory(username="wupan", full_name="吴判定"))
    source = SourceFactory(name="百度推广")
    now = timezone.now()
    lead = LeadFactory(name="陈先生", company="华东机械有限公司", phone="+8613800138000",
                       source=source, owner=rep, status=LeadStatus.CONTACTED,
                       assigned_at=now, first_contacted_at=now)
    call = FollowUp.objects.create(lead=lead, author=rep, channel="call",
                                   outcome="wrong_contact", notes="拨打提示空号")
    FollowUp.objects.create(lead=lead, author=rep, channel="message", outcome="no_answer",
                            notes="短信未回复")
    dispute = dispute_open(lead=lead, actor=rep, ground="wrong_number",
                           evidence="三次拨打均提示空号，短信无回复。", follow_ups=[call])
    overdue = Dispute.objects.create(
        lead=LeadFactory(name="刘女士", source=source), side=DisputeSide.MARKETING,
        ground="duplicate", evidence="重复", due_at=now - datetime.timedelta(hours=2))
    sample = Dispute.objects.create(lead=LeadFactory(name="孙先生", source=source),
                                    side=DisputeSide.SAMPLE,
                                    due_at=dispute.due_at + datetime.timedelta(hours=1))

    _log_in(page, live_server, "wupan", "/")
    with page.expect_navigation():
        page.click("#main-nav a[data-nav='disputes']")

    expect(page.locator("#main-nav a[data-nav='disputes']")).to_have_attribute(
        "aria-current", "page")
    rows = page.locator("#dispute-list tbody tr")
    expect(rows).to_have_count(3)
    # Soonest due first: the overdue one on top, in red; the daily sample marked.
    expect(rows.nth(0)).to_have_attribute("data-dispute", str(overdue.pk))
    expect(rows.nth(0)).to_have_class("dispute-row is-overdue")
    expect(page.locator(f"tr[data-dispute='{sample.pk}'] .tag--sample")).to_be_visible()
    # Blind review: no side anywhere in the queue.
    expect(page.locator("#dispute-list [data-side]")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "quality-dispute-queue.png"), full_page=True)

    with page.expect_navigation():
        page.click(f"tr[data-dispute='{dispute.pk}'] a.dispute-row__lead")

    expect(page.locator("#dispute-title")).to_contain_text("陈先生")
    expect(page.locator("#evidence-text")).to_contain_text("三次拨打均提示空号")
    expect(page.locator("#linked-follow-ups li")).to_have_count(1)
    expect(page.locator("#follow-up-history li")).to_have_count(2)
    expect(page.locator("#dispute-side")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("王芳")
    form = page.locator("#ruling-form")
    expect(form).to_be_visible()

    # Invalid without a reason: refused on the reason field, nothing written.
    form.locator("input[name=verdict][value=invalid]").check()
    form.locator("textarea[name=note]").fill("核实为空号")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#messages .message--error")).to_be_visible()
    form = page.locator("#ruling-form")
    expect(form.locator(".form-field--reason.has-error .field-error")).to_be_visible()
    expect(form.locator("textarea[name=note]")).to_have_value("核实为空号")
    assert not Ruling.objects.exists()

    form.locator("select[name=reason]").select_option("wrong_number")
    page.screenshot(path=str(artifacts_dir / "quality-ruling-form.png"), full_page=True)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(page.locator("#messages .message--success")).to_be_visible()
    expect(page.locator("#ruling-form")).to_have_count(0)
    final = page.locator("#rulings li.ruling--current")
    expect(final).to_have_attribute("data-verdict", "invalid")
    expect(final.locator(".tag--final")).to_be_visible()
    expect(final).to_contain_text("核实为空号")
    expect(page.locator("#dispute-status")).to_have_class("tag tag--dispute-ruled")
    page.screenshot(path=str(artifacts_dir / "quality-ruling-final.png"), full_page=True)

    ruling = Ruling.objects.get()
    assert (ruling.verdict, ruling.reason, ruling.dispute_id) == ("invalid", "wrong_number",
                                                                  dispute.pk)
