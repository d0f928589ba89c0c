"""The terminal side of `hearth import stackexchange`: progress bars, one commit, the summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.db import make_engine, make_session_factory, utcnow
from app.importers.stackexchange import ImportProblem, ImportReport, import_stackexchange
from app.importers.stackexchange_reader import DumpError
from app.insights import rollups

CORRELATION_REQUIRED = 0.95


def run_import(settings, directory: Path, site: str | None, console: Console) -> int:
    """Import one dump in one transaction and print the summary; returns the process exit code."""
    engine = make_engine(settings.database_url)
    session = make_session_factory(engine)()
    try:
        with Progress(
            TextColumn("{task.description:<28}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
            console=console, transient=False,
        ) as bars:

            def progress(label: str, total: int):
                task = bars.add_task(label, total=max(total, 1))
                return lambda done: bars.update(task, completed=done)

            report = import_stackexchange(session, settings, directory, site=site, now=utcnow(), progress=progress)
            session.commit()
            # The dump's history is dated in the past, behind the roll-up upkeep's back.
            rebuilding = bars.add_task("Insights roll-ups", total=None)
            rollups.rebuild(session, utcnow(), progress=lambda done, total: bars.update(rebuilding, completed=done, total=total),
                            commit=session.commit)
            session.commit()
    except (DumpError, ImportProblem) as error:
        session.rollback()
        console.print(f"[red]Import stopped, nothing was saved: {error}[/red]")
        return 1
    finally:
        session.close()
        engine.dispose()
    print_report(report, console)
    return 0


def print_report(report: ImportReport, console: Console) -> None:
    """The summary table (read, imported, already there, skipped with reasons), speed and karma check."""
    table = Table(title=f"Stack Exchange import: {report.site}")
    for heading, justify in (("file", "left"), ("read", "right"), ("imported", "right"),
                             ("already imported", "right"), ("skipped", "right"), ("why skipped", "left")):
        table.add_column(heading, justify=justify)
    for name, stats in report.files.items():
        reasons = "\n".join(f"{count:,} {reason}" for reason, count in stats.skipped.most_common())
        table.add_row(f"{name}.xml", f"{stats.read:,}", f"{stats.imported:,}", f"{stats.already:,}",
                      f"{stats.skipped_total:,}", reasons)
    console.print(table)
    console.print(
        f"{report.rows_read:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)."
    )
    if report.correlation is None:
        console.print("Karma check: no imported member has karma, so there is nothing to compare.")
        return
    verdict = "[green]ok[/green]" if report.correlation >= CORRELATION_REQUIRED else "[red]below 0.95[/red]"
    console.print(
        f"Karma check: Pearson correlation of recomputed karma with the dump's Reputation over "
        f"{report.correlated_members:,} members with karma: {report.correlation:.4f} ({verdict}; "
        "Stack Exchange's +100 association bonus and unrecorded bounties are known differences)."
    )
