"""The webhooks API: managers only, 422s that name the field, the delivery log, test events, redelivery."""

import pytest

from heartdesk.accounts.choices import Role
from heartdesk.webhooks import signing
from heartdesk.webhooks.dispatch import emit
from heartdesk.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from heartdesk.webhooks.tests.conftest import make_webhook

GOOD = {"name": "CRM sync", "url": "https://crm.example/heartdesk", "events": ["ticket.created", "ticket.updated"]}


def snapshot():
    return (Webhook.objects.count(), WebhookDelivery.objects.count(), WebhookAttempt.objects.count())


def test_a_manager_creates_reads_changes_and_removes_a_webhook(api, manager):
    client = api[Role.SUPPORT_MANAGER]
    created = client.post("webhooks", GOOD)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["events"] == ["ticket.created", "ticket.updated"] and body["active"] is True
    assert body["secret"].startswith("whsec_") and len(body["secret"]) >= 6 + 43  # 32 random bytes, base64
    assert body["created_by"] == manager.display_name
    assert client.get(f"webhooks/{body['id']}").json()["secret"] == body["secret"]
    assert [w["name"] for w in client.get("webhooks").json()] == ["CRM sync"]

    patched = client.patch(f"webhooks/{body['id']}", {"events": ["*", "ticket.created"], "active": False})
    assert patched.status_code == 200, patched.content
    assert patched.json()["events"] == ["*"] and patched.json()["active"] is False
    assert patched.json()["url"] == GOOD["url"]  # untouched fields stay

    rotated = client.post(f"webhooks/{body['id']}/rotate-secret").json()
    assert rotated["secret"] != body["secret"] and rotated["secret"].startswith("whsec_")

    assert client.delete(f"webhooks/{body['id']}").status_code == 204
    assert client.get(f"webhooks/{body['id']}").status_code == 404
    assert Webhook.objects.count() == 0


def test_the_event_types_are_listed_for_clients(api):
    types = [t["type"] for t in api[Role.ADMIN].get("webhooks/event-types").json()]
    assert types[0] == "*" and "ticket.sla_breached" in types and "survey.response" in types


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "url": "ftp://crm.example/x"}, "url"),
        ({**GOOD, "url": "javascript:alert(1)"}, "url"),
        ({**GOOD, "url": "not a url"}, "url"),
        ({**GOOD, "url": ""}, "url"),
        ({**GOOD, "events": ["ticket.created", "ticket.deleted"]}, "events"),
        ({**GOOD, "events": []}, "events"),
        ({**GOOD, "events": "ticket.created"}, "events"),
        ({**GOOD, "name": "   "}, "name"),
        ({**GOOD, "name": "x" * 101}, "name"),
        ({**GOOD, "active": "maybe"}, "active"),
        ({"name": "CRM", "url": GOOD["url"]}, "events"),
    ],
)
def test_bad_webhook_input_is_a_422_problem_naming_the_field_and_writes_nothing(api, payload, field):
    before = snapshot()
    response = api[Role.SUPPORT_MANAGER].post("webhooks", payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["detail"]
    assert field in [e["field"] for e in problem["errors"]]
    assert snapshot() == before


def test_every_fault_in_one_request_is_reported_together(api):
    response = api[Role.SUPPORT_MANAGER].post("webhooks", {"name": "", "url": "ftp://x", "events": ["nope"]})
    assert sorted(e["field"] for e in response.json()["errors"]) == ["events", "name", "url"]


def test_a_bad_change_leaves_the_webhook_as_it_was(api, manager):
    webhook = make_webhook(manager, url="https://crm.example/a", events=["ticket.created"])
    response = api[Role.ADMIN].patch(f"webhooks/{webhook.pk}", {"url": "gopher://x", "name": "Renamed"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "url"
    nulled = api[Role.ADMIN].patch(f"webhooks/{webhook.pk}", {"active": None, "events": None})
    assert nulled.status_code == 422 and {e["field"] for e in nulled.json()["errors"]} == {"active", "events"}
    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.active) == ("CRM", "https://crm.example/a", True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "webhooks"),
        ("post", "webhooks"),
        ("get", "webhooks/event-types"),
        ("get", "webhooks/{w}"),
        ("patch", "webhooks/{w}"),
        ("delete", "webhooks/{w}"),
        ("post", "webhooks/{w}/rotate-secret"),
        ("post", "webhooks/{w}/test"),
        ("get", "webhooks/{w}/deliveries"),
        ("get", "webhooks/{w}/deliveries/{d}"),
        ("post", "webhooks/{w}/deliveries/{d}/redeliver"),
    ],
)
def test_only_support_managers_and_admins_may_use_the_webhooks_api(
    api, manager, method, path, django_capture_on_commit_callbacks
):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"ticket": {"id": 1}})
    url = path.format(w=webhook.pk, d=WebhookDelivery.objects.get().pk)
    data = GOOD if method in ("post", "patch") else None
    for role in Role:
        if role in (Role.SUPPORT_MANAGER, Role.ADMIN):
            continue
        before = snapshot()
        response = getattr(api[role], method)(url, data)
        assert response.status_code == 403, (role, response.content)
        assert response.json()["status"] == 403
        assert snapshot() == before
    assert Webhook.objects.get().secret == webhook.secret


