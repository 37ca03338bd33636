"""Which SLA policy and which cell of its matrix apply to a ticket, and the pure calendar each clock counts in."""

import copy
from dataclasses import dataclass

from django.db import connection

from heartdesk.calendars import business_time
from heartdesk.calendars.models import BusinessCalendar
from heartdesk.calendars.selectors import AROUND_THE_CLOCK, business_calendar
from heartdesk.tickets.models import SlaPolicy, SlaTarget, Ticket


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


@dataclass(frozen=True)
class _Rules:
    """What policy selection reads, for one version of the SLA settings (see `_rules`)."""

    version: tuple
    active: list[SlaPolicy]  # by position, then id; each with its calendar
    organizations: dict[int, frozenset[int]]  # policy id -> organization ids it names
    tiers: dict[int, frozenset[int]]
    targets: dict[tuple[int, str], list[SlaTarget]]  # (policy id, priority) -> matrix rows, in the model's order


_RULES: list[_Rules] = []  # this process's copy (at most one)


def _version() -> tuple:
    """One query that changes whenever what `_Rules` holds may have: every policy save bumps its `updated_at`
    (policy_save rewrites the organizations, tiers and matrix in the same transaction), a delete changes the count,
    a calendar or closure change bumps the calendar's `updated_at`; the matrix's own count and last id catch rows
    written directly. Read inside the caller's transaction, so a change is seen by the next ticket at once."""
    policy, target, calendar = (m._meta.db_table for m in (SlaPolicy, SlaTarget, BusinessCalendar))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {policy}), (SELECT MAX(updated_at) FROM {policy}),"
            f" (SELECT COUNT(*) FROM {target}), (SELECT MAX(id) FROM {target}),"
            f" (SELECT MAX(updated_at) FROM {calendar})"
        )
        return tuple(cursor.fetchone())


def _rules() -> _Rules:
    """The SLA settings, read once per version per process: choosing a ticket's policy and targets costs one small
    query instead of five or six (issue 3: ~29 queries per API create)."""
    version = _version()
    if _RULES and _RULES[0].version == version:
        return _RULES[0]
    active = list(SlaPolicy.objects.filter(active=True).select_related("calendar").order_by("position", "id"))
    ids = [p.pk for p in active]
    organizations: dict[int, set[int]] = {}
    for policy_id, organization_id in SlaPolicy.organizations.through.objects.filter(slapolicy_id__in=ids).values_list(
        "slapolicy_id", "organization_id"
    ):
        organizations.setdefault(policy_id, set()).add(organization_id)
    tiers: dict[int, set[int]] = {}
    for policy_id, tier_id in SlaPolicy.tiers.through.objects.filter(slapolicy_id__in=ids).values_list(
        "slapolicy_id", "tier_id"
    ):
        tiers.setdefault(policy_id, set()).add(tier_id)
    targets: dict[tuple[int, str], list[SlaTarget]] = {}
    for row in SlaTarget.objects.all():  # every policy's: a ticket keeps an inactive policy's clocks
        targets.setdefault((row.policy_id, row.priority), []).append(row)
    rules = _Rules(
        version=version,
        active=active,
        organizations={k: frozenset(v) for k, v in organizations.items()},
        tiers={k: frozenset(v) for k, v in tiers.items()},
        targets=targets,
    )
    _RULES[:] = [rules]
    return rules


def _policy_for(rules: _Rules, ticket: Ticket) -> SlaPolicy | None:
    """Organization beats tier beats channel beats the default; ties go to the lowest position."""
    tier_id = ticket_tier_id(ticket)
    found = None
    if ticket.organization_id:
        found = next((p for p in rules.active if ticket.organization_id in rules.organizations.get(p.pk, ())), None)
    if found is None and tier_id:
        found = next((p for p in rules.active if tier_id in rules.tiers.get(p.pk, ())), None)
    if found is None:
        found = next((p for p in rules.active if p.channels and ticket.channel in p.channels), None)
    if found is None:
        found = next((p for p in rules.active if p.is_default), None)
    # A copy: the cached instance is shared by every ticket this process handles.
    return copy.copy(found) if found is not None else None


def policy_and_targets(ticket: Ticket) -> tuple[SlaPolicy | None, Targets]:
    """The ticket's policy and the targets of its matrix cell, with one read of the settings."""
    rules = _rules()
    policy = _policy_for(rules, ticket)
    return policy, _targets_for(rules, policy, ticket)


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
    return _targets_for(_rules(), policy, ticket) if policy is not None else Targets()


def _targets_for(rules: _Rules, policy: SlaPolicy | None, ticket: Ticket) -> Targets:
    if policy is None:
        return Targets()
    tier_id = ticket_tier_id(ticket)
    rows = rules.targets.get((policy.pk, ticket.priority), ())
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


def clock_calendar(policy: SlaPolicy | None, around_the_clock: bool) -> business_time.BusinessCalendar:
    if around_the_clock or policy is None:
        return AROUND_THE_CLOCK
    return business_calendar(policy.calendar)
