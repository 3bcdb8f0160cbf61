"""Blind review of disputes: the whole quality department (adjudicators and quality heads) reads
a dispute without learning who opened it, in the API and in the admin, the follow-ups' authors
and the files' uploaders included; the sides, and the quality department without blind review,
see who."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from coordination.core.org.models import DepartmentKind
from leads.models import QualitySettings
from leads.permissions import is_blind_reader
from tests.factories import DepartmentFactory, member
from tests.leads.disputes import DISPUTES, blind_review, quality_cast, rep_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people():
    return quality_cast()


@pytest.fixture
def dispute(people):
    return rep_dispute(people)


def test_is_blind_reader_is_the_quality_department_under_blind_review(people):
    QualitySettings.objects.filter(pk=1).delete()
    assert is_blind_reader(people["judge"]) and is_blind_reader(people["quality_head"])
    assert not is_blind_reader(people["sales_head"]) and not is_blind_reader(people["superuser"])
    blind_review(False)
    assert not is_blind_reader(people["judge"]) and not is_blind_reader(people["quality_head"])


# In the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["judge", "quality_head"])
def test_the_quality_department_reads_a_dispute_blind_in_the_api(api_client, people, dispute,
                                                                 reader):
    blind_review(True)
    api_client.force_authenticate(people[reader])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["claim"], body["opened_by"], body["opened_by_name"]) == (
        None, None, None, None)
    [follow_up] = body["follow_ups"]
    assert (follow_up["author"], follow_up["author_name"]) == (None, None)
    assert follow_up["notes"] == "空号"
    [attachment] = body["attachments"]
    assert attachment["uploaded_by"] is None
    assert attachment["name"] == f"evidence-{attachment['id']}.png"
    assert "王芳" not in str(body)
    # Nor may the list be filtered on the side.
    response = api_client.get(DISPUTES, {"side": "sales"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "side"


def test_the_sides_and_without_blind_review_the_quality_department_see_who(api_client, people,
                                                                          dispute):
    blind_review(True)
    api_client.force_authenticate(people["sales_head"])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["opened_by"]) == ("sales", people["rep"].pk)
    assert body["follow_ups"][0]["author"] == people["rep"].pk
    assert body["follow_ups"][0]["author_name"] == "王芳"

    blind_review(False)
    api_client.force_authenticate(people["quality_head"])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["opened_by_name"]) == ("sales", "王芳")
    assert body["follow_ups"][0]["author_name"] == "王芳"
    assert body["attachments"][0]["uploaded_by"] == people["rep"].pk


# In the admin -----------------------------------------------------------------------------------


def _staff(user):
    """Staff with the Django permissions to read disputes in the admin."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="leads", codename__in=["view_dispute", "view_ruling"]))
    return user


def test_an_adjudicator_reads_disputes_in_the_admin_without_who_opened_them(client, people,
                                                                            dispute):
    blind_review(True)
    attachment = dispute.attachments.get()
    client.force_login(_staff(people["judge"]))

    changelist = client.get(reverse("admin:leads_dispute_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert f"/{dispute.pk}/change/" in html
    assert "王芳" not in html
    assert "side__exact" not in html  # no filter by side
    assert "column-side" not in html
    # The filter cannot be typed into the address either.
    assert client.get(reverse("admin:leads_dispute_changelist"),
                      {"side": "sales"}).status_code == 400
    assert client.get(reverse("admin:leads_dispute_changelist"),
                      {"opened_by": people["rep"].pk}).status_code == 400

    change = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert "三次拨打均提示空号" in html
    assert "王芳" not in html  # neither as the opener, the uploader nor in the file's name
    assert "field-side" not in html and "field-opened_by" not in html
    assert f"evidence-{attachment.pk}.png" in html


def test_a_superuser_outside_the_quality_department_sees_everything_in_the_admin(
        client, people, dispute):
    blind_review(True)
    client.force_login(people["superuser"])
    html = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk])).content.decode()
    assert "field-side" in html and "field-opened_by" in html
    assert html.count("王芳") >= 3  # the opener, the uploader, the file's name
    assert "side__exact" in client.get(
        reverse("admin:leads_dispute_changelist")).content.decode()
    history = client.get(reverse("admin:leads_dispute_history", args=[dispute.pk]))
    assert 'id="audit-trail"' in history.content.decode()


def test_a_superuser_who_adjudicates_reads_blind_in_the_admin_history_included(
        client, people, dispute):
    blind_review(True)
    judge = people["superuser"]
    member(department=DepartmentFactory(kind=DepartmentKind.QUALITY), user=judge,
           is_adjudicator=True)
    client.force_login(judge)
    html = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk])).content.decode()
    assert "王芳" not in html
    history = client.get(reverse("admin:leads_dispute_history", args=[dispute.pk]))
    assert history.status_code == 200
    assert "王芳" not in history.content.decode()
    assert 'id="audit-trail"' not in history.content.decode()
