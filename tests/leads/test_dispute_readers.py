"""Who reads a lead-quality dispute, and what of it: one rule behind every door.

Every role is walked through the API (list and detail), the ruling page and the admin for a
sales-side dispute on an owned lead, marketing-side disputes on a pool lead and on an owned
lead, and a dispute drawn by the daily sample. The doors must agree with each other and with
the expectations written here; what the rule withholds (who opened it, the lead's phone, the
follow-up notes) must be absent from every door that withholds it.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coordination.core.apikeys.principal import ApiKeyPrincipal
from coordination.core.apikeys.services import api_key_create
from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Dispute,
    DisputeAttachment,
    DisputeSide,
    FollowUp,
    LeadStatus,
    QualitySettings,
    Ruling,
)
from leads.permissions import DisputeAccess, DisputeReadRule, dispute_read_access
from leads.selectors import dispute_list_for
from leads.services import dispute_open
from tests.factories import (
    DepartmentFactory,
    LeadFactory,
    LeadPoolFactory,
    SourceFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

DISPUTES = "/api/v1/disputes/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

PEOPLE = ["owner", "teammate", "other_team_rep", "team_lead", "sales_head", "marketer",
          "marketing_head", "adjudicator", "inspector", "quality_head", "executive", "it",
          "superuser"]
KEYS = {"key_quality": ["quality:read"],
        "key_quality_and_leads": ["quality:read", "leads:read"],
        "key_without_quality": ["leads:read"]}
ROLES = PEOPLE + list(KEYS)
CASES = ["sales_side", "marketing_side_pool", "marketing_side_owned", "sample"]

# The expectations, written out: who reads which dispute ...
OVERSEERS = {"adjudicator", "quality_head", "executive", "superuser", "key_quality",
             "key_quality_and_leads"}
READERS = {
    # The side that opened it: the opener, the lead's owner and the managers who see the lead.
    # Never marketing.
    "sales_side": OVERSEERS | {"owner", "team_lead", "sales_head"},
    # Marketing follows its own disputes; no rep reads them, not even one who sees the lead
    # in the team's pool or owns it.
    "marketing_side_pool": OVERSEERS | {"marketer", "marketing_head"},
    "marketing_side_owned": OVERSEERS | {"marketer", "marketing_head"},
    # The daily sample belongs to no side.
    "sample": OVERSEERS,
}
# ... and what some of them do not see of it: blind review (the default) hides who opened it
# from the quality department; marketing never reads follow-up notes; a key reads the lead's
# contact and the notes only with leads:read.
BLIND = {"adjudicator", "quality_head"}
WITHOUT_NOTES = {"marketer", "marketing_head", "key_quality"}
WITHOUT_CONTACT = {"key_quality"}
# A key's request: the key, the page, its follow-ups, files and rulings.
KEY_QUERIES = 5


def _staff(user):
    """Staff with the Django permissions to read disputes in the admin: the admin must then
    apply the same rule as the pages."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="leads", codename__in=["view_dispute", "view_ruling"]))
    return user


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": True})
    sales = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    east = TeamFactory(department=sales, name="East")
    west = TeamFactory(department=sales, name="West")
    marketing = DepartmentFactory(kind=DepartmentKind.MARKETING, name="Growth")
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY, name="质检部")
    people = {
        "owner": member(department=sales, team=east, user=UserFactory(full_name="王芳")),
        "teammate": member(department=sales, team=east, user=UserFactory(full_name="李雷")),
        "other_team_rep": member(department=sales, team=west,
                                 user=UserFactory(full_name="韩梅")),
        "team_lead": member(department=sales, team=east, role=Role.LEAD,
                            user=UserFactory(full_name="钱组长")),
        "sales_head": member(department=sales, role=Role.HEAD,
                             user=UserFactory(full_name="张伟")),
        "marketer": member(department=marketing, user=UserFactory(full_name="陈静")),
        "marketing_head": member(department=marketing, role=Role.HEAD,
                                 user=UserFactory(full_name="刘洋")),
        "adjudicator": member(department=quality, is_adjudicator=True,
                              user=UserFactory(full_name="吴判定")),
        "inspector": member(department=quality, is_inspector=True,
                            user=UserFactory(full_name="郑质检")),
        "quality_head": member(department=quality, role=Role.HEAD,
                               user=UserFactory(full_name="周主管")),
        "executive": member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE,
                            user=UserFactory(full_name="赵总")),
        "it": member(DepartmentKind.IT, user=UserFactory(full_name="孙网管")),
        "superuser": UserFactory(full_name="系统管理员", is_superuser=True, is_staff=True),
    }
    for name, user in people.items():
        if name != "superuser":
            _staff(user)
    keys, principals = {}, dict(people)
    for name, scopes in KEYS.items():
        key, raw = api_key_create(name=name, scopes=scopes)
        keys[name] = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
        principals[name] = ApiKeyPrincipal(key)

    source = SourceFactory(name="百度推广")
    owner, teammate, marketer = people["owner"], people["teammate"], people["marketer"]

    def lead(number, **fields):
        fields.setdefault("owner", owner)
        fields.setdefault("status", LeadStatus.CONTACTED)
        return LeadFactory(source=source, name=f"客户{number}", phone=f"+861380013800{number}",
                           **fields)

    def follow_up(on, author, notes):
        return FollowUp.objects.create(lead=on, author=author, channel="call",
                                       outcome="wrong_contact", notes=notes)

    owned = lead(1)
    sales_side = dispute_open(
        lead=owned, actor=owner, ground="wrong_number", evidence="证据一：三次拨打均提示空号",
        follow_ups=[follow_up(owned, owner, "备注一：客户说打错电话了")],
        files=[SimpleUploadedFile("王芳的截图.png", PNG, "image/png")])

    # A lead the teammate worked and gave up: it waits in the East team's pool.
    pooled = lead(2, owner=None, status=LeadStatus.NEW, pool=LeadPoolFactory(team=east),
                  pooled_at=timezone.now())
    marketing_side_pool = dispute_open(
        lead=pooled, actor=marketer, ground="other", evidence="证据二：客户有明确意向",
        follow_ups=[follow_up(pooled, teammate, "备注二：同事的跟进备注")])

    owned_too = lead(3)
    marketing_side_owned = dispute_open(
        lead=owned_too, actor=marketer, ground="other", evidence="证据三：客户已到店",
        follow_ups=[follow_up(owned_too, owner, "备注三：约了下周到店")])

    sampled = lead(4)
    sample = Dispute.objects.create(lead=sampled, side=DisputeSide.SAMPLE,
                                    due_at=timezone.now() + datetime.timedelta(days=1))
    sample.follow_ups.add(follow_up(sampled, owner, "备注四：抽检的跟进"))

    return {
        "people": people,
        "keys": keys,
        "principals": principals,
        "source": source,
        "east": east,
        "disputes": {"sales_side": sales_side, "marketing_side_pool": marketing_side_pool,
                     "marketing_side_owned": marketing_side_owned, "sample": sample},
        "evidence": {"sales_side": "证据一", "marketing_side_pool": "证据二",
                     "marketing_side_owned": "证据三", "sample": None},
        "notes": {"sales_side": "备注一", "marketing_side_pool": "备注二",
                  "marketing_side_owned": "备注三", "sample": "备注四"},
    }


