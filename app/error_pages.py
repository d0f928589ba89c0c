"""How errors reach people: JSON {"error", "detail"} under /api/, the styled error page elsewhere."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import is_transient
from app.errors import AppError, ServiceBusy, Unauthorized
from app.i18n import N_
from app.security_headers import apply_security_headers
from app.web import render

log = logging.getLogger("hearth")


def wants_json(request: Request) -> bool:
    """API paths answer in JSON; everything else gets an HTML page."""
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, message: str, detail=None, headers=None):
    """JSON {"error", "detail"} under /api/, the styled error page elsewhere."""
    if wants_json(request):
        return JSONResponse(
            {"error": message, "detail": detail}, status_code=status, headers=headers
        )
    template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/error.html"
    return render(
        request,
        template,
        {"status": status, "message": message, "detail": detail},
        status_code=status,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: AppError, HTTP errors, validation errors and crashes."""

    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError):
        bad_token = isinstance(exc, Unauthorized) and request.headers.get("authorization", "").lower().startswith("bearer ")
        if bad_token and not wants_json(request):
            # Redirecting to /login would meet the same header again: answer with the login page itself.
            return render(
                request, "accounts/login.html", {"next": request.url.path, "values": {}, "message": exc.message},
                status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if isinstance(exc, Unauthorized) and not wants_json(request):
            from urllib.parse import quote

            from starlette.responses import RedirectResponse

            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if bad_token:
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return error_response(request, exc.status_code, exc.message, exc.detail, headers)

    @app.exception_handler(DBAPIError)
    def _database_error(request: Request, exc: DBAPIError):
        if not is_transient(exc):
            return _crash(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        busy = ServiceBusy()
        return error_response(request, busy.status_code, busy.message, None, {"Retry-After": str(busy.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException):
        messages = {404: N_("Page not found."), 405: N_("Method not allowed."), 401: N_("Please log in.")}
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else None
        return error_response(
            request,
            exc.status_code,
            message or messages.get(exc.status_code, N_("Request failed.")),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    def _validation_error(request: Request, exc: RequestValidationError):
        if any(err["loc"][:1] == ("path",) for err in exc.errors()):
            # /t/abc or /t/99999999999 names no page, exactly like an id that does not exist.
            return error_response(request, 404, N_("Page not found."))
        detail = {
            ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path")): err["msg"]
            for err in exc.errors()
        }
        return error_response(request, 422, N_("Some fields are missing or invalid."), detail)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    def _out_of_range(request: Request, exc: Exception):
        # Last line of defence: a value the database cannot store or compare (an integer beyond
        # its range, NUL in PostgreSQL text) is the request's fault, not a crash. The session
        # dependency has already rolled the transaction back.
        log.info("refused a value the database cannot hold on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            request, 400, N_("A value in this request is out of range or contains characters that cannot be stored.")
        )

    @app.exception_handler(Exception)
    def _crash(request: Request, exc: Exception):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        # Crashes bypass the header middleware, so the headers are added here.
        return apply_security_headers(
            request, error_response(request, 500, N_("Something went wrong on our side."))
        )
