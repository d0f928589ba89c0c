"""Jinja2 environment, page rendering, flash messages, CSRF and i18n."""

from __future__ import annotations

import io
import re
import secrets
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.responses import RedirectResponse, Response

from app.errors import Forbidden
from app import idempotency
from app.idempotency import new_key as new_form_key
from app.i18n import N_, format_ago, format_day, format_moment, format_number, template_callables, translate
from app.security import constant_time_equals

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "de": "Deutsch", "nl": "Nederlands"}
LANGUAGE_COOKIE = "hearth_language"  # a visitor's choice from the language switch
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ONE_CLICK_UNSUBSCRIBE_PREFIX = "/notifications/unsubscribe/"
@dataclass(frozen=True)
class Viewer:
    """Who is looking: a plain snapshot, safe to use after the session closes."""

    id: int | None = None
    username: str | None = None
    display_name: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    locale: str | None = None

    @property
    def is_authenticated(self) -> bool:
        """True for a logged-in member."""
        return self.id is not None

    @property
    def is_staff(self) -> bool:
        """Moderators, managers and admins act as staff."""
        return bool(self.roles & {"moderator", "manager", "admin"})

    @property
    def is_admin(self) -> bool:
        """Admins may do everything."""
        return "admin" in self.roles


ANONYMOUS = Viewer()


def viewer_of(request: Request) -> Viewer:
    """The viewer set by authentication, or the anonymous viewer."""
    return getattr(request.state, "viewer", ANONYMOUS)


@lru_cache(maxsize=8)
def translations_for(language: str) -> NullTranslations:
    """Merge a language's shipped .po catalogs (one per domain), compiled in memory.

    No build step and no binary files in git: each domain owns locales/<lang>/LC_MESSAGES/<domain>.po.
    """
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    if language == "en" or not folder.is_dir():
        return NullTranslations()
    from babel.messages.mofile import write_mo  # the catalogue compiler: only for a page in de or nl
    from babel.messages.pofile import read_po

    merged = None
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id and message.string:
                merged[message.id] = message
    if merged is None:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate_language(request: Request, default: str = "en") -> str:
    """The member's preference, else the visitor's switch (cookie), else the best Accept-Language
    match, else the default."""
    preferred = viewer_of(request).locale
    if preferred in LANGUAGES:
        return preferred
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    wanted = []
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";q=")
        if not tag:
            continue
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        wanted.append((weight, tag.strip().replace("-", "_")))
    ordered = [tag for _, tag in sorted(wanted, key=lambda pair: -pair[0])]
    try:
        match = Locale.negotiate(ordered, list(LANGUAGES), sep="_")
    except (UnknownLocaleError, ValueError):
        match = None
    return str(match.language) if match else default


def request_language(request: Request) -> str:
    """The language of this request (computed once)."""
    if not hasattr(request.state, "language"):
        settings = request.app.state.settings
        request.state.language = negotiate_language(request, settings.default_locale)
    return request.state.language


def gettext_for(request: Request):
    """The gettext callable for this request's language."""
    return translations_for(request_language(request)).gettext


templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "htm", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
templates.env.install_null_translations(newstyle=True)  # real ones are passed per request


@pass_context
def _translate_filter(context, value):
    return translate(translations_for(context["language"]), value)


templates.env.filters["t"] = _translate_filter


@pass_context
def _date_filter(context, value):
    return format_day(value, context["language"])


@pass_context
def _datetime_filter(context, value):
    return format_moment(value, context["language"])


@pass_context
def _number_filter(context, value, digits=None):
    return format_number(value, context["language"], digits)


@pass_context
def _ago_filter(context, value):
    request = context.get("request")
    now = get_now(request) if request is not None else context["now"]
    return format_ago(value, now, context["language"])


# Dates, times and numbers follow the page's language (Babel); every time shown is UTC.
templates.env.filters.update(date=_date_filter, datetime=_datetime_filter, number=_number_filter, ago=_ago_filter)


AVATAR_COLOURS = 12  # .avatar-c0 … .avatar-c11 in hearth.css, each with AA contrast for white initials


