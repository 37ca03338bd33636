"""Import historical survey responses from another tool (JSON or CSV), with their original timestamps.

Columns (CSV header names; JSON objects use the same keys, in a list or under "responses"):
submitted_at (ISO 8601 with an offset), survey (name), contact_email, ticket (HD-n, or the external id of an
imported ticket; optional), agent (username or email; optional, else the ticket's assignee), csat (1–5), resolved
(yes/no), response_time_ok (yes/no), nps (0–10), comment. At least one answer per row.

Contract: the file is checked as a whole; any problem imports nothing and the report names each row, field and
problem. Answers are mapped by question role on the survey's *current* version (comment -> the "improve" text
question, else the first text question); a value whose role the survey lacks is a problem, not silently dropped.
Rows become Response rows with source="import" and no invitation; KPIs, sentiment and themes are filled by
`services.response_copy_answers`, the same path live answers take. A dry run does everything and rolls back.

Idempotence: a response is the same when its survey, contact and submitted_at are (the key a previous tool
export also carries); already-present rows are skipped and reported, so re-importing a file writes nothing.

Imports are history: no email is sent, no invitation is made, no webhook fires, and no follow-up is opened for
a poor historical answer (the moment to call the customer back has long passed).
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.customers.csv_reader import CsvError, read_csv
from heartdesk.customers.models import Contact
from heartdesk.surveys import services
from heartdesk.surveys.choices import QuestionKind, QuestionRole, ResponseSource
from heartdesk.surveys.models import Answer, Response, Survey
from heartdesk.tickets.choices import EventKind
from heartdesk.tickets.importing import detect_format, parse_time
from heartdesk.tickets.models import Ticket, TicketEvent

MAX_PROBLEMS = 1000
MAX_COMMENT = 5000
COLUMNS = (
    "submitted_at",
    "survey",
    "contact_email",
    "ticket",
    "agent",
    "csat",
    "resolved",
    "response_time_ok",
    "nps",
    "comment",
)
REQUIRED = ("submitted_at", "survey", "contact_email")
BOOLEANS = {"true": True, "yes": True, "1": True, "y": True, "false": False, "no": False, "0": False, "n": False}
VALUE_ROLES = {
    "csat": QuestionRole.CSAT,
    "resolved": QuestionRole.RESOLVED,
    "response_time_ok": QuestionRole.RESPONSE_TIME,
    "nps": QuestionRole.NPS,
}


@dataclass
class ImportReport:
    responses: int = 0
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = False
    error_count: int = 0

    def problem(self, row: int | None, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append({"row": row, "field": field_name, "message": message})

    @property
    def ok(self) -> bool:
        return not self.error_count

    def as_dict(self) -> dict:
        return {"responses": self.responses, "skipped": self.skipped, "errors": self.errors, "dry_run": self.dry_run}


@dataclass
class _Plan:
    row: int
    survey: Survey
    contact: Contact
    submitted_at: dt.datetime
    ticket: Ticket | None
    agent: User | None
    answers: dict  # question -> value


def _read(data: bytes, format: str, report: ImportReport) -> list[tuple[int, dict]]:
    if format == "json":
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            report.problem(None, "file", f"The file is not valid JSON ({exc}).")
            return []
        items = document.get("responses") if isinstance(document, dict) else document
        if not isinstance(items, list):
            report.problem(None, "responses", 'The file needs a list of responses (or a "responses" list).')
            return []
        rows = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                report.problem(number, "responses", f"Response {number} is not an object.")
                continue
            rows.append((number, item))
        return rows
    try:
        table = read_csv(data)
    except CsvError as exc:
        report.problem(None, "file", exc.message)
        return []
    missing = [c for c in REQUIRED if c not in table.headers]
    if missing:
        report.problem(
            None, "file", f"The header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
        return []
    return table.rows


class _Lookups:
    def __init__(self, rows):
        self.surveys = {s.name.casefold(): s for s in Survey.objects.all()}
        emails = {str(r.get("contact_email") or "").strip().lower() for _, r in rows}
        self.contacts = {
            c.email.lower(): c
            for c in Contact.objects.filter(email__in=emails - {""}, erased_at__isnull=True).select_related(
                "organization"
            )
        }
        self.users: dict[str, User] = {}
        for user in User.objects.all():
            self.users[user.username.casefold()] = user
            if user.email:
                self.users.setdefault(user.email.casefold(), user)
        self.questions: dict[int, dict] = {}

    def roles(self, survey: Survey) -> dict:
        """role -> question on the survey's current version, plus "comment" -> the text question comments go to."""
        if survey.pk not in self.questions:
            version = survey.current_version
            questions = list(version.questions.order_by("position")) if version else []
            by_role = {q.role: q for q in questions if q.role}
            texts = [q for q in questions if q.kind == QuestionKind.TEXT]
            comment = by_role.get(QuestionRole.IMPROVE) or (texts[0] if texts else None)
            self.questions[survey.pk] = {**by_role, "comment": comment, "version": version}
        return self.questions[survey.pk]


