"""The customer's side: survey pages reached by a signed link, no login, no JavaScript needed.

A one-click rating link opens a small page with the rating chosen and a form that posts it; our script submits that
form once as the page loads, so a customer still clicks once, while a mail scanner that only fetches the link (GET or
HEAD, no script) records nothing. Without JavaScript the customer presses the button. Answering again updates the same
response. A tampered link is a 400 page, an expired one 410, one naming nothing we know 404.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from heartdesk.core.errors import DomainError, Invalid
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


RATING_FIELD = "rating"


def _rate_page(request, token, invitation, question, value, *, error="", status=200):
    return render(
        request,
        "surveys/public/rate.html",
        {
            "survey": invitation.survey,
            "invitation": invitation,
            "question": question,
            "scale": _scale(question),
            "value": str(value),
            "field": RATING_FIELD,
            "error": error,
            "auto_submit": not error and request.method != "POST",
            "token": token,
        },
        status=status,
    )


@csrf_exempt  # the signed token is the credential, as on the survey page; there is no session to ride on
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, token: str, rating: int):
    """The one-click link in the email. GET and HEAD only show the rating ready to send and write nothing (mail
    scanners fetch links before the customer does); the POST, made by our script on load or by the button, records
    it and goes on to the rest of the survey."""
    invitation, refused = _invitation(request, token)
    if refused:
        return refused
    question = invitation.version.questions.filter(role=QuestionRole.CSAT).first()
    if question is None or not 1 <= rating <= 5:
        return _refused(request, tokens.BadToken("This rating link is not valid."))
    if request.method != "POST":
        return _rate_page(request, token, invitation, question, rating)
    value = request.POST.get(RATING_FIELD, "").strip()
    try:
        if not value:  # an empty rating would clear the answer on a partial save
            raise Invalid("Choose a rating from 1 to 5.", field=f"q{question.position}")
        services.response_record(
            invitation=invitation, answers={question.position: value}, partial=True, source=ResponseSource.LINK
        )
    except DomainError as exc:
        error = " ".join(m for ms in exc.errors.values() for m in ms) or exc.message
        return _rate_page(request, token, invitation, question, value, error=error, status=400)
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
