"""REST endpoints of the customer database: thin adapters over selectors and services."""

import datetime as dt

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core.errors import Invalid
from heartdesk.core.schemas import CursorPage, PageParams
from heartdesk.customers import exporting, importing, selectors, services
from heartdesk.customers.choices import Channel, CustomerStatus
from heartdesk.customers.filters import CustomerFilters
from heartdesk.customers.models import Contact, ContactImport, Organization, Segment, Tier

router = Router(tags=["customers"])

# --- Schemas ------------------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class ProfileOut(Schema):
    segment: RefOut | None = None
    tier: RefOut | None = None
    account_manager: RefOut | None = None
    preferred_channels: list[str]
    communication_style: str
    customer_since: dt.date | None
    status: CustomerStatus
    churned_on: dt.date | None
    time_zone: str
    language: str
    notes: str
    tags: list[str] = []
    removed: bool = False
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj):
        return getattr(obj, "tag_names", [])

    @staticmethod
    def resolve_removed(obj):
        return obj.deleted_at is not None

    @staticmethod
    def resolve_account_manager(obj):
        user = obj.account_manager
        return {"id": user.pk, "name": user.display_name} if user else None


class OrganizationOut(ProfileOut):
    id: int
    name: str
    domain: str
    phone: str


class ContactOut(ProfileOut):
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str
    job_title: str
    organization: RefOut | None = None
    erased: bool = False

    @staticmethod
    def resolve_erased(obj):
        return obj.erased_at is not None


class ProfileIn(Schema):
    segment_id: int | None = None
    tier_id: int | None = None
    account_manager_id: int | None = None
    preferred_channels: list[Channel] | None = None
    communication_style: str | None = Field(None, max_length=200)
    customer_since: dt.date | None = None
    status: CustomerStatus | None = None
    churned_on: dt.date | None = None
    time_zone: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=16)
    notes: str | None = Field(None, max_length=10000)
    tags: list[str] | None = Field(None, max_length=20)


class OrganizationIn(ProfileIn):
    name: str = Field(..., min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)


class OrganizationPatch(ProfileIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)


class ContactIn(ProfileIn):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    job_title: str | None = Field(None, max_length=150)
    organization_id: int | None = None


class ContactPatch(ContactIn):
    pass


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class HistoryOut(Schema):
    id: int
    kind: str
    actor: str | None
    changes: dict
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.display_name if obj.actor else None


class SegmentIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    key_needs: str = Field("", max_length=300)
    preferred_channels: list[Channel] = []
    communication_style: str = Field("", max_length=200)
    position: int = Field(0, ge=0, le=1000)


class SegmentOut(SegmentIn):
    id: int


class TierIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    rank: int = Field(0, ge=0, le=1000)
    includes: list[str] = Field([], max_length=50)


class TierOut(TierIn):
    id: int


class ImportOut(Schema):
    id: int
    status: str
    original_name: str
    headers: list[str]
    mapping: dict[str, str]
    dry_run: bool
    total_rows: int
    processed_rows: int
    progress_percent: int
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int
    error: str
    encoding: str
    delimiter: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportStartIn(Schema):
    mapping: dict[str, str] | None = Field(None, description="Heartdesk field -> CSV column; guessed when absent.")
    dry_run: bool = False


class ImportReportOut(Schema):
    id: int
    status: str
    error_count: int
    rows: list[dict]


# --- Helpers ------------------------------------------------------------------------------------------------

_REFS = {
    "segment_id": ("segment", Segment),
    "tier_id": ("tier", Tier),
    "account_manager_id": ("account_manager", User),
    "organization_id": ("organization", Organization),
}


def _resolve(payload: Schema, *, partial: bool) -> dict:
    """Schema -> service keyword arguments; ids become records, an unknown id is a 422 naming the field."""
    data = payload.dict(exclude_unset=partial)
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    out = {}
    for key, value in data.items():
        if key in _REFS:
            name, model = _REFS[key]
            if value is None:
                out[name] = None
                continue
            obj = model.objects.filter(pk=value).first()
            if obj is None:
                raise Invalid(f"There is no {name.replace('_', ' ')} with id {value}.", field=key)
            out[name] = obj
        elif key == "preferred_channels":
            out[key] = [str(c) for c in (value or [])]
        else:
            out[key] = "" if value is None and key not in ("customer_since", "churned_on", "email", "status") else value
    return out


