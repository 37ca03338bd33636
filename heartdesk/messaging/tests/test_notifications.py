"""Notifications: one's own only, unread first, the top bar's badge, marked read one by one or all at once."""

import pytest
from django.urls import reverse
from django.utils import timezone

from heartdesk.accounts.choices import Role
from heartdesk.customers.models import Contact
from heartdesk.messaging.choices import NotificationKind
from heartdesk.messaging.models import Notification
from heartdesk.tickets.tests.factories import ticket

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"messaging:{name}", args=args)


def test_notifications_are_listed_unread_first_counted_and_marked_read(web, cast):
    agent = cast[Role.AGENT]
    t1 = ticket(assignee=agent)  # notifies the assignee
    Notification.objects.create(user=agent, kind=NotificationKind.AT_RISK, text="Old one", read_at=timezone.now())
    page = web[Role.AGENT].get(_url("notifications")).content.decode()
    assert page.index(f"{t1.reference} is assigned to you") < page.index("Old one")
    badge = web[Role.AGENT].get(_url("notifications_badge")).content.decode()
    assert '<span class="notif-count"' in badge and ">1<" in badge
    unread = Notification.objects.get(read_at__isnull=True)
    assert web[Role.AGENT].post(_url("notification_read", unread.pk)).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    ticket(assignee=agent, requester=Contact.objects.get())
    web[Role.AGENT].post(_url("notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_cannot_be_marked(web, cast):
    ticket(assignee=cast[Role.SPECIALIST])
    theirs = Notification.objects.get()
    assert web[Role.AGENT].post(_url("notification_read", theirs.pk)).status_code == 404


def test_an_executive_clears_their_own_notifications(web, cast):
    executive = cast[Role.EXECUTIVE]
    note = Notification.objects.create(user=executive, kind="escalated", text="HD-1 escalated to Executive")
    response = web[Role.EXECUTIVE].post(_url("notification_read", note.pk))
    assert response.status_code in (200, 302)
    note.refresh_from_db()
    assert note.read_at is not None
