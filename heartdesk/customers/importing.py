"""CSV import of contacts and their organizations: map columns, validate every row, then write all or nothing.

A file is read and checked as a whole before anything is written; an import with any bad row writes nothing
and says which lines are wrong. Rows upsert by email, so running the same file twice changes nothing the
second time.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core import facts
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.core.jobs import enqueue_on_commit
from heartdesk.core.text import search_key
from heartdesk.customers import events, rules, search
from heartdesk.customers.choices import ImportStatus
from heartdesk.customers.csv_reader import CsvError, read_csv
from heartdesk.customers.models import (
    Contact,
    ContactImport,
    CustomerHistory,
    Organization,
    Segment,
    Tag,
    Tier,
)

IMPORT_FIELDS: dict[str, str] = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "job_title": "Job title",
    "organization": "Organization",
    "segment": "Segment / persona",
    "tier": "Tier",
    "account_manager": "Account manager (username or email)",
    "preferred_channels": "Preferred channels",
    "communication_style": "Communication style",
    "customer_since": "Customer since",
    "status": "Status",
    "churned_on": "Churned on",
    "time_zone": "Time zone",
    "language": "Language",
    "notes": "Notes",
    "tags": "Tags",
}
ALIASES = {
    "email": {"e_mail", "email_address", "mail", "e_mail_address"},
    "first_name": {"firstname", "given_name", "forename", "first"},
    "last_name": {"lastname", "surname", "family_name", "last"},
    "phone": {"telephone", "phone_number", "tel", "mobile"},
    "job_title": {"title", "position", "role"},
    "organization": {"organisation", "company", "account", "organization_name", "company_name"},
    "segment": {"persona", "customer_segment"},
    "tier": {"plan", "support_tier", "level"},
    "account_manager": {"owner", "account_owner", "csm"},
    "preferred_channels": {"channels", "preferred_channel", "channel"},
    "communication_style": {"style"},
    "customer_since": {"since", "start_date", "created"},
    "churned_on": {"churn_date", "churned"},
    "time_zone": {"timezone", "tz"},
    "language": {"lang", "locale"},
    "notes": {"note", "comments"},
    "tags": {"tag", "labels"},
}
MAX_REPORT_ROWS = 1000
PROGRESS_EVERY = 2000
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "phone": 50,
    "job_title": 150,
    "organization": 200,
    "communication_style": 200,
    "notes": 10000,
}


def _norm_header(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").replace(".", " ").split())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Heartdesk field -> CSV header, for the headers whose names say what they hold."""
    mapping: dict[str, str] = {}
    for header in headers:
        key = _norm_header(header)
        for name in IMPORT_FIELDS:
            if name not in mapping and (key == name or key in ALIASES.get(name, ())):
                mapping[name] = header
    return mapping


def clean_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    for name, header in mapping.items():
        if name not in IMPORT_FIELDS:
            raise Invalid(f"{name!r} is not a field Heartdesk imports.", field=f"mapping.{name}")
        if header not in headers:
            raise Invalid(f"The file has no column {header!r}.", field=f"mapping.{name}")
    if "email" not in mapping:
        raise Invalid(
            "Choose the column that holds the email address: rows are matched by email.",
            field="mapping.email",
        )
    used = [h for h in mapping.values()]
    duplicate = next((h for h in used if used.count(h) > 1), None)
    if duplicate:
        raise Invalid(f"Column {duplicate!r} is mapped to more than one field.", field="mapping")
    return mapping


@transaction.atomic
def import_upload(*, actor: User, data: bytes, filename: str) -> ContactImport:
    """Store the file and read its header; a file that cannot be read is refused here, whole."""
    policy.require(actor, policy.CUSTOMERS_IMPORT)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise Invalid(f"The file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB.", field="file")
    try:
        table = read_csv(data)
    except CsvError as exc:
        raise Invalid(exc.message, field="file")
    job = ContactImport(
        created_by=actor,
        original_name=(filename or "import.csv")[:255],
        headers=table.headers,
        encoding=table.encoding,
        delimiter=table.delimiter,
        total_rows=len(table.rows),
        mapping=guess_mapping(table.headers),
    )
    job.file.save("contacts.csv", ContentFile(data), save=False)
    job.save()
    return job


