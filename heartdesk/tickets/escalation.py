"""Escalation: raising or lowering a ticket's level by hand or by rule, each change an Escalation row (the history of
levels), a timeline event, notices to the people watching and a webhook; the SLA sweep's batch form does the same
with a few bulk statements."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core import bulk, facts, validation
from heartdesk.core.errors import Conflict
from heartdesk.messaging import quiet
from heartdesk.messaging.choices import NotificationKind
from heartdesk.tickets import events, notify
from heartdesk.tickets.choices import LEVEL_ORDER, EventKind, Level
from heartdesk.tickets.locking import lock, save_locked
from heartdesk.tickets.models import Escalation, Ticket, TicketEvent
from heartdesk.tickets.webhook_events import on_commit_webhook
from heartdesk.webhooks.dispatch import wanted


def _target_level(ticket: Ticket, to_level: str | None, *, step: int) -> str:
    """The level to move to: the one named, or the next in the direction of `step` (+1 up, -1 down)."""
    current = LEVEL_ORDER.index(ticket.level)
    if to_level is None:
        if not 0 <= current + step < len(LEVEL_ORDER):
            edge = "the highest level" if step > 0 else "level 1"
            raise Conflict(f"{ticket.reference} is already at {edge}.", field="to_level")
        return LEVEL_ORDER[current + step]
    validation.choice(to_level, Level, "to_level")
    if (LEVEL_ORDER.index(to_level) - current) * step <= 0:
        verb = "escalate to a higher" if step > 0 else "de-escalate to a lower"
        raise Conflict(f"{ticket.reference} is at {ticket.get_level_display()}; {verb} level.", field="to_level")
    return to_level


@transaction.atomic
def _change_level(*, ticket, to_level, step, reason, actor, team=None, rule=None, now=None) -> Ticket:
    """Escalate (step +1) or de-escalate (step -1) with a reason; the Escalation rows are the history of levels."""
    if actor is not None:
        policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    reason = validation.text(reason, "reason", max_length=500, required=True, one_line=True)
    ticket = lock(ticket)
    old = ticket.level
    to_level = _target_level(ticket, to_level, step=step)
    Escalation.objects.create(
        ticket=ticket, from_level=old, to_level=to_level, reason=reason, actor=actor, rule=rule, created_at=now
    )
    events.changed(
        ticket,
        EventKind.ESCALATED if step > 0 else EventKind.DEESCALATED,
        field="level",
        old=old,
        new=to_level,
        reason=reason,
        actor=actor,
        actor_label="" if actor else f"rule: {rule.name}" if rule else "system",
        when=now,
        rule=rule.name if rule else "",
    )
    ticket.level = to_level
    if team is not None and team != ticket.team:
        events.changed(ticket, EventKind.TEAM, field="team", old=ticket.team, new=team, actor=actor, when=now)
        ticket.team = team
    save_locked(ticket, now=now)
    if step > 0:
        watchers = [u for u in (ticket.assignee,) if u and u != actor]
        text = f"{ticket.reference} escalated to {ticket.get_level_display()}"
        notify.users(watchers, ticket, NotificationKind.ESCALATED, text, now=now)
        on_commit_webhook("ticket.escalated", ticket, level=to_level, reason=reason)
    else:
        on_commit_webhook("ticket.updated", ticket, changed=["level"])
    return ticket


@dataclass
class RuleEscalation:
    ticket: Ticket  # read with its team and assignee
    rule: object
    to_level: str
    reason: str


def tickets_escalate_by_rule(items: list[RuleEscalation], *, now, outbox: list, also: dict | None = None) -> set[int]:
    """The SLA sweep's batch form of `ticket_escalate`: the same rows, events, notifications and webhooks, written
    with a few bulk statements. Call inside the sweep's transaction with the tickets' clocks claimed.

    `also` are more columns to set on the escalated tickets in the same UPDATE (the sweep's SLA flags), so a ticket
    row is rewritten once, not twice: on PostgreSQL every rewrite adds an entry to each of its indexes. The
    notifications are added to `outbox` for the caller to send with its own (`notify.many` then tells each person
    of each ticket once). Returns the ids of the tickets escalated."""
    items = [i for i in items if LEVEL_ORDER.index(i.to_level) > LEVEL_ORDER.index(i.ticket.level)]
    if not items:
        return set()
    bulk.insert_rows(
        Escalation,
        [
            {
                "ticket_id": i.ticket.pk,
                "from_level": i.ticket.level,
                "to_level": i.to_level,
                "reason": i.reason,
                "rule_id": i.rule.pk,
                "created_at": now,
            }
            for i in items
        ],
    )
    made, notes, moved = [], [], []
    for i in items:
        label = f"rule: {i.rule.name}"
        made.append(
            events.build(
                i.ticket,
                EventKind.ESCALATED,
                actor_label=label,
                when=now,
                field="level",
                old=i.ticket.level,
                new=i.to_level,
                reason=i.reason,
                rule=i.rule.name,
            )
        )
        team = i.rule.assign_team
        if team is not None and team.pk != i.ticket.team_id:
            made.append(
                events.build(
                    i.ticket, EventKind.TEAM, actor_label=label, when=now, field="team", old=i.ticket.team, new=team
                )
            )
            i.ticket.team = team
            moved.append(i.ticket.pk)
        i.ticket.level = i.to_level
        text = f"{i.ticket.reference} escalated to {i.ticket.get_level_display()}"
        watchers = [i.ticket.assignee] if i.ticket.assignee_id else []
        if i.rule.notify_manager:
            manager = notify.manager_of(i.ticket)
            if manager:
                notes.append(
                    (
                        [manager],
                        i.ticket,
                        NotificationKind.ESCALATED,
                        f"{i.ticket.reference} escalated by rule “{i.rule.name}”",
                    )
                )
        notes.append((watchers, i.ticket, NotificationKind.ESCALATED, text))
    bulk.insert_rows(TicketEvent, made)
    groups: dict[tuple, list[int]] = {}
    for i in items:
        groups.setdefault((i.to_level, i.ticket.team_id), []).append(i.ticket.pk)
    for (level, team_id), pks in groups.items():
        Ticket.objects.filter(pk__in=pks).update(level=level, team_id=team_id, updated_at=now, **(also or {}))
    # A bulk update sends no signal. The level is no KPI dimension: only a new team moves a ticket's facts, and the
    # escalation itself counts on the solved day ("solved tickets that were ever escalated").
    facts.touched(tickets=moved, moments=[i.ticket.solved_at for i in items])
    outbox.extend(notes)
    if not quiet.is_quiet() and wanted("ticket.escalated"):
        for i in items:
            on_commit_webhook("ticket.escalated", i.ticket, level=i.to_level, reason=i.reason)
    return {i.ticket.pk for i in items}


def ticket_escalate(
    *,
    ticket: Ticket,
    to_level: str | None = None,
    reason: str,
    actor: User | None,
    team: Team | None = None,
    rule=None,
    now=None,
) -> Ticket:
    """Raise the level (one up when none is named); a rule's name stands in for the actor of automatic ones."""
    return _change_level(
        ticket=ticket, to_level=to_level, step=1, reason=reason, actor=actor, team=team, rule=rule, now=now
    )


def ticket_deescalate(*, ticket: Ticket, to_level: str | None = None, reason: str, actor: User, now=None) -> Ticket:
    return _change_level(ticket=ticket, to_level=to_level, step=-1, reason=reason, actor=actor, now=now)
