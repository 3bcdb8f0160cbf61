"""Who may grant which role (issue 7, item 1). Before the fix a head of any department could
`PATCH /api/v1/memberships/{id}/ {"role": "executive"}` on their own membership, answered 200,
and then read every lead and every follow-up's notes."""

import pytest

from coordination.core.apikeys.services import api_key_create
from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org import permissions
from coordination.core.org.models import DepartmentKind, Membership, Role
from coordination.core.org.services import membership_create, membership_delete, membership_update
from tests.factories import DepartmentFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def executive_office():
    return DepartmentFactory(name="总经办", kind=DepartmentKind.EXECUTIVE)


@pytest.mark.parametrize("kind", [DepartmentKind.IT, DepartmentKind.MARKETING,
                                  DepartmentKind.DELIVERY, DepartmentKind.SALES])
def test_a_head_cannot_make_themselves_executive_through_the_api(api_client, kind):
    head = member(kind, Role.HEAD)
    membership = head.memberships.get()
    api_client.force_authenticate(head)
    response = api_client.patch(f"/api/v1/memberships/{membership.pk}/", {"role": "executive"},
                                format="json")
    assert response.status_code in (400, 403), response.json()
    membership.refresh_from_db()
    assert membership.role == Role.HEAD
    permissions.forget_memberships(head)
    assert not permissions.is_executive(head)


@pytest.mark.parametrize("role", [Role.HEAD, Role.EXECUTIVE])
def test_a_head_cannot_grant_head_or_executive_to_a_member(api_client, role):
    head = member(DepartmentKind.DELIVERY, Role.HEAD)
    department = head.memberships.get().department
    colleague = member(department=department)
    membership = colleague.memberships.get()
    api_client.force_authenticate(head)
    response = api_client.patch(f"/api/v1/memberships/{membership.pk}/", {"role": role},
                                format="json")
    assert response.status_code in (400, 403)
    assert response.json()["errors"][0]["field"] == "role"
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_a_head_manages_members_and_team_leads_of_their_own_department(api_client):
    head = member(DepartmentKind.SALES, Role.HEAD)
    sales = head.memberships.get().department
    team = TeamFactory(department=sales)
    rep = member(department=sales)
    api_client.force_authenticate(head)
    response = api_client.patch(f"/api/v1/memberships/{rep.memberships.get().pk}/",
                                {"role": "lead", "team": team.pk}, format="json")
    assert response.status_code == 200, response.json()
    newcomer = UserFactory()
    response = api_client.post("/api/v1/memberships/", {
        "user": newcomer.pk, "department": sales.pk, "role": "member"}, format="json")
    assert response.status_code == 201, response.json()
    response = api_client.delete(f"/api/v1/memberships/{response.json()['id']}/")
    assert response.status_code == 204


def test_a_head_cannot_change_or_remove_their_own_membership():
    head = member(DepartmentKind.SALES, Role.HEAD)
    membership = head.memberships.get()
    team = TeamFactory(department=membership.department)
    with pytest.raises(PermissionDenied, match="your own membership"):
        membership_update(membership=membership, actor=head, team=team)
    with pytest.raises(PermissionDenied):
        membership_delete(membership=membership, actor=head)
    assert Membership.objects.filter(pk=membership.pk, team=None).exists()


def test_a_head_cannot_demote_or_remove_another_head_of_the_department():
    head = member(DepartmentKind.SALES, Role.HEAD)
    sales = head.memberships.get().department
    other_head = member(department=sales, role=Role.HEAD)
    membership = other_head.memberships.get()
    with pytest.raises(PermissionDenied):
        membership_update(membership=membership, actor=head, role=Role.MEMBER)
    with pytest.raises(PermissionDenied):
        membership_delete(membership=membership, actor=head)


def test_a_head_cannot_move_a_member_into_another_department(api_client):
    head = member(DepartmentKind.SALES, Role.HEAD)
    rep = member(department=head.memberships.get().department)
    delivery = DepartmentFactory(kind=DepartmentKind.DELIVERY)
    api_client.force_authenticate(head)
    response = api_client.patch(f"/api/v1/memberships/{rep.memberships.get().pk}/",
                                {"department": delivery.pk}, format="json")
    assert response.status_code == 403