def _page(page):
    return {"results": page.items, "next": page.next_cursor, "previous": page.previous_cursor}


# --- Organizations ------------------------------------------------------------------------------------------


@router.get("/organizations", response=CursorPage[OrganizationOut])
def list_organizations(request, filters: Query[CustomerFilters], paging: Query[PageParams]):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    page = selectors.organization_page(filters=filters, cursor=paging.cursor, size=paging.page_size)
    return _page(page)


@router.post("/organizations", response={201: OrganizationOut})
def create_organization(request, payload: OrganizationIn):
    organization = services.organization_create(actor=request.user, **_resolve(payload, partial=False))
    return Status(201, selectors.organization_detail(organization.pk))


@router.get("/organizations/{int:org_id}", response=OrganizationOut)
def get_organization(request, org_id: int):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    get_object_or_404(Organization, pk=org_id)
    return selectors.organization_detail(org_id)


@router.patch("/organizations/{int:org_id}", response=OrganizationOut)
def update_organization(request, org_id: int, payload: OrganizationPatch):
    organization = get_object_or_404(Organization, pk=org_id)
    services.organization_update(organization=organization, actor=request.user, **_resolve(payload, partial=True))
    return selectors.organization_detail(org_id)


@router.delete("/organizations/{int:org_id}", response={204: None})
def delete_organization(request, org_id: int, payload: ReasonIn | None = None):
    organization = get_object_or_404(Organization, pk=org_id)
    services.organization_delete(
        organization=organization, actor=request.user, reason=payload.reason if payload else ""
    )
    return Status(204, None)


@router.post("/organizations/{int:org_id}/restore", response=OrganizationOut)
def restore_organization(request, org_id: int):
    organization = get_object_or_404(Organization, pk=org_id)
    services.organization_restore(organization=organization, actor=request.user)
    return selectors.organization_detail(org_id)


@router.get("/organizations/{int:org_id}/history", response=list[HistoryOut])
def organization_history(request, org_id: int):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    return selectors.history_for(get_object_or_404(Organization, pk=org_id))


# --- Contacts -----------------------------------------------------------------------------------------------


@router.get("/contacts", response=CursorPage[ContactOut])
def list_contacts(request, filters: Query[CustomerFilters], paging: Query[PageParams]):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    page = selectors.contact_page(filters=filters, cursor=paging.cursor, size=paging.page_size)
    return _page(page)


@router.post("/contacts", response={201: ContactOut})
def create_contact(request, payload: ContactIn):
    contact = services.contact_create(actor=request.user, **_resolve(payload, partial=False))
    return Status(201, selectors.contact_detail(contact.pk))


@router.get("/contacts/{int:contact_id}", response=ContactOut)
def get_contact(request, contact_id: int):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    get_object_or_404(Contact, pk=contact_id)
    return selectors.contact_detail(contact_id)


@router.patch("/contacts/{int:contact_id}", response=ContactOut)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = get_object_or_404(Contact, pk=contact_id)
    services.contact_update(contact=contact, actor=request.user, **_resolve(payload, partial=True))
    return selectors.contact_detail(contact_id)


@router.delete("/contacts/{int:contact_id}", response={204: None})
def delete_contact(request, contact_id: int, payload: ReasonIn | None = None):
    contact = get_object_or_404(Contact, pk=contact_id)
    services.contact_delete(contact=contact, actor=request.user, reason=payload.reason if payload else "")
    return Status(204, None)


@router.post("/contacts/{int:contact_id}/restore", response=ContactOut)
def restore_contact(request, contact_id: int):
    contact = get_object_or_404(Contact, pk=contact_id)
    services.contact_restore(contact=contact, actor=request.user)
    return selectors.contact_detail(contact_id)


@router.post("/contacts/{int:contact_id}/erase", response=ContactOut)
def erase_contact(request, contact_id: int, payload: ReasonIn):
    """Permanently erase the contact's personal data (a privacy request). Cannot be undone."""
    contact = get_object_or_404(Contact, pk=contact_id)
    services.contact_erase(contact=contact, actor=request.user, reason=payload.reason)
    return selectors.contact_detail(contact_id)


