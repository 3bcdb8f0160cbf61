"""The leads API for sources, campaigns and assignment rules."""

import pytest

from coordination.core.apikeys.services import api_key_create
from coordination.core.org.models import DepartmentKind, Role
from leads.models import AssignmentRule, Campaign, RulePoolMember, Source
from tests.factories import (
    AssignmentRuleFactory,
    CampaignFactory,
    SourceFactory,
    UserFactory,
    member,
    rule_with_reps,
)

pytestmark = pytest.mark.django_db

RULES = "/api/v1/assignment-rules/"


@pytest.fixture
def marketer():
    return member(DepartmentKind.MARKETING)


@pytest.fixture
def admin():
    return UserFactory(is_superuser=True)


# Sources and campaigns ---------------------------------------------------------------------------


def test_marketing_creates_sources_and_campaigns_and_reps_only_read(api_client, marketer,
                                                                    reps):
    api_client.force_authenticate(marketer)
    response = api_client.post("/api/v1/sources/", {"name": "抖音", "channel": "social"},
                               format="json")
    assert response.status_code == 201
    source = Source.objects.get(name="抖音")
    response = api_client.post("/api/v1/campaigns/", {
        "source": source.pk, "name": "双十一", "starts_on": "2026-11-01",
        "ends_on": "2026-11-11", "spend": "50000.00", "currency": "CNY"}, format="json")
    assert response.status_code == 201
    assert response.json()["source_name"] == "抖音"
    campaign = Campaign.objects.get()
    response = api_client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"spend": "60000"},
                                format="json")
    assert response.status_code == 200
    assert response.json()["spend"] == "60000.00"

    api_client.force_authenticate(reps[0])
    assert [row["name"] for row in api_client.get("/api/v1/sources/").json()["results"]] == [
        "抖音"]
    assert api_client.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 200
    response = api_client.post("/api/v1/sources/", {"name": "微博"}, format="json")
    assert response.status_code == 403
    response = api_client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"spend": "1"},
                                format="json")
    assert response.status_code == 403


