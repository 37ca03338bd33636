"""CSV export of the customer database, streamed so a million rows never sit in memory."""

import csv
from collections.abc import Iterable, Iterator

from heartdesk.customers.filters import CustomerFilters
from heartdesk.customers.models import Contact, Organization
from heartdesk.customers.services import PROFILE_FIELDS

CONTACT_COLUMNS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "organization",
    *PROFILE_FIELDS,
    "tags",
]
ORGANIZATION_COLUMNS = ["id", "name", "domain", "phone", *PROFILE_FIELDS, "tags"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Cells a spreadsheet would run as a formula get a leading apostrophe (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


def stream_csv(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: spreadsheets then read the file as UTF-8
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def _tags(model, ids: list[int]) -> dict[int, str]:
    owner = model._meta.model_name
    tags: dict[int, list[str]] = {}
    for owner_id, name in model.tags.through.objects.filter(**{f"{owner}_id__in": ids}).values_list(
        f"{owner}_id", "tag__name"
    ):
        tags.setdefault(owner_id, []).append(name)
    return {k: ", ".join(sorted(v)) for k, v in tags.items()}


def _profile(obj) -> list:
    """The values of PROFILE_FIELDS, in that order, as the import reads them back."""
    return [
        obj.segment.name if obj.segment else "",
        obj.tier.name if obj.tier else "",
        obj.account_manager.username if obj.account_manager else "",
        ", ".join(obj.preferred_channels or []),
        obj.communication_style,
        obj.customer_since.isoformat() if obj.customer_since else "",
        obj.status,
        obj.churned_on.isoformat() if obj.churned_on else "",
        obj.time_zone,
        obj.language,
        obj.notes,
    ]


def _batched(qs, size=2000):
    last = 0
    while True:
        batch = list(qs.filter(id__gt=last).order_by("id")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].id


def contact_rows(filters: CustomerFilters) -> Iterator[list]:
    yield CONTACT_COLUMNS
    qs = filters.contacts(Contact.objects.select_related("organization", "segment", "tier", "account_manager"))
    for batch in _batched(qs):
        tags = _tags(Contact, [c.id for c in batch])
        for c in batch:
            yield [
                c.id,
                c.email or "",
                c.first_name,
                c.last_name,
                c.phone,
                c.job_title,
                c.organization.name if c.organization else "",
                *_profile(c),
                tags.get(c.id, ""),
            ]


def organization_rows(filters: CustomerFilters) -> Iterator[list]:
    yield ORGANIZATION_COLUMNS
    qs = filters.organizations(Organization.objects.select_related("segment", "tier", "account_manager"))
    for batch in _batched(qs):
        tags = _tags(Organization, [o.id for o in batch])
        for o in batch:
            yield [o.id, o.name, o.domain, o.phone, *_profile(o), tags.get(o.id, "")]
