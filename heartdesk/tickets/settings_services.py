"""Writes for the help desk's settings: business calendars and closures, SLA policies with their whole target
matrix, escalation rules and canned responses.

Each service is keyword-only, takes `actor`, runs in one transaction and checks everything before it writes, so a
bad matrix leaves the policy exactly as it was. Errors name the field at fault (`targets.3.tier_id`).

Decisions:
- Saving a policy replaces its whole matrix; tickets already open keep the due times they were given (a policy
  applies to tickets created, or re-prioritised, afterwards).
- One default policy: making a policy the default unsets the old one; the default cannot be unset or deleted
  directly (make another policy the default first), so a ticket matching nothing still gets an SLA.
- A policy that any ticket refers to cannot be deleted (409): deactivate it instead, so reports keep saying which
  policy a ticket was measured against. A calendar a policy uses cannot be deleted either.
- Target minutes are whole minutes of at least 1, or blank for "no target".
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers.models import Organization, Tier
from heartdesk.tickets.choices import Channel, EscalationTrigger, Level, Priority, Target
from heartdesk.tickets.models import (
    BusinessCalendar,
    CalendarClosure,
    CannedResponse,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
)
from heartdesk.tickets.sla import calendar as business_time

TARGET_MINUTES = ("first_response_minutes", "next_update_minutes", "resolution_minutes")
MAX_MINUTES = 366 * 24 * 60
_CALENDAR_FIELDS = {"weekly": "windows", "partial_closures": "closures", "closed_dates": "closures"}


def _text(value, field: str, *, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(f"The {field.replace('_', ' ')} must not be empty.", field=field)
    if len(text) > max_length:
        raise Invalid(f"The {field.replace('_', ' ')} is {len(text)} characters; at most {max_length}.", field=field)
    return text


def _position(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise Invalid("The position must be a whole number from 0 to 100000.", field="position")
    return value


def _unique(save, *, field: str, value: str):
    """Run `save`; a clash on the unique `field` becomes a 409 naming it."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        raise Conflict(f"Another record is already called {value!r}.", field=field)


# --- Calendars ------------------------------------------------------------------------------------------------


def parse_time(text: str, *, field: str) -> dt.time:
    """ "HH:MM" local time; "24:00" (and "00:00" as an end) mean midnight, as `policies.to_business_calendar` reads."""
    value = str(text or "").strip()
    if value in ("24:00", "24:00:00"):
        return dt.time(0, 0)
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise Invalid(f'"{value}" is not a time; write it as HH:MM, for example 09:00 or 17:30.', field=field)
    if parsed.tzinfo is not None:
        raise Invalid(f'"{value}" must be a local time without a zone.', field=field)
    return parsed


def _windows(raw) -> dict[int, list[tuple[dt.time, dt.time]]]:
    if not isinstance(raw, dict):
        raise Invalid('Windows map weekdays "0" (Monday) to "6" to lists of ["HH:MM", "HH:MM"].', field="windows")
    weekly = {}
    for key, spans in raw.items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            raise Invalid(f"Unknown weekday {key!r}; use 0 (Monday) to 6 (Sunday).", field="windows")
        if day not in range(7):
            raise Invalid(f"Unknown weekday {key!r}; use 0 (Monday) to 6 (Sunday).", field="windows")
        if not isinstance(spans, list | tuple):
            raise Invalid(f"Weekday {key}: windows must be a list of [start, end] pairs.", field="windows")
        pairs = []
        for span in spans:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise Invalid(f"Weekday {key}: each window is a pair [start, end], not {span!r}.", field="windows")
            pairs.append((parse_time(span[0], field="windows"), parse_time(span[1], field="windows")))
        weekly[day] = pairs
    return weekly


def _check(cal: business_time.BusinessCalendar) -> None:
    problems = business_time.check_calendar(cal)
    if problems:
        errors: dict[str, list[str]] = {}
        for field, message in problems:
            errors.setdefault(_CALENDAR_FIELDS.get(field, field), []).append(message)
        first = next(iter(errors))
        raise Invalid(" ".join(m for _, m in problems), field=first, errors=errors)


