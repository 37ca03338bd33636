"""The customer's side: survey pages reached by a signed link, no login, no JavaScript needed.

A one-click rating link records the rating at once, then opens the page for the rest; answering again updates the
same response. A tampered link is a 400 page, an expired one 410, one naming nothing we know 404.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from heartdesk.core.errors import DomainError
from heartdesk.surveys import services, tokens
from heartdesk.surveys.choices import QuestionRole, ResponseSource
from heartdesk.surveys.models import Invitation, Response


def _refused(request, exc: Exception):
    status, title = 400, "This link does not work"
    if isinstance(exc, tokens.ExpiredToken):
        status, title = 410, "This survey link has expired"
    elif isinstance(exc, Invitation.DoesNotExist):
        status, title = 404, "We cannot find this survey"
    return render(request, "surveys/public/refused.html", {"title": title, "detail": str(exc)}, status=status)


def _invitation(request, token):
    try:
        return services.access_invitation(token), None
    except (tokens.BadToken, tokens.ExpiredToken, Invitation.DoesNotExist) as exc:
        return None, _refused(request, exc)


def _context(invitation, *, values=None, errors=None, saved=False, token=""):
    response = Response.objects.filter(invitation=invitation).first()
    stored = {}
    if response is not None:
        stored = {a.question.position: a.value for a in response.answers.select_related("question")}
    values = {**stored, **(values or {})}
    questions = [
        {
            "q": q,
            "value": values.get(q.position),
            "error": (errors or {}).get(f"q{q.position}", ""),
            "name": f"q{q.position}",
            "scale": _scale(q),
        }
        for q in invitation.version.questions.order_by("position")
    ]
    return {
        "invitation": invitation,
        "survey": invitation.survey,
        "questions": questions,
        "saved": saved,
        "token": token,
        "general_error": (errors or {}).get("general", ""),
    }


def _scale(question) -> list[int]:
    if question.kind == "rating_5":
        return list(range(1, 6))
    if question.kind == "nps":
        return list(range(0, 11))
    return []


@csrf_exempt  # the signed token is the credential; there is no session to ride on
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    invitation, refused = _invitation(request, token)
    if refused:
        return refused
    services.invitation_open(invitation.pk)
    if request.method == "GET":
        return render(
            request,
            "surveys/public/answer.html",
            _context(invitation, saved=request.GET.get("saved") == "1", token=token),
        )
    values = {}
    for question in invitation.version.questions.all():
        name = f"q{question.position}"
        values[question.position] = (
            request.POST.getlist(name) if question.kind == "multiple" else request.POST.get(name)
        )
    try:
        services.response_record(invitation=invitation, answers=values, source=ResponseSource.PAGE)
    except DomainError as exc:
        errors = {f: " ".join(m) for f, m in exc.errors.items()} or {"general": exc.message}
        return render(
            request,
            "surveys/public/answer.html",
            _context(invitation, values=values, errors=errors, token=token),
            status=400,
        )
    return render(request, "surveys/public/thanks.html", {"survey": invitation.survey, "token": token})


@require_http_methods(["GET"])
def rate(request, token: str, rating: int):
    """The one-click link in the email: records the rating at once, then shows the rest of the survey."""
    invitation, refused = _invitation(request, token)
    if refused:
        return refused
    question = invitation.version.questions.filter(role=QuestionRole.CSAT).first()
    if question is None or not 1 <= rating <= 5:
        return _refused(request, tokens.BadToken("This rating link is not valid."))
    services.invitation_open(invitation.pk)
    services.response_record(
        invitation=invitation, answers={question.position: rating}, partial=True, source=ResponseSource.LINK
    )
    return HttpResponseRedirect(reverse("surveys:answer", args=[token]) + "?saved=1")


@csrf_exempt  # RFC 8058 one-click unsubscribe posts without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    invitation, refused = _invitation(request, token)
    if refused:
        return refused
    if request.method == "POST":
        kind = "" if request.POST.get("scope") == "all" else invitation.kind
        services.unsubscribe(invitation=invitation, kind=kind, source="link")
        return render(request, "surveys/public/unsubscribed.html", {"survey": invitation.survey, "all": not kind})
    return render(request, "surveys/public/unsubscribe.html", {"survey": invitation.survey, "token": token})
