"""GET /api/v1/metrics/funnel/: the scoreboard's figures as JSON."""

import datetime

import pytest

from coordination.core.apikeys.services import api_key_create
from coordination.core.org.models import DepartmentKind, Role
from leads.models import QualitySettings
from tests.factories import CampaignFactory, SourceFactory, UserFactory, member
from tests.metrics.conftest import _assigned, _dispute, _lead, _won, at

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/funnel/"
NOVEMBER = {"start": "2026-11-01", "end": "2026-12-01"}  # end excluded
# The session and the user, the caller's memberships (permission), the four funnel queries.
FUNNEL_API = 2 + 1 + 4


def _rate(value, numerator, denominator):
    return {"value": value, "numerator": numerator, "denominator": denominator}


def test_returns_the_same_figures_as_the_page(api_client, funnel_data, org):
    api_client.force_authenticate(org.wang)
    response = api_client.get(URL, NOVEMBER)
    assert response.status_code == 200
    body = response.json()

    assert body["period"] == {"start": "2026-11-01", "end": "2026-12-01"}
    assert body["source"] is None
    assert body["granularity"] == "day"
    totals = body["totals"]
    assert totals["leads"] == 10
    assert (totals["valid"], totals["invalid"], totals["won"], totals["won_valid"]) == (
        8, 2, 4, 3)
    # Decimals as strings.
    assert totals["valid_rate"] == _rate("0.8000", 8, 10)
    assert totals["conversion"] == _rate("0.3750", 3, 8)
    assert totals["first_contact_sla"]["numerator"] == 5
    assert totals["first_contact_sla"]["denominator"] == 9
    assert totals["first_contact_sla"]["value"] == "0.5556"
    # Missed: L2 (escalated to the head, then contacted), L4, L7, L9.
    assert totals["first_contact_missed"] == _rate("0.4000", 4, 10)
    assert totals["reassignment_rate"] == _rate("0.1000", 1, 10)
    assert totals["outcome"] == [{"amount": "6000.00", "currency": "CNY"},
                                 {"amount": "500.00", "currency": "USD"}]
    assert body["inspections"] == {"scored": 5, "passed": 4, "pass_rate": "0.8000"}
    by_side = {row["side"]: row for row in body["disputes"]["by_side"]}
    assert (by_side["sales"]["opened"], by_side["sales"]["lost"],
            by_side["sales"]["upheld"]) == (3, 1, 2)
    assert by_side["marketing"]["loss_rate"] == _rate("0.5000", 1, 2)
    assert [(p["name"], p["lost"]) for p in body["disputes"]["by_person"]] == [
        ("Lina Chen", 1), ("Wang Fang", 1), ("Li Lei", 0), ("Zhou Min", 0)]
    sources = body["by_source"]
    assert [(s["name"], s["figures"]["leads"]) for s in sources] == [
        ("A search ads", 6), ("B trade fair", 4)]
    assert [(c["id"], c["name"]) for c in sources[1]["campaigns"]] == [
        (funnel_data.b1.pk, "B1 expo"), (None, None)]
    assert sources[0]["figures"]["conversion"] == _rate("0.4000", 2, 5)
    assert sources[0]["figures"]["first_contact_missed"] == _rate("0.3333", 2, 6)
    # Inspection pass rate per source and campaign: A's three passed; B's L10 (B1) passed and
    # L8 (no campaign) failed.
    assert [s["inspections"] for s in sources] == [
        {"scored": 3, "passed": 3, "pass_rate": "1.0000"},
        {"scored": 2, "passed": 1, "pass_rate": "0.5000"}]
    assert [(c["name"], c["inspections"]) for c in sources[0]["campaigns"]] == [
        ("A1 spring", {"scored": 2, "passed": 2, "pass_rate": "1.0000"}),
        ("A2 autumn", {"scored": 1, "passed": 1, "pass_rate": "1.0000"})]
    assert [(c["name"], c["inspections"]) for c in sources[1]["campaigns"]] == [
        ("B1 expo", {"scored": 1, "passed": 1, "pass_rate": "1.0000"}),
        (None, {"scored": 1, "passed": 0, "pass_rate": "0.0000"})]
    trend = body["trend"]
    assert len(trend) == 30
    assert trend[0]["bucket"] == "2026-11-01"
    assert trend[0]["figures"]["leads"] == 2
    assert trend[0]["figures"]["outcome"] == [{"amount": "1000.00", "currency": "CNY"}]
    assert trend[3]["figures"]["valid_rate"] == _rate(None, 0, 0)


def test_source_filter(api_client, funnel_data, org):
    api_client.force_authenticate(org.lina)
    body = api_client.get(URL, {**NOVEMBER, "source": funnel_data.source_a.pk}).json()
    assert body["source"] == funnel_data.source_a.pk
    assert body["totals"]["leads"] == 6
    assert [s["name"] for s in body["by_source"]] == ["A search ads"]


