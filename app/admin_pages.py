"""The admin index (/admin): one page listing every management tool the viewer may use, grouped
by what it looks after, so staff reach them from the header instead of remembering addresses."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request

from app.accounts.auth import MemberDep
from app.ambassadors.permissions import can_see_candidates
from app.errors import Forbidden
from app.forum.permissions import can_moderate
from app.i18n import N_
from app.ideas.permissions import can_manage_areas
from app.insights.permissions import can_see_insights
from app.karma.permissions import can_change_karma_settings, can_review_karma_flags
from app.web import Viewer, render
from app.webhooks.permissions import can_manage_webhooks

router = APIRouter()


@dataclass(frozen=True)
class Tool:
    """One link on the admin index: where it goes, its name and one line on what it is for."""

    url: str
    name: str
    summary: str


def tool_groups(viewer: Viewer) -> list[tuple[str, list[Tool]]]:
    """The tools this viewer may open, in groups; groups without a usable tool are left out."""
    groups = [
        (N_("Moderation"), [
            (can_moderate(viewer), Tool("/mod/flags", N_("Flags"), N_("Posts members flagged, to keep or hide."))),
            (can_review_karma_flags(viewer), Tool("/mod/karma-flags", N_("Voting flags"), N_("Serial voting and voting rings the daily job found."))),
        ]),
        (N_("Community"), [
            (can_see_candidates(viewer), Tool("/ambassadors", N_("Ambassador candidates"), N_("Members ranked by how much they help, with the reasons."))),
            (can_see_candidates(viewer), Tool("/ambassadors/invitations", N_("Invitations"), N_("Invitations to a role: open, accepted and declined."))),
            (can_see_candidates(viewer), Tool("/ambassadors/roles", N_("Community roles"), N_("Who holds which role, and a review of quiet holders."))),
            (can_see_candidates(viewer), Tool("/ambassadors/reengagement", N_("Re-engagement"), N_("Helpful members who went quiet, and notes to them."))),
            (can_see_insights(viewer), Tool("/admin/insights", N_("Community health"), N_("Questions, answers, response times and retention over time."))),
            (can_see_insights(viewer), Tool("/admin/insights/pipeline", N_("Ambassador pipeline"), N_("How members move from newcomer to ambassador."))),
        ]),
        (N_("Ideas"), [
            (can_manage_areas(viewer), Tool("/ideas/areas", N_("Idea areas"), N_("The areas ideas are filed under, and their categories."))),
        ]),
        (N_("Site settings"), [
            (viewer.is_admin, Tool("/admin/categories", N_("Manage categories"), N_("Create, edit and order categories and who may see them."))),
            (can_change_karma_settings(viewer), Tool("/admin/karma", N_("Karma settings"), N_("Turn leaderboards on or off and leave groups out."))),
            (viewer.is_admin, Tool("/admin/mail", N_("Outgoing e-mail"), N_("Queued, sent and failed messages, and the worker's jobs."))),
            (can_manage_webhooks(viewer), Tool("/admin/webhooks", N_("Webhooks"), N_("Addresses told about new topics, posts and more, with their deliveries."))),
        ]),
    ]
    return [(title, [tool for allowed, tool in tools if allowed]) for title, tools in groups if any(a for a, _ in tools)]


@router.get("/admin")
def admin_index(request: Request, viewer: MemberDep):
    """Every management tool the viewer may use; members without any get 403."""
    groups = tool_groups(viewer)
    if not groups:
        raise Forbidden(N_("Only staff can open the admin tools."))
    return render(request, "admin/index.html", {"groups": groups})
