"""A rep works their leads in the browser: My leads with its live clocks, a follow-up logged
from the list (saved empty first, then with a wrong date, then right); a head reassigns a lead;
a rep claims one from the pool.

Assertions use ids, classes and data rather than words: the browser asks for Chinese, and the
Chinese catalogue grows separately.
"""

import datetime
import re

import pytest
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from leads.models import Assignment, AssignmentReason, FollowUp, LeadStatus
from tests.factories import (
    CampaignFactory,
    DepartmentFactory,
    LeadFactory,
    LeadPoolFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "secret-pass-123")
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")


def _assigned(owner, *, due_in: datetime.timedelta, **fields):
    now = timezone.now()
    return LeadFactory(owner=owner, status=LeadStatus.ASSIGNED, assigned_at=now,
                       first_contact_due_at=now + due_in, **fields)


def _team():
    department = DepartmentFactory(name="华东销售部", kind=DepartmentKind.SALES)
    team = TeamFactory(department=department, name="大客户组")
    rep = member(department=department, team=team,
                 user=UserFactory(username="wangfang", full_name="王芳"))
    colleague = member(department=department, team=team,
                       user=UserFactory(username="lilei", full_name="李雷"))
    head = member(department=department, role=Role.HEAD,
                  user=UserFactory(username="zhangwei", full_name="张伟"))
    return department, team, rep, colleague, head


