"""Staff pages of surveys: results, comments, CSV export, follow-ups. Thin adapters: reads through selectors, the
close through services.follow_up_close; a service's error shows beside its field (never a 500)."""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import Conflict, DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.customers.models import Segment, Tier
from heartdesk.surveys import exporting, selectors, services
from heartdesk.surveys.choices import FollowUpReason
from heartdesk.surveys.filters import GROUP_LABELS, FollowUpFilters, FollowUpView, GroupBy, ResultFilters
from heartdesk.surveys.models import FollowUp, Survey
from heartdesk.tickets.choices import Channel

PAGE_SIZE = 50
FOLLOW_UP_VIEWS = [
    (FollowUpView.OPEN, "Open"),
    (FollowUpView.OVERDUE, "Overdue"),
    (FollowUpView.CLOSED, "Closed"),
    (FollowUpView.ALL, "All"),
]


def _parse(schema, params):
    """The filters from a query string, or the defaults and a message per bad value."""
    raw = {k: v for k, v in params.items() if v not in ("", None) and k in schema.model_fields}
    try:
        return schema.model_validate(raw), []
    except SchemaError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'filters'}: {e['msg']}" for e in exc.errors()]
        return schema(), problems


def _without(querydict, *keys: str) -> str:
    copy = querydict.copy()
    for key in keys:
        copy.pop(key, None)
    return copy.urlencode()


def _filter_options() -> dict:
    return {
        "surveys": list(Survey.objects.order_by("name").values_list("pk", "name")),
        "agents": [
            (u.pk, u.display_name) for u in User.objects.filter(is_active=True).order_by("first_name", "username")
        ],
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "segments": list(Segment.objects.order_by("name").values_list("pk", "name")),
        "tiers": list(Tier.objects.order_by("name").values_list("pk", "name")),
        "channels": Channel.choices,
        "group_choices": [(g.value, GROUP_LABELS[g]) for g in GroupBy],
    }


# --- Results ------------------------------------------------------------------------------------------------


@permission_required(policy.SURVEYS_VIEW)
def results(request):
    filters, problems = _parse(ResultFilters, request.GET)
    context = {
        "filters": filters,
        "problems": problems,
        "results": selectors.results(filters),
        "group_label": GROUP_LABELS[filters.group_by],
        "query": _without(request.GET, "cursor", "group_by", "theme", "sentiment"),
        "can_export": policy.can(request.user, policy.CUSTOMERS_EXPORT),
        **_filter_options(),
    }
    return render(request, "surveys/staff/results.html", context)


@permission_required(policy.SURVEYS_VIEW)
def comments(request):
    filters, problems = _parse(ResultFilters, request.GET)
    page = None
    try:
        page = selectors.response_page(
            filters=filters, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE, comments_only=True
        )
    except DomainError as exc:
        problems.append(exc.message)
    context = {
        "filters": filters,
        "problems": problems,
        "page": page,
        "theme_labels": selectors.theme_labels(),
        "base_query": _without(request.GET, "cursor"),
        "can_export": policy.can(request.user, policy.CUSTOMERS_EXPORT),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "surveys/staff/partials/comments_results.html", context)
    context.update(_filter_options())
    return render(request, "surveys/staff/comments.html", context)


@permission_required(policy.SURVEYS_VIEW)
def export(request):
    """Responses carry contacts' emails: exporting them also takes the customer export permission."""
    policy.require(request.user, policy.CUSTOMERS_EXPORT)
    filters, problems = _parse(ResultFilters, request.GET)
    if problems:
        messages.error(request, "Cannot export: " + "; ".join(problems))
        return redirect("surveys_staff:results")
    response = StreamingHttpResponse(exporting.stream(filters), content_type="text/csv; charset=utf-8")
    name = f"survey-responses-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Follow-ups ---------------------------------------------------------------------------------------------


@permission_required(policy.SURVEYS_VIEW)
def follow_ups(request):
    filters, problems = _parse(FollowUpFilters, request.GET)
    now = timezone.now()
    page = None
    try:
        page = selectors.follow_up_page(
            filters=filters, user=request.user, now=now, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except DomainError as exc:
        problems.append(exc.message)
    scope = FollowUp.objects.filter(owner=request.user) if filters.mine else None
    context = {
        "filters": filters,
        "problems": problems,
        "page": page,
        "views": FOLLOW_UP_VIEWS,
        "counts": selectors.follow_up_counts(user=request.user, now=now),
        "recovery": selectors.recovery(scope),
        "recovery_labels": selectors.RECOVERY_LABELS,
        "reason_labels": dict(FollowUpReason.choices),
        "base_query": _without(request.GET, "cursor"),
    }
    return render(request, "surveys/staff/follow_ups.html", context)


class CloseForm(forms.Form):
    contacted_at = forms.DateTimeField(
        label="Contacted at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=f"Your local time ({settings.TIME_ZONE}).",
    )
    contact_channel = forms.CharField(label="Channel", max_length=20, help_text="Phone, email, meeting…")
    outcome = forms.CharField(label="Outcome", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    reopen_ticket = forms.BooleanField(label="Reopen the ticket", required=False)


def _local_now() -> str:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%dT%H:%M")


@permission_required(policy.SURVEYS_VIEW)
def follow_up(request, pk: int):
    status = 200
    can_work = policy.can(request.user, policy.FOLLOW_UPS_WORK)
    form = CloseForm(initial={"contacted_at": _local_now()})
    if request.method == "POST":
        policy.require(request.user, policy.FOLLOW_UPS_WORK)
        form = CloseForm(request.POST)
        if not FollowUp.objects.filter(pk=pk).exists():
            raise Http404("No such follow-up.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.follow_up_close(
                    follow_up=FollowUp(pk=pk),
                    contacted_at=data["contacted_at"],
                    channel=data["contact_channel"],
                    outcome=data["outcome"],
                    reopen_ticket=data["reopen_ticket"],
                    actor=request.user,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                messages.success(request, "Follow-up closed.")
                return redirect("surveys_staff:follow_up", pk=pk)
        else:
            status = 422
    try:
        item = selectors.follow_up_detail(pk, now=timezone.now())
    except FollowUp.DoesNotExist:
        raise Http404("No such follow-up.") from None
    answers = sorted(item.response.answers.all(), key=lambda a: a.question.position)
    context = {
        "item": item,
        "answers": answers,
        "form": form,
        "can_work": can_work,
        "reason_labels": dict(FollowUpReason.choices),
        "recovery_labels": selectors.RECOVERY_LABELS,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "surveys/staff/follow_up.html", context, status=status)
