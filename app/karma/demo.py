"""Demo step of karma: run the daily anti-gaming and badge job once, as of the demo's `now`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.demo_context import DemoContext
from app.karma import jobs


def build(session: Session, settings, ctx: DemoContext) -> None:
    """The planted ring must be found and reversed here; honest heavy voters must not be."""
    summary = jobs.job(session, ctx.now, settings)
    ctx.count("karma rings found", len(summary["rings"]))
    ctx.count("serial-voting pairs found", summary["serial_pairs"])
    ctx.count("karma reversed", summary["karma_reversed"])
    ctx.count("badges awarded", summary["badges_awarded"])
    ctx.figures["ring accounts"] = len(ctx.cast("ring"))