def test_campaign_errors_name_their_fields(api_client, marketer):
    source = SourceFactory()
    CampaignFactory(source=source, name="春季")
    api_client.force_authenticate(marketer)

    def error_fields(**changes):
        body = {"source": source.pk, "name": "夏季", "starts_on": "2026-06-01",
                "spend": "100", "currency": "CNY", **changes}
        response = api_client.post("/api/v1/campaigns/", body, format="json")
        assert response.status_code == 400
        return [error["field"] for error in response.json()["errors"]]

    assert error_fields(ends_on="2026-05-01") == ["ends_on"]
    assert error_fields(spend="-1") == ["spend"]
    assert error_fields(currency="rmb") == ["currency"]
    assert error_fields(name="春季") == ["name"]
    assert Campaign.objects.count() == 1
    campaign = Campaign.objects.get()
    response = api_client.patch(f"/api/v1/campaigns/{campaign.pk}/",
                                {"source": SourceFactory().pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "source"


def test_source_names_are_unique(api_client, admin):
    SourceFactory(name="百度推广")
    api_client.force_authenticate(admin)
    response = api_client.post("/api/v1/sources/", {"name": "百度推广"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"


def test_campaigns_filter_by_source(api_client, marketer):
    first, second = CampaignFactory(), CampaignFactory()
    api_client.force_authenticate(marketer)
    rows = api_client.get("/api/v1/campaigns/", {"source": first.source_id}).json()["results"]
    assert [row["id"] for row in rows] == [first.pk]
    assert second.pk not in [row["id"] for row in rows]


# Assignment rules --------------------------------------------------------------------------------


def test_managers_read_rules_with_their_reps_and_others_are_refused(api_client, sales, team,
                                                                   head, reps, marketer):
    rule = rule_with_reps(reps[:2], weights=[3, 1], strategy="weighted")
    team_lead = member(department=sales, team=team, role=Role.LEAD)
    executive = member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE)
    for reader in (head, team_lead, executive, UserFactory(is_superuser=True)):
        api_client.force_authenticate(reader)
        response = api_client.get(RULES)
        assert response.status_code == 200
        row = response.json()["results"][0]
        assert row["id"] == rule.pk
        assert row["reps"] == [
            {"user": reps[0].pk, "full_name": reps[0].full_name, "weight": 3},
            {"user": reps[1].pk, "full_name": reps[1].full_name, "weight": 1},
        ]
    for outsider in (reps[0], marketer):
        api_client.force_authenticate(outsider)
        assert api_client.get(RULES).status_code == 403
        assert api_client.get(f"{RULES}{rule.pk}/").status_code == 403


def test_admin_creates_and_changes_a_rule_with_named_reps(api_client, admin, reps):
    api_client.force_authenticate(admin)
    response = api_client.post(RULES, {
        "name": "华东", "priority": 5, "strategy": "weighted",
        "conditions": [{"field": "region", "op": "in", "value": ["上海", "江苏"]}],
        "reps": [{"user": reps[0].pk, "weight": 2}, {"user": reps[1].pk}],
        "escalation_ladder": [{"after_days": 0, "action": "remind"},
                              {"after_days": 3, "action": "reassign"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    rule = AssignmentRule.objects.get(name="华东")
    assert response.json()["reps"] == [
        {"user": reps[0].pk, "full_name": reps[0].full_name, "weight": 2},
        {"user": reps[1].pk, "full_name": reps[1].full_name, "weight": 1},
    ]
    response = api_client.patch(f"{RULES}{rule.pk}/", {"reps": [{"user": reps[2].pk,
                                                                 "weight": 5}]},
                                format="json")
    assert response.status_code == 200
    assert list(RulePoolMember.objects.filter(rule=rule).values_list("user", "weight")) == [
        (reps[2].pk, 5)]
    # A change that names no reps leaves them as they are.
    response = api_client.patch(f"{RULES}{rule.pk}/", {"priority": 7}, format="json")
    assert response.status_code == 200
    assert [rep["user"] for rep in response.json()["reps"]] == [reps[2].pk]


def test_bad_rules_are_refused_with_the_field(api_client, admin, reps):
    api_client.force_authenticate(admin)

    def error_fields(**changes):
        response = api_client.post(RULES, {"name": "坏规则", **changes}, format="json")
        assert response.status_code == 400
        return [error["field"] for error in response.json()["errors"]]

    assert error_fields(conditions=[{"field": "colour", "op": "equals", "value": "red"}]) == [
        "conditions"]
    assert error_fields(escalation_ladder=[{"after_days": 2, "action": "shout"}]) == [
        "escalation_ladder"]
    assert error_fields(reps=[{"user": reps[0].pk}, {"user": reps[0].pk}]) == ["reps"]
    assert error_fields(reps=[{"user": reps[0].pk, "weight": 0}]) == ["reps.0.weight"]
    assert error_fields(first_contact_sla_minutes=0) == ["first_contact_sla_minutes"]
    assert not AssignmentRule.objects.exists()


def test_only_admins_change_rules(api_client, head):
    rule = AssignmentRuleFactory()
    api_client.force_authenticate(head)
    response = api_client.patch(f"{RULES}{rule.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 403
    response = api_client.post(RULES, {"name": "新规则"}, format="json")
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.is_active


def test_read_key_reads_rules_and_cannot_change_them(api_client):
    rule = AssignmentRuleFactory()
    _key, raw = api_key_create(name="BI", scopes=["leads:read", "leads:write"])
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert api_client.get(RULES, **headers).status_code == 200
    response = api_client.patch(f"{RULES}{rule.pk}/", {"is_active": False}, format="json",
                                **headers)
    assert response.status_code == 403


# Query counts ------------------------------------------------------------------------------------


def test_catalog_and_rule_lists_use_a_constant_number_of_queries(
        api_client, django_assert_num_queries, admin, reps):
    def grow(n):
        for _ in range(n):
            CampaignFactory()
            rule_with_reps(reps, weights=[1, 2, 3])

    api_client.force_login(admin)
    for rows in (3, 15):
        grow(rows - AssignmentRule.objects.count())
        # session, user, the page (a superuser needs no memberships)
        with django_assert_num_queries(3):
            response = api_client.get("/api/v1/sources/")
        assert len(response.json()["results"]) == rows
        with django_assert_num_queries(3):
            response = api_client.get("/api/v1/campaigns/")
        assert len(response.json()["results"]) == rows
        # session, user, the page, the named reps with their users
        with django_assert_num_queries(4):
            response = api_client.get(RULES)
        assert len(response.json()["results"]) == rows
