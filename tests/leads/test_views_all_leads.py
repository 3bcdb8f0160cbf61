"""The All leads page: every lead a manager, an executive or marketing may see, with filters,
sorting and pages; and its navigation entry."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from coordination.core.web.navigation import navigation_for
from leads.models import Lead, LeadStatus
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
# The page's count and rows (with source, campaign, owner and pool), and the choices of the
# source, campaign and owner filters.
ALL_LEADS = 5


def _assigned(owner, *, due_in: int = 30, **fields) -> Lead:
    """A lead assigned to `owner`, first contact due in `due_in` minutes (negative: overdue)."""
    now = timezone.now()
    return LeadFactory(owner=owner, status=LeadStatus.ASSIGNED,
                       assigned_at=now - datetime.timedelta(minutes=5),
                       first_contact_due_at=now + datetime.timedelta(minutes=due_in), **fields)


def _created(lead: Lead, when: datetime.datetime) -> Lead:
    Lead.objects.filter(pk=lead.pk).update(created_at=when)
    return lead


def _executive():
    return member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE,
                  user=UserFactory(full_name="王建国"))


def _org():
    """Two sales teams in one department, its head, a team lead, a rep in each team, a
    marketing member and an executive."""
    department = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    team = TeamFactory(department=department, name="Key accounts")
    other_team = TeamFactory(department=department, name="Small business")
    return {
        "head": member(department=department, role=Role.HEAD),
        "team": team,
        "other_team": other_team,
        "team_lead": member(department=department, team=team, role=Role.LEAD,
                            user=UserFactory(full_name="赵敏")),
        "rep": member(department=department, team=team, user=UserFactory(full_name="王芳")),
        "other_rep": member(department=department, team=other_team,
                            user=UserFactory(full_name="李雷")),
        "marketing": member(DepartmentKind.MARKETING),
        "executive": _executive(),
    }


def _shown(client, **params) -> list[int]:
    response = client.get(reverse("leads:list"), params)
    assert response.status_code == 200
    return [row["lead"].pk for row in response.context["rows"]]


# Who sees what -----------------------------------------------------------------------------


def test_executive_and_marketing_see_every_lead_newest_first(client):
    org = _org()
    pool = LeadPoolFactory(team=org["other_team"], name="Small business pool")
    mine = _created(_assigned(org["rep"], name="Team lead"), timezone.now()
                    - datetime.timedelta(hours=3))
    other = _created(_assigned(org["other_rep"], name="Other team lead"),
                     timezone.now() - datetime.timedelta(hours=2))
    pooled = _created(LeadFactory(pool=pool, pooled_at=timezone.now(), name="Pooled lead"),
                      timezone.now() - datetime.timedelta(hours=1))
    queued = LeadFactory(name="Queued lead")

    for viewer in (org["executive"], org["marketing"], org["head"]):
        client.force_login(viewer)
        assert _shown(client) == [queued.pk, pooled.pk, other.pk, mine.pk]


def test_team_lead_sees_only_their_teams_leads(client):
    org = _org()
    own_team = _assigned(org["rep"])
    _assigned(org["other_rep"])
    LeadFactory(pool=LeadPoolFactory(team=org["other_team"]), pooled_at=timezone.now())
    LeadFactory()  # the default queue is the heads' business
    client.force_login(org["team_lead"])

    assert _shown(client) == [own_team.pk]


def test_a_rep_is_sent_to_my_leads_and_others_are_refused(client):
    org = _org()
    client.force_login(org["rep"])
    response = client.get(reverse("leads:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:mine")

    client.force_login(member(DepartmentKind.QUALITY))
    assert client.get(reverse("leads:list")).status_code == 403

    client.logout()
    response = client.get(reverse("leads:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_page_shows_each_leads_columns(client):
    org = _org()
    campaign = CampaignFactory(name="双十一", source=SourceFactory(name="百度推广"))
    owned = _assigned(org["rep"], due_in=-5, name="陈先生", company="华东机械有限公司",
                      region="上海", source=campaign.source, campaign=campaign)
    pooled = LeadFactory(pool=LeadPoolFactory(name="华东公海"), pooled_at=timezone.now())
    queued = LeadFactory(name="Queued lead")
    client.force_login(org["marketing"])

    response = client.get(reverse("leads:list"))

    html = response.content.decode()
    assert f'href="{reverse("leads:detail", args=[owned.pk])}"' in html
    for text in ("陈先生", "华东机械有限公司", "百度推广", "双十一", "上海", "王芳",
                 "Lead pool: 华东公海", "Unassigned", "3 leads"):
        assert text in html
    assert re.search(rf'class="lead-row is-overdue" data-lead="{owned.pk}"', html)
    assert re.search(r'class="countdown is-overdue"[^>]*>overdue by 5 min</time>', html)
    assert f'class="lead-row" data-lead="{pooled.pk}"' in html
    assert f'class="lead-row" data-lead="{queued.pk}"' in html
    # Marketing never reads follow-up notes; this page shows none to anyone.
    assert "follow-up-form" not in html


def test_page_speaks_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    org = _org()
    LeadFactory(pool=LeadPoolFactory(name="华东公海"), pooled_at=timezone.now())
    LeadFactory()
    client.force_login(org["executive"])

    html = client.get(reverse("leads:list")).content.decode()

    for text in ("全部线索", "公海：华东公海", "未分配", "负责人", "截止时间", "创建时间"):
        assert text in html


# Filters -----------------------------------------------------------------------------------


def test_filters_narrow_the_list(client):
    org = _org()
    fair = SourceFactory(name="Trade fair")
    campaign = CampaignFactory(source=fair)
    now = timezone.now()
    overdue = _assigned(org["rep"], due_in=-10, name="Overdue visitor", source=fair,
                        campaign=campaign, company="ACME 有限公司", region="上海市浦东新区")
    on_time = _assigned(org["other_rep"], due_in=60, name="Web visitor",
                        phone="+8613912345678", email="li@example.com", region="北京")
    won = LeadFactory(owner=org["rep"], status=LeadStatus.WON, closed_at=now, name="Won deal")
    pooled = LeadFactory(pool=LeadPoolFactory(), pooled_at=now, name="Pooled")
    queued = LeadFactory(name="Queued")
    _created(won, now - datetime.timedelta(days=10))
    everything = {overdue.pk, on_time.pk, won.pk, pooled.pk, queued.pk}
    client.force_login(org["executive"])

    def shown(**params) -> set[int]:
        return set(_shown(client, **params))

    assert shown() == everything
    assert shown(status="won") == {won.pk}
    assert shown(status="new") == {pooled.pk, queued.pk}
    assert shown(source=fair.pk) == {overdue.pk}
    assert shown(campaign=campaign.pk) == {overdue.pk}
    assert shown(owner=org["rep"].pk) == {overdue.pk, won.pk}
    assert shown(region="浦东") == {overdue.pk}
    assert shown(overdue="on") == {overdue.pk}
    assert shown(unassigned="on") == {queued.pk}
    assert shown(in_pool="on") == {pooled.pk}
    assert shown(q="acme") == {overdue.pk}
    assert shown(q="139 1234") == {on_time.pk}
    assert shown(q="LI@example") == {on_time.pk}
    assert shown(q="Won") == {won.pk}
    today = timezone.localdate(now)
    assert shown(date_from=(today - datetime.timedelta(days=1)).isoformat()) \
        == everything - {won.pk}
    assert shown(date_to=(today - datetime.timedelta(days=9)).isoformat()) == {won.pk}
    assert shown(status="qualified", source=fair.pk) == set()
    # An invalid filter is ignored, and a reversed date range is named.
    assert shown(status="nonsense", owner="abc") == everything
    response = client.get(reverse("leads:list"), {"date_from": today.isoformat(),
                                                  "date_to": "2020-01-01"})
    assert 'data-field-error="date_to"' in response.content.decode()
    html = client.get(reverse("leads:list"), {"q": "nobody"}).content.decode()
    assert "No lead matches these filters." in html
    assert f'href="{reverse("leads:list")}" class="button">Clear</a>' in html


def test_sorting_by_deadline_puts_the_soonest_first_and_no_deadline_last(client):
    org = _org()
    later = _assigned(org["rep"], due_in=90)
    overdue = _assigned(org["rep"], due_in=-5)
    soon = _assigned(org["rep"], due_in=10)
    queued = LeadFactory()
    client.force_login(org["executive"])

    assert _shown(client) == [queued.pk, soon.pk, overdue.pk, later.pk]
    assert _shown(client, order="deadline") == [overdue.pk, soon.pk, later.pk, queued.pk]


def test_the_list_is_paginated_by_50_and_keeps_the_filters(client):
    org = _org()
    for _ in range(55):
        _assigned(org["rep"])
    client.force_login(org["marketing"])

    first = client.get(reverse("leads:list"), {"owner": org["rep"].pk, "order": "deadline"})
    assert len(first.context["rows"]) == 50
    html = first.content.decode()
    assert "55 leads" in html and "Page 1 of 2" in html
    assert (f'href="{reverse("leads:list")}?owner={org["rep"].pk}&amp;order=deadline'
            '&amp;page=2"') in html
    second = client.get(reverse("leads:list"), {"owner": org["rep"].pk, "order": "deadline",
                                                "page": 2})
    assert len(second.context["rows"]) == 5


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("viewer", ["executive", "marketing"])
def test_query_count_does_not_grow_with_the_leads(client, django_assert_num_queries, count,
                                                  viewer):
    org = _org()
    pool = LeadPoolFactory()
    for number in range(count):
        campaign = CampaignFactory()
        owner = (org["rep"], org["other_rep"], None)[number % 3]
        if owner is None:
            LeadFactory(pool=pool if number % 2 else None, source=campaign.source,
                        campaign=campaign)
        else:
            _assigned(owner, due_in=number - 2, source=campaign.source, campaign=campaign)
    client.force_login(org[viewer])

    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + ALL_LEADS):
        response = client.get(reverse("leads:list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == count


# Navigation --------------------------------------------------------------------------------


def _nav_keys(user) -> set[str]:
    return {item["key"] for item in navigation_for(user, "/")}


def test_navigation_offers_all_leads_to_who_sees_more_than_their_own():
    org = _org()
    for who in ("executive", "marketing", "head", "team_lead"):
        assert "leads" in _nav_keys(org[who]), who
    assert "leads" not in _nav_keys(org["rep"])
    assert "leads" not in _nav_keys(member(DepartmentKind.QUALITY))


def test_all_leads_is_current_on_its_page_only(client):
    org = _org()
    lead = _assigned(org["rep"])
    client.force_login(org["head"])

    html = client.get(reverse("leads:list")).content.decode()
    assert re.search(r'data-nav="leads"\s+class="is-current" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    html = client.get(reverse("leads:mine")).content.decode()
    assert re.search(r'data-nav="my_leads"\s+class="is-current" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    # Someone else's lead is reached from All leads; the head's own lead from My leads.
    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert re.search(r'data-nav="leads"\s+class="is-current" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    own = _assigned(org["head"])
    html = client.get(reverse("leads:detail", args=[own.pk])).content.decode()
    assert re.search(r'data-nav="my_leads"\s+class="is-current" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