def test_nobody_but_an_admin_adds_people_to_the_executive_office(api_client, executive_office):
    office_head = member(department=executive_office, role=Role.HEAD)
    friend = UserFactory()
    with pytest.raises(PermissionDenied):
        membership_create(user=friend, department=executive_office, actor=office_head)
    _key, raw = api_key_create(name="HR sync", scopes=["org:write"])
    response = api_client.post("/api/v1/memberships/", {
        "user": friend.pk, "department": executive_office.pk, "role": "member"},
        format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403
    assert not Membership.objects.filter(user=friend).exists()
    admin = UserFactory(is_superuser=True, is_staff=True)
    membership_create(user=friend, department=executive_office, role=Role.EXECUTIVE,
                      actor=admin)
    assert permissions.is_executive(friend)


def test_a_key_needs_org_admin_to_make_a_head(api_client):
    sales = DepartmentFactory(kind=DepartmentKind.SALES)
    rep = member(department=sales)
    membership = rep.memberships.get()
    _key, write = api_key_create(name="HR sync", scopes=["org:write"])
    response = api_client.patch(f"/api/v1/memberships/{membership.pk}/", {"role": "head"},
                                format="json", HTTP_AUTHORIZATION=f"Api-Key {write}")
    assert response.status_code == 403
    _key, admin = api_key_create(name="HR admin", scopes=["org:write", "org:admin"])
    response = api_client.patch(f"/api/v1/memberships/{membership.pk}/", {"role": "head"},
                                format="json", HTTP_AUTHORIZATION=f"Api-Key {admin}")
    assert response.status_code == 200, response.json()
    membership.refresh_from_db()
    assert membership.role == Role.HEAD


def test_the_executive_role_exists_only_in_the_executive_office():
    admin = UserFactory(is_superuser=True, is_staff=True)
    sales = DepartmentFactory(kind=DepartmentKind.SALES)
    with pytest.raises(ApplicationError, match="executive office") as error:
        membership_create(user=UserFactory(), department=sales, role=Role.EXECUTIVE,
                          actor=admin)
    assert error.value.field == "role"
    # A stored executive role outside the office (from before the rule) opens nothing.
    stray = UserFactory()
    Membership.objects.create(user=stray, department=sales, role=Role.EXECUTIVE)
    assert not permissions.is_executive(stray)


def test_every_change_of_role_is_audited():
    admin = UserFactory(is_superuser=True, is_staff=True)
    rep = member(DepartmentKind.SALES)
    membership = rep.memberships.get()
    membership_update(membership=membership, actor=admin, role=Role.HEAD)
    event = AuditEvent.objects.get(verb="membership.role_changed")
    assert event.before["role"] == Role.MEMBER
    assert event.after["role"] == Role.HEAD
    assert event.actor_id == admin.pk


def test_the_admin_refuses_a_staff_head_promoting_a_member(client):
    head = member(DepartmentKind.SALES, Role.HEAD)
    head.is_staff = True
    head.save()
    from django.contrib.auth.models import Permission

    head.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_membership", "view_membership", "change_user", "view_user"]))
    rep = member(department=head.memberships.get().department)
    membership = rep.memberships.get()
    client.force_login(head)
    response = client.post(f"/admin/coordination/membership/{membership.pk}/change/", {
        "user": rep.pk, "department": membership.department_id, "role": "head"})
    assert response.status_code == 200
    assert "Only an administrator" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    # Nor can the head tick themselves into a superuser on their own account.
    response = client.post(f"/admin/coordination/user/{head.pk}/change/", {
        "username": head.username, "full_name": "x", "email": "", "phone": "",
        "preferred_language": "zh-hans", "is_superuser": "on", "is_staff": "on",
        "is_active": "on", "last_login_0": "", "last_login_1": "",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    head.refresh_from_db()
    assert not head.is_superuser


def test_a_head_cannot_add_an_executive_or_another_head_to_their_department(
        executive_office):
    head = member(DepartmentKind.SALES, Role.HEAD)
    sales = head.memberships.get().department
    boss = member(department=executive_office, role=Role.EXECUTIVE)
    other_head = member(DepartmentKind.DELIVERY, Role.HEAD)
    for person in (boss, other_head):
        with pytest.raises(PermissionDenied, match="only an administrator"):
            membership_create(user=person, department=sales, actor=head)
    assert not permissions.manages_user(head, boss)


def test_a_staff_head_cannot_change_what_their_department_is(client):
    from django.contrib.auth.models import Permission

    head = member(DepartmentKind.SALES, Role.HEAD)
    head.is_staff = True
    head.save()
    head.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_department", "view_department"]))
    sales = head.memberships.get().department
    client.force_login(head)
    response = client.post(f"/admin/coordination/department/{sales.pk}/change/", {
        "name": "销售一部", "kind": "executive", "is_active": "on",
        "teams-TOTAL_FORMS": "0", "teams-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.kind == DepartmentKind.SALES
    permissions.forget_memberships(head)
    assert not permissions.is_executive(head)


def test_a_staff_member_saves_their_own_page_without_touching_their_membership(client):
    from django.contrib.auth.models import Permission

    head = member(DepartmentKind.SALES, Role.HEAD)
    head.is_staff = True
    head.save()
    head.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_user", "view_user", "view_membership", "change_membership"]))
    membership = head.memberships.get()
    client.force_login(head)
    response = client.post(f"/admin/coordination/user/{head.pk}/change/", {
        "username": head.username, "full_name": "新名字", "email": "", "phone": "",
        "preferred_language": "zh-hans", "last_login_0": "", "last_login_1": "",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": membership.pk, "memberships-0-user": head.pk,
        "memberships-0-department": membership.department_id, "memberships-0-role": "head",
        "absences-TOTAL_FORMS": "0", "absences-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    head.refresh_from_db()
    assert head.full_name == "新名字"