@transaction.atomic
def import_start(*, job: ContactImport, actor: User, mapping: dict[str, str] | None, dry_run: bool) -> ContactImport:
    policy.require(actor, policy.CUSTOMERS_IMPORT)
    job = ContactImport.objects.select_for_update().get(pk=job.pk)
    if job.status not in {ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.REJECTED}:
        raise Conflict(f"This import is already {job.get_status_display().lower()}.")
    job.mapping = clean_mapping(mapping if mapping is not None else job.mapping, job.headers)
    job.dry_run = dry_run
    job.status = ImportStatus.PENDING
    job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = job.error_count = 0
    job.report = []
    job.error = ""
    job.finished_at = None
    job.save()
    from heartdesk.customers.tasks import run_contact_import

    enqueue_on_commit(run_contact_import, job.pk)
    return job


# --- Running ------------------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    values: dict
    tags: list[str] = field(default_factory=list)
    organization_name: str = ""


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    error_count: int = 0

    def problem(self, line: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.problems) < MAX_REPORT_ROWS:
            self.problems.append({"line": line, "field": field_name, "message": message})


class _Lookups:
    def __init__(self) -> None:
        self.segments = {s.name.casefold(): s for s in Segment.objects.all()}
        self.tiers = {t.name.casefold(): t for t in Tier.objects.all()}
        self.users: dict[str, User] = {}
        for user in User.objects.filter(is_active=True):
            self.users[user.username.casefold()] = user
            if user.email:
                self.users.setdefault(user.email.casefold(), user)


def _clean_row(line: int, raw: dict[str, str], mapping: dict[str, str], lookups: _Lookups, today, plan: _Plan):
    values: dict = {}
    row = _Row(line=line, values=values)
    ok = True

    def bad(field_name, message):
        nonlocal ok
        ok = False
        plan.problem(line, field_name, message)

    cell = {name: raw.get(header, "") for name, header in mapping.items()}
    for name, limit in TEXT_LIMITS.items():
        if len(cell.get(name, "")) > limit:
            bad(name, f"{IMPORT_FIELDS[name]} is longer than {limit} characters.")
    try:
        values["email"] = rules.clean_email(cell.get("email"))
        if values["email"] is None:
            bad("email", "Email is empty; every row needs one.")
    except rules.RuleError as exc:
        bad("email", exc.message)
    for name in ("first_name", "last_name", "phone", "job_title", "communication_style"):
        if cell.get(name):
            values[name] = " ".join(cell[name].split())
    if cell.get("notes"):
        values["notes"] = cell["notes"]
    for name, model_map in (("segment", lookups.segments), ("tier", lookups.tiers)):
        if cell.get(name):
            found = model_map.get(cell[name].casefold())
            if found is None:
                bad(
                    name,
                    f"Unknown {name} {cell[name]!r}; known: {', '.join(v.name for v in model_map.values())}.",
                )
            values[name] = found
    if cell.get("account_manager"):
        found = lookups.users.get(cell["account_manager"].casefold())
        if found is None:
            bad("account_manager", f"No active staff user is called {cell['account_manager']!r}.")
        values["account_manager"] = found
    checks = (
        ("preferred_channels", rules.clean_channels),
        ("time_zone", rules.clean_time_zone),
        ("language", rules.clean_language),
    )
    for name, check in checks:
        if cell.get(name):
            try:
                values[name] = check(cell[name])
            except rules.RuleError as exc:
                bad(name, exc.message)
    for name in ("customer_since", "churned_on"):
        if cell.get(name):
            try:
                values[name] = rules.parse_date(cell[name], name)
            except rules.RuleError as exc:
                bad(name, exc.message)
    if cell.get("status") or cell.get("churned_on"):
        try:
            values["status"], values["churned_on"] = rules.clean_status(
                cell.get("status") or "churned", values.get("churned_on"), today
            )
        except rules.RuleError as exc:
            bad("status", exc.message)
    if cell.get("tags"):
        try:
            row.tags = rules.clean_tags(cell["tags"])
        except rules.RuleError as exc:
            bad("tags", exc.message)
    row.organization_name = " ".join(cell.get("organization", "").split())
    return row if ok else None


