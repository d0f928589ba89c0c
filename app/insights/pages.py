"""HTML pages and CSV downloads of insights: /admin/insights (health) and /admin/insights/pipeline."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.auth import MemberDep
from app.ambassadors.models import PROFILES
from app.db import SessionDep
from app.errors import Forbidden, ValidationFailed
from app.i18n import N_, translate
from app.inputs import parse_id
from app.insights import pipeline as pipeline_figures
from app.insights import queries, service, views
from app.insights.charts import render_svg
from app.insights.permissions import can_see_insights
from app.insights.schemas import PRESET_DAYS, parse_period
from app.web import Viewer, get_now, render, request_language, translations_for

router = APIRouter()


def check_manager(viewer: Viewer) -> Viewer:
    """Insights are for community managers and admins."""
    if not can_see_insights(viewer):
        raise Forbidden(N_("Only community managers and admins can see insights."))
    return viewer


def category_of(value: str | None, categories: list[tuple[int, str]]) -> int | None:
    """The category filter's id, or a clear error for one that does not exist."""
    if value in (None, ""):
        return None
    category_id = parse_id(value)
    if category_id not in {cid for cid, _ in categories}:
        raise ValidationFailed(N_("Choose one of the listed categories."), detail={"category": N_("There is no such category.")})
    return category_id


def request_period(request: Request, db, *, days, start, end, category):
    """(period, category id, categories, errors, message) from the query string; bad input falls
    back to the default period."""
    now = get_now(request)
    categories = queries.categories(db) if category is not None else None
    try:
        period = parse_period(now, days, start, end)
        category_id = category_of(category, categories or [])
        return period, category_id, categories, {}, None
    except ValidationFailed as error:
        return parse_period(now), None, categories, error.detail or {}, error.message


@router.get("/admin/insights")
def health_page(request: Request, db: SessionDep, viewer: MemberDep, days: str = "", start: str = "", end: str = "",
                category: str = ""):
    """The community health dashboard for a period, compared with the period before."""
    check_manager(viewer)
    period, category_id, categories, errors, message = request_period(request, db, days=days, start=start, end=end, category=category)
    translations = translations_for(request_language(request))
    report = service.health(db, period, category_id, translations.gettext, categories)
    return render(request, "insights/health.html", {
        "report": report, "charts": [(chart, render_svg(chart)) for chart in report.charts], "sections": service.SECTIONS,
        "presets": PRESET_DAYS, "errors": errors, "message": message, "views": views,
        "entered": {"start": start, "end": end, "category": category}, "now": get_now(request),
    }, status_code=422 if errors else 200)


def _csv(rows: list[list], name: str, request: Request) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    stamp = get_now(request).strftime("%Y-%m-%d")
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


@router.get("/admin/insights/health.csv")
def health_csv(request: Request, db: SessionDep, viewer: MemberDep, days: str = "", start: str = "", end: str = "",
               category: str = "", points: str = ""):
    """The dashboard's figures (or, with points=1, every chart point) as CSV."""
    check_manager(viewer)
    period = parse_period(get_now(request), days, start, end)
    category_id = category_of(category, queries.categories(db))
    translations = translations_for(request_language(request))
    report = service.health(db, period, category_id, translations.gettext)
    if points:
        rows = [["chart", "series", "point", "value"]]
        for chart in report.charts:
            for series_name, values in chart.series:
                rows += [[chart.key, series_name, label, "" if v is None else v] for label, v in zip(chart.labels, values)]
        return _csv(rows, "insights-points", request)
    rows = [["section", "figure", "label", "value", "previous", "period_start", "period_end"]]
    for figure in report.figures:
        rows.append([figure.section, figure.key, translate(translations, figure.label),
                     views.csv_value(figure.value, figure.unit), views.csv_value(figure.previous, figure.unit),
                     period.start.date().isoformat(), period.last_day.isoformat()])
    return _csv(rows, "insights-health", request)


@router.get("/admin/insights/pipeline")
def pipeline_page(request: Request, db: SessionDep, viewer: MemberDep, days: str = "365", start: str = "", end: str = ""):
    """Suggested -> invited -> accepted -> active, the journey over time, and re-engagement returns."""
    check_manager(viewer)
    period, _category, _categories, errors, message = request_period(request, db, days=days, start=start, end=end, category=None)
    if errors and not (start or end):
        period = parse_period(get_now(request), "365")
    translations = translations_for(request_language(request))
    figures = pipeline_figures.pipeline(db, request.app.state.settings, period, get_now(request))
    charts = pipeline_figures.charts(figures, translations.gettext)
    return render(request, "insights/pipeline.html", {
        "report": figures, "period": period, "presets": PRESET_DAYS, "errors": errors, "message": message,
        "views": views, "profiles": PROFILES, "charts": [(chart, render_svg(chart)) for chart in charts],
        "entered": {"start": start, "end": end}, "steps": pipeline_figures.STEPS,
    }, status_code=422 if errors else 200)


@router.get("/admin/insights/pipeline.csv")
def pipeline_csv(request: Request, db: SessionDep, viewer: MemberDep, days: str = "365", start: str = "", end: str = ""):
    """The pipeline per role and month as CSV."""
    check_manager(viewer)
    period = parse_period(get_now(request), days, start, end)
    figures = pipeline_figures.pipeline(db, request.app.state.settings, period, get_now(request))
    rows = [["month", "role", *pipeline_figures.STEPS]]
    for month in figures.months:
        for role, counts in sorted(figures.by_month[month].items()):
            rows.append([month, role, *(counts.get(step, 0) for step in pipeline_figures.STEPS)])
    for role, funnel in figures.by_role.items():
        rows.append(["all", role, *(funnel.counts.get(step, 0) for step in pipeline_figures.STEPS)])
    return _csv(rows, "insights-pipeline", request)
