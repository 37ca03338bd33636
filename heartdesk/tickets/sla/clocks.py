"""SLA clocks: start, pause, resume, fulfil, recompute; each step is a recorded clock event.

Call these while holding the ticket's row lock, inside the service's transaction; `sync_ticket_dues` then copies the
running due times into the ticket's indexed columns.
"""

from datetime import datetime, timedelta

from django.conf import settings

from heartdesk.calendars import business_time
from heartdesk.tickets import events
from heartdesk.tickets.choices import ClockEventKind, ClockState, Status, Target
from heartdesk.tickets.models import NO_DUE, SlaClock, SlaClockEvent, Ticket
from heartdesk.tickets.sla import matching

SLA_TARGETS = (Target.FIRST_RESPONSE, Target.NEXT_UPDATE, Target.RESOLUTION)
LIVE = (ClockState.RUNNING, ClockState.PAUSED)


def _event(clock: SlaClock, kind: str, at: datetime, **data) -> None:
    SlaClockEvent.objects.create(clock=clock, kind=kind, at=at, data={k: events.value(v) for k, v in data.items()})


def _calendar(ticket: Ticket, clock: SlaClock):
    return matching.clock_calendar(ticket.sla_policy, clock.around_the_clock)


def _schedule(ticket: Ticket, clock: SlaClock, at: datetime) -> None:
    """Due and at-risk times of a running clock from `at` on, given what it has used so far."""
    if clock.target == Target.PROMISE:
        return
    cal = _calendar(ticket, clock)
    remaining = max(0, clock.target_seconds - clock.elapsed_seconds)
    clock.due_at = business_time.add_business_seconds(cal, at, remaining)
    share = ticket.sla_policy.at_risk_share if ticket.sla_policy else 0.75
    risk_after = int(clock.target_seconds * share) - clock.elapsed_seconds
    clock.at_risk_at = business_time.add_business_seconds(cal, at, risk_after) if risk_after > 0 else at


def start(ticket: Ticket, target: str, *, minutes: int, around_the_clock: bool, at: datetime) -> SlaClock:
    clock = SlaClock(
        ticket=ticket,
        target=target,
        around_the_clock=around_the_clock,
        target_seconds=minutes * 60,
        started_at=at,
        running_since=at,
    )
    _schedule(ticket, clock, at)
    clock.save()
    _event(clock, ClockEventKind.STARTED, at, due_at=clock.due_at, minutes=minutes)
    return clock


def _used(ticket: Ticket, clock: SlaClock, at: datetime) -> int:
    if clock.state != ClockState.RUNNING or clock.running_since is None or clock.target == Target.PROMISE:
        return clock.elapsed_seconds
    return clock.elapsed_seconds + business_time.business_seconds_between(
        _calendar(ticket, clock), clock.running_since, max(at, clock.running_since)
    )


def pause(ticket: Ticket, clock: SlaClock, *, at: datetime, reason: str) -> None:
    if clock.state != ClockState.RUNNING or clock.target == Target.PROMISE:
        return
    clock.elapsed_seconds = _used(ticket, clock, at)
    clock.state = ClockState.PAUSED
    clock.running_since = clock.due_at = clock.at_risk_at = None
    clock.save()
    _event(clock, ClockEventKind.PAUSED, at, reason=reason, elapsed_seconds=clock.elapsed_seconds)


def resume(ticket: Ticket, clock: SlaClock, *, at: datetime, reason: str) -> None:
    if clock.state != ClockState.PAUSED:
        return
    clock.state = ClockState.RUNNING
    clock.running_since = at
    _schedule(ticket, clock, at)
    clock.save()
    _event(clock, ClockEventKind.RESUMED, at, reason=reason, due_at=clock.due_at)


def fulfil(ticket: Ticket, clock: SlaClock, *, at: datetime, reason: str) -> None:
    """Stop a live clock: met if on time, breached if late (a breach found now is recorded now, once)."""
    if not clock.is_live:
        return
    if clock.target == Target.PROMISE:
        late = at > clock.due_at
    else:
        clock.elapsed_seconds = _used(ticket, clock, at)
        late = clock.elapsed_seconds > clock.target_seconds
    if late and clock.breached_at is None:
        clock.breached_at = clock.due_at or at
        _event(clock, ClockEventKind.BREACHED, clock.breached_at, found_at=at)
        events.sla(ticket, what="breached", target=clock.target, when=at, due_at=clock.due_at)
    clock.state = ClockState.BREACHED if (late or clock.breached_at) else ClockState.FULFILLED
    clock.stopped_at = at
    clock.running_since = None
    clock.save()
    _event(clock, ClockEventKind.FULFILLED, at, reason=reason, met=clock.state == ClockState.FULFILLED)
    events.sla(ticket, what="met" if clock.state == ClockState.FULFILLED else "met late", target=clock.target, when=at)


