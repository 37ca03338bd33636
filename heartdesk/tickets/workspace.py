"""The agent workspace's own small records (saved filters, in-app notifications) and the page reads around them.

Writes follow the service rules (keyword-only, `actor=`, policy checked, one transaction); the reads are here
rather than in selectors.py because only the workspace pages use them.
"""

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.tickets.filters import TicketFilters
from heartdesk.tickets.models import (
    CannedResponse,
    CorrectiveAction,
    Notification,
    RootCauseAnalysis,
    SavedFilter,
    Ticket,
)

# --- Saved filters --------------------------------------------------------------------------------------------


def _clean_query(query: str) -> str:
    """Keep only the filter's own parameters (never a cursor), and refuse what TicketFilters would refuse."""
    pairs = [(k, v) for k, v in parse_qsl(str(query or "").lstrip("?")) if k in TicketFilters.model_fields and v]
    try:
        TicketFilters.model_validate(dict(pairs))
    except SchemaError as exc:
        problem = exc.errors()[0]
        raise Invalid(
            f"The filter is not valid: {'.'.join(map(str, problem['loc']))}: {problem['msg']}.", field="query"
        )
    clean = urlencode(pairs)
    if len(clean) > 1000:
        raise Invalid("The filter is longer than 1,000 characters.", field="query")
    return clean


@transaction.atomic
def saved_filter_create(*, name: str, query: str, actor: User) -> SavedFilter:
    """Save the queue's current filter under a name, for `actor` only; names are unique per user (409)."""
    policy.require(actor, policy.TICKETS_WORK)
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid("Give the filter a name.", field="name")
    if len(name) > 100:
        raise Invalid(f"The name is {len(name)} characters; at most 100.", field="name")
    clean = _clean_query(query)
    if SavedFilter.objects.filter(user=actor, name=name).exists():
        raise Conflict(f"You already have a filter called {name!r}.", field="name")
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(user=actor, name=name, query=clean)
    except IntegrityError:  # the same name saved twice at once
        raise Conflict(f"You already have a filter called {name!r}.", field="name")


@transaction.atomic
def saved_filter_delete(*, saved_filter: SavedFilter, actor: User) -> None:
    policy.require(actor, policy.TICKETS_WORK)
    if saved_filter.user_id != actor.pk:
        raise Invalid("That filter belongs to someone else.", field="filter")
    saved_filter.delete()


def saved_filters_for(user: User) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user).order_by("name"))


# --- Notifications --------------------------------------------------------------------------------------------


def notification_mark_read(*, actor: User, notification_id: int | None = None, now=None) -> int:
    """Mark one of `actor`'s notifications read, or all of them when no id is given; returns how many changed.

    A conditional UPDATE: marking twice changes nothing the second time. Anyone who can see tickets may clear
    their own notifications."""
    policy.require(actor, policy.TICKETS_VIEW)
    rows = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=now or timezone.now())


def notifications_for(user: User, limit: int = 100) -> list[Notification]:
    """Unread first, newest first within each group."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("ticket")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")[:limit]
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- Page reads -----------------------------------------------------------------------------------------------


def canned_responses() -> list[CannedResponse]:
    return list(CannedResponse.objects.order_by("position", "title"))


def assignable_users() -> list[User]:
    """Active staff who may work tickets (the service refuses anyone else as assignee)."""
    roles = policy.ROLE_PERMISSIONS[policy.TICKETS_WORK]
    return list(
        User.objects.filter(Q(role__in=roles) | Q(is_superuser=True), is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def rca_for(ticket: Ticket) -> RootCauseAnalysis | None:
    return (
        RootCauseAnalysis.objects.filter(ticket=ticket)
        .prefetch_related(Prefetch("actions", queryset=CorrectiveAction.objects.select_related("owner")))
        .first()
    )
