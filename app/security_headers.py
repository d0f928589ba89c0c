"""The security headers every answer carries (CSP and friends), and no-store on answers for one visitor."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response

from app.web import viewer_of

HSTS_MAX_AGE = 365 * 86400  # one year; includeSubDomains is left to the operator's proxy

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
STATIC_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding CSP and friends to every response; authenticated pages are never
    cached. (Starlette's BaseHTTPMiddleware would cost a task group and memory streams per request.)"""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                set_security_headers(Request(scope), MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def depends_on_viewer(request: Request) -> bool:
    """True when the answer is for this visitor alone: a member, a token, the API, or a page of a
    session that holds something (its CSRF token, flashes), which a shared cache must never hand on."""
    return bool(
        viewer_of(request).is_authenticated
        or "authorization" in request.headers
        or request.url.path.startswith("/api/")
        or (request.scope.get("session") and not request.url.path.startswith("/static/"))
    )


def apply_security_headers(request: Request, response: Response) -> Response:
    """Set the security headers on one response (also used for 500s, which skip middleware)."""
    set_security_headers(request, response.headers)
    return response


def set_security_headers(request: Request, headers: MutableHeaders) -> None:
    """The security headers every answer carries, and no-store on answers for one visitor alone."""
    csp = CONTENT_SECURITY_POLICY
    if issuer := request.app.state.settings.oidc_issuer:
        # The log-in button posts to Hearth, which redirects to the provider: browsers apply
        # form-action to that redirect too, so the provider's origin must be allowed.
        parts = urlsplit(issuer)
        csp = f"{csp} {parts.scheme}://{parts.netloc}"
    headers.setdefault("Content-Security-Policy", csp)
    for name, value in STATIC_SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.app.state.settings.cookie_secure:
        # Secure cookies mean the site is served over HTTPS: browsers should never try plain HTTP.
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}")
    if depends_on_viewer(request):
        headers["Cache-Control"] = "no-store"
