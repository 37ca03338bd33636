"""The queue reads: keyset pages by next due time are whole and in order across equal due times, both ways; the
side bar's capped counts; the queue page's narrow rows still show every name and cost no query per row."""

import datetime as dt

import pytest
from django.urls import reverse

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.customers.models import Segment
from heartdesk.tickets import selectors
from heartdesk.tickets.filters import Queue, TicketFilters
from heartdesk.tickets.models import Ticket
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db


def _walk(user, rows, *, forward: bool) -> list[int]:
    """Every page of the open queue, two at a time, from the first page to the last (or back from the last)."""
    filters = TicketFilters(queue=Queue.OPEN)
    seen, cursor = [], None
    page = selectors.ticket_page(filters=filters, user=user, cursor=None, size=2, rows=rows)
    if not forward:
        while page.next_cursor:
            page = selectors.ticket_page(filters=filters, user=user, cursor=page.next_cursor, size=2, rows=rows)
    while True:
        ids = [t.pk for t in page.items]
        seen = seen + ids if forward else ids + seen
        cursor = page.next_cursor if forward else page.previous_cursor
        if not cursor:
            return seen
        page = selectors.ticket_page(filters=filters, user=user, cursor=cursor, size=2, rows=rows)


@pytest.mark.parametrize("narrow", [True, False], ids=["queue page rows", "API rows"])
def test_due_pages_are_whole_and_in_order_across_equal_due_times_both_ways(cast, narrow):
    requester = contact()
    for minutes in (0, 0, 0, 30, 30, 0, 90):  # same time and priority: equal due times, split across pages
        ticket(requester=requester, now=MONDAY_10 + dt.timedelta(minutes=minutes), team=None)
    expected = list(Ticket.objects.filter(is_open=True).order_by("due_key", "id").values_list("id", flat=True))
    assert len(set(Ticket.objects.values_list("due_key", flat=True))) < len(expected)  # ties exist
    user = cast[Role.AGENT]
    rows = selectors.queue_rows() if narrow else None
    assert _walk(user, rows, forward=True) == expected
    assert _walk(user, rows, forward=False) == expected


def test_a_cursor_that_is_not_ours_is_a_problem_on_the_page_not_a_500(web, cast):
    ticket(team=None)
    response = web[Role.AGENT].get(reverse("tickets:queue") + "?queue=open&cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 200
    assert "cursor" in response.content.decode()


def test_side_bar_counts_read_at_most_the_cap(cast, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 3)
    agent = cast[Role.AGENT]
    team = accounts.team_create(name="Tier 1", actor=None)
    agent.teams.add(team)
    requester = contact()
    for _ in range(4):
        ticket(requester=requester, team=None)
    ticket(requester=requester, team=team, assignee=agent)
    counts = selectors.queue_counts(agent)
    assert counts["unassigned"] == 3  # four unassigned, counted to the cap
    assert (counts["mine"], counts["team"]) == (1, 1)


def test_the_queue_page_shows_every_name_of_its_narrow_rows_in_fixed_queries(web, cast, django_assert_max_num_queries):
    agent = cast[Role.AGENT]
    team = accounts.team_create(name="Tier 1", actor=None)
    org = customers.organization_create(actor=None, name="Chemistry", segment=Segment.objects.get(name="Faculty"))
    for i in range(5):
        requester = customers.contact_create(
            actor=None, email=f"c{i}@customer.example", first_name="Cleo", last_name=f"Smith{i}", organization=org
        )
        ticket(requester=requester, organization=org, team=team, assignee=agent, subject=f"Subject {i}")
    with django_assert_max_num_queries(9):
        response = web[Role.AGENT].get(reverse("tickets:queue") + "?queue=open")
    html = response.content.decode()
    assert all(f"Cleo Smith{i}" in html and f"Subject {i}" in html for i in range(5))
    assert "Chemistry" in html and "Tier 1" in html and agent.display_name in html