def test_rep_logs_a_follow_up_from_my_leads(live_server, page, artifacts_dir):
    from playwright.sync_api import expect

    _department, _team_, rep, _colleague, _head = _team()
    campaign = CampaignFactory(name="春季展会", source__name="百度推广")
    lead = _assigned(rep, due_in=datetime.timedelta(seconds=50), name="陈先生",
                     company="华东机械有限公司", phone="+8613800138000",
                     source=campaign.source, campaign=campaign)
    _assigned(rep, due_in=datetime.timedelta(minutes=-7), name="刘女士", company="苏州精密")
    _assigned(rep, due_in=datetime.timedelta(hours=-2, minutes=-15), name="孙先生",
              wechat_id="sun_wx")
    _assigned(rep, due_in=datetime.timedelta(hours=3), name="赵女士", email="zhao@example.com")
    now = timezone.now()
    LeadFactory(owner=rep, status=LeadStatus.CONTACTED, name="周先生", assigned_at=now,
                first_contacted_at=now, next_step_due_at=now + datetime.timedelta(days=2))

    _log_in(page, live_server, "wangfang", "/leads/mine/")

    expect(page).to_have_url(f"{live_server.url}/leads/mine/")
    expect(page.locator("#main-nav a[data-nav='my_leads']")).to_have_attribute(
        "aria-current", "page")
    row = page.locator(f"tr.lead-row[data-lead='{lead.pk}']")
    expect(row).to_be_visible()
    expect(page.locator("tr.lead-row.is-overdue")).to_have_count(2)
    # The clock runs: under a minute it counts seconds, so its text changes every second.
    clock = row.locator("time.countdown")
    first_text = clock.inner_text()
    assert re.search(r"\d", first_text)
    expect(clock).not_to_have_text(first_text, timeout=3_000)
    page.screenshot(path=str(artifacts_dir / "leads-my-leads.png"), full_page=True)

    # The follow-up form opens in the row.
    form_row = page.locator(f"#follow-up-row-{lead.pk}")
    expect(form_row).to_be_hidden()
    row.locator("[data-follow-up-toggle]").click()
    expect(form_row).to_be_visible()
    expect(row.locator("[data-follow-up-toggle]")).to_have_attribute("aria-expanded", "true")
    # Nothing is preselected, and the form saved untouched is refused at every field: an empty
    # follow-up is no first contact.
    expect(form_row.locator("select[name=channel]")).to_have_value("")
    expect(form_row.locator("select[name=outcome]")).to_have_value("")
    with page.expect_navigation():
        form_row.locator("button[type=submit]").click()
    expect(page.locator("#messages .message--error")).to_be_visible()
    form_row = page.locator(f"#follow-up-row-{lead.pk}")
    expect(form_row).to_be_visible()
    for name in ("channel", "outcome", "notes", "next_step", "next_step_at"):
        expect(form_row.locator(f".form-field--{name}.has-error .field-error")).to_be_visible()
    assert not FollowUp.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and lead.first_contacted_at is None

    form_row.locator("select[name=channel]").select_option("wechat")
    form_row.locator("select[name=outcome]").select_option("interested")
    form_row.locator("textarea[name=notes]").fill("对二期设备有兴趣，要报价单。")
    form_row.locator("input[name=next_step]").fill("发送报价单")
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    form_row.locator("input[name=next_step_at]").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    page.screenshot(path=str(artifacts_dir / "leads-follow-up-form.png"), full_page=True)

    # A next step in the past: refused, named, nothing written, the form still filled in.
    with page.expect_navigation():
        form_row.locator("button[type=submit]").click()
    expect(page.locator("#messages .message--error")).to_be_visible()
    form_row = page.locator(f"#follow-up-row-{lead.pk}")
    expect(form_row).to_be_visible()
    expect(form_row.locator(".form-field--next_step_at.has-error .field-error")).to_be_visible()
    expect(form_row.locator("textarea[name=notes]")).to_have_value("对二期设备有兴趣，要报价单。")
    assert not FollowUp.objects.exists()
    page.screenshot(path=str(artifacts_dir / "leads-follow-up-error.png"), full_page=True)

    next_week = timezone.localtime() + datetime.timedelta(days=7)
    form_row.locator("input[name=next_step_at]").fill(next_week.strftime("%Y-%m-%dT10:00"))
    with page.expect_navigation():
        form_row.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/leads/mine/"))
    expect(page.locator("#messages .message--success")).to_contain_text("陈先生")
    row = page.locator(f"tr.lead-row[data-lead='{lead.pk}']")
    expect(row.locator(".tag--status-contacted")).to_be_visible()
    expect(row).not_to_have_class(re.compile(r"is-overdue"))
    expect(page.locator(f"#follow-up-row-{lead.pk}")).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "leads-follow-up-logged.png"), full_page=True)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    assert lead.first_contacted_at is not None
    assert timezone.localtime(lead.next_step_due_at).strftime("%Y-%m-%d %H:%M") == \
        next_week.strftime("%Y-%m-%d 10:00")
    follow_up = FollowUp.objects.get(lead=lead)
    assert follow_up.channel == "wechat" and follow_up.next_step == "发送报价单"

    # The lead page shows it in the timeline.
    page.click(f"tr.lead-row[data-lead='{lead.pk}'] a.lead-row__name")
    expect(page.locator("#timeline [data-kind='follow_up']")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("对二期设备有兴趣")
    expect(page.locator("#lead-phone")).to_have_text("+86 138 0013 8000")
    page.screenshot(path=str(artifacts_dir / "leads-lead-page.png"), full_page=True)


def test_head_sees_the_team_and_reassigns_a_lead(live_server, page, artifacts_dir):
    from playwright.sync_api import expect

    _department, _team_, rep, colleague, head = _team()
    lead = _assigned(rep, due_in=datetime.timedelta(minutes=-20), name="陈先生",
                     company="华东机械有限公司")
    Assignment.objects.create(lead=lead, to_user=rep, reason=AssignmentReason.RULE)
    other = _assigned(colleague, due_in=datetime.timedelta(minutes=40), name="刘女士")
    FollowUp.objects.create(lead=other, author=colleague, channel="call", outcome="appointment",
                            notes="约了下周二上门拜访，客户关心售后服务。",
                            next_step="上门拜访", next_step_at=timezone.now()
                            + datetime.timedelta(days=4))
    FollowUp.objects.create(lead=other, author=colleague, channel="wechat",
                            outcome="no_answer", notes="微信未回复。")

    _log_in(page, live_server, "zhangwei", "/leads/team/")

    expect(page.locator("#team-board")).to_be_visible()
    expect(page.locator(f"#team-board tr[data-rep='{rep.pk}'] .count-danger")).to_have_text("1")
    page.screenshot(path=str(artifacts_dir / "leads-team.png"), full_page=True)

    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator("#reassign-form")).to_be_visible()
    page.select_option("#reassign-form select[name=to_user]", str(colleague.pk))
    page.fill("#reassign-form input[name=note]", "王芳本周休假")
    with page.expect_navigation():
        page.click("#reassign-form button[type=submit]")

    expect(page.locator("#messages .message--success")).to_be_visible()
    expect(page.locator("#lead-owner")).to_have_text("李雷")
    expect(page.locator("#timeline")).to_contain_text("王芳本周休假")
    page.screenshot(path=str(artifacts_dir / "leads-reassigned.png"), full_page=True)
    lead.refresh_from_db()
    assert lead.owner == colleague

    # The follow-up search, narrowed to one rep.
    page.click("#main-nav a[data-nav='follow_ups']")
    expect(page.locator("#follow-up-list tbody tr")).to_have_count(2)
    page.select_option("#id_rep", str(colleague.pk))
    page.fill("#id_q", "售后")
    with page.expect_navigation():
        page.click("#follow-up-filters button[type=submit]")
    expect(page.locator("#follow-up-list tbody tr")).to_have_count(1)
    expect(page.locator("#export-csv")).to_have_attribute("href", re.compile(r"rep=\d+"))
    page.screenshot(path=str(artifacts_dir / "leads-follow-ups.png"), full_page=True)


def test_rep_claims_a_lead_from_the_pool(live_server, page, artifacts_dir):
    from playwright.sync_api import expect

    _department, team, rep, _colleague, _head = _team()
    pool = LeadPoolFactory(name="华东公海", team=team, daily_claim_limit=5, cooldown_days=3)
    LeadPoolFactory(name="全国公海")
    now = timezone.now()
    lead = LeadFactory(pool=pool, pooled_at=now, name="陈先生", company="华东机械有限公司",
                       region="上海", product_interest="数控机床")
    LeadFactory(pool=pool, pooled_at=now - datetime.timedelta(days=1), name="刘女士",
                region="江苏")

    _log_in(page, live_server, "wangfang", "/leads/pool/")

    expect(page.locator("#pool-limits .pool-card")).to_have_count(2)
    expect(page.locator("#pool-leads tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / "leads-pool.png"), full_page=True)

    with page.expect_navigation():
        page.click(f"#pool-leads tr[data-lead='{lead.pk}'] button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator("#messages .message--success")).to_be_visible()
    expect(page.locator("#lead-owner")).to_have_text("王芳")
    lead.refresh_from_db()
    assert lead.owner == rep
