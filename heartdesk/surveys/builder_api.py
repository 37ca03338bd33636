"""REST endpoints for the survey builder, campaigns and the response import: thin over builder, campaigns, importing.

Reads need SURVEYS_VIEW; every write needs SURVEYS_MANAGE (checked by the service).
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.core.problems import problem
from heartdesk.surveys import builder, campaigns, importing
from heartdesk.surveys.models import Campaign, Survey

router = Router(tags=["surveys"])


class QuestionIn(Schema):
    position: int | None = None
    kind: str
    role: str = ""
    text: str
    choices: list[str] = []
    required: bool = False


class QuestionOut(Schema):
    position: int
    kind: str
    role: str
    text: str
    choices: list[str]
    required: bool


class SurveyIn(Schema):
    name: str = Field(..., max_length=150)
    kind: str
    language: str = "en"
    is_default: bool = False
    active: bool = True
    intro: str = ""
    thank_you: str = "Thank you for your feedback."
    delay_minutes: int = 60
    fatigue_days: int = 7
    link_days: int = 30
    questions: list[QuestionIn] = Field(..., max_length=builder.MAX_QUESTIONS)


class SurveyOut(Schema):
    id: int
    name: str
    kind: str
    language: str
    is_default: bool
    active: bool
    intro: str
    thank_you: str
    delay_minutes: int
    fatigue_days: int
    link_days: int
    version: int | None
    questions: list[QuestionOut]

    @staticmethod
    def resolve_version(obj):
        current = obj.current_version
        return current.number if current else None

    @staticmethod
    def resolve_questions(obj):
        current = obj.current_version
        return list(current.questions.order_by("position")) if current else []


class VersionOut(Schema):
    number: int
    created_at: dt.datetime
    questions: int
    responses: int


class CampaignIn(Schema):
    name: str = Field(..., max_length=150)
    survey_id: int
    segment_ids: list[int] = []
    tier_ids: list[int] = []
    organization_ids: list[int] = []
    account_manager_ids: list[int] = []
    send_at: dt.datetime | None = None
    reminder_days: list[int] = []


class CampaignOut(Schema):
    id: int
    name: str
    survey_id: int
    state: str
    segment_ids: list[int]
    tier_ids: list[int]
    organization_ids: list[int]
    account_manager_ids: list[int]
    send_at: dt.datetime | None
    reminder_days: list[int]
    created_at: dt.datetime

    @staticmethod
    def resolve_segment_ids(obj):
        return [o.pk for o in obj.segments.all()]

    @staticmethod
    def resolve_tier_ids(obj):
        return [o.pk for o in obj.tiers.all()]

    @staticmethod
    def resolve_organization_ids(obj):
        return [o.pk for o in obj.organizations.all()]

    @staticmethod
    def resolve_account_manager_ids(obj):
        return [o.pk for o in obj.account_managers.all()]


class ScheduleIn(Schema):
    send_at: dt.datetime | None = None


class StatsOut(Schema):
    targeted: int
    sent: int
    delivered: int
    suppressed: int
    suppressed_reasons: dict[str, int]
    cancelled: int
    opened: int
    answered: int
    reminded: int
    response_rate: float | None


def _questions(payload) -> list[dict]:
    return [q.dict() for q in payload.questions]


# --- Surveys --------------------------------------------------------------------------------------------------


@router.get("/surveys", response=list[SurveyOut])
def list_surveys(request):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return Survey.objects.prefetch_related("versions__questions")


@router.post("/surveys", response={201: SurveyOut})
def create_survey(request, payload: SurveyIn):
    data = payload.dict()
    data.pop("questions")
    return Status(201, builder.survey_create(actor=request.user, questions=_questions(payload), **data))


@router.get("/surveys/{int:survey_id}", response=SurveyOut)
def get_survey(request, survey_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return get_object_or_404(Survey, pk=survey_id)


@router.put("/surveys/{int:survey_id}", response=SurveyOut)
def update_survey(request, survey_id: int, payload: SurveyIn):
    """Replaces settings and questions; questions of a version that has answers or invitations become version N+1."""
    survey = get_object_or_404(Survey, pk=survey_id)
    data = payload.dict()
    data.pop("questions")
    return builder.survey_update(survey=survey, actor=request.user, questions=_questions(payload), **data)


@router.get("/surveys/{int:survey_id}/versions", response=list[VersionOut])
def survey_versions(request, survey_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return builder.survey_versions(get_object_or_404(Survey, pk=survey_id))


# --- Campaigns ------------------------------------------------------------------------------------------------


def _campaign(campaign_id: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.prefetch_related("segments", "tiers", "organizations", "account_managers"), pk=campaign_id
    )


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return Campaign.objects.prefetch_related("segments", "tiers", "organizations", "account_managers")


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request, payload: CampaignIn):
    return Status(201, campaigns.campaign_create(actor=request.user, **payload.dict()))


@router.get("/campaigns/{int:campaign_id}", response=CampaignOut)
def get_campaign(request, campaign_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return _campaign(campaign_id)


@router.put("/campaigns/{int:campaign_id}", response=CampaignOut)
def update_campaign(request, campaign_id: int, payload: CampaignIn):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return campaigns.campaign_update(campaign=campaign, actor=request.user, **payload.dict())


@router.post("/campaigns/{int:campaign_id}/schedule", response=CampaignOut)
def schedule_campaign(request, campaign_id: int, payload: ScheduleIn | None = None):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    send_at = payload.send_at if payload else None
    return campaigns.campaign_schedule(campaign=campaign, send_at=send_at, actor=request.user)


@router.post("/campaigns/{int:campaign_id}/cancel", response=CampaignOut)
def cancel_campaign(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return campaigns.campaign_cancel(campaign=campaign, actor=request.user)


@router.get("/campaigns/{int:campaign_id}/stats", response=StatsOut)
def campaign_stats(request, campaign_id: int):
    policy.require(request.user, policy.SURVEYS_VIEW)
    return campaigns.campaign_stats(get_object_or_404(Campaign, pk=campaign_id))


# --- Import ---------------------------------------------------------------------------------------------------


@router.post(
    "/survey-responses/import",
    summary="Import historical responses (JSON or CSV; multipart `file` or the raw body)",
    response={200: dict},
)
def import_responses(request, dry_run: bool = False, format: str | None = None):
    """200 with the report; 422 problem details listing every problem (row, field) and nothing written."""
    policy.require(request.user, policy.SURVEYS_MANAGE)
    upload = request.FILES.get("file")
    if upload is not None:
        data, filename = upload.read(), upload.name or ""
    else:
        data = request.body
        filename = "import.json" if "json" in (request.content_type or "") else ""
    if format not in (None, "json", "csv"):
        return problem(
            request,
            422,
            "Invalid input",
            "format must be json or csv.",
            code="invalid",
            errors=[{"row": None, "field": "format", "message": "Use json or csv."}],
        )
    report = importing.import_responses(
        actor=request.user, data=data, filename=filename, format=format, dry_run=dry_run
    )
    if not report.ok:
        count = report.error_count
        body = report.as_dict()
        errors = body.pop("errors")
        detail = f"{count} problem{'s' if count != 1 else ''} found; nothing was imported."
        return problem(request, 422, "Invalid import", detail, code="invalid-import", errors=errors, **body)
    return report.as_dict()
