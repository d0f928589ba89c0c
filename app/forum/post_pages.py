"""HTML pages around single posts: edit, history and revert, delete, accepted answers, moderator
actions on topics, and a member's forum activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts import queries as accounts_queries
from app.accounts.auth import require_member
from app.db import SessionDep
from app.errors import AppError, Forbidden, NotFound
from app.forum import activity as activity_queries
from app.forum import answers, browse, editing, lookup, service
from app.forum.pages import error_headers
from app.forum.permissions import can_edit_post, can_moderate
from app.guard import Id, Page
from app.i18n import N_
from app.inputs import parse_id
from app.web import flash, get_now, redirect, render, viewer_of

router = APIRouter()
FormStr = Annotated[str, Form()]


def _permalink(db, viewer, topic_id: int, number: int) -> str:
    url, page, number = browse.page_of_post(db, viewer, topic_id, number)
    return f"{url}{f'?page={page}' if page > 1 else ''}#p{number}"


@router.get("/p/{post_id}")
def post_link(request: Request, post_id: Id, db: SessionDep):
    """Short link to a post by id (used by quotes): redirects to its place in the topic."""
    viewer = viewer_of(request)
    post, topic = lookup.get_visible_post(db, viewer, post_id)
    return redirect(_permalink(db, viewer, topic.id, post.post_number), status_code=302)


def _edit_page(request: Request, post, topic, *, values, errors=None, message=None, preview=None, status_code=200):
    return render(
        request,
        "forum/edit_post.html",
        {
            "post": post,
            "topic": topic,
            "values": values,
            "errors": errors or {},
            "message": message,
            "preview": preview,
        },
        status_code=status_code,
    )


@router.get("/p/{post_id}/edit")
def edit_form(request: Request, post_id: Id, db: SessionDep):
    """The edit form of a post (authors and moderators)."""
    viewer = require_member(request)
    post, topic = lookup.get_visible_post(db, viewer, post_id)
    if post.deleted_at is not None or not can_edit_post(viewer, post.author_id, topic.locked):
        raise Forbidden(N_("You may not edit this post."))
    tags = ", ".join(browse.topic_tags(db, [topic.id]).get(topic.id, ()))
    return _edit_page(request, post, topic, values={"body": post.body_source, "title": topic.title, "tags": tags})


@router.post("/p/{post_id}/edit")
def edit(
    request: Request,
    post_id: Id,
    db: SessionDep,
    body: FormStr = "",
    title: FormStr = "",
    tags: FormStr = "",
    action: FormStr = "save",
):
    """Save an edit (a revision unless within the author's grace period), or preview it."""
    viewer = require_member(request)
    post, topic = lookup.get_visible_post(db, viewer, post_id)
    first = post.post_number == 1
    values = {"body": body, "title": title, "tags": tags}
    if action == "preview":
        preview, _, _ = service.render_body(db, viewer, body)
        return _edit_page(request, post, topic, values=values, preview=preview)
    try:
        editing.edit_post(
            db, request.app.state.settings, viewer, post_id, body=body,
            title=title if first else None, tags=tags if first else None, now=get_now(request),
        )
    except NotFound:
        raise
    except AppError as error:
        return _edit_page(
            request, post, topic, values=values, errors=error.detail if isinstance(error.detail, dict) else {},
            message=error.message, status_code=error.status_code,
        )
    flash(request, N_("Your changes are saved."), "success")
    return redirect(_permalink(db, viewer, topic.id, post.post_number))


@router.get("/p/{post_id}/revisions")
def revisions(request: Request, post_id: Id, db: SessionDep):
    """A post's edit history with word-level diffs."""
    viewer = viewer_of(request)
    post, topic, views = editing.revisions(db, viewer, post_id)
    return render(
        request,
        "forum/revisions.html",
        {"post": post, "topic": topic, "revisions": views, "can_revert": viewer.is_authenticated and can_moderate(viewer)},
    )


@router.post("/p/{post_id}/revert")
def revert(request: Request, post_id: Id, db: SessionDep, version: FormStr = ""):
    """Moderators restore an earlier version of a post (recorded as a new revision)."""
    viewer = require_member(request)
    # Version 0 is the post as first written, so it is a valid choice (ids start at 1).
    number = 0 if version.strip() == "0" else parse_id(version)
    if number is None:
        raise NotFound(N_("This revision does not exist."))
    post = editing.revert_post(db, request.app.state.settings, viewer, post_id, number, get_now(request))
    flash(request, N_("The post was reverted."), "success")
    return redirect(f"/p/{post.id}/revisions")


@router.post("/p/{post_id}/delete")
def delete(request: Request, post_id: Id, db: SessionDep):
    """Delete a reply (its author or a moderator)."""
    viewer = require_member(request)
    post = service.delete_post(db, viewer, post_id, get_now(request))
    flash(request, N_("The post was deleted."), "success")
    return redirect(_permalink(db, viewer, post.topic_id, post.post_number))


@router.post("/t/{topic_id}/accept")
def accept(request: Request, topic_id: Id, db: SessionDep, post_id: FormStr = ""):
    """Mark a reply as the accepted answer (asker or staff)."""
    viewer = require_member(request)
    if parse_id(post_id) is None:
        raise NotFound(N_("This post does not exist or you may not see it."))
    answers.accept_answer(db, viewer, topic_id, parse_id(post_id), get_now(request))
    flash(request, N_("The answer is marked as accepted."), "success")
    return redirect(_permalink(db, viewer, topic_id, 1))


@router.post("/t/{topic_id}/unaccept")
def unaccept(request: Request, topic_id: Id, db: SessionDep):
    """Clear the accepted answer (asker or staff)."""
    viewer = require_member(request)
    answers.unaccept_answer(db, viewer, topic_id, get_now(request))
    flash(request, N_("The accepted answer was cleared."), "success")
    return redirect(_permalink(db, viewer, topic_id, 1))


@router.post("/t/{topic_id}/moderate")
def moderate(request: Request, topic_id: Id, db: SessionDep, action: FormStr = "", category_id: FormStr = ""):
    """Pin, unpin, lock, unlock or move a topic (moderators)."""
    viewer = require_member(request)
    try:
        if action in ("pin", "unpin"):
            service.set_pinned(db, viewer, topic_id, action == "pin")
        elif action in ("lock", "unlock"):
            service.set_locked(db, viewer, topic_id, action == "lock")
        elif action == "move":
            service.move_topic(db, viewer, topic_id, category_id)
        else:
            raise NotFound(N_("Unknown action."))
    except AppError as error:
        if isinstance(error, NotFound):
            raise
        return render(
            request, "errors/error.html", {"status": error.status_code, "message": error.message},
            status_code=error.status_code, headers=error_headers(error),
        )
    flash(request, N_("The topic was updated."), "success")
    return redirect(_permalink(db, viewer, topic_id, 1))


@router.get("/u/{username}/activity")
def activity(request: Request, username: str, db: SessionDep, page: Page = 1):
    """A member's topics and replies, limited to what the viewer may see."""
    member = accounts_queries.profile(db, username)
    if member is None:
        raise NotFound(N_("No member has this name."))
    result = activity_queries.member_activity(db, viewer_of(request), member.id, page)
    return render(request, "forum/activity.html", {"member": member, "result": result})
