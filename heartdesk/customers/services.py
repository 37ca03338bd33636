"""Writes to the customer database. Every change is one transaction that also writes its history row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.core.text import search_key
from heartdesk.customers import events, rules, search
from heartdesk.customers.models import Contact, Organization, Segment, Tag, Tier

PROFILE_FIELDS = (
    "segment",
    "tier",
    "account_manager",
    "preferred_channels",
    "communication_style",
    "customer_since",
    "status",
    "churned_on",
    "time_zone",
    "language",
    "notes",
)
ORGANIZATION_FIELDS = ("name", "domain", "phone", *PROFILE_FIELDS, "tags")
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "organization",
    *PROFILE_FIELDS,
    "tags",
)
# What a privacy erasure blanks: everything that identifies or describes the person.
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "notes", "communication_style")


def _rule(func, *args):
    try:
        return func(*args)
    except rules.RuleError as exc:
        raise Invalid(exc.message, field=exc.field)


def _normalise(data: dict[str, Any], *, allowed: tuple[str, ...], today) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    out = dict(data)
    for text_field in (
        "name",
        "first_name",
        "last_name",
        "phone",
        "job_title",
        "domain",
        "communication_style",
    ):
        if text_field in out:
            out[text_field] = " ".join(str(out[text_field] or "").split())
    if "notes" in out:
        out["notes"] = str(out["notes"] or "").strip()
    if "email" in out:
        out["email"] = _rule(rules.clean_email, out["email"])
    if "time_zone" in out:
        out["time_zone"] = _rule(rules.clean_time_zone, out["time_zone"])
    if "language" in out:
        out["language"] = _rule(rules.clean_language, out["language"])
    if "preferred_channels" in out:
        out["preferred_channels"] = _rule(rules.clean_channels, out["preferred_channels"])
    if "tags" in out:
        out["tags"] = _rule(rules.clean_tags, out["tags"])
    for date_field in ("customer_since", "churned_on"):
        if date_field in out:
            out[date_field] = _rule(rules.parse_date, out[date_field], date_field)
    return out


def _apply(instance, data: dict[str, Any], today) -> dict[str, list]:
    """Set fields on `instance`; return {field: [old, new]} for what really changed (tags included)."""
    changes: dict[str, list] = {}
    if "status" in data or "churned_on" in data:
        status, churned_on = _rule(
            rules.clean_status,
            data.get("status", instance.status),
            data.get("churned_on", instance.churned_on),
            today,
        )
        data = {**data, "status": status, "churned_on": churned_on}
    for field, value in data.items():
        if field == "tags":
            continue
        old = getattr(instance, field)
        if old != value:
            changes[field] = [events.history_value(old), events.history_value(value)]
            setattr(instance, field, value)
    if "tags" in data:
        old_tags = sorted(instance.tags.values_list("name", flat=True)) if instance.pk else []
        if sorted(data["tags"]) != old_tags:
            changes["tags"] = [old_tags, sorted(data["tags"])]
    return changes


def _as_created(changes: dict[str, list]) -> dict[str, list]:
    """A new record had no earlier values: its history shows each field going from nothing to its value."""
    return {field: [None, new] for field, (_, new) in changes.items()}


def _validate(instance) -> None:
    try:
        instance.full_clean(exclude=["tags", "name_key", "last_name_key"], validate_unique=False)
    except ValidationError as exc:
        raise Invalid.from_django(exc)


def _set_tags(instance, names: list[str]) -> None:
    existing = {t.name.casefold(): t for t in Tag.objects.filter(name__in=names)}
    tags = [existing.get(n.casefold()) or Tag.objects.get_or_create(name=n)[0] for n in names]
    instance.tags.set(tags)


def _defaults_from_segment(data: dict[str, Any]) -> dict[str, Any]:
    """A new customer inherits the persona's preferred channels and style unless told otherwise (guide 000 §2.2)."""
    segment = data.get("segment")
    if isinstance(segment, Segment):
        if not data.get("preferred_channels"):
            data["preferred_channels"] = list(segment.preferred_channels)
        if not data.get("communication_style"):
            data["communication_style"] = segment.communication_style
    return data


def _check_refs(data: dict[str, Any]) -> None:
    for field, model in (("segment", Segment), ("tier", Tier), ("account_manager", User)):
        value = data.get(field)
        if value is not None and not isinstance(value, model):
            raise Invalid(f"{field} must be a {model.__name__}.", field=field)
    organization = data.get("organization")
    if organization is not None and organization.deleted_at is not None:
        raise Invalid("That organization has been removed; restore it first.", field="organization")


# --- Organizations --------------------------------------------------------------------------------------------


