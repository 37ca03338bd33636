"""Background jobs of the help desk: thin wrappers; ids in, claim, call the service (all idempotent)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from heartdesk.core.jobs import retry_later
from heartdesk.tickets import sweep
from heartdesk.tickets.choices import InboundState, OutboundState
from heartdesk.tickets.mail import outbound
from heartdesk.tickets.models import InboundMail, Notification, OutboundEmail


@task()
def process_inbound_mail(mail_id: int) -> str:
    from heartdesk.tickets.mail import inbound  # the MIME stack loads only in workers that handle mail

    return inbound.process(mail_id)


@task()
def send_outbound_email(email_id: int, attempt: int = 1) -> str:
    result = outbound.send(email_id)
    if result == "retry":
        retry_later(send_outbound_email, email_id, attempt=attempt)
    return result


@task()
def send_due_notifications() -> int:
    """Email the notifications whose time has come (business hours held the rest back); each one once."""
    now = timezone.now()
    sent = 0
    for pk in Notification.objects.filter(emailed_at__isnull=True, email_after__lte=now).values_list("id", flat=True)[
        :500
    ]:
        with transaction.atomic():
            if not Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=now):
                continue
            notification = Notification.objects.select_related("user", "ticket").get(pk=pk)
            outbound.queue_notification(notification)
            sent += 1
    return sent


@task()
def sla_sweep() -> dict:
    return sweep.run()


STUCK_AFTER = timedelta(minutes=2)


@task()
def requeue_stuck_mail() -> dict:
    """A job lost with a crashed worker or a flushed queue: pick its mail up again (both jobs are idempotent)."""
    before = timezone.now() - STUCK_AFTER
    inbound_ids = list(
        InboundMail.objects.filter(state=InboundState.RECEIVED, received_at__lt=before, attempts__lt=5).values_list(
            "id", flat=True
        )[:500]
    )
    outbound_ids = list(
        OutboundEmail.objects.filter(
            state=OutboundState.QUEUED, created_at__lt=before, attempts__lt=outbound.MAX_ATTEMPTS
        ).values_list("id", flat=True)[:500]
    )
    for pk in inbound_ids:
        process_inbound_mail.enqueue(pk)
    for pk in outbound_ids:
        send_outbound_email.enqueue(pk)
    return {"inbound": len(inbound_ids), "outbound": len(outbound_ids)}
