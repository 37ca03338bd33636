"""REST endpoints of survey results, responses, follow-ups and the theme taxonomy: thin adapters over selectors and
services; the same ResultFilters as the results page, so the numbers match. Errors are RFC 9457 (core.errors)."""

import datetime as dt
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.core.errors import NotFound
from heartdesk.core.schemas import CursorPage, PageParams
from heartdesk.surveys import selectors, services, theme_services
from heartdesk.surveys.filters import FollowUpFilters, ResultFilters
from heartdesk.surveys.models import FollowUp, Response, Theme

router = Router(tags=["surveys"])


# --- Schemas ------------------------------------------------------------------------------------------------


class FigureOut(Schema):
    value: float | None = Field(description="None means no data.")
    n: int = Field(description="How many responses (or invitations) the figure rests on.")


class KpisOut(Schema):
    responses: int
    csat_percent: FigureOut
    average_rating: FigureOut
    nps: FigureOut
    promoters: int
    passives: int
    detractors: int
    resolved_percent: FigureOut
    response_time_ok_percent: FigureOut
    response_rate_percent: FigureOut | None = None


class BreakdownOut(Schema):
    key: str | None
    label: str
    kpis: KpisOut


class ThemeCountOut(Schema):
    key: str
    label: str
    count: int
    previous: int
    change: int
    negative: int


class ResultsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    group_by: str
    kpis: KpisOut
    breakdown: list[BreakdownOut]
    themes: list[ThemeCountOut]
    root_causes: list[ThemeCountOut]
    negative_responses: int


class ResponseOut(Schema):
    id: int
    survey_id: int
    survey: str
    version: int
    submitted_at: dt.datetime
    source: str
    ticket_id: int | None
    ticket_reference: str | None
    contact_id: int | None
    contact_email: str | None
    agent_id: int | None
    team_id: int | None
    channel: str
    organization_id: int | None
    segment_id: int | None
    tier_id: int | None
    csat: int | None
    resolved: bool | None
    response_time_ok: bool | None
    nps: int | None
    comment: str
    sentiment: str
    sentiment_score: float | None
    themes: list[str]


class AnswerOut(Schema):
    position: int
    question: str
    kind: str
    role: str
    value: object


class ResponseDetailOut(ResponseOut):
    answers: list[AnswerOut]


class FollowUpOut(Schema):
    id: int
    response_id: int
    ticket_id: int | None
    contact_id: int | None
    owner_id: int | None
    reasons: list[str]
    state: str
    overdue: bool
    due_at: dt.datetime
    created_at: dt.datetime
    contacted_at: dt.datetime | None
    contact_channel: str
    outcome: str
    ticket_reopened: bool
    closed_at: dt.datetime | None
    closed_by_id: int | None
    recovery: str = Field(description="improved, not_improved, no_answer; empty while open.")


class FollowUpPageOut(CursorPage[FollowUpOut]):
    recovery_rate: FigureOut


class FollowUpCloseIn(Schema):
    contacted_at: dt.datetime = Field(description="When the customer was reached, with a time zone.")
    contact_channel: str = Field(max_length=100, description="phone, email, meeting…")
    outcome: str = Field(max_length=5000)
    reopen_ticket: bool = False


class ThemeOut(Schema):
    id: int
    key: str
    label: str
    keywords: list[str]
    active: bool


class ThemeIn(Schema):
    key: str = Field(max_length=50)
    label: str = Field(max_length=100)
    keywords: list[str]
    active: bool = True


class ThemeUpdateIn(Schema):
    label: str = Field(max_length=100)
    keywords: list[str]
    active: bool = True


# --- Adapters -----------------------------------------------------------------------------------------------


def _theme_row(t) -> dict:
    return {
        "key": t.key,
        "label": t.label,
        "count": t.count,
        "previous": t.previous,
        "change": t.change,
        "negative": t.negative,
    }


def _response(r: Response) -> dict:
    return {
        "id": r.pk,
        "survey_id": r.survey_id,
        "survey": r.survey.name,
        "version": r.version.number,
        "submitted_at": r.submitted_at,
        "source": r.source,
        "ticket_id": r.ticket_id,
        "ticket_reference": r.ticket.reference if r.ticket else None,
        "contact_id": r.contact_id,
        "contact_email": r.contact.email if r.contact else None,
        "agent_id": r.agent_id,
        "team_id": r.team_id,
        "channel": r.channel,
        "organization_id": r.organization_id,
        "segment_id": r.segment_id,
        "tier_id": r.tier_id,
        "csat": r.csat,
        "resolved": r.resolved,
        "response_time_ok": r.response_time_ok,
        "nps": r.nps,
        "comment": r.comment,
        "sentiment": r.sentiment,
        "sentiment_score": r.sentiment_score,
        "themes": r.themes or [],
    }


def _follow_up(f: FollowUp) -> dict:
    return {
        **{k: getattr(f, k) for k in FollowUpOut.model_fields if k not in ("recovery", "overdue")},
        "recovery": getattr(f, "recovery", ""),
        "overdue": getattr(f, "overdue", False),
    }


def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    try:
        return selectors.follow_up_detail(follow_up_id, now=timezone.now())
    except FollowUp.DoesNotExist:
        raise NotFound(f"No follow-up with id {follow_up_id}.") from None


# --- Results and responses ----------------------------------------------------------------------------------


