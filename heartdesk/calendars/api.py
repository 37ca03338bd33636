"""REST endpoints for business calendars and their closures: thin over `calendars.services`.

Reads are open to all staff (TICKETS_VIEW); every write needs SLA_MANAGE (checked by the service). The paths stay
under /sla/ where integrators first found them.
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.calendars import selectors, services
from heartdesk.calendars.models import BusinessCalendar, CalendarClosure

router = Router(tags=["sla"])


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


def _closure_times(payload: ClosureIn):
    starts = services.parse_time(payload.starts, field="starts") if payload.starts else None
    ends = services.parse_time(payload.ends, field="ends") if payload.ends else None
    return starts, ends


@router.get("/sla/calendars", response=list[CalendarOut])
def list_calendars(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.calendars_with_closures()


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
