"""Log-in through the OpenID Connect provider: the button's POST and the provider's return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts import auth, service, sso, sso_accounts
from app.accounts.pages import safe_next
from app.db import SessionDep
from app.errors import NotFound
from app.i18n import N_
from app.web import flash, get_now, redirect, render

router = APIRouter()
PENDING_KEY = "sso"


def _enabled(request: Request):
    settings = request.app.state.settings
    if not sso.is_enabled(settings):
        raise NotFound(N_("Single sign-on is not set up on this forum."))
    return settings


def _callback_url(request: Request, settings) -> str:
    return f"{settings.base_url.rstrip('/')}/login/sso/callback"


@router.post("/login/sso")
def start(request: Request, next: Annotated[str, Form()] = "/"):
    """Send the browser to the provider, remembering state, nonce and PKCE verifier in its session."""
    settings = _enabled(request)
    url, pending = sso.begin(settings, _callback_url(request, settings), safe_next(next), get_now(request))
    request.session[PENDING_KEY] = pending
    return redirect(url)


@router.get("/login/sso/callback")
def callback(request: Request, db: SessionDep):
    """The provider's return: check it, find or link the account, and log this browser in."""
    settings = _enabled(request)
    now = get_now(request)
    # The pending login is used up by this answer whatever it brings: a code works once.
    pending = request.session.pop(PENDING_KEY, None)
    db.commit()  # end the viewer lookup's read: what follows writes (GET by the protocol's design)
    try:
        claims = sso.finish(settings, pending, dict(request.query_params), _callback_url(request, settings), now)
        user = sso_accounts.sign_in(db, settings, claims, auth.client_of(request), now)
    except sso.SsoFailed as error:
        return render(
            request, "accounts/login.html",
            {"next": (pending or {}).get("next", "/"), "values": {}, "message": error.message},
            status_code=error.status_code,
        )
    token = service.start_session(db, settings, user, now, request.headers.get("user-agent", ""))
    auth.log_in_browser(request, token)
    flash(request, N_("Welcome back!"), "success")
    return redirect(safe_next(pending.get("next")))
