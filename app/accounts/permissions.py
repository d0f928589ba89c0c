"""Pure permission checks about accounts."""

from __future__ import annotations

from app.accounts.models import STAFF_ROLES
from app.web import Viewer


def is_staff(viewer: Viewer) -> bool:
    """Moderators, managers and admins."""
    return bool(viewer.roles & STAFF_ROLES)


def can_manage_roles(viewer: Viewer) -> bool:
    """Only managers and admins grant or remove roles."""
    return bool(viewer.roles & {"manager", "admin"})