# The doors ---------------------------------------------------------------------------------------


def _api(api_client, world, role, url, **params):
    if role in KEYS:
        api_client.force_authenticate(None)
        return api_client.get(url, params, **world["keys"][role])
    api_client.force_authenticate(world["people"][role])
    return api_client.get(url, params)


def _api_list(api_client, world, role) -> dict[int, dict]:
    response = _api(api_client, world, role, DISPUTES)
    if role == "key_without_quality":
        assert response.status_code == 403
        return {}
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()["results"]}


def _api_list_ids(api_client, world, role) -> set[int]:
    return set(_api_list(api_client, world, role))


def _page(client, world, role, dispute):
    client.force_login(world["people"][role])
    return client.get(reverse("leads:dispute", args=[dispute.pk]))


def _admin(client, world, role, dispute):
    client.force_login(world["people"][role])
    return client.get(reverse("admin:leads_dispute_change", args=[dispute.pk]))


def _names_on(dispute) -> set[str]:
    """The people a blind reader may not learn: the opener and the follow-ups' authors."""
    names = {follow_up.author.full_name for follow_up in dispute.follow_ups.all()}
    if dispute.opened_by_id:
        names.add(dispute.opened_by.full_name)
    return names


# One rule behind every door ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_door_answers_a_role_from_the_same_rule(role, client, api_client, world):
    listed = _api_list(api_client, world, role)
    for case in CASES:
        dispute = world["disputes"][case]
        readable = role in READERS[case]
        detail = _api(api_client, world, role, f"{DISPUTES}{dispute.pk}/")
        contents = [detail.content.decode()]

        # The API: the list holds what the detail shows, and both what the rule allows.
        assert (detail.status_code == 200) == readable, (role, case, detail.status_code)
        assert (dispute.pk in listed) == readable, (role, case)

        if role in KEYS:
            # Pages and the admin are for people: a key opens neither (to the sign-in page).
            client.logout()
            for url in (reverse("leads:dispute", args=[dispute.pk]),
                        reverse("admin:leads_dispute_change", args=[dispute.pk])):
                assert client.get(url, **world["keys"][role]).status_code == 302
        else:
            # The ruling page and the admin answer exactly as the API does.
            page = _page(client, world, role, dispute)
            assert (page.status_code == 200) == readable, (role, case, page.status_code)
            if not readable:
                assert page.status_code == 403
            admin = _admin(client, world, role, dispute)
            assert (admin.status_code == 200) == readable, (role, case, admin.status_code)
            changelist = client.get(reverse("admin:leads_dispute_changelist"))
            assert changelist.status_code == 200
            assert (f"/{dispute.pk}/change/" in changelist.content.decode()) == readable, (
                role, case)
            contents += [page.content.decode(), admin.content.decode()]
            # The evidence files are served to the dispute's readers only.
            for attachment in dispute.attachments.all():
                served = client.get(reverse("leads:dispute_file",
                                            args=[dispute.pk, attachment.pk]))
                assert (served.status_code == 200) == readable, (role, case)
                if readable:
                    b"".join(served.streaming_content)  # read to the end: closes the file
                    named_by_number = "evidence-" in served["Content-Disposition"]
                    assert named_by_number == (role in BLIND), (role, case)

        evidence, notes = world["evidence"][case], world["notes"][case]
        phone = dispute.lead.phone
        if not readable:
            for content in contents:
                assert phone not in content and notes not in content
                assert evidence is None or evidence not in content
            continue

        # What the reader may not see is absent from every door, and what they may see is
        # shown by every door that shows it.
        body = detail.json()
        assert listed[dispute.pk] == body, (role, case)  # the list row shows what the detail does
        blind = role in BLIND
        shows_notes = role not in WITHOUT_NOTES
        shows_contact = role not in WITHOUT_CONTACT
        assert (body["lead_phone"] == phone) == shows_contact, (role, case)
        assert body["lead_phone"] in {phone, None}
        assert [row["notes"] is not None for row in body["follow_ups"]] == [shows_notes]
        if evidence:
            assert evidence in body["evidence"]
        if blind:
            assert (body["side"], body["claim"], body["opened_by"], body["opened_by_name"]) \
                == (None, None, None, None)
            assert all(row["author"] is None for row in body["follow_ups"])
            assert all(row["uploaded_by"] is None for row in body["attachments"])
        else:
            assert body["side"] == dispute.side
            assert body["opened_by"] == dispute.opened_by_id
        if role in KEYS:
            continue

        html = page.content.decode()
        assert (phone in html) == shows_contact, (role, case)
        assert (notes in html) == shows_notes, (role, case)
        if evidence:
            assert evidence in html
            assert evidence in admin.content.decode()
        shows_opener = not blind and case != "sample"
        assert ('id="dispute-side"' in html) == shows_opener, (role, case)
        assert ("field-opened_by" in admin.content.decode()) == (not blind)
        names = _names_on(dispute)
        for content in (html, admin.content.decode(), detail.content.decode()):
            if blind:
                assert not any(name in content for name in names), (role, case)
        if not blind and dispute.opened_by_id:
            assert dispute.opened_by.full_name in html
            assert body["opened_by_name"] == dispute.opened_by.full_name
        # The admin shows neither the lead's phone nor follow-up notes, to anybody.
        assert phone not in admin.content.decode() and notes not in admin.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_read_filter_and_the_per_dispute_rule_agree(role, world):
    """The list's SQL (`DisputeReadRule.filter`, through the selector) and the rule for one
    dispute (`access`, which the pages ask) say the same, with and without the list's
    annotation of whether the reader sees the lead."""
    people, source = world["people"], world["source"]

    def dispute(side, opener, **lead_fields):
        lead_fields.setdefault("status", LeadStatus.CONTACTED)
        lead = LeadFactory(source=source, **lead_fields)
        return Dispute.objects.create(lead=lead, side=side, opened_by=opener, ground="fake",
                                      evidence="x", due_at=lead.created_at)

    more = {
        # A rep of the other team disputes their own lead.
        "other_team": dispute("sales", people["other_team_rep"], owner=people["other_team_rep"]),
        # The team lead disputes a lead of their rep.
        "by_team_lead": dispute("sales", people["team_lead"], owner=people["teammate"]),
        # The opener lost the lead to a rep of another team.
        "lead_lost": dispute("sales", people["owner"], owner=people["other_team_rep"]),
        # Marketing on a lead of a pool open to every team.
        "open_pool": dispute("marketing", people["marketing_head"], owner=None,
                             status=LeadStatus.NEW, pool=LeadPoolFactory(team=None)),
    }
    expected_more = {
        "other_team": OVERSEERS | {"other_team_rep", "sales_head"},
        "by_team_lead": OVERSEERS | {"team_lead", "teammate", "sales_head"},
        "lead_lost": OVERSEERS | {"owner", "other_team_rep", "sales_head"},
        "open_pool": OVERSEERS | {"marketer", "marketing_head"},
    }
    cases = {**world["disputes"], **more}
    expected = {**READERS, **expected_more}
    user = world["principals"][role]
    listed = {row.pk: row for row in dispute_list_for(user=user)}
    rule = DisputeReadRule(user)
    for case, row in cases.items():
        fresh = Dispute.objects.get(pk=row.pk)
        access = dispute_read_access(user, fresh)
        assert access.may_read == (role in expected[case]), (role, case)
        assert (row.pk in listed) == access.may_read, (role, case)
        if access.may_read:
            annotated = listed[row.pk]
            assert rule.access(annotated, sees_lead=annotated.reader_sees_lead) == access
            assert access == DisputeAccess(
                access.reader, blind=role in BLIND,
                contact=role not in WITHOUT_CONTACT and (role, case) != ("owner", "lead_lost"),
                notes=role not in WITHOUT_NOTES and (role, case) != ("owner", "lead_lost"))
        else:
            assert access == DisputeAccess(None)



