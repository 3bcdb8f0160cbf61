"""The adjudicator rule: a quality member who adjudicates may not belong to sales or
marketing. Refused by the service, the admin and the API, with a clear message."""

import pytest

from coordination.core.apikeys.services import api_key_create
from coordination.core.audit.selectors import audit_history_for
from coordination.core.errors import ApplicationError
from coordination.core.org.models import DepartmentKind, Membership, Role
from coordination.core.org.services import membership_create, membership_update
from tests.factories import DepartmentFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality():
    return DepartmentFactory(name="质检部", kind=DepartmentKind.QUALITY)


@pytest.fixture
def sales():
    return DepartmentFactory(name="销售部", kind=DepartmentKind.SALES)


@pytest.fixture
def marketing():
    return DepartmentFactory(name="市场部", kind=DepartmentKind.MARKETING)


def test_a_quality_adjudicator_can_be_created_and_is_audited(quality):
    user = UserFactory()
    membership = membership_create(user=user, department=quality, is_adjudicator=True)
    assert membership.is_adjudicator
    assert audit_history_for(obj=membership).get().verb == "membership.created"


@pytest.mark.parametrize("partisan", ["sales", "marketing"])
def test_an_adjudicator_cannot_join_sales_or_marketing(request, quality, partisan):
    department = request.getfixturevalue(partisan)
    user = UserFactory()
    membership_create(user=user, department=quality, is_adjudicator=True)
    with pytest.raises(ApplicationError) as error:
        membership_create(user=user, department=department)
    assert error.value.code == "adjudicator_in_partisan_department"
    assert error.value.field == "department"
    assert "adjudicat" in error.value.message
    assert not Membership.objects.filter(user=user, department=department).exists()


@pytest.mark.parametrize("partisan", ["sales", "marketing"])
def test_a_sales_or_marketing_member_cannot_become_an_adjudicator(request, quality, partisan):
    department = request.getfixturevalue(partisan)
    user = UserFactory()
    membership_create(user=user, department=department)
    with pytest.raises(ApplicationError) as error:
        membership_create(user=user, department=quality, is_adjudicator=True)
    assert error.value.field == "is_adjudicator"
    assert not Membership.objects.filter(user=user, department=quality).exists()


def test_switching_on_adjudication_for_a_salesman_in_quality_is_refused(quality, sales):
    user = UserFactory()
    membership_create(user=user, department=sales)
    membership = membership_create(user=user, department=quality)
    with pytest.raises(ApplicationError):
        membership_update(membership=membership, is_adjudicator=True)
    membership.refresh_from_db()
    assert not membership.is_adjudicator


def test_adjudicator_capability_only_in_quality(sales):
    legal = DepartmentFactory(kind=DepartmentKind.LEGAL)
    with pytest.raises(ApplicationError) as error:
        membership_create(user=UserFactory(), department=legal, is_adjudicator=True)
    assert error.value.code == "capability_outside_quality"


def test_a_quality_member_who_does_not_adjudicate_may_also_sell(quality, sales):
    user = UserFactory()
    membership_create(user=user, department=quality, is_inspector=False)
    membership_create(user=user, department=sales)
    assert Membership.objects.filter(user=user).count() == 2


def test_team_must_belong_to_the_department(sales):
    other_team = TeamFactory()
    with pytest.raises(ApplicationError) as error:
        membership_create(user=UserFactory(), department=sales, team=other_team)
    assert error.value.field == "team"


def test_admin_refuses_an_adjudicator_in_sales(admin_client, quality, sales):
    user = UserFactory()
    membership_create(user=user, department=quality, is_adjudicator=True)
    response = admin_client.post("/admin/coordination/membership/add/", {
        "user": user.pk, "department": sales.pk, "role": Role.MEMBER,
    })
    assert response.status_code == 200
    assert "may not also belong to sales or marketing" in response.content.decode()
    assert not Membership.objects.filter(user=user, department=sales).exists()


def test_admin_user_page_refuses_adjudicator_and_sales_in_one_save(admin_client, quality, sales):
    user = UserFactory()
    data = {
        "username": user.username, "full_name": user.full_name, "email": user.email,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "2", "memberships-INITIAL_FORMS": "0",
        "memberships-0-department": quality.pk, "memberships-0-role": "member",
        "memberships-0-is_adjudicator": "on",
        "memberships-1-department": sales.pk, "memberships-1-role": "member",
        "absences-TOTAL_FORMS": "0", "absences-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/coordination/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert "may not also belong to sales or marketing" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_admin_adds_a_valid_membership_through_the_service(admin_client, quality):
    user = UserFactory()
    response = admin_client.post("/admin/coordination/membership/add/", {
        "user": user.pk, "department": quality.pk, "role": Role.MEMBER, "is_adjudicator": "on",
    })
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, department=quality)
    assert audit_history_for(obj=membership).filter(verb="membership.created").exists()


def test_api_refuses_an_adjudicator_in_marketing(api_client, quality, marketing):
    admin = UserFactory(is_superuser=True, is_staff=True)
    user = UserFactory()
    membership_create(user=user, department=quality, is_adjudicator=True)
    api_client.force_authenticate(admin)
    response = api_client.post("/api/v1/memberships/", {
        "user": user.pk, "department": marketing.pk, "role": "member"}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "department"
    assert error["code"] == "adjudicator_in_partisan_department"
    assert "may not also belong to sales or marketing" in error["message"]


def test_api_key_with_org_write_is_held_to_the_same_rule(api_client, quality, sales):
    _key, raw = api_key_create(name="HR sync", scopes=["org:write"])
    user = UserFactory()
    membership_create(user=user, department=sales)
    response = api_client.post("/api/v1/memberships/", {
        "user": user.pk, "department": quality.pk, "is_adjudicator": True},
        format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "is_adjudicator"


def test_api_lets_a_department_head_add_a_member_but_not_a_rep(api_client, sales):
    head = member(department=sales, role=Role.HEAD)
    rep = member(department=sales)
    newcomer = UserFactory()
    api_client.force_authenticate(rep)
    response = api_client.post("/api/v1/memberships/", {
        "user": newcomer.pk, "department": sales.pk}, format="json")
    assert response.status_code == 403
    api_client.force_authenticate(head)
    response = api_client.post("/api/v1/memberships/", {
        "user": newcomer.pk, "department": sales.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert Membership.objects.filter(user=newcomer, department=sales).exists()
