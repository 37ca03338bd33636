"""Writes of the survey builder: a survey's settings and its questions, versioned copy-on-write.

Contract: each service is keyword-only, takes `actor` (None: trusted code such as a migration), runs in one
transaction and checks everything before it writes, so a bad question leaves the survey exactly as it was. Every
problem is collected and raised together as one `Invalid` whose `errors` name each field (`questions.2.choices`).

Decisions:
- A version is frozen once anything refers to it: a response (its answers point at the questions) or an
  invitation (a customer may hold a link to that version's page). Editing the questions of a frozen version
  writes version N+1; otherwise the current version is edited in place. Saving the same questions again writes
  nothing, so a settings-only save never makes a version.
- One default survey per kind and language: making a survey the default unsets the old one (the database also
  says so with a partial unique constraint).
- Choices are one list of distinct, non-empty labels; only single and multiple choice questions have them.
- The 0–10 question answers the NPS role, the 1–5 rating the CSAT role, yes/no the resolved and response-time
  roles, text the improve/appreciated roles: a role on another kind would feed a KPI the wrong kind of value.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers import rules
from heartdesk.surveys.choices import QuestionKind, QuestionRole, SurveyKind
from heartdesk.surveys.models import Invitation, Question, Response, Survey, SurveyVersion

MAX_QUESTIONS = 50
MAX_CHOICES = 30
MAX_DELAY_MINUTES = 24 * 60
ROLE_KINDS = {
    QuestionRole.CSAT: {QuestionKind.RATING_5},
    QuestionRole.NPS: {QuestionKind.NPS},
    QuestionRole.RESOLVED: {QuestionKind.YES_NO},
    QuestionRole.RESPONSE_TIME: {QuestionKind.YES_NO},
    QuestionRole.IMPROVE: {QuestionKind.TEXT},
    QuestionRole.APPRECIATED: {QuestionKind.TEXT},
}
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors))
            summary = "; ".join(f"{f}: {' '.join(m)}" for f, m in self.errors.items())
            raise Invalid(summary, field=first, errors=self.errors)


def _text(value, field: str, errors: _Errors, *, max_length: int, required: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        errors.add(field, f"The {field.split('.')[-1].replace('_', ' ')} must not be empty.")
    if len(text) > max_length:
        errors.add(field, f"At most {max_length} characters (this is {len(text)}).")
    return text


def _whole(value, field: str, errors: _Errors, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            errors.add(field, f"A whole number from {low} to {high}.")
            return low
    if not low <= value <= high:
        errors.add(field, f"A whole number from {low} to {high}; {value} is not.")
    return value


def _choices(raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.splitlines()
    return [" ".join(str(c).split()) for c in raw if str(c).strip()]


def clean_questions(questions, errors: _Errors) -> list[dict]:
    """Each question as {position, kind, role, text, choices, required}, in position order; problems into `errors`."""
    if not isinstance(questions, list | tuple):
        errors.add("questions", "Questions are a list.")
        return []
    if not questions:
        errors.add("questions", "A survey needs at least one question.")
    if len(questions) > MAX_QUESTIONS:
        errors.add("questions", f"At most {MAX_QUESTIONS} questions.")
    clean, positions, roles = [], {}, {}
    for i, raw in enumerate(questions):
        at = f"questions.{i}"
        if not isinstance(raw, dict):
            errors.add(at, "Each question is an object with kind, text, role, choices, required.")
            continue
        position = raw.get("position")
        position = i + 1 if position in (None, "") else _whole(position, f"{at}.position", errors, low=1, high=999)
        if position in positions:
            errors.add(
                f"{at}.position", f"Position {position} is used twice (also question {positions[position] + 1})."
            )
        positions[position] = i
        kind = str(raw.get("kind") or "").strip()
        if kind not in QuestionKind.values:
            errors.add(f"{at}.kind", f"Unknown kind {kind!r}; use one of {', '.join(QuestionKind.values)}.")
        role = str(raw.get("role") or "").strip()
        if role not in QuestionRole.values:
            errors.add(
                f"{at}.role", f"Unknown role {role!r}; use one of {', '.join(v for v in QuestionRole.values if v)}."
            )
        elif role:
            if role in roles:
                errors.add(
                    f"{at}.role", f"The {role} role is already on question {roles[role] + 1}; a role is used once."
                )
            roles[role] = i
            if kind in QuestionKind.values and kind not in ROLE_KINDS[role]:
                allowed = " or ".join(sorted(ROLE_KINDS[role]))
                errors.add(f"{at}.role", f"The {role} role needs a {allowed} question, not {kind}.")
        text = _text(raw.get("text"), f"{at}.text", errors, max_length=300, required=True)
        choices = _choices(raw.get("choices"))
        if kind in CHOICE_KINDS:
            if len(choices) < 2:
                errors.add(f"{at}.choices", "A choice question needs at least two choices (one per line).")
            if len(set(c.casefold() for c in choices)) != len(choices):
                errors.add(f"{at}.choices", "Each choice must be different.")
            if len(choices) > MAX_CHOICES or any(len(c) > 200 for c in choices):
                errors.add(f"{at}.choices", f"At most {MAX_CHOICES} choices of at most 200 characters.")
        elif choices:
            errors.add(
                f"{at}.choices", f"Only single and multiple choice questions have choices, not {kind or 'this'}."
            )
        clean.append(
            {
                "position": position,
                "kind": kind,
                "role": role,
                "text": text,
                "choices": choices if kind in CHOICE_KINDS else [],
                "required": bool(raw.get("required")),
            }
        )
    return sorted(clean, key=lambda q: q["position"])


def _settings(data: dict, errors: _Errors) -> dict:
    out = {}
    if "name" in data:
        out["name"] = " ".join(_text(data["name"], "name", errors, max_length=150, required=True).split())
    if "kind" in data:
        out["kind"] = str(data["kind"] or "").strip()
        if out["kind"] not in SurveyKind.values:
            errors.add("kind", f"Unknown kind {out['kind']!r}; use one of {', '.join(SurveyKind.values)}.")
    if "language" in data:
        try:
            out["language"] = rules.clean_language(data["language"])
        except rules.RuleError as exc:
            errors.add("language", exc.message)
        else:
            if not out["language"]:
                errors.add("language", "Give a language code (for example en or pt-BR).")
    for field, length in (("intro", 500), ("thank_you", 500)):
        if field in data:
            out[field] = _text(data[field], field, errors, max_length=length, required=field == "thank_you")
    if "delay_minutes" in data:
        out["delay_minutes"] = _whole(data["delay_minutes"], "delay_minutes", errors, low=0, high=MAX_DELAY_MINUTES)
    if "fatigue_days" in data:
        out["fatigue_days"] = _whole(data["fatigue_days"], "fatigue_days", errors, low=0, high=3650)
    if "link_days" in data:
        out["link_days"] = _whole(data["link_days"], "link_days", errors, low=1, high=3650)
    for field in ("is_default", "active"):
        if field in data:
            out[field] = bool(data[field])
    return out


def _frozen(version: SurveyVersion) -> bool:
    return Response.objects.filter(version=version).exists() or Invitation.objects.filter(version=version).exists()


def question_rows(version: SurveyVersion | None) -> list[dict]:
    if version is None:
        return []
    return [
        {
            "position": q.position,
            "kind": q.kind,
            "role": q.role,
            "text": q.text,
            "choices": list(q.choices),
            "required": q.required,
        }
        for q in version.questions.order_by("position")
    ]


def _write_questions(version: SurveyVersion, questions: list[dict]) -> None:
    Question.objects.bulk_create([Question(version=version, **q) for q in questions])


def _save(survey: Survey, fields: dict) -> Survey:
    for field, value in fields.items():
        setattr(survey, field, value)
    if survey.is_default:
        # Lock the old default before unsetting it, so two managers making defaults at once queue up.
        others = Survey.objects.select_for_update().filter(kind=survey.kind, language=survey.language, is_default=True)
        if survey.pk:
            others = others.exclude(pk=survey.pk)
        for other in others:
            Survey.objects.filter(pk=other.pk).update(is_default=False)
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        raise Conflict(f"Another survey is already called {survey.name!r}.", field="name")
    return survey


@transaction.atomic
def survey_create(*, actor, questions: list[dict], now: dt.datetime | None = None, **data) -> Survey:
    """A survey with version 1; `data`: name, kind, language, is_default, active, intro, thank_you, delay_minutes,
    fatigue_days, link_days (all but name and kind optional)."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    now = now or timezone.now()
    errors = _Errors()
    for required in ("name", "kind"):
        data.setdefault(required, "")
    data.setdefault("language", "en")
    fields = _settings(data, errors)
    clean = clean_questions(questions, errors)
    if fields.get("name") and Survey.objects.filter(name__iexact=fields["name"]).exists():
        raise Conflict(f"Another survey is already called {fields['name']!r}.", field="name")
    errors.raise_any()
    survey = _save(Survey(created_at=now), fields)
    version = SurveyVersion.objects.create(survey=survey, number=1, created_at=now)
    _write_questions(version, clean)
    return survey


