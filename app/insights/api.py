"""JSON API of insights: the same figures as the pages (managers and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.accounts.auth import MemberDep
from app.db import SessionDep
from app.i18n import translate
from app.insights import pipeline as pipeline_figures
from app.insights import queries, service
from app.insights.pages import category_of, check_manager
from app.insights.schemas import parse_period
from app.web import get_now, request_language, translations_for

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])


def _period(period) -> dict:
    return {"start": period.start.date().isoformat(), "end": period.last_day.isoformat(), "days": period.days,
            "previous_start": period.previous.start.date().isoformat(), "previous_end": period.previous.last_day.isoformat()}


@router.get("/health")
def health(request: Request, db: SessionDep, viewer: MemberDep, days: str = "", start: str = "", end: str = "", category: str = "") -> dict:
    """Health figures of a period (days=7|30|90|365 or start/end dates, optional category id)."""
    check_manager(viewer)
    period = parse_period(get_now(request), days, start, end)
    category_id = category_of(category, queries.categories(db))
    translations = translations_for(request_language(request))
    report = service.health(db, period, category_id, translations.gettext)
    return {
        "period": _period(period), "category": category_id,
        "figures": {f.key: {"section": f.section, "label": translate(translations, f.label), "value": f.value,
                            "previous": f.previous, "unit": f.unit} for f in report.figures},
        "charts": {c.key: {"title": c.title, "labels": c.labels, "series": {name: values for name, values in c.series}}
                   for c in report.charts},
        "top_contributors": [{"username": p.username, "accepted": p.accepted, "replies": p.replies} for p in report.contributors],
    }


@router.get("/pipeline")
def pipeline(request: Request, db: SessionDep, viewer: MemberDep, days: str = "365", start: str = "", end: str = "") -> dict:
    """The ambassador pipeline per role and month, journey stages per month, re-engagement returns."""
    check_manager(viewer)
    now = get_now(request)
    period = parse_period(now, days, start, end)
    figures = pipeline_figures.pipeline(db, request.app.state.settings, period, now)
    bands, overall, pending = figures.returns
    return {
        "period": _period(period),
        "roles": {role: {**{step: f.counts.get(step, 0) for step in pipeline_figures.STEPS},
                         "due_30": f.due_30, "due_90": f.due_90,
                         "rates": {step: f.rate(step) for step in pipeline_figures.STEPS[1:]},
                         "median_days_to_invite": f.median_days_to_invite, "median_days_to_accept": f.median_days_to_accept}
                  for role, f in figures.by_role.items()},
        "months": {m: {role: dict(c) for role, c in figures.by_month[m].items()} for m in figures.months},
        "journey": {"stages": [s for s, _n in figures.stages], "months": {m: c for m, c in figures.stage_months},
                    "moves": [{"month": m, "from": a, "to": b, "members": n} for m, a, b, n in figures.stage_moves]},
        "reengagement": {"bands": [r.__dict__ for r in bands], "overall": overall.__dict__, "in_window": pending},
    }