@router.get("/contacts/{int:contact_id}/history", response=list[HistoryOut])
def contact_history(request, contact_id: int):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    return selectors.history_for(get_object_or_404(Contact, pk=contact_id))


# --- Export -------------------------------------------------------------------------------------------------


@router.get("/exports/contacts.csv", response={200: None}, summary="Export contacts as CSV (filters apply)")
def export_contacts(request, filters: Query[CustomerFilters]):
    policy.require(request.user, policy.CUSTOMERS_EXPORT)
    return _csv_response(exporting.contact_rows(filters), "contacts.csv")


@router.get("/exports/organizations.csv", response={200: None}, summary="Export organizations as CSV")
def export_organizations(request, filters: Query[CustomerFilters]):
    policy.require(request.user, policy.CUSTOMERS_EXPORT)
    return _csv_response(exporting.organization_rows(filters), "organizations.csv")


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exporting.stream_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Segments and tiers -------------------------------------------------------------------------------------


@router.get("/segments", response=list[SegmentOut])
def list_segments(request):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    return selectors.segment_list()


@router.post("/segments", response={201: SegmentOut})
def create_segment(request, payload: SegmentIn):
    data = payload.dict()
    data["preferred_channels"] = [str(c) for c in data["preferred_channels"]]
    return Status(201, services.segment_save(actor=request.user, **data))


@router.put("/segments/{int:segment_id}", response=SegmentOut)
def update_segment(request, segment_id: int, payload: SegmentIn):
    data = payload.dict()
    data["preferred_channels"] = [str(c) for c in data["preferred_channels"]]
    return services.segment_save(actor=request.user, segment=get_object_or_404(Segment, pk=segment_id), **data)


@router.delete("/segments/{int:segment_id}", response={204: None})
def delete_segment(request, segment_id: int):
    services.segment_delete(segment=get_object_or_404(Segment, pk=segment_id), actor=request.user)
    return Status(204, None)


@router.get("/tiers", response=list[TierOut])
def list_tiers(request):
    policy.require(request.user, policy.CUSTOMERS_VIEW)
    return selectors.tier_list()


@router.post("/tiers", response={201: TierOut})
def create_tier(request, payload: TierIn):
    return Status(201, services.tier_save(actor=request.user, **payload.dict()))


@router.put("/tiers/{int:tier_id}", response=TierOut)
def update_tier(request, tier_id: int, payload: TierIn):
    return services.tier_save(actor=request.user, tier=get_object_or_404(Tier, pk=tier_id), **payload.dict())


@router.delete("/tiers/{int:tier_id}", response={204: None})
def delete_tier(request, tier_id: int):
    services.tier_delete(tier=get_object_or_404(Tier, pk=tier_id), actor=request.user)
    return Status(204, None)


# --- Imports ------------------------------------------------------------------------------------------------


@router.post("/imports", response={201: ImportOut}, summary="Upload a contacts CSV; returns the guessed mapping")
def upload_import(request, file: File[UploadedFile]):
    policy.require(request.user, policy.CUSTOMERS_IMPORT)
    job = importing.import_upload(actor=request.user, data=file.read(), filename=file.name or "import.csv")
    return Status(201, job)


@router.post("/imports/{int:import_id}/start", response={202: ImportOut})
def start_import(request, import_id: int, payload: ImportStartIn):
    job = get_object_or_404(ContactImport, pk=import_id)
    job = importing.import_start(job=job, actor=request.user, mapping=payload.mapping, dry_run=payload.dry_run)
    return Status(202, job)


@router.get("/imports/{int:import_id}", response=ImportOut)
def get_import(request, import_id: int):
    policy.require(request.user, policy.CUSTOMERS_IMPORT)
    return get_object_or_404(ContactImport, pk=import_id)


@router.get("/imports/{int:import_id}/report", response=ImportReportOut)
def import_report(request, import_id: int):
    policy.require(request.user, policy.CUSTOMERS_IMPORT)
    job = get_object_or_404(ContactImport, pk=import_id)
    return {"id": job.pk, "status": job.status, "error_count": job.error_count, "rows": job.report}
