"""Error types services raise; app.error_pages turns them into JSON answers or HTML pages."""

from __future__ import annotations

from app.i18n import N_


class AppError(Exception):
    """An error a person can act on: a message, an HTTP status and optional detail."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, detail=None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code


class ValidationFailed(AppError):
    """Input that breaks a rule; detail maps field names to messages."""

    status_code = 422
    code = "validation_failed"


class Unauthorized(AppError):
    """No valid credentials were given."""

    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    """The member may not do this."""

    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    """Nothing there, or nothing this viewer may see."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The request clashes with the current state."""

    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    """The request body is larger than max_body_bytes."""

    status_code = 413
    code = "payload_too_large"


class RateLimited(AppError):
    """Too many attempts; retry_after says how many seconds to wait."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, detail=None):
        super().__init__(message, detail=detail)
        self.retry_after = max(1, int(retry_after))


BUSY_MESSAGE = N_(
    "The forum is very busy right now and this was not saved yet. Please send it again in a moment."
)


class ServiceBusy(AppError):
    """The database stayed busy longer than a request may wait; nothing was saved."""

    status_code = 503
    code = "busy"

    def __init__(self, message: str = BUSY_MESSAGE, *, retry_after: int = 5, detail=None):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after