# The two leaks of issue 7, spelled out ------------------------------------------------------------


def test_marketing_cannot_read_a_sales_side_dispute_through_either_door(client, api_client,
                                                                       world):
    dispute = world["disputes"]["sales_side"]
    for role in ("marketer", "marketing_head"):
        detail = _api(api_client, world, role, f"{DISPUTES}{dispute.pk}/")
        assert detail.status_code == 404
        assert dispute.pk not in _api_list_ids(api_client, world, role)
        assert "王芳" not in detail.content.decode()
        assert dispute.lead.phone not in detail.content.decode()
        assert _page(client, world, role, dispute).status_code == 403


def test_a_rep_cannot_read_a_marketing_side_dispute_on_a_pool_lead(client, api_client, world):
    dispute = world["disputes"]["marketing_side_pool"]
    for role in ("owner", "teammate", "team_lead"):
        detail = _api(api_client, world, role, f"{DISPUTES}{dispute.pk}/")
        assert detail.status_code == 404
        assert dispute.pk not in _api_list_ids(api_client, world, role)
        assert "备注二" not in detail.content.decode()
        assert _page(client, world, role, dispute).status_code == 403


def test_an_opener_who_lost_the_lead_follows_the_dispute_without_its_contact_or_notes(
        client, api_client, world):
    dispute = world["disputes"]["sales_side"]
    # The lead went to the teammate: the opener still follows the dispute they opened, but
    # no longer reads the lead's phone or its follow-up notes, on either door.
    type(dispute.lead).objects.filter(pk=dispute.lead_id).update(
        owner=world["people"]["teammate"])
    phone = dispute.lead.phone

    body = _api(api_client, world, "owner", f"{DISPUTES}{dispute.pk}/").json()
    assert body["id"] == dispute.pk
    assert body["lead_phone"] is None
    assert [row["notes"] for row in body["follow_ups"]] == [None]
    [row] = [row for row in _api(api_client, world, "owner", DISPUTES).json()["results"]
             if row["id"] == dispute.pk]
    assert row["lead_phone"] is None and row["follow_ups"][0]["notes"] is None

    html = _page(client, world, "owner", dispute).content.decode()
    assert "证据一" in html
    assert phone not in html and "备注一" not in html

    # The new owner is of the same side and owns the lead: they read all of it.
    body = _api(api_client, world, "teammate", f"{DISPUTES}{dispute.pk}/").json()
    assert body["lead_phone"] == phone
    assert _page(client, world, "teammate", dispute).status_code == 200


