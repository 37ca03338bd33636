"""Import tickets with their history from another help desk (JSON or CSV), replayed through the services.

Contract: a file is checked as a whole, then every ticket is replayed in one transaction through the same services
agents use (`ticket_create`, `ticket_customer_reply`, `ticket_reply`, `ticket_note`, `ticket_update`) with
`now=` set to the original times, so the SLA clocks hold the outcomes the old timeline earns here. Any problem,
found while reading or while replaying, rolls the whole file back; the report names each problem's ticket, row
and field. A dry run replays too and always rolls back, so it finds exactly what a real run would.

Idempotence: every imported ticket gets an "imported" TicketEvent whose data holds the external id; a ticket
whose external id already has one is skipped and reported. The event log is append-only, so (unlike a tag an
agent can remove) the mapping cannot be lost by editing the ticket.

Imports are history: they send no email (acknowledge=False, notify_customer=False), and the in-app
notifications and webhook deliveries the services queue for each replayed step are removed before commit.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import DomainError
from heartdesk.core.text import search_key
from heartdesk.customers import rules
from heartdesk.customers import services as customers
from heartdesk.customers.csv_reader import CsvError, read_csv
from heartdesk.customers.models import Contact, Organization
from heartdesk.messaging import quiet
from heartdesk.tickets import events, reopening, services
from heartdesk.tickets.choices import Channel, EventKind, Priority, Status, TicketType
from heartdesk.tickets.models import Ticket, TicketEvent

MAX_PROBLEMS = 1000
ACTOR_LABEL = "import"

PRIORITIES = {
    **{p.value: p.value for p in Priority},
    # Guide 000's names, and Zendesk's urgent/high/normal/low.
    "critical": Priority.P1,
    "urgent": Priority.P1,
    "high": Priority.P2,
    "medium": Priority.P3,
    "normal": Priority.P3,
    "low": Priority.P4,
}
STATUSES = {**{s.value: s.value for s in Status}, "hold": Status.ON_HOLD, "on hold": Status.ON_HOLD}
CHANNELS = {
    **{c.value: c.value for c in Channel},
    "mail": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
    "voice": Channel.PHONE,
    "web_form": Channel.WEB,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
}
TYPES = {**{t.value: t.value for t in TicketType}, "task": TicketType.REQUEST}
BOOLEANS = {"true": True, "yes": True, "1": True, "y": True, "false": False, "no": False, "0": False, "n": False}

# Where each value sits in the file, for the report: JSON paths and CSV column names.
JSON_NAMES = {
    "requester_email": "requester.email",
    "requester_name": "requester.name",
}
CSV_NAMES = {"created_at": "ticket_created_at"}
CSV_REQUIRED = (
    "external_id",
    "subject",
    "requester_email",
    "status",
    "ticket_created_at",
    "message_author",
    "message_body",
    "message_created_at",
)
CSV_TICKET_COLUMNS = (
    "subject",
    "requester_email",
    "requester_name",
    "organization",
    "channel",
    "type",
    "priority",
    "status",
    "ticket_created_at",
    "assignee",
    "team",
    "category",
    "tags",
    "solved_at",
    "closed_at",
)


@dataclass
class ImportReport:
    tickets: int = 0
    messages: int = 0
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # references of the tickets written
    dry_run: bool = False
    error_count: int = 0

    def problem(self, ticket: str | None, row: int | None, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append({"ticket": ticket, "row": row, "field": field_name, "message": message})

    @property
    def ok(self) -> bool:
        return not self.error_count

    def as_dict(self) -> dict:
        return {
            "tickets": self.tickets,
            "messages": self.messages,
            "skipped": self.skipped,
            "errors": self.errors,
            "created": self.created,
            "dry_run": self.dry_run,
        }


# --- Reading: both formats become the same raw shape ---------------------------------------------------------


@dataclass
class _RawMessage:
    row: int
    prefix: str  # "messages[2]." in JSON, "message_" in CSV
    author: str
    public: object
    body: str
    created_at: object


@dataclass
class _Raw:
    external_id: str
    row: int  # JSON: position in "tickets" (1-based); CSV: the line of the ticket's first row
    values: dict
    names: dict  # canonical key -> how the file calls it
    messages: list[_RawMessage] = field(default_factory=list)
    status_changes: list[tuple[int, str, object, object]] = field(default_factory=list)  # row, name, status, at

    def name(self, key: str) -> str:
        return self.names.get(key, key)


def _json_author(author) -> str:
    if isinstance(author, dict):
        return str(author.get("email") or author.get("username") or "").strip()
    return str(author or "").strip()


def read_json(data: bytes, report: ImportReport) -> list[_Raw]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.problem(None, None, "file", f"The file is not valid JSON ({exc}).")
        return []
    tickets = document.get("tickets") if isinstance(document, dict) else document
    if not isinstance(tickets, list):
        report.problem(None, None, "tickets", 'The file needs a "tickets" list.')
        return []
    raws = []
    for number, item in enumerate(tickets, start=1):
        if not isinstance(item, dict):
            report.problem(None, number, "tickets", f"Ticket {number} is not an object.")
            continue
        requester = item.get("requester") if isinstance(item.get("requester"), dict) else {}
        values = {
            k: item.get(k)
            for k in (
                "external_id",
                "subject",
                "organization",
                "channel",
                "type",
                "priority",
                "status",
                "created_at",
                "assignee",
                "team",
                "tags",
                "category",
                "solved_at",
                "closed_at",
            )
        }
        values["requester_email"] = requester.get("email")
        values["requester_name"] = requester.get("name")
        raw = _Raw(external_id=str(item.get("external_id") or "").strip(), row=number, values=values, names=JSON_NAMES)
        messages = item.get("messages") or []
        if not isinstance(messages, list):
            report.problem(raw.external_id or None, number, "messages", '"messages" must be a list.')
            messages = []
        for index, message in enumerate(messages):
            prefix = f"messages[{index}]."
            if not isinstance(message, dict):
                report.problem(raw.external_id or None, number, prefix[:-1], "A message must be an object.")
                continue
            raw.messages.append(
                _RawMessage(
                    row=number,
                    prefix=prefix,
                    author=_json_author(message.get("author")),
                    public=message.get("public", True),
                    body=message.get("body"),
                    created_at=message.get("created_at"),
                )
            )
        for index, change in enumerate(item.get("status_changes") or []):
            name = f"status_changes[{index}]"
            if not isinstance(change, dict):
                report.problem(raw.external_id or None, number, name, "A status change must be an object.")
                continue
            raw.status_changes.append((number, name, change.get("status"), change.get("at")))
        raws.append(raw)
    return raws


def read_csv_tickets(data: bytes, report: ImportReport) -> list[_Raw]:
    """One row per message, rows grouped by external_id (they need not be adjacent).

    Optional columns beyond the documented ones: team, category, tags (comma-separated), closed_at, and
    status_change + status_changed_at, which let a row record a status change (with or without a message).
    """
    try:
        table = read_csv(data)
    except CsvError as exc:
        report.problem(None, None, "file", exc.message)
        return []
    columns = {h.strip().lower().replace(" ", "_"): h for h in table.headers}
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if missing:
        report.problem(None, None, "file", f"The file has no column {', '.join(missing)}.")
        return []
    by_id: dict[str, _Raw] = {}
    for line, row in table.rows:
        cell = {key: row.get(header, "").strip() for key, header in columns.items()}
        external_id = cell["external_id"]
        if not external_id:
            report.problem(None, line, "external_id", "Every row needs an external_id.")
            continue
        raw = by_id.get(external_id)
        if raw is None:
            values = {key: cell.get(key, "") for key in CSV_TICKET_COLUMNS}
            values["created_at"] = values.pop("ticket_created_at")
            values["external_id"] = external_id
            raw = by_id[external_id] = _Raw(external_id=external_id, row=line, values=values, names=CSV_NAMES)
        else:
            for key in CSV_TICKET_COLUMNS:
                mine = raw.values["created_at" if key == "ticket_created_at" else key]
                if cell.get(key) and mine and cell[key] != mine:
                    report.problem(
                        external_id,
                        line,
                        key,
                        f"{key} is {cell[key]!r} here but {mine!r} on line {raw.row} of the same ticket.",
                    )
        if cell.get("status_change") or cell.get("status_changed_at"):
            # Optional columns: a row may also carry one status change (CSV has no nested list).
            raw.status_changes.append((line, "status_change", cell.get("status_change"), cell.get("status_changed_at")))
        if cell["message_author"] or cell["message_body"] or cell["message_created_at"]:
            raw.messages.append(
                _RawMessage(
                    row=line,
                    prefix="message_",
                    author=cell["message_author"],
                    public=cell.get("message_public", "") or "true",
                    body=cell["message_body"],
                    created_at=cell["message_created_at"],
                )
            )
    return list(by_id.values())


# --- Checking ------------------------------------------------------------------------------------------------


@dataclass
class _Message:
    row: int
    field: str
    at: dt.datetime
    body: str
    public: bool
    staff: User | None
    contact_email: str | None


@dataclass
class _Ticket:
    external_id: str
    row: int
    subject: str
    requester_email: str
    requester_name: str
    organization: str
    channel: str
    type: str
    priority: str
    status: str
    created_at: dt.datetime
    assignee: User | None
    team: Team | None
    tags: list[str]
    category: str
    messages: list[_Message]
    changes: list[tuple[dt.datetime, str, int, str]]  # at, status, row, field


class _Lookups:
    def __init__(self, raws: list[_Raw]) -> None:
        self.users: dict[str, User] = {}
        for user in User.objects.filter(is_active=True):
            self.users[user.username.casefold()] = user
            if user.email:
                self.users.setdefault(user.email.casefold(), user)
        self.teams = {t.name.casefold(): t for t in Team.objects.all()}
        emails = {str(r.values.get("requester_email") or "").strip().lower() for r in raws}
        emails |= {m.author.lower() for r in raws for m in r.messages if "@" in m.author}
        self.contacts = {c.email: c for c in Contact.objects.filter(email__in=emails - {""})}
        self.organizations: dict[str, Organization] = {}


def parse_time(value, *, what: str) -> dt.datetime:
    """An ISO 8601 time with its offset; a time without one is refused rather than guessed."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError(f"{what} is empty.")
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            raise ValueError(f"{what} {text!r} is not an ISO 8601 time (like 2026-11-16T10:00:00+01:00).")
    if timezone.is_naive(moment):
        raise ValueError(f"{what} {value!r} has no time zone offset; add one (Z or +01:00).")
    return moment


