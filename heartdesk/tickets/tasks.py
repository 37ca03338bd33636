"""Background jobs of the help desk: thin wrappers; ids in, claim, call the service (all idempotent)."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from heartdesk.tickets.choices import InboundState
from heartdesk.tickets.models import InboundMail
from heartdesk.tickets.sla import sweep

STUCK_AFTER = timedelta(minutes=2)


@task()
def process_inbound_mail(mail_id: int) -> str:
    from heartdesk.tickets.mail import inbound  # the MIME stack loads only in workers that handle mail

    return inbound.process(mail_id)


@task()
def sla_sweep() -> dict:
    return sweep.run()


@task()
def requeue_stuck_inbound_mail() -> dict:
    """A processing job lost with a crashed worker or a flushed queue: pick its mail up again (it is idempotent)."""
    before = timezone.now() - STUCK_AFTER
    ids = list(
        InboundMail.objects.filter(state=InboundState.RECEIVED, received_at__lt=before, attempts__lt=5).values_list(
            "id", flat=True
        )[:500]
    )
    for pk in ids:
        process_inbound_mail.enqueue(pk)
    return {"inbound": len(ids)}
