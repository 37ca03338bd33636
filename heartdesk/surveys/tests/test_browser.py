"""A real SMTP server captures the survey email; a real Chromium follows its one-click link and finishes the page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from heartdesk.accounts.choices import Role
from heartdesk.surveys import services
from heartdesk.surveys.models import Response
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import contact, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_rates_from_the_email_and_completes_the_survey_page(
    live_server, cast, browser, smtp_sink, run_jobs, settings, tmp_path
):
    settings.PUBLIC_URL = live_server.url
    now = timezone.now()
    solved = ticket(requester=contact(), now=now - dt.timedelta(hours=3))
    tickets.ticket_reply(
        ticket=solved, body="Fixed.", actor=cast[Role.AGENT], status=Status.SOLVED, now=now - dt.timedelta(hours=2)
    )
    assert services.send_due(now=now) == 1
    run_jobs()
    mail = next(m for m in smtp_sink.messages if "How did we do" in m["Subject"])
    html = mail.get_body(("html",)).get_content()
    link = re.search(r'href="([^"]+/rate/5/)"', html).group(1)

    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(link)
    page.get_by_role("status").filter(has_text="your rating is saved").wait_for()
    assert Response.objects.get().csat == 5
    page.get_by_role("group", name="2. Did we resolve your issue?").get_by_label("Yes").check()
    page.get_by_role("group", name="4. How likely are you to recommend us to others?").get_by_text(
        "9", exact=True
    ).click()
    page.get_by_label("Was there anything you appreciated?").fill("Quick and kind, thank you!")
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    answer = Response.objects.get()
    assert (answer.csat, answer.resolved, answer.nps, answer.sentiment) == (5, True, 9, "positive")
    assert answer.source == "link"  # it began with the one-click link; the page added the rest


def test_opening_the_rating_link_in_a_browser_records_it_once_by_the_pages_own_post(
    live_server, cast, browser, smtp_sink, run_jobs, settings
):
    settings.PUBLIC_URL = live_server.url
    now = timezone.now()
    solved = ticket(requester=contact(), now=now - dt.timedelta(hours=3))
    tickets.ticket_reply(
        ticket=solved, body="Fixed.", actor=cast[Role.AGENT], status=Status.SOLVED, now=now - dt.timedelta(hours=2)
    )
    assert services.send_due(now=now) == 1
    run_jobs()
    mail = next(m for m in smtp_sink.messages if "How did we do" in m["Subject"])
    link = re.search(r'href="([^"]+/rate/2/)"', mail.get_body(("html",)).get_content()).group(1)

    page = browser.new_page()
    methods = []
    page.on("request", lambda r: methods.append(r.method) if "/rate/" in r.url else None)
    page.goto(link)
    page.get_by_role("status").filter(has_text="your rating is saved").wait_for()
    assert methods == ["GET", "POST"]  # the link itself wrote nothing; the script's one post did
    assert Response.objects.get().csat == 2
    page.go_back()  # the rating page again: it must not post a second time
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert methods.count("POST") == 1 and Response.objects.count() == 1
