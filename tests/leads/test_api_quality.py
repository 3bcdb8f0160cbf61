"""The lead-quality API: disputes (who may open, see and rule; final rulings, corrections,
blind review, caps, evidence files) and inspections (visibility, scoring), with query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.core.apikeys.scopes import scope_choices
from coordination.core.apikeys.services import api_key_create
from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Criterion,
    Dispute,
    DisputeAttachment,
    DisputeCap,
    FollowUp,
    Inspection,
    InspectionStatus,
    LeadStatus,
    QualitySettings,
    Ruling,
    Scorecard,
)
from leads.services import dispute_open, dispute_rule
from tests.factories import DepartmentFactory, LeadFactory, UserFactory, member

pytestmark = pytest.mark.django_db

DISPUTES = "/api/v1/disputes/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INSPECTIONS = "/api/v1/inspections/"


def key_header(*scopes):
    _key, raw = api_key_create(name="Quality tool", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def quality():
    return DepartmentFactory(name="质检部", kind=DepartmentKind.QUALITY)


@pytest.fixture
def judge(quality):
    return member(department=quality, is_adjudicator=True)


@pytest.fixture
def quality_head(quality):
    return member(department=quality, role=Role.HEAD)


@pytest.fixture
def marketer():
    return member(DepartmentKind.MARKETING)


def owned_lead(rep, source, **fields):
    return LeadFactory(source=source, owner=rep, status=LeadStatus.CONTACTED, **fields)


def opened(rep, source, **fields):
    return dispute_open(lead=owned_lead(rep, source, **fields), actor=rep, ground="wrong_number",
                        evidence="空号，三次拨打均提示不存在")


# Opening -----------------------------------------------------------------------------------------


def test_owner_opens_a_dispute_with_evidence_and_linked_follow_ups(api_client, reps, source,
                                                                   marketer):
    lead = owned_lead(reps[0], source)
    follow_up = FollowUp.objects.create(lead=lead, author=reps[0], channel="call",
                                        outcome="unreachable", notes="三次未接通")
    api_client.force_authenticate(reps[0])
    response = api_client.post(DISPUTES, {"lead": lead.pk, "ground": "unreachable",
                                          "evidence": "三天内拨打三次均未接通",
                                          "follow_ups": [follow_up.pk]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["lead"] == lead.pk
    assert body["side"] == "sales"
    assert body["claim"] == "invalid"
    assert body["opened_by"] == reps[0].pk
    assert body["status"] == "open"
    assert body["verdict"] is None
    assert body["rulings"] == []
    assert body["follow_ups"][0]["notes"] == "三次未接通"

    # Marketing does not read a sales-side dispute, here as on the ruling page (what marketing
    # reads of its own disputes, without the notes: tests/leads/test_dispute_readers.py).
    api_client.force_authenticate(marketer)
    assert api_client.get(f"{DISPUTES}{body['id']}/").status_code == 404


def test_one_open_dispute_per_lead(api_client, reps, source, marketer):
    lead = owned_lead(reps[0], source)
    api_client.force_authenticate(reps[0])
    body = {"lead": lead.pk, "ground": "fake", "evidence": "号码为空号"}
    assert api_client.post(DISPUTES, body, format="json").status_code == 201

    api_client.force_authenticate(marketer)
    response = api_client.post(DISPUTES, {**body, "ground": "other"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{
        "field": "lead", "code": "already_disputed",
        "message": "This lead already has an open dispute."}]
    assert Dispute.objects.filter(lead=lead).count() == 1


def test_a_dispute_beyond_the_cap_is_refused_on_the_lead(api_client, reps, source):
    DisputeCap.objects.create(source=source, side="sales", max_share=Decimal("0"))
    api_client.force_authenticate(reps[0])
    response = api_client.post(DISPUTES, {"lead": owned_lead(reps[0], source).pk,
                                          "ground": "fake", "evidence": "x"}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("lead", "dispute_cap")
    assert not Dispute.objects.exists()


def test_a_lead_the_caller_may_not_see_cannot_be_disputed(api_client, reps, source):
    lead = owned_lead(reps[1], source)
    api_client.force_authenticate(reps[0])
    response = api_client.post(DISPUTES, {"lead": lead.pk, "ground": "fake", "evidence": "x"},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lead"


def test_input_errors_name_their_field(api_client, reps, source):
    lead = owned_lead(reps[0], source)
    api_client.force_authenticate(reps[0])
    response = api_client.post(DISPUTES, {"lead": lead.pk, "ground": "ugly", "evidence": "x"},
                               format="json")
    assert response.json()["errors"][0]["field"] == "ground"
    response = api_client.post(DISPUTES, {"lead": lead.pk, "ground": "fake", "evidence": " "},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "evidence"


# Seeing ------------------------------------------------------------------------------------------


def test_sales_see_disputes_of_their_leads_and_the_quality_department_sees_all(
        api_client, reps, source, head, marketer, judge, quality_head):
    mine = opened(reps[0], source)
    theirs = opened(reps[1], source)
    ruled = opened(reps[2], source)
    dispute_rule(dispute=ruled, verdict="valid", actor=judge)

    def ids(user, **params):
        api_client.force_authenticate(user)
        return {row["id"] for row in api_client.get(DISPUTES, params).json()["results"]}

    assert ids(reps[0]) == {mine.pk}
    api_client.force_authenticate(reps[0])
    assert api_client.get(f"{DISPUTES}{theirs.pk}/").status_code == 404
    everything = {mine.pk, theirs.pk, ruled.pk}
    assert ids(head) == everything
    # Sales-side disputes are not marketing's to read (nor marketing's sales').
    assert ids(marketer) == set()
    assert ids(judge) == everything
    assert ids(quality_head) == everything
    assert ids(judge, status="ruled") == {ruled.pk}
    assert ids(judge, lead=mine.lead_id) == {mine.pk}
    # Under blind review (the default) a quality head may not filter on the side either; a
    # sales head may.
    assert ids(head, side="sales") == everything
    Dispute.objects.filter(pk=theirs.pk).update(due_at=theirs.created_at)
    assert ids(judge, overdue="true") == {theirs.pk}
    assert ids(judge, overdue="false") == {mine.pk, ruled.pk}
    assert ids(member(department=DepartmentFactory(kind=DepartmentKind.DELIVERY))) == set()


def test_keys_read_disputes_with_a_quality_scope_only(api_client, reps, source):
    opened(reps[0], source)
    [row] = api_client.get(DISPUTES, **key_header("quality:read")).json()["results"]
    # The dispute, not the lead's contact: that needs leads:read.
    assert row["lead_phone"] is None
    [row] = api_client.get(DISPUTES, **key_header("quality:read", "leads:read")).json()[
        "results"]
    assert row["lead_phone"].startswith("+86")
    assert api_client.get(DISPUTES, **key_header("leads:read")).status_code == 403


def test_blind_review_hides_the_side_from_who_rules(api_client, reps, source, judge,
                                                   quality_head):
    dispute = opened(reps[0], source)
    api_client.force_authenticate(judge)
    seen = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (seen["side"], seen["claim"], seen["opened_by"], seen["opened_by_name"]) == (
        None, None, None, None)
    assert api_client.get(DISPUTES).json()["results"][0]["side"] is None
    # Filtering on the side would tell it.
    response = api_client.get(DISPUTES, {"side": "sales"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "side"
    # Ruling shows the same blind dispute.
    ruled = api_client.post(f"{DISPUTES}{dispute.pk}/rule/",
                            {"verdict": "invalid", "reason": "wrong_number"}, format="json")
    assert ruled.json()["side"] is None

    # Nor does a quality head who does not rule: blind review is the quality department's.
    api_client.force_authenticate(quality_head)
    assert api_client.get(f"{DISPUTES}{dispute.pk}/").json()["side"] is None

    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": False})
    api_client.force_authenticate(judge)
    seen = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (seen["side"], seen["claim"], seen["opened_by"]) == ("sales", "invalid", reps[0].pk)
    assert api_client.get(DISPUTES, {"side": "marketing"}).json()["results"] == []


# Ruling and correcting ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [
    "rep", "sales_head", "marketer", "marketing_head", "executive", "superuser",
    "quality_member", "quality_head", "api_key", "adjudicator"])
def test_only_an_adjudicator_rules(role, api_client, reps, source, sales, quality, judge):
    actors = {
        "rep": lambda: reps[0],
        "sales_head": lambda: member(department=sales, role=Role.HEAD),
        "marketer": lambda: member(DepartmentKind.MARKETING),
        "marketing_head": lambda: member(DepartmentKind.MARKETING, Role.HEAD),
        "executive": lambda: member(DepartmentKind.EXECUTIVE, Role.EXECUTIVE),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "quality_member": lambda: member(department=quality),
        "quality_head": lambda: member(department=quality, role=Role.HEAD),
        "adjudicator": lambda: judge,
    }
    dispute = opened(reps[0], source)
    headers = {}
    if role == "api_key":
        headers = key_header(*[name for name, _label in scope_choices()])
    else:
        api_client.force_authenticate(actors[role]())

    response = api_client.post(f"{DISPUTES}{dispute.pk}/rule/",
                               {"verdict": "invalid", "reason": "wrong_number",
                                "note": "核实为空号"}, format="json", **headers)

    if role == "adjudicator":
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["verdict"], body["verdict_reason"]) == (
            "ruled", "invalid", "wrong_number")
        [ruling] = body["rulings"]
        assert ruling["ruled_by"] == judge.pk
        assert ruling["note"] == "核实为空号"
        assert ruling["is_current"] is True
        assert Ruling.objects.count() == 1
    else:
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"
        assert not Ruling.objects.exists()
        assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_rulings_are_final(api_client, reps, source, judge):
    dispute = opened(reps[0], source)
    api_client.force_authenticate(judge)
    url = f"{DISPUTES}{dispute.pk}/"
    assert api_client.post(f"{url}rule/", {"verdict": "valid"}, format="json").status_code == 200

    again = api_client.post(f"{url}rule/", {"verdict": "invalid", "reason": "fake"},
                            format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "already_ruled"
    # No way to change or remove a dispute or its ruling.
    for method in ("put", "patch", "delete"):
        assert getattr(api_client, method)(url, {"status": "open"},
                                           format="json").status_code == 405
    assert Ruling.objects.get().verdict == "valid"


def test_an_invalid_ruling_needs_a_reason(api_client, reps, source, judge):
    dispute = opened(reps[0], source)
    api_client.force_authenticate(judge)
    response = api_client.post(f"{DISPUTES}{dispute.pk}/rule/", {"verdict": "invalid"},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"


def test_a_quality_head_corrects_and_the_correction_supersedes(
        api_client, reps, source, head, judge, quality_head):
    dispute = opened(reps[0], source)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number", actor=judge)
    url = f"{DISPUTES}{dispute.pk}/correct/"
    body = {"verdict": "valid", "note": "复核录音：号码有效"}
    for other in (judge, head, reps[0], UserFactory(is_superuser=True)):
        api_client.force_authenticate(other)
        assert api_client.post(url, body, format="json").status_code == 403

    api_client.force_authenticate(quality_head)
    response = api_client.post(url, body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["verdict"], data["verdict_reason"]) == ("valid", "")
    current, old = data["rulings"]
    assert (current["verdict"], current["supersedes"], current["is_current"]) == (
        "valid", first.pk, True)
    assert (old["id"], old["verdict"], old["is_current"]) == (first.pk, "invalid", False)
    assert current["ruled_by"] == quality_head.pk

    # A second correction corrects the one in force.
    response = api_client.post(url, {"verdict": "invalid", "reason": "fake",
                                     "note": "再次复核"}, format="json")
    assert response.status_code == 200
    assert [r["is_current"] for r in response.json()["rulings"]] == [True, False, False]
    assert response.json()["rulings"][0]["supersedes"] == current["id"]


def test_a_correction_needs_a_ruling_and_a_note(api_client, reps, source, judge, quality_head):
    dispute = opened(reps[0], source)
    api_client.force_authenticate(quality_head)
    url = f"{DISPUTES}{dispute.pk}/correct/"
    response = api_client.post(url, {"verdict": "valid", "note": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_ruled"
    dispute_rule(dispute=dispute, verdict="valid", actor=judge)
    response = api_client.post(url, {"verdict": "invalid", "reason": "fake"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "note"


# Evidence files ----------------------------------------------------------------------------------


def test_the_opener_adds_evidence_files_while_the_dispute_is_open(
        api_client, settings, tmp_path, reps, source, head, marketer, judge):
    settings.MEDIA_ROOT = tmp_path
    dispute = opened(reps[0], source)
    url = f"{DISPUTES}{dispute.pk}/attachments/"

    def upload():
        return {"file": SimpleUploadedFile("通话截图.png", PNG, "image/png")}

    api_client.force_authenticate(reps[0])
    response = api_client.post(url, upload(), format="multipart")
    assert response.status_code == 201
    created = response.json()
    assert created["name"].endswith(".png")
    assert created["uploaded_by"] == reps[0].pk
    assert created["url"].endswith(f"/quality/disputes/{dispute.pk}/files/{created['id']}/")
    assert DisputeAttachment.objects.get().uploaded_by == reps[0]

    # The sales head reads the dispute but did not open it, nor owns the lead; marketing
    # does not even read it.
    api_client.force_authenticate(head)
    assert api_client.post(url, upload(), format="multipart").status_code == 403
    api_client.force_authenticate(marketer)
    assert api_client.post(url, upload(), format="multipart").status_code == 404
    # Under blind review the adjudicator does not learn who uploaded it.
    api_client.force_authenticate(judge)
    [attachment] = api_client.get(f"{DISPUTES}{dispute.pk}/").json()["attachments"]
    assert attachment["uploaded_by"] is None
    assert attachment["name"] == f"evidence-{created['id']}.png"

    dispute_rule(dispute=dispute, verdict="valid", actor=judge)
    api_client.force_authenticate(reps[0])
    response = api_client.post(url, upload(), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "already_ruled"
    assert DisputeAttachment.objects.count() == 1


# Inspections -------------------------------------------------------------------------------------


@pytest.fixture
def scorecard():
    card = Scorecard.objects.create(name="跟进质检", pass_mark=Decimal("60"))
    Criterion.objects.create(scorecard=card, position=1, label="开场白规范", weight=2,
                             answer_type="score", min_score=0, max_score=5)
    Criterion.objects.create(scorecard=card, position=2, label="确认客户需求", weight=1,
                             answer_type="yes_no")
    Criterion.objects.create(scorecard=card, position=3, label="下一步明确", weight=1,
                             answer_type="choice", choices=[
                                 {"label": "明确", "points": 1}, {"label": "模糊", "points": 0.5},
                                 {"label": "没有", "points": 0}])
    return card


@pytest.fixture
def inspectors(quality):
    return [member(department=quality, is_inspector=True) for _ in range(2)]


def answers_for(card, score, yes, choice):
    criteria = list(card.criteria.order_by("position"))
    return {str(criteria[0].pk): score, str(criteria[1].pk): yes, str(criteria[2].pk): choice}


def drawn(rep, source, scorecard, *, rounds=(1,), day=datetime.date(2026, 11, 24)):
    lead = owned_lead(rep, source)
    follow_up = FollowUp.objects.create(lead=lead, author=rep, channel="call",
                                        outcome="reached", notes="确认了预算和时间")
    return [Inspection.objects.create(follow_up=follow_up, round=number, scorecard=scorecard,
                                      drawn_on=day) for number in rounds]


def test_inspectors_score_and_the_second_scorer_must_differ(api_client, reps, source, scorecard,
                                                            inspectors):
    first, second = drawn(reps[0], source, scorecard, rounds=(1, 2))
    api_client.force_authenticate(inspectors[0])
    queue = api_client.get(INSPECTIONS, {"status": "pending"}).json()["results"]
    assert {row["id"] for row in queue} == {first.pk, second.pk}
    shown = api_client.get(f"{INSPECTIONS}{first.pk}/").json()
    assert shown["follow_up"]["notes"] == "确认了预算和时间"
    assert shown["follow_up"]["lead_name"] == first.follow_up.lead.name
    assert [c["label"] for c in shown["criteria"]] == ["开场白规范", "确认客户需求", "下一步明确"]

    response = api_client.post(f"{INSPECTIONS}{first.pk}/score/", {
        "answers": answers_for(scorecard, 4, "yes", "模糊"), "findings": "开场白不完整"},
        format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["score"], body["passed"]) == ("done", "77.50", True)
    assert body["inspector"] == inspectors[0].pk
    assert [a["points"] for a in body["answers"]] == ["0.8000", "1.0000", "0.5000"]

    response = api_client.post(f"{INSPECTIONS}{second.pk}/score/", {
        "answers": answers_for(scorecard, 4, "yes", "模糊")}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "same_inspector"

    # Another inspector does not see the first scoring, and scores the second round.
    api_client.force_authenticate(inspectors[1])
    assert first.pk not in {row["id"] for row in api_client.get(INSPECTIONS).json()["results"]}
    assert api_client.get(f"{INSPECTIONS}{first.pk}/").status_code == 404
    response = api_client.post(f"{INSPECTIONS}{second.pk}/score/", {
        "answers": answers_for(scorecard, 1, "no", "没有"), "not_genuine": False},
        format="json")
    assert response.status_code == 200
    assert response.json()["passed"] is False
    assert response.json()["status"] == "done"


def test_a_bad_answer_names_the_criterion(api_client, reps, source, scorecard, inspectors):
    [inspection] = drawn(reps[0], source, scorecard)
    api_client.force_authenticate(inspectors[0])
    answers = answers_for(scorecard, 9, "yes", "明确")
    response = api_client.post(f"{INSPECTIONS}{inspection.pk}/score/", {"answers": answers},
                               format="json")
    assert response.status_code == 400
    criterion = scorecard.criteria.get(position=1)
    assert response.json()["errors"][0]["field"] == f"criterion_{criterion.pk}"
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PENDING


@pytest.mark.parametrize("who", ["rep", "head", "quality_head", "api_key"])
def test_only_inspectors_score(who, api_client, reps, head, source, scorecard, quality_head):
    [inspection] = drawn(reps[0], source, scorecard)
    headers = {}
    if who == "api_key":
        headers = key_header(*[name for name, _label in scope_choices()])
    else:
        api_client.force_authenticate({"rep": reps[0], "head": head,
                                       "quality_head": quality_head}[who])
    response = api_client.post(f"{INSPECTIONS}{inspection.pk}/score/",
                               {"answers": answers_for(scorecard, 5, "yes", "明确")},
                               format="json", **headers)
    assert response.status_code == 403
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PENDING


def test_reps_see_their_scored_inspections_and_heads_their_teams(
        api_client, sales, team, reps, head, source, scorecard, inspectors):
    from leads.services import inspection_score

    [mine_done] = drawn(reps[0], source, scorecard)
    [mine_pending] = drawn(reps[0], source, scorecard)
    [theirs_done] = drawn(reps[1], source, scorecard, day=datetime.date(2026, 11, 25))
    other_team = member(DepartmentKind.SALES)
    [elsewhere] = drawn(other_team, source, scorecard)
    for inspection, score in ((mine_done, 5), (theirs_done, 0), (elsewhere, 3)):
        inspection_score(inspection=inspection, inspector=inspectors[0], findings="记录完整",
                         answers={int(k): v for k, v in answers_for(scorecard, score, "yes",
                                                                    "明确").items()})

    def ids(user, **params):
        api_client.force_authenticate(user)
        return {row["id"] for row in api_client.get(INSPECTIONS, params).json()["results"]}

    assert ids(reps[0]) == {mine_done.pk}
    api_client.force_authenticate(reps[0])
    shown = api_client.get(f"{INSPECTIONS}{mine_done.pk}/").json()
    assert (shown["score"], shown["passed"], shown["findings"]) == ("100.00", True, "记录完整")
    assert shown["inspector"] is None
    assert api_client.get(f"{INSPECTIONS}{mine_pending.pk}/").status_code == 404

    team_lead = member(department=sales, team=team, role=Role.LEAD)
    assert ids(team_lead) == {mine_done.pk, theirs_done.pk}
    assert ids(head) == {mine_done.pk, theirs_done.pk}
    assert ids(head, rep=reps[1].pk) == {theirs_done.pk}
    assert ids(head, passed="false") == {theirs_done.pk}
    assert ids(head, drawn_from="2026-11-25") == {theirs_done.pk}
    assert ids(head, drawn_until="2026-11-24") == {mine_done.pk}
    assert ids(member(DepartmentKind.MARKETING)) == set()
    assert ids(inspectors[0]) == {mine_done.pk, mine_pending.pk, theirs_done.pk, elsewhere.pk}
    assert ids(inspectors[1]) == {mine_pending.pk}
    assert ids(inspectors[1], status="done") == set()


# Query counts ------------------------------------------------------------------------------------


def test_dispute_list_uses_a_constant_number_of_queries(
        api_client, django_assert_num_queries, reps, source, head, judge):
    QualitySettings.objects.get_or_create(pk=1)
    judge_client = type(api_client)()
    judge_client.force_login(judge)
    rep_client = type(api_client)()
    rep_client.force_login(reps[0])

    def grow(n):
        for _i in range(n):
            lead = owned_lead(reps[0], source)
            follow_up = FollowUp.objects.create(lead=lead, author=reps[0], channel="call",
                                                outcome="reached", notes="…")
            dispute = Dispute.objects.create(lead=lead, side="sales", opened_by=reps[0],
                                             ground="fake", evidence="x",
                                             due_at=lead.created_at)
            dispute.follow_ups.add(follow_up)
            DisputeAttachment.objects.create(dispute=dispute, file="disputes/x.txt",
                                             uploaded_by=reps[0])
            Ruling.objects.create(dispute=dispute, verdict="valid", ruled_by=judge)

    api_client.force_login(head)
    for rows in (3, 15):
        grow(rows - Dispute.objects.count())
        # session, user, memberships, the page, its follow-ups, files and rulings
        with django_assert_num_queries(7):
            response = api_client.get(DISPUTES)
        assert len(response.json()["results"]) == rows
        with django_assert_num_queries(7):
            response = rep_client.get(DISPUTES, {"status": "open", "overdue": "true"})
        assert len(response.json()["results"]) == rows
        # … and the quality settings (blind review) for who rules
        with django_assert_num_queries(8):
            response = judge_client.get(DISPUTES)
        assert len(response.json()["results"]) == rows


def test_inspection_list_uses_a_constant_number_of_queries(
        api_client, django_assert_num_queries, reps, source, head, scorecard, inspectors):
    from leads.services import inspection_score

    inspector_client = type(api_client)()
    inspector_client.force_login(inspectors[0])
    api_client.force_login(head)

    def grow(n):
        for _i in range(n):
            [inspection] = drawn(reps[0], source, scorecard)
            inspection_score(inspection=inspection, inspector=inspectors[0],
                             answers={int(k): v for k, v in answers_for(
                                 scorecard, 3, "yes", "明确").items()})
            drawn(reps[1], source, scorecard)

    for rows in (3, 15):
        grow(rows - Inspection.objects.filter(status="done").count())
        # session, user, memberships, the page, its scorecards, their criteria, the answers
        with django_assert_num_queries(7):
            response = api_client.get(INSPECTIONS)
        assert len(response.json()["results"]) == rows
        with django_assert_num_queries(7):
            response = inspector_client.get(INSPECTIONS)
        assert len(response.json()["results"]) == 2 * rows