@router.get("/surveys/results", response=ResultsOut)
def get_results(request, filters: Query[ResultFilters]):
    """CSAT %, average rating, NPS, % resolved, % response time acceptable, response rate (each with its n, value
    null when there is no data), the breakdown by `group_by`, theme counts with the previous period, root causes."""
    policy.require(request.user, policy.SURVEYS_VIEW)
    res = selectors.results(filters)
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "group_by": filters.group_by.value,
        "kpis": res.kpis.as_dict(),
        "breakdown": [
            {"key": None if row.key is None else str(row.key), "label": row.label, "kpis": row.kpis.as_dict()}
            for row in res.breakdown
        ],
        "themes": [_theme_row(t) for t in res.themes],
        "root_causes": [_theme_row(t) for t in res.root_causes],
        "negative_responses": res.negative_responses,
    }


@router.get("/surveys/responses", response=CursorPage[ResponseOut])
def list_responses(request, filters: Query[ResultFilters], paging: Query[PageParams]):
    """Responses in the period, newest first; `theme` and `sentiment` narrow them."""
    policy.require(request.user, policy.SURVEYS_VIEW)
    page = selectors.response_page(filters=filters, cursor=paging.cursor, size=paging.page_size)
    return {"results": [_response(r) for r in page.items], "next": page.next_cursor, "previous": page.previous_cursor}


@router.get("/surveys/responses/{int:response_id}", response=ResponseDetailOut)
def get_response(request, response_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    try:
        r = selectors.response_detail(response_id)
    except Response.DoesNotExist:
        raise NotFound(f"No response with id {response_id}.") from None
    answers = sorted(r.answers.all(), key=lambda a: a.question.position)
    return {
        **_response(r),
        "answers": [
            {
                "position": a.question.position,
                "question": a.question.text,
                "kind": a.question.kind,
                "role": a.question.role,
                "value": a.value,
            }
            for a in answers
        ],
    }


# --- Follow-ups ---------------------------------------------------------------------------------------------


@router.get("/surveys/follow-ups", response=FollowUpPageOut)
def list_follow_ups(request, filters: Query[FollowUpFilters], paging: Query[PageParams]):
    """Follow-ups soonest due first; `recovery_rate` is over all closed follow-ups in the same scope."""
    policy.require(request.user, policy.SURVEYS_VIEW)
    now = timezone.now()
    page = selectors.follow_up_page(
        filters=filters, user=request.user, now=now, cursor=paging.cursor, size=paging.page_size
    )
    scope = FollowUp.objects.filter(owner=request.user) if filters.mine else None
    rate = selectors.recovery(scope).rate
    return {
        "results": [_follow_up(f) for f in page.items],
        "next": page.next_cursor,
        "previous": page.previous_cursor,
        "recovery_rate": {"value": rate.value, "n": rate.n},
    }


@router.get("/surveys/follow-ups/{int:follow_up_id}", response=FollowUpOut)
def get_follow_up(request, follow_up_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return _follow_up(_follow_up_or_404(follow_up_id))


@router.post("/surveys/follow-ups/{int:follow_up_id}/close", response=FollowUpOut)
def close_follow_up(request, follow_up_id: int, payload: FollowUpCloseIn):
    """Record the contact made and its outcome (409 when already closed); `reopen_ticket` reopens a solved ticket."""
    policy.require(request.user, policy.FOLLOW_UPS_WORK)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id)
    services.follow_up_close(
        follow_up=follow_up,
        contacted_at=payload.contacted_at,
        channel=payload.contact_channel,
        outcome=payload.outcome,
        reopen_ticket=payload.reopen_ticket,
        actor=request.user,
    )
    return _follow_up(_follow_up_or_404(follow_up_id))


# --- Themes -------------------------------------------------------------------------------------------------


@router.get("/surveys/themes", response=list[ThemeOut])
def list_themes(request):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return list(Theme.objects.order_by("label"))


@router.post("/surveys/themes", response={201: ThemeOut})
def create_theme(request, payload: ThemeIn):
    theme = theme_services.theme_create(**payload.model_dump(), actor=request.user)
    return Status(201, theme)


def _theme_or_404(key: str) -> Theme:
    theme = Theme.objects.filter(key=key).first()
    if theme is None:
        raise NotFound(f"No theme with key {key!r}.")
    return theme


@router.put("/surveys/themes/{key}", response=ThemeOut)
def update_theme(request, key: str, payload: ThemeUpdateIn):
    policy.require(request.user, policy.SURVEYS_MANAGE)
    return theme_services.theme_update(theme=_theme_or_404(key), **payload.model_dump(), actor=request.user)


@router.delete("/surveys/themes/{key}", response={204: None})
def delete_theme(request, key: str):
    policy.require(request.user, policy.SURVEYS_MANAGE)
    theme_services.theme_delete(theme=_theme_or_404(key), actor=request.user)
    return Status(204, None)


# --- Analysis -------------------------------------------------------------------------------------------------


class AnalyzeIn(Schema):
    texts: list[Annotated[str, Field(max_length=5000)]] = Field(
        ..., min_length=1, max_length=1000, description="Comments to analyse (≤ 5,000 chars each)."
    )


class AnalysisOut(Schema):
    label: str
    score: float
    themes: list[str]


@router.post("/surveys/analyze", response=list[AnalysisOut])
def analyze(request, payload: AnalyzeIn):
    """Sentiment and themes of any comments, by the same analyzer and taxonomy that score survey answers."""
    policy.require(request.user, policy.SURVEYS_VIEW)
    from heartdesk.insights.sentiment import analyze as sentiment_of
    from heartdesk.surveys.themes import themes_for

    return [
        {"label": s.label, "score": round(s.score, 4), "themes": themes_for(text)}
        for s, text in zip(sentiment_of(payload.texts), payload.texts, strict=True)
    ]
