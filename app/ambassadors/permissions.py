"""Who may see ambassador scores: managers and admins see candidates; members see their own journey."""

from __future__ import annotations

from app.web import Viewer

MANAGING_ROLES = frozenset({"manager", "admin"})


def can_see_candidates(viewer: Viewer) -> bool:
    """Candidate lists, member signal history, the funnel and the backtest: managers and admins only."""
    return viewer.is_authenticated and bool(viewer.roles & MANAGING_ROLES)


def can_see_journey(viewer: Viewer, member_id: int) -> bool:
    """A member's journey page: the member themselves, or a manager or admin."""
    return viewer.is_authenticated and (viewer.id == member_id or can_see_candidates(viewer))
