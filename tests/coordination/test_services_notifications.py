import pytest
from django.core import mail

from coordination.core.errors import ApplicationError
from coordination.core.notifications.models import Notification
from coordination.core.notifications.services import notification_mark_read, notify
from coordination.core.notifications.tasks import notification_email_task
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_puts_it_in_the_inbox_and_counts_as_unread():
    rep = UserFactory()
    department = DepartmentFactory()
    notification = notify(recipient=rep, title="New lead", body="From the fair", target=department,
                          email=False)
    assert notification.recipient == rep
    assert notification.target == department
    assert not notification.is_read
    assert Notification.objects.filter(recipient=rep, read_at=None).count() == 1


def test_email_is_sent_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    rep = UserFactory(email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient=rep, title="New lead", body="Call them today")
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rep@example.com"]
    assert "New lead" in mail.outbox[0].subject
    assert "Call them today" in mail.outbox[0].body


def test_no_email_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    rep = UserFactory(email="rep@example.com")
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipient=rep, title="Never sent")
            raise RuntimeError("the calling service failed")
    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=rep).exists()


def test_email_task_is_idempotent(django_capture_on_commit_callbacks):
    rep = UserFactory(email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=rep, title="Once only")
    notification_email_task(notification.pk)
    notification_email_task(notification.pk)
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_failed_send_releases_the_claim_for_the_retry(monkeypatch,
                                                        django_capture_on_commit_callbacks):
    rep = UserFactory(email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(recipient=rep, title="Retry me")

    def broken_send(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("coordination.core.notifications.tasks.send_mail", broken_send)
    with pytest.raises(ConnectionError):
        notification_email_task.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_user_without_email_gets_only_the_inbox_entry(django_capture_on_commit_callbacks):
    rep = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(recipient=rep, title="Inbox only")
    assert callbacks == []
    assert not notification.email_wanted
    assert mail.outbox == []


def test_notification_is_written_in_the_recipients_language(django_capture_on_commit_callbacks):
    from django.utils.translation import gettext_lazy as _

    rep = UserFactory(preferred_language="zh-hans")
    notification = notify(recipient=rep, title=_("Notifications"), email=False)
    assert notification.title == "通知"


def test_only_the_recipient_marks_it_read():
    rep, other = UserFactory(), UserFactory()
    notification = notify(recipient=rep, title="Mine", email=False)
    with pytest.raises(ApplicationError):
        notification_mark_read(notification=notification, user=other)
    notification_mark_read(notification=notification, user=rep)
    notification.refresh_from_db()
    assert notification.is_read


def test_a_templated_notification_is_rendered_in_the_recipients_language_not_the_actors():
    from django.utils import translation
    from django.utils.translation import gettext_lazy as _

    rep = UserFactory(preferred_language="zh-hans")
    with translation.override("en"):  # the actor works in English
        notification = notify(recipient=rep, title=_("New lead for you: %(lead)s"),
                              params={"lead": "张三"}, email=False)
    assert notification.title == "你有新线索：张三"


def test_plain_text_with_a_percent_sign_is_left_as_written():
    rep = UserFactory()
    notification = notify(recipient=rep, title="折扣 50%", body="降价 20% 可成交",
                          params={"lead": "x"}, email=False)
    assert notification.title == "折扣 50%"
    assert notification.body == "降价 20% 可成交"
