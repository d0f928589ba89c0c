"""HTML pages of the accounts domain: register, verify, log in and out, reset, profile, preferences."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from app.accounts import auth, queries, recovery, service, tracking
from app.accounts.models import ApiToken
from app.db import SessionDep
from app.errors import AppError, Forbidden, NotFound, ValidationFailed
from app.guard import Id
from app.i18n import N_
from app.web import LANGUAGES, flash, get_now, profile_sections, redirect, render, request_language, viewer_of

router = APIRouter()
FormStr = Annotated[str, Form()]


def password_login_allowed(request: Request) -> None:
    """In SSO-only mode every password path (log-in, links, resets, sign-up) is closed."""
    settings = request.app.state.settings
    if settings.oidc_only and settings.oidc_issuer and settings.oidc_client_id:
        raise Forbidden(N_("This forum logs members in through single sign-on only."))


PasswordPaths = [Depends(password_login_allowed)]


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirects)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/register")
def register_form(request: Request):
    """The registration form."""
    return render(request, "accounts/register.html", {"values": {}, "errors": {}})


@router.post("/register", dependencies=PasswordPaths)
def register(
    request: Request,
    db: SessionDep,
    username: FormStr = "",
    email: FormStr = "",
    password: FormStr = "",
):
    """Create an account; the answer is the same whether or not the address was known."""
    settings = request.app.state.settings
    try:
        service.register_user(
            db,
            settings,
            username=username,
            email=email,
            password=password,
            now=get_now(request),
            # The browser's language becomes the account's, so e-mails sent later read right.
            locale=request_language(request) if request.headers.get("accept-language") else None,
        )
    except ValidationFailed as error:
        return render(
            request,
            "accounts/register.html",
            {"values": {"username": username, "email": email}, "errors": error.detail, "message": error.message},
            status_code=422,
        )
    return render(request, "accounts/check_inbox.html", {"email": email.strip()})


@router.get("/verify/{token}")
def verify_form(request: Request, token: str, db: SessionDep):
    """The confirmation page of a verification link: a button, so no GET changes anything."""
    user = service.user_for_verify_token(db, request.app.state.settings, token, get_now(request))
    return render(request, "accounts/verify.html", {"token": token, "confirmed": user.email_verified_at is not None})


@router.post("/verify/{token}")
def verify(request: Request, token: str, db: SessionDep):
    """Confirm the address once; the member then logs in with their password (the link never does)."""
    settings = request.app.state.settings
    user = service.user_for_verify_token(db, settings, token, get_now(request))
    if user.email_verified_at is not None:
        flash(request, N_("This address is already confirmed. Log in with your password."), "info")
        return redirect("/login")
    service.verify_email(db, settings, token, get_now(request))
    flash(request, N_("Your e-mail address is confirmed. Log in to continue."), "success")
    return redirect("/login")


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    """The login form."""
    return render(request, "accounts/login.html", {"next": safe_next(next), "values": {}})


PENDING_WAIT_SECONDS = 10.0


def _reserve(db, settings, identifier: str, client, now) -> tracking.Reservation:
    """Count the attempt and commit it before the slow password check, outside the write lock.

    While only attempts still being checked fill a limit, wait for them (backing off up to a
    quarter second, at most PENDING_WAIT_SECONDS in all), then decide.
    """
    delay, waited = 0.02, 0.0
    while True:
        reservation = tracking.reserve_attempt(
            db, settings, identifier=identifier, client=client, now=now, may_wait=waited < PENDING_WAIT_SECONDS
        )
        db.commit()
        if not reservation.undecided:
            return reservation
        time.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.25)


@router.post("/login", dependencies=PasswordPaths)
def login(
    request: Request,
    db: SessionDep,
    identifier: FormStr = "",
    password: FormStr = "",
    next: FormStr = "/",
):
    """Log in; every attempt is recorded, failures included, and back-offs answer 429."""
    settings = request.app.state.settings
    now = get_now(request)
    reservation = _reserve(db, settings, identifier, auth.client_of(request), now)
    result = tracking.finish_attempt(db, settings, reservation, password, now)
    if result.outcome == "success":
        token = service.start_session(db, settings, result.user, now, request.headers.get("user-agent", ""))
        auth.log_in_browser(request, token)
        return redirect(safe_next(next))
    if result.outcome == "unverified":
        service.send_verification(db, settings, result.user, now)
    request.state.keep_changes = True  # the failed attempt itself must be stored
    status = {"throttled": 429, "unverified": 403}.get(result.outcome, 400)
    headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
    return render(
        request,
        "accounts/login.html",
        {
            "next": safe_next(next),
            "values": {"identifier": identifier},
            "message": result.message,
            "retry_after": result.retry_after,
        },
        status_code=status,
        headers=headers,
    )


@router.post("/logout")
def logout(request: Request, db: SessionDep):
    """End this browser's session."""
    if token := request.session.get("auth"):
        service.end_session(db, token)
    request.session.clear()
    flash(request, N_("You are logged out."), "info")
    return redirect("/")


