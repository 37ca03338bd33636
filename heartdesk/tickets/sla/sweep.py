"""The periodic SLA sweep: breaches, at-risk warnings and promise reminders, then the escalation rules.

Due work is found through the indexed (state, due_at) and (state, at_risk_at) columns, a batch at a time. Each batch
is one transaction: its clocks are locked (skipping rows another sweeper holds) and claimed with a conditional
UPDATE, so several workers can sweep at once and every breach is recorded exactly once; the events, notifications
and rule escalations of the whole batch are then written with a few bulk statements.
"""

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from heartdesk.accounts.models import Team, User
from heartdesk.core import bulk
from heartdesk.messaging.choices import NotificationKind
from heartdesk.tickets import escalation, events, locking, notify, webhook_events
from heartdesk.tickets.choices import LEVEL_ORDER, ClockEventKind, ClockState, EscalationTrigger, EventKind, Target
from heartdesk.tickets.models import (
    Escalation,
    EscalationRule,
    SlaClock,
    SlaClockEvent,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from heartdesk.tickets.sla import clocks
from heartdesk.webhooks.dispatch import wanted

log = logging.getLogger(__name__)
# Clocks per batch (one transaction). On PostgreSQL a batch locks only its own rows, so a large one holds nobody
# up; on SQLite it holds the database's one write lock, so it stays near a second of work.
BATCH = {"postgresql": 2000, "sqlite": 1000}


def _batch_size() -> int:
    return BATCH.get(connection.vendor, 1000)


def _due_ids(field: str, now: dt.datetime, **extra) -> list[int]:
    return list(
        SlaClock.objects.filter(state=ClockState.RUNNING, **{f"{field}__lte": now}, **extra)
        .order_by(field)
        .values_list("id", flat=True)[: _batch_size()]
    )


# What the sweep reads of a ticket: its rules' and notices' inputs and the webhook payload, not its ~35 columns.
TICKET_FIELDS = (
    "subject",
    "status",
    "priority",
    "channel",
    "type",
    "level",
    "requester",
    "organization",
    "assignee",
    "team",
    "sla_policy",
    "solved_at",
    "first_response_due",
    "next_update_due",
    "resolution_due",
)
TARGET_LABELS = dict(Target.choices)
CLOCK_FIELDS = ("ticket", "target", "state", "due_at", "at_risk_notified_at", "breached_at", "promised_by")


def _lock(ids: list[int], **unclaimed) -> list[SlaClock]:
    """The batch's clocks still unclaimed, locked for this transaction (rows another sweeper holds are skipped),
    with their tickets and the few people, teams and policies those refer to (three small reads, not a join)."""
    batch = list(
        SlaClock.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=ids, state=ClockState.RUNNING, **unclaimed)
        .select_related("ticket")
        .only(*CLOCK_FIELDS, *(f"ticket__{f}" for f in TICKET_FIELDS))
    )
    tickets = [c.ticket for c in batch]
    teams = Team.objects.select_related("manager").in_bulk({t.team_id for t in tickets if t.team_id})
    people = User.objects.in_bulk(
        {t.assignee_id for t in tickets if t.assignee_id} | {c.promised_by_id for c in batch if c.promised_by_id}
    )
    policy_ids = {t.sla_policy_id for t in tickets if t.sla_policy_id}
    policies = SlaPolicy.objects.select_related("calendar").in_bulk(policy_ids)
    for clock in batch:
        ticket = clock.ticket
        ticket.team = teams.get(ticket.team_id)
        ticket.assignee = people.get(ticket.assignee_id)
        ticket.sla_policy = policies.get(ticket.sla_policy_id)
        clock.promised_by = people.get(clock.promised_by_id)
    return batch


