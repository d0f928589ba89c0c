"""HTML pages of the forum: topic lists, categories, tags, the topic page, new topics and replies."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse

from app.db import SessionDep, bookkeep, write_or_busy
from app.errors import AppError, NotFound
from app.forum import browse, reading, service, votes
from app.forum.upload_pages import attach_images
from app.forum.models import Post
from app.forum.queries import category_catalog
from app.guard import Id, OptionalId, Page
from app.i18n import N_
from app.inputs import parse_id
from app.web import earlier_submission, get_now, redirect, render, submitted, viewer_of

router = APIRouter()
FormStr = Annotated[str, Form()]
ImageFiles = Annotated[list[UploadFile] | None, File()]
TOPIC_REF_RE = re.compile(r"^(\d{1,18})(?:-.*)?$")

LIST_TITLES = {
    "latest": N_("Latest topics"),
    "unanswered": N_("Unanswered questions"),
    "solved": N_("Solved questions"),
    "new": N_("New since your last visit"),
}


def error_headers(error: AppError) -> dict | None:
    """Retry-After for rate limits and a busy database, so clients know when to come back."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else None


def _list_page(request: Request, db, kind: str, page: int, *, category=None, tag: str | None = None, catalog=None):
    viewer = viewer_of(request)
    if kind == "new" and not viewer.is_authenticated:
        from app.errors import Unauthorized

        raise Unauthorized(N_("Please log in to continue."))
    catalog = category_catalog(db) if catalog is None else catalog
    access = [entry.access for entry in catalog]
    result = browse.list_topics(
        db, viewer, kind=kind, category_id=category.id if category else None, tag=tag, page=page,
        after=request.query_params.get("after"), before=request.query_params.get("before"),
        now=get_now(request), access=access,
    )
    if category is not None:
        base = f"/c/{category.slug}"
    elif tag is not None:
        base = f"/tag/{tag}"
    else:
        base = "/" if kind == "latest" else f"/{kind}"
    return render(
        request,
        "forum/list.html",
        {
            "kind": kind,
            "title": LIST_TITLES[kind],
            "result": result,
            "category": category,
            "tag": tag,
            "base": base,
            "categories": browse.visible_categories(db, viewer, catalog),
        },
    )


@router.get("/")
def latest_home(request: Request, db: SessionDep, page: Page = 1):
    """The front page: topics by latest activity."""
    return _list_page(request, db, "latest", page)


@router.get("/latest")
def latest(request: Request, db: SessionDep, page: Page = 1):
    """Topics by latest activity."""
    return _list_page(request, db, "latest", page)


@router.get("/unanswered")
def unanswered(request: Request, db: SessionDep, page: Page = 1):
    """Questions nobody but the asker has replied to."""
    return _list_page(request, db, "unanswered", page)


@router.get("/solved")
def solved(request: Request, db: SessionDep, page: Page = 1):
    """Questions with an accepted answer."""
    return _list_page(request, db, "solved", page)


@router.get("/new")
def new_since_visit(request: Request, db: SessionDep, page: Page = 1):
    """Topics with posts the member has not read since their last visit."""
    return _list_page(request, db, "new", page)


@router.get("/categories")
def categories(request: Request, db: SessionDep):
    """Every category the viewer may see."""
    return render(request, "forum/categories.html", {"categories": browse.visible_categories(db, viewer_of(request))})


@router.get("/c/{slug}")
def category(request: Request, slug: str, db: SessionDep, page: Page = 1):
    """A category's topics, pinned first."""
    catalog = category_catalog(db)
    info = browse.category_by_slug(db, viewer_of(request), slug, catalog)
    return _list_page(request, db, "latest", page, category=info, catalog=catalog)


@router.get("/tag/{name}")
def tag(request: Request, name: str, db: SessionDep, page: Page = 1):
    """Topics carrying a tag."""
    return _list_page(request, db, "latest", page, tag=name.lower())


