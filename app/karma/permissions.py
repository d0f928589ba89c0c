"""Who may see and change what in the karma domain (pure functions)."""

from __future__ import annotations

from app.web import Viewer


def can_review_karma_flags(viewer: Viewer) -> bool:
    """Moderators, managers and admins see the anti-gaming evidence."""
    return viewer.is_staff


def can_change_karma_settings(viewer: Viewer) -> bool:
    """Only admins turn leaderboards off or exclude groups."""
    return viewer.is_admin


def can_see_leaderboard(viewer: Viewer, enabled: bool) -> bool:
    """Leaderboards are for everyone while they are on; admins still see them when off."""
    return enabled or viewer.is_admin
