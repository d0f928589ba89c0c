"""The `hearth` command: serve, migrate, create-admin, create-token, demo, import, score, backtest, worker, version."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from app import __version__
from app.config import get_settings
from app.cli_sentences import karma_sentence, worker_sentence
from app.migrate import migrate_database

cli = typer.Typer(help="Hearth: a self-hosted community forum with ambassador detection.", no_args_is_help=True)
console = Console()


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
    demo: bool = typer.Option(False, "--demo", help="Load the demo community first if the database is empty."),
) -> None:
    """Serve Hearth over HTTP."""
    import os
    import sys

    if migrate_first:
        migrate_database()
    if demo:
        _build_demo(only_if_empty=True)
    console.print(f"Hearth {__version__} on [bold]http://{host}:{port}[/bold]")
    # Replace this process with uvicorn itself: its workers then start from uvicorn's small main module
    # instead of re-importing this CLI (Typer, Rich, Alembic: ~20 MiB per worker). Two malloc arenas
    # keep the thread pool from holding freed memory in one arena per thread (bench/serve_bench.py).
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.execv(sys.executable, [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", host, "--port", str(port),
        "--workers", str(workers), "--no-proxy-headers",
    ])


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


@cli.command("create-token")
def create_token(
    username: str = typer.Argument(..., help="The member the token acts as."),
    name: str = typer.Option("cli", "--name", help="A name that tells the token apart on the member's preferences page."),
) -> None:
    """Create a personal API token for a member and print it (members can also make one under Preferences)."""
    from app.accounts import admin

    try:
        secret = admin.create_token(get_settings(), username=username, name=name)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    typer.echo(secret)


def _build_demo(*, only_if_empty: bool, seed: int = 7) -> None:
    from rich.table import Table

    from app import demo

    ctx = demo.build_into(get_settings(), seed=seed, only_if_empty=only_if_empty)
    if ctx is None:
        console.print("The database already has members, so the demo was not loaded. "
                      "Run `hearth demo --force` to add it anyway.")
        return
    table = Table(title="Demo community")
    table.add_column("what")
    table.add_column("how many", justify="right")
    for name, value in ctx.figures.items():
        table.add_row(name, f"{value:,}")
    console.print(table)
    username, password = ctx.admin_login
    console.print(f"Log in as [bold]{username}[/bold] with password [bold]{password}[/bold] (every demo member uses it).")


@cli.command("demo")
def demo_command(
    seed: int = typer.Option(7, help="Random seed; the same seed builds the same community."),
    force: bool = typer.Option(False, help="Add the demo even if the database already has members."),
) -> None:
    """Load a realistic demo community (about 300 members, 12 months of activity)."""
    migrate_database()
    _build_demo(only_if_empty=not force, seed=seed)


import_cli = typer.Typer(help="Import communities from other platforms.", no_args_is_help=True)
cli.add_typer(import_cli, name="import")


@import_cli.command("stackexchange")
def import_stackexchange_command(
    directory: Path = typer.Argument(..., help="Folder with the dump's Users.xml, Posts.xml, Votes.xml, ..."),
    site: str = typer.Option(None, "--site", help="Site name, e.g. beer (default: the folder's name)."),
) -> None:
    """Import a Stack Exchange data dump; running it again changes nothing."""
    from app.importers.stackexchange_cli import run_import

    migrate_database()
    raise typer.Exit(run_import(get_settings(), directory, site, console))


def _as_of(value: str | None):
    from datetime import datetime, timezone

    from app.db import utcnow

    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-01-31 (or 2025-01-31T12:00).") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@cli.command()
def score(
    as_of: str = typer.Option(None, "--as-of", help="Score as of this UTC date or time (default: now)."),
) -> None:
    """Run ambassador scoring: a new stored run with every member's scores, reasons and stage."""
    import json

    from rich.progress import Progress

    from app.ambassadors.service import run_scoring
    from app.db import make_engine, make_session_factory

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Progress(console=console, transient=True) as bar, make_session_factory(engine)() as session, session.begin():
            task = bar.add_task("Scoring: signals, history and models", total=2)
            run = run_scoring(session, settings, _as_of(as_of), trigger="cli", progress=lambda _step: bar.advance(task))
            bar.update(task, description="Scoring: storing scores", completed=2)
    finally:
        engine.dispose()
    quality = json.loads(run.quality)
    models = json.loads(run.models)
    console.print(f"[green]Scoring run {run.id}[/green]: {run.member_count:,} members as of {run.as_of:%Y-%m-%d %H:%M} UTC, "
                  f"{json.loads(run.timings)['total']:.2f} s")
    for profile, info in models.items():
        ndcg = quality.get(profile, {}).get("ndcg@25")
        how = {"learned": "learned", "prior": "shared weights"}.get(info.get("source"), "learned" if info["trained"] else "default weights")
        console.print(f"  {profile:<11} {how:<16} backtest NDCG@25: {ndcg if ndcg is not None else 'n/a'}")


