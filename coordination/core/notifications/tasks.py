import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.core.notifications.models import Notification

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
             retry_backoff=True, retry_backoff_max=600, max_retries=6)
def notification_email_task(self, notification_id: int) -> None:
    """E-mail one notification. Safe to run twice or on two workers: the first claims it."""
    # Claim the notification; a second run or a second worker finds nothing to claim.
    claimed = Notification.objects.filter(
        pk=notification_id, email_wanted=True, emailed_at=None
    ).update(emailed_at=timezone.now())
    if not claimed:
        return
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{_('Open in Tandem')}: {notification.url}".strip()
        subject = f"[Tandem] {notification.title}"
    try:
        send_mail(subject, body, None, [recipient.email], fail_silently=False)
    except Exception:
        # Release the claim so the retry can send it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning("E-mail for notification %s failed; will retry", notification_id)
        raise
