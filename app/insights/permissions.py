"""Who may open the insights pages: community managers and admins."""

from __future__ import annotations

from app.ambassadors.permissions import can_see_candidates
from app.web import Viewer


def can_see_insights(viewer: Viewer) -> bool:
    """The health dashboard and the pipeline: the same people who see ambassador candidates."""
    return can_see_candidates(viewer)
