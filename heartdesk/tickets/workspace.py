"""The agent workspace's own small records (saved filters, canned responses) and the page reads around them.

Writes follow the service rules (keyword-only, `actor=`, policy checked, one transaction); the reads are here
rather than in selectors.py because only the workspace pages use them.
"""

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core import validation
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.tickets.filters import TicketFilters
from heartdesk.tickets.models import (
    CannedResponse,
    CorrectiveAction,
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


# --- Canned responses -----------------------------------------------------------------------------------------


@transaction.atomic
def canned_response_save(
    *, response: CannedResponse | None = None, title: str, body: str, position: int = 100, actor: User | None
) -> CannedResponse:
    policy.require(actor, policy.SLA_MANAGE)
    title = validation.text(title, "title", max_length=150, required=True)
    body = validation.text(body, "body", max_length=10000, required=True)
    response = CannedResponse() if response is None else CannedResponse.objects.select_for_update().get(pk=response.pk)
    response.title, response.body, response.position = title, body, validation.position(position)
    return validation.unique(lambda: response.save() or response, field="title", value=title)


@transaction.atomic
def canned_response_delete(*, response: CannedResponse, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    response.delete()


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
