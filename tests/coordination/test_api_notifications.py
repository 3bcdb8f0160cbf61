"""GET /api/v1/notifications/: the signed-in person's inbox, newest first, their own only, at a
cost that does not grow with the inbox."""

import pytest

from coordination.core.notifications.services import notify
from coordination.core.org.models import DepartmentKind
from tests.factories import DepartmentFactory, member

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"


def _notify_many(user, count: int, *, target=None) -> None:
    for number in range(count):
        notify(recipient=user, title=f"Notice {number}", body="Details", target=target,
               url=f"/leads/{number}/", email=False)


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_costs_the_same_however_full(client, django_assert_num_queries, count):
    user = member(DepartmentKind.SALES)
    _notify_many(user, count, target=DepartmentFactory())
    _notify_many(member(DepartmentKind.SALES), 2)  # someone else's
    client.force_login(user)

    # The session, the user, the page of notifications (no count: cursor pagination).
    with django_assert_num_queries(3):
        response = client.get(NOTIFICATIONS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == [f"Notice {n}" for n in reversed(range(count))]
    assert {row["is_read"] for row in rows} == {False}
