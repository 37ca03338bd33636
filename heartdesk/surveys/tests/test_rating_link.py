"""The emailed one-click rating: fetching the link (a mail scanner) records nothing; the page's post records it once."""

import re

import pytest
from django.test import Client

from heartdesk.accounts.choices import Role
from heartdesk.messaging.models import OutboundEmail
from heartdesk.surveys import services
from heartdesk.surveys.choices import InvitationState
from heartdesk.surveys.models import Answer, Invitation, Response
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
SCANNER = "Mozilla/5.0 (compatible; SafeLinks-Scanner/1.0; +https://example.com/url-protection)"


@pytest.fixture
def rate_link(cast):
    """/s/<token>/rate/ for the survey mailed after a solved ticket (add the rating and a slash)."""
    t = ticket(requester=contact())
    tickets.ticket_reply(ticket=t, body="Fixed.", actor=cast[Role.AGENT], status=Status.SOLVED, now=MONDAY_10)
    services.send_due(now=MONDAY_10.replace(hour=12))
    body = OutboundEmail.objects.get(key__startswith="survey:", ticket=t).body_text
    return re.search(r"(/s/[^/\s]+/rate/)4/", body).group(1)


def test_a_scanner_fetching_the_link_records_nothing(rate_link):
    scanner = Client(HTTP_USER_AGENT=SCANNER)
    page = scanner.get(rate_link + "4/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<form method="post" data-auto-submit>', html)
    assert re.search(r'name="rating" value="4" checked', html)
    assert "js/survey-rate.js" in html
    assert scanner.head(rate_link + "4/").status_code == 200
    assert scanner.get(rate_link + "2/").status_code == 200
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    assert Invitation.objects.get().state == InvitationState.SENT  # not even counted as opened


def test_the_post_records_exactly_one_rating_and_goes_on_to_the_survey(rate_link):
    client = Client()
    response = client.post(rate_link + "4/", {"rating": "4"})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    saved = Response.objects.get()
    assert (saved.csat, saved.source) == (4, "link")
    assert Answer.objects.filter(response=saved).count() == 1
    assert Invitation.objects.get().state == InvitationState.ANSWERED
    page = client.get(response["Location"])
    assert b"your rating is saved" in page.content
    assert b"Anything else you would like to tell us?" in page.content


def test_a_second_post_does_not_record_a_second_rating(rate_link):
    client = Client()
    assert client.post(rate_link + "4/", {"rating": "4"}).status_code == 302
    first = Response.objects.get()
    assert client.post(rate_link + "4/", {"rating": "4"}).status_code == 302
    assert Response.objects.count() == 1 and Answer.objects.count() == 1
    again = Response.objects.get()
    assert (again.pk, again.csat, again.submitted_at) == (first.pk, 4, first.submitted_at)


def test_the_customer_may_change_the_rating_on_the_page_before_sending(rate_link):
    assert Client().post(rate_link + "4/", {"rating": "2"}).status_code == 302
    assert Response.objects.get().csat == 2


@pytest.mark.parametrize("value", ["9", "0", "abc", "", "4.5"])
def test_a_bad_posted_rating_is_a_clear_error_naming_the_question(rate_link, value):
    response = Client().post(rate_link + "4/", {"rating": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "a whole number from 1 to 5" in html or "Choose a rating from 1 to 5" in html
    assert "data-auto-submit" not in html  # the error page never posts itself again
    assert Response.objects.count() == 0


def test_a_missing_rating_field_is_a_clear_error(rate_link):
    response = Client().post(rate_link + "4/", {})
    assert response.status_code == 400 and b"Choose a rating from 1 to 5" in response.content
    assert Response.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("rating", ["0", "6", "77"])
def test_a_link_with_a_rating_out_of_range_is_a_400_page(rate_link, method, rating):
    response = getattr(Client(), method)(rate_link + rating + "/", {"rating": rating} if method == "post" else {})
    assert response.status_code == 400 and b"This rating link is not valid." in response.content
    assert Response.objects.count() == 0


def test_a_link_with_a_rating_that_is_not_a_number_is_a_404(rate_link):
    assert Client().get(rate_link + "five/").status_code == 404
    assert Response.objects.count() == 0


def test_a_tampered_rating_link_is_a_400_page_for_get_and_post(rate_link):
    bad = rate_link.replace("/s/", "/s/x", 1) + "4/"
    assert Client().get(bad).status_code == 400
    assert Client().post(bad, {"rating": "4"}).status_code == 400
    assert Response.objects.count() == 0