def _stored(weekly: dict[int, list[tuple[dt.time, dt.time]]]) -> dict[str, list[list[str]]]:
    def clock(t: dt.time) -> str:
        return t.strftime("%H:%M")

    return {
        str(day): [[clock(a), "24:00" if b == dt.time(0, 0) else clock(b)] for a, b in sorted(spans)]
        for day, spans in sorted(weekly.items())
        if spans
    }


@transaction.atomic
def calendar_save(
    *,
    calendar: BusinessCalendar | None = None,
    name: str,
    time_zone: str,
    windows: dict,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    always_open: bool = False,
    actor: User | None,
) -> BusinessCalendar:
    """Create a calendar, or replace every field of `calendar`; windows as {"0": [["09:00", "17:00"]], ...}."""
    policy.require(actor, policy.SLA_MANAGE)
    name = _text(name, "name", max_length=100, required=True)
    time_zone = _text(time_zone, "time_zone", max_length=64)
    country = _text(holiday_country, "holiday_country", max_length=8).upper()
    subdivision = _text(holiday_subdivision, "holiday_subdivision", max_length=16).upper()
    weekly = _windows(windows)
    _check(
        business_time.BusinessCalendar(
            time_zone=time_zone,
            weekly=weekly,
            holiday_country=country,
            holiday_subdivision=subdivision,
            always_open=bool(always_open),
        )
    )
    if calendar is None:
        calendar = BusinessCalendar()
    else:
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    calendar.name = name
    calendar.time_zone = time_zone
    calendar.windows = _stored(weekly)
    calendar.holiday_country = country
    calendar.holiday_subdivision = subdivision
    calendar.always_open = bool(always_open)
    return _unique(lambda: calendar.save() or calendar, field="name", value=name)