@transaction.atomic
def organization_create(*, actor: User | None, **data) -> Organization:
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_EDIT)
    today = timezone.localdate()
    data = _defaults_from_segment(_normalise(data, allowed=ORGANIZATION_FIELDS, today=today))
    if not data.get("name"):
        raise Invalid("An organization needs a name.", field="name")
    _check_refs(data)
    organization = Organization()
    changes = _apply(organization, data, today)
    organization.name_key = search_key(organization.name)
    _validate(organization)
    organization.save()
    if data.get("tags"):
        _set_tags(organization, data["tags"])
    events.created(organization, actor=actor, changes=_as_created(changes))
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor: User | None, **data) -> Organization:
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_EDIT)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.deleted_at is not None:
        raise Conflict("This organization has been removed; restore it before editing.")
    old_name = organization.name
    data = _normalise(data, allowed=ORGANIZATION_FIELDS, today=timezone.localdate())
    if "name" in data and not data["name"]:
        raise Invalid("An organization needs a name.", field="name")
    _check_refs(data)
    changes = _apply(organization, data, timezone.localdate())
    if not changes:
        return organization
    organization.name_key = search_key(organization.name)
    _validate(organization)
    organization.save()
    if "tags" in changes:
        _set_tags(organization, data["tags"])
    if "name" in changes:
        search.rename_organization(organization.pk, old_name, organization.name)
    events.updated(organization, actor=actor, changes=changes)
    return organization


def _set_removed(instance, *, removed: bool, actor: User | None, reason: str = ""):
    """Soft delete or restore, under the row lock; the record keeps its history either way. Idempotent."""
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_DELETE)
    instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    if removed == (instance.deleted_at is not None):
        return instance
    if not removed and getattr(instance, "erased_at", None) is not None:
        raise Conflict("An erased contact cannot be restored.")
    instance.deleted_at = timezone.now() if removed else None
    instance.save(update_fields=["deleted_at", "updated_at"])
    if removed:
        events.deleted(instance, actor=actor, reason=reason[:300])
    else:
        events.restored(instance, actor=actor)
    return instance


@transaction.atomic
def organization_delete(*, organization: Organization, actor: User | None, reason: str = "") -> Organization:
    """Soft delete: the organization leaves lists and searches but keeps its history and can be restored."""
    return _set_removed(organization, removed=True, actor=actor, reason=reason)


@transaction.atomic
def organization_restore(*, organization: Organization, actor: User | None) -> Organization:
    return _set_removed(organization, removed=False, actor=actor)


# --- Contacts -------------------------------------------------------------------------------------------------


def _contact_keys(contact: Contact) -> None:
    contact.name_key = search_key(f"{contact.first_name} {contact.last_name}")
    contact.last_name_key = search_key(contact.last_name)[:100]


def _check_email_free(email: str | None, exclude_pk: int | None = None) -> None:
    if not email:
        return
    clash = Contact.objects.filter(email=email).exclude(pk=exclude_pk).first()
    if clash is not None:
        where = " (removed; restore it instead)" if clash.deleted_at else ""
        raise Conflict(f"Contact #{clash.pk} already has the email {email}{where}.", field="email")


@transaction.atomic
def contact_create(*, actor: User | None, **data) -> Contact:
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_EDIT)
    today = timezone.localdate()
    data = _defaults_from_segment(_normalise(data, allowed=CONTACT_FIELDS, today=today))
    if not (data.get("first_name") or data.get("last_name") or data.get("email")):
        raise Invalid("A contact needs a name or an email address.", field="last_name")
    _check_refs(data)
    _check_email_free(data.get("email"))
    contact = Contact()
    changes = _apply(contact, data, today)
    _contact_keys(contact)
    _validate(contact)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # a concurrent create with the same email won the race
        raise Conflict(f"A contact already has the email {contact.email}.", field="email")
    search.refresh([contact])
    if data.get("tags"):
        _set_tags(contact, data["tags"])
    events.created(contact, actor=actor, changes=_as_created(changes))
    return contact


@transaction.atomic
def contact_for_email(
    *, email: str, name: str = "", first_name: str = "", last_name: str = "", actor: User | None, **data
) -> Contact:
    """The contact with this email, made when there is none (mail, web form, API and agents logging calls all
    reach the desk this way). `name` is a display name ("Ann Example") split into first and last. A removed contact
    is still found: the customer's request reaches the desk, and the record shows it is removed."""
    address = _rule(rules.clean_email, email)
    if not address:
        raise Invalid("An email address is needed.", field="email")
    found = Contact.objects.filter(email=address).first()
    if found is not None:
        return found
    if name and not (first_name or last_name):
        first_name, _, last_name = " ".join(name.split()).partition(" ")
    return contact_create(actor=actor, email=address, first_name=first_name[:100], last_name=last_name[:100], **data)