def avatar_initials(name: str | None) -> str:
    """One or two capital letters for a generated avatar: the first letters of the first two words."""
    words = [word for word in re.split(r"[\s._-]+", name or "") if word]
    if not words:
        return "?"
    letters = words[0][0] + (words[1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_colour(key: str | None) -> int:
    """A stable colour index for a member (the same username gets the same colour on every page)."""
    return zlib.crc32((key or "").lower().encode("utf-8")) % AVATAR_COLOURS


templates.env.globals["avatar_initials"] = avatar_initials
templates.env.globals["avatar_colour"] = avatar_colour
# Each render of a creating form gets a fresh idempotency key (app.idempotency).
templates.env.globals["new_form_key"] = new_form_key


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


class LazyCsrfToken:
    """The session's CSRF token as a page shows it, created only when the page renders a form.

    A page without forms (a topic list for a visitor) then leaves the session empty: no token to
    make, no cookie to sign and send, and the answer is not marked as one visitor's own."""

    __slots__ = ("_request",)

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    def __html__(self) -> str:
        return csrf_token(self._request)  # URL-safe characters only: nothing to escape


async def csrf_protect(request: Request) -> None:
    """Reject unsafe requests that ride on the session cookie without the session's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # token-authenticated API calls carry no ambient credentials
    if request.url.path.startswith("/api/") and not viewer_of(request).is_authenticated:
        return  # no session authenticates this call, so nothing can be forged; the endpoint answers 401
    if request.url.path.startswith(ONE_CLICK_UNSUBSCRIBE_PREFIX):
        return  # RFC 8058 one-click: the mail client POSTs; the signed token in the URL is the only credential
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not constant_time_equals(sent, expected):
        raise Forbidden(
            N_("This form has expired or did not come from this site. Reload the page and try again.")
        )


def flash(request: Request, message: str, category: str = "info") -> None:
    """Queue a message for the next page this member sees."""
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [category, message]]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    """Take the queued messages (shown once)."""
    if "session" not in request.scope:
        return []
    return [tuple(item) for item in request.session.pop("flash", [])]


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    """Redirect after a POST (303 so the browser follows with GET)."""
    return RedirectResponse(url, status_code=status_code)


def earlier_submission(request: Request, session, user_id: int, form_key: str | None, kind: str) -> RedirectResponse | None:
    """Claim a creating form's key; a second submission of the same form is sent to the first's result."""
    url = idempotency.claim(session, user_id, form_key, kind, get_now(request))
    if url is None:
        return None
    flash(request, N_("You sent this form twice; it was saved once. Here it is."), "info")
    return redirect(url)


def submitted(session, user_id: int, form_key: str | None, url: str) -> str:
    """Remember where a created thing lives for later submissions of its form; returns the URL."""
    idempotency.finish(session, user_id, form_key, url)
    return url


def render(
    request: Request,
    template: str,
    context: dict | None = None,
    *,
    status_code: int = 200,
    headers: dict | None = None,
) -> Response:
    """Render a page; a 4xx/5xx answer rolls back whatever the request had changed."""
    if status_code >= 400 and not getattr(request.state, "keep_changes", False):
        request.state.rollback_only = True
    translations = translations_for(request_language(request))
    settings = request.app.state.settings
    page_context = {
        "viewer": viewer_of(request),
        "site_name": settings.site_name,
        "language": request_language(request),
        "languages": LANGUAGES,
        "flashes": pop_flashes(request),
        "csrf_token": LazyCsrfToken(request) if "session" in request.scope else "",
        **template_callables(translations),
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, template, page_context, status_code=status_code, headers=headers
    )


def session_cookie_name(settings) -> str:
    """The session cookie's name: with the __Host- prefix when cookies are HTTPS-only, so the
    browser refuses it unless it is Secure, for this host alone (no Domain) and for path /."""
    return "__Host-hearth_session" if settings.cookie_secure else "hearth_session"


def render_email(template: str, context: dict, language: str | None) -> str:
    """Render a plain-text e-mail template in the recipient's language."""
    language = language if language in LANGUAGES else "en"
    translations = translations_for(language)
    return templates.env.get_template(template).render(
        **template_callables(translations), language=language, **context
    )


def get_now(request: Request):
    """The request's clock (tests give the app a fixed one)."""
    if not hasattr(request.state, "now"):
        request.state.now = request.app.state.clock()
    return request.state.now


# Sections other domains add to a member's profile page. accounts sits at the bottom of the
# import order and cannot import them; they register a provider here at start-up instead.
# A provider takes (session, settings, viewer, member profile) and returns (template, context) or None.
_profile_sections: list = []


def add_profile_section(provider) -> None:
    """Register a profile section provider once (order of registration is order on the page)."""
    if provider not in _profile_sections:
        _profile_sections.append(provider)


def profile_sections(session, settings, viewer: Viewer, member) -> list[tuple[str, dict]]:
    """Every registered section for this member, as (template, context) pairs."""
    sections = []
    for provider in _profile_sections:
        section = provider(session, settings, viewer, member)
        if section is not None:
            sections.append(section)
    return sections
