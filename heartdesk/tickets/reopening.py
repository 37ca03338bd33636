"""When the customer writes again: a recently solved ticket reopens, a closed or long-solved one gets a follow-up.

One rule for every channel (mail, portal, API) and for the history import, which reads it to decide what the old
help desk must have done."""

import datetime as dt

from django.conf import settings

from heartdesk.tickets.choices import Status


def reopen_window() -> dt.timedelta:
    return dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)


def solved_too_long_ago(ticket, at: dt.datetime) -> bool:
    """Solved longer than the reopen window before `at`."""
    return ticket.status == Status.SOLVED and bool(ticket.solved_at) and at - ticket.solved_at > reopen_window()


def reply_opens_follow_up(ticket, at: dt.datetime) -> bool:
    """A customer's reply at `at` goes to a new follow-up ticket rather than reopening this one."""
    return ticket.status == Status.CLOSED or solved_too_long_ago(ticket, at)
