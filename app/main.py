"""Application factory: settings, database, routers, middleware, static files, error handlers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources

import anyio.to_thread

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from app import __version__, admin_pages, worker_pages
from app.accounts import api as accounts_api
from app.accounts import handlers as accounts_handlers
from app.accounts import language_pages
from app.accounts import avatar_pages
from app.accounts import pages as accounts_pages
from app.accounts import sso_pages
from app.accounts.auth import load_viewer
from app.ambassadors import api as ambassadors_api
from app.ambassadors import invitation_api, invitation_pages, labs, roles_pages
from app.ambassadors import pages as ambassadors_pages
from app.ambassadors import reengagement_pages
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory, utcnow
from app.error_pages import install_error_handlers
from app.guard import RequestGuard
from app.openapi import build_openapi
from app.privacy import pages as privacy_pages
from app.forum import admin_pages as forum_admin_pages
from app.forum import api as forum_api
from app.forum import pages as forum_pages
from app.forum import post_pages as forum_post_pages
from app.forum import handlers as forum_handlers
from app.forum import moderation_pages, notification_pages, search_pages
from app.forum import threads as forum_threads
from app.forum import upload_pages
from app.forum import vote_pages as forum_vote_pages
from app.insights import api as insights_api
from app.insights import pages as insights_pages
from app.ideas import api as ideas_api
from app.ideas import handlers as ideas_handlers
from app.ideas import pages as ideas_pages
from app.karma import api as karma_api
from app.insights import handlers as insights_handlers
from app.karma import handlers as karma_handlers
from app.karma import pages as karma_pages
from app.webhooks import handlers as webhooks_handlers
from app.webhooks import pages as webhooks_pages
from app.security_headers import SecurityHeaders
from app.web import (
    STATIC_DIR, add_profile_section, csrf_protect, render, session_cookie_name,
)


def register_event_handlers() -> None:
    """Each domain subscribes its handlers to other domains' events here."""
    accounts_handlers.register()
    forum_handlers.register()
    forum_threads.register()
    ideas_handlers.register()
    karma_handlers.register()
    insights_handlers.register()
    webhooks_handlers.register()


def register_profile_sections() -> None:
    """Higher domains add their parts of a member's profile page (accounts cannot import them)."""
    add_profile_section(karma_pages.profile_section)


def create_app(settings: Settings | None = None, *, clock=utcnow, session_factory=None) -> FastAPI:
    """Build a Hearth app; tests pass their own settings, clock and session factory."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_app):
        # Sync handlers run in AnyIO's thread pool (40 threads by default); each thread that runs
        # costs its stack, a malloc arena's share and often a pooled database connection.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Hearth",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(load_viewer), Depends(csrf_protect)],
    )
    app.state.settings = settings
    forum_handlers.configure(settings)
    ideas_handlers.configure(settings)
    karma_handlers.configure(settings)
    webhooks_handlers.configure(settings)
    app.state.clock = clock
    if session_factory is None:
        app.state.engine = make_engine(settings.database_url)
        session_factory = make_session_factory(app.state.engine)
    app.state.session_factory = session_factory

    # Added first, so it runs innermost: inside the session and header middleware, before any route.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        max_multipart_bytes=settings.max_body_bytes + settings.upload_max_file_bytes * settings.upload_max_files_per_form,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=session_cookie_name(settings),
        max_age=settings.session_days * 86400,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    install_error_handlers(app)
    # The more specific mount first: Starlette matches mounts in order.
    # Swagger UI 5 (reads OpenAPI 3.1) from the fastapi-swagger package's files: no CDN.
    swagger_dir = resources.files("fastapi_swagger") / "resources"
    app.mount("/static/swagger", StaticFiles(directory=str(swagger_dir)), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.include_router(accounts_api.router)
    app.include_router(language_pages.router)
    for forum_module in (search_pages, notification_pages, moderation_pages):
        app.include_router(forum_module.api_router)
        app.include_router(forum_module.router)
    app.include_router(forum_api.router)
    for forum_router in (forum_pages.router, forum_post_pages.router, forum_admin_pages.router, upload_pages.router):
        app.include_router(forum_router)
    app.include_router(ideas_api.router)
    app.include_router(ideas_pages.router)
    app.include_router(ambassadors_api.router)
    app.include_router(ambassadors_pages.router)
    for invitation_router in (invitation_api.router, labs.api_router, invitation_pages.router, roles_pages.router, labs.router):
        app.include_router(invitation_router)
    app.include_router(reengagement_pages.router)
    app.include_router(insights_api.router)
    app.include_router(insights_pages.router)
    app.include_router(worker_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(webhooks_pages.router)
    app.include_router(accounts_pages.router)
    app.include_router(sso_pages.router)
    app.include_router(avatar_pages.router)
    app.include_router(privacy_pages.router)
    for karma_router in (forum_vote_pages.api_router, forum_vote_pages.router, karma_api.router, karma_pages.router):
        app.include_router(karma_router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return render(request, "api_docs.html")

    app.openapi = lambda: build_openapi(app)
    register_event_handlers()
    register_profile_sections()
    return app