@cli.command()
def backtest(
    cutoff: str = typer.Option(None, "--cutoff", help="Score as of this date (YYYY-MM-DD), on the configured database."),
    horizon: int = typer.Option(None, "--horizon", min=1, help="Days after the cutoff that decide who really helped."),
    splits: Path = typer.Option(None, "--splits", exists=True, dir_okay=False, help="splits.json: {site: [[cutoff, horizon], ...]}; each site is imported into its own database."),
    data: Path = typer.Option(None, "--data", file_okay=False, help="Folder holding one Stack Exchange dump folder per site (default: the splits file's folder)."),
    cache: Path = typer.Option(Path("var/backtest-cache"), "--cache", file_okay=False, help="Where the imported site databases are kept and reused."),
    output: str = typer.Option("table", "--format", help="table or csv."),
    leave_one_site_out: bool = typer.Option(False, "--leave-one-site-out", help="With --splits: score each site with helper weights fitted on the other sites only."),
    fit_prior: bool = typer.Option(False, "--fit-prior", help="With --splits: print helper weights fitted on every listed site (for ambassadors/prior.py)."),
) -> None:
    """Backtest the scoring against baselines: one cutoff on this database, or every split of a splits file."""
    if splits is not None:
        _backtest_splits(splits, data or splits.parent, cache, output, leave_one_site_out, fit_prior)
        return
    if cutoff is None or horizon is None:
        raise typer.BadParameter("give --splits FILE, or both --cutoff and --horizon")
    from rich.progress import Progress
    from rich.table import Table

    from app.ambassadors import backtest as backtests
    from app.db import make_engine, make_session_factory

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with Progress(console=console, transient=True, disable=output == "csv") as bar, make_session_factory(engine)() as session:
            task = bar.add_task("Backtest: profiles and baselines", total=2)
            result = backtests.run(session, settings, _as_of(cutoff), horizon, progress=lambda _step: bar.advance(task))
    finally:
        engine.dispose()
    if output == "csv":
        typer.echo(backtests.as_csv(result), nl=False)
        return
    table = Table(title=f"Backtest at {result.cutoff:%Y-%m-%d}, horizon {horizon} days: pool {result.pool_size:,}, relevant {result.relevant:,}")
    for name in backtests.HEADER:
        table.add_column(name, justify="left" if name == "method" else "right")
    for row in result.rows:
        table.add_row(*row.cells())
    console.print(table)


