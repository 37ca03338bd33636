"""Reads of notifications and of the outbox."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F

from heartdesk.core.pagination import keyset_page
from heartdesk.messaging.models import Notification, OutboundEmail


def notifications_for(user, limit: int = 100) -> list[Notification]:
    """Unread first, newest first within each group."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("about_type")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")[:limit]
    )


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_of(user, notification_id: int) -> Notification | None:
    """One of `user`'s own notifications (None for anyone else's)."""
    return Notification.objects.filter(pk=notification_id, user=user).first()


def outbound_about(model, *, message_ids: list[str]) -> OutboundEmail | None:
    """The newest of our sent mails with one of these Message-IDs that is about a `model` record."""
    return (
        OutboundEmail.objects.filter(about_type=ContentType.objects.get_for_model(model), message_id__in=message_ids)
        .order_by("-id")
        .first()
    )


def mail_about(record) -> list[OutboundEmail]:
    """Every mail we owe or sent about `record`, oldest first (its page shows what reached the customer)."""
    return list(
        OutboundEmail.objects.filter(about_type=ContentType.objects.get_for_model(record), about_id=record.pk)
        .defer("body_text", "body_html")
        .order_by("created_at", "id")
    )


def outbox_page(*, state: str = "", cursor: str | None = None, size: int = 50):
    """The outbox, newest first, optionally one state only; keyset-paged like every list."""
    rows = OutboundEmail.objects.defer("body_text", "body_html", "references")
    if state:
        rows = rows.filter(state=state)
    return keyset_page(rows, order=("created_at", "id"), cursor=cursor, size=size, descending=True)
