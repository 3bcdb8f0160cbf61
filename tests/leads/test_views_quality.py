"""The lead-quality pages: the dispute form and status on the lead page, the adjudicator's
queue and ruling page (who may rule, blind review, corrections), the inspector's queue and
scoring page, and the quality results of reps and their managers."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Criterion,
    Dispute,
    DisputeAttachment,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Inspection,
    InspectionStatus,
    Lead,
    LeadStatus,
    QualitySettings,
    Ruling,
    Scorecard,
    Source,
    Verdict,
)
from leads.services import dispute_open, dispute_rule, inspection_score, ruling_correct
from tests.factories import (
    DepartmentFactory,
    LeadFactory,
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

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org():
    """Every role that might try to rule: sales, marketing, the executive, a superuser, the
    quality department's members with and without the adjudicator flag, and its head."""
    sales = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    team = TeamFactory(department=sales, name="Key accounts")
    marketing = DepartmentFactory(kind=DepartmentKind.MARKETING, name="Growth")
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY, name="质检部")
    return {
        "rep": member(department=sales, team=team, user=UserFactory(full_name="王芳")),
        "other_rep": member(department=sales, team=team, user=UserFactory(full_name="李雷")),
        "sales_head": member(department=sales, role=Role.HEAD,
                             user=UserFactory(full_name="张伟")),
        "marketer": member(department=marketing, user=UserFactory(full_name="陈静")),
        "marketing_head": member(department=marketing, role=Role.HEAD,
                                 user=UserFactory(full_name="刘洋")),
        "executive": member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE,
                            user=UserFactory(full_name="赵总")),
        "superuser": UserFactory(full_name="系统管理员", is_superuser=True, is_staff=True),
        "quality_member": member(department=quality, user=UserFactory(full_name="孙质检")),
        "quality_head": member(department=quality, role=Role.HEAD,
                               user=UserFactory(full_name="周主管")),
        "judge": member(department=quality, is_adjudicator=True,
                        user=UserFactory(full_name="吴判定")),
        "inspector": member(department=quality, is_inspector=True,
                            user=UserFactory(full_name="郑质检")),
        "second_inspector": member(department=quality, is_inspector=True,
                                   user=UserFactory(full_name="冯质检")),
        "team": team,
    }


def _lead(owner, **fields) -> Lead:
    now = timezone.now()
    if "source" not in fields:
        fields["source"] = (Source.objects.filter(name="百度推广").first()
                            or SourceFactory(name="百度推广"))
    return LeadFactory(owner=owner, status=LeadStatus.CONTACTED, assigned_at=now,
                       first_contacted_at=now, last_follow_up_at=now,
                       next_step_due_at=now + datetime.timedelta(days=1), **fields)


def _follow_up(lead, author, notes="客户说打错电话了", **fields) -> FollowUp:
    fields.setdefault("channel", "call")
    fields.setdefault("outcome", "wrong_contact")
    return FollowUp.objects.create(lead=lead, author=author, notes=notes, **fields)


def _dispute(org, **fields) -> Dispute:
    """A lead of the rep, two follow-ups, and the rep's dispute on it."""
    lead = _lead(org["rep"], name="陈先生", company="华东机械")
    first = _follow_up(lead, org["rep"])
    _follow_up(lead, org["rep"], notes="再次拨打，空号", outcome="no_answer")
    return dispute_open(lead=lead, actor=org["rep"], ground="wrong_number",
                        evidence="三次拨打均提示空号", follow_ups=[first], **fields)


def _settings(**fields) -> QualitySettings:
    settings, _created = QualitySettings.objects.update_or_create(pk=1, defaults=fields)
    return settings


def _page(client, user, dispute):
    client.force_login(user)
    return client.get(reverse("leads:dispute", args=[dispute.pk]))


# Who may rule ----------------------------------------------------------------------------------

ROLES = ["rep", "sales_head", "marketer", "marketing_head", "executive", "superuser",
         "quality_member", "quality_head", "judge"]


