"""The database schema's migrations: where they live and how to apply them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import get_settings

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for this checkout, pointed at the given (or configured) database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return config


def migrate_database(url: str | None = None) -> None:
    """Bring the database schema to the newest migration."""
    command.upgrade(alembic_config(url), "head")
