"""A real Chromium, driven by Playwright, against a live server: an agent answers a new email ticket from the
Unassigned queue with the HEART canned response and sets it Pending."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from heartdesk.accounts.choices import Role
from heartdesk.conftest import PASSWORD
from heartdesk.tickets.choices import Status
from heartdesk.tickets.models import Message, Ticket
from heartdesk.tickets.seed import seed
from heartdesk.tickets.tests.factories import contact, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_answers_a_new_email_ticket_with_the_heart_canned_response(live_server, cast, browser, tmp_path):
    seed(apps)  # a transactional test starts from an emptied database: put back the SLA presets and HEART reply
    arrived = ticket(requester=contact(), subject="Invoice shows the wrong amount", channel="email")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(cast[Role.AGENT].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/tickets/")

    page.get_by_role("link", name="Unassigned").click()
    page.wait_for_url("**/tickets/?queue=unassigned")
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    expect(page.locator("td [data-due]")).to_contain_text("overdue")  # the live countdown has run
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # select the first row, Enter opens it
    expect(page.locator("tr.selected")).to_contain_text(arrived.reference)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/tickets/{arrived.pk}/")

    page.get_by_label("Canned response").select_option(label="HEART reply (guide 000 §1.1)")
    body = page.get_by_label("Message")
    expect(body).to_have_value(re.compile(r"^Hello \{first name\},"))
    inserted = body.input_value()
    body.fill(inserted.replace("{first name}", "Ann").replace("{your name}", "Agent"))
    page.get_by_label("Set status with the reply").select_option(Status.PENDING)
    page.screenshot(path=str(tmp_path / "composer.png"), full_page=True)
    body.press("Control+Enter")  # sends
    page.wait_for_url(f"{live_server.url}/tickets/{arrived.pk}/#conversation")

    expect(page.locator(".stream .msg.outbound.reply")).to_contain_text("Hello Ann,")
    expect(page.get_by_test_id("status-badge")).to_have_text("Pending on customer")
    page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)
    arrived.refresh_from_db()
    assert arrived.status == Status.PENDING
    assert Message.objects.filter(ticket=arrived, direction="outbound", body_text__startswith="Hello Ann,").exists()
    assert Ticket.objects.count() == 1
