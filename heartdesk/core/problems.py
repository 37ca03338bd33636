"""RFC 9457 problem details: the one error body of the API, built here so an app's own API module (an import's
row errors, the survey builder) answers in the same shape without importing the API app above it."""

from django.http import HttpRequest, JsonResponse

PROBLEM_TYPE = "https://heartdesk.dev/problems/"
CONTENT_TYPE = "application/problem+json"


def problem(request: HttpRequest, status: int, title: str, detail: str, *, code: str, errors=None, **extra):
    body = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)
