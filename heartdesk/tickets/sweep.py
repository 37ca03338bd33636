"""The periodic SLA sweep: breaches, at-risk warnings and promise reminders, then the escalation rules.

Due work is found through the indexed (state, due_at) and (state, at_risk_at) columns and each clock is claimed with
a conditional UPDATE, so several workers can sweep at once and every breach is recorded exactly once.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heartdesk.core.errors import Conflict
from heartdesk.tickets import clocks, events, notify, services
from heartdesk.tickets.choices import (
    LEVEL_ORDER,
    ClockEventKind,
    ClockState,
    EscalationTrigger,
    NotificationKind,
    Target,
)
from heartdesk.tickets.models import Escalation, EscalationRule, SlaClock, SlaClockEvent, Ticket

log = logging.getLogger(__name__)
BATCH = 500


def _due_ids(field: str, now: dt.datetime, **extra) -> list[int]:
    return list(
        SlaClock.objects.filter(state=ClockState.RUNNING, **{f"{field}__lte": now}, **extra)
        .order_by(field)
        .values_list("id", flat=True)[:BATCH]
    )


def _rules(trigger: str, clock: SlaClock, ticket: Ticket) -> list[EscalationRule]:
    return [
        rule
        for rule in EscalationRule.objects.filter(active=True, trigger=trigger).select_related("assign_team")
        if (not rule.target or rule.target == clock.target)
        and (not rule.priorities or ticket.priority in rule.priorities)
    ]


def _escalate(trigger: str, clock: SlaClock, ticket: Ticket, now: dt.datetime) -> None:
    for rule in _rules(trigger, clock, ticket):
        if Escalation.objects.filter(ticket=ticket, rule=rule).exists():
            continue  # a rule escalates a ticket once; two targets breaching together do not jump two levels
        current = LEVEL_ORDER.index(ticket.level)
        to_level = rule.raise_to or (LEVEL_ORDER[current + 1] if current + 1 < len(LEVEL_ORDER) else None)
        if to_level is None or LEVEL_ORDER.index(to_level) <= current:
            continue  # already there: a rule never lowers a level, and fires once per clock event
        try:
            ticket = services.ticket_escalate(
                ticket=ticket,
                to_level=to_level,
                reason=f"{clock.get_target_display()} {trigger.replace('_', ' ')}",
                actor=None,
                team=rule.assign_team,
                rule=rule,
                now=now,
            )
        except Conflict:
            continue
        if rule.notify_manager:
            manager = notify.manager_of(ticket)
            if manager:
                notify.users(
                    [manager],
                    ticket,
                    NotificationKind.ESCALATED,
                    f"{ticket.reference} escalated by rule “{rule.name}”",
                    now=now,
                )
        break


def _claim(clock_id: int, **update) -> bool:
    field = next(iter(update))
    return bool(SlaClock.objects.filter(pk=clock_id, **{f"{field}__isnull": True}).update(**update))


def _breach(clock_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not _claim(clock_id, breached_at=F("due_at")):
            return False
        clock = SlaClock.objects.select_related("ticket").get(pk=clock_id)
        ticket = services.lock(clock.ticket_id)
        SlaClockEvent.objects.create(
            clock=clock, kind=ClockEventKind.BREACHED, at=clock.due_at, data={"found_at": now.isoformat()}
        )
        what = "promise broken" if clock.target == Target.PROMISE else "breached"
        events.sla(ticket, what=what, target=clock.target, when=now, due_at=clock.due_at)
        if clock.target == Target.PROMISE:
            clocks.fulfil(ticket, clock, at=now, reason="promised time passed")
        clocks.sync_ticket_dues(ticket, now=now)
        ticket.save(
            update_fields=["first_response_due", "next_update_due", "resolution_due", "due_key", "breached", "at_risk"]
        )
        people = [ticket.assignee] if ticket.assignee_id else []
        text = f"{ticket.reference}: {clock.get_target_display()} {what.replace('breached', 'SLA breached')}"
        if people:
            notify.users(people, ticket, NotificationKind.BREACHED, text, now=now)
        if ticket.team_id:
            notify.team(ticket.team, ticket, NotificationKind.BREACHED, text, now=now)
        if clock.target != Target.PROMISE:
            services.on_commit_webhook("ticket.sla_breached", ticket, target=clock.target, due_at=clock.due_at)
            _escalate(EscalationTrigger.BREACH, clock, ticket, now)
    return True


def _at_risk(clock_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not _claim(clock_id, at_risk_notified_at=now):
            return False
        clock = SlaClock.objects.select_related("ticket").get(pk=clock_id)
        ticket = services.lock(clock.ticket_id)
        if clock.target == Target.PROMISE:
            SlaClockEvent.objects.create(clock=clock, kind=ClockEventKind.REMINDED, at=now)
            who = clock.promised_by or ticket.assignee
            notify.users(
                [who],
                ticket,
                NotificationKind.PROMISE_DUE,
                f"{ticket.reference}: you promised an update by {timezone.localtime(clock.due_at):%H:%M}",
                now=now,
            )
            return True
        SlaClockEvent.objects.create(clock=clock, kind=ClockEventKind.AT_RISK, at=now)
        events.sla(ticket, what="at risk", target=clock.target, when=now, due_at=clock.due_at)
        clocks.sync_ticket_dues(ticket, now=now)
        ticket.save(update_fields=["at_risk", "breached"])
        text = f"{ticket.reference}: {clock.get_target_display()} at risk, due {timezone.localtime(clock.due_at):%H:%M}"
        if ticket.assignee_id:
            notify.users([ticket.assignee], ticket, NotificationKind.AT_RISK, text, now=now)
        elif ticket.team_id:
            notify.team(ticket.team, ticket, NotificationKind.AT_RISK, text, now=now)
        _escalate(EscalationTrigger.AT_RISK, clock, ticket, now)
    return True


def run(now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep; safe to run concurrently and repeatedly (each clock is claimed once per outcome)."""
    now = now or timezone.now()
    counts = {"breached": 0, "at_risk": 0}
    while True:
        ids = _due_ids("due_at", now, breached_at__isnull=True)
        if not ids:
            break
        done = sum(_breach(i, now) for i in ids)
        counts["breached"] += done
        if len(ids) < BATCH:
            break
    while True:
        ids = _due_ids("at_risk_at", now, at_risk_notified_at__isnull=True, breached_at__isnull=True)
        if not ids:
            break
        counts["at_risk"] += sum(_at_risk(i, now) for i in ids)
        if len(ids) < BATCH:
            break
    if counts["breached"] or counts["at_risk"]:
        log.info("SLA sweep: %s", counts)
    return counts
