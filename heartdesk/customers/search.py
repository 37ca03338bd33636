"""The keys a contact is found by, kept by the services and the import (one place that knows what is searchable)."""

from collections.abc import Iterable

from heartdesk.core.text import search_key
from heartdesk.customers.models import Contact, ContactSearchKey


def keys_for(contact: Contact, organization_name: str | None = None) -> set[str]:
    if contact.erased_at is not None:
        return set()
    first, last = search_key(contact.first_name), search_key(contact.last_name)
    keys = {" ".join(p for p in (first, last) if p), " ".join(p for p in (last, first) if p)}
    if contact.email:
        keys.add(contact.email.lower())
    org = (
        organization_name
        if organization_name is not None
        else (contact.organization.name if contact.organization_id else "")
    )
    if org:
        keys.add(search_key(org))
    return {k[:254] for k in keys if k}


def refresh(contacts: Iterable[Contact]) -> None:
    """Rewrite the search keys of these (saved) contacts."""
    contacts = list(contacts)
    if not contacts:
        return
    ContactSearchKey.objects.filter(contact_id__in=[c.pk for c in contacts]).delete()
    ContactSearchKey.objects.bulk_create(
        [ContactSearchKey(contact_id=c.pk, key=k) for c in contacts for k in keys_for(c)], batch_size=2000
    )


def rename_organization(organization_id: int, old_name: str, new_name: str) -> None:
    old_key, new_key = search_key(old_name), search_key(new_name)
    if old_key == new_key:
        return
    ContactSearchKey.objects.filter(contact__organization_id=organization_id, key=old_key[:254]).update(
        key=new_key[:254]
    )