def cancel(ticket: Ticket, clock: SlaClock, *, at: datetime, reason: str) -> None:
    if not clock.is_live:
        return
    clock.state = ClockState.CANCELLED
    clock.stopped_at = at
    clock.running_since = clock.due_at = clock.at_risk_at = None
    clock.save()
    _event(clock, ClockEventKind.CANCELLED, at, reason=reason)


def reopen(ticket: Ticket, clock: SlaClock, *, at: datetime) -> None:
    """A reopened ticket's resolution clock runs on from what it had used (the time it sat solved is not counted)."""
    clock.state = ClockState.RUNNING
    clock.stopped_at = None
    clock.running_since = at
    _schedule(ticket, clock, at)
    clock.save()
    _event(clock, ClockEventKind.RESUMED, at, reason="reopened", due_at=clock.due_at)


def live_clocks(ticket: Ticket) -> dict[str, SlaClock]:
    """The live clock of each SLA target (promises excluded)."""
    return {c.target: c for c in ticket.clocks.filter(state__in=LIVE).exclude(target=Target.PROMISE).order_by("id")}


def should_pause(ticket: Ticket) -> bool:
    policy = ticket.sla_policy
    if policy is None:
        return False
    return (ticket.status == Status.PENDING and policy.pause_when_pending) or (
        ticket.status == Status.ON_HOLD and policy.pause_when_on_hold
    )


def apply_status(ticket: Ticket, *, at: datetime) -> None:
    """Pause or resume every live clock to match the ticket's status."""
    pausing = should_pause(ticket)
    for clock in live_clocks(ticket).values():
        if pausing:
            pause(ticket, clock, at=at, reason=f"status {ticket.status}")
        else:
            resume(ticket, clock, at=at, reason=f"status {ticket.status}")


def recompute(ticket: Ticket, *, at: datetime, reason: str) -> None:
    """Apply the current policy and priority to the live clocks: a change mid-ticket keeps the time already used."""
    ticket.sla_policy, targets = matching.policy_and_targets(ticket)
    live = live_clocks(ticket)
    for target in SLA_TARGETS:
        minutes = targets.minutes(target)
        clock = live.get(target)
        if clock is None:
            continue
        if minutes is None:
            cancel(ticket, clock, at=at, reason=f"no {target} target after {reason}")
            continue
        clock.target_seconds = minutes * 60
        clock.around_the_clock = targets.around_the_clock
        if clock.state == ClockState.RUNNING:
            clock.elapsed_seconds = _used(ticket, clock, at)
            clock.running_since = at
            _schedule(ticket, clock, at)
        clock.save()
        _event(clock, ClockEventKind.RECOMPUTED, at, reason=reason, minutes=minutes, due_at=clock.due_at)
    missing = {
        Target.RESOLUTION: ticket.status != Status.SOLVED,
        Target.FIRST_RESPONSE: ticket.first_response_at is None,
    }
    for target, needed in missing.items():
        minutes = targets.minutes(target)
        if minutes is None or not needed or target in live or ticket.clocks.filter(target=target).exists():
            continue  # a policy that gains a target starts its clock now; a met or cancelled one stays as it was
        start(ticket, target, minutes=minutes, around_the_clock=targets.around_the_clock, at=at)


def plan_on_create(ticket: Ticket, *, at: datetime, first_response_made: bool) -> tuple[list[SlaClock], str]:
    """A new ticket's policy (set on it) and its clocks, scheduled but not saved, with the matched cell's name.

    Call before the ticket is first saved, with `sync_ticket_dues(ticket, now=at, live=clocks)`: the ticket is then
    inserted with its due columns, instead of inserted and updated again (a second write of a row with a dozen
    indexes on a table of a million tickets). `start_planned` saves the clocks once the ticket has its id.
    """
    ticket.sla_policy, targets = matching.policy_and_targets(ticket)
    wanted = (
        (Target.FIRST_RESPONSE, targets.first_response, not first_response_made),
        (Target.RESOLUTION, targets.resolution, True),
        (Target.NEXT_UPDATE, targets.next_update, first_response_made),
    )
    planned = []
    for target, minutes, needed in wanted:
        if minutes is None or not needed:
            continue
        clock = SlaClock(
            ticket=ticket,
            target=target,
            around_the_clock=targets.around_the_clock,
            target_seconds=minutes * 60,
            started_at=at,
            running_since=at,
        )
        _schedule(ticket, clock, at)
        planned.append(clock)
    return planned, targets.source


