"""The leads pages: My leads, the lead page and its actions, the team board, the lead pool, and
the navigation entries that lead to them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from coordination.core.web.navigation import NAVIGATION, NavItem, navigation_for
from leads.models import (
    Assignment,
    AssignmentReason,
    FollowUp,
    Lead,
    LeadStatus,
    LostReason,
)
from leads.services import follow_up_create
from tests.factories import (
    CampaignFactory,
    DepartmentFactory,
    LeadFactory,
    LeadPoolFactory,
    SourceFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

# Queries every signed-in page pays before the view runs: the session and the user.
SESSION_AND_USER = 2
# The base layout: the user's memberships (shared with the navigation and the permission
# checks) and the unread count.
LAYOUT = 2


def _assigned(owner, *, due_in: int = 30, **fields) -> Lead:
    """A lead assigned to `owner` and not yet contacted, its first contact due in `due_in`
    minutes (negative: overdue)."""
    now = timezone.now()
    fields.setdefault("status", LeadStatus.ASSIGNED)
    return LeadFactory(owner=owner, assigned_at=now - datetime.timedelta(minutes=5),
                       first_contact_due_at=now + datetime.timedelta(minutes=due_in), **fields)


def _contacted(owner, **fields) -> Lead:
    now = timezone.now()
    return LeadFactory(owner=owner, status=LeadStatus.CONTACTED, assigned_at=now,
                       first_contacted_at=now, last_follow_up_at=now,
                       next_step_due_at=now + datetime.timedelta(days=1), **fields)


def _sales_team():
    """A sales department with its head, one team with its lead and two reps."""
    department = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    team = TeamFactory(department=department, name="Key accounts")
    head = member(department=department, role=Role.HEAD, user=UserFactory(full_name="张伟"))
    team_lead = member(department=DepartmentFactory(kind=DepartmentKind.SALES), role=Role.LEAD,
                       team=team, user=UserFactory(full_name="赵敏"))
    rep = member(department=department, team=team, user=UserFactory(full_name="王芳"))
    other_rep = member(department=department, team=team, user=UserFactory(full_name="李雷"))
    return {"department": department, "team": team, "head": head, "team_lead": team_lead,
            "rep": rep, "other_rep": other_rep}


# My leads ------------------------------------------------------------------------------------


def test_my_leads_lists_own_open_leads_most_urgent_first_with_their_clocks(client):
    rep = member(DepartmentKind.SALES)
    later = _assigned(rep, due_in=90, name="Later lead")
    overdue = _assigned(rep, due_in=-5, name="Overdue lead")
    soon = _assigned(rep, due_in=12, name="Soon lead")
    worked = _contacted(rep, name="Worked lead")
    LeadFactory(owner=rep, status=LeadStatus.WON, name="Won lead")
    _assigned(member(DepartmentKind.SALES), name="Someone else's lead")
    client.force_login(rep)

    response = client.get(reverse("leads:mine"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Won lead" not in html and "Someone else&#x27;s lead" not in html
    order = [row["lead"].pk for row in response.context["rows"]]
    assert order == [overdue.pk, soon.pk, later.pk, worked.pk]
    # The server writes the first text of each clock; leads.js keeps it running.
    assert re.search(r'data-deadline="[^"]+"[^>]*>overdue by 5 min</time>', html)
    assert re.search(r'data-deadline="[^"]+"[^>]*>in (11|12) min</time>', html)
    assert re.search(r'data-deadline="[^"]+"[^>]*>in 1 h (29|30) min</time>', html)
    assert re.search(rf'class="lead-row is-overdue" data-lead="{overdue.pk}"', html)
    assert f'class="lead-row" data-lead="{soon.pk}"' in html
    assert 'id="overdue-count"' in html
    # One follow-up form per row, hidden until its button is clicked, posting to the lead.
    assert html.count('data-testid="follow-up-form"') == 4
    assert f'action="{reverse("leads:follow_up", args=[soon.pk])}"' in html
    assert f'id="follow-up-row-{soon.pk}" hidden' in html
    assert 'type="datetime-local"' in html
    assert "leads.js" in html and "leads.css" in html


def test_my_leads_filters_by_status_source_overdue_and_text(client):
    rep = member(DepartmentKind.SALES)
    source = SourceFactory(name="Trade fair")
    fair = _assigned(rep, due_in=-10, name="Fair visitor", source=source, company="ACME 有限公司")
    web = _assigned(rep, due_in=20, name="Web visitor", phone="+8613912345678")
    worked = _contacted(rep, name="Worked lead")
    client.force_login(rep)

    def shown(**params):
        response = client.get(reverse("leads:mine"), params)
        assert response.status_code == 200
        return {row["lead"].pk for row in response.context["rows"]}

    assert shown() == {fair.pk, web.pk, worked.pk}
    assert shown(status="contacted") == {worked.pk}
    assert shown(source=source.pk) == {fair.pk}
    assert shown(overdue="on") == {fair.pk}
    assert shown(q="acme") == {fair.pk}
    assert shown(q="139 1234") == {web.pk}
    assert shown(status="nonsense") == {fair.pk, web.pk, worked.pk}
    html = client.get(reverse("leads:mine"), {"q": "nobody"}).content.decode()
    assert "No open lead matches these filters." in html


def test_my_leads_is_paginated_by_25_and_keeps_the_filters(client):
    rep = member(DepartmentKind.SALES)
    for minutes in range(30):
        _assigned(rep, due_in=minutes + 1)
    client.force_login(rep)

    first = client.get(reverse("leads:mine"), {"q": "客户"})
    assert len(first.context["rows"]) == 25
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert f'href="{reverse("leads:mine")}?q=%E5%AE%A2%E6%88%B7&amp;page=2"' in html
    second = client.get(reverse("leads:mine"), {"q": "客户", "page": 2})
    assert len(second.context["rows"]) == 5


def test_my_leads_is_for_sales_only(client):
    client.force_login(member(DepartmentKind.MARKETING))
    assert client.get(reverse("leads:mine")).status_code == 403
    client.logout()
    response = client.get(reverse("leads:mine"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("count", [3, 20])
def test_my_leads_query_count_does_not_grow_with_the_leads(client, django_assert_num_queries,
                                                           count):
    rep = member(DepartmentKind.SALES)
    campaign = CampaignFactory()
    for number in range(count):
        _assigned(rep, due_in=number - 2, source=campaign.source, campaign=campaign)
    client.force_login(rep)

    # The page's count, its rows (with source and campaign), the sources of the filter.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:mine"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == count


# Logging a follow-up -------------------------------------------------------------------------


def _follow_up_data(**fields) -> dict:
    in_two_days = timezone.localtime() + datetime.timedelta(days=2)
    data = {"channel": "call", "outcome": "reached", "notes": "Talked about the price.",
            "next_step": "Send the offer", "next_step_at": in_two_days.strftime("%Y-%m-%dT10:00")}
    data.update(fields)
    return data


def test_follow_up_from_my_leads_stops_the_first_contact_clock(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep, due_in=10, name="陈先生")
    client.force_login(rep)
    back = f"{reverse('leads:mine')}?status=assigned"

    response = client.post(reverse("leads:follow_up", args=[lead.pk]),
                           _follow_up_data(next=back), follow=True)

    assert response.redirect_chain == [(back, 302)]
    assert "Follow-up logged for 陈先生." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    assert lead.first_contacted_at is not None
    follow_up = FollowUp.objects.get(lead=lead)
    assert follow_up.author == rep
    assert follow_up.notes == "Talked about the price."


def test_follow_up_next_step_date_is_read_in_the_site_time_zone(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    client.force_login(rep)

    day = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(reverse("leads:follow_up", args=[lead.pk]),
                           _follow_up_data(next_step="Send the offer",
                                           next_step_at=f"{day:%Y-%m-%d}T10:00"))

    assert response.status_code == 302
    assert response.url == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    # 10:00 in Asia/Shanghai is 02:00 UTC.
    assert lead.next_step_due_at == datetime.datetime.combine(
        day, datetime.time(2, 0), tzinfo=datetime.UTC)


def test_follow_up_with_a_past_next_step_date_shows_the_error_and_writes_nothing(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep, due_in=10)
    client.force_login(rep)
    yesterday = timezone.localtime() - datetime.timedelta(days=1)

    response = client.post(
        reverse("leads:follow_up", args=[lead.pk]),
        _follow_up_data(notes="Keep this text", next_step="Call again",
                        next_step_at=yesterday.strftime("%Y-%m-%dT%H:%M"),
                        next=f"{reverse('leads:mine')}?page=1"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    # The message names the field; the row's form is open again with what was typed.
    assert ("The follow-up was not saved. Next step date: The next step’s date must be in the "
            "future." in html.replace("&#x27;", "’").replace("'", "’"))
    assert 'class="message message--error"' in html
    assert f'id="follow-up-row-{lead.pk}" hidden' not in html
    assert "Keep this text" in html
    assert 'class="form-field form-field--next_step_at has-error"' in html
    assert not FollowUp.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and lead.first_contacted_at is None


def test_follow_up_with_a_missing_channel_is_refused_on_the_lead_page(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    client.force_login(rep)

    response = client.post(reverse("leads:follow_up", args=[lead.pk]),
                           _follow_up_data(channel=""))

    assert response.status_code == 400
    assert "Channel: This field is required." in response.content.decode()
    assert response.templates[0].name == "leads/lead_detail.html"
    assert not FollowUp.objects.exists()


def test_follow_up_on_someone_elses_lead_is_refused(client):
    team = _sales_team()
    lead = _assigned(team["other_rep"])
    client.force_login(team["rep"])
    assert client.post(reverse("leads:follow_up", args=[lead.pk]),
                       _follow_up_data()).status_code == 404
    # The head sees the lead but only its owner logs follow-ups.
    client.force_login(team["head"])
    assert client.post(reverse("leads:follow_up", args=[lead.pk]),
                       _follow_up_data()).status_code == 403
    assert not FollowUp.objects.exists()


def test_follow_up_redirect_ignores_a_foreign_next(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    client.force_login(rep)
    response = client.post(reverse("leads:follow_up", args=[lead.pk]),
                           _follow_up_data(next="https://evil.example.com/"))
    assert response.url == reverse("leads:detail", args=[lead.pk])


# The lead page -------------------------------------------------------------------------------


def test_lead_page_shows_contact_origin_deadlines_and_the_whole_timeline(client):
    team = _sales_team()
    rep = team["rep"]
    campaign = CampaignFactory(name="Spring fair")
    creator = member(DepartmentKind.MARKETING, user=UserFactory(full_name="周杰"))
    lead = _assigned(rep, name="陈先生", phone="+8613800138000", company="华东机械",
                     source=campaign.source, campaign=campaign, created_by=creator)
    Assignment.objects.create(lead=lead, to_user=rep, reason=AssignmentReason.RULE,
                              note="first pick")
    follow_up_create(lead=lead, author=rep, channel="wechat", outcome="interested",
                     notes="Wants a demo.", next_step="Demo",
                     next_step_at=timezone.now() + datetime.timedelta(days=2))
    client.force_login(rep)

    response = client.get(reverse("leads:detail", args=[lead.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "+86 138 0013 8000" in html
    assert "华东机械" in html and "Spring fair" in html and campaign.source.name in html
    assert 'id="lead-status"' in html and ">Contacted<" in html
    assert "王芳" in html
    kinds = [entry["kind"] for entry in response.context["timeline"]]
    assert kinds == ["follow_up", "assignment", "intake"]
    assert "Wants a demo." in html
    assert "entered by 周杰" in html
    assert "first pick" in html
    # The owner may log follow-ups and change the status, not reassign.
    assert 'id="log-follow-up"' in html
    assert 'id="qualify-form"' in html and 'id="win-form"' in html and 'id="lose-form"' in html
    assert 'id="reassign-form"' not in html


def test_lead_page_links_the_original_and_its_duplicates(client):
    rep = member(DepartmentKind.SALES)
    original = _assigned(rep, name="Original lead")
    first = _assigned(rep, name="First copy", duplicate_of=original)
    second = _assigned(rep, name="Second copy", duplicate_of=original)
    client.force_login(rep)

    html = client.get(reverse("leads:detail", args=[first.pk])).content.decode()
    assert f'href="{reverse("leads:detail", args=[original.pk])}" id="duplicate-original"' in html
    assert "Second copy" in html and "Other duplicates of that lead:" in html

    html = client.get(reverse("leads:detail", args=[original.pk])).content.decode()
    assert "Duplicates of this lead:" in html
    assert "First copy" in html and "Second copy" in html
    assert f'href="{reverse("leads:detail", args=[second.pk])}"' in html


def test_lead_page_is_404_for_who_may_not_see_the_lead(client):
    team = _sales_team()
    lead = _assigned(team["other_rep"])
    client.force_login(team["rep"])
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    client.force_login(member(DepartmentKind.LEGAL))
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    client.force_login(team["team_lead"])
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200


def test_marketing_sees_the_lead_but_not_the_follow_up_notes(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    follow_up_create(lead=lead, author=rep, channel="call", outcome="reached",
                     notes="Secret price talk", next_step="Send the offer",
                     next_step_at=timezone.now() + datetime.timedelta(days=2))
    client.force_login(member(DepartmentKind.MARKETING))

    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()

    assert "Secret price talk" not in html
    assert "Notes are not shown to you." in html
    assert 'id="log-follow-up"' not in html and 'id="reassign-form"' not in html


def _lead_with_history(owner, other, size: int) -> Lead:
    lead = _assigned(owner, duplicate_of=LeadFactory())
    for number in range(size):
        Assignment.objects.create(lead=lead, to_user=owner if number % 2 else other,
                                  from_user=other if number % 2 else owner,
                                  reason=AssignmentReason.MANUAL, actor=other, note="swap")
        FollowUp.objects.create(lead=lead, author=owner, channel="call", outcome="reached",
                                notes=f"Note {number}")
    return lead


@pytest.mark.parametrize("size", [3, 20])
def test_lead_page_query_count_does_not_grow_with_the_timeline(client, django_assert_num_queries,
                                                               size):
    team = _sales_team()
    LostReason.objects.create(code="no_budget", label="No budget")
    lead = _lead_with_history(team["rep"], team["other_rep"], size)
    client.force_login(team["rep"])

    # The lead with its relations, the duplicates, the assignments, the follow-ups, the lost
    # reasons of the lose form.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 5):
        response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert response.status_code == 200
    assert len(response.context["timeline"]) == 2 * size + 1

    # A head also gets the reassign form: its reps, and whether the owner is one of the head's
    # (asked once, remembered for the status buttons); the lead is seen without a query.
    client.force_login(team["head"])
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 7):
        response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert response.status_code == 200
    assert 'id="reassign-form"' in response.content.decode()


# Actions on the lead page ----------------------------------------------------------------------


def test_head_reassigns_a_lead_with_a_reason(client):
    team = _sales_team()
    lead = _assigned(team["rep"], name="陈先生")
    client.force_login(team["head"])

    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'id="reassign-form"' in html
    assert f'<option value="{team["other_rep"].pk}">李雷</option>' in html
    # The owner is not offered as the new owner.
    assert f'<option value="{team["rep"].pk}">' not in html

    response = client.post(reverse("leads:reassign", args=[lead.pk]),
                           {"to_user": team["other_rep"].pk, "note": "王芳 is on leave"},
                           follow=True)

    assert response.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])
    assert "陈先生 is now 李雷&#x27;s lead." in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner == team["other_rep"]
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.reason == AssignmentReason.MANUAL
    assert assignment.note == "王芳 is on leave" and assignment.actor == team["head"]


def test_reassignment_needs_a_reason_and_a_head(client):
    team = _sales_team()
    lead = _assigned(team["rep"])
    client.force_login(team["head"])
    response = client.post(reverse("leads:reassign", args=[lead.pk]),
                           {"to_user": team["other_rep"].pk, "note": ""})
    assert response.status_code == 400
    assert "Reason: This field is required." in response.content.decode()

    client.force_login(team["rep"])
    response = client.post(reverse("leads:reassign", args=[lead.pk]),
                           {"to_user": team["other_rep"].pk, "note": "I want to"})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.owner == team["rep"]
    assert not Assignment.objects.exists()


def test_owner_qualifies_wins_and_a_lost_lead_is_closed(client):
    rep = member(DepartmentKind.SALES)
    lead = _contacted(rep)
    client.force_login(rep)

    response = client.post(reverse("leads:qualify", args=[lead.pk]))
    assert response.url == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED

    response = client.post(reverse("leads:win", args=[lead.pk]), {"value": "-5"})
    assert response.status_code == 400
    assert "Deal value (CNY): Ensure this value is greater than or equal to 0." in \
        response.content.decode()
    client.post(reverse("leads:win", args=[lead.pk]), {"value": "120000"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and lead.won_value == Decimal("120000.00")

    other = _contacted(rep)
    reason = LostReason.objects.create(code="no_budget", label="No budget")
    response = client.post(reverse("leads:lose", args=[other.pk]), {"reason": reason.pk},
                           follow=True)
    assert "is marked lost." in response.content.decode()
    other.refresh_from_db()
    assert other.status == LeadStatus.LOST and other.lost_reason == reason


def test_qualifying_a_lead_not_yet_contacted_says_why_not(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    client.force_login(rep)
    response = client.post(reverse("leads:qualify", args=[lead.pk]), follow=True)
    assert "Only a contacted lead can be qualified." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_lead_actions_need_post(client):
    rep = member(DepartmentKind.SALES)
    lead = _assigned(rep)
    client.force_login(rep)
    for name in ("follow_up", "reassign", "qualify", "win", "lose", "claim"):
        assert client.get(reverse(f"leads:{name}", args=[lead.pk])).status_code == 405


# The team board ------------------------------------------------------------------------------


def test_team_page_shows_each_reps_open_overdue_and_reassigned_leads(client):
    team = _sales_team()
    _assigned(team["rep"], due_in=-3)
    _assigned(team["rep"], due_in=30)
    _contacted(team["other_rep"])
    taken = _assigned(team["head"])
    Assignment.objects.create(lead=taken, to_user=team["head"], from_user=team["rep"],
                              reason=AssignmentReason.REASSIGNMENT)
    client.force_login(team["head"])

    response = client.get(reverse("leads:team"))

    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["王芳"]["open_leads"] == 2 and rows["王芳"]["overdue_leads"] == 1
    assert rows["王芳"]["reassigned_today"] == 1
    assert rows["李雷"]["open_leads"] == 1 and rows["李雷"]["overdue_leads"] == 0
    html = response.content.decode()
    assert 'id="team-board"' in html
    assert f'href="{reverse("leads:follow_ups")}?rep={team["rep"].pk}&amp;date_from=' in html
    assert response.context["totals"]["overdue_leads"] == 1


def test_head_sees_the_default_queue_and_a_team_lead_does_not(client):
    from leads.services import lead_assign_auto

    team = _sales_team()
    stray = LeadFactory(region="火星")
    lead_assign_auto(lead_id=stray.pk)  # no rule: the default queue
    client.force_login(team["head"])
    response = client.get(reverse("leads:team"))
    assert [lead.pk for lead in response.context["queue"]] == [stray.pk]
    assert 'id="default-queue"' in response.content.decode()
    client.force_login(team["team_lead"])
    assert 'id="default-queue"' not in client.get(reverse("leads:team")).content.decode()


def test_team_lead_sees_their_team(client):
    team = _sales_team()
    _assigned(team["rep"])
    client.force_login(team["team_lead"])
    response = client.get(reverse("leads:team"))
    assert response.status_code == 200
    assert {row["name"] for row in response.context["rows"]} >= {"王芳", "李雷"}


def test_team_page_refuses_reps_and_other_departments(client):
    team = _sales_team()
    client.force_login(team["rep"])
    assert client.get(reverse("leads:team")).status_code == 403
    client.force_login(member(DepartmentKind.MARKETING, role=Role.HEAD))
    assert client.get(reverse("leads:team")).status_code == 403


@pytest.mark.parametrize("size", [3, 20])
def test_team_page_query_count_does_not_grow_with_the_team(client, django_assert_num_queries,
                                                          size):
    department = DepartmentFactory(kind=DepartmentKind.SALES)
    head = member(department=department, role=Role.HEAD)
    for _ in range(size):
        rep = member(department=department)
        _assigned(rep, due_in=-1)
        Assignment.objects.create(lead=_assigned(head), from_user=rep, to_user=head,
                                  reason=AssignmentReason.REASSIGNMENT)
    client.force_login(head)

    # The reps with their counts, today's reassignments away from them, the default queue.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:team"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == size + 1


# The lead pool -------------------------------------------------------------------------------


def _pooled(pool, **fields) -> Lead:
    return LeadFactory(pool=pool, pooled_at=timezone.now(), status=LeadStatus.NEW, **fields)


def test_pool_page_lists_claimable_leads_and_the_pool_limits(client):
    team = _sales_team()
    own = LeadPoolFactory(name="East pool", team=team["team"], daily_claim_limit=5,
                          holding_capacity=40, cooldown_days=3)
    everyone = LeadPoolFactory(name="Company pool")
    closed = LeadPoolFactory(name="West pool", team=TeamFactory())
    _pooled(own, name="East lead")
    _pooled(everyone, name="Open lead")
    _pooled(closed, name="West lead")
    client.force_login(team["rep"])

    response = client.get(reverse("leads:pool"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "East lead" in html and "Open lead" in html
    assert "West lead" not in html and "West pool" not in html
    assert [pool.name for pool in response.context["pools"]] == ["Company pool", "East pool"]
    limits = re.search(rf'data-pool="{own.pk}">(.*?)</dl>', html, re.S).group(1)
    assert "<dd>5</dd>" in limits
    assert "40 open leads" in limits and "3 days" in limits
    assert "You claimed 0 leads today" in html
    assert html.count('class="claim-form"') == 2


def test_a_pooled_lead_page_offers_the_claim_to_who_may_claim(client):
    team = _sales_team()
    lead = _pooled(LeadPoolFactory(team=team["team"]))
    client.force_login(team["rep"])
    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'id="claim-form"' in html and "In the lead pool" in html
    assert 'id="log-follow-up"' not in html
    # A rep of another team neither sees the lead nor may claim it.
    client.force_login(member(DepartmentKind.SALES, team=TeamFactory()))
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404


def test_claiming_a_lead_gives_it_to_the_rep(client):
    rep = member(DepartmentKind.SALES)
    lead = _pooled(LeadPoolFactory(), name="陈先生")
    client.force_login(rep)

    response = client.post(reverse("leads:claim", args=[lead.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])
    assert "陈先生 is yours now." in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner == rep and lead.pool is None and lead.status == LeadStatus.ASSIGNED
    assert Assignment.objects.get(lead=lead).reason == AssignmentReason.CLAIM


def test_claiming_a_lead_someone_else_claimed_first_says_so(client):
    first = member(DepartmentKind.SALES)
    second = member(DepartmentKind.SALES)
    lead = _pooled(LeadPoolFactory())
    client.force_login(second)
    page = client.get(reverse("leads:pool"))
    assert f'action="{reverse("leads:claim", args=[lead.pk])}"' in page.content.decode()
    # The other rep clicks first.
    client.force_login(first)
    client.post(reverse("leads:claim", args=[lead.pk]))
    client.force_login(second)

    response = client.post(reverse("leads:claim", args=[lead.pk]),
                           {"next": f"{reverse('leads:pool')}?page=1"}, follow=True)

    assert response.redirect_chain == [(f"{reverse('leads:pool')}?page=1", 302)]
    html = response.content.decode()
    assert "Someone else claimed this lead first." in html
    assert 'class="message message--error"' in html
    lead.refresh_from_db()
    assert lead.owner == first


def test_claim_beyond_the_daily_limit_is_refused_with_the_reason(client):
    rep = member(DepartmentKind.SALES)
    pool = LeadPoolFactory(daily_claim_limit=1)
    first, second = _pooled(pool), _pooled(pool)
    client.force_login(rep)
    client.post(reverse("leads:claim", args=[first.pk]))
    response = client.post(reverse("leads:claim", args=[second.pk]), follow=True)
    assert "the daily limit of this pool" in response.content.decode()
    second.refresh_from_db()
    assert second.owner is None


def test_pool_page_is_for_sales(client):
    client.force_login(member(DepartmentKind.MARKETING))
    assert client.get(reverse("leads:pool")).status_code == 403
    lead = _pooled(LeadPoolFactory())
    client.post(reverse("leads:claim", args=[lead.pk]), {"next": reverse("home")})
    assert "You may not claim leads from the pool" in client.get(reverse("home")).content.decode()
    lead.refresh_from_db()
    assert lead.owner is None
    assert client.post(reverse("leads:claim", args=[999999])).status_code == 404


@pytest.mark.parametrize("size", [3, 20])
def test_pool_page_query_count_does_not_grow_with_the_pool(client, django_assert_num_queries,
                                                          size):
    team = TeamFactory()
    rep = member(department=team.department, team=team)
    pools = [LeadPoolFactory(team=team), LeadPoolFactory()]
    for number in range(size):
        _pooled(pools[number % 2], campaign=CampaignFactory())
    client.force_login(rep)

    # The page's count and rows, the pools with their waiting leads, the rep's standing.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 4):
        response = client.get(reverse("leads:pool"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == size


# Navigation ----------------------------------------------------------------------------------


def _nav_keys(user) -> set[str]:
    return {item["key"] for item in navigation_for(user, "/")}


def test_navigation_offers_the_leads_pages_by_role():
    team = _sales_team()
    rep_keys = _nav_keys(team["rep"])
    assert {"my_leads", "pool"} <= rep_keys
    assert not {"team", "follow_ups"} & rep_keys
    assert {"my_leads", "pool", "team", "follow_ups"} <= _nav_keys(team["head"])
    assert {"my_leads", "team"} <= _nav_keys(team["team_lead"])
    marketing = _nav_keys(member(DepartmentKind.MARKETING))
    assert not {"my_leads", "pool", "team", "follow_ups"} & marketing
    assert "follow_ups" in _nav_keys(member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE))


def test_navigation_leaves_out_a_page_whose_address_is_not_wired(monkeypatch):
    monkeypatch.setattr("coordination.core.web.navigation.NAVIGATION", [
        *NAVIGATION,
        NavItem("missing", "Missing", "leads_import:does-not-exist", lambda user: True),
    ])
    keys = _nav_keys(member(DepartmentKind.SALES))
    assert "missing" not in keys and "my_leads" in keys


def test_my_leads_is_the_current_navigation_entry(client):
    client.force_login(member(DepartmentKind.SALES))
    html = client.get(reverse("leads:mine")).content.decode()
    assert re.search(r'data-nav="my_leads"\s+class="is-current" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