@pytest.mark.parametrize(("params", "field"), [
    ({"start": "2026-13-01", "end": "2026-12-01"}, "start"),
    ({"start": "yesterday", "end": "2026-12-01"}, "start"),
    ({"start": "2026-11-01", "end": "2026-11-31"}, "end"),
    ({"start": "2026-11-10", "end": "2026-11-10"}, "end"),
    ({"start": "2026-11-10", "end": "2026-11-01"}, "end"),
    ({"start": "1990-01-01", "end": "2026-11-01"}, "end"),
    ({"start": "2026-11-01", "end": "2026-12-01", "source": "999999"}, "source"),
    ({"start": "2026-11-01", "end": "2026-12-01", "source": "abc"}, "source"),
])
def test_bad_query_is_400_naming_the_field(api_client, org, params, field):
    api_client.force_authenticate(org.wang)
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_start_alone_after_this_month_asks_for_the_end(api_client, org):
    api_client.force_authenticate(org.wang)
    response = api_client.get(URL, {"start": "2999-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "end"


def test_defaults_to_this_month(api_client, org):
    api_client.force_authenticate(org.wang)
    body = api_client.get(URL).json()
    start = datetime.date.fromisoformat(body["period"]["start"])
    end = datetime.date.fromisoformat(body["period"]["end"])
    assert start.day == 1 and end.day == 1 and 28 <= (end - start).days <= 31


@pytest.mark.parametrize("kind", [DepartmentKind.DELIVERY, DepartmentKind.LEGAL])
def test_other_departments_are_refused(api_client, kind):
    api_client.force_authenticate(member(kind, role=Role.HEAD))
    response = api_client.get(URL, NOVEMBER)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_someone_of_no_department_is_refused(api_client):
    api_client.force_authenticate(UserFactory())
    assert api_client.get(URL, NOVEMBER).status_code == 403


def test_anonymous_is_refused(api_client):
    assert api_client.get(URL, NOVEMBER).status_code in (401, 403)


@pytest.mark.parametrize("who", ["quality", "executive"])
def test_quality_and_executives_read_the_months_figures(api_client, org, who):
    """Three leads of one source in November (one won, one ruled invalid on a sales dispute),
    and one in October that must not count."""
    source = SourceFactory(name="C referrals")
    campaign = CampaignFactory(source=source, name="C1 partners")
    when = at(11, 5, 9)
    _lead(source, campaign, when, owner=org.wang,
                **{**_assigned(when, contacted_after=10), **_won("1200")})
    when = at(11, 6, 9)
    junk = _lead(source, campaign, when, owner=org.li, **_assigned(when, contacted_after=5))
    when = at(11, 7, 9)
    _lead(source, None, when, owner=org.li, **_assigned(when, contacted_after=45))  # late
    when = at(10, 30, 9)
    _lead(source, campaign, when, owner=org.wang,
          **{**_assigned(when, contacted_after=1), **_won("9999")})
    _dispute(junk, "sales", org.li, at(11, 8, 10), ["invalid"], org.adjudicator)
    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": True})
    reader = org.adjudicator if who == "quality" else org.executive
    api_client.force_authenticate(reader)

    response = api_client.get(URL, NOVEMBER)

    assert response.status_code == 200
    body = response.json()
    totals = body["totals"]
    assert (totals["leads"], totals["valid"], totals["invalid"], totals["won"],
            totals["won_valid"]) == (3, 2, 1, 1, 1)
    assert totals["valid_rate"] == _rate("0.6667", 2, 3)
    assert totals["conversion"] == _rate("0.5000", 1, 2)
    assert totals["outcome"] == [{"amount": "1200.00", "currency": "CNY"}]
    # Contacted within 30 minutes: two of three.
    assert totals["first_contact_sla"] == _rate("0.6667", 2, 3)
    assert body["inspections"] == {"scored": 0, "passed": 0, "pass_rate": None}
    [by_source] = body["by_source"]
    assert (by_source["id"], by_source["figures"]["leads"]) == (source.pk, 3)
    assert [(row["id"], row["figures"]["leads"], row["figures"]["won"])
            for row in by_source["campaigns"]] == [(campaign.pk, 2, 1), (None, 1, 0)]
    assert sum(bucket["figures"]["leads"] for bucket in body["trend"]) == 3
    if who == "quality":
        # Blind review: the quality department is not told who opened disputes, nor sides.
        assert body["disputes"] is None
    else:
        by_side = {row["side"]: row for row in body["disputes"]["by_side"]}
        assert (by_side["sales"]["opened"], by_side["sales"]["upheld"],
                by_side["sales"]["lost"]) == (1, 1, 0)
        assert [(row["name"], row["opened"]) for row in body["disputes"]["by_person"]
                if row["opened"]] == [("Li Lei", 1)]


def test_api_key_needs_metrics_read(api_client, funnel_data):
    _key, raw = api_key_create(name="BI", scopes=["metrics:read"])
    response = api_client.get(URL, NOVEMBER, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json()["totals"]["leads"] == 10

    _key, raw = api_key_create(name="CRM", scopes=["leads:read"])
    response = api_client.get(URL, NOVEMBER, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403
    assert "metrics:read" in response.json()["errors"][0]["message"]


def test_query_count_is_constant_as_leads_grow(client, funnel_data, org,
                                               django_assert_num_queries):
    client.force_login(org.wang)
    with django_assert_num_queries(FUNNEL_API):
        assert client.get(URL, NOVEMBER).status_code == 200

    for index in range(5):
        source = SourceFactory()
        for day in range(1, 6):
            _lead(source, None, at(11, day + index, 9))

    with django_assert_num_queries(FUNNEL_API):
        body = client.get(URL, NOVEMBER).json()
    assert body["totals"]["leads"] == 35
    # The source filter looks the source up: one query more.
    with django_assert_num_queries(FUNNEL_API + 1):
        assert client.get(URL, {**NOVEMBER, "source": funnel_data.source_a.pk}).status_code \
            == 200
