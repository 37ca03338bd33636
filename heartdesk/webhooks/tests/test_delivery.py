"""Delivering for real: an HTTP receiver in a thread, the job queue, retries with back-off, the sweep."""

import json
import socket

from django.conf import settings
from django_tasks_db.models import DBTaskResult

from heartdesk.accounts.choices import Role
from heartdesk.core.jobs import backoff_seconds
from heartdesk.webhooks import services, signing
from heartdesk.webhooks.dispatch import emit
from heartdesk.webhooks.models import WebhookDelivery
from heartdesk.webhooks.tasks import SWEEP_GRACE, deliver_due, deliver_webhook
from heartdesk.webhooks.tests.conftest import make_webhook, time_passes

GRACE = SWEEP_GRACE.total_seconds()


def emit_committed(capture, event_type="ticket.created", payload=None, ref="HD-7"):
    with capture(execute=True):
        emit(event_type, payload or {"ticket": {"id": 7, "subject": "Printer on fire"}}, ref=ref)
    return WebhookDelivery.objects.latest("id")


def test_a_failing_receiver_gets_retries_with_back_off_until_it_answers(
    manager, receiver, web, run_jobs, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 500, 200]
    webhook = make_webhook(manager, url=receiver.url, events=["ticket.created"])
    delivery = emit_committed(django_capture_on_commit_callbacks)

    run_jobs()
    delivery.refresh_from_db()
    first = delivery.attempt_log.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "The receiver answered HTTP 500."
    assert delivery.last_response_body == "receiver is down for maintenance"
    wait = (delivery.next_attempt_at - first.started_at).total_seconds()
    assert backoff_seconds(1) <= wait < backoff_seconds(1) + 2
    if not settings.REDIS_URL:  # the database queue's own row; RQ keeps its deferred job in Redis
        retry = DBTaskResult.objects.filter(status="READY").get()
        assert retry.args_kwargs["kwargs"] == {"attempt": 2}
        assert abs((retry.run_after - delivery.next_attempt_at).total_seconds()) < 1  # the queue waits as the row says

    run_jobs()  # the retry is not due yet: nothing is sent
    assert len(receiver.requests) == 1

    time_passes(backoff_seconds(1) + GRACE)  # as if the retry job had been lost meanwhile: the sweep finds it
    assert deliver_due() == 1
    run_jobs()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 2)
    assert backoff_seconds(2) <= (delivery.next_attempt_at - delivery.attempt_log.last().started_at).total_seconds()

    time_passes(backoff_seconds(2) + GRACE)
    assert deliver_due() == 1
    run_jobs()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert delivery.delivered_at is not None and delivery.last_error == "" and delivery.duration_ms is not None
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(1, 500), (2, 500), (3, 200)]

    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert signing.verify(webhook.secret, request.headers["heartdesk-signature"], request.body)
        assert request.headers["heartdesk-delivery"] == str(delivery.event_id)
        assert request.headers["heartdesk-event"] == "ticket.created"
        assert request.headers["content-type"] == "application/json"
    body = json.loads(receiver.requests[0].body)
    assert body["id"] == str(delivery.event_id) and body["type"] == "ticket.created"
    assert body["data"] == {"ticket": {"id": 7, "subject": "Printer on fire"}} and body["created_at"]
    assert len({r.body for r in receiver.requests}) == 1  # every retry carries the same event

    page = web[Role.SUPPORT_MANAGER].get(f"/webhooks/{webhook.pk}/").content.decode()
    assert page.count("HTTP 500") == 2 and "HTTP 200" in page and "Delivered" in page and "HD-7" in page


def test_running_the_delivery_job_twice_sends_once(manager, receiver, run_jobs, django_capture_on_commit_callbacks):
    make_webhook(manager, url=receiver.url)
    delivery = emit_committed(django_capture_on_commit_callbacks)
    assert deliver_webhook.call(delivery.pk) == "delivered"
    assert deliver_webhook.call(delivery.pk).startswith("skipped")
    run_jobs()  # the job queued on commit finds it delivered and does nothing
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_two_workers_cannot_claim_one_delivery(manager, django_capture_on_commit_callbacks):
    make_webhook(manager)
    delivery = emit_committed(django_capture_on_commit_callbacks)
    assert services.delivery_claim(delivery.pk) is not None
    assert services.delivery_claim(delivery.pk) is None


def test_a_delivery_fails_for_good_after_eight_attempts_and_can_be_sent_again(
    manager, receiver, api, run_jobs, django_capture_on_commit_callbacks
):
    receiver.answers = [503]
    webhook = make_webhook(manager, url=receiver.url)
    delivery = emit_committed(django_capture_on_commit_callbacks)
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        assert deliver_webhook.call(delivery.pk) == ("failed" if attempt == services.MAX_ATTEMPTS else "pending")
        time_passes(backoff_seconds(attempt))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 8, 503)
    assert delivery.attempt_log.count() == 8 and len(receiver.requests) == 8
    assert deliver_due() == 0  # failed is final: the sweep leaves it alone

    receiver.answers = [200]
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api[Role.SUPPORT_MANAGER].post(f"webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "pending" and response.json()["attempts"] == 0
    run_jobs()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["heartdesk-delivery"] == str(delivery.event_id)  # the same event again


def test_an_unreachable_receiver_is_recorded_and_retried(manager, run_jobs, django_capture_on_commit_callbacks):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    make_webhook(manager, url=f"http://127.0.0.1:{port}/hook")
    delivery = emit_committed(django_capture_on_commit_callbacks)
    run_jobs()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "ConnectError" in delivery.last_error


def test_a_webhook_turned_off_before_sending_receives_nothing(
    manager, receiver, run_jobs, django_capture_on_commit_callbacks
):
    webhook = make_webhook(manager, url=receiver.url)
    delivery = emit_committed(django_capture_on_commit_callbacks)
    services.webhook_update(webhook=webhook, actor=manager, active=False)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == "failed" and "turned off" in delivery.last_error
    assert receiver.requests == []


def test_the_sweep_enqueues_a_delivery_whose_job_was_lost(
    manager, receiver, run_jobs, django_capture_on_commit_callbacks
):
    make_webhook(manager, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=False):  # the commit happened, the enqueue did not
        emit("ticket.created", {"ticket": {"id": 1}})
    assert deliver_due() == 0  # just due: its job may still be on its way
    time_passes(GRACE + 1)
    assert deliver_due() == 1
    run_jobs()
    assert WebhookDelivery.objects.get().state == "delivered" and len(receiver.requests) == 1


def test_the_sweep_takes_back_a_delivery_whose_worker_died(
    manager, receiver, run_jobs, django_capture_on_commit_callbacks
):
    make_webhook(manager, url=receiver.url)
    delivery = emit_committed(django_capture_on_commit_callbacks)
    services.delivery_claim(delivery.pk)  # a worker claims it, then vanishes before recording anything
    assert deliver_due() == 0  # its lease is still running
    time_passes(services.LEASE.total_seconds())
    assert deliver_due() == 1
    run_jobs()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2) and len(receiver.requests) == 1
