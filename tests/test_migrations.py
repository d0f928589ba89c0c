"""Migrations: every downgrade works, and the models match what the migrations build."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.migrate import alembic_config
from app.db import make_engine
from app.models import metadata

IGNORED_TABLES = {"alembic_version"}
ENV_PY = Path(__file__).resolve().parent.parent / "migrations" / "env.py"


def _env_include_name():
    """The include_name filter of migrations/env.py itself (env.py runs on import, so it is lifted out)."""
    import app.models

    tree = ast.parse(ENV_PY.read_text())
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "include_name")
    namespace = {"SEARCH_TABLE_PREFIX": app.models.SEARCH_TABLE_PREFIX}
    exec(compile(ast.Module(body=[function], type_ignores=[]), str(ENV_PY), "exec"), namespace)
    return namespace["include_name"]


include_name = _env_include_name()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {name for name in inspect(engine).get_table_names() if include_name(name, "table", {})}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(make_database):
    url = make_database()  # already at head
    config = alembic_config(url)
    at_head = _tables(url)
    assert {"user_account", "login_attempt", "user_visit", "email_outbox"} <= at_head

    command.downgrade(config, "base")
    assert _tables(url) - IGNORED_TABLES == set()

    command.upgrade(config, "head")
    assert _tables(url) == at_head


def test_each_migration_steps_down_and_up_again(make_database):
    url = make_database()
    config = alembic_config(url)
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())  # newest first
    for revision in revisions:
        command.downgrade(config, "-1")
        command.upgrade(config, revision.revision)


def test_migration_files_are_named_by_date_and_slug():
    import re

    config = alembic_config("sqlite://")
    for script in ScriptDirectory.from_config(config).walk_revisions():
        name = script.path.rsplit("/", 1)[-1]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_[a-z0-9_]+\.py", name), name


def test_models_match_the_migrations(make_database):
    url = make_database()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_name": include_name, "target_metadata": metadata},
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations differ:\n" + "\n".join(map(str, differences))
