"""Notifications to agents and teams: in the app at once, by email when the policy's business hours allow.

"No escalation mail at midnight for a business-hours policy": the email waits for the calendar's next opening.
"""

import datetime as dt

from heartdesk.core import bulk
from heartdesk.core.jobs import enqueue_on_commit
from heartdesk.tickets import policies, quiet
from heartdesk.tickets.models import Notification, Ticket
from heartdesk.tickets.sla import calendar as business_time


def _email_after(ticket: Ticket | None, now: dt.datetime) -> dt.datetime:
    if ticket is None or ticket.sla_policy is None or ticket.sla_policy.calendar is None:
        return now
    cal = policies.to_business_calendar(ticket.sla_policy.calendar)
    try:
        return business_time.next_open(cal, now)
    except ValueError:
        return now


def users(recipients, ticket: Ticket | None, kind: str, text: str, *, now: dt.datetime, email: bool = True) -> None:
    """Call inside the service's transaction; the email job is enqueued on commit."""
    many([(recipients, ticket, kind, text)], now=now, email=email)


def _joined(first: str, more: str, reference: str) -> str:
    """ "HD-1: Resolution SLA breached" + "HD-1 escalated to Level 2" → "HD-1: Resolution SLA breached; escalated to
    Level 2": the reference is said once."""
    if reference and more.startswith(reference):
        more = more[len(reference) :].lstrip(": ")
    return f"{first}; {more}"


def many(items, *, now: dt.datetime, email: bool = True) -> None:
    """Several notifications in one insert: items are (recipients, ticket, kind, text); used by batch work.

    One person hears of one ticket once per call: a breach and the escalation it caused (or two targets breaching
    together) make one notification of the first item's kind, with the texts joined."""
    if quiet.is_quiet():
        return
    made: dict[tuple, dict] = {}  # rows, not instances: a burst writes thousands
    opening: dict = {}  # the email time depends only on the ticket's policy: worked out once per policy
    for recipients, ticket, kind, text in items:
        after = None
        if email:
            policy = ticket.sla_policy_id if ticket else None
            if policy not in opening:
                opening[policy] = _email_after(ticket, now)
            after = opening[policy]
        for user in recipients:
            if user is None or not user.is_active:
                continue
            key = (user.pk, ticket.pk if ticket else None)
            if key in made:
                note = made[key]
                if text not in note["text"]:
                    note["text"] = _joined(note["text"], text, ticket.reference if ticket else "")[:500]
                continue
            made[key] = {
                "user_id": user.pk,
                "ticket_id": key[1],
                "kind": kind,
                "text": text[:500],
                "created_at": now,
                "email_after": after if (email and user.email) else None,
            }
    if not made:
        return
    bulk.insert_rows(Notification, list(made.values()))
    if email and any(n["email_after"] for n in made.values()):
        from heartdesk.tickets.tasks import send_due_notifications

        enqueue_on_commit(send_due_notifications)


def team_members(team) -> list:
    members = list(team.members.filter(is_active=True))
    if team.manager_id and team.manager not in members:
        members.append(team.manager)
    return members


def team(team, ticket, kind: str, text: str, *, now: dt.datetime) -> None:
    users(team_members(team), ticket, kind, text, now=now)


def manager_of(ticket: Ticket):
    if ticket.team_id and ticket.team.manager_id:
        return ticket.team.manager
    if ticket.assignee_id:
        managed = ticket.assignee.teams.exclude(manager=None).select_related("manager").first()
        if managed:
            return managed.manager
    return None
