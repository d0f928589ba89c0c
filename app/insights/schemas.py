"""The period a report covers (chosen length or custom dates) and the API shapes of the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from app.errors import ValidationFailed
from app.i18n import N_

PRESET_DAYS = (7, 30, 90, 365)
MAX_DAYS = 731
DAILY_UP_TO = 92  # longer periods are drawn in weekly points


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, whole days; `previous` is the period of the same length just before."""

    start: datetime
    end: datetime
    preset: int | None

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days

    @property
    def previous(self) -> "Period":
        """The period of the same length that ends where this one starts."""
        return Period(self.start - (self.end - self.start), self.start, self.preset)

    @property
    def step(self) -> timedelta:
        """Width of one chart point: a day, or a week for long periods."""
        return timedelta(days=1 if self.days <= DAILY_UP_TO else 7)

    @property
    def edges(self) -> list[datetime]:
        """Starts of the chart points, then the end."""
        points, moment = [], self.start
        while moment < self.end:
            points.append(moment)
            moment += self.step
        return points + [self.end]

    @property
    def last_day(self) -> date:
        """The last day the period includes."""
        return (self.end - timedelta(days=1)).date()

    def query(self) -> str:
        """The query string that chooses this period again."""
        if self.preset:
            return f"days={self.preset}"
        return f"start={self.start.date().isoformat()}&end={self.last_day.isoformat()}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _day(value: str, field: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = N_("Use a date like 2026-01-31.")
        return None


def parse_period(now: datetime, days: str | None = None, start: str | None = None, end: str | None = None) -> Period:
    """The period a request asks for: `days` (7, 30, 90, 365) ending with yesterday, or `start`..`end`
    (inclusive dates, neither after today); the default is the last 30 full days."""
    today = now.astimezone(timezone.utc).date()
    if start or end:
        errors: dict[str, str] = {}
        first = _day(start or "", "start", errors)
        last = _day(end or "", "end", errors)
        if first and last:
            if last > today:
                errors["end"] = N_("Choose an end date no later than today.")
            elif first > last:
                errors["start"] = N_("The start date must come before the end date.")
            elif (last - first).days + 1 > MAX_DAYS:
                errors["start"] = N_("Choose at most two years.")
        if errors:
            raise ValidationFailed(N_("Please correct the period."), detail=errors)
        return Period(_midnight(first), _midnight(last + timedelta(days=1)), None)
    length = 30
    if days not in (None, ""):
        # ASCII digits only: "²".isdigit() is True, yet int("²") fails.
        if not (str(days).isascii() and str(days).isdigit()) or int(days) not in PRESET_DAYS:
            raise ValidationFailed(N_("Choose a period of 7, 30, 90 or 365 days."), detail={"days": N_("Choose 7, 30, 90 or 365.")})
        length = int(days)
    end_at = _midnight(today)
    return Period(end_at - timedelta(days=length), end_at, length)