def _check(raw: _Raw, lookups: _Lookups, report: ImportReport) -> _Ticket | None:
    before = report.error_count
    ext = raw.external_id or None
    v = raw.values

    def bad(key: str, message: str, *, row: int | None = None, name: str | None = None) -> None:
        report.problem(ext, row or raw.row, name or raw.name(key), message)

    def choice(key: str, table: dict, default: str | None = None) -> str:
        text = " ".join(str(v.get(key) or "").lower().split())
        if not text and default is not None:
            return default
        found = table.get(text) or table.get(text.replace(" ", "_")) or table.get(text.replace("_", " "))
        if found is None:
            bad(key, f"Unknown {key} {v.get(key)!r}; use one of {', '.join(sorted(table))}.")
            return default or ""
        return str(found)

    def time(key: str, *, required: bool = False, row=None, name=None, value=None) -> dt.datetime | None:
        value = v.get(key) if value is None else value
        if not value and not required:
            return None
        try:
            return parse_time(value, what=name or raw.name(key))
        except ValueError as exc:
            bad(key, str(exc), row=row, name=name)
            return None

    def staff(key: str, who: str, *, row=None, name=None) -> User | None:
        user = lookups.users.get(who.casefold())
        if user is None:
            bad(key, f"No active staff user has the username or email {who!r}.", row=row, name=name)
        elif not policy.can(user, policy.TICKETS_WORK):
            bad(key, f"{user.username} cannot work tickets, so cannot be named here.", row=row, name=name)
            user = None
        return user

    if not raw.external_id:
        bad("external_id", "Every ticket needs an external_id.")
    subject = " ".join(str(v.get("subject") or "").split())
    if not subject:
        bad("subject", "The subject is empty.")
    elif len(subject) > 300:
        bad("subject", f"The subject is {len(subject)} characters; at most 300.")
    try:
        email = rules.clean_email(str(v.get("requester_email") or ""))
        if email is None:
            bad("requester_email", "Every ticket needs the requester's email.")
    except rules.RuleError as exc:
        email = None
        bad("requester_email", exc.message)
    contact = lookups.contacts.get(email) if email else None
    if contact is not None and contact.deleted_at is not None:
        bad("requester_email", f"{email} belongs to a removed contact; restore it first.")
    channel = choice("channel", CHANNELS, Channel.EMAIL)
    type_ = choice("type", TYPES, TicketType.QUESTION)
    priority = choice("priority", PRIORITIES, Priority.P3)
    status = choice("status", STATUSES)
    created_at = time("created_at", required=True)
    assignee = staff("assignee", str(v["assignee"]).strip()) if str(v.get("assignee") or "").strip() else None
    team = None
    if str(v.get("team") or "").strip():
        team = lookups.teams.get(str(v["team"]).strip().casefold())
        if team is None:
            bad("team", f"No team is called {v['team']!r}.")
    tags = v.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.replace(";", ",").split(",") if t.strip()]
    category = " ".join(str(v.get("category") or "").split())[:100]

    messages: list[_Message] = []
    for m in raw.messages:
        name = f"{m.prefix}{{}}".format
        at = time("", required=True, row=m.row, name=name("created_at"), value=m.created_at or "")
        body = str(m.body or "").strip()
        if not body:
            bad("", "The message body is empty.", row=m.row, name=name("body"))
        public = m.public if isinstance(m.public, bool) else BOOLEANS.get(str(m.public).strip().lower())
        if public is None:
            bad("", f"{m.public!r} is not true or false.", row=m.row, name=name("public"))
        who = m.author
        user, contact_email = None, None
        if not who:
            bad("", "The message has no author.", row=m.row, name=name("author"))
        elif email and who.casefold() == email:
            contact_email = email
        elif who.casefold() in lookups.users:
            user = staff("", who, row=m.row, name=name("author"))
        elif "@" in who and who.lower() in lookups.contacts:
            contact_email = who.lower()
        else:
            bad(
                "",
                f"{who!r} is neither the requester, a known contact nor an active staff user.",
                row=m.row,
                name=name("author"),
            )
        if contact_email and public is False:
            bad("", "A private note must be written by a staff user.", row=m.row, name=name("public"))
        if at and created_at and at < created_at:
            bad(
                "",
                f"The message is dated {at.isoformat()}, before the ticket was created ({created_at.isoformat()}).",
                row=m.row,
                name=name("created_at"),
            )
        if at:
            messages.append(_Message(m.row, name("body"), at, body, bool(public), user, contact_email))
    messages.sort(key=lambda msg: msg.at)  # stable: messages at the same moment keep the file's order

    changes: list[tuple[dt.datetime, str, int, str]] = []
    for row, name, change_status, at_value in raw.status_changes:
        found = STATUSES.get(str(change_status or "").strip().lower())
        if found is None:
            bad("", f"Unknown status {change_status!r}.", row=row, name=f"{name}.status")
        at = time("", required=True, row=row, name=f"{name}.at", value=at_value or "")
        if found and at:
            changes.append((at, str(found), row, name))
    for key, target in (("solved_at", Status.SOLVED), ("closed_at", Status.CLOSED)):
        at = time(key)
        if at and not any(s == target for _, s, _, _ in changes):
            changes.append((at, str(target), raw.row, raw.name(key)))
    for at, _, row, name in changes:
        if created_at and at < created_at:
            bad("", f"The status change at {at.isoformat()} is before the ticket was created.", row=row, name=name)
    changes.sort(key=lambda c: c[0])
    if report.error_count > before:
        return None
    return _Ticket(
        raw.external_id,
        raw.row,
        subject,
        email,
        " ".join(str(v.get("requester_name") or "").split()),
        " ".join(str(v.get("organization") or "").split()),
        channel,
        type_,
        priority,
        status,
        created_at,
        assignee,
        team,
        [str(t) for t in tags],
        category,
        messages,
        changes,
    )