def _new_topic_page(request: Request, db, *, values=None, errors=None, message=None, preview=None, status_code=200, headers=None):
    return render(
        request,
        "forum/new_topic.html",
        {
            "categories": [c for c in browse.visible_categories(db, viewer_of(request)) if c.can_start],
            "values": values or {"kind": "question"},
            "errors": errors or {},
            "message": message,
            "preview": preview,
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/new-topic")
def new_topic_form(request: Request, db: SessionDep, category: str = ""):
    """The form to ask a question or start a discussion."""
    from app.accounts.auth import require_member

    require_member(request)
    chosen = next((c.id for c in browse.visible_categories(db, viewer_of(request)) if c.slug == category and c.can_start), "")
    return _new_topic_page(request, db, values={"kind": "question", "category_id": chosen})


@router.post("/new-topic")
def new_topic(
    request: Request,
    db: SessionDep,
    title: FormStr = "",
    body: FormStr = "",
    category_id: FormStr = "",
    kind: FormStr = "question",
    tags: FormStr = "",
    action: FormStr = "post",
    form_key: FormStr = "",
    images: ImageFiles = None,
):
    """Create a topic, or show a preview of it (the form keeps everything typed); images sent
    with the form (no JavaScript) are stored and shown at the end of the text."""
    from app.accounts.auth import require_member

    viewer = require_member(request)
    values = {"title": title, "body": body, "category_id": parse_id(category_id) or "", "kind": kind, "tags": tags}
    if action == "preview":
        preview, _, _ = service.render_body(db, viewer, body)
        return _new_topic_page(request, db, values=values, preview=preview)
    if earlier := earlier_submission(request, db, viewer.id, form_key, "topic"):
        return earlier
    try:
        body = attach_images(request, db, viewer, images, body)
        topic = write_or_busy(db, lambda: service.create_topic(
            db, request.app.state.settings, viewer, category_id=category_id, title=title, body=body,
            kind=kind, tags=tags, now=get_now(request),
        ))
    except AppError as error:
        return _new_topic_page(
            request, db, values=values, errors=error.detail if isinstance(error.detail, dict) else {},
            message=error.message, status_code=error.status_code, headers=error_headers(error),
        )
    return redirect(submitted(db, viewer.id, form_key, f"/t/{topic.id}-{topic.slug}"))


def _quote_text(db, topic_id: int, post_id: int | None) -> str:
    if not post_id:
        return ""
    post = db.get(Post, post_id)
    if post is None or post.topic_id != topic_id or post.deleted_at or post.hidden_at:
        return ""
    lines = [f"[quote=post:{post.id}]", *post.body_source.splitlines()]
    return "\n".join(f"> {line}".rstrip() for line in lines) + "\n\n"


def _topic_page(
    request: Request, db, topic_id: int, page: int, *, reply=None, errors=None, message=None, preview=None,
    status_code=200, headers=None, quote: int | None = None, track: bool = False,
):
    viewer = viewer_of(request)
    view = browse.topic_page(db, viewer, topic_id, page)
    if track and viewer.is_authenticated:
        topic_id, numbers, now = view.id, [p.number for p in view.posts], get_now(request)
        bookkeep(request, lambda session: reading.record_read(session, viewer.id, topic_id, numbers, now))
    if reply is None and quote:
        reply = _quote_text(db, view.id, quote)
    return render(
        request,
        "forum/topic.html",
        {
            "topic": view,
            "reply": reply or "",
            "errors": errors or {},
            "message": message,
            "preview": preview,
            "move_categories": browse.visible_categories(db, viewer) if view.can_moderate else [],
            "my_votes": votes.my_votes(db, viewer.id, [post.id for post in view.posts]),
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/t/{ref}")
def topic(request: Request, ref: str, db: SessionDep, page: Page = 1, quote: OptionalId = None):
    """A topic page (20 posts a page); a wrong or missing slug redirects to the canonical URL."""
    match = TOPIC_REF_RE.match(ref)
    topic_id = parse_id(match.group(1)) if match else None
    if topic_id is None:
        raise NotFound(N_("This topic does not exist or you may not see it."))
    response = _topic_page(request, db, topic_id, page, quote=quote, track=True)
    view = response.context["topic"]
    if ref != f"{view.id}-{view.slug}":
        query = f"?page={view.page}" if view.page > 1 else ""
        return RedirectResponse(f"/t/{view.id}-{view.slug}{query}", status_code=301)
    return response


@router.get("/t/{topic_id}/{post_number}")
def post_permalink(request: Request, topic_id: Id, post_number: Id, db: SessionDep):
    """A post's stable URL: redirects to its page with the #p{n} anchor."""
    url, page, number = browse.page_of_post(db, viewer_of(request), topic_id, post_number)
    query = f"?page={page}" if page > 1 else ""
    return redirect(f"{url}{query}#p{number}", status_code=302)


@router.post("/t/{topic_id}/reply")
def reply(
    request: Request, topic_id: Id, db: SessionDep, body: FormStr = "", action: FormStr = "post", page: Page = 1,
    form_key: FormStr = "", images: ImageFiles = None,
):
    """Post a reply, or preview it; errors re-render the topic with the text kept."""
    from app.accounts.auth import require_member

    viewer = require_member(request)
    if action == "preview":
        preview, _, _ = service.render_body(db, viewer, body)
        return _topic_page(request, db, topic_id, page, reply=body, preview=preview)
    if earlier := earlier_submission(request, db, viewer.id, form_key, "reply"):
        return earlier
    try:
        body = attach_images(request, db, viewer, images, body)
        post = write_or_busy(db, lambda: service.create_reply(
            db, request.app.state.settings, viewer, topic_id=topic_id, body=body, now=get_now(request)
        ))
    except NotFound:
        raise
    except AppError as error:
        return _topic_page(
            request, db, topic_id, page, reply=body,
            errors=error.detail if isinstance(error.detail, dict) else {},
            message=error.message, status_code=error.status_code, headers=error_headers(error),
        )
    submitted(db, viewer.id, form_key, f"/t/{topic_id}/{post.post_number}")  # the permalink: pages may shift
    url, page, number = browse.page_of_post(db, viewer, topic_id, post.post_number)
    query = f"?page={page}" if page > 1 else ""
    return redirect(f"{url}{query}#p{number}")
