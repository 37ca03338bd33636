"""Domain errors raised by services; the API turns them into problem details, forms into field errors."""

from django.core.exceptions import ValidationError as DjangoValidationError


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})


class Invalid(DomainError):
    """The input breaks a rule; `errors` maps each field at fault to its messages."""

    status = 422
    title = "Invalid input"

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> "Invalid":
        if hasattr(exc, "error_dict"):
            errors = {
                ("general" if field == "__all__" else field): [m for e in errs for m in e.messages]
                for field, errs in exc.error_dict.items()
            }
        else:
            errors = {"general": list(exc.messages)}
        first_field = next(iter(errors))
        summary = "; ".join(f"{f}: {' '.join(msgs)}" for f, msgs in errors.items())
        return cls(summary, field=first_field, errors=errors)


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
