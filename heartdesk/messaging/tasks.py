"""Background jobs for outgoing mail and notification email: thin, ids in, claim, send (all idempotent)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from heartdesk.core.jobs import retry_later
from heartdesk.messaging import notify, outbox
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import Notification, OutboundEmail

STUCK_AFTER = timedelta(minutes=2)


@task()
def send_outbound_email(email_id: int, attempt: int = 1) -> str:
    result = outbox.send(email_id)
    if result == "retry":
        retry_later(send_outbound_email, email_id, attempt=attempt)
    return result


@task()
def send_due_notifications() -> int:
    """Email the notifications whose time has come (business hours held the rest back); each one once."""
    now = timezone.now()
    sent = 0
    due = Notification.objects.filter(emailed_at__isnull=True, email_after__lte=now).values_list("id", flat=True)
    for pk in due[:500]:
        with transaction.atomic():
            if not Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=now):
                continue
            notification = Notification.objects.select_related("user", "about_type").get(pk=pk)
            outbox.queue_email(
                key=f"notification:{notification.pk}",
                about=notification.about,
                to=[notification.user.email],
                what="note",
                **notify.mail_fields(notification),
            )
            sent += 1
    return sent


@task()
def requeue_stuck_mail() -> dict:
    """A send job lost with a crashed worker or a flushed queue: pick its mail up again (sending is idempotent)."""
    before = timezone.now() - STUCK_AFTER
    ids = list(
        OutboundEmail.objects.filter(
            state=OutboundState.QUEUED, created_at__lt=before, attempts__lt=outbox.MAX_ATTEMPTS
        ).values_list("id", flat=True)[:500]
    )
    for pk in ids:
        send_outbound_email.enqueue(pk)
    return {"outbound": len(ids)}
