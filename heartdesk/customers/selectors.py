"""Reads of the customer database. Query counts of the list and detail reads are pinned in tests."""

from django.db.models import Count, Q, QuerySet

from heartdesk.core.pagination import Page, keyset_page
from heartdesk.customers.filters import CustomerFilters, matching_keys
from heartdesk.customers.models import Contact, CustomerHistory, Organization, Segment, Tier

LIST_ORDER = ("name_key", "id")


def contact_queryset() -> QuerySet[Contact]:
    return Contact.objects.select_related("organization", "segment", "tier", "account_manager")


def organization_queryset() -> QuerySet[Organization]:
    return Organization.objects.select_related("segment", "tier", "account_manager")


def contact_page(*, filters: CustomerFilters, cursor: str | None = None, size: int = 50) -> Page:
    if filters.search_text:
        return _contact_search_page(filters, cursor, size)
    qs = filters.contacts(contact_queryset())
    page = keyset_page(qs, order=LIST_ORDER, cursor=cursor, size=size)
    _attach_tags(page.items, Contact)
    return page


def _contact_search_page(filters: CustomerFilters, cursor: str | None, size: int) -> Page:
    """Search results in the order of the key that matched, read straight from the search-key index."""
    keys = (
        matching_keys(filters.search_text)
        .filter(filters.contact_q(prefix="contact__"))
        .select_related("contact__organization", "contact__segment", "contact__tier", "contact__account_manager")
    )
    page = keyset_page(keys, order=("key", "contact_id"), cursor=cursor, size=size)
    seen: set[int] = set()
    contacts = []
    for row in page.items:  # a contact found by two of its keys is shown once
        if row.contact_id not in seen:
            seen.add(row.contact_id)
            contacts.append(row.contact)
    page.items = contacts
    _attach_tags(contacts, Contact)
    return page


def organization_page(*, filters: CustomerFilters, cursor: str | None = None, size: int = 50) -> Page:
    qs = filters.organizations(organization_queryset())
    page = keyset_page(qs, order=LIST_ORDER, cursor=cursor, size=size)
    _attach_tags(page.items, Organization)
    return page


def _attach_tags(items, model) -> None:
    """Tags for a page of records in one query (a prefetch would add one per page too, but with more rows)."""
    if not items:
        return
    through = model.tags.through
    owner = model._meta.model_name
    by_owner: dict[int, list[str]] = {}
    for owner_id, name in through.objects.filter(**{f"{owner}_id__in": [i.pk for i in items]}).values_list(
        f"{owner}_id", "tag__name"
    ):
        by_owner.setdefault(owner_id, []).append(name)
    for item in items:
        item.tag_names = sorted(by_owner.get(item.pk, []))


def contact_detail(pk: int) -> Contact:
    contact = contact_queryset().get(pk=pk)
    _attach_tags([contact], Contact)
    return contact


def organization_detail(pk: int) -> Organization:
    organization = (
        organization_queryset()
        .annotate(contact_count=Count("contacts", filter=Q(contacts__deleted_at__isnull=True)))
        .get(pk=pk)
    )
    _attach_tags([organization], Organization)
    return organization


def history_for(instance, limit: int = 100) -> list[CustomerHistory]:
    field = "organization" if isinstance(instance, Organization) else "contact"
    return list(
        CustomerHistory.objects.filter(**{field: instance})
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.order_by("position", "name")


def tier_list() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank", "name")
