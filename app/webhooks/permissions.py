"""Who may manage webhooks: admins only (an endpoint hears about content across the forum)."""

from __future__ import annotations

from app.web import Viewer


def can_manage_webhooks(viewer: Viewer) -> bool:
    """Admins register endpoints, read deliveries and their secrets."""
    return viewer.is_admin