@pytest.mark.parametrize("role", ROLES)
def test_only_an_adjudicator_gets_the_ruling_form_and_may_rule(client, org, role):
    dispute = _dispute(org)
    user = org[role]

    response = _page(client, user, dispute)
    assert response.status_code in {200, 403}
    assert ('id="ruling-form"' in response.content.decode()) == (role == "judge")

    response = client.post(reverse("leads:dispute_rule", args=[dispute.pk]),
                           {"verdict": "invalid", "reason": "wrong_number", "note": "空号"})

    dispute.refresh_from_db()
    if role == "judge":
        assert response.status_code == 302
        assert dispute.status == DisputeStatus.RULED
        ruling = Ruling.objects.get(dispute=dispute)
        assert (ruling.verdict, ruling.reason, ruling.ruled_by) == ("invalid", "wrong_number",
                                                                   user)
        assert Lead.objects.get(pk=dispute.lead_id).quality_verdict == Verdict.INVALID
    else:
        assert response.status_code == 403
        assert dispute.status == DisputeStatus.OPEN
        assert not Ruling.objects.exists()


def test_the_opener_reads_the_dispute_with_their_side_but_never_the_ruling_form(client, org):
    _settings(blind_review=True)
    dispute = _dispute(org)

    html = _page(client, org["rep"], dispute).content.decode()

    assert 'id="dispute-side"' in html and "Sales" in html and "王芳" in html
    assert 'id="ruling-form"' not in html and 'id="correction-form"' not in html
    assert "三次拨打均提示空号" in html


@pytest.mark.parametrize("role", ["other_rep", "marketer", "inspector"])
def test_who_neither_judges_nor_opened_the_dispute_may_not_read_it(client, org, role):
    response = _page(client, org[role], _dispute(org))
    assert response.status_code == 403


def test_an_invalid_ruling_without_a_reason_is_refused_on_the_reason_field(client, org):
    dispute = _dispute(org)
    client.force_login(org["judge"])

    response = client.post(reverse("leads:dispute_rule", args=[dispute.pk]),
                           {"verdict": "invalid", "reason": "", "note": ""})

    assert response.status_code == 400
    form = response.context["ruling_form"]
    assert form.errors["reason"] == ["An invalid ruling needs a reason."]
    assert not Ruling.objects.exists()
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.OPEN


def test_a_ruling_is_shown_final_and_read_only(client, org):
    dispute = _dispute(org)
    dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number", note="核实空号",
                 actor=org["judge"])

    html = _page(client, org["judge"], dispute).content.decode()

    assert 'id="ruling-form"' not in html
    assert 'class="ruling ruling--current"' in html and "核实空号" in html
    assert 'id="correction-form"' not in html  # an adjudicator rules; only a head corrects


# Blind review ----------------------------------------------------------------------------------


def test_blind_review_hides_who_opened_the_dispute_from_the_adjudicator(client, org):
    _settings(blind_review=True)
    dispute = _dispute(org)
    DisputeAttachment.objects.create(
        dispute=dispute, uploaded_by=org["rep"],
        file=SimpleUploadedFile("王芳的截图.png", PNG, content_type="image/png"))

    html = _page(client, org["judge"], dispute).content.decode()

    assert "王芳" not in html  # neither as the opener nor as the author of the follow-ups
    assert "Sales" not in html
    assert 'id="dispute-side"' not in html
    assert 'id="blind-note"' in html
    # The evidence of both sides is all there.
    assert "三次拨打均提示空号" in html and "再次拨打，空号" in html
    assert html.count('class="timeline__entry timeline__entry--follow_up is-linked"') == 2


def test_without_blind_review_the_adjudicator_sees_who_opened_it(client, org):
    _settings(blind_review=False)
    dispute = _dispute(org)

    html = _page(client, org["judge"], dispute).content.decode()

    assert 'id="dispute-side"' in html
    assert "Sales" in html and "王芳" in html


def test_the_queue_hides_the_side_under_blind_review_and_marks_the_daily_sample(client, org):
    _settings(blind_review=True)
    dispute = _dispute(org)
    sample = Dispute.objects.create(lead=_lead(org["other_rep"]), side=DisputeSide.SAMPLE,
                                    due_at=dispute.due_at + datetime.timedelta(hours=1))
    client.force_login(org["judge"])

    html = client.get(reverse("leads:disputes")).content.decode()

    assert "data-side" not in html and "Sales" not in html
    assert f'data-dispute="{sample.pk}"' in html
    assert html.count("tag--sample") == 1


# Corrections -----------------------------------------------------------------------------------


