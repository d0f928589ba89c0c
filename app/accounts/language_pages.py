"""The language switch every visitor gets: a cookie for everyone, the member's preference too."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from app.accounts import service
from app.db import SessionDep
from app.web import LANGUAGE_COOKIE, LANGUAGES, redirect, viewer_of

router = APIRouter()
ONE_YEAR = 365 * 86400


def back_to(request: Request) -> str:
    """The page the switch was pressed on: the Referer's path and query when it is this site, else "/".

    The page never echoes its own URL into the form (a hidden `next` would copy query strings into
    every page); the browser's Referer says where to return, and only a same-origin one is followed.
    """
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    here = urlsplit(str(request.base_url))
    if not referer or (parts.scheme, parts.netloc) != (here.scheme, here.netloc):
        return "/"
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")


@router.post("/language", include_in_schema=False)
def switch_language(request: Request, db: SessionDep, language: Annotated[str, Form()] = ""):
    """Remember the chosen language (cookie; a member's preference as well) and return to the page."""
    response = redirect(back_to(request))
    if language not in LANGUAGES:
        return response  # an unknown choice changes nothing
    settings = request.app.state.settings
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=ONE_YEAR, path="/", samesite="lax",
        secure=settings.cookie_secure, httponly=True,
    )
    viewer = viewer_of(request)
    if viewer.is_authenticated:
        service.set_language(db, viewer.id, language)
    return response
