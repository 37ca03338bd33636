"""Pages to build surveys, run campaigns and import past responses (thin over builder, campaigns, importing).

Forms only parse what people type (choices one per line, "3, 7" reminder days, a local send time); every rule is
checked by the services, whose errors appear beside the field, or the question row, they name. The questions editor
is a plain grid of rows with blank rows to fill and a remove box per row: no JavaScript needed.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.accounts.models import User
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.core.history_import import import_page as history_import_page
from heartdesk.customers.models import Organization, Segment, Tier
from heartdesk.surveys import builder, campaigns, importing
from heartdesk.surveys.choices import QuestionKind, QuestionRole, SurveyKind
from heartdesk.surveys.models import Campaign, Survey
from heartdesk.surveys.seed import POST_INTERACTION_QUESTIONS

BLANK_ROWS = 3
QUESTION_FIELDS = ("position", "kind", "role", "text", "choices", "required")
STARTER = [
    {
        "kind": "nps",
        "role": "nps",
        "text": "How likely are you to recommend us to a friend or colleague?",
        "required": True,
    },
    {"kind": "text", "role": "improve", "text": "What could we do better?"},
]


class SurveyForm(forms.Form):
    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=SurveyKind.choices)
    language = forms.CharField(max_length=16, initial="en", help_text="For example en or pt-BR")
    is_default = forms.BooleanField(required=False, label="Default survey of its kind for this language")
    active = forms.BooleanField(required=False, initial=True)
    delay_minutes = forms.IntegerField(
        min_value=0,
        max_value=24 * 60,
        initial=60,
        help_text="Post-interaction: minutes after solving (at most 24 hours).",
    )
    fatigue_days = forms.IntegerField(min_value=0, initial=7, help_text="No contact gets this kind more often.")
    link_days = forms.IntegerField(min_value=1, initial=30, help_text="How long the links in the email work.")
    intro = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    thank_you = forms.CharField(
        max_length=500, initial="Thank you for your feedback.", widget=forms.Textarea(attrs={"rows": 2})
    )


class NewSurveyForm(forms.Form):
    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=SurveyKind.choices)
    language = forms.CharField(max_length=16, initial="en")


def _question_rows(post) -> list[dict]:
    """The grid as the person left it (removed and blank rows dropped), each row with its form index."""
    rows = []
    count = int(post.get("rows") or 0) if str(post.get("rows") or "").isdigit() else 0
    for i in range(min(count, builder.MAX_QUESTIONS + BLANK_ROWS)):
        row = {f: post.get(f"q-{i}-{f}", "") for f in QUESTION_FIELDS}
        row["required"] = bool(post.get(f"q-{i}-required"))
        if post.get(f"q-{i}-remove") or not str(row["text"]).strip():
            continue
        row["index"] = i
        rows.append(row)
    return rows


def _grid(rows: list[dict], errors: dict | None = None) -> list[dict]:
    """Rows for the template, with BLANK_ROWS empty ones and each row's errors from `questions.N.field`."""
    errors = errors or {}
    out = []
    for n, row in enumerate(rows):
        choices = row.get("choices") or ""
        out.append(
            {
                **row,
                "choices": "\n".join(choices) if isinstance(choices, list) else choices,
                "errors": [m for k, msgs in errors.items() if k.startswith(f"questions.{n}.") for m in msgs],
            }
        )
    start = len(out)
    next_position = max([int(r["position"]) for r in rows if str(r.get("position", "")).isdigit()] or [0]) + 1
    for k in range(BLANK_ROWS):
        out.append(
            {
                "position": next_position + k,
                "kind": "text",
                "role": "",
                "text": "",
                "choices": "",
                "required": False,
                "errors": [],
            }
        )
    for i, row in enumerate(out):
        row["i"] = i
        row["blank"] = i >= start
    return out


