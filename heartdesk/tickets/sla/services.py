"""Writes for the SLA settings: policies with their whole target matrix, and escalation rules (calendars are
`calendars.services`).

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

from django.db import transaction

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.calendars.models import BusinessCalendar
from heartdesk.core import validation
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers.models import Organization, Tier
from heartdesk.tickets.choices import Channel, EscalationTrigger, Level, Priority, Target
from heartdesk.tickets.models import EscalationRule, SlaPolicy, SlaTarget, Ticket

TARGET_MINUTES = ("first_response_minutes", "next_update_minutes", "resolution_minutes")
MAX_MINUTES = 366 * 24 * 60


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
    name = validation.text(name, "name", max_length=100, required=True)
    description = validation.text(description, "description", max_length=500)
    position = validation.position(position)
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
    validation.unique(lambda: sla_policy.save(), field="name", value=name)
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
    name = validation.text(name, "name", max_length=100, required=True)
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
    rule.notify_manager, rule.position = bool(notify_manager), validation.position(position)
    return validation.unique(lambda: rule.save() or rule, field="name", value=name)


@transaction.atomic
def escalation_rule_delete(*, rule: EscalationRule, actor: User | None) -> None:
    """Past escalations keep their text; their link to the rule becomes empty."""
    policy.require(actor, policy.SLA_MANAGE)
    rule.delete()


# --- Canned responses -----------------------------------------------------------------------------------------
