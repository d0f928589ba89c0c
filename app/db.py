"""Database engine, declarative base, and the request-scoped session with its one commit point."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import BigInteger, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

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


class Base(DeclarativeBase):
    """Declarative base for every Hearth model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default clock)."""
    return datetime.now(timezone.utc)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and working savepoints."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
        # recipe turns it off and emits BEGIN itself (see the "begin" listener below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


def is_sqlite(session_or_engine) -> bool:
    """True when the bound database is SQLite (for the few dialect-specific statements)."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory; objects stay readable after commit so templates can render them."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session: the one commit point (rolled back on error or a failed form)."""
    session: Session = request.app.state.session_factory()
    request.state.db = session
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
