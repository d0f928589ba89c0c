"""Images in posts: the upload endpoint the editor script calls, the images attached to a post
form without JavaScript, and serving stored images to those who may see them."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from app.db import SessionDep
from app.errors import AppError, NotFound
from app.forum.uploads import can_see_upload
from app.i18n import N_, Msg, translate
from app.storage import storage_for
from app.uploads import Upload, store_image, stored
from app.web import Viewer, get_now, request_language, translations_for, viewer_of

router = APIRouter()
FILE_NAME_RE = re.compile(r"^([0-9a-f]{64})\.(png|jpg|webp|gif|thumb\.webp)$")
# Served images can do nothing but be shown: no script, no plugin, no form, not even styles.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
NOT_FOUND = N_("This image does not exist or you may not see it.")


def _said(request: Request, message) -> str:
    return translate(translations_for(request_language(request)), message)


def _read(upload: UploadFile, settings) -> bytes:
    # One byte more than allowed is enough to know it is too large, without reading a huge body.
    return upload.file.read(settings.upload_max_file_bytes + 1)


def attach_images(request: Request, db, viewer: Viewer, files: list[UploadFile] | None, body: str) -> str:
    """Store the images sent with a post form (no JavaScript) and return the body with their
    Markdown appended; a refused image raises its AppError (the form re-renders with the text)."""
    chosen = [upload for upload in files or [] if upload.filename]
    if not chosen:
        return body
    settings = request.app.state.settings
    if len(chosen) > settings.upload_max_files_per_form:
        raise AppError(Msg("Attach at most %(count)s images at once.", count=settings.upload_max_files_per_form), status_code=422)
    storage, lines = storage_for(settings), []
    for upload in chosen:
        try:
            row = store_image(
                db, settings, storage, owner_id=viewer.id, data=_read(upload, settings), filename=upload.filename,
                purpose="post", now=get_now(request),
            )
        except AppError as error:
            error.message = Msg("%(file)s: %(problem)s", file=upload.filename[:80], problem=_said(request, error.message))
            raise
        lines.append(stored(row).markdown)
    return (body.rstrip() + "\n\n" if body.strip() else "") + "\n".join(lines)


@router.post("/uploads", include_in_schema=False)
def upload_image(request: Request, db: SessionDep, file: Annotated[UploadFile | None, File()] = None):
    """Upload one image from the editor (button, drop or paste); answers JSON with the Markdown."""
    from app.accounts.auth import require_member

    viewer = require_member(request)
    settings = request.app.state.settings
    if file is None or not file.filename:
        return JSONResponse({"error": "no_file", "detail": _said(request, N_("Choose an image file to upload."))}, status_code=422)
    try:
        row = store_image(
            db, settings, storage_for(settings), owner_id=viewer.id, data=_read(file, settings),
            filename=file.filename, purpose="post", now=get_now(request),
        )
    except AppError as error:
        request.state.rollback_only = True
        return JSONResponse({"error": error.code, "detail": _said(request, error.message)}, status_code=error.status_code)
    view = stored(row)
    return {"id": view.id, "url": view.url, "thumbnail_url": view.thumbnail_url, "markdown": view.markdown,
            "width": view.width, "height": view.height}


@router.get("/uploads/{name}", include_in_schema=False)
def serve_image(request: Request, name: str, db: SessionDep):
    """A stored image with its own type, nosniff and a CSP that forbids everything but showing it."""
    match = FILE_NAME_RE.match(name)
    if not match:
        raise NotFound(NOT_FOUND)
    sha, extension = match.groups()
    row = db.execute(
        select(Upload.content_type, Upload.extension, Upload.has_thumbnail).where(Upload.sha256 == sha).limit(1)
    ).first()
    known = row is not None and (extension == row.extension or (extension == "thumb.webp" and row.has_thumbnail))
    if not known or not can_see_upload(db, viewer_of(request), sha):
        raise NotFound(NOT_FOUND)
    data = storage_for(request.app.state.settings).get(name)
    if data is None:
        raise NotFound(NOT_FOUND)
    return Response(
        data,
        media_type="image/webp" if extension == "thumb.webp" else row.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": IMAGE_CSP,
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, max-age=86400",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
