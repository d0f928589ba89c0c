"""The member's avatar: upload (cleaned like every image) and removal, from the preferences page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from app.accounts import avatars
from app.accounts.pages import _own_account, _preferences_page
from app.db import SessionDep
from app.errors import AppError
from app.i18n import N_
from app.storage import storage_for
from app.web import flash, get_now, redirect

router = APIRouter()


@router.post("/u/{username}/avatar")
def upload_avatar(request: Request, username: str, db: SessionDep, avatar: Annotated[UploadFile | None, File()] = None):
    """Store the chosen image as the member's avatar; a refused file re-renders the page with why."""
    user = _own_account(request, db, username)
    settings = request.app.state.settings
    if avatar is None or not avatar.filename:
        error = AppError(N_("Choose an image file to upload."), status_code=422)
    else:
        try:
            data = avatar.file.read(settings.upload_max_file_bytes + 1)
            avatars.set_avatar(
                db, settings, storage_for(settings), user_id=user.id, data=data, filename=avatar.filename, now=get_now(request)
            )
        except AppError as refused:
            error = refused
        else:
            flash(request, N_("Your avatar is saved."), "success")
            return redirect(f"/u/{user.username}/preferences#avatar")
    return _preferences_page(
        request, db, user, errors={"avatar": error.message}, message=error.message, status_code=error.status_code
    )


@router.post("/u/{username}/avatar/remove")
def remove_avatar(request: Request, username: str, db: SessionDep):
    """Go back to the generated avatar."""
    user = _own_account(request, db, username)
    if avatars.remove_avatar(db, storage_for(request.app.state.settings), user.id):
        flash(request, N_("Your avatar is removed."), "success")
    return redirect(f"/u/{user.username}/preferences#avatar")
