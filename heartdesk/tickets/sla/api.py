"""REST endpoints for SLA policies and escalation rules: thin over `sla.services` (calendars: `calendars.api`).

Reads are open to all staff (TICKETS_VIEW); every write needs SLA_MANAGE (checked by the service).
"""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.tickets.models import EscalationRule, SlaPolicy
from heartdesk.tickets.sla import services

router = Router(tags=["sla"])


# --- Schemas ------------------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class TargetIn(Schema):
    priority: str
    organization_id: int | None = None
    tier_id: int | None = None
    channel: str = ""
    first_response_minutes: int | None = None
    next_update_minutes: int | None = None
    resolution_minutes: int | None = None
    around_the_clock: bool = False


class TargetOut(TargetIn):
    pass


class PolicyIn(Schema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=500)
    calendar_id: int | None = None
    is_default: bool = False
    position: int = 100
    active: bool = True
    organization_ids: list[int] = []
    tier_ids: list[int] = []
    channels: list[str] = []
    pause_when_pending: bool = True
    pause_when_on_hold: bool = False
    at_risk_share: float = 0.75
    targets: list[TargetIn] = Field([], max_length=500)


class PolicyOut(Schema):
    id: int
    name: str
    description: str
    calendar: RefOut | None
    is_default: bool
    position: int
    active: bool
    organizations: list[RefOut]
    tiers: list[RefOut]
    channels: list[str]
    pause_when_pending: bool
    pause_when_on_hold: bool
    at_risk_share: float
    targets: list[TargetOut]

    @staticmethod
    def resolve_organizations(obj):
        return list(obj.organizations.all())

    @staticmethod
    def resolve_tiers(obj):
        return list(obj.tiers.all())

    @staticmethod
    def resolve_targets(obj):
        return list(obj.targets.all())


class RuleIn(Schema):
    name: str = Field(..., max_length=100)
    trigger: str
    active: bool = True
    target: str = ""
    priorities: list[str] = []
    raise_to: str = ""
    assign_team_id: int | None = None
    notify_manager: bool = True
    position: int = 100


class RuleOut(RuleIn):
    id: int


# --- Policies -----------------------------------------------------------------------------------------------


def _policy(pk: int) -> SlaPolicy:
    return get_object_or_404(
        SlaPolicy.objects.select_related("calendar").prefetch_related("organizations", "tiers", "targets"), pk=pk
    )


def _policy_data(payload: PolicyIn) -> dict:
    data = payload.dict()
    data["targets"] = [row.dict() for row in payload.targets]
    return data


@router.get("/sla/policies", response=list[PolicyOut])
def list_policies(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return SlaPolicy.objects.select_related("calendar").prefetch_related("organizations", "tiers", "targets")


@router.post("/sla/policies", response={201: PolicyOut})
def create_policy(request, payload: PolicyIn):
    created = services.policy_save(actor=request.user, **_policy_data(payload))
    return Status(201, _policy(created.pk))


@router.get("/sla/policies/{int:policy_id}", response=PolicyOut)
def get_policy(request, policy_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return _policy(policy_id)


@router.put("/sla/policies/{int:policy_id}", response=PolicyOut)
def update_policy(request, policy_id: int, payload: PolicyIn):
    existing = get_object_or_404(SlaPolicy, pk=policy_id)
    services.policy_save(sla_policy=existing, actor=request.user, **_policy_data(payload))
    return _policy(policy_id)


@router.delete("/sla/policies/{int:policy_id}", response={204: None})
def delete_policy(request, policy_id: int):
    services.policy_delete(sla_policy=get_object_or_404(SlaPolicy, pk=policy_id), actor=request.user)
    return Status(204, None)


# --- Escalation rules ---------------------------------------------------------------------------------------


@router.get("/escalation-rules", response=list[RuleOut])
def list_rules(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return EscalationRule.objects.all()


@router.post("/escalation-rules", response={201: RuleOut})
def create_rule(request, payload: RuleIn):
    return Status(201, services.escalation_rule_save(actor=request.user, **payload.dict()))


@router.get("/escalation-rules/{int:rule_id}", response=RuleOut)
def get_rule(request, rule_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return get_object_or_404(EscalationRule, pk=rule_id)


@router.put("/escalation-rules/{int:rule_id}", response=RuleOut)
def update_rule(request, rule_id: int, payload: RuleIn):
    rule = get_object_or_404(EscalationRule, pk=rule_id)
    return services.escalation_rule_save(rule=rule, actor=request.user, **payload.dict())


@router.delete("/escalation-rules/{int:rule_id}", response={204: None})
def delete_rule(request, rule_id: int):
    services.escalation_rule_delete(rule=get_object_or_404(EscalationRule, pk=rule_id), actor=request.user)
    return Status(204, None)
