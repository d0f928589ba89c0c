"""`hearth backtest --splits FILE`: every listed Stack Exchange site imported into its own SQLite
database (kept in a cache folder and reused while the dump and the schema are unchanged), then the
backtest at each of the site's (cutoff, horizon) splits, gathered into one table."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from app.ambassadors import backtest, prior, scoring
from app.ambassadors.models import PROFILES
from app.db import make_engine, make_session_factory, utcnow
from app.importers.stackexchange import import_stackexchange
from app.migrate import MIGRATIONS_DIR, migrate_database

K = 25
METHODS = (*PROFILES, *backtest.BASELINES)


@dataclass(frozen=True)
class SplitOutcome:
    """One split's backtest: the site, the full result, and the helper against the best baseline."""

    site: str
    result: backtest.BacktestResult

    @property
    def best(self) -> backtest.BacktestRow:
        """The best baseline at this split (chosen after the fact)."""
        return self.result.best_baseline(K)

    @property
    def margin(self) -> float:
        """The helper profile's NDCG@25 minus the best baseline's."""
        return self.result.row("helper").ndcg[K] - self.best.ndcg[K]


def read_splits(path: Path) -> dict[str, list[tuple[datetime, int]]]:
    """{site: [(cutoff, horizon days)]} from a splits.json file."""
    raw = json.loads(Path(path).read_text())
    return {
        site: [(datetime.fromisoformat(day).replace(tzinfo=timezone.utc), int(horizon)) for day, horizon in items]
        for site, items in raw.items()
    }


def _fingerprint(directory: Path) -> str:
    """Names, sizes and times of the dump files plus the schema's newest migration."""
    parts = [f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in sorted(directory.glob("*.xml"))]
    parts += sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def site_database(directory: Path, cache: Path, settings) -> str:
    """URL of a SQLite database holding the site's dump, imported now unless the cache has it."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{directory.name}-{_fingerprint(directory)}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    partial_url = f"sqlite:///{partial}"
    migrate_database(partial_url)
    engine = make_engine(partial_url)
    try:
        with make_session_factory(engine)() as session:
            import_stackexchange(session, settings.model_copy(update={"database_url": partial_url}), directory, now=utcnow())
            session.commit()
    finally:
        engine.dispose()
    partial.rename(path)
    return url


def site_rows(sites, data: Path, cache: Path, settings, advance=lambda label: None) -> dict[str, tuple]:
    """Each site's prior training rows (features, labels; see prior.training_rows)."""
    rows = {}
    for site in sites:
        advance(f"rows {site}")
        url = site_database(Path(data) / site, cache, settings)
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                rows[site] = prior.training_rows(session, settings.model_copy(update={"database_url": url}))
        finally:
            engine.dispose()
    return rows


def fit_prior(rows: dict[str, tuple], leave_out: str | None = None) -> dict[str, float]:
    """Helper weights fitted on the pooled rows of every site but `leave_out`."""
    import numpy as np

    chosen = [value for site, value in rows.items() if site != leave_out]
    return scoring.fit_prior(np.vstack([x for x, _y in chosen]), np.concatenate([y for _x, y in chosen]), prior.PRIOR_SIGNALS)


def run_splits(splits, data: Path, cache: Path, settings, advance=lambda label: None, prior_for=lambda site: None) -> list[SplitOutcome]:
    """The backtest at every split, each site read from its own (cached) database; `prior_for(site)`
    gives other helper weights for a site (leave-one-site-out), None the shipped ones."""
    outcomes = []
    for site, items in splits.items():
        advance(f"import {site}")
        url = site_database(Path(data) / site, cache, settings)
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                for cutoff, horizon in items:
                    result = backtest.run(session, settings.model_copy(update={"database_url": url}), cutoff, horizon,
                                          prior=prior_for(site))
                    outcomes.append(SplitOutcome(site, result))
                    advance(f"{site} {cutoff:%Y-%m-%d}")
        finally:
            engine.dispose()
    return outcomes


def table(outcomes: list[SplitOutcome]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one per split, then the means (wins counted in the margin column)."""
    header = ["split", "pool", "relevant", *METHODS, "best baseline", "helper margin"]
    rows = []
    for o in outcomes:
        r = o.result
        rows.append([f"{o.site} {r.cutoff:%Y-%m-%d}/{r.horizon_days}", str(r.pool_size), str(r.relevant),
                     *[f"{r.row(m).ndcg[K]:.3f}" for m in METHODS], f"{o.best.method} {o.best.ndcg[K]:.3f}",
                     f"{o.margin:+.3f}"])
    if outcomes:
        count = len(outcomes)

        def mean(values) -> str:
            return f"{sum(values) / count:.3f}"

        wins = sum(1 for o in outcomes if o.margin > 0)
        rows.append([f"mean of {count}", "", "", *[mean([o.result.row(m).ndcg[K] for o in outcomes]) for m in METHODS],
                     mean([o.best.ndcg[K] for o in outcomes]),
                     f"{sum(o.margin for o in outcomes) / count:+.3f} ({wins} of {count} won)"])
    return header, rows
