"""Database engine, declarative base, and the request-scoped session with its one commit point."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import BigInteger, DateTime, Engine, MetaData, Text, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from app.errors import ServiceBusy


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Hearth stores aware UTC datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class CompactText(TypeDecorator):
    """Text kept zlib-compressed on SQLite (rendered HTML shrinks by ~40 %); PostgreSQL stores it as text.

    Reading accepts both forms, so rows written before a column became compact stay readable. SQL
    cannot search inside the compressed value: use it only for text nobody filters on.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        return compact(value)

    def process_result_value(self, value, dialect):
        if isinstance(value, bytes):
            return zlib.decompress(value).decode()
        return value


def compact(value: str) -> bytes:
    """The stored form of a CompactText value on SQLite (bulk loaders that bypass the ORM use it)."""
    return zlib.compress(value.encode(), 6)


class Base(DeclarativeBase):
    """Declarative base for every Hearth model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default clock)."""
    return datetime.now(timezone.utc)


log = logging.getLogger("hearth")

# Execution options read by the SQLite "begin" listener (see DESIGN.md, "Transactions").
BEGIN_MODE = "hearth_begin"  # "immediate" (the default: the transaction may write) or "deferred" (reads only)
LOCK_WAIT = "hearth_lock_wait"  # seconds a write transaction waits for the write lock
BUSY_TIMEOUT_SECONDS = 30.0
BOOKKEEPING_WAIT_SECONDS = 2.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# PostgreSQL: deadlock_detected, serialization_failure, lock_not_available (a lock_timeout ran out).
RETRY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _process_write_lock(database: str) -> threading.Lock:
    # One lock per database file and process: threads of one worker queue here in Python instead
    # of polling SQLite's busy handler; other processes still wait in SQLite's own lock.
    key = str(Path(database).resolve()) if database and database != ":memory:" else ":memory:"
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def _locked_error() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def _release_write_lock(info: dict) -> None:
    lock = info.pop("hearth_write_lock", None)
    if lock is not None:
        lock.release()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout, working savepoints and
    write transactions that start with BEGIN IMMEDIATE behind a per-process lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS})
    write_lock = _process_write_lock(parsed.database or "")

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, record):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
        # recipe turns it off and emits BEGIN itself (see the "begin" listener below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect only on a new, empty file: 16 KiB pages hold 1-2 KB post rows with ~5 % slack
        # instead of ~20 % at the default 4 KiB (bench/db_size.py).
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        record.info["hearth_busy_ms"] = int(BUSY_TIMEOUT_SECONDS * 1000)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        options = conn.get_execution_options()
        if options.get(BEGIN_MODE) == "deferred":
            conn.exec_driver_sql("BEGIN")
            return
        # A transaction that may write takes the write lock before it reads anything, so it never
        # decides on a snapshot another writer has moved past ("database is locked" at the upgrade).
        wait = float(options.get(LOCK_WAIT, BUSY_TIMEOUT_SECONDS))
        if not write_lock.acquire(timeout=wait):
            raise _locked_error()
        conn.info["hearth_write_lock"] = write_lock
        try:
            busy_ms = int(wait * 1000)
            if conn.info.get("hearth_busy_ms") != busy_ms:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
                conn.info["hearth_busy_ms"] = busy_ms
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_write_lock(conn.info)
            raise

    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda conn: _release_write_lock(conn.info))
    # Safety nets: a connection that goes back to the pool or away never keeps the lock.
    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi_connection, connection_record, reset_state):
        _release_write_lock(connection_record.info)

    for name in ("checkin", "close"):
        event.listen(engine.pool, name, lambda _dbapi, record: _release_write_lock(record.info))
    event.listen(engine.pool, "invalidate", lambda _dbapi, record, _exc: _release_write_lock(record.info))

    return engine


def is_sqlite(session_or_engine) -> bool:
    """True when the bound database is SQLite (for the few dialect-specific statements)."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory; objects stay readable after commit so templates can render them."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session: the one commit point (rolled back on error or a failed form).

    The request starts in a read transaction (who is asking); unsafe methods end it once the
    viewer is known (`end_lookup`), so their own work starts as a write transaction.
    """
    factory = request.app.state.session_factory
    session: Session = factory()
    request.state.db = session
    begin_read(session)
    try:
        yield session
        if getattr(request.state, "rollback_only", False):
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    run_bookkeeping(request, factory)


def begin_read(session: Session) -> None:
    """Start the session's next transaction as a read: on SQLite a plain BEGIN, no write lock."""
    session.connection(execution_options={BEGIN_MODE: "deferred"})


def end_lookup(request: Request, session: Session) -> None:
    """After the viewer lookup: an unsafe request ends its read so its work begins as a write."""
    if request.method not in SAFE_METHODS:
        session.commit()


