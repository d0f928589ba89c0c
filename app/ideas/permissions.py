"""Who may do what with ideas (pure functions used by pages, API and templates)."""

from __future__ import annotations

from app.web import Viewer

PRODUCT_ROLES = frozenset({"product", "admin"})


def can_change_status(viewer: Viewer) -> bool:
    """The product team (or an admin) sets statuses."""
    return bool(viewer.roles & PRODUCT_ROLES)


def can_merge(viewer: Viewer) -> bool:
    """The product team (or an admin) merges duplicates."""
    return can_change_status(viewer)


def can_manage_areas(viewer: Viewer) -> bool:
    """The product team (or an admin) creates idea areas."""
    return can_change_status(viewer)


def can_export(viewer: Viewer) -> bool:
    """The product team (or an admin) downloads the CSV export."""
    return can_change_status(viewer)


def can_vote(viewer: Viewer) -> bool:
    """Voting needs an account."""
    return viewer.is_authenticated