@transaction.atomic
def calendar_delete(*, calendar: BusinessCalendar, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    users = list(SlaPolicy.objects.filter(calendar=calendar).values_list("name", flat=True)[:5])
    if users:
        raise Conflict(f"The calendar is used by {', '.join(users)}; give them another calendar first.")
    try:
        calendar.delete()
    except ProtectedError:
        raise Conflict("The calendar is still in use.")


@transaction.atomic
def closure_add(
    *,
    calendar: BusinessCalendar,
    date: dt.date,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
    name: str = "",
    actor: User | None,
) -> CalendarClosure:
    """Close a whole local date (no times), or the window `starts`–`ends` of it ("24:00" end: until midnight)."""
    policy.require(actor, policy.SLA_MANAGE)
    if not isinstance(date, dt.date):
        raise Invalid("Give the closed date as YYYY-MM-DD.", field="date")
    if (starts is None) != (ends is None):
        raise Invalid("Give both a start and an end time, or neither for the whole day.", field="ends")
    if starts is not None and ends != dt.time(0, 0) and ends <= starts:
        raise Invalid(f"The closure ends ({ends:%H:%M}) before it starts ({starts:%H:%M}).", field="ends")
    if starts is not None and ends == dt.time(0, 0):
        ends = dt.time(23, 59, 59, 999999)  # the table stores starts < ends; the last microsecond is midnight
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    closure = CalendarClosure.objects.create(
        calendar=calendar, date=date, starts=starts, ends=ends, name=_text(name, "name", max_length=100)
    )
    calendar.save(update_fields=["updated_at"])  # due-time arithmetic caches a calendar by its updated_at
    return closure


@transaction.atomic
def closure_remove(*, closure: CalendarClosure, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    calendar = BusinessCalendar.objects.select_for_update().get(pk=closure.calendar_id)
    closure.delete()
    calendar.save(update_fields=["updated_at"])


# --- SLA policies ---------------------------------------------------------------------------------------------


def _ids(model, ids, field: str) -> list:
    ids = list(dict.fromkeys(ids or []))
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"There is no {model._meta.verbose_name} with id {missing[0]}.", field=field)
    return [found[i] for i in ids]


def _targets(rows: list[dict]) -> list[SlaTarget]:
    org_ids = {row.get("organization_id") for row in rows} - {None}
    tier_ids = {row.get("tier_id") for row in rows} - {None}
    orgs = set(Organization.objects.filter(pk__in=org_ids).values_list("pk", flat=True))
    tiers = set(Tier.objects.filter(pk__in=tier_ids).values_list("pk", flat=True))
    seen: dict[tuple, int] = {}
    out = []
    for i, row in enumerate(rows):
        at = f"targets.{i}"
        priority = row.get("priority")
        if priority not in Priority.values:
            raise Invalid(
                f"Unknown priority {priority!r}; choose one of {', '.join(Priority.values)}.", field=f"{at}.priority"
            )
        org_id, tier_id, channel = row.get("organization_id"), row.get("tier_id"), row.get("channel") or ""
        if org_id is not None and tier_id is not None:
            raise Invalid("A row is scoped by an organization or a tier, not both.", field=f"{at}.tier_id")
        if org_id is not None and org_id not in orgs:
            raise Invalid(f"There is no organization with id {org_id}.", field=f"{at}.organization_id")
        if tier_id is not None and tier_id not in tiers:
            raise Invalid(f"There is no tier with id {tier_id}.", field=f"{at}.tier_id")
        if channel and channel not in Channel.values:
            raise Invalid(
                f"Unknown channel {channel!r}; choose one of {', '.join(Channel.values)}.", field=f"{at}.channel"
            )
        minutes = {}
        for name in TARGET_MINUTES:
            value = row.get(name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_MINUTES
            ):
                raise Invalid(
                    f"Minutes must be a whole number from 1 to {MAX_MINUTES}, or blank for no target.",
                    field=f"{at}.{name}",
                )
            minutes[name] = value
        cell = (priority, org_id, tier_id, channel)
        if cell in seen:
            raise Invalid(
                f"Rows {seen[cell]} and {i} are the same cell (priority, organization, tier and channel).",
                field=at,
            )
        seen[cell] = i
        out.append(
            SlaTarget(
                priority=priority,
                organization_id=org_id,
                tier_id=tier_id,
                channel=channel,
                around_the_clock=bool(row.get("around_the_clock")),
                **minutes,
            )
        )
    return out


@transaction.atomic
def policy_save(
    *,
    sla_policy: SlaPolicy | None = None,
    name: str,
    description: str = "",
    calendar_id: int | None = None,
    is_default: bool = False,
    position: int = 100,
    active: bool = True,
    organization_ids: list[int] | None = None,
    tier_ids: list[int] | None = None,
    channels: list[str] | None = None,
    pause_when_pending: bool = True,
    pause_when_on_hold: bool = False,
    at_risk_share: float = 0.75,
    targets: list[dict],
    actor: User | None,
) -> SlaPolicy:
    """Create a policy, or replace every field and the whole matrix of `sla_policy`.

    `targets` rows: priority, organization_id | tier_id (not both), channel ("" = any), the three *_minutes
    (None = no target) and around_the_clock.
    """
    policy.require(actor, policy.SLA_MANAGE)
    name = _text(name, "name", max_length=100, required=True)
    description = _text(description, "description", max_length=500)
    position = _position(position)
    if not isinstance(at_risk_share, int | float) or isinstance(at_risk_share, bool) or not 0 < at_risk_share < 1:
        raise Invalid("The at-risk share must be between 0 and 1, for example 0.75.", field="at_risk_share")
    calendar = None
    if calendar_id is not None:
        calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        if calendar is None:
            raise Invalid(f"There is no calendar with id {calendar_id}.", field="calendar_id")
    channels = list(dict.fromkeys(str(c) for c in channels or []))
    for channel in channels:
        if channel not in Channel.values:
            raise Invalid(f"Unknown channel {channel!r}; choose from {', '.join(Channel.values)}.", field="channels")
    organizations = _ids(Organization, organization_ids, "organization_ids")
    tiers = _ids(Tier, tier_ids, "tier_ids")
    rows = _targets(targets or [])

    if sla_policy is not None:
        sla_policy = SlaPolicy.objects.select_for_update().get(pk=sla_policy.pk)
        if sla_policy.is_default and not is_default:
            raise Invalid("This is the default policy; make another policy the default instead.", field="is_default")
    else:
        sla_policy = SlaPolicy()
    if is_default:
        SlaPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=sla_policy.pk).update(is_default=False)
    sla_policy.name = name
    sla_policy.description = description
    sla_policy.calendar = calendar
    sla_policy.is_default = bool(is_default)
    sla_policy.position = position
    sla_policy.active = bool(active) or bool(is_default)
    sla_policy.channels = channels
    sla_policy.pause_when_pending = bool(pause_when_pending)
    sla_policy.pause_when_on_hold = bool(pause_when_on_hold)
    sla_policy.at_risk_share = float(at_risk_share)
    _unique(lambda: sla_policy.save(), field="name", value=name)
    sla_policy.organizations.set(organizations)
    sla_policy.tiers.set(tiers)
    SlaTarget.objects.filter(policy=sla_policy).delete()
    for row in rows:
        row.policy = sla_policy
    SlaTarget.objects.bulk_create(rows)
    return sla_policy