class _Rules:
    """The active rules of one trigger, read once per batch; a rule escalates a ticket once."""

    def __init__(self, trigger: str, tickets: list[Ticket]):
        self.rules = list(
            EscalationRule.objects.filter(active=True, trigger=trigger)
            .select_related("assign_team")
            .order_by("position", "name")
        )
        self.fired = (
            set(
                Escalation.objects.filter(ticket__in=[t.pk for t in tickets], rule__in=self.rules).values_list(
                    "ticket_id", "rule_id"
                )
            )
            if self.rules
            else set()
        )

    def escalation(self, trigger: str, clock: SlaClock, ticket: Ticket):
        for rule in self.rules:
            if rule.target and rule.target != clock.target:
                continue
            if rule.priorities and ticket.priority not in rule.priorities:
                continue
            if (ticket.pk, rule.pk) in self.fired:
                continue  # two targets breaching together do not jump two levels
            current = LEVEL_ORDER.index(ticket.level)
            to_level = rule.raise_to or (LEVEL_ORDER[current + 1] if current + 1 < len(LEVEL_ORDER) else None)
            if to_level is None or LEVEL_ORDER.index(to_level) <= current:
                continue  # a rule never lowers a level
            self.fired.add((ticket.pk, rule.pk))
            reason = f"{TARGET_LABELS[clock.target]} {trigger.replace('_', ' ')}"
            return escalation.RuleEscalation(ticket=ticket, rule=rule, to_level=to_level, reason=reason)
        return None


def _team_members(tickets) -> dict[int, list]:
    members: dict[int, list] = {}
    for ticket in tickets:
        if ticket.team_id and ticket.team_id not in members:
            members[ticket.team_id] = notify.team_members(ticket.team)
    return members


def _promise_breach(clock: SlaClock, now: dt.datetime) -> None:
    """A promise passed unkept: recorded as broken and stopped (rare; one clock at a time, read whole)."""
    ticket = locking.lock(clock.ticket_id)
    clock = SlaClock.objects.select_related("promised_by").get(pk=clock.pk)
    events.sla(ticket, what="promise broken", target=clock.target, when=now, due_at=clock.due_at)
    clocks.fulfil(ticket, clock, at=now, reason="promised time passed")
    clocks.sync_ticket_dues(ticket, now=now)
    ticket.save(
        update_fields=["first_response_due", "next_update_due", "resolution_due", "due_key", "breached", "at_risk"]
    )
    text = f"{ticket.reference}: promise broken (due {timezone.localtime(clock.due_at):%H:%M})"
    notify.users([ticket.assignee, clock.promised_by], ticket, NotificationKind.BREACHED, text, now=now)


@transaction.atomic
def _breach_batch(ids: list[int], now: dt.datetime) -> int:
    batch = _lock(ids, breached_at__isnull=True, due_at__lte=now)
    if not batch:
        return 0
    SlaClock.objects.filter(pk__in=[c.pk for c in batch], breached_at__isnull=True).update(breached_at=F("due_at"))
    bulk.insert_rows(
        SlaClockEvent,
        [
            {"clock_id": c.pk, "kind": ClockEventKind.BREACHED, "at": c.due_at, "data": {"found_at": now.isoformat()}}
            for c in batch
        ],
    )
    slas = [c for c in batch if c.target != Target.PROMISE]
    for clock in (c for c in batch if c.target == Target.PROMISE):
        _promise_breach(clock, now)
    if not slas:
        return len(batch)
    tickets = list({c.ticket_id: c.ticket for c in slas}.values())
    bulk.insert_rows(
        TicketEvent,
        [
            events.build(
                c.ticket, EventKind.SLA, actor_label="SLA", when=now, what="breached", target=c.target, due_at=c.due_at
            )
            for c in slas
        ],
    )
    # The assignee hears of it; an unowned ticket's team does (the rule's manager notice comes with escalation).
    members = _team_members(t for t in tickets if not t.assignee_id)
    notes = []
    for clock in slas:
        ticket = clock.ticket
        text = f"{ticket.reference}: {TARGET_LABELS[clock.target]} SLA breached"
        people = [ticket.assignee] if ticket.assignee_id else members.get(ticket.team_id, [])
        notes.append((people, ticket, NotificationKind.BREACHED, text))
    if wanted("ticket.sla_breached"):
        for clock in slas:
            webhook_events.on_commit_webhook(
                "ticket.sla_breached", clock.ticket, target=clock.target, due_at=clock.due_at
            )
    rules = _Rules(EscalationTrigger.BREACH, tickets)
    escalations = [e for c in slas if (e := rules.escalation(EscalationTrigger.BREACH, c, c.ticket))]
    # Each ticket row is written once: an escalated ticket gets its breach flags with its new level. Each person
    # hears of a ticket once: of its breach and the escalation that followed in one notification.
    flags = {"breached": True, "at_risk": False}
    escalated = escalation.tickets_escalate_by_rule(escalations, now=now, also=flags, outbox=notes)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets if t.pk not in escalated]).update(**flags)
    notify.many(notes, now=now)
    return len(batch)