def start_planned(ticket: Ticket, planned: list[SlaClock], *, source: str, at: datetime) -> None:
    """Save the clocks of `plan_on_create` (the ticket saved by now) with their events, and say which cell applied."""
    for clock in planned:
        clock.save()
        _event(clock, ClockEventKind.STARTED, at, due_at=clock.due_at, minutes=clock.target_seconds // 60)
    if source:
        events.sla(ticket, what="policy applied", target="", when=at, policy=source)


def on_agent_reply(ticket: Ticket, *, at: datetime) -> None:
    """A public reply meets the first response (or the pending update) and starts the next update's clock."""
    live = live_clocks(ticket)
    for target in (Target.FIRST_RESPONSE, Target.NEXT_UPDATE):
        if target in live:
            fulfil(ticket, live[target], at=at, reason="public reply")
    for promise in ticket.clocks.filter(target=Target.PROMISE, state__in=LIVE):
        fulfil(ticket, promise, at=at, reason="public reply")
    targets = matching.targets_for(ticket.sla_policy, ticket)
    if targets.next_update is not None and ticket.is_open:
        clock = start(
            ticket, Target.NEXT_UPDATE, minutes=targets.next_update, around_the_clock=targets.around_the_clock, at=at
        )
        if should_pause(ticket):
            pause(ticket, clock, at=at, reason=f"status {ticket.status}")


def on_solved(ticket: Ticket, *, at: datetime) -> None:
    live = live_clocks(ticket)
    if Target.RESOLUTION in live:
        fulfil(ticket, live[Target.RESOLUTION], at=at, reason="solved")
    for target in (Target.FIRST_RESPONSE, Target.NEXT_UPDATE):
        if target in live:
            cancel(ticket, live[target], at=at, reason="solved")
    for promise in ticket.clocks.filter(target=Target.PROMISE, state__in=LIVE):
        fulfil(ticket, promise, at=at, reason="solved")


def on_reopened(ticket: Ticket, *, at: datetime) -> None:
    last = ticket.clocks.filter(target=Target.RESOLUTION).order_by("-id").first()
    if last is not None and not last.is_live:
        reopen(ticket, last, at=at)
    targets = matching.targets_for(ticket.sla_policy, ticket)
    if targets.next_update is not None:
        start(ticket, Target.NEXT_UPDATE, minutes=targets.next_update, around_the_clock=targets.around_the_clock, at=at)


def promise(ticket: Ticket, *, due_at: datetime, at: datetime, by, message=None, note: str = "") -> SlaClock:
    reminder = due_at - timedelta(minutes=settings.PROMISE_REMINDER_MINUTES)
    clock = SlaClock.objects.create(
        ticket=ticket,
        target=Target.PROMISE,
        started_at=at,
        running_since=at,
        due_at=due_at,
        at_risk_at=max(reminder, at),
        message=message,
        promised_by=by,
        note=note[:300],
    )
    _event(clock, ClockEventKind.STARTED, at, due_at=due_at)
    return clock


def sync_ticket_dues(ticket: Ticket, *, now: datetime, live: list[SlaClock] | None = None) -> None:
    """Copy the running due times into the ticket's indexed columns (the caller saves the ticket). `live`: the
    ticket's live clocks when the caller has them all (a new ticket's planned ones); read otherwise."""
    running = list(ticket.clocks.filter(state__in=LIVE)) if live is None else [c for c in live if c.state in LIVE]
    due = {c.target: c.due_at for c in running if c.state == ClockState.RUNNING and c.target != Target.PROMISE}
    ticket.first_response_due = due.get(Target.FIRST_RESPONSE)
    ticket.next_update_due = due.get(Target.NEXT_UPDATE)
    ticket.resolution_due = due.get(Target.RESOLUTION)
    dues = [c.due_at for c in running if c.state == ClockState.RUNNING and c.due_at]
    ticket.due_key = min(dues) if dues else NO_DUE
    ticket.breached = any(c.breached_at is not None for c in running)
    ticket.at_risk = not ticket.breached and any(
        c.at_risk_at is not None and c.at_risk_at <= now and c.state == ClockState.RUNNING for c in running
    )
