"""The stack's ceiling: a bare Starlette app that answers every GET with one saved Hearth page.

Served by bench/serve_bench.py with the same server and settings as Hearth (uvicorn, N workers),
so Hearth's requests per second divided by this app's says how much of what the stack can do
Hearth's own work leaves. CEILING_BODY names the file with the page's bytes.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(os.environ["CEILING_BODY"], "rb").read()
HEADERS = {  # what Hearth's security middleware adds to a page
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def page(request):
    """The saved bytes (a sync endpoint, run in the thread pool like Hearth's)."""
    return Response(BODY, media_type="text/html", headers=HEADERS)


def create_app() -> Starlette:
    """The one-route app."""
    return Starlette(routes=[Route("/{path:path}", page)])
