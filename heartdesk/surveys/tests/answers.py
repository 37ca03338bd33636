"""Survey answers made the way customers make them: a solved ticket, the sweep sends the survey, the contact answers."""

import datetime as dt
import itertools

from heartdesk.surveys import services
from heartdesk.surveys.models import Invitation
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
_numbers = itertools.count(1)


def answered(
    *,
    agent,
    csat=None,
    nps=None,
    resolved=None,
    time_ok=None,
    comment="",
    requester=None,
    team=None,
    channel="email",
    solved_at=MONDAY_10,
    **ticket_extra,
):
    """One response, answered three hours after the ticket was solved (the survey goes out an hour after)."""
    requester = requester or contact(email=f"c{next(_numbers)}@customer.example")
    t = ticket(requester=requester, team=team, channel=channel, now=solved_at - H, **ticket_extra)
    tickets.ticket_reply(ticket=t, body="Fixed.", actor=agent, status=Status.SOLVED, now=solved_at)
    services.send_due(now=solved_at + 2 * H)
    invitation = Invitation.objects.get(ticket=t)
    answers = {1: csat, 2: resolved, 3: time_ok, 4: nps, 5: comment or None}
    return services.response_record(
        invitation=invitation,
        answers={k: v for k, v in answers.items() if v is not None},
        source="api",
        partial=csat is None,
        now=solved_at + 3 * H,
    )
