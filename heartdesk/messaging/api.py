"""/api/v1/notifications (one's own) and /api/v1/outbox (every email we owe or sent): thin over the services."""

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.core.errors import NotFound
from heartdesk.core.schemas import CursorPage, PageParams
from heartdesk.messaging import selectors, services
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import OutboundEmail

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    about_type: str | None = Field(None, description='What the notification is about, e.g. "tickets.ticket".')
    about_id: int | None
    ticket_id: int | None = Field(None, description="The ticket, when it is about one.")
    created_at: dt.datetime
    read_at: dt.datetime | None
    emailed_at: dt.datetime | None

    @staticmethod
    def resolve_about_type(obj) -> str | None:
        return f"{obj.about_type.app_label}.{obj.about_type.model}" if obj.about_type_id else None

    @staticmethod
    def resolve_ticket_id(obj) -> int | None:
        return obj.about_id if obj.about_type_id and obj.about_type.model == "ticket" else None


class MarkedOut(Schema):
    marked: int


class OutboundOut(Schema):
    id: int
    key: str
    to: list[str]
    subject: str
    state: str
    attempts: int
    error: str
    message_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class OutboundDetailOut(OutboundOut):
    body_text: str
    body_html: str
    headers: dict


class OutboxFilters(Schema):
    state: OutboundState | None = None


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(request):
    """Your notifications: unread first, newest first (the latest 100)."""
    policy.require(request.user, policy.NOTIFICATIONS_VIEW)
    return selectors.notifications_for(request.user)


@router.post("/notifications/{int:notification_id}/read", response=MarkedOut)
def read_notification(request, notification_id: int):
    if selectors.notification_of(request.user, notification_id) is None:
        raise NotFound(f"You have no notification {notification_id}.", field="notification_id")
    return {"marked": services.notification_mark_read(actor=request.user, notification_id=notification_id)}


@router.post("/notifications/read", response=MarkedOut)
def read_all_notifications(request):
    return {"marked": services.notification_mark_read(actor=request.user)}


@router.get("/outbox", response=CursorPage[OutboundOut], tags=["outbox"])
def list_outbox(request, filters: Query[OutboxFilters], paging: Query[PageParams]):
    """Every email we owe or sent, newest first; `state` shows only queued, sending, sent or failed ones."""
    policy.require(request.user, policy.MAIL_LOG_VIEW)
    page = selectors.outbox_page(
        state=filters.state.value if filters.state else "", cursor=paging.cursor, size=paging.page_size
    )
    return {"results": page.items, "next": page.next_cursor, "previous": page.previous_cursor}


@router.get("/outbox/{int:email_id}", response=OutboundDetailOut, tags=["outbox"])
def get_outbound_email(request, email_id: int):
    policy.require(request.user, policy.MAIL_LOG_VIEW)
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None:
        raise NotFound(f"No outgoing email {email_id}.", field="email_id")
    return email


@router.post("/outbox/{int:email_id}/retry", response=OutboundDetailOut, tags=["outbox"])
def retry_outbound_email(request, email_id: int):
    """Send a failed email again (409 for one that is not failed)."""
    return services.outbound_email_retry(email_id=email_id, actor=request.user)
