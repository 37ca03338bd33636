"""REST endpoints for SLA calendars and policies, escalation rules and canned responses: thin over settings_services.

Reads are open to all staff (TICKETS_VIEW); every write needs SLA_MANAGE (checked by the service).
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.tickets import settings_services as services
from heartdesk.tickets.models import BusinessCalendar, CalendarClosure, CannedResponse, EscalationRule, SlaPolicy

router = Router(tags=["sla"])


# --- Schemas ------------------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class ClosureIn(Schema):
    date: dt.date
    starts: str | None = Field(None, description='Local "HH:MM"; omit both times to close the whole day.')
    ends: str | None = Field(None, description='Local "HH:MM"; "24:00" means until midnight.')
    name: str = Field("", max_length=100)


class ClosureOut(Schema):
    id: int
    date: dt.date
    starts: dt.time | None
    ends: dt.time | None
    name: str


class CalendarIn(Schema):
    name: str = Field(..., max_length=100)
    time_zone: str = Field("UTC", max_length=64)
    windows: dict[str, list[list[str]]] = Field(
        default_factory=dict, description='Weekday (0 = Monday) -> local windows: {"0": [["09:00", "17:00"]]}.'
    )
    holiday_country: str = Field("", max_length=8)
    holiday_subdivision: str = Field("", max_length=16)
    always_open: bool = False


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    windows: dict
    holiday_country: str
    holiday_subdivision: str
    always_open: bool
    closures: list[ClosureOut]

    @staticmethod
    def resolve_closures(obj):
        return list(obj.closures.all())


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


class CannedIn(Schema):
    title: str = Field(..., max_length=150)
    body: str = Field(..., max_length=10000)
    position: int = 100


class CannedOut(CannedIn):
    id: int


# --- Calendars ----------------------------------------------------------------------------------------------


def _closure_times(payload: ClosureIn):
    starts = services.parse_time(payload.starts, field="starts") if payload.starts else None
    ends = services.parse_time(payload.ends, field="ends") if payload.ends else None
    return starts, ends


@router.get("/sla/calendars", response=list[CalendarOut])
def list_calendars(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return BusinessCalendar.objects.prefetch_related("closures")


@router.post("/sla/calendars", response={201: CalendarOut})
def create_calendar(request, payload: CalendarIn):
    return Status(201, services.calendar_save(actor=request.user, **payload.dict()))


@router.get("/sla/calendars/{int:calendar_id}", response=CalendarOut)
def get_calendar(request, calendar_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return get_object_or_404(BusinessCalendar, pk=calendar_id)


@router.put("/sla/calendars/{int:calendar_id}", response=CalendarOut)
def update_calendar(request, calendar_id: int, payload: CalendarIn):
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    return services.calendar_save(calendar=calendar, actor=request.user, **payload.dict())


@router.delete("/sla/calendars/{int:calendar_id}", response={204: None})
def delete_calendar(request, calendar_id: int):
    services.calendar_delete(calendar=get_object_or_404(BusinessCalendar, pk=calendar_id), actor=request.user)
    return Status(204, None)


@router.post("/sla/calendars/{int:calendar_id}/closures", response={201: ClosureOut})
def add_closure(request, calendar_id: int, payload: ClosureIn):
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    policy.require(request.user, policy.SLA_MANAGE)
    starts, ends = _closure_times(payload)
    closure = services.closure_add(
        calendar=calendar, date=payload.date, starts=starts, ends=ends, name=payload.name, actor=request.user
    )
    return Status(201, closure)


@router.delete("/sla/calendars/{int:calendar_id}/closures/{int:closure_id}", response={204: None})
def remove_closure(request, calendar_id: int, closure_id: int):
    closure = get_object_or_404(CalendarClosure, pk=closure_id, calendar_id=calendar_id)
    services.closure_remove(closure=closure, actor=request.user)
    return Status(204, None)


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


# --- Canned responses ---------------------------------------------------------------------------------------


@router.get("/canned-responses", response=list[CannedOut])
def list_canned(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return CannedResponse.objects.all()


@router.post("/canned-responses", response={201: CannedOut})
def create_canned(request, payload: CannedIn):
    return Status(201, services.canned_response_save(actor=request.user, **payload.dict()))


@router.get("/canned-responses/{int:response_id}", response=CannedOut)
def get_canned(request, response_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return get_object_or_404(CannedResponse, pk=response_id)


@router.put("/canned-responses/{int:response_id}", response=CannedOut)
def update_canned(request, response_id: int, payload: CannedIn):
    response = get_object_or_404(CannedResponse, pk=response_id)
    return services.canned_response_save(response=response, actor=request.user, **payload.dict())


@router.delete("/canned-responses/{int:response_id}", response={204: None})
def delete_canned(request, response_id: int):
    services.canned_response_delete(response=get_object_or_404(CannedResponse, pk=response_id), actor=request.user)
    return Status(204, None)
