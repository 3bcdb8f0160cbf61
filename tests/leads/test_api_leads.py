"""The leads API: intake (single and bulk), visibility, follow-ups, actions, API-key scopes and
query counts."""

import datetime

import pytest
from django.utils import timezone

from coordination.core.apikeys.services import api_key_create
from coordination.core.audit.models import AuditEvent
from coordination.core.org.models import DepartmentKind, Role
from leads.models import Assignment, FollowUp, Lead, LeadStatus, LostReason
from leads.services import lead_create
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    LeadPoolFactory,
    TeamFactory,
    member,
    rule_with_reps,
)
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def key_header(*scopes):
    _key, raw = api_key_create(name="Marketing tool", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def marketer():
    return member(DepartmentKind.MARKETING)


def owned(rep, **fields):
    return LeadFactory(owner=rep, status=LeadStatus.CONTACTED, first_contacted_at=TUESDAY_10,
                       **fields)


# Intake ------------------------------------------------------------------------------------------


def test_single_create_is_idempotent_on_source_and_external_id(
        api_client, django_capture_on_commit_callbacks, marketer, source, reps):
    rule_with_reps(reps[:1])
    api_client.force_authenticate(marketer)
    body = {"source": source.pk, "name": "张三", "phone": "138 0013 8000", "company": "东方公司",
            "external_id": "BD-1"}

    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(LEADS, body, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        second = api_client.post(LEADS, body, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["phone"] == "+8613800138000"
    lead = Lead.objects.get()
    assert lead.owner == reps[0]
    assert lead.created_by == marketer
    assert Assignment.objects.filter(lead=lead).count() == 1
    assert second.json()["owner"] == reps[0].pk


def test_single_create_error_names_the_field(api_client, marketer, source):
    api_client.force_authenticate(marketer)
    response = api_client.post(LEADS, {"source": source.pk, "name": "李四", "phone": "12345"},
                               format="json")
    assert response.status_code == 400
    assert response.json() == {"errors": [{
        "field": "phone", "code": "invalid_phone",
        "message": "“12345” is not a valid phone number."}]}

    response = api_client.post(LEADS, {"source": source.pk, "name": "李四",
                                       "phone": "13800138000", "mobile": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "mobile"

    response = api_client.post(LEADS, {"name": "李四", "phone": "13800138000"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "source"
    assert not Lead.objects.exists()


def test_campaign_of_another_source_is_refused(api_client, marketer, source):
    api_client.force_authenticate(marketer)
    response = api_client.post(LEADS, {"source": source.pk, "name": "李四",
                                       "phone": "13800138000",
                                       "campaign": CampaignFactory().pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "campaign"


def test_people_who_may_not_create_leads_are_refused(api_client, reps, source):
    api_client.force_authenticate(reps[0])
    response = api_client.post(LEADS, {"source": source.pk, "name": "王五",
                                       "phone": "13800138000"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert not Lead.objects.exists()


def test_creating_an_existing_lead_one_may_not_see_returns_only_its_id(api_client, reps,
                                                                       source, sales):
    lead = lead_create(source=source, data={"name": "老客户", "phone": "13800000001",
                                            "external_id": "k-1"}).lead
    Lead.objects.filter(pk=lead.pk).update(owner=reps[0], status=LeadStatus.ASSIGNED)
    team_lead = member(department=sales, team=TeamFactory(department=sales), role=Role.LEAD)
    api_client.force_authenticate(team_lead)
    response = api_client.post(LEADS, {"source": source.pk, "name": "x", "phone": "13800000001",
                                       "external_id": "k-1"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": lead.pk}


def test_bulk_reports_created_existing_and_failed_records(
        api_client, django_capture_on_commit_callbacks, marketer, source, reps):
    rule_with_reps(reps[:1])
    existing = LeadFactory(source=source, external_id="E-1", owner=reps[1],
                           status=LeadStatus.ASSIGNED)
    api_client.force_authenticate(marketer)
    records = [
        {"name": "新客户", "phone": "13800138001", "external_id": "N-1"},
        {"name": "坏号码", "phone": "12345", "external_id": "B-1"},
        {"name": "老客户", "phone": "13800138002", "external_id": "E-1"},
        {"name": "", "email": "nobody@example.com"},
        {"name": "新客户二", "wechat_id": "wx_2", "external_id": "N-2"},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"{LEADS}bulk/", {"source": source.pk, "leads": records},
                                   format="json")

    assert response.status_code == 200
    first = Lead.objects.get(external_id="N-1")
    second = Lead.objects.get(external_id="N-2")
    assert response.json() == {
        "created": [{"index": 0, "id": first.pk, "external_id": "N-1"},
                    {"index": 4, "id": second.pk, "external_id": "N-2"}],
        "existing": [{"index": 2, "id": existing.pk, "external_id": "E-1"}],
        "failed": [
            {"index": 1, "external_id": "B-1", "errors": [{
                "field": "phone", "code": "invalid_phone",
                "message": "“12345” is not a valid phone number."}]},
            {"index": 3, "external_id": "", "errors": [{
                "field": "name", "code": "required", "message": "A lead needs a name."}]},
        ],
    }
    assert Lead.objects.count() == 3
    first.refresh_from_db()
    assert first.owner == reps[0]
    # The existing lead is left as it was: no second assignment.
    assert not Assignment.objects.filter(lead=existing).exists()


def test_bulk_over_the_limit_is_refused_whole(api_client, marketer, source):
    api_client.force_authenticate(marketer)
    records = [{"name": f"客户{i}", "phone": f"+86138{i:08d}"} for i in range(1001)]
    response = api_client.post(f"{LEADS}bulk/", {"source": source.pk, "leads": records},
                               format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["leads"]
    assert not Lead.objects.exists()


def test_bulk_record_that_is_not_an_object_fails_alone(api_client, marketer, source):
    api_client.force_authenticate(marketer)
    response = api_client.post(f"{LEADS}bulk/", {"source": source.pk, "leads": [
        "张三 13800138000", {"name": "李四", "phone": "13800138001"}]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [row["index"] for row in body["created"]] == [1]
    assert body["failed"] == [{"index": 0, "external_id": "", "errors": [{
        "field": None, "code": "invalid", "message": "Each lead must be an object."}]}]


def test_a_bulk_call_whose_every_record_is_refused_writes_no_lead(
        api_client, django_capture_on_commit_callbacks, marketer, source, reps):
    rule_with_reps(reps[:1])
    api_client.force_authenticate(marketer)
    records = [
        {"name": "坏号码", "phone": "12345", "external_id": "B-1"},
        {"name": "", "email": "nobody@example.com", "external_id": "B-2"},
        {"name": "没有联系方式", "company": "东方公司", "external_id": "B-3"},
        {"name": "别的活动", "phone": "13800138004", "external_id": "B-4",
         "campaign": CampaignFactory().pk},
    ]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(f"{LEADS}bulk/", {"source": source.pk, "leads": records},
                                   format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["existing"]) == ([], [])
    assert [(row["index"], row["external_id"], [(e["field"], e["code"]) for e in row["errors"]])
            for row in body["failed"]] == [
        (0, "B-1", [("phone", "invalid_phone")]),
        (1, "B-2", [("name", "required")]),
        (2, "B-3", [("phone", "no_contact")]),
        (3, "B-4", [("campaign", "invalid")]),
    ]
    assert not Lead.objects.exists()
    assert not AuditEvent.objects.filter(verb="lead.created").exists()
    assert callbacks == []  # no assignment scheduled
    assert not Assignment.objects.exists()


def test_bulk_is_refused_to_people_who_may_not_create_leads(api_client, reps, source):
    api_client.force_authenticate(reps[0])
    records = [{"name": "张三", "phone": "13800138000", "external_id": "R-1"},
               {"name": "李四", "email": "li@example.com", "external_id": "R-2"}]
    response = api_client.post(f"{LEADS}bulk/", {"source": source.pk, "leads": records},
                               format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert not Lead.objects.exists()


# Visibility --------------------------------------------------------------------------------------


def test_rep_sees_only_own_leads_and_gets_404_for_others(api_client, reps, source):
    mine = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    theirs = LeadFactory(source=source, owner=reps[1], status=LeadStatus.ASSIGNED)
    api_client.force_authenticate(reps[0])

    listed = api_client.get(LEADS).json()["results"]
    assert [lead["id"] for lead in listed] == [mine.pk]
    assert api_client.get(f"{LEADS}{mine.pk}/").status_code == 200
    assert api_client.get(f"{LEADS}{theirs.pk}/").status_code == 404
    assert api_client.get(f"{LEADS}{theirs.pk}/follow-ups/").status_code == 404
    response = api_client.post(f"{LEADS}{theirs.pk}/follow-ups/",
                               {"channel": "call", "outcome": "reached"}, format="json")
    assert response.status_code == 404


def test_team_lead_sees_the_team_and_head_sees_everyone(api_client, sales, team, reps, source,
                                                       head):
    team_lead = member(department=sales, team=team, role=Role.LEAD)
    outsider = member(department=sales, team=TeamFactory(department=sales))
    in_team = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    elsewhere = LeadFactory(source=source, owner=outsider, status=LeadStatus.ASSIGNED)

    api_client.force_authenticate(team_lead)
    assert [lead["id"] for lead in api_client.get(LEADS).json()["results"]] == [in_team.pk]
    assert api_client.get(f"{LEADS}{elsewhere.pk}/").status_code == 404

    api_client.force_authenticate(head)
    ids = {lead["id"] for lead in api_client.get(LEADS).json()["results"]}
    assert ids == {in_team.pk, elsewhere.pk}


def test_marketing_sees_the_lead_but_not_follow_up_notes_and_cannot_log(api_client, marketer,
                                                                        reps, source):
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    FollowUp.objects.create(lead=lead, author=reps[0], channel="call", outcome="interested",
                            notes="预算五十万，下周见老板", next_step="发报价")

    api_client.force_authenticate(marketer)
    assert api_client.get(f"{LEADS}{lead.pk}/").status_code == 200
    follow_ups = api_client.get(f"{LEADS}{lead.pk}/follow-ups/").json()["results"]
    assert follow_ups[0]["notes"] is None
    assert follow_ups[0]["outcome"] == "interested"
    response = api_client.post(f"{LEADS}{lead.pk}/follow-ups/",
                               {"channel": "call", "outcome": "reached"}, format="json")
    assert response.status_code == 403
    assert FollowUp.objects.count() == 1

    api_client.force_authenticate(reps[0])
    follow_ups = api_client.get(f"{LEADS}{lead.pk}/follow-ups/").json()["results"]
    assert follow_ups[0]["notes"] == "预算五十万，下周见老板"


def test_owner_logs_a_follow_up(api_client, reps, source):
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    api_client.force_authenticate(reps[0])
    next_step_at = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api_client.post(f"{LEADS}{lead.pk}/follow-ups/", {
        "channel": "wechat", "outcome": "interested", "notes": "客户要报价，预算已经批了",
        "next_step": "发报价", "next_step_at": next_step_at}, format="json")
    assert response.status_code == 201
    assert response.json()["notes"] == "客户要报价，预算已经批了"
    assert response.json()["author"] == reps[0].pk
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    assert lead.next_step_due_at is not None

    response = api_client.post(f"{LEADS}{lead.pk}/follow-ups/",
                               {"channel": "pigeon", "outcome": "reached"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "channel"


# Filters -----------------------------------------------------------------------------------------


def test_lead_filters(api_client, head, reps, source):
    now = timezone.now()
    overdue = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED,
                          first_contact_due_at=now - datetime.timedelta(minutes=5),
                          name="王总", company="东方机械", region="上海")
    on_time = LeadFactory(source=source, owner=reps[1], status=LeadStatus.ASSIGNED,
                          first_contact_due_at=now + datetime.timedelta(hours=1),
                          phone="+8613900139000", region="江苏")
    won = LeadFactory(source=source, owner=reps[1], status=LeadStatus.WON)
    api_client.force_authenticate(head)

    def ids(**params):
        response = api_client.get(LEADS, params)
        assert response.status_code == 200, response.json()
        return {lead["id"] for lead in response.json()["results"]}

    assert ids(overdue="true") == {overdue.pk}
    assert ids(overdue="false") == {on_time.pk, won.pk}
    assert ids(status="won") == {won.pk}
    assert ids(status=["won", "assigned"]) == {overdue.pk, on_time.pk, won.pk}
    assert ids(owner=reps[1].pk) == {on_time.pk, won.pk}
    assert ids(region="上海") == {overdue.pk}
    assert ids(q="东方") == {overdue.pk}
    assert ids(q="139 0013") == {on_time.pk}
    assert ids(created_after=(now + datetime.timedelta(minutes=1)).isoformat()) == set()
    assert ids(created_before=(now + datetime.timedelta(minutes=1)).isoformat()) == {
        overdue.pk, on_time.pk, won.pk}


# Actions -----------------------------------------------------------------------------------------


def test_second_claimer_gets_409(api_client, reps, source):
    lead = LeadFactory(source=source, pool=LeadPoolFactory(),
                       pooled_at=timezone.now() - datetime.timedelta(days=30))
    api_client.force_authenticate(reps[0])
    pool = api_client.get("/api/v1/pool/").json()["results"]
    assert [row["id"] for row in pool] == [lead.pk]

    first = api_client.post(f"{LEADS}{lead.pk}/claim/")
    assert first.status_code == 200
    assert first.json()["owner"] == reps[0].pk

    api_client.force_authenticate(reps[1])
    second = api_client.post(f"{LEADS}{lead.pk}/claim/")
    assert second.status_code == 409
    assert second.json()["errors"][0]["code"] == "already_claimed"
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


def test_claim_refused_by_a_pool_rule_is_400(api_client, sales, reps, source):
    other_team_pool = LeadPoolFactory(team=TeamFactory(department=sales))
    lead = LeadFactory(source=source, pool=other_team_pool, pooled_at=timezone.now())
    api_client.force_authenticate(reps[0])
    response = api_client.post(f"{LEADS}{lead.pk}/claim/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_allowed"


def test_claim_of_a_lead_never_pooled_and_not_visible_is_404(api_client, reps):
    lead = owned(reps[0])
    api_client.force_authenticate(reps[1])
    assert api_client.post(f"{LEADS}{lead.pk}/claim/").status_code == 404
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


def test_pool_lists_only_claimable_pools_and_filters_by_pool(api_client, sales, reps, source):
    open_pool = LeadPoolFactory()
    closed_pool = LeadPoolFactory(team=TeamFactory(department=sales))
    claimable = LeadFactory(source=source, pool=open_pool, pooled_at=timezone.now())
    LeadFactory(source=source, pool=closed_pool, pooled_at=timezone.now())
    LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    api_client.force_authenticate(reps[0])
    rows = api_client.get("/api/v1/pool/").json()["results"]
    assert [row["id"] for row in rows] == [claimable.pk]
    assert rows[0]["pool_name"] == open_pool.name
    rows = api_client.get("/api/v1/pool/", {"pool": closed_pool.pk}).json()["results"]
    assert rows == []


def test_head_reassigns_and_a_rep_may_not(api_client, head, reps, source):
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    api_client.force_authenticate(reps[0])
    response = api_client.post(f"{LEADS}{lead.pk}/assign/",
                               {"to_user": reps[1].pk, "note": "我忙不过来"}, format="json")
    assert response.status_code == 403

    api_client.force_authenticate(head)
    response = api_client.post(f"{LEADS}{lead.pk}/assign/", {"to_user": reps[1].pk},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "note"
    response = api_client.post(f"{LEADS}{lead.pk}/assign/",
                               {"to_user": reps[1].pk, "note": "客户要求换人"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == reps[1].pk
    assignment = Assignment.objects.get(lead=lead)
    assert (assignment.reason, assignment.actor) == ("manual", head)
    assert assignment.note == "客户要求换人"


def test_qualify_win_and_lose(api_client, reps, source):
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    api_client.force_authenticate(reps[0])
    response = api_client.post(f"{LEADS}{lead.pk}/qualify/")
    assert response.status_code == 200
    assert response.json()["status"] == "qualified"
    response = api_client.post(f"{LEADS}{lead.pk}/win/", {"value": "-1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "value"
    response = api_client.post(f"{LEADS}{lead.pk}/win/", {"value": "128000.50"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["won_value"]) == ("won", "128000.50")

    other = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    LostReason.objects.create(code="no_budget", label="没有预算")
    response = api_client.post(f"{LEADS}{other.pk}/lose/", {"reason": "no_money"},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    response = api_client.post(f"{LEADS}{other.pk}/lose/", {"reason": "no_budget"},
                               format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["lost_reason"]) == ("lost", "no_budget")
    response = api_client.post(f"{LEADS}{other.pk}/qualify/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_status"


# API keys ----------------------------------------------------------------------------------------


def test_read_key_lists_every_lead_but_cannot_write(api_client, reps, source):
    LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    LeadFactory(source=source)
    headers = key_header("leads:read")
    response = api_client.get(LEADS, **headers)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    response = api_client.post(LEADS, {"source": source.pk, "name": "赵六",
                                       "phone": "13800138000"}, format="json", **headers)
    assert response.status_code == 403
    assert "leads:write" in response.json()["errors"][0]["message"]
    assert Lead.objects.count() == 2


def test_write_key_creates_leads(api_client, django_capture_on_commit_callbacks, source, reps):
    rule_with_reps(reps[:1])
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(LEADS, {"source": source.pk, "name": "赵六",
                                           "phone": "13800138000", "external_id": "K-1"},
                                   format="json", **key_header("leads:write"))
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.created_by is None
    assert lead.owner == reps[0]


def test_key_without_a_leads_scope_is_refused(api_client, source):
    headers = key_header("org:read", "org:write")
    assert api_client.get(LEADS, **headers).status_code == 403
    assert api_client.get("/api/v1/pool/", **headers).status_code == 403
    response = api_client.post(LEADS, {"source": source.pk, "name": "赵六",
                                       "phone": "13800138000"}, format="json", **headers)
    assert response.status_code == 403


def test_keys_cannot_claim_or_log_follow_ups(api_client, reps, source):
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED)
    headers = key_header("leads:read", "leads:write")
    assert api_client.get(f"{LEADS}{lead.pk}/follow-ups/", **headers).status_code == 200
    response = api_client.post(f"{LEADS}{lead.pk}/follow-ups/",
                               {"channel": "call", "outcome": "reached"}, format="json",
                               **headers)
    assert response.status_code == 403
    assert api_client.post(f"{LEADS}{lead.pk}/claim/", **headers).status_code == 403


def test_integration_with_write_scope_cannot_win_lose_or_reassign(api_client, reps):
    lead = owned(reps[0])
    LostReason.objects.create(code="no_budget", label="没有预算")
    headers = key_header("leads:read", "leads:write")
    assert api_client.post(f"{LEADS}{lead.pk}/win/", {"value": "9999999"}, format="json",
                           **headers).status_code == 403
    assert api_client.post(f"{LEADS}{lead.pk}/lose/", {"reason": "no_budget"}, format="json",
                           **headers).status_code == 403
    assert api_client.post(f"{LEADS}{lead.pk}/assign/", {"to_user": reps[1].pk, "note": "x"},
                           format="json", **headers).status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.owner == reps[0]


def test_integration_with_assign_scope_may_reassign_to_a_sales_rep(api_client, reps):
    lead = owned(reps[0])
    response = api_client.post(f"{LEADS}{lead.pk}/assign/", {"to_user": reps[1].pk,
                                                             "note": "客户要求换人"},
                               format="json",
                               **key_header("leads:read", "leads:write", "leads:assign"))
    assert response.status_code == 200, response.json()
    assert Lead.objects.get(pk=lead.pk).owner == reps[1]


# Query counts ------------------------------------------------------------------------------------


def test_lead_list_endpoints_use_a_constant_number_of_queries(
        api_client, django_assert_num_queries, head, reps, source):
    pool = LeadPoolFactory()
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    campaign = CampaignFactory(source=source)

    def grow(n):
        for i in range(n):
            LeadFactory(source=source, campaign=campaign, owner=reps[i % 3],
                        status=LeadStatus.ASSIGNED)
            LeadFactory(source=source, pool=pool, pooled_at=timezone.now())
            FollowUp.objects.create(lead=lead, author=reps[0], channel="call",
                                    outcome="reached", notes="…")

    api_client.force_login(head)
    rep_client = type(api_client)()
    rep_client.force_login(reps[0])
    for rows in (3, 15):
        grow(rows - FollowUp.objects.count())
        # session, user, memberships, the page
        with django_assert_num_queries(4):
            response = api_client.get(LEADS)
        assert len(response.json()["results"]) >= rows
        with django_assert_num_queries(4):
            response = api_client.get(LEADS, {"overdue": "false", "q": "客户"})
        # session, user, memberships, the lead, the page (the head reads the notes)
        with django_assert_num_queries(5):
            response = api_client.get(f"{LEADS}{lead.pk}/follow-ups/")
        assert len(response.json()["results"]) == rows
        # session, user, memberships, the page (the rep's visibility is one filter)
        with django_assert_num_queries(4):
            response = rep_client.get("/api/v1/pool/")
        assert len(response.json()["results"]) == rows
        with django_assert_num_queries(4):
            response = rep_client.get(LEADS)
