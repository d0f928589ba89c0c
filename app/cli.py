"""The `hearth` command: serve, migrate, create-admin, version."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from alembic import command
from alembic.config import Config
from rich.console import Console

from app import __version__
from app.config import get_settings

ROOT = Path(__file__).resolve().parent.parent
cli = typer.Typer(help="Hearth: a self-hosted community forum with ambassador detection.", no_args_is_help=True)
console = Console()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for this checkout, pointed at the given (or configured) database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return config


def migrate_database(url: str | None = None) -> None:
    """Bring the database schema to the newest migration."""
    command.upgrade(alembic_config(url), "head")


@cli.command()
def migrate() -> None:
    """Apply every pending database migration."""
    migrate_database()
    console.print("[green]Database is up to date.[/green]")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (use PostgreSQL for more than one)."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="Run migrations before serving."),
) -> None:
    """Serve Hearth over HTTP."""
    import uvicorn

    if migrate_first:
        migrate_database()
    console.print(f"Hearth {__version__} on [bold]http://{host}:{port}[/bold]")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=False)


@cli.command("create-admin")
def create_admin(
    username: str = typer.Argument(..., help="Username of the new administrator."),
    email: str = typer.Argument(..., help="E-mail address of the new administrator."),
    password: str = typer.Option(None, help="Password (asked for when left out)."),
) -> None:
    """Create a verified administrator account (or make an existing account an admin)."""
    from app.accounts import admin

    settings = get_settings()
    if password is None:
        password = getpass.getpass("Password: ")
    try:
        outcome = admin.create_admin(settings, username=username, email=email, password=password)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{outcome} {username}[/green]")


@cli.command()
def version() -> None:
    """Print the Hearth version."""
    console.print(__version__)


def main() -> None:
    """Entry point of the `hearth` console script."""
    cli()
