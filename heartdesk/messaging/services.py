"""Writes on one's notifications and on the outbox: keyword-only, `actor` checked through the policy."""

from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.core import jobs
from heartdesk.core.errors import Conflict, NotFound
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import Notification, OutboundEmail
from heartdesk.messaging.outbox import SEND_TASK


def notification_mark_read(*, actor, notification_id: int | None = None, now=None) -> int:
    """Mark one of `actor`'s notifications read, or all of them when no id is given; returns how many changed.

    A conditional UPDATE: marking twice changes nothing the second time."""
    policy.require(actor, policy.NOTIFICATIONS_VIEW)
    rows = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=now or timezone.now())


@transaction.atomic
def outbound_email_retry(*, email_id: int, actor) -> OutboundEmail:
    """Send a failed email again (a fixed mail server, a corrected address): back to the queue with fresh attempts.

    Only failed mail: a queued or sending one is on its way, and a sent one would reach the customer twice."""
    policy.require(actor, policy.MAIL_LOG_VIEW)
    email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None:
        raise NotFound(f"No outgoing email {email_id}.", field="email")
    if email.state != OutboundState.FAILED:
        raise Conflict(f"Only a failed email can be sent again; this one is {email.get_state_display().lower()}.")
    OutboundEmail.objects.filter(pk=email.pk).update(state=OutboundState.QUEUED, attempts=0)
    jobs.enqueue_on_commit(SEND_TASK, email.pk)
    email.refresh_from_db()
    return email
