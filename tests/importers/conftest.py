"""Fixtures for importer tests: the hand-made mini dump, copies of it to break, table counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.importers.models import ImportSource
from app.importers.stackexchange import import_stackexchange
from app.models import metadata
from tests.conftest import START

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def run_import(db: Session, settings, directory: Path = MINI, **kwargs):
    """Import a dump folder into the test's transaction."""
    return import_stackexchange(db, settings, directory, now=START, **kwargs)


def table_counts(db: Session) -> dict[str, int]:
    """Rows in every table of the schema (the importer must leave them alone on a second run)."""
    db.flush()
    return {name: db.scalar(select(func.count()).select_from(table)) for name, table in metadata.tables.items()}


def target(db: Session, kind: str, source_id: int, site: str = "mini") -> int | None:
    """The Hearth id a source row became."""
    return db.scalar(
        select(ImportSource.target_id).where(
            ImportSource.site == site, ImportSource.kind == kind, ImportSource.source_id == source_id
        )
    )


@pytest.fixture
def imported(db, settings):
    """The mini dump imported into the test's transaction; yields the report."""
    return run_import(db, settings)


@pytest.fixture
def mini_copy(tmp_path) -> Path:
    """A writable copy of the mini dump, to break on purpose."""
    directory = tmp_path / "mini"
    shutil.copytree(MINI, directory)
    return directory