def bookkeep(request: Request, work: Callable[[Session], object]) -> None:
    """Queue a small write (visit, token use, read marks) to run after the request's transaction."""
    queued = getattr(request.state, "bookkeeping", None)
    if queued is None:
        queued = request.state.bookkeeping = []
    queued.append(work)


def run_bookkeeping(request: Request, factory) -> None:
    """Apply the queued bookkeeping in one short write transaction; on any failure drop it.

    A read must never fail because a busy forum could not note a visit, so the wait for the
    write lock is short and an error is logged, not raised.
    """
    queued = getattr(request.state, "bookkeeping", None)
    if not queued:
        return
    request.state.bookkeeping = []
    session: Session = factory()
    try:
        session.connection(execution_options={LOCK_WAIT: BOOKKEEPING_WAIT_SECONDS})
        if not is_sqlite(session):
            session.execute(text(f"SET LOCAL lock_timeout = '{int(BOOKKEEPING_WAIT_SECONDS * 1000)}ms'"))
        for work in queued:
            work(session)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("bookkeeping dropped on %s %s: %s", request.method, request.url.path, error)
    finally:
        session.close()


def is_transient(error: BaseException) -> bool:
    """True for errors that say 'busy, try again': SQLite's lock wait ran out, or a PostgreSQL
    deadlock, serialization failure or lock timeout."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(error.orig, sqlite3.OperationalError) and "is locked" in str(error.orig)


def retrying(session: Session, work: Callable[[], object], *, attempts: int = 3):
    """Run work(); after a PostgreSQL deadlock or serialization failure roll back and run it again.

    SQLite's "database is locked" is not retried: it comes only after the full busy timeout.
    """
    for attempt in range(attempts):
        try:
            return work()
        except DBAPIError as error:
            retryable = getattr(error.orig, "sqlstate", None) in RETRY_SQLSTATES
            if not retryable or attempt == attempts - 1:
                raise
            session.rollback()
    raise AssertionError("unreachable")


def write_or_busy(session: Session, work: Callable[[], object]):
    """`retrying(work)`, with a database that stays busy turned into ServiceBusy (503) so the
    caller can re-render its form with the member's text; the session is left in a read."""
    try:
        return retrying(session, work)
    except DBAPIError as error:
        if not is_transient(error):
            raise
        session.rollback()
        begin_read(session)
        raise ServiceBusy() from None


def lock_keys(session: Session, *keys: str) -> None:
    """Serialise transactions that decide a limit on the same keys until they end.

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so two callers never
    wait on each other crosswise. SQLite: nothing to do, every write transaction already holds
    the database's single write lock (BEGIN IMMEDIATE).
    """
    if is_sqlite(session):
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


# scope="function" runs the commit before the response is sent, so a failed commit is a 500
# and never a success page for work that was not saved.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def insert_ignore(session: Session, table, values: dict, conflict_columns: list[str]) -> bool:
    """INSERT that does nothing on a unique clash; True when a row was actually inserted."""
    if is_sqlite(session):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    # RETURNING, not rowcount: psycopg reports rowcount -1 for these INSERTs on PostgreSQL.
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(*[table.c[name] for name in conflict_columns])
    )
    return session.execute(statement).first() is not None


def bucket_index(column, edges):
    """SQL for how many of the ascending `edges` are <= `column`: row times fall into the buckets
    [edges[i-1], edges[i]) as the integer i, so one GROUP BY serves every window whose ends are
    edges. A balanced nested CASE: log2(len(edges)) comparisons per row, exact on every backend."""
    from sqlalchemy import case, literal

    def between(low: int, high: int):
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case((column >= edges[middle], between(middle + 1, high)), else_=between(low, middle))

    return between(0, len(edges))


def seconds_between(session: Session, later, earlier):
    """SQL for the whole seconds from `earlier` to `later`, in the bound database's dialect."""
    from sqlalchemy import Integer, cast, func

    if is_sqlite(session):
        return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400), Integer)
    return cast(func.extract("epoch", later - earlier), Integer)


def integer_rows(session: Session, statement) -> list[tuple[int, ...]]:
    """All rows of a statement whose columns are plain integers, as the driver's own tuples.

    Bulk reads (a vote table can hold millions of rows) skip building a Row object per row, which
    costs more than reading the rows themselves; integer columns need no result conversion.
    """
    result = session.connection().execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


class epoch_seconds(FunctionElement):  # noqa: N801 - used like a SQL function
    """Whole seconds since 1970-01-01 UTC of a timestamp column, as an integer on every backend."""

    inherit_cache = True
    type = BigInteger()


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"
