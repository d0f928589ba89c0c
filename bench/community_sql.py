"""The bulk loader's database side: bulk writes (SQLite executemany, PostgreSQL COPY) and every
cached number of the loaded community filled in SQL, then Hearth's own drift checks."""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BATCH = 20000
CAP_NOTE = "Daily vote cap reached"
# The joined forms of a text's hyphenated words, as app.forum.search_terms.joined_compounds makes them.
JOINED = (
    "coalesce((SELECT string_agg(replace(m[1], '-', ''), ' ') "
    "FROM regexp_matches({}, '([[:alnum:]]+(?:-[[:alnum:]]+)+)', 'g') AS m), '')"
)


class Sink:
    """One transaction on SQLite (sqlite3) or PostgreSQL (psycopg COPY) over Hearth's tables."""

    def __init__(self, url: str):
        from app.models import metadata

        self.url = url
        self.tables = metadata.tables
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.sqlite:
            self.db = sqlite3.connect(make_url(url).database, isolation_level=None)
            for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-400000", "foreign_keys=OFF",
                           "temp_store=MEMORY"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.execute("BEGIN")
        else:
            self.engine = create_engine(url)
            self.raw = self.engine.raw_connection()
            self.db = self.raw.driver_connection
            self.db.autocommit = False
            # topic and post reference each other; the drift and key checks afterwards verify the rows
            self.db.execute("SET session_replication_role = replica")

    def _columns(self, name: str):
        table = self.tables[name]
        defaults = {}
        for column in table.columns:
            if column.default is not None and column.default.is_scalar:
                value = column.default.arg
                defaults[column.name] = int(value) if self.sqlite and isinstance(value, bool) else value
            else:
                defaults[column.name] = None
        return [column.name for column in table.columns], defaults

    def insert(self, name: str, items) -> None:
        """Write dict rows; columns left out take the model's scalar default (or NULL)."""
        from app.db import CompactText, compact as db_compact

        columns, defaults = self._columns(name)
        if self.sqlite:
            sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            # CompactText columns are stored compressed on SQLite, as the ORM writes them
            compact = {c.name for c in self.tables[name].columns if isinstance(c.type, CompactText)}
            stored = (lambda c, v: db_compact(v) if c in compact and isinstance(v, str) else v) if compact else None
            batch = []
            for item in items:
                values = (item.get(c, defaults[c]) for c in columns)
                batch.append(tuple(stored(c, v) for c, v in zip(columns, values)) if stored else tuple(values))
                if len(batch) == BATCH:
                    self.db.executemany(sql, batch)
                    batch = []
            if batch:
                self.db.executemany(sql, batch)
            return
        with self.db.cursor() as cursor:
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                for item in items:
                    copy.write_row([item.get(c, defaults[c]) for c in columns])

    def execute(self, sql: str, params: dict | None = None) -> None:
        """One statement in the load's transaction (named :params on both databases)."""
        if self.sqlite:
            self.db.execute(sql, params or {})
        else:
            import re

            self.db.execute(re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql), params or {})

    def without_search_triggers(self, write) -> None:
        """Run `write` with SQLite's per-row search triggers off; the index is rebuilt once afterwards."""
        if not self.sqlite:
            return write()
        saved = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'post' AND name LIKE 'post_search%'"
        ).fetchall()
        for name, _sql in saved:
            self.db.execute(f"DROP TRIGGER {name}")
        try:
            write()
        finally:
            for _name, sql in saved:
                self.db.execute(sql)

    def search_index(self, plain_rows) -> None:
        """SQLite: rebuild the external-content index; PostgreSQL: weighted tsvectors of the plain text."""
        if self.sqlite:
            self.db.execute("INSERT INTO post_search(post_search) VALUES('rebuild')")
            return
        with self.db.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE search_load (post_id integer PRIMARY KEY, body text)")
            with cursor.copy("COPY search_load (post_id, body) FROM STDIN") as copy:
                for row in plain_rows:
                    copy.write_row(row)
            cursor.execute(
                "INSERT INTO post_search (post_id, document) SELECT p.id, "
                "setweight(to_tsvector('english', CASE WHEN p.post_number = 1 THEN t.title || ' ' || "
                f"{JOINED.format('t.title')} ELSE '' END), 'A') "
                f"|| setweight(to_tsvector('english', s.body || ' ' || {JOINED.format('s.body')}), 'B') "
                "FROM search_load s JOIN post p ON p.id = s.post_id JOIN topic t ON t.id = p.topic_id ORDER BY p.id")
            cursor.execute("DROP TABLE search_load")

    def finish(self) -> None:
        """Commit; SQLite back to WAL with fresh statistics, PostgreSQL sequences moved on and analysed."""
        if self.sqlite:
            self.db.execute("COMMIT")
            self.db.execute("ANALYZE")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.close()
            return
        self.db.execute("SET session_replication_role = DEFAULT")
        for name in ("user_account", "category", "topic", "post", "post_vote", "karma_entry", "tag"):
            self.db.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
        self.db.commit()
        self.db.autocommit = True
        self.db.execute("VACUUM ANALYZE")
        self.raw.close()
        self.engine.dispose()