def test_only_a_quality_head_corrects_a_ruling_and_the_old_one_stays_linked(client, org):
    dispute = _dispute(org)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number",
                         actor=org["judge"])
    url = reverse("leads:ruling_correct", args=[dispute.pk, first.pk])
    data = {"verdict": "valid", "reason": "", "note": "复核：号码可以接通"}

    for role in ["rep", "sales_head", "marketing_head", "executive", "superuser",
                 "quality_member", "judge"]:
        client.force_login(org[role])
        assert client.post(url, data).status_code == 403, role
    assert Ruling.objects.count() == 1

    response = _page(client, org["quality_head"], dispute)
    assert 'id="correction-form"' in response.content.decode()
    response = client.post(url, data)

    assert response.status_code == 302
    correction = Ruling.objects.get(supersedes=first)
    assert correction.verdict == Verdict.VALID and correction.ruled_by == org["quality_head"]
    html = _page(client, org["quality_head"], dispute).content.decode()
    assert f'data-supersedes="{first.pk}"' in html
    assert f'data-superseded-by="{correction.pk}"' in html
    assert 'class="ruling ruling--superseded"' in html
    assert Lead.objects.get(pk=dispute.lead_id).quality_verdict == Verdict.VALID


def test_a_correction_without_a_reason_given_is_refused_on_the_note(client, org):
    dispute = _dispute(org)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=org["judge"])
    client.force_login(org["quality_head"])

    response = client.post(reverse("leads:ruling_correct", args=[dispute.pk, first.pk]),
                           {"verdict": "valid", "reason": "", "note": " "})

    assert response.status_code == 400
    assert response.context["correction_form"].errors["note"] == [
        "Say why the ruling is corrected."]
    assert Ruling.objects.count() == 1


# The dispute form on the lead page -------------------------------------------------------------


def _lead_page(client, user, lead):
    client.force_login(user)
    return client.get(reverse("leads:detail", args=[lead.pk]))


def test_the_owner_opens_a_dispute_with_evidence_files_from_the_lead_page(client, org):
    lead = _lead(org["rep"])
    follow_up = _follow_up(lead, org["rep"])
    html = _lead_page(client, org["rep"], lead).content.decode()
    assert 'id="dispute-form"' in html
    assert f'name="follow_ups" value="{follow_up.pk}"' in html

    response = client.post(reverse("leads:dispute_open", args=[lead.pk]), {
        "ground": "wrong_number", "evidence": "空号", "follow_ups": [follow_up.pk],
        "files": [SimpleUploadedFile("call.png", PNG, content_type="image/png"),
                  SimpleUploadedFile("chat.pdf", PDF, content_type="application/pdf")],
    })

    assert response.status_code == 302
    dispute = Dispute.objects.get(lead=lead)
    assert dispute.side == DisputeSide.SALES and dispute.opened_by == org["rep"]
    assert list(dispute.follow_ups.all()) == [follow_up]
    assert dispute.attachments.count() == 2
    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'id="open-dispute"' in html
    assert timezone.localtime(dispute.due_at).isoformat() in html
    assert 'id="dispute-form"' not in html  # one open dispute per lead

    # The opener may fetch the files; another rep may not.
    attachment = dispute.attachments.first()
    file_url = reverse("leads:dispute_file", args=[dispute.pk, attachment.pk])
    response = client.get(file_url)
    assert response.status_code == 200
    # Reading the stream to its end closes the response (the test client's wrapper does it
    # with the connection-closing signal held back); closing it again would close the
    # test's database connection.
    assert b"".join(response.streaming_content) == PNG
    client.force_login(org["other_rep"])
    assert client.get(file_url).status_code == 403