def _ticket(value: str) -> Ticket | None:
    prefix = f"{settings.TICKET_PREFIX}-".lower()
    if value.lower().startswith(prefix) and value[len(prefix) :].isdigit():
        return Ticket.objects.filter(pk=int(value[len(prefix) :])).first()
    event = (
        TicketEvent.objects.filter(kind=EventKind.IMPORTED, data__external_id=value).select_related("ticket").first()
    )
    return event.ticket if event else None


def _number(raw, low: int, high: int):
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number from {low} to {high}.")
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}–{high}.")
    return value


def _check(number: int, row: dict, lookups: _Lookups, report: ImportReport, now) -> _Plan | None:
    before = report.error_count

    def cell(name):
        value = row.get(name)
        return "" if value is None else (value if isinstance(value, bool | int) else str(value).strip())

    submitted_at = None
    try:
        submitted_at = parse_time(row.get("submitted_at"), what="submitted_at")
        if submitted_at > now + dt.timedelta(minutes=5):
            report.problem(number, "submitted_at", f"{submitted_at.isoformat()} is in the future.")
    except ValueError as exc:
        report.problem(number, "submitted_at", str(exc))
    survey = lookups.surveys.get(str(cell("survey")).casefold()) if cell("survey") != "" else None
    if survey is None:
        report.problem(
            number, "survey", f"No survey is called {cell('survey')!r}." if cell("survey") else "Name the survey."
        )
    email = str(cell("contact_email")).lower()
    contact = lookups.contacts.get(email)
    if contact is None:
        report.problem(
            number,
            "contact_email",
            f"No contact has the email {email!r}; import customers first." if email else "Give the contact's email.",
        )
    ticket = None
    if cell("ticket") != "":
        ticket = _ticket(str(cell("ticket")))
        if ticket is None:
            report.problem(number, "ticket", f"No ticket {cell('ticket')!r} (give HD-n or an imported ticket's id).")
    agent = None
    if cell("agent") != "":
        agent = lookups.users.get(str(cell("agent")).casefold())
        if agent is None:
            report.problem(number, "agent", f"No staff user {cell('agent')!r}.")
    roles = lookups.roles(survey) if survey else {}
    if survey and roles.get("version") is None:
        report.problem(number, "survey", f"The survey {survey.name!r} has no questions.")
    answers = {}
    for name in ("csat", "nps", "resolved", "response_time_ok"):
        raw = cell(name)
        if raw == "":
            continue
        try:
            if name in ("csat", "nps"):
                value = _number(raw, *((1, 5) if name == "csat" else (0, 10)))
            elif isinstance(raw, bool):
                value = raw
            elif str(raw).lower() in BOOLEANS:
                value = BOOLEANS[str(raw).lower()]
            else:
                raise ValueError(f"{raw!r} is not yes or no.")
        except ValueError as exc:
            report.problem(number, name, str(exc))
            continue
        question = roles.get(VALUE_ROLES[name])
        if survey and question is None:
            report.problem(number, name, f"The survey {survey.name!r} has no {VALUE_ROLES[name]} question.")
        elif question is not None:
            answers[question] = value
    comment = str(cell("comment"))
    if comment:
        if len(comment) > MAX_COMMENT:
            report.problem(number, "comment", f"At most {MAX_COMMENT:,} characters.")
        elif survey and roles.get("comment") is None:
            report.problem(number, "comment", f"The survey {survey.name!r} has no text question for comments.")
        elif roles.get("comment") is not None:
            answers[roles["comment"]] = comment
    if report.error_count == before and not answers:
        report.problem(number, "csat", "The row holds no answer (csat, resolved, response_time_ok, nps or comment).")
    if report.error_count != before:
        return None
    return _Plan(
        row=number,
        survey=survey,
        contact=contact,
        submitted_at=submitted_at,
        ticket=ticket,
        agent=agent,
        answers=answers,
    )