def test_the_delivery_log_pages_newest_first_with_cursors(api, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        for n in range(5):
            emit("ticket.created", {"n": n}, ref=f"HD-{n}")
    client = api[Role.SUPPORT_MANAGER]
    refs, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"webhooks/{webhook.pk}/deliveries", params).json()
        refs += [d["ref"] for d in page["results"]]
        pages += 1
        cursor = page["next"]
        if not cursor:
            break
    assert refs == ["HD-4", "HD-3", "HD-2", "HD-1", "HD-0"] and pages == 3
    back = client.get(f"webhooks/{webhook.pk}/deliveries", {"page_size": 2, "cursor": page["previous"]}).json()
    assert [d["ref"] for d in back["results"]] == ["HD-2", "HD-1"]
    assert client.get(f"webhooks/{webhook.pk}/deliveries", {"cursor": "zzz"}).status_code == 422
    failed = client.get(f"webhooks/{webhook.pk}/deliveries", {"state": "failed"}).json()
    assert failed["results"] == []
    assert client.get(f"webhooks/{webhook.pk}/deliveries", {"state": "lost"}).status_code == 422


def test_a_test_event_reaches_the_receiver_signed(api, manager, receiver, run_jobs, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager, url=receiver.url, events=["survey.response"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api[Role.SUPPORT_MANAGER].post(f"webhooks/{webhook.pk}/test")
    assert response.status_code == 202, response.content
    assert response.json()["event_type"] == "webhook.test" and response.json()["state"] == "pending"
    run_jobs()
    detail = api[Role.SUPPORT_MANAGER].get(f"webhooks/{webhook.pk}/deliveries/{response.json()['id']}").json()
    assert detail["state"] == "delivered" and detail["last_status_code"] == 200
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [(1, 200)]
    assert detail["payload"]["webhook"] == {"id": webhook.pk, "name": "CRM"}
    request = receiver.requests[0]
    assert request.headers["heartdesk-event"] == "webhook.test"
    assert signing.verify(webhook.secret, request.headers["heartdesk-signature"], request.body)


def test_a_turned_off_webhook_refuses_test_events(api, manager):
    webhook = make_webhook(manager, active=False)
    response = api[Role.SUPPORT_MANAGER].post(f"webhooks/{webhook.pk}/test")
    assert response.status_code == 409 and WebhookDelivery.objects.count() == 0


def test_only_a_failed_delivery_can_be_redelivered(api, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"ticket": {"id": 1}})
    delivery = WebhookDelivery.objects.get()
    response = api[Role.SUPPORT_MANAGER].post(f"webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 409 and "pending" in response.json()["detail"]
    other = make_webhook(manager, name="Other")
    assert api[Role.ADMIN].post(f"webhooks/{other.pk}/deliveries/{delivery.pk}/redeliver").status_code == 404