def test_a_second_dispute_on_the_lead_is_refused_on_the_form(client, org):
    dispute = _dispute(org)
    client.force_login(org["marketer"])

    response = client.post(reverse("leads:dispute_open", args=[dispute.lead_id]),
                           {"ground": "other", "evidence": "销售判断过早"})

    assert response.status_code == 400
    form = response.context["quality"]["dispute_form"]
    assert form.non_field_errors() == ["This lead already has an open dispute."]
    assert 'id="dispute-form"' in response.content.decode()
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize(("name", "content", "error"), [
    ("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "at most 5.0"),
    ("script.png", b"<script>alert(1)</script>", "not an image, a PDF or an audio"),
    ("notes.txt", b"plain text", "not an image, a PDF or an audio"),
])
def test_an_evidence_file_too_big_or_of_another_kind_is_refused(client, org, name, content,
                                                                error):
    lead = _lead(org["rep"])
    client.force_login(org["rep"])

    response = client.post(reverse("leads:dispute_open", args=[lead.pk]), {
        "ground": "fake", "evidence": "假线索",
        "files": [SimpleUploadedFile(name, content)]})

    assert response.status_code == 400
    assert error in " ".join(response.context["quality"]["dispute_form"].errors["files"])
    assert not Dispute.objects.exists() and not DisputeAttachment.objects.exists()


def test_who_may_not_dispute_gets_no_form_and_is_refused(client, org):
    lead = _lead(org["rep"])
    html = _lead_page(client, org["executive"], lead).content.decode()
    assert 'id="dispute-form"' not in html

    response = client.post(reverse("leads:dispute_open", args=[lead.pk]),
                           {"ground": "fake", "evidence": "x"})

    assert response.status_code == 403
    assert not Dispute.objects.exists()


def test_the_lead_page_shows_past_rulings_and_the_new_verdict(client, org):
    dispute = _dispute(org)
    ruling = dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number",
                          actor=org["judge"])

    html = _lead_page(client, org["rep"], dispute.lead).content.decode()

    assert f'data-ruling="{ruling.pk}"' in html
    assert 'id="lead-quality-verdict"' in html
    assert 'id="dispute-form"' in html  # ruled: the lead may be disputed again


def test_the_lead_page_of_an_undisputed_lead_pays_no_quality_query(
        client, org, django_assert_num_queries):
    lead = _lead(org["rep"])
    _follow_up(lead, org["rep"])
    client.force_login(org["rep"])
    # The lead, the duplicates, the assignments, the follow-ups, the lost reasons of the lose
    # form: as before the quality card came.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 5):
        response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert 'id="dispute-form"' in response.content.decode()


@pytest.mark.parametrize("size", [1, 4])
def test_the_lead_page_of_a_disputed_lead_pays_two_queries_however_many_rulings(
        client, org, django_assert_num_queries, size):
    lead = _lead(org["rep"])
    _follow_up(lead, org["rep"])
    # A ruled lead is not disputed again: its ruling grows by corrections instead.
    dispute = dispute_open(lead=lead, actor=org["rep"], ground="fake", evidence="假")
    ruling = dispute_rule(dispute=dispute, verdict="invalid", reason="fake",
                          actor=org["judge"])
    for number in range(size):
        ruling = ruling_correct(ruling=ruling, verdict="valid" if number % 2 == 0 else "invalid",
                                reason="" if number % 2 == 0 else "fake",
                                note=f"复核{number}", actor=org["quality_head"])
    client.force_login(org["rep"])

    # As an undisputed lead, and its disputes with their rulings and who made them.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 5 + 2):
        response = client.get(reverse("leads:detail", args=[lead.pk]))
    assert f"复核{size - 1}" in response.content.decode()


# The queue -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "sales_head", "marketing_head", "executive",
                                  "superuser", "quality_member", "inspector"])
def test_the_dispute_queue_is_the_quality_departments(client, org, role):
    client.force_login(org[role])
    assert client.get(reverse("leads:disputes")).status_code == 403


def test_the_queue_lists_open_disputes_soonest_due_first_overdue_in_red(client, org):
    now = timezone.now()
    later = Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.SALES,
                                   ground="fake", due_at=now + datetime.timedelta(hours=3))
    overdue = Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.MARKETING,
                                     ground="duplicate", due_at=now - datetime.timedelta(hours=1))
    soon = Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.SAMPLE,
                                  due_at=now + datetime.timedelta(minutes=20))
    Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.SALES, ground="fake",
                           due_at=now, status=DisputeStatus.RULED, ruled_at=now)
    client.force_login(org["quality_head"])

    response = client.get(reverse("leads:disputes"))

    assert [row["dispute"] for row in response.context["rows"]] == [overdue, soon, later]
    assert [row["overdue"] for row in response.context["rows"]] == [True, False, False]
    html = response.content.decode()
    assert f'class="dispute-row is-overdue" data-dispute="{overdue.pk}"' in html
    assert f'class="dispute-row is-sample" data-dispute="{soon.pk}"' in html
    ruled = client.get(reverse("leads:disputes"), {"show": "ruled"}).context["rows"]
    assert len(ruled) == 1


def test_the_queue_pages(client, org):
    now = timezone.now()
    for number in range(30):
        Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.SAMPLE,
                               due_at=now + datetime.timedelta(minutes=number))
    client.force_login(org["judge"])

    first = client.get(reverse("leads:disputes"))
    second = client.get(reverse("leads:disputes"), {"page": 2})

    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert 'rel="next"' in first.content.decode()