def _write(plan: _Plan, roles: dict) -> Response:
    contact, ticket = plan.contact, plan.ticket
    org = contact.organization if contact.organization_id else None
    agent = plan.agent or (ticket.assignee if ticket else None)
    response = Response.objects.create(
        invitation=None,
        survey=plan.survey,
        version=roles["version"],
        contact=contact,
        ticket=ticket,
        agent=agent,
        team=ticket.team if ticket else None,
        channel=ticket.channel if ticket else "",
        organization=(ticket.organization if ticket else None) or org,
        segment=contact.segment or (org.segment if org else None),
        tier=(org.tier if org else None) or contact.tier,
        source=ResponseSource.IMPORT,
        submitted_at=plan.submitted_at,
        updated_at=plan.submitted_at,
    )
    Answer.objects.bulk_create([Answer(response=response, question=q, value=v) for q, v in plan.answers.items()])
    services.response_copy_answers(response)  # sentiment and themes as for a live answer; no follow-up, no webhook
    return response


def import_responses(
    *, actor, data: bytes, filename: str = "", format: str | None = None, dry_run: bool = False, now=None
) -> ImportReport:
    """Check and write a whole file; nothing is written when the report has errors or on a dry run.

    `actor` None is the command line (trusted); otherwise the actor needs SURVEYS_MANAGE."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    now = now or timezone.now()
    report = ImportReport(dry_run=dry_run)
    if len(data) > settings.IMPORT_MAX_BYTES:
        report.problem(None, "file", f"The file is larger than {settings.IMPORT_MAX_BYTES // 2**20} MB.")
        return report
    format = format or detect_format(data, filename)
    rows = _read(data, format, report)
    if not rows and report.ok:
        report.problem(None, "file", "The file holds no responses.")
    lookups = _Lookups(rows)
    plans = [p for p in (_check(n, r, lookups, report, now) for n, r in rows) if p is not None]
    seen: dict[tuple, int] = {}
    fresh = []
    for plan in plans:
        key = (plan.survey.pk, plan.contact.pk, plan.submitted_at)
        if key in seen:
            report.problem(
                plan.row,
                "submitted_at",
                f"The same survey, contact and time as row {seen[key]}; a response is imported once.",
            )
            continue
        seen[key] = plan.row
        existing = Response.objects.filter(
            survey=plan.survey, contact=plan.contact, submitted_at=plan.submitted_at
        ).first()
        if existing is not None:
            report.skipped.append({"row": plan.row, "response": existing.pk, "message": "Already imported."})
        else:
            fresh.append(plan)
    with transaction.atomic():
        if report.ok:
            for plan in sorted(fresh, key=lambda p: p.submitted_at):
                _write(plan, lookups.roles(plan.survey))
                report.responses += 1
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    if not report.ok:
        report.responses = 0
    return report