def _plan(job: ContactImport, table, lookups: _Lookups) -> _Plan:
    plan = _Plan()
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for index, (line, raw) in enumerate(table.rows, start=1):
        row = _clean_row(line, raw, job.mapping, lookups, today, plan)
        if row is not None:
            email = row.values["email"]
            if email in seen:
                plan.problem(line, "email", f"{email} appears again: first on line {seen[email]}.")
                row = None
            else:
                seen[email] = line
        if row is not None:
            plan.rows.append(row)
        if index % PROGRESS_EVERY == 0:
            ContactImport.objects.filter(pk=job.pk).update(processed_rows=index)
    return plan


def _chunks(items, size=500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_contacts(emails: list[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for chunk in _chunks(emails):
        for contact in Contact.objects.select_related("organization").filter(email__in=chunk):
            found[contact.email] = contact
    return found


def _existing_tags(contacts) -> dict[int, set[str]]:
    """Tag names (folded) each existing contact already has: an import only adds tags, never removes them."""
    ids = [c.pk for c in contacts]
    found: dict[int, set[str]] = {}
    for chunk in _chunks(ids):
        for contact_id, name in Contact.tags.through.objects.filter(contact_id__in=chunk).values_list(
            "contact_id", "tag__name"
        ):
            found.setdefault(contact_id, set()).add(name.casefold())
    return found


def _diff(contact: Contact, values: dict) -> dict:
    changes = {}
    for name, value in values.items():
        if name == "email":
            continue
        old = getattr(contact, name)
        if old != value:
            changes[name] = [events.history_value(old), events.history_value(value)]
    return changes


def run_import(job: ContactImport) -> ContactImport:
    """Validate, then (unless a dry run) write every row in one transaction. Call on a claimed job."""
    table = read_csv(job.file.open("rb").read())
    job.total_rows = len(table.rows)
    ContactImport.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
    plan = _plan(job, table, _Lookups())
    existing = _existing_contacts([r.values["email"] for r in plan.rows])
    erased_or_removed = [
        r for r in plan.rows if r.values["email"] in existing and existing[r.values["email"]].deleted_at is not None
    ]
    for row in erased_or_removed:
        plan.problem(row.line, "email", f"{row.values['email']} belongs to a removed contact; restore it first.")
    if plan.error_count:
        plan.problems.sort(key=lambda p: p["line"])
        return _finish(job, ImportStatus.REJECTED, report=plan.problems, error_count=plan.error_count)

    tags_of = _existing_tags(existing.values())
    for row in plan.rows:
        contact = existing.get(row.values["email"])
        if contact is not None:
            have = tags_of.get(contact.pk, set())
            row.tags = [t for t in row.tags if t.casefold() not in have]
    created = sum(1 for r in plan.rows if r.values["email"] not in existing)
    changed = [
        r
        for r in plan.rows
        if r.values["email"] in existing and (_diff(existing[r.values["email"]], r.values) or r.tags)
    ]
    if job.dry_run:
        report = [
            {"line": r.line, "field": "", "message": f"{r.values['email']}: will be created"}
            for r in plan.rows
            if r.values["email"] not in existing
        ][:MAX_REPORT_ROWS]
        return _finish(
            job,
            ImportStatus.CHECKED,
            report=report,
            created=created,
            updated=len(changed),
            unchanged=len(plan.rows) - created - len(changed),
        )
    ContactImport.objects.filter(pk=job.pk).update(status=ImportStatus.WRITING, processed_rows=job.total_rows)
    updated, unchanged = _write(job, plan, existing)
    return _finish(job, ImportStatus.DONE, report=[], created=created, updated=updated, unchanged=unchanged)


def _organizations(names: set[str]) -> dict[str, Organization]:
    keys = {search_key(n): n for n in names if n}
    found: dict[str, Organization] = {}
    for chunk in _chunks(list(keys)):
        for org in Organization.objects.filter(name_key__in=chunk, deleted_at__isnull=True).order_by("id"):
            found.setdefault(org.name_key, org)
    missing = [Organization(name=keys[k][:200], name_key=k) for k in keys if k not in found]
    Organization.objects.bulk_create(missing, batch_size=500)
    for org in Organization.objects.filter(name_key__in=[o.name_key for o in missing]):
        found.setdefault(org.name_key, org)
    return found


@transaction.atomic
def _write(job: ContactImport, plan: _Plan, existing: dict[str, Contact]) -> tuple[int, int]:
    now = timezone.now()
    actor = job.created_by
    organizations = _organizations({r.organization_name for r in plan.rows})
    new_contacts, history, tag_links = [], [], []
    changed_contacts, updated, unchanged = [], 0, 0
    change_fields: set[str] = set()
    for row in plan.rows:
        values = dict(row.values)
        if row.organization_name:
            values["organization"] = organizations[search_key(row.organization_name)]
        contact = existing.get(values["email"])
        if contact is None:
            contact = Contact(**values)
            segment = values.get("segment")
            if segment is not None:
                contact.preferred_channels = contact.preferred_channels or list(segment.preferred_channels)
                contact.communication_style = contact.communication_style or segment.communication_style
            contact.name_key = search_key(f"{contact.first_name} {contact.last_name}")
            contact.last_name_key = search_key(contact.last_name)[:100]
            new_contacts.append(contact)
            row_changes = {k: [None, events.history_value(v)] for k, v in values.items()}
        else:
            row_changes = _diff(contact, values)
            for name in row_changes:
                setattr(contact, name, values[name])
                change_fields.add(name)
            if row_changes:
                contact.name_key = search_key(f"{contact.first_name} {contact.last_name}")
                contact.last_name_key = search_key(contact.last_name)[:100]
                contact.updated_at = now
                changed_contacts.append(contact)
        if row.tags:
            row_changes["tags"] = [None, row.tags]
            tag_links.append((contact, row.tags))
        if contact.pk and not row_changes:
            unchanged += 1
            continue
        if contact.pk:
            updated += 1
        history.append((contact, row_changes))
    Contact.objects.bulk_create(new_contacts, batch_size=1000)
    if changed_contacts:
        fields = sorted(change_fields | {"name_key", "last_name_key", "updated_at"})
        Contact.objects.bulk_update(changed_contacts, fields, batch_size=500)
        if {"segment", "tier", "organization"} & set(fields):  # they place the contacts' tickets in the roll-ups
            facts.touched(contacts=[c.pk for c in changed_contacts])
    search.refresh([*new_contacts, *changed_contacts])
    if tag_links:
        _link_tags(tag_links)
    events_rows = [events.imported_row(c, actor=actor, changes=ch, import_id=job.pk, when=now) for c, ch in history]
    CustomerHistory.objects.bulk_create(events_rows, batch_size=1000)
    return updated, unchanged


def _link_tags(links: list[tuple[Contact, list[str]]]) -> None:
    names = {n for _, tags in links for n in tags}
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    Tag.objects.bulk_create([Tag(name=n) for n in names if n not in existing], ignore_conflicts=True)
    tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    through = Contact.tags.through
    through.objects.bulk_create(
        [through(contact_id=c.pk, tag_id=tags[n].pk) for c, names_ in links for n in names_],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _finish(job, status, *, report, error_count=0, created=0, updated=0, unchanged=0) -> ContactImport:
    ContactImport.objects.filter(pk=job.pk).update(
        status=status,
        report=report,
        error_count=error_count,
        created_count=created,
        updated_count=updated,
        unchanged_count=unchanged,
        processed_rows=F("total_rows"),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def claim(job_id: int) -> ContactImport | None:
    """Take a pending import for this worker; None if another worker has it or it is finished (idempotence)."""
    claimed = ContactImport.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.VALIDATING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    return ContactImport.objects.get(pk=job_id) if claimed else None


def release(job_id: int, *, error: str, final: bool) -> None:
    """After an unexpected failure: back to pending for the retry, or failed when no attempts are left."""
    ContactImport.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED if final else ImportStatus.PENDING,
        error=error[:2000],
        finished_at=timezone.now() if final else None,
    )


def export_columns() -> list[str]:
    return list(IMPORT_FIELDS)
