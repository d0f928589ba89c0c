"""Time what a scoring run adds to compare each profile with the simple rules (ambassadors.honesty).

Builds the community of bench_scoring.py (20,000 members and 1,000,000 votes by default), times one
scoring computation (training.score) as the baseline, then the comparison at the backtest cutoff
(every simple rule's values, tie-aware figures for four profiles) and, for the worst case, the
rule values at the run's moment that re-rank every profile. Prints each and their ratio to the
scoring computation. Usage: python bench/bench_honesty.py [--members N] [--votes N] [--url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import text  # noqa: E402

from app.ambassadors import honesty, training  # noqa: E402
from app.migrate import migrate_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory  # noqa: E402
from bench_scoring import NOW, generate  # noqa: E402


def _timed(work):
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def main() -> None:
    """Build (or reuse) the generated database and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file in a temp folder)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='hearth-bench-')}/bench.db"
    migrate_database(url)
    settings = Settings(database_url=url, secret_key="bench")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        if not session.scalar(text("SELECT count(*) FROM post_vote")):
            generate(session, args.members, args.votes)
    with factory() as session:
        training.score(session, settings, NOW)  # warm the cache
        scoring, scored = _timed(lambda: training.score(session, settings, NOW))
        compare, honest = _timed(lambda: honesty.evaluate(session, settings, scored.evaluation))
        every = {profile: dict(info, ranked_by="answers") for profile, info in honest.items()}
        rerank, _values = _timed(lambda: honesty.rule_values_now(session, NOW, scored.snapshot.member_ids, every))
    engine.dispose()
    print(f"database:                 {engine.url.render_as_string(hide_password=True)}")
    print(f"scoring computation:      {scoring:8.3f} s  (training.score, the baseline)")
    print(f"compare with the rules:   {compare:8.3f} s  ({compare / scoring:.2f}x the baseline)")
    print(f"rule values to re-rank:   {rerank:8.3f} s  ({rerank / scoring:.2f}x the baseline; only when a profile loses)")
    ranked = ", ".join(f"{profile}: {info.get('ranked_by')}" for profile, info in honest.items())
    print(f"ranked by:                {ranked}")


if __name__ == "__main__":
    main()
