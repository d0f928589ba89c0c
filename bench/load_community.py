"""Bulk-load a community in the neutral CSV format (bench/gen_community.py) into Hearth, fast.

    HEARTH_DATABASE_URL=sqlite:///var/bench.db .venv/bin/python bench/load_community.py DATA_DIR [--procs 2]

DATA_DIR holds users.csv, categories.csv, topics.csv, posts.csv, likes.csv and manifest.json.
Steps: `hearth migrate`; Markdown rendered by Hearth's own renderer in `--procs` worker processes
(cached on disk under --cache-dir, keyed by the posts file and the renderer's source); rows
written in bulk (SQLite: executemany in one transaction; PostgreSQL: COPY); every cached number
filled in SQL afterwards (bench/community_sql.py): topic counters, first responses, category and
tag counts, post scores, the karma ledger with its daily cap, member karma and last-seen; the
search index rebuilt once; then Hearth's drift checks must all come back empty.

Mapping: members are verified, share one argon2id hash of the manifest's password; categories are
public; topics in help-support, installation and bug-reports are questions; a like is an upvote.
Every topic gets one or two of 24 tags (deterministic, so tag pages have something to show).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing as mp
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

csv.field_size_limit(10 * 1024 * 1024)
QUESTION_CATEGORIES = {"help-support", "installation", "bug-reports"}
TAGS = ("wifi", "firmware", "battery", "display", "install", "upgrade", "backup", "docker", "linux", "windows",
        "macos", "api", "plugins", "themes", "performance", "security", "email", "search", "mobile", "i18n",
        "database", "cache", "config", "logging")


def log(message: str, started=[time.time()]) -> None:
    print(f"[load {time.time() - started[0]:7.1f}s] {message}", file=sys.stderr, flush=True)


def rows(data: str, name: str):
    with open(os.path.join(data, name), newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def stamp(iso: str, sqlite: bool) -> str:
    """'2025-03-01T12:34:56Z' as the database stores it (SQLite: SQLAlchemy's text format)."""
    return f"{iso[:10]} {iso[11:19]}.000000" if sqlite else iso


def topic_tags(topic_id: int) -> list[int]:
    """Tag ids (1-based) of a topic: one for every topic, a second for every third one."""
    first = (topic_id * 7) % len(TAGS)
    second = (topic_id * 11 + 5) % len(TAGS)
    return [first + 1] + ([second + 1] if topic_id % 3 == 0 and second != first else [])


# ---------------------------------------------------------------- rendering in worker processes


def _render(items):
    from app.forum import markdown, search

    return [(post_id, html, search.plain_text(html)) for post_id, html in
            ((post_id, markdown.render(body)) for post_id, body in items)]


def rendered(data: str, cache_dir: str, procs: int) -> sqlite3.Connection:
    """A SQLite file (id, html, plain) of every post's rendering, reused while its inputs are unchanged."""
    key = hashlib.sha256()
    with open(os.path.join(data, "posts.csv"), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            key.update(block)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for module in ("app/forum/markdown.py", "app/forum/search.py"):
        with open(os.path.join(root, module), "rb") as handle:
            key.update(handle.read())
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"rendered-{key.hexdigest()[:20]}.sqlite3")
    if os.path.exists(path):
        log(f"rendering reused from {path}")
        return sqlite3.connect(path)
    started = time.time()
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    out = sqlite3.connect(tmp)
    out.execute("PRAGMA synchronous=OFF")
    out.execute("CREATE TABLE html (id INTEGER PRIMARY KEY, html TEXT NOT NULL, plain TEXT NOT NULL)")

    def chunks(size=1000):
        chunk = []
        for post in rows(data, "posts.csv"):
            chunk.append((int(post[0]), post[5]))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    done = 0
    with mp.get_context("fork").Pool(procs) as pool:
        for result in pool.imap_unordered(_render, chunks()):
            out.executemany("INSERT INTO html VALUES (?, ?, ?)", result)
            done += len(result)
    out.commit()
    out.close()
    os.replace(tmp, path)
    log(f"rendered {done} posts in {procs} processes: {time.time() - started:.0f} s")
    return sqlite3.connect(path)


# ---------------------------------------------------------------- loading


def load(url: str, data: str, cache_dir: str, procs: int) -> dict:
    """Load DATA into the database at URL; returns the seconds each step took."""
    from app.migrate import migrate_database
    from app.config import Settings
    from app.forum.service import topic_slug
    from app.security import hash_password

    import community_sql
    from community_sql import Sink

    timings = {}
    started = time.time()
    manifest = json.load(open(os.path.join(data, "manifest.json")))
    migrate_database(url)
    timings["migrate"] = time.time() - started
    settings = Settings(database_url=url, secret_key="bulk-load-only-not-a-secret-0123456789")

    started = time.time()
    html = rendered(data, cache_dir, procs)
    timings["render"] = time.time() - started

    sink = Sink(url)
    sqlite = sink.sqlite
    started = time.time()
    password = hash_password(settings, manifest["password"])
    sink.insert("user_account", ({
        "id": int(u[0]), "username": u[1], "username_key": u[1].lower(), "display_name": u[3], "email": u[2],
        "email_key": u[2].lower(), "email_verified_at": stamp(u[4], sqlite), "password_hash": password,
        "created_at": stamp(u[4], sqlite),
    } for u in rows(data, "users.csv")))
    categories = list(rows(data, "categories.csv"))
    created = stamp(manifest["time_range"][0], sqlite)
    sink.insert("category", ({
        "id": int(c[0]), "slug": c[2], "name": c[1], "description": c[3], "position": int(c[4]),
        "visibility": "public", "created_at": created,
    } for c in categories))
    questions = {int(c[0]) for c in categories if c[2] in QUESTION_CATEGORIES}
    sink.insert("topic", ({
        "id": int(t[0]), "category_id": int(t[1]), "author_id": int(t[2]), "title": t[3], "slug": topic_slug(t[3]),
        "kind": "question" if int(t[1]) in questions else "discussion", "created_at": stamp(t[5], sqlite),
        "last_posted_at": stamp(t[5], sqlite), "last_poster_id": int(t[2]),
    } for t in rows(data, "topics.csv")))
    sink.insert("tag", ({"id": n, "name": name} for n, name in enumerate(TAGS, 1)))
    sink.insert("topic_tag", ({"topic_id": int(t[0]), "tag_id": tag} for t in rows(data, "topics.csv")
                              for tag in topic_tags(int(t[0]))))
    timings["insert_topics"] = time.time() - started
    log("members, categories, topics and tags written")

    started = time.time()
    bodies = html.execute("SELECT id, html FROM html ORDER BY id")
    sink.without_search_triggers(lambda: sink.insert("post", ({
        "id": int(p[0]), "topic_id": int(p[1]), "author_id": int(p[2]), "post_number": int(p[3]),
        "body_source": p[5], "body_html": _matching(bodies, int(p[0])), "created_at": stamp(p[4], sqlite),
    } for p in rows(data, "posts.csv"))))
    timings["insert_posts"] = time.time() - started
    log("posts written")

    started = time.time()
    sink.insert("post_vote", ({
        "id": n, "voter_id": int(v[1]), "post_id": int(v[0]), "value": 1,
        "created_at": stamp(v[2], sqlite), "updated_at": stamp(v[2], sqlite),
    } for n, v in enumerate(rows(data, "likes.csv"), 1)))
    timings["insert_votes"] = time.time() - started
    log("votes written")

    started = time.time()
    community_sql.fill_counters(sink, settings)
    timings["counters_sql"] = time.time() - started
    log("counters, ledger and karma filled in SQL")

    started = time.time()
    sink.search_index(html.execute("SELECT h.id, h.plain FROM html h ORDER BY h.id"))
    timings["search_index"] = time.time() - started
    started = time.time()
    sink.finish()
    timings["finish"] = time.time() - started
    html.close()
    log("committed; checking drift")
    started = time.time()
    community_sql.verify(url)
    timings["verify"] = time.time() - started
    return timings


def _matching(cursor, post_id: int) -> str:
    """The next rendered post from an id-ordered cursor (posts.csv is in id order too)."""
    row = cursor.fetchone()
    if row is None or row[0] != post_id:
        raise SystemExit(f"rendering cache out of step at post {post_id}")
    return row[1]


def main() -> None:
    """Command line: load DATA_DIR into HEARTH_DATABASE_URL and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--cache-dir", default=os.path.join("var", "bench-cache"))
    parser.add_argument("--url", default=os.environ.get("HEARTH_DATABASE_URL"))
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("set HEARTH_DATABASE_URL or pass --url")
    total = time.time()
    timings = load(args.url, args.data, args.cache_dir, args.procs)
    print(json.dumps({"seconds": {k: round(v, 1) for k, v in timings.items()}, "total": round(time.time() - total, 1)}))


if __name__ == "__main__":
    main()