@router.get("/reset", dependencies=PasswordPaths)
def reset_request_form(request: Request):
    """Ask for a password-reset link."""
    return render(request, "accounts/reset_request.html", {"values": {}, "kind": "password_reset"})


def _link_request(request: Request, db, kind: str, email: str):
    template = "accounts/reset_request.html" if kind == "password_reset" else "accounts/login_email.html"
    try:
        recovery.request_link(
            db, request.app.state.settings, kind=kind, email=email, client=auth.client_of(request),
            now=get_now(request), language=request_language(request),
        )
    except AppError as error:
        retry_after = getattr(error, "retry_after", None)
        return render(
            request, template,
            {"values": {"email": email}, "message": error.message, "errors": error.detail or {}},
            status_code=error.status_code, headers={"Retry-After": str(retry_after)} if retry_after else None,
        )
    context = {"email": email.strip(), "reset": kind == "password_reset", "login_link": kind == "login_link"}
    return render(request, "accounts/check_inbox.html", {**context, "minutes": request.app.state.settings.login_link_minutes})


@router.post("/reset", dependencies=PasswordPaths)
def reset_request(request: Request, db: SessionDep, email: FormStr = ""):
    """Mail a reset link; the answer and the work never say whether the address is known."""
    return _link_request(request, db, "password_reset", email)


@router.get("/login/email", dependencies=PasswordPaths)
def login_email_form(request: Request):
    """Ask for a one-time login link by e-mail (works even while log-ins are throttled)."""
    return render(request, "accounts/login_email.html", {"values": {}})


@router.post("/login/email", dependencies=PasswordPaths)
def login_email(request: Request, db: SessionDep, email: FormStr = ""):
    """Mail a one-time login link; answered like a reset request."""
    return _link_request(request, db, "login_link", email)


@router.get("/login/link/{token}", dependencies=PasswordPaths)
def login_link_form(request: Request, token: str, db: SessionDep):
    """Confirm a login link with a button: opening a link alone never logs anyone in."""
    user = recovery.link_user(db, token, get_now(request))
    return render(request, "accounts/login_link.html", {"token": token, "username": user.username})


@router.post("/login/link/{token}", dependencies=PasswordPaths)
def login_link(request: Request, token: str, db: SessionDep):
    """Use a login link once and log this browser in."""
    settings = request.app.state.settings
    now = get_now(request)
    user = recovery.use_link(db, settings, token, auth.client_of(request), now)
    auth.log_in_browser(request, service.start_session(db, settings, user, now, request.headers.get("user-agent", "")))
    flash(request, N_("Welcome back!"), "success")
    return redirect("/")


@router.get("/reset/{token}", dependencies=PasswordPaths)
def reset_form(request: Request, token: str, db: SessionDep):
    """Choose a new password from a reset link."""
    service.user_for_reset_token(db, request.app.state.settings, token, get_now(request))
    return render(request, "accounts/reset.html", {"token": token, "errors": {}})


@router.post("/reset/{token}", dependencies=PasswordPaths)
def reset(request: Request, token: str, db: SessionDep, password: FormStr = ""):
    """Set the new password, end all other sessions and log this browser in."""
    settings = request.app.state.settings
    now = get_now(request)
    user = service.user_for_reset_token(db, settings, token, now)
    try:
        service.set_password(db, settings, user, password, now)
    except ValidationFailed as error:
        return render(request, "accounts/reset.html", {"token": token, "errors": error.detail}, status_code=422)
    auth.log_in_browser(request, service.start_session(db, settings, user, now, request.headers.get("user-agent", "")))
    flash(request, N_("Your password has been changed."), "success")
    return redirect("/")


