"""RFC 9457 problem details for every error the API returns, naming the field at fault where there is one."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError

from heartdesk.core.errors import DomainError
from heartdesk.core.problems import CONTENT_TYPE, PROBLEM_TYPE, problem  # noqa: F401  (the API's error shape)


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters", "form")]
    return ".".join(parts) or "body"


def on_validation_error(request, exc: ValidationError):
    errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, 422, "Invalid input", detail, code="invalid", errors=errors)


def on_domain_error(request, exc: DomainError):
    errors = [{"field": f, "message": " ".join(m)} for f, m in exc.errors.items()]
    code = {422: "invalid", 409: "conflict", 404: "not-found", 403: "forbidden"}.get(exc.status, "bad-request")
    return problem(request, exc.status, exc.title, exc.message, code=code, errors=errors)


def on_permission_denied(request, exc: PermissionDenied):
    return problem(request, 403, "Forbidden", str(exc) or "Your role does not allow this.", code="forbidden")


def on_not_found(request, exc):
    return problem(request, 404, "Not found", str(exc) or "No such record.", code="not-found")


def on_auth_error(request, exc):
    response = problem(
        request,
        401,
        "Unauthorized",
        "Send a valid API token: Authorization: Bearer <token>.",
        code="unauthorized",
    )
    response["WWW-Authenticate"] = 'Bearer realm="heartdesk"'
    return response


def on_http_error(request, exc: HttpError):
    return problem(request, exc.status_code, "Error", str(exc), code=f"http-{exc.status_code}")


def install(api) -> None:
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(AuthenticationError, on_auth_error)
    api.add_exception_handler(HttpError, on_http_error)
