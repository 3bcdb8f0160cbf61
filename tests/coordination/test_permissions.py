"""The permission module: department and role decide, for views, API and admin alike."""

import pytest

from coordination.core.apikeys.principal import ApiKeyPrincipal
from coordination.core.apikeys.services import api_key_create
from coordination.core.org import permissions
from coordination.core.org.models import Absence, DepartmentKind, Role
from tests.factories import (
    AbsenceFactory,
    DepartmentFactory,
    QuotaFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales():
    return DepartmentFactory(kind=DepartmentKind.SALES)


def test_roles_are_read_from_memberships(sales):
    head = member(department=sales, role=Role.HEAD)
    rep = member(department=sales)
    assert permissions.is_head_of(head, sales)
    assert not permissions.is_head_of(rep, sales)
    assert permissions.role_in(rep, sales) == Role.MEMBER
    assert permissions.role_in(UserFactory(), sales) is None


def test_executive_by_role_or_department():
    boss = member(DepartmentKind.EXECUTIVE)
    assert permissions.is_executive(boss)
    assert not permissions.is_executive(member(DepartmentKind.SALES))


def test_adjudicator_only_in_quality_and_not_when_also_partisan():
    judge = member(DepartmentKind.QUALITY, is_adjudicator=True)
    assert permissions.is_adjudicator(judge)
    # Rows written around the service (for example by a raw import) still do not make a
    # salesman a judge: the permission check repeats the rule.
    member(DepartmentKind.SALES, user=judge)
    del judge._tandem_memberships
    assert not permissions.is_adjudicator(judge)
    assert not permissions.is_adjudicator(member(DepartmentKind.LEGAL, is_adjudicator=True))


def test_absence_visible_to_self_head_and_executive_not_to_peers(sales):
    rep = member(department=sales)
    peer = member(department=sales)
    head = member(department=sales, role=Role.HEAD)
    boss = member(DepartmentKind.EXECUTIVE)
    outsider_head = member(DepartmentKind.MARKETING, Role.HEAD)
    absence = AbsenceFactory(user=rep)
    assert permissions.can_view(rep, absence)
    assert permissions.can_view(head, absence)
    assert permissions.can_view(boss, absence)
    assert not permissions.can_view(peer, absence)
    assert not permissions.can_view(outsider_head, absence)
    assert permissions.can_act(head, absence, "change")
    assert not permissions.can_act(peer, absence, "change")


def test_team_lead_sees_team_quota_and_members_quota_but_not_other_teams(sales):
    team, other_team = TeamFactory(department=sales), TeamFactory(department=sales)
    lead = member(department=sales, role=Role.LEAD, team=team)
    rep = member(department=sales, team=team)
    stranger = member(department=sales, team=other_team)
    reps_quota, strangers_quota = QuotaFactory(user=rep), QuotaFactory(user=stranger)
    assert permissions.can_view(lead, reps_quota)
    assert not permissions.can_view(lead, strangers_quota)
    assert permissions.can_view(rep, reps_quota)
    assert not permissions.can_view(rep, strangers_quota)


def test_only_heads_and_admins_manage_a_departments_memberships(sales):
    head = member(department=sales, role=Role.HEAD)
    rep = member(department=sales)
    other_head = member(DepartmentKind.DELIVERY, Role.HEAD)
    membership = rep.memberships.get()
    assert permissions.can_act(head, membership, "change")
    assert not permissions.can_act(rep, membership, "change")
    assert not permissions.can_act(other_head, membership, "change")
    assert permissions.can_act(UserFactory(is_superuser=True), membership, "change")


def test_unknown_objects_are_closed_by_default():
    from coordination.core.notifications.services import notify

    notification = notify(recipient=UserFactory(), title="x", email=False)
    assert not permissions.can_view(UserFactory(), notification)


def test_integrations_hold_no_department_rights(sales):
    api_key, _raw = api_key_create(name="CRM", scopes=["org:read"])
    principal = ApiKeyPrincipal(api_key)
    assert permissions.is_integration(principal)
    assert not permissions.is_executive(principal)
    assert not permissions.can_view(principal, AbsenceFactory())
    assert not permissions.is_head_of(principal, sales)


def test_inactive_users_may_do_nothing(sales):
    head = member(department=sales, role=Role.HEAD)
    head.is_active = False
    assert not permissions.can_view(head, sales)
    assert not permissions.can_view(head, Absence(user=head))


def test_admin_hides_an_absence_from_a_staff_member_who_may_not_see_it(client, sales):
    from django.contrib.auth.models import Permission

    rep = member(department=sales)
    staff_peer = member(department=sales)
    staff_peer.is_staff = True
    staff_peer.save()
    staff_peer.user_permissions.add(Permission.objects.get(codename="view_absence"))
    absence = AbsenceFactory(user=rep)
    client.force_login(staff_peer)
    response = client.get(f"/admin/coordination/absence/{absence.pk}/change/")
    assert response.status_code in (302, 403, 404)
    own = AbsenceFactory(user=staff_peer)
    assert client.get(f"/admin/coordination/absence/{own.pk}/change/").status_code == 200