@transaction.atomic
def _at_risk_batch(ids: list[int], now: dt.datetime) -> int:
    batch = _lock(ids, at_risk_notified_at__isnull=True, breached_at__isnull=True, at_risk_at__lte=now)
    if not batch:
        return 0
    SlaClock.objects.filter(pk__in=[c.pk for c in batch], at_risk_notified_at__isnull=True).update(
        at_risk_notified_at=now
    )
    bulk.insert_rows(
        SlaClockEvent,
        [
            {
                "clock_id": c.pk,
                "kind": ClockEventKind.REMINDED if c.target == Target.PROMISE else ClockEventKind.AT_RISK,
                "at": now,
            }
            for c in batch
        ],
    )
    notes = []
    promises = [c for c in batch if c.target == Target.PROMISE]
    for clock in promises:
        ticket = clock.ticket
        when = timezone.localtime(clock.due_at)
        text = f"{ticket.reference}: you promised an update by {when:%H:%M}"
        notes.append(([clock.promised_by or ticket.assignee], ticket, NotificationKind.PROMISE_DUE, text))
    slas = [c for c in batch if c.target != Target.PROMISE]
    tickets = list({c.ticket_id: c.ticket for c in slas}.values())
    if slas:
        bulk.insert_rows(
            TicketEvent,
            [
                events.build(
                    c.ticket,
                    EventKind.SLA,
                    actor_label="SLA",
                    when=now,
                    what="at risk",
                    target=c.target,
                    due_at=c.due_at,
                )
                for c in slas
            ],
        )
        Ticket.objects.filter(pk__in=[t.pk for t in tickets], breached=False).update(at_risk=True)
        members = _team_members(t for t in tickets if not t.assignee_id)
        for clock in slas:
            ticket = clock.ticket
            due = timezone.localtime(clock.due_at)
            text = f"{ticket.reference}: {TARGET_LABELS[clock.target]} at risk, due {due:%H:%M}"
            people = [ticket.assignee] if ticket.assignee_id else members.get(ticket.team_id, [])
            notes.append((people, ticket, NotificationKind.AT_RISK, text))
    if slas:
        rules = _Rules(EscalationTrigger.AT_RISK, tickets)
        escalations = [e for c in slas if (e := rules.escalation(EscalationTrigger.AT_RISK, c, c.ticket))]
        escalation.tickets_escalate_by_rule(escalations, now=now, outbox=notes)
    notify.many(notes, now=now)
    return len(batch)


def run(now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep; safe to run concurrently and repeatedly (each clock is claimed once per outcome)."""
    now = now or timezone.now()
    counts = {"breached": 0, "at_risk": 0}
    for key, field, extra, batch in (
        ("breached", "due_at", {"breached_at__isnull": True}, _breach_batch),
        ("at_risk", "at_risk_at", {"at_risk_notified_at__isnull": True, "breached_at__isnull": True}, _at_risk_batch),
    ):
        while True:
            ids = _due_ids(field, now, **extra)
            if not ids:
                break
            done = batch(ids, now)
            counts[key] += done
            if len(ids) < _batch_size() or not done:
                break
    if counts["breached"] or counts["at_risk"]:
        log.info("SLA sweep: %s", counts)
    return counts
