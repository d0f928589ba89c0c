"""What bench_scoring.py and bench_honesty.py share: the generated community's options, building
(or reusing) its database, and timing work as the best of several runs."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from app.migrate import migrate_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory  # noqa: E402


def community_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every scoring bench takes: community size, repeats and database."""
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed step (the best counts)")
    parser.add_argument("--url", default=None, help="database URL (default: a fresh SQLite file in a temp folder)")
    return parser


def open_community(args, generate):
    """Migrate the database, fill it with `generate(session, members, votes)` unless it holds votes
    already, and return (settings, engine, session factory)."""
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='hearth-bench-')}/bench.db"
    migrate_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        if not session.scalar(text("SELECT count(*) FROM post_vote")):
            started = time.perf_counter()
            generate(session, args.members, args.votes)
            print(f"generated {args.members:,} members and {args.votes:,} votes in {time.perf_counter() - started:.1f} s")
    return Settings(database_url=url, secret_key="bench"), engine, factory


def timed(work):
    """(seconds, result) of one call of `work`."""
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def best_of(work, repeat: int):
    """(best seconds, every run's seconds, the best run's result) over `repeat` calls of `work`."""
    runs = [timed(work) for _ in range(max(1, repeat))]
    seconds, value = min(runs, key=lambda run: run[0])
    return seconds, [run[0] for run in runs], value


def listed(seconds: list[float]) -> str:
    """Seconds as "0.123, 0.456"."""
    return ", ".join(f"{value:.3f}" for value in seconds)