def _backtest_splits(splits: Path, data: Path, cache: Path, output: str, leave_one_out: bool, fit_prior: bool) -> None:
    import csv
    import sys

    from rich.progress import Progress
    from rich.table import Table

    from app.importers import stackexchange_backtest as runner

    chosen = runner.read_splits(splits)
    settings = get_settings()
    steps = sum(len(items) + 1 for items in chosen.values()) + (len(chosen) if leave_one_out or fit_prior else 0)
    with Progress(console=Console(stderr=True), transient=True, disable=output == "csv") as bar:
        task = bar.add_task("Backtest", total=steps)

        def advance(label: str) -> None:
            bar.update(task, advance=1, description=f"Backtest: {label}")

        rows = runner.site_rows(chosen, data, cache, settings, advance) if leave_one_out or fit_prior else {}
        if fit_prior:
            console.print(repr(runner.fit_prior(rows)))
            return
        priors = {site: runner.fit_prior(rows, leave_out=site) for site in rows}
        outcomes = runner.run_splits(chosen, data, cache, settings, advance, prior_for=priors.get)
    header, rows = runner.table(outcomes)
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(title=f"Backtest NDCG@{runner.K} over {len(outcomes)} splits (ties ordered at random, exact expectation)")
    for name in header:
        table.add_column(name, justify="left" if name in ("split", "best baseline") else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@cli.command("karma-job")
def karma_job(
    as_of: str = typer.Option(None, "--as-of", help="Run as of this UTC date or time (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (for scripts)."),
) -> None:
    """Run the daily karma job: reverse serial voting and voting rings, flag them, award badges."""
    from app.db import make_engine, make_session_factory
    from app.karma import jobs

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            summary = jobs.job(session, _as_of(as_of), settings)
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps(summary, default=str))
        return
    console.print(karma_sentence(summary))


@cli.command("recompute-karma")
def recompute_karma() -> None:
    """Repair cached numbers: every member's karma from the ledger, every post's score from its votes."""
    from app.db import make_engine, make_session_factory
    from app.forum.votes import recompute_scores
    from app.karma.service import recompute_totals

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            members = recompute_totals(session)
            posts = recompute_scores(session)
    finally:
        engine.dispose()
    console.print(f"[green]Repaired[/green] karma of {members} members and the score of {posts} posts.")


@cli.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Run one pass (due jobs, then the outbox) and stop."),
    interval: int = typer.Option(60, min=1, help="Seconds between passes."),
    as_json: bool = typer.Option(False, "--json", help="Print each pass's summary as JSON (for scripts)."),
) -> None:
    """Send queued e-mail over SMTP and run the periodic jobs (karma, scoring, digest, re-engagement)."""
    from app.main import register_event_handlers
    from app.worker import run_forever

    register_event_handlers()  # jobs publish events that other domains handle
    run_forever(get_settings(), interval_seconds=interval, once=once, report=print if as_json else console.print,
                describe=(lambda summary: json.dumps(summary, default=str)) if as_json else worker_sentence,
                notice=(lambda line: print(line, file=sys.stderr)) if as_json else None)


insights_cli = typer.Typer(help="The health dashboard's daily roll-ups.", no_args_is_help=True)
cli.add_typer(insights_cli, name="insights")


@insights_cli.command("rebuild")
def insights_rebuild(
    since: str = typer.Option(None, "--since", help="Recompute from this UTC date (default: all history)."),
) -> None:
    """Recompute the dashboard's roll-ups from the raw rows (after an import, a restore or a repair)."""
    from rich.progress import Progress

    from app.db import make_engine, make_session_factory, utcnow
    from app.insights import rollups

    first = _as_of(since).date() if since else None
    engine = make_engine(get_settings().database_url)
    try:
        with Progress(console=console, transient=True) as bar, make_session_factory(engine)() as session:
            task = bar.add_task("Insights: recomputing days", total=None)
            days = rollups.rebuild(session, utcnow(), first, progress=lambda done, total: bar.update(task, completed=done, total=total),
                                   commit=session.commit)
            session.commit()
    finally:
        engine.dispose()
    console.print(f"Recomputed the insights roll-ups of {days:,} days{f' from {first:%Y-%m-%d}' if first else ''}.")


@cli.command()
def version() -> None:
    """Print the Hearth version."""
    console.print(__version__)


def main() -> None:
    """Entry point of the `hearth` console script."""
    cli()