def fill_counters(sink: Sink, settings) -> None:
    """Every cached number the write paths keep, computed from the loaded rows in a few statements."""
    sqlite = sink.sqlite
    least, greatest = ("min", "max") if sqlite else ("least", "greatest")
    day = "substr(v.created_at, 1, 10)" if sqlite else "(v.created_at AT TIME ZONE 'UTC')::date"
    seconds = ("CAST(strftime('%s', p.created_at) AS INTEGER) - CAST(strftime('%s', topic.created_at) AS INTEGER)"
               if sqlite else "CAST(EXTRACT(EPOCH FROM p.created_at - topic.created_at) AS INTEGER)")
    true = "1" if sqlite else "TRUE"
    run = sink.execute
    run("UPDATE topic SET reply_count = s.n - 1, highest_post_number = s.hi, last_posted_at = s.last_at "
        "FROM (SELECT topic_id, count(*) AS n, max(post_number) AS hi, max(created_at) AS last_at "
        "FROM post GROUP BY topic_id) AS s WHERE s.topic_id = topic.id")
    run("UPDATE topic SET last_poster_id = (SELECT p.author_id FROM post p WHERE p.topic_id = topic.id "
        "ORDER BY p.post_number DESC LIMIT 1), first_response_post_id = (SELECT p.id FROM post p "
        "WHERE p.topic_id = topic.id AND p.post_number > 1 AND p.author_id <> topic.author_id "
        "ORDER BY p.post_number LIMIT 1)")
    run(f"UPDATE topic SET first_response_seconds = {greatest}(0, {seconds}) FROM post p "
        "WHERE p.id = topic.first_response_post_id")
    run("UPDATE category SET topic_count = (SELECT count(*) FROM topic WHERE topic.category_id = category.id)")
    run("UPDATE tag SET topic_count = (SELECT count(*) FROM topic_tag WHERE topic_tag.tag_id = tag.id)")
    run("UPDATE post SET score = s.n FROM (SELECT post_id, sum(value) AS n FROM post_vote GROUP BY post_id) AS s "
        "WHERE s.post_id = post.id")
    # The ledger: each upvote grants what is left of its author's daily cap (granted so far = the
    # running sum of wanted points, capped), exactly as karma's handler books it vote by vote.
    votes = (f"SELECT v.id, p.author_id, v.post_id, v.voter_id, v.created_at, {day} AS day, "
             "CASE WHEN p.post_number = 1 THEN :question ELSE :answer END AS wanted "
             "FROM post_vote v JOIN post p ON p.id = v.post_id")
    window = "OVER (PARTITION BY author_id, day ORDER BY created_at, id ROWS UNBOUNDED PRECEDING)"
    run("INSERT INTO karma_entry (id, user_id, delta, reason, source, source_id, post_id, actor_id, created_at, "
        "reverses_id, counts_toward_cap, flag_id, note) "
        f"SELECT id, author_id, granted - earlier, 'upvote', 'vote', post_id, post_id, voter_id, created_at, "
        f"NULL, {true}, NULL, CASE WHEN granted - earlier < wanted THEN :note ELSE '' END FROM ("
        f"SELECT *, {least}(:cap, sum(wanted) {window}) AS granted, "
        f"{least}(:cap, sum(wanted) {window} - wanted) AS earlier FROM ({votes}) AS w) AS g",
        {"question": settings.karma_upvote_question, "answer": settings.karma_upvote_answer,
         "cap": settings.karma_daily_vote_cap, "note": CAP_NOTE})
    run(f"INSERT INTO karma_cap_day (user_id, day, granted) SELECT author_id, day, {least}(:cap, sum(wanted)) "
        f"FROM ({votes}) AS w GROUP BY author_id, day",
        {"question": settings.karma_upvote_question, "answer": settings.karma_upvote_answer,
         "cap": settings.karma_daily_vote_cap})
    run("UPDATE user_account SET karma = COALESCE((SELECT sum(delta) FROM karma_entry k "
        "WHERE k.user_id = user_account.id), 0)")
    run(f"UPDATE user_account SET last_seen_at = (SELECT max(x) FROM ("
        "SELECT max(created_at) AS x FROM post WHERE post.author_id = user_account.id UNION ALL "
        "SELECT max(updated_at) FROM post_vote WHERE post_vote.voter_id = user_account.id) AS seen)")


def verify(url: str) -> None:
    """Hearth's own drift checks and a foreign-key scan must all come back empty, else the load fails."""
    from app.db import make_engine, make_session_factory
    from app.forum.counters import counter_drift
    from app.forum.votes import score_drift
    from app.karma.service import karma_drift
    from app.models import metadata

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        drift = {"counters": counter_drift(session), "scores": score_drift(session), "karma": karma_drift(session)}
        orphans = []
        for name in ("user_account", "topic", "post", "post_vote", "karma_entry", "karma_cap_day", "topic_tag"):
            for key in metadata.tables[name].foreign_keys:
                column, target = key.parent, key.column
                count = session.scalar(text(
                    f"SELECT count(*) FROM {name} t LEFT JOIN {target.table.name} r ON r.{target.name} = t.{column.name} "
                    f"WHERE t.{column.name} IS NOT NULL AND r.{target.name} IS NULL"))
                if count:
                    orphans.append((f"{name}.{column.name}", count))
        drift["foreign_keys"] = orphans
    engine.dispose()
    bad = {key: value[:5] for key, value in drift.items() if value}
    if bad:
        raise SystemExit(f"drift after load: {bad!r}")