@pytest.mark.parametrize("size", [3, 20])
def test_the_queue_query_count_does_not_grow(client, org, django_assert_num_queries, size):
    _settings()
    now = timezone.now()
    for number in range(size):
        Dispute.objects.create(lead=_lead(org["rep"]), side=DisputeSide.SALES, ground="fake",
                               due_at=now + datetime.timedelta(minutes=number))
    client.force_login(org["judge"])

    # The settings, the count, the page of disputes with their leads and sources.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:disputes"))
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_ruling_page_query_count_does_not_grow(client, org, django_assert_num_queries,
                                                   size):
    _settings()
    lead = _lead(org["rep"])
    follow_ups = [_follow_up(lead, org["rep"] if n % 2 else org["other_rep"])
                  for n in range(size)]
    dispute = dispute_open(lead=lead, actor=org["marketer"], ground="other", evidence="有意向",
                           follow_ups=follow_ups[: size // 2])
    for number in range(size // 2):
        DisputeAttachment.objects.create(
            dispute=dispute, uploaded_by=org["marketer"],
            file=SimpleUploadedFile(f"shot{number}.png", PNG))
    first = dispute_rule(dispute=dispute, verdict="valid", actor=org["judge"])
    ruling_correct(ruling=first, verdict="invalid", reason="no_intent", note="复核",
                   actor=org["quality_head"])
    client.force_login(org["quality_head"])

    # The dispute with its lead, the settings, the linked follow-ups, every follow-up with
    # its rep, the evidence files, the rulings with who made them.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 6):
        response = client.get(reverse("leads:dispute", args=[dispute.pk]))
    assert len(response.context["history"]) == size
    assert 'id="correction-form"' in response.content.decode()


# Inspections -----------------------------------------------------------------------------------


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


def _inspection(card, follow_up, *, round=1, days_ago=1) -> Inspection:
    return Inspection.objects.create(
        follow_up=follow_up, round=round, scorecard=card,
        drawn_on=timezone.localdate() - datetime.timedelta(days=days_ago))


def _answers(card, score=4, yes="yes", choice="模糊") -> dict:
    criteria = list(card.criteria.order_by("position"))
    return {f"criterion_{criteria[0].pk}": score, f"criterion_{criteria[1].pk}": yes,
            f"criterion_{criteria[2].pk}": choice}


@pytest.mark.parametrize("role", ["rep", "sales_head", "executive", "superuser", "judge",
                                  "quality_head"])
def test_inspection_pages_are_the_inspectors(client, org, scorecard, role):
    inspection = _inspection(scorecard, _follow_up(_lead(org["rep"]), org["rep"]))
    client.force_login(org[role])
    assert client.get(reverse("leads:inspections")).status_code == 403
    assert client.get(reverse("leads:inspection", args=[inspection.pk])).status_code == 403
    response = client.post(reverse("leads:inspection_score", args=[inspection.pk]),
                           _answers(scorecard))
    assert response.status_code == 403
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PENDING


def test_the_scoring_page_shows_the_follow_up_and_a_field_per_criterion(client, org, scorecard):
    lead = _lead(org["rep"], name="陈先生")
    follow_up = _follow_up(lead, org["rep"], notes="介绍了二期方案", next_step="发报价")
    inspection = _inspection(scorecard, follow_up)
    client.force_login(org["inspector"])

    html = client.get(reverse("leads:inspection", args=[inspection.pk])).content.decode()

    criteria = list(scorecard.criteria.order_by("position"))
    assert "陈先生" in html and "王芳" in html and "介绍了二期方案" in html and "发报价" in html
    assert f'type="number" name="criterion_{criteria[0].pk}"' in html
    assert 'min="0"' in html and 'max="5"' in html
    assert f'type="radio" name="criterion_{criteria[1].pk}" value="yes"' in html
    assert f'<select name="criterion_{criteria[2].pk}"' in html
    assert 'name="not_genuine"' in html and "counts as not contacted" in html


def test_scoring_computes_the_score_and_flags_a_follow_up_not_genuine(client, org, scorecard):
    lead = _lead(org["rep"])
    follow_up = _follow_up(lead, org["rep"])
    inspection = _inspection(scorecard, follow_up)
    client.force_login(org["inspector"])

    response = client.post(reverse("leads:inspection_score", args=[inspection.pk]), {
        **_answers(scorecard, score=4, yes="yes", choice="模糊"),
        "findings": "没有真实通话记录", "not_genuine": "on"})

    assert response.status_code == 302
    inspection.refresh_from_db()
    # (4/5 × 2 + 1 × 1 + 0.5 × 1) / 4 = 77.5
    assert inspection.score == Decimal("77.50") and inspection.passed
    assert inspection.not_genuine and inspection.inspector == org["inspector"]
    assert FollowUp.objects.get(pk=follow_up.pk).not_genuine
    # Its only follow-up was not genuine: the lead counts as not contacted.
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and lead.first_contacted_at is None


def test_a_score_out_of_range_is_refused_on_its_field(client, org, scorecard):
    inspection = _inspection(scorecard, _follow_up(_lead(org["rep"]), org["rep"]))
    client.force_login(org["inspector"])

    response = client.post(reverse("leads:inspection_score", args=[inspection.pk]),
                           _answers(scorecard, score=9))

    assert response.status_code == 400
    first = scorecard.criteria.order_by("position").first()
    assert response.context["form"].errors[f"criterion_{first.pk}"] == [
        "Give a score from 0 to 5."]
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PENDING


def test_the_second_scoring_never_shows_the_first(client, org, scorecard):
    follow_up = _follow_up(_lead(org["rep"]), org["rep"])
    first = _inspection(scorecard, follow_up, round=1)
    second = _inspection(scorecard, follow_up, round=2)
    inspection_score(inspection=first, inspector=org["inspector"],
                     answers={int(key.split("_")[1]): value
                              for key, value in _answers(scorecard, score=3).items()},
                     findings="开场白不规范")
    first.refresh_from_db()
    client.force_login(org["second_inspector"])

    html = client.get(reverse("leads:inspection", args=[second.pk])).content.decode()
    assert str(first.score) not in html and "开场白不规范" not in html
    assert 'id="second-scoring"' in html
    # Nor does the first inspection's page, while the second scoring waits.
    html = client.get(reverse("leads:inspection", args=[first.pk])).content.decode()
    assert str(first.score) not in html and "开场白不规范" not in html
    # The first inspector is not offered the second scoring.
    client.force_login(org["inspector"])
    queue = client.get(reverse("leads:inspections")).context["page"].object_list
    assert second not in list(queue)


def test_the_inspection_queue_lists_pending_follow_ups_oldest_first(client, org, scorecard):
    lead = _lead(org["rep"])
    newer = _inspection(scorecard, _follow_up(lead, org["rep"]), days_ago=1)
    older = _inspection(scorecard, _follow_up(lead, org["rep"]), days_ago=3)
    done = _inspection(scorecard, _follow_up(lead, org["rep"]), days_ago=5)
    Inspection.objects.filter(pk=done.pk).update(status=InspectionStatus.DONE)
    client.force_login(org["inspector"])

    response = client.get(reverse("leads:inspections"))

    assert list(response.context["page"].object_list) == [older, newer]


@pytest.mark.parametrize("size", [3, 20])
def test_the_inspection_queue_query_count_does_not_grow(client, org, scorecard, size,
                                                        django_assert_num_queries):
    lead = _lead(org["rep"])
    for _number in range(size):
        _inspection(scorecard, _follow_up(lead, org["rep"]))
    client.force_login(org["inspector"])

    # The count, the page of inspections with their follow-ups, leads and reps, the
    # inspectors' agreement (one aggregate).
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:inspections"))
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [3, 12])
def test_the_scoring_page_query_count_does_not_grow(client, org, size,
                                                    django_assert_num_queries):
    card = Scorecard.objects.create(name="大卡")
    for number in range(size):
        Criterion.objects.create(scorecard=card, position=number, label=f"项目{number}",
                                 answer_type=["score", "yes_no", "choice"][number % 3],
                                 choices=[{"label": "好", "points": 1}])
    inspection = _inspection(card, _follow_up(_lead(org["rep"]), org["rep"]))
    client.force_login(org["inspector"])

    # The inspection with its follow-up, lead, rep and scorecard; the criteria.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 2):
        response = client.get(reverse("leads:inspection", args=[inspection.pk]))
    assert len(response.context["form"].criteria) == size


# Quality results -------------------------------------------------------------------------------


def _scored(card, rep, inspector, score, *, passed=None, not_genuine=False) -> Inspection:
    inspection = _inspection(card, _follow_up(_lead(rep), rep))
    Inspection.objects.filter(pk=inspection.pk).update(
        status=InspectionStatus.DONE, score=Decimal(score), inspector=inspector,
        passed=Decimal(score) >= card.pass_mark if passed is None else passed,
        not_genuine=not_genuine, scored_at=timezone.now(), findings=f"得分{score}")
    return inspection


def test_a_rep_sees_their_own_results(client, org, scorecard):
    mine = _scored(scorecard, org["rep"], org["inspector"], "80")
    _scored(scorecard, org["rep"], org["inspector"], "40", not_genuine=True)
    _scored(scorecard, org["other_rep"], org["inspector"], "90")
    client.force_login(org["rep"])

    response = client.get(reverse("leads:quality_results"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2
    assert mine in list(response.context["page"].object_list)
    summary = response.context["summary"]
    assert (summary["count"], summary["average"], summary["pass_rate"]) == (2, 60, 50)
    assert response.context["team"] == []
    assert "得分80" in response.content.decode() and "得分90" not in response.content.decode()


def test_a_head_sees_the_team_by_rep_with_average_and_pass_rate(client, org, scorecard):
    for score in ("80", "70", "30"):
        _scored(scorecard, org["rep"], org["inspector"], score)
    _scored(scorecard, org["other_rep"], org["inspector"], "90", not_genuine=True)
    outsider = member(DepartmentKind.SALES)
    _scored(scorecard, outsider, org["inspector"], "10")
    client.force_login(org["sales_head"])

    response = client.get(reverse("leads:quality_results"))

    rows = {row["pk"]: row for row in response.context["team"]}
    assert outsider.pk not in rows
    rep = rows[org["rep"].pk]
    assert (rep["inspected"], rep["average"], rep["passed"], rep["pass_rate"]) == (3, 60, 2, 67)
    other = rows[org["other_rep"].pk]
    assert (other["inspected"], other["pass_rate"], other["not_genuine"]) == (1, 100, 1)
    assert rows[org["sales_head"].pk]["inspected"] == 0


@pytest.mark.parametrize("role", ["marketer", "executive", "judge", "inspector"])
def test_quality_results_are_for_sales(client, org, role):
    client.force_login(org[role])
    assert client.get(reverse("leads:quality_results")).status_code == 403


@pytest.mark.parametrize("size", [2, 10])
def test_the_results_page_query_count_does_not_grow(client, org, scorecard, size,
                                                    django_assert_num_queries):
    for number in range(size):
        _scored(scorecard, org["rep"], org["inspector"], str(50 + number))
        _scored(scorecard, org["other_rep"], org["inspector"], str(60 + number))
        _scored(scorecard, member(department=org["team"].department, team=org["team"]),
                org["inspector"], "70")
    client.force_login(org["sales_head"])
    _scored(scorecard, org["sales_head"], org["inspector"], "75")

    # The head's own summary, count and page; the team aggregated by rep.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 4):
        response = client.get(reverse("leads:quality_results"))
    assert len(response.context["team"]) == 2 + size + 1

    client.force_login(org["rep"])
    # A rep: the summary, the count and the page.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:quality_results"))
    assert len(response.context["page"].object_list) == size


def test_the_inspection_queue_reports_the_agreement_of_double_scoring(client, org):
    from leads.models import Inspection

    quality = DepartmentFactory(kind=DepartmentKind.QUALITY)
    inspector = member(department=quality, is_inspector=True)
    card = Scorecard.objects.create(name="agreement card", pass_mark=Decimal("60"))
    follow_up = _follow_up(_lead(org["rep"]), org["rep"])
    now = timezone.now()
    Inspection.objects.create(follow_up=follow_up, round=1, scorecard=card, drawn_on=now.date(),
                              status="done", score=Decimal("80"), passed=True, scored_at=now)
    Inspection.objects.create(follow_up=follow_up, round=2, scorecard=card, drawn_on=now.date(),
                              status="done", score=Decimal("70"), passed=True, scored_at=now)
    client.force_login(inspector)
    response = client.get(reverse("leads:inspections"))
    assert response.context["agreement"]["pairs"] == 1
    assert response.context["agreement"]["same_percent"] == 100
    assert response.context["agreement"]["mean_score_difference"] == Decimal("10.00")
    assert 'id="inspector-agreement"' in response.content.decode()
