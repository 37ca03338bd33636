"""Notifications to staff: in the app at once, by email when the business hours they are bound to allow.

"No escalation mail at midnight for a business-hours policy": the caller passes the calendar whose hours the mail
keeps (a ticket's SLA calendar, a complaint's team calendar), and the email waits for its next opening.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from heartdesk.calendars import business_time
from heartdesk.core import bulk, jobs
from heartdesk.messaging import quiet
from heartdesk.messaging.models import Notification

MAIL_TASK = "heartdesk.messaging.tasks.send_due_notifications"


@dataclass
class Notice:
    """One thing to tell some people: `about` the record (its `label` says it once when notices are joined),
    `url` the page it opens, `calendar` the business hours its email keeps (None: mail at once)."""

    recipients: list
    kind: str
    text: str
    about: object = None
    url: str = ""
    label: str = ""
    calendar: business_time.BusinessCalendar | None = None
    email: bool = True


def _email_after(calendar: business_time.BusinessCalendar | None, now: dt.datetime) -> dt.datetime:
    if calendar is None:
        return now
    try:
        return business_time.next_open(calendar, now)
    except ValueError:  # a calendar that never opens: better mailed now than never
        return now


def _joined(first: str, more: str, label: str) -> str:
    """ "HD-1: Resolution SLA breached" + "HD-1 escalated to Level 2" → "HD-1: Resolution SLA breached; escalated to
    Level 2": the label is said once."""
    if label and more.startswith(label):
        more = more[len(label) :].lstrip(": ")
    return f"{first}; {more}"


def send(notices: list[Notice], *, now: dt.datetime) -> int:
    """Write the notifications in one insert (call inside the caller's transaction; mail goes after commit).

    One person hears of one record once per call: a breach and the escalation it caused (or two targets breaching
    together) make one notification of the first notice's kind, with the texts joined. Returns how many."""
    if quiet.is_quiet():
        return 0
    made: dict[tuple, dict] = {}  # rows, not instances: a burst writes thousands
    opening: dict = {}  # the email time depends only on the calendar: worked out once per calendar
    types: dict = {}
    for notice in notices:
        after = None
        if notice.email:
            if id(notice.calendar) not in opening:
                opening[id(notice.calendar)] = _email_after(notice.calendar, now)
            after = opening[id(notice.calendar)]
        about = notice.about
        if about is not None and type(about) not in types:
            types[type(about)] = ContentType.objects.get_for_model(about).pk
        about_key = (types[type(about)], about.pk) if about is not None else (None, None)
        for user in notice.recipients:
            if user is None or not user.is_active:
                continue
            key = (user.pk, *about_key)
            if key in made:
                row = made[key]
                if notice.text not in row["text"]:
                    row["text"] = _joined(row["text"], notice.text, notice.label)[:500]
                continue
            made[key] = {
                "user_id": user.pk,
                "about_type_id": about_key[0],
                "about_id": about_key[1],
                "url": notice.url[:300],
                "kind": notice.kind,
                "text": notice.text[:500],
                "created_at": now,
                "email_after": after if (notice.email and user.email) else None,
            }
    if not made:
        return 0
    bulk.insert_rows(Notification, list(made.values()))
    if any(row["email_after"] for row in made.values()):
        jobs.enqueue_on_commit(MAIL_TASK)
    return len(made)


def team_members(team) -> list:
    """The active members of a team and its manager."""
    members = list(team.members.filter(is_active=True))
    if team.manager_id and team.manager not in members:
        members.append(team.manager)
    return members


# --- How a notification is mailed ---------------------------------------------------------------------------------

_MAILERS: dict[type, object] = {}


def mailer(model):
    """Register how notifications about `model` records are mailed: the function gets (notification, record) and
    returns any of queue_email's subject, template, context, message_id, in_reply_to, references. The app owning
    the model registers it when it is ready (tickets thread the mail into the ticket's conversation)."""

    def register(function):
        _MAILERS[model] = function
        return function

    return register


def mail_fields(notification: Notification) -> dict:
    about = notification.about
    fields = {
        "subject": f"{notification.get_kind_display()}" + (f": {about}" if about is not None else ""),
        "template": "messaging/email/notification",
        "context": {"notification": notification, "about": about},
    }
    function = _MAILERS.get(type(about))
    if function is not None:
        extra = function(notification, about)
        fields.update({**extra, "context": {**fields["context"], **extra.get("context", {})}})
    return fields