# --- Writing -------------------------------------------------------------------------------------------------


def _organization(name: str, lookups: _Lookups) -> Organization | None:
    if not name:
        return None
    key = search_key(name)
    if key not in lookups.organizations:
        found = Organization.objects.filter(name_key=key, deleted_at__isnull=True).order_by("id").first()
        lookups.organizations[key] = found or customers.organization_create(actor=None, name=name[:200])
    return lookups.organizations[key]


def _contact(email: str, name: str, organization, lookups: _Lookups) -> Contact:
    if email not in lookups.contacts:
        first, _, last = name.partition(" ")
        lookups.contacts[email] = customers.contact_create(
            actor=None, email=email, first_name=first[:100], last_name=last[:100], organization=organization
        )
    return lookups.contacts[email]


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("requester").get(pk=ticket.pk)


def _move(ticket: Ticket, status: str, at: dt.datetime) -> Ticket:
    """Walk the ticket to `status` at `at` through the allowed moves (closing goes through solved)."""
    if status == ticket.status or status == Status.NEW:
        return ticket
    if status == Status.CLOSED and ticket.status != Status.SOLVED:
        ticket = services.ticket_update(
            ticket=ticket, actor=None, actor_label=ACTOR_LABEL, status=Status.SOLVED, now=at
        )
    return services.ticket_update(ticket=ticket, actor=None, actor_label=ACTOR_LABEL, status=status, now=at)