def test_the_lead_page_links_the_dispute_only_for_its_readers(client, world):
    dispute = world["disputes"]["marketing_side_owned"]
    url = reverse("leads:dispute", args=[dispute.pk])
    client.force_login(world["people"]["owner"])
    html = client.get(reverse("leads:detail", args=[dispute.lead_id])).content.decode()
    assert url not in html
    client.force_login(world["people"]["marketer"])
    html = client.get(reverse("leads:detail", args=[dispute.lead_id])).content.decode()
    assert url in html


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "queries"), [
    # session, user, memberships, the page, its follow-ups, files and rulings
    ("owner", 7), ("team_lead", 7), ("sales_head", 7), ("marketer", 7), ("executive", 7),
    # ... and the quality settings (blind review)
    ("adjudicator", 8),
    ("key_quality", KEY_QUERIES),
])
def test_the_dispute_list_costs_the_same_however_long(role, queries, api_client, world,
                                                      django_assert_num_queries):
    people = world["people"]
    owner, marketer = people["owner"], people["marketer"]

    def grow(n):
        for _i in range(n):
            lead = LeadFactory(owner=owner, status=LeadStatus.CONTACTED)
            follow_up = FollowUp.objects.create(lead=lead, author=owner, channel="call",
                                                outcome="reached", notes="…")
            for side, opener in (("sales", owner), ("marketing", marketer)):
                dispute = Dispute.objects.create(lead=lead, side=side, opened_by=opener,
                                                 ground="fake", evidence="x",
                                                 due_at=lead.created_at, status="ruled")
                dispute.follow_ups.add(follow_up)
                DisputeAttachment.objects.create(dispute=dispute, file="disputes/x.txt",
                                                 uploaded_by=opener)
                Ruling.objects.create(dispute=dispute, verdict="valid",
                                      ruled_by=people["adjudicator"])

    headers = world["keys"].get(role, {})
    if role not in KEYS:
        api_client.force_login(people[role])
    # A key's first request records when it was used (at most every few minutes): not counted.
    api_client.get(DISPUTES, **headers)
    sizes = []
    for grown in (2, 8):
        grow(grown - Dispute.objects.filter(evidence="x").count() // 2)
        with django_assert_num_queries(queries):
            response = api_client.get(DISPUTES, **headers)
        assert response.status_code == 200
        sizes.append(len(response.json()["results"]))
    assert sizes[1] > sizes[0]
