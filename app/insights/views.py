"""How insight figures read on a page and in a CSV: durations, shares, changes against the period before."""

from __future__ import annotations

import math

from app.i18n import Msg, N_


def duration(seconds: int | None) -> Msg | str:
    """'3 h 20 min', '45 min', '2 d 4 h' (rounded to whole minutes); '–' for none."""
    if seconds is None:
        return "–"
    minutes = int(seconds // 60 + (1 if seconds % 60 >= 30 else 0))
    if minutes < 60:
        return Msg(N_("%(m)s min"), m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return Msg(N_("%(h)s h %(m)s min"), h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return Msg(N_("%(d)s d %(h)s h"), d=days, h=hours)


def percent(value: float | None) -> str:
    """A share as a whole percentage ('–' when there is nothing to divide)."""
    return "–" if value is None else f"{math.floor(value * 100 + 0.5)}%"


def shown(value, unit: str):
    """A figure's value as the page prints it."""
    if value is None:
        return "–"
    if unit == "share":
        return percent(value)
    if unit == "seconds":
        return duration(value)
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "average":
        return f"{value:,.1f}"
    return f"{value:,}"


def change(value, previous, unit: str) -> str | None:
    """The change against the period before: '+12%' for counts, '+5 pts' for shares, None if unknown."""
    if value is None or previous is None:
        return None
    if unit in ("share", "ratio"):
        points = math.floor((value - previous) * 100 + 0.5)
        return f"{points:+d} pts"
    if unit == "seconds":
        if not previous:
            return None
        return f"{math.floor((value - previous) / previous * 100 + 0.5):+d}%"
    if not previous:
        return None
    return f"{math.floor((value - previous) / previous * 100 + 0.5):+d}%"


def csv_value(value, unit: str):
    """A figure as a CSV cell: shares as fractions with 4 decimals, the rest as numbers."""
    if value is None:
        return ""
    if unit in ("share", "ratio"):
        return f"{value:.4f}"
    return value
