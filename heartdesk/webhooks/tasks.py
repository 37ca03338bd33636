"""Background work of webhooks: deliver one delivery (thin: claim, send, record, retry), and the sweep."""

import logging
from datetime import timedelta

from django_tasks import task

from heartdesk.core.jobs import retry_later
from heartdesk.webhooks import dispatch, selectors, services
from heartdesk.webhooks.choices import DeliveryState

log = logging.getLogger(__name__)

# A pending delivery this long past due has lost its queued job (the queue was flushed, a worker crashed).
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000


@task()
def deliver_webhook(delivery_id: int, attempt: int = 1) -> str:
    """`attempt` is informational (retry_later passes it); the row's own count decides. Running this twice, or
    before the row is due, sends nothing the second time: the claim fails."""
    delivery = services.delivery_claim(delivery_id)
    if delivery is None:
        return "skipped: not pending, not due, or gone"
    if not delivery.webhook.active:
        services.delivery_give_up(delivery=delivery, reason="The webhook was turned off before this was sent.")
        return str(DeliveryState.FAILED)
    outcome = dispatch.send(delivery)
    delivery = services.delivery_record(delivery=delivery, outcome=outcome)
    if delivery is None:
        return "skipped: deleted while sending"
    if delivery.state == DeliveryState.PENDING:
        # The row's next_attempt_at was set from the same backoff_seconds(attempts) just before, so the job
        # never runs ahead of it; were it to (a backend without run_after), the claim refuses and the sweep
        # picks the delivery up.
        retry_later(deliver_webhook, delivery_id, attempt=delivery.attempts, max_attempts=services.MAX_ATTEMPTS)
    return str(delivery.state)


def deliver_due() -> int:
    """The periodic sweep (core/periodic.py runs it every minute as deliver_due_task): free deliveries whose
    worker died, then enqueue those whose job was lost. Safe beside live workers and itself: a job that finds its
    delivery already claimed does nothing. Returns how many deliveries were enqueued."""
    released = services.deliveries_release_stuck(limit=SWEEP_BATCH)
    if released:
        log.warning("webhooks: took back %s deliveries from workers that stopped mid-send", len(released))
    ids = released + selectors.overdue_delivery_ids(grace=SWEEP_GRACE, limit=SWEEP_BATCH)
    for delivery_id in ids:
        deliver_webhook.enqueue(delivery_id)
    if ids:
        log.info("webhooks: enqueued %s deliveries whose jobs were lost", len(ids))
    return len(ids)


@task()
def deliver_due_task() -> int:
    """`deliver_due` as a queued job, for the periodic schedule (core/periodic.py names it)."""
    return deliver_due()
