"""The Webhooks pages: list and create with inline errors, the secret, the delivery log and its buttons."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from heartdesk.accounts.choices import Role
from heartdesk.webhooks import services
from heartdesk.webhooks.dispatch import emit
from heartdesk.webhooks.models import Webhook, WebhookDelivery
from heartdesk.webhooks.tests.conftest import make_webhook


def test_a_manager_adds_a_webhook_and_sees_its_secret(web):
    page = web[Role.SUPPORT_MANAGER].get("/webhooks/")
    assert page.status_code == 200 and b"No webhooks yet." in page.content
    response = web[Role.SUPPORT_MANAGER].post(
        "/webhooks/",
        {
            "name": "CRM",
            "url": "https://crm.example/hook",
            "events": ["ticket.created", "ticket.message"],
            "active": "on",
        },
        follow=True,
    )
    webhook = Webhook.objects.get()
    assert response.redirect_chain[-1][0] == f"/webhooks/{webhook.pk}/"
    assert webhook.events == ["ticket.created", "ticket.message"] and webhook.active
    assert webhook.secret.encode() in response.content and b"Webhook added." in response.content


def test_bad_input_shows_errors_beside_the_fields_and_writes_nothing(web):
    response = web[Role.ADMIN].post("/webhooks/", {"name": "CRM", "url": "ftp://crm.example/hook", "events": []})
    assert response.status_code == 200 and Webhook.objects.count() == 0
    html = response.content.decode()
    assert "is not an http:// or https:// URL" in html and "Choose at least one event type." in html
    assert re.search(r'<details class="card" open>', html)  # the form stays open with what was typed
    assert 'value="ftp://crm.example/hook"' in html


def test_agents_get_403_on_the_pages_and_the_buttons_and_see_no_menu_entry(web, cast):
    webhook = make_webhook(cast[Role.ADMIN])
    for path in ("/webhooks/", f"/webhooks/{webhook.pk}/"):
        assert web[Role.AGENT].get(path).status_code == 403
    for action in ("test", "rotate-secret", "delete"):
        assert web[Role.AGENT].post(f"/webhooks/{webhook.pk}/{action}/").status_code == 403
    assert (
        web[Role.AGENT].post("/webhooks/", {"name": "x", "url": "https://x.example", "events": ["*"]}).status_code
        == 403
    )
    assert Webhook.objects.get().secret == webhook.secret and WebhookDelivery.objects.count() == 0
    assert b'href="/webhooks/"' not in web[Role.AGENT].get("/accounts/tokens/").content
    assert b'href="/webhooks/"' in web[Role.SUPPORT_MANAGER].get("/accounts/tokens/").content


def test_the_webhook_page_edits_and_shows_the_delivery_log(web, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    client = web[Role.SUPPORT_MANAGER]
    response = client.post(f"/webhooks/{webhook.pk}/", {"name": "CRM 2", "url": "http://10.0.0.5/in", "events": ["*"]})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.active) == ("CRM 2", "http://10.0.0.5/in", False)
    bad = client.post(f"/webhooks/{webhook.pk}/", {"name": "CRM 3", "url": "nope", "events": ["*"]})
    assert bad.status_code == 200 and b"is not an http://" in bad.content
    webhook.refresh_from_db()
    assert webhook.name == "CRM 2"


def test_the_log_page_costs_the_same_with_many_deliveries(web, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    client = web[Role.SUPPORT_MANAGER]

    def page_queries(rows: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/webhooks/{webhook.pk}/")
        assert response.status_code == 200 and response.content.count(b"data-delivery=") == rows
        return [q["sql"] for q in queries]

    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"n": 0}, ref="HD-0")
    one = page_queries(1)
    with django_capture_on_commit_callbacks():
        for n in range(1, 30):
            emit("ticket.created", {"n": n}, ref=f"HD-{n}")
    for delivery in WebhookDelivery.objects.all()[:10]:
        services.delivery_claim(delivery.pk)
    many = page_queries(30)
    assert len(many) == len(one), many
    # Ours: the webhook (with its creator), a page of deliveries, their attempts. The rest is session and menu.
    assert len([sql for sql in many if '"webhooks_' in sql]) == 3, many


def test_htmx_paging_renders_only_the_log(web, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"n": 1}, ref="HD-1")
    response = web[Role.SUPPORT_MANAGER].get(
        f"/webhooks/{webhook.pk}/", {"state": "pending"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="deliveries"
    )
    assert b"<html" not in response.content and b"HD-1" in response.content
    bad = web[Role.SUPPORT_MANAGER].get(f"/webhooks/{webhook.pk}/", {"state": "lost", "cursor": "zzz"})
    assert bad.status_code == 200 and b'role="alert"' in bad.content


def test_the_redeliver_and_test_buttons(web, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"ticket": {"id": 1}})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", attempts=8, last_error="HTTP 500")
    client = web[Role.SUPPORT_MANAGER]
    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert f"/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver/" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver/", follow=True)
        assert b"queued to be sent again" in response.content
        again = client.post(f"/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver/", follow=True)
        assert b"Only a failed delivery" in again.content
        client.post(f"/webhooks/{webhook.pk}/test/")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    assert WebhookDelivery.objects.filter(event_type="webhook.test").count() == 1 and len(callbacks) == 2


def test_removing_a_webhook_removes_its_log(web, manager, django_capture_on_commit_callbacks):
    webhook = make_webhook(manager)
    with django_capture_on_commit_callbacks():
        emit("ticket.created", {"ticket": {"id": 1}})
    response = web[Role.ADMIN].post(f"/webhooks/{webhook.pk}/delete/")
    assert response.status_code == 302 and Webhook.objects.count() == 0 and WebhookDelivery.objects.count() == 0