@transaction.atomic
def survey_update(
    *, survey: Survey, actor, questions: list[dict] | None = None, now: dt.datetime | None = None, **data
) -> Survey:
    """Change the settings given in `data`; `questions` (the whole list) replaces the current version's questions,
    in place while nothing refers to that version, else as version N+1. `questions=None` keeps them."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    errors = _Errors()
    fields = _settings(data, errors)
    clean = clean_questions(questions, errors) if questions is not None else None
    name = fields.get("name")
    if name and Survey.objects.filter(name__iexact=name).exclude(pk=survey.pk).exists():
        raise Conflict(f"Another survey is already called {name!r}.", field="name")
    errors.raise_any()
    survey = _save(survey, fields)
    current = survey.current_version
    if clean is not None and clean != question_rows(current):
        if current is None or _frozen(current):
            number = (current.number if current else 0) + 1
            current = SurveyVersion.objects.create(survey=survey, number=number, created_at=now)
        else:
            current.questions.all().delete()
        _write_questions(current, clean)
    return survey


def survey_versions(survey: Survey) -> list[dict]:
    """Each version with its question count, responses and invitations (a selector for the page and the API)."""
    from django.db.models import Count

    versions = survey.versions.annotate(
        question_count=Count("questions", distinct=True), response_count=Count("responses", distinct=True)
    ).order_by("-number")
    return [
        {
            "number": v.number,
            "created_at": v.created_at,
            "questions": v.question_count,
            "responses": v.response_count,
        }
        for v in versions
    ]
