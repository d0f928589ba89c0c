"""Alembic environment: the URL comes from the caller (config attribute) or HEARTH_DATABASE_URL."""

from alembic import context

from app.config import get_settings
from app.db import UTCDateTime, make_engine
from app.models import SEARCH_TABLE_PREFIX, metadata

config = context.config


def run_migrations() -> None:
    """Run migrations on a given connection, or on a fresh engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def include_name(name, type_, parent_names) -> bool:
    """Leave the dialect-specific search tables (FTS5 shadow tables, tsvector table) alone."""
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIX))


def _render_item(type_, obj, autogen_context):
    """Write Hearth's UTC datetime type as the plain SQL type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `hearth migrate`.")
run_migrations()