def _replay(plan: _Ticket, lookups: _Lookups) -> Ticket:
    organization = _organization(plan.organization, lookups)
    requester = _contact(plan.requester_email, plan.requester_name, organization, lookups)
    messages = list(plan.messages)
    # The customer's first message at the moment the ticket opened is its description, as in any help desk.
    first = messages[0] if messages else None
    description = (
        first
        if first and first.contact_email == plan.requester_email and first.public and (first.at == plan.created_at)
        else None
    )
    if description:
        messages.pop(0)
    ticket = services.ticket_create(
        subject=plan.subject,
        body=description.body if description else "",
        requester=requester,
        organization=organization,
        channel=plan.channel,
        type=plan.type,
        priority=plan.priority,
        assignee=plan.assignee,
        team=plan.team,
        category=plan.category,
        tags=plan.tags,
        acknowledge=False,
        actor=None,
        now=plan.created_at,
    )
    # Messages before status changes at the same moment: "replied and solved" is one agent action.
    steps = sorted(
        [(m.at, 0, i, m) for i, m in enumerate(messages)] + [(c[0], 1, i, c) for i, c in enumerate(plan.changes)],
        key=lambda s: s[:3],
    )
    last = plan.created_at
    for at, kind, _, step in steps:
        last = at
        ticket = _fresh(ticket)
        if kind == 1:
            ticket = _move(ticket, step[1], at)
            continue
        if step.contact_email:
            if ticket.status == Status.CLOSED:
                raise _StepError(
                    step,
                    "The customer wrote after the ticket was closed; Heartdesk would open a follow-up ticket instead.",
                )
            if reopening.solved_too_long_ago(ticket, at):
                # The old help desk kept this in the same ticket; reopen it rather than split off a follow-up.
                ticket = _move(ticket, Status.OPEN, at)
            services.ticket_customer_reply(
                ticket=ticket,
                contact=lookups.contacts[step.contact_email],
                body=step.body,
                channel=ticket.channel,
                now=at,
            )
        elif step.public:
            services.ticket_reply(ticket=ticket, body=step.body, actor=step.staff, notify_customer=False, now=at)
        else:
            services.ticket_note(ticket=ticket, body=step.body, actor=step.staff, now=at)
    ticket = _fresh(ticket)
    if plan.status != ticket.status:
        ticket = _move(ticket, plan.status, last)
    return ticket


