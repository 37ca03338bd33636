"""Which SLA policy and which cell of its matrix apply to a ticket, and the pure calendar each clock counts in."""

from dataclasses import dataclass
from datetime import time

from django.db.models import Q

from heartdesk.tickets.models import BusinessCalendar, SlaPolicy, SlaTarget, Ticket
from heartdesk.tickets.sla import calendar as business_time

AROUND_THE_CLOCK = business_time.BusinessCalendar(time_zone="UTC", weekly={}, always_open=True)


@dataclass(frozen=True)
class Targets:
    """Minutes per target (None: no target) and whether they count every hour."""

    first_response: int | None = None
    next_update: int | None = None
    resolution: int | None = None
    around_the_clock: bool = False
    source: str = ""  # which cell matched, for the timeline

    def minutes(self, target: str) -> int | None:
        return getattr(self, target, None)


def ticket_tier_id(ticket: Ticket) -> int | None:
    if ticket.organization_id and ticket.organization.tier_id:
        return ticket.organization.tier_id
    if ticket.requester_id:
        return ticket.requester.tier_id
    return None


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """Organization beats tier beats channel beats the default; ties go to the lowest position."""
    active = SlaPolicy.objects.filter(active=True).order_by("position", "id")
    tier_id = ticket_tier_id(ticket)
    if ticket.organization_id:
        found = active.filter(organizations=ticket.organization_id).first()
        if found:
            return found
    if tier_id:
        found = active.filter(tiers=tier_id).first()
        if found:
            return found
    for policy in active.exclude(channels=[]):
        if ticket.channel in policy.channels:
            return policy
    return active.filter(is_default=True).first()


def _specificity(row: SlaTarget, ticket: Ticket, tier_id) -> int | None:
    """How well a row fits: organization 3, tier 2, channel adds 1; None when it does not fit."""
    score = 0
    if row.organization_id:
        if row.organization_id != ticket.organization_id:
            return None
        score += 4
    if row.tier_id:
        if row.tier_id != tier_id:
            return None
        score += 2
    if row.channel:
        if row.channel != ticket.channel:
            return None
        score += 1
    return score


def targets_for(policy: SlaPolicy | None, ticket: Ticket) -> Targets:
    if policy is None:
        return Targets()
    tier_id = ticket_tier_id(ticket)
    rows = SlaTarget.objects.filter(policy=policy, priority=ticket.priority).filter(
        Q(organization__isnull=True) | Q(organization=ticket.organization_id)
    )
    best, best_score = None, -1
    for row in rows:
        score = _specificity(row, ticket, tier_id)
        if score is not None and score > best_score:
            best, best_score = row, score
    if best is None:
        return Targets()
    scope = [
        label
        for label, on in (
            (f"organization {best.organization_id}", best.organization_id),
            (f"tier {best.tier_id}", best.tier_id),
            (f"channel {best.channel}", best.channel),
        )
        if on
    ]
    return Targets(
        first_response=best.first_response_minutes,
        next_update=best.next_update_minutes,
        resolution=best.resolution_minutes,
        around_the_clock=best.around_the_clock,
        source=f"{policy.name}: {ticket.get_priority_display()}" + (f" ({', '.join(scope)})" if scope else ""),
    )


def _time(text: str) -> time:
    if text in ("24:00", "24:00:00"):
        return time(0, 0)
    return time.fromisoformat(text)


def to_business_calendar(calendar: BusinessCalendar | None) -> business_time.BusinessCalendar:
    if calendar is None or calendar.always_open:
        return AROUND_THE_CLOCK
    return _cached(calendar.pk, calendar.updated_at.isoformat(), calendar)


_CACHE: dict[tuple, business_time.BusinessCalendar] = {}


def _cached(pk, version, calendar) -> business_time.BusinessCalendar:
    key = (pk, version)
    found = _CACHE.get(key)
    if found is None:
        closures = list(calendar.closures.all())
        partial: dict = {}
        for closure in closures:
            if closure.starts is not None:
                partial.setdefault(closure.date, []).append((closure.starts, closure.ends))
        found = business_time.BusinessCalendar(
            time_zone=calendar.time_zone,
            weekly={int(day): [(_time(a), _time(b)) for a, b in spans] for day, spans in calendar.windows.items()},
            closed_dates=frozenset(c.date for c in closures if c.starts is None),
            partial_closures={d: tuple(spans) for d, spans in partial.items()},
            holiday_country=calendar.holiday_country,
            holiday_subdivision=calendar.holiday_subdivision,
        )
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def clock_calendar(policy: SlaPolicy | None, around_the_clock: bool) -> business_time.BusinessCalendar:
    if around_the_clock or policy is None:
        return AROUND_THE_CLOCK
    return to_business_calendar(policy.calendar)
