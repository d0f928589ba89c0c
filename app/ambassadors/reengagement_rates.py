"""The return rate of re-engagement: the share of nudged members who visited within the return
window, beside the share of comparable members (same quiet band, same window, not nudged) from the
baseline written on each day a nudge was sent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from app.accounts.models import UserVisit
from app.ambassadors.reengagement import BANDS
from app.ambassadors.reengagement_models import Baseline, Nudge


@dataclass(frozen=True)
class ReturnRate:
    """Returns within the window, nudged against comparable members, for one band (or all)."""

    band: str
    nudged: int
    nudged_returned: int
    compared: int
    compared_returned: int

    @property
    def nudged_rate(self) -> float | None:
        """Share of nudged members who visited within the window."""
        return self.nudged_returned / self.nudged if self.nudged else None

    @property
    def compared_rate(self) -> float | None:
        """Share of comparable, not nudged members who visited within the same window."""
        return self.compared_returned / self.compared if self.compared else None


def return_rates(session: Session, now: datetime) -> tuple[list[ReturnRate], ReturnRate, int]:
    """Per band and overall, over windows already closed; plus how many nudges are still in their window."""
    today = now.date()
    returned_n = exists().where(UserVisit.user_id == Nudge.user_id, UserVisit.day >= Nudge.sent_on, UserVisit.day <= Nudge.window_end)
    nudged = {
        band: (int(total), int(back or 0))
        for band, total, back in session.execute(
            select(Nudge.band, func.count(Nudge.id), func.sum(case((returned_n, 1), else_=0)))
            .where(Nudge.window_end < today)
            .group_by(Nudge.band)
        )
    }
    returned_b = exists().where(UserVisit.user_id == Baseline.user_id, UserVisit.day >= Baseline.day, UserVisit.day <= Baseline.window_end)
    touched = exists().where(Nudge.user_id == Baseline.user_id, Nudge.sent_on >= Baseline.day, Nudge.sent_on <= Baseline.window_end)
    compared = {
        band: (int(total), int(back or 0))
        for band, total, back in session.execute(
            select(Baseline.band, func.count(), func.sum(case((returned_b, 1), else_=0)))
            .where(Baseline.window_end < today, ~touched)
            .group_by(Baseline.band)
        )
    }
    pending = session.scalar(select(func.count(Nudge.id)).where(Nudge.window_end >= today)) or 0
    rows = []
    for _, label in BANDS:
        n, nb = nudged.get(label, (0, 0))
        c, cb = compared.get(label, (0, 0))
        if n or c:
            rows.append(ReturnRate(label, n, nb, c, cb))
    overall = ReturnRate(
        "all", sum(r.nudged for r in rows), sum(r.nudged_returned for r in rows),
        sum(r.compared for r in rows), sum(r.compared_returned for r in rows),
    )
    return rows, overall, pending


def percent(value: float | None) -> str:
    """A share as a whole percentage for pages ('–' when there is nothing to compare)."""
    return "–" if value is None else f"{math.floor(value * 100 + 0.5)}%"
