"""Errors under /api/ that never reached a handler (unknown path, wrong method) are problem details too."""

from django.http import HttpRequest

from heartdesk.api.problems import problem

API_PREFIX = "/api/"
_TITLES = {
    404: ("Not found", "No API endpoint at this address.", "not-found"),
    405: ("Method not allowed", "This endpoint does not accept that method.", "method-not-allowed"),
}


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in _TITLES
            and not response.get("Content-Type", "").startswith(("application/json", "application/problem+json"))
        ):
            title, detail, code = _TITLES[response.status_code]
            replacement = problem(request, response.status_code, title, detail, code=code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response
