import pytest
from django.core.cache import cache
from django.test import Client

from heartdesk.customers.models import Contact
from heartdesk.tickets.models import Ticket


@pytest.fixture
def browser(db, settings):
    settings.WEB_FORM_PER_HOUR = 5
    cache.clear()
    return Client(enforce_csrf_checks=True)


def _post(client, ip="203.0.113.7", **extra):
    client.get("/support/new")
    data = {
        "name": "Ann Example",
        "email": "ann@customer.example",
        "subject": "Cannot log in",
        "description": "The page says no.",
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        **extra,
    }
    return client.post("/support/new", data, REMOTE_ADDR=ip)


def test_the_form_creates_a_ticket_and_shows_its_reference(browser):
    response = _post(browser)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.requester.email == "ann@customer.example"
    assert ticket.reference in browser.get("/support/thanks").content.decode()


def test_it_reuses_the_contact_with_that_email(browser):
    _post(browser)
    _post(browser, subject="Again")
    assert Contact.objects.count() == 1 and Ticket.objects.count() == 2


def test_bad_input_shows_errors_and_writes_nothing(browser):
    response = _post(browser, email="not-an-email", subject="")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "subject"}
    assert not Ticket.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(browser):
    response = browser.post("/support/new", {"name": "A", "email": "a@b.example"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403


def test_the_sixth_post_from_one_ip_within_an_hour_gets_429(browser):
    for n in range(5):
        assert _post(browser, email=f"user{n}@customer.example").status_code == 302
    response = _post(browser, email="user9@customer.example")
    assert response.status_code == 429
    assert "at most 5 requests an hour" in response.content.decode()
    assert Ticket.objects.count() == 5


def test_the_sixth_post_for_one_email_from_many_ips_gets_429(browser):
    for n in range(5):
        assert _post(browser, ip=f"198.51.100.{n}").status_code == 302
    assert _post(browser, ip="198.51.100.99").status_code == 429


def test_the_honeypot_silently_drops_the_post(browser):
    response = _post(browser, website="http://spam.example")
    assert response.status_code == 302
    assert not Ticket.objects.exists() and not Contact.objects.exists()
    assert "Thank you" in browser.get("/support/thanks").content.decode()


def test_an_oversized_attachment_is_refused_beside_its_field(browser, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_BYTES = 10
    response = _post(browser, attachments=SimpleUploadedFile("big.txt", b"x" * 50))
    assert response.status_code == 400 and "attachments" in response.context["form"].errors
    assert not Ticket.objects.exists()
