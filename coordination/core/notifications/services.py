"""Notifying people: an in-app inbox entry, and an e-mail sent after the transaction commits."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from coordination.core.errors import ApplicationError
from coordination.core.notifications.models import Notification


def _render(text, values: dict) -> str:
    """A lazy translation is a template and gets the params; plain text (a note a person
    wrote) is shown as it is, even if it contains a % sign."""
    if isinstance(text, Promise) and values:
        return str(text) % values
    return str(text)


@transaction.atomic
def notify(*, recipient, title, body="", params: dict | None = None,
           target: models.Model | None = None, url: str = "", kind: str = "",
           email: bool = True) -> Notification:
    """Put a notification in `recipient`'s inbox and, if wanted, e-mail it.

    `title` and `body` may be lazy translations with %(name)s placeholders filled from
    `params`: both are rendered in the recipient's language, not the actor's (so pass the lazy
    template and its params, not an already formatted string). Params may be lazy too.
    The e-mail is sent by a Celery task once the calling transaction commits, so that a rolled
    back change notifies nobody.
    """
    if recipient is None or not getattr(recipient, "pk", None):
        raise ApplicationError("A notification needs a recipient.", code="no_recipient",
                               field="recipient")
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = {key: str(value) for key, value in (params or {}).items()}
        title_text = _render(title, values)[:200]
        body_text = _render(body, values)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title_text,
        body=body_text,
        url=url or (target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        email_wanted=bool(email and recipient.email and recipient.is_active),
    )
    if notification.email_wanted:
        from coordination.core.notifications.tasks import notification_email_task

        notification_email_task.delay_on_commit(notification.pk)
    return notification


def notification_mark_read(*, notification: Notification, user) -> None:
    if notification.recipient_id != user.pk:
        raise ApplicationError("Not your notification.", code="not_found")
    Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())
