"""Every SQL statement each list page issues, with its query plan and its time, on SQLite or PostgreSQL.

    .venv/bin/python bench/explain_pages.py [URL] [--out bench/plans/sqlite.txt]

Serves the pages in-process (anonymous visitor) against the database at URL (default:
HEARTH_DATABASE_URL), records the statements the app sends, and prints for each one
`EXPLAIN QUERY PLAN` (SQLite) or `EXPLAIN (ANALYZE, BUFFERS)` (PostgreSQL) and the best of 5 runs.
Pages: front page, /latest, /unanswered, /solved, the largest category (first page and a page half
way down by keyset), the most and the least used tag, the idea board, the largest topic's first and
last page. A plan line with "SCAN topic" (SQLite) or "Seq Scan on topic"/"Sort" (PostgreSQL) over
the whole table is what the indexes of migration 0013_performance exist to avoid.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, text  # noqa: E402

SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def pages(conn) -> list[str]:
    """The paths to explain, chosen from the data (largest category, tags, largest topic)."""
    from app.forum.lists import encode_cursor

    out = ["/", "/latest", "/unanswered", "/solved"]
    category = conn.execute(text("SELECT id, slug, topic_count FROM category ORDER BY topic_count DESC LIMIT 1")).first()
    if category:
        out.append(f"/c/{category.slug}")
        middle = conn.execute(text(
            "SELECT pinned, last_posted_at, id FROM topic WHERE category_id = :c "
            "ORDER BY pinned DESC, last_posted_at DESC, id DESC LIMIT 1 OFFSET :n"
        ), {"c": category.id, "n": max(0, category.topic_count // 2)}).first()
        if middle:
            from app.db import UTCDateTime

            at = middle.last_posted_at
            if isinstance(at, str):
                from datetime import datetime

                at = datetime.fromisoformat(at)
            at = UTCDateTime().process_result_value(at, None)
            out.append(f"/c/{category.slug}?after={encode_cursor(bool(middle.pinned), at, middle.id)}&page=2")
    tags = conn.execute(text("SELECT name FROM tag ORDER BY topic_count DESC, name")).scalars().all()
    out += [f"/tag/{name}" for name in tags[:1] + tags[-1:]]
    out.append("/ideas")
    topic = conn.execute(text("SELECT id, slug, highest_post_number FROM topic ORDER BY highest_post_number DESC LIMIT 1")).first()
    if topic:
        out += [f"/t/{topic.id}-{topic.slug}", f"/t/{topic.id}-{topic.slug}?page={-(-topic.highest_post_number // 20)}"]
    return out


def explain(raw, sqlite: bool, statement: str, parameters) -> tuple[list[str], float]:
    """The plan lines of one statement and its best time of 5 runs (ms)."""
    cursor = raw.cursor()
    if sqlite:
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = [("  " * _depth(row)) + row[-1] for row in _ordered(cursor.fetchall())]
    else:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = [row[0] for row in cursor.fetchall()]
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        cursor.execute(statement, parameters)
        cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    cursor.close()
    return plan, best * 1000


def _ordered(rows):
    return rows  # EXPLAIN QUERY PLAN rows come in tree order: (id, parent, notused, detail)


def _depth(row, cache={}) -> int:
    node, parent = row[0], row[1]
    cache[node] = cache.get(parent, -1) + 1 if parent else 0
    return cache[node]


def main() -> None:
    """Serve each page once to warm up, once recording statements; print every statement's plan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("HEARTH_DATABASE_URL"))
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=args.url, secret_key="explain-pages-only-0123456789abcdef"))
    engine = app.state.engine
    sqlite = engine.dialect.name == "sqlite"
    recorded: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, parameters, _context, _many):
        recorded.append((statement, parameters))

    lines = [f"# {'SQLite ' + engine.dialect.server_version_info.__str__() if sqlite else 'PostgreSQL'}: "
             f"statements and plans per page ({'EXPLAIN QUERY PLAN' if sqlite else 'EXPLAIN ANALYZE'})", ""]
    with engine.connect() as conn:
        paths = pages(conn)
    with TestClient(app) as client:
        for path in paths:
            client.get(path)
            recorded.clear()
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            statements = [(s, p) for s, p in recorded if not s.lstrip().upper().startswith(SKIP)]
            lines.append(f"## {path}  status {response.status_code}, {len(statements)} statements, "
                         f"{elapsed:.1f} ms in-process")
            raw = engine.raw_connection()
            try:
                for n, (statement, parameters) in enumerate(statements, 1):
                    plan, ms = explain(raw, sqlite, statement, parameters)
                    lines.append(f"{n}. {ms:.2f} ms  {' '.join(statement.split())[:400]}")
                    lines += ["     " + line for line in plan]
            finally:
                raw.close()
            lines.append("")
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(report + "\n")


if __name__ == "__main__":
    main()