@permission_required(policy.SURVEYS_MANAGE)
def surveys(request):
    form = NewSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        questions = (
            [{"kind": k, "role": r, "text": t, "required": q} for k, r, t, q in POST_INTERACTION_QUESTIONS]
            if data["kind"] == SurveyKind.POST_INTERACTION
            else STARTER
        )
        try:
            survey = builder.survey_create(actor=request.user, questions=questions, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Survey created; edit its questions below.")
            return redirect("surveys_manage:survey", pk=survey.pk)
    rows = Survey.objects.prefetch_related("versions")
    return render(
        request, "surveys/manage/surveys.html", {"surveys": rows, "form": form}, status=400 if form.errors else 200
    )


@permission_required(policy.SURVEYS_MANAGE)
def survey_page(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    current = survey.current_version
    errors: dict = {}
    if request.method == "POST":
        form = SurveyForm(request.POST)
        rows = _question_rows(request.POST)
        if form.is_valid():
            questions = [{f: r[f] for f in QUESTION_FIELDS} for r in rows]
            for q in questions:
                q["position"] = q["position"] or None
            try:
                builder.survey_update(survey=survey, actor=request.user, questions=questions, **form.cleaned_data)
            except DomainError as exc:
                errors = exc.errors
                add_domain_error(form, exc)
            else:
                messages.success(request, "Survey saved.")
                return redirect("surveys_manage:survey", pk=pk)
    else:
        form = SurveyForm(initial={f: getattr(survey, f) for f in SurveyForm.base_fields})
        rows = builder.question_rows(current)
    return render(
        request,
        "surveys/manage/survey.html",
        {
            "survey": survey,
            "form": form,
            "rows": _grid(rows, errors),
            "row_count": len(rows) + BLANK_ROWS,
            "kinds": QuestionKind.choices,
            "roles": QuestionRole.choices,
            "versions": builder.survey_versions(survey),
            "current": current,
        },
        status=422 if form.errors else 200,
    )


# --- Campaigns ------------------------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=150)
    survey = forms.ModelChoiceField(queryset=Survey.objects.exclude(kind=SurveyKind.POST_INTERACTION))
    segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.all(),
        required=False,
        help_text="Any of these (leave every filter empty for everyone).",
    )
    tiers = forms.ModelMultipleChoiceField(queryset=Tier.objects.all(), required=False, help_text="Any of these.")
    organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.filter(deleted_at__isnull=True).order_by("name"),
        required=False,
        help_text="Any of these.",
    )
    account_managers = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), required=False, help_text="Any of these."
    )
    send_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Local time of this site.",
    )
    reminder_days = forms.CharField(required=False, help_text="Days after sending, for example 3, 7.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        send_at = data["send_at"]
        if send_at is not None and timezone.is_naive(send_at):
            send_at = timezone.make_aware(send_at)
        return {
            "name": data["name"],
            "survey_id": data["survey"].pk,
            "segment_ids": [o.pk for o in data["segments"]],
            "tier_ids": [o.pk for o in data["tiers"]],
            "organization_ids": [o.pk for o in data["organizations"]],
            "account_manager_ids": [o.pk for o in data["account_managers"]],
            "send_at": send_at,
            "reminder_days": data["reminder_days"] or "",
        }


def _campaign_initial(campaign: Campaign) -> dict:
    send_at = timezone.localtime(campaign.send_at).replace(tzinfo=None) if campaign.send_at else None
    return {
        "name": campaign.name,
        "survey": campaign.survey_id,
        "segments": list(campaign.segments.all()),
        "tiers": list(campaign.tiers.all()),
        "organizations": list(campaign.organizations.all()),
        "account_managers": list(campaign.account_managers.all()),
        "send_at": send_at.strftime("%Y-%m-%dT%H:%M") if isinstance(send_at, dt.datetime) else None,
        "reminder_days": ", ".join(str(d) for d in campaign.reminder_days),
    }


@permission_required(policy.SURVEYS_MANAGE)
def campaigns_page(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_create(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Campaign created as a draft; schedule it when ready.")
            return redirect("surveys_manage:campaign", pk=campaign.pk)
    rows = [(c, campaigns.campaign_stats(c)) for c in Campaign.objects.select_related("survey")[:200]]
    return render(
        request, "surveys/manage/campaigns.html", {"rows": rows, "form": form}, status=422 if form.errors else 200
    )


@permission_required(policy.SURVEYS_MANAGE)
def campaign_page(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("survey"), pk=pk)
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaigns.campaign_update(campaign=campaign, actor=request.user, **form.service_kwargs())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Campaign saved.")
                return redirect("surveys_manage:campaign", pk=pk)
    else:
        form = CampaignForm(initial=_campaign_initial(campaign))
    return render(
        request,
        "surveys/manage/campaign.html",
        {
            "campaign": campaign,
            "form": form,
            "stats": campaigns.campaign_stats(campaign),
            "editable": campaign.state in campaigns.EDITABLE,
            "targets": campaigns.campaign_targets(campaign).count() if campaign.state in campaigns.EDITABLE else None,
        },
        status=422 if form.errors else 200,
    )


@require_POST
@permission_required(policy.SURVEYS_MANAGE)
def campaign_schedule(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaigns.campaign_schedule(campaign=campaign, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Campaign scheduled.")
    return redirect("surveys_manage:campaign", pk=pk)


@require_POST
@permission_required(policy.SURVEYS_MANAGE)
def campaign_cancel(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaigns.campaign_cancel(campaign=campaign, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Campaign cancelled.")
    return redirect("surveys_manage:campaign", pk=pk)


# --- Import ---------------------------------------------------------------------------------------------------


@permission_required(policy.SURVEYS_MANAGE)
def import_page(request):
    return history_import_page(
        request,
        run=importing.import_responses,
        template="surveys/manage/import.html",
        help_text="A JSON or CSV export of past responses (see the columns above).",
        context={"columns": importing.COLUMNS},
    )
