"""Workers at once, on PostgreSQL: real threads, each with its own connection."""

from collections import Counter

from django.core import mail

from coordination.core.notifications.models import Notification
from coordination.core.notifications.services import notify
from coordination.core.notifications.tasks import notification_email_task
from tests.factories import UserFactory
from tests.threads import POSTGRESQL_ONLY, run_together

pytestmark = POSTGRESQL_ONLY


def test_a_notification_workers_send_at_once_is_e_mailed_once():
    recipients = [UserFactory(email=f"rep{n}@example.com") for n in range(20)]
    # Notifications that want an e-mail not yet sent: made without the eager task that
    # notify() would run on commit in the tests, which would send them here and now.
    notifications = [notify(recipient=user, title=f"New lead {n}", email=False)
                     for n, user in enumerate(recipients)]
    Notification.objects.update(email_wanted=True)

    # Four workers given every task, as a queue may deliver one twice (a retried hand-over, a
    # worker lost mid-task).
    def work(_index):
        for notification in notifications:
            notification_email_task.run(notification.pk)

    results = run_together(work, count=4)

    assert results == [None] * 4
    assert Counter(tuple(message.to) for message in mail.outbox) == Counter(
        {(user.email,): 1 for user in recipients})
    assert not Notification.objects.filter(emailed_at=None).exists()
