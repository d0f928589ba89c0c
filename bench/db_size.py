"""What the database holds: size of every table and index, largest first, grouped by what it is for.

    .venv/bin/python bench/db_size.py [URL]        (default: HEARTH_DATABASE_URL)

SQLite: the `dbstat` virtual table (bytes in pages, and how much of them is unused); PostgreSQL:
pg_table_size / pg_indexes_size / pg_total_relation_size. Also prints what the post table's text
columns hold on average, the file (or database) size, and the share of each group.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

GROUPS = (
    ("search index", ("post_search",)),
    ("posts (source + rendered HTML)", ("post", "sqlite_autoindex_post_", "ix_post_", "uq_post_")),
    ("votes", ("post_vote", "ix_post_vote", "uq_post_vote", "sqlite_autoindex_post_vote")),
    ("karma ledger", ("karma_", "ix_karma", "sqlite_autoindex_karma")),
    ("topics", ("topic", "ix_topic", "sqlite_autoindex_topic", "uq_topic")),
    ("members", ("user_", "ix_user", "sqlite_autoindex_user", "uq_user")),
)


def group_of(name: str) -> str:
    """The group a table or index belongs to (longest matching prefix wins)."""
    best, length = "other", 0
    for group, prefixes in GROUPS:
        for prefix in prefixes:
            if name.startswith(prefix) and len(prefix) > length:
                best, length = group, len(prefix)
    return best


def sqlite_sizes(conn):
    """(name, kind, bytes, unused bytes) per table and index, from dbstat."""
    kinds = dict(conn.execute(text("SELECT name, type FROM sqlite_master")).all())
    rows = conn.execute(text(
        "SELECT name, sum(pgsize), sum(unused) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC"
    )).all()
    return [(name, kinds.get(name, "internal"), size, unused) for name, size, unused in rows]


def postgres_sizes(conn):
    """(name, kind, bytes, None) per table (heap + TOAST) and per index."""
    return conn.execute(text(
        "SELECT c.relname, CASE c.relkind WHEN 'i' THEN 'index' ELSE 'table' END, "
        "CASE c.relkind WHEN 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END, NULL "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm') ORDER BY 3 DESC"
    )).all()


def main() -> None:
    """Print the sizes of the database named on the command line or in HEARTH_DATABASE_URL."""
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HEARTH_DATABASE_URL", "sqlite:///./var/hearth.db")
    sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = create_engine(url)
    with engine.connect() as conn:
        sizes = sqlite_sizes(conn) if sqlite else postgres_sizes(conn)
        if sqlite:
            total = conn.scalar(text("PRAGMA page_count")) * conn.scalar(text("PRAGMA page_size"))
            free = conn.scalar(text("PRAGMA freelist_count")) * conn.scalar(text("PRAGMA page_size"))
        else:
            total = conn.scalar(text("SELECT pg_database_size(current_database())"))
            free = 0
        posts, source, html = conn.execute(text(
            "SELECT count(*), avg(length(body_source)), avg(length(body_html)) FROM post"
        )).one()
    engine.dispose()
    mib = 1024 * 1024
    print(f"database: {total / mib:,.1f} MiB ({'free pages %.1f MiB' % (free / mib) if sqlite else 'PostgreSQL'})")
    print(f"posts: {posts:,}; average characters: source {source or 0:,.0f}, rendered HTML {html or 0:,.0f}")
    print()
    print(f"{'table / index':40s} {'kind':8s} {'MiB':>9s} {'unused':>8s}  group")
    groups: dict[str, int] = {}
    for name, kind, size, unused in sizes:
        groups[group_of(name)] = groups.get(group_of(name), 0) + size
        if size >= 64 * 1024:
            slack = f"{unused / mib:8.1f}" if unused is not None else " " * 8
            print(f"{name:40s} {kind:8s} {size / mib:9.1f} {slack}  {group_of(name)}")
    print()
    print(f"{'group':40s} {'MiB':>9s} {'share':>6s}")
    for group, size in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"{group:40s} {size / mib:9.1f} {100 * size / max(total, 1):5.1f}%")


if __name__ == "__main__":
    main()