@transaction.atomic
def contact_update(*, contact: Contact, actor: User | None, **data) -> Contact:
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_EDIT)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.deleted_at is not None:
        raise Conflict("This contact has been removed; restore it before editing.")
    if contact.erased_at is not None:
        raise Conflict("This contact's personal data was erased; it cannot be edited.")
    today = timezone.localdate()
    data = _normalise(data, allowed=CONTACT_FIELDS, today=today)
    _check_refs(data)
    if "email" in data:
        _check_email_free(data["email"], exclude_pk=contact.pk)
    changes = _apply(contact, data, today)
    if not changes:
        return contact
    if not (contact.first_name or contact.last_name or contact.email):
        raise Invalid("A contact needs a name or an email address.", field="last_name")
    _contact_keys(contact)
    _validate(contact)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise Conflict(f"A contact already has the email {contact.email}.", field="email")
    search.refresh([contact])
    if "tags" in changes:
        _set_tags(contact, data["tags"])
    events.updated(contact, actor=actor, changes=changes)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User | None, reason: str = "") -> Contact:
    return _set_removed(contact, removed=True, actor=actor, reason=reason)


@transaction.atomic
def contact_restore(*, contact: Contact, actor: User | None) -> Contact:
    return _set_removed(contact, removed=False, actor=actor)


ERASED = "[erased]"


@transaction.atomic
def contact_erase(*, contact: Contact, actor: User | None, reason: str = "") -> Contact:
    """Permanently remove a person's personal data (a privacy request), from the record and from its history.

    The row stays, anonymous and removed, so tickets and survey results that point at it keep their counts.
    """
    if actor is not None:
        policy.require(actor, policy.CUSTOMERS_ERASE)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.erased_at is not None:
        return contact
    for field in PERSONAL_FIELDS:
        setattr(contact, field, None if field == "email" else "")
    contact.preferred_channels = []
    contact.time_zone = ""
    contact.language = ""
    contact.name_key = ""
    contact.last_name_key = ""
    now = timezone.now()
    contact.erased_at = now
    contact.deleted_at = contact.deleted_at or now
    contact.save()
    contact.tags.clear()
    search.refresh([contact])
    for entry in contact.history.all():
        scrubbed = {
            field: ([ERASED, ERASED] if field in PERSONAL_FIELDS or field == "tags" else values)
            for field, values in entry.changes.items()
        }
        if scrubbed != entry.changes:
            entry.changes = scrubbed
            entry.save(update_fields=["changes"])
    events.erased(contact, actor=actor, reason=reason[:300])
    return contact


# --- Segments and tiers ---------------------------------------------------------------------------------------


@transaction.atomic
def segment_save(*, actor: User | None, segment: Segment | None = None, **data) -> Segment:
    if actor is not None:
        policy.require(actor, policy.CATALOG_MANAGE)
    segment = segment or Segment()
    data = dict(data)
    if "preferred_channels" in data:
        data["preferred_channels"] = _rule(rules.clean_channels, data["preferred_channels"])
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
        if not data["name"]:
            raise Invalid("A segment needs a name.", field="name")
        if Segment.objects.filter(name__iexact=data["name"]).exclude(pk=segment.pk).exists():
            raise Conflict(f"A segment named {data['name']!r} already exists.", field="name")
    for field, value in data.items():
        setattr(segment, field, value)
    _validate(segment)
    segment.save()
    return segment


@transaction.atomic
def tier_save(*, actor: User | None, tier: Tier | None = None, **data) -> Tier:
    if actor is not None:
        policy.require(actor, policy.CATALOG_MANAGE)
    tier = tier or Tier()
    data = dict(data)
    if "includes" in data:
        items = data["includes"]
        if isinstance(items, str):
            items = items.splitlines()
        data["includes"] = [" ".join(str(i).split()) for i in items if str(i).strip()]
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
        if not data["name"]:
            raise Invalid("A tier needs a name.", field="name")
        if Tier.objects.filter(name__iexact=data["name"]).exclude(pk=tier.pk).exists():
            raise Conflict(f"A tier named {data['name']!r} already exists.", field="name")
    for field, value in data.items():
        setattr(tier, field, value)
    _validate(tier)
    tier.save()
    return tier


def _delete_catalog_entry(entry, label: str) -> None:
    in_use = Organization.objects.filter(**{label: entry}).exists() or Contact.objects.filter(**{label: entry}).exists()
    if in_use:
        raise Conflict(f"This {label} is still used by customers; move them first.")
    entry.delete()


@transaction.atomic
def segment_delete(*, segment: Segment, actor: User | None) -> None:
    if actor is not None:
        policy.require(actor, policy.CATALOG_MANAGE)
    _delete_catalog_entry(segment, "segment")


@transaction.atomic
def tier_delete(*, tier: Tier, actor: User | None) -> None:
    if actor is not None:
        policy.require(actor, policy.CATALOG_MANAGE)
    _delete_catalog_entry(tier, "tier")