@router.get("/u/{username}")
def profile(request: Request, username: str, db: SessionDep):
    """A member's public profile."""
    member = queries.profile(db, username)
    if member is None:
        raise NotFound(N_("There is no member with that name."))
    sections = profile_sections(db, request.app.state.settings, viewer_of(request), member)
    return render(request, "accounts/profile.html", {"member": member, "sections": sections})


def _own_account(request: Request, db, username: str):
    viewer = auth.require_member(request)
    if viewer.username.lower() != username.lower():
        raise NotFound(N_("There is no such page."))
    return auth.current_user(db, viewer)


def _preferences_page(
    request: Request, db, user, *, errors=None, new_token=None, status_code=200, message=None, values=None
):
    tokens = db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render(
        request,
        "accounts/preferences.html",
        {
            "user": user,
            "values": values or {"display_name": user.display_name, "bio": user.bio},
            "tokens": tokens,
            "errors": errors or {},
            "new_token": new_token,
            "message": message,
            "languages": LANGUAGES,
            "avatar_url": queries.avatar_url(db.scalar(select(queries.avatar_file_subquery(user.id)))),
        },
        status_code=status_code,
    )


@router.get("/u/{username}/preferences")
def preferences(request: Request, username: str, db: SessionDep):
    """The member's own settings: profile, language, password and API tokens."""
    return _preferences_page(request, db, _own_account(request, db, username))


@router.post("/u/{username}/preferences")
def save_preferences(
    request: Request,
    username: str,
    db: SessionDep,
    display_name: FormStr = "",
    bio: FormStr = "",
    locale: FormStr = "",
    ambassador_opt_out: FormStr = "",
):
    """Save profile fields, the interface language and the opt-out from role suggestions."""
    user = _own_account(request, db, username)
    try:
        service.update_preferences(
            db, user, display_name=display_name, bio=bio, locale=locale or None,
            ambassador_opt_out=bool(ambassador_opt_out),
        )
    except ValidationFailed as error:
        return _preferences_page(
            request, db, user, errors=error.detail, status_code=422, message=error.message,
            values={"display_name": display_name, "bio": bio},
        )
    flash(request, N_("Your preferences are saved."), "success")
    return redirect(f"/u/{user.username}/preferences")


@router.post("/u/{username}/password")
def change_password(
    request: Request,
    username: str,
    db: SessionDep,
    current_password: FormStr = "",
    new_password: FormStr = "",
):
    """Change the password; every other session of the account ends."""
    settings = request.app.state.settings
    now = get_now(request)
    user = _own_account(request, db, username)
    try:
        service.change_password(db, settings, user, current_password, new_password, now)
    except ValidationFailed as error:
        detail = error.detail or {}
        errors = {"new_password": detail["password"]} if "password" in detail else detail
        return _preferences_page(request, db, user, errors=errors, status_code=422, message=error.message)
    auth.log_in_browser(request, service.start_session(db, settings, user, now, request.headers.get("user-agent", "")))
    flash(request, N_("Your password has been changed."), "success")
    return redirect(f"/u/{user.username}/preferences")


@router.post("/u/{username}/tokens")
def create_token(request: Request, username: str, db: SessionDep, name: FormStr = ""):
    """Create a personal API token and show it once."""
    user = _own_account(request, db, username)
    try:
        secret = service.create_api_token(db, user, name, get_now(request))
    except ValidationFailed as error:
        return _preferences_page(request, db, user, errors={"token_name": error.message}, status_code=422)
    return _preferences_page(request, db, user, new_token=secret)


@router.post("/u/{username}/tokens/{token_id}/revoke")
def revoke_token(request: Request, username: str, token_id: Id, db: SessionDep):
    """Revoke one of the member's API tokens."""
    user = _own_account(request, db, username)
    service.revoke_api_token(db, user, token_id, get_now(request))
    flash(request, N_("The token was revoked."), "success")
    return redirect(f"/u/{user.username}/preferences")