@transaction.atomic
def policy_delete(*, sla_policy: SlaPolicy, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    sla_policy = SlaPolicy.objects.select_for_update().get(pk=sla_policy.pk)
    if sla_policy.is_default:
        raise Conflict("The default policy cannot be deleted; make another policy the default first.")
    if Ticket.objects.filter(sla_policy=sla_policy).exists():
        raise Conflict("Tickets were measured against this policy; deactivate it instead of deleting it.")
    sla_policy.delete()


# --- Escalation rules -----------------------------------------------------------------------------------------


@transaction.atomic
def escalation_rule_save(
    *,
    rule: EscalationRule | None = None,
    name: str,
    trigger: str,
    active: bool = True,
    target: str = "",
    priorities: list[str] | None = None,
    raise_to: str = "",
    assign_team_id: int | None = None,
    notify_manager: bool = True,
    position: int = 100,
    actor: User | None,
) -> EscalationRule:
    policy.require(actor, policy.SLA_MANAGE)
    name = _text(name, "name", max_length=100, required=True)
    for value, choices, field, blank in (
        (trigger, EscalationTrigger, "trigger", False),
        (target, Target, "target", True),
        (raise_to, Level, "raise_to", True),
    ):
        if not (blank and not value) and value not in choices.values:
            raise Invalid(
                f"Unknown {field.replace('_', ' ')} {value!r}; choose one of {', '.join(choices.values)}.", field=field
            )
    priorities = list(dict.fromkeys(str(p) for p in priorities or []))
    for value in priorities:
        if value not in Priority.values:
            raise Invalid(f"Unknown priority {value!r}; choose from {', '.join(Priority.values)}.", field="priorities")
    team = None
    if assign_team_id is not None:
        team = Team.objects.filter(pk=assign_team_id).first()
        if team is None:
            raise Invalid(f"There is no team with id {assign_team_id}.", field="assign_team_id")
    rule = EscalationRule() if rule is None else EscalationRule.objects.select_for_update().get(pk=rule.pk)
    rule.name, rule.trigger, rule.active, rule.target = name, trigger, bool(active), target or ""
    rule.priorities, rule.raise_to, rule.assign_team = priorities, raise_to or "", team
    rule.notify_manager, rule.position = bool(notify_manager), _position(position)
    return _unique(lambda: rule.save() or rule, field="name", value=name)


@transaction.atomic
def escalation_rule_delete(*, rule: EscalationRule, actor: User | None) -> None:
    """Past escalations keep their text; their link to the rule becomes empty."""
    policy.require(actor, policy.SLA_MANAGE)
    rule.delete()


# --- Canned responses -----------------------------------------------------------------------------------------


@transaction.atomic
def canned_response_save(
    *, response: CannedResponse | None = None, title: str, body: str, position: int = 100, actor: User | None
) -> CannedResponse:
    policy.require(actor, policy.SLA_MANAGE)
    title = _text(title, "title", max_length=150, required=True)
    body = _text(body, "body", max_length=10000, required=True)
    response = CannedResponse() if response is None else CannedResponse.objects.select_for_update().get(pk=response.pk)
    response.title, response.body, response.position = title, body, _position(position)
    return _unique(lambda: response.save() or response, field="title", value=title)


@transaction.atomic
def canned_response_delete(*, response: CannedResponse, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    response.delete()