class _StepError(DomainError):
    status = 422

    def __init__(self, step: _Message, message: str):
        super().__init__(message, field=step.field)
        self.row = step.row


def _already_imported(external_ids: list[str]) -> dict[str, Ticket]:
    found = {}
    rows = TicketEvent.objects.filter(kind=EventKind.IMPORTED, data__external_id__in=external_ids).select_related(
        "ticket"
    )
    for event in rows:
        found.setdefault(event.data["external_id"], event.ticket)
    return found


def detect_format(data: bytes, filename: str = "") -> str:
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv") or name.endswith(".txt"):
        return "csv"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head[:1] in (b"{", b"[") else "csv"


def import_tickets(
    *, actor: User | None, data: bytes, filename: str = "", format: str | None = None, dry_run: bool = False
) -> ImportReport:
    """Check and replay a whole file; nothing is written when the report has errors or on a dry run.

    `actor` None is the command line (trusted); otherwise the actor needs TICKETS_IMPORT.
    """
    if actor is not None:
        policy.require(actor, policy.TICKETS_IMPORT)
    report = ImportReport(dry_run=dry_run)
    if len(data) > settings.IMPORT_MAX_BYTES:
        report.problem(None, None, "file", f"The file is larger than {settings.IMPORT_MAX_BYTES // 2**20} MB.")
        return report
    format = format or detect_format(data, filename)
    raws = read_json(data, report) if format == "json" else read_csv_tickets(data, report)
    if not raws and report.ok:
        report.problem(None, None, "file", "The file holds no tickets.")
    seen: dict[str, int] = {}
    unique = []
    for raw in raws:
        if raw.external_id and raw.external_id in seen:
            report.problem(
                raw.external_id,
                raw.row,
                raw.name("external_id"),
                f"external_id {raw.external_id!r} appears twice (first at row {seen[raw.external_id]}).",
            )
            continue
        seen[raw.external_id] = raw.row
        unique.append(raw)
    existing = _already_imported([r.external_id for r in unique if r.external_id])
    fresh = []
    for raw in unique:
        if raw.external_id in existing:
            report.skipped.append(
                {
                    "ticket": raw.external_id,
                    "row": raw.row,
                    "reference": existing[raw.external_id].reference,
                    "message": "Already imported.",
                }
            )
        else:
            fresh.append(raw)
    lookups = _Lookups(fresh)
    plans = [p for p in (_check(raw, lookups, report) for raw in fresh) if p is not None]
    plans.sort(key=lambda p: p.created_at)  # ticket numbers follow the original order
    started = timezone.now()
    with transaction.atomic():
        for plan in plans:
            try:
                with transaction.atomic(), quiet.quietly():
                    ticket = _replay(plan, lookups)
                    events.record(
                        ticket,
                        EventKind.IMPORTED,
                        actor=actor,
                        actor_label=ACTOR_LABEL,
                        when=started,
                        external_id=plan.external_id,
                        source=format,
                        file=(filename or "")[:200],
                    )
            except DomainError as exc:
                report.problem(plan.external_id, getattr(exc, "row", plan.row), exc.field or "", exc.message)
                # The savepoint rolled back any contact or organization this ticket made; forget them.
                lookups.contacts = {k: c for k, c in lookups.contacts.items() if _exists(c)}
                lookups.organizations = {k: o for k, o in lookups.organizations.items() if _exists(o)}
                continue
            report.tickets += 1
            report.messages += len(plan.messages)
            report.created.append(ticket.reference)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    if not report.ok:
        report.tickets = report.messages = 0
    if dry_run or not report.ok:
        report.created = []
    return report


def _exists(obj) -> bool:
    return type(obj).objects.filter(pk=obj.pk).exists()
