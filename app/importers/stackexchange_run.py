"""State of one Stack Exchange import: the parsed dump, the id map, per-file figures, bulk inserts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.importers.models import ImportSource
from app.importers.stackexchange_content import site_host

CHUNK = 1000

Progress = Callable[[str, int], Callable[[int], None]]


def no_progress(_label: str, _total: int) -> Callable[[int], None]:
    """A progress reporter that shows nothing (tests, library use)."""
    return lambda _done: None


@dataclass
class FileStats:
    """What happened to the rows of one dump file."""

    read: int = 0
    imported: int = 0
    already: int = 0
    skipped: Counter = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count rows left out, with the reason a person reads in the summary."""
        self.skipped[reason] += count

    @property
    def skipped_total(self) -> int:
        """How many rows were left out for any reason."""
        return sum(self.skipped.values())


class ImportRun:
    """One import into one session: the dump's rows, the site's id map and the figures so far."""

    def __init__(self, session: Session, settings, site: str, dump: dict[str, list[dict]], now: datetime,
                 progress: Progress):
        self.session = session
        self.settings = settings
        self.site = site
        self.host = site_host(site)
        self.dump = dump
        self.now = now
        self.progress = progress
        self.stats: dict[str, FileStats] = {name: FileStats(read=len(rows)) for name, rows in dump.items()}
        self.ids: dict[tuple[str, int], int] = {}
        self._pending: list[dict] = []
        self.activity: set[tuple[int, date]] = set()
        self.new_post_ids: list[int] = []
        self.new_accepts: set[int] = set()
        self.category_id: int | None = None
        self.user_rows: dict[int, dict] = {row["Id"]: row for row in dump.get("Users", [])}
        for kind, source_id, target_id in session.execute(
            select(ImportSource.kind, ImportSource.source_id, ImportSource.target_id).where(ImportSource.site == site)
        ):
            self.ids[(kind, source_id)] = target_id

    def target(self, kind: str, source_id: int | None) -> int | None:
        """The Hearth id a source row of this kind became, in this run or an earlier one."""
        if source_id is None:
            return None
        return self.ids.get((kind, source_id))

    def remember(self, kind: str, source_id: int, target_id: int) -> None:
        """Record that a source row became a Hearth row (written with save_map)."""
        self.ids[(kind, source_id)] = target_id
        self._pending.append(
            {"site": self.site, "kind": kind, "source_id": source_id, "target_id": target_id, "imported_at": self.now}
        )

    def save_map(self) -> None:
        """Write the id map rows remembered since the last call."""
        self.insert(ImportSource, self._pending)
        self._pending = []

    def insert(self, model, rows: list[dict]) -> None:
        """Bulk INSERT (executemany) without reading anything back."""
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(model), rows[start:start + CHUNK])

    def insert_ids(self, model, rows: list[dict]) -> list[int]:
        """Bulk INSERT returning the new ids in the order of rows."""
        ids: list[int] = []
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        for start in range(0, len(rows), CHUNK):
            ids.extend(self.session.scalars(statement, rows[start:start + CHUNK]).all())
        return ids

    def user(self, source_user_id: int | None) -> int | None:
        """The Hearth member an imported Stack Exchange user id became."""
        return self.target("user", source_user_id)

    def name_of(self, source_user_id: int | None, fallback: str | None) -> str:
        """The display name to credit for a post or comment (CC BY-SA attribution)."""
        row = self.user_rows.get(source_user_id) if source_user_id is not None else None
        if row is not None and row["DisplayName"]:
            return row["DisplayName"]
        if fallback:
            return fallback
        return f"user{source_user_id}" if source_user_id is not None else "an anonymous user"

    def active(self, source_user_id: int | None, at: datetime | None) -> None:
        """Note a day on which a known member did something (for the derived visit rows)."""
        user_id = self.user(source_user_id)
        if user_id is not None and at is not None and source_user_id is not None and source_user_id >= 0:
            self.activity.add((user_id, at.date()))
