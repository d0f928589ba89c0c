"""The import rule of DESIGN.md §3.1, checked by walking app/ with ast.

core (config db errors error_pages migrate web security events mail i18n guard inputs openapi images storage
uploads) <- accounts <- forum <- ideas <- karma <- ambassadors <- insights <- webhooks. A domain may import core, itself, and a LOWER domain's queries, events,
permissions and models (models only for foreign keys and joins). Never upward. main, cli,
models and importers/ may import anything, and nothing else may import them. Imports inside
functions count exactly like module-level ones. No module may take part in an import circle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent / "app"

CORE = {"config", "db", "errors", "error_pages", "migrate", "web", "security", "events", "mail", "i18n", "demo_context", "idempotency", "guard", "inputs", "openapi", "images", "storage", "uploads", "security_headers"}
DOMAINS = ["accounts", "forum", "ideas", "karma", "ambassadors", "insights", "webhooks"]  # lowest first
COMPOSITION = {"main", "cli", "models", "importers", "demo", "worker", "worker_pages", "admin_pages", "privacy", "cli_sentences"}
LOWER_DOMAIN_PUBLIC = {"queries", "events", "permissions", "models"}
# Named exceptions to the rule, each with its reason.
EXTRA_ALLOWED = {
    # Who is asking (cookie session or bearer token) is request plumbing every domain's pages
    # and API need (MemberDep, require_member, current_user); it decides nothing about accounts.
    "app.accounts.auth": "request authentication dependency",
}


@dataclass(frozen=True)
class Place:
    """Where a module sits: core, a domain (with its layer), or a composition module."""

    kind: str  # core | domain | composition | package | unknown
    domain: str | None = None
    layer: int = -1
    part: str | None = None  # first component inside a domain (queries, service, ...)


def place_of(module: str) -> Place:
    """Classify a dotted app module name."""
    parts = module.split(".")
    if parts[0] != "app":
        raise ValueError(module)
    if len(parts) == 1:
        return Place("package")
    top = parts[1]
    if top in CORE:
        return Place("core", layer=0)
    if top in COMPOSITION:
        return Place("composition", layer=len(DOMAINS) + 1)
    if top in DOMAINS:
        return Place("domain", domain=top, layer=DOMAINS.index(top) + 1, part=parts[2] if len(parts) > 2 else None)
    if top == "locales":
        return Place("package")
    return Place("unknown")


def edge_problem(source: str, target: str) -> str | None:
    """Why importing target from source breaks the rule, or None when it is allowed."""
    here, there = place_of(source), place_of(target)
    if here.kind == "composition" or there.kind == "package":
        return None
    if here.kind == "unknown":
        return (
            f"{source} is not core, a domain or a composition module; place it in DESIGN.md §3 "
            "and in CORE or COMPOSITION of tests/test_architecture.py"
        )
    if there.kind == "unknown":
        return f"{target} is not core, a domain or a composition module (see DESIGN.md §3)"
    if there.kind == "composition":
        return f"only main/cli/models/importers may import {target}"
    if here.kind == "core":
        return None if there.kind == "core" else f"core module {source} imports domain module {target}"
    if there.kind == "core" or there.domain == here.domain:
        return None
    if there.layer > here.layer:
        return f"{here.domain} imports the higher domain {there.domain} ({target})"
    if target in EXTRA_ALLOWED or any(target.startswith(name + ".") for name in EXTRA_ALLOWED):
        return None
    if there.part in LOWER_DOMAIN_PUBLIC:
        return None
    return (
        f"{here.domain} may use only {sorted(LOWER_DOMAIN_PUBLIC)} of {there.domain}, "
        f"not {target}"
    )


def module_name(path: Path, root: Path = APP_DIR) -> str:
    """Dotted name of a file under app/."""
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(module: str, source: str, is_package: bool, known: set[str]) -> list[tuple[int, str]]:
    """(line, target) for every app import anywhere in the source, functions included."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                # `from app.accounts import service` imports the module app.accounts.service
                found.append((node.lineno, candidate if candidate in known else base))
    app_edges = {(line, target) for line, target in found if target == "app" or target.startswith("app.")}
    return sorted(app_edges)


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Every forbidden edge in {module: (source, is_package)}, as readable lines."""
    known = set(sources)
    problems = []
    for module, (source, is_package) in sorted(sources.items()):
        for line, target in imported_modules(module, source, is_package, known):
            if problem := edge_problem(module, target):
                problems.append(f"{module}:{line}: {problem}")
    return problems


def app_sources() -> dict[str, tuple[str, bool]]:
    """The source of every module under app/."""
    return {
        module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in sorted(APP_DIR.rglob("*.py"))
    }


def import_circle(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """One circle of imports between app modules (functions included), or [] when there is none."""
    known = set(sources)
    graph = {
        module: {target for _, target in imported_modules(module, source, is_package, known) if target in known and target != module}
        for module, (source, is_package) in sources.items()
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return []


def test_app_has_no_import_circles():
    circle = import_circle(app_sources())
    assert not circle, "modules that import each other in a circle: " + " -> ".join(circle)


def test_circle_checker_sees_a_circle_through_a_function_level_import():
    sources = {
        "app.web": ("from app import errors\n", False),
        "app.errors": ("def page():\n    from app.web import render\n", False),
        "app.db": ("from app.errors import AppError\n", False),
    }
    assert set(import_circle(sources)) == {"app.web", "app.errors"}
    assert import_circle({"app.db": ("from app.errors import AppError\n", False), "app.errors": ("", False)}) == []


def test_app_follows_the_import_rule():
    problems = violations(app_sources())
    assert not problems, "imports that break DESIGN.md §3 rule 1:\n" + "\n".join(problems)


def test_the_checker_sees_every_module():
    sources = app_sources()
    assert {"app.web", "app.accounts.service", "app.main"} <= set(sources)


def _check(**modules: str) -> list[str]:
    synthetic = {name.replace("__", "."): (text, False) for name, text in modules.items()}
    synthetic.update({name: ("", False) for name in (
        "app.web", "app.db", "app.accounts.service", "app.accounts.queries", "app.accounts.auth",
        "app.forum.moderation", "app.forum.queries", "app.ambassadors.scoring", "app.main",
    ) if name not in synthetic})
    return violations(synthetic)


def test_checker_flags_an_upward_import():
    assert _check(app__forum__service="from app.ambassadors import scoring\n") == [
        "app.forum.service:1: forum imports the higher domain ambassadors (app.ambassadors.scoring)"
    ]


def test_checker_flags_an_import_inside_a_function():
    problems = _check(app__accounts__service="def grant():\n    from app.forum.moderation import hide\n")
    assert len(problems) == 1 and problems[0].startswith("app.accounts.service:2:")


def test_checker_flags_a_lower_domains_private_module():
    problems = _check(app__ideas__service="from app.accounts import service\n")
    assert problems == [
        "app.ideas.service:1: ideas may use only ['events', 'models', 'permissions', 'queries'] "
        "of accounts, not app.accounts.service"
    ]


def test_checker_flags_core_importing_a_domain_and_anyone_importing_main():
    assert len(_check(app__web="import app.accounts.queries\n")) == 1
    assert len(_check(app__forum__pages="from app.main import create_app\n")) == 1
    assert len(_check(app__surprise="from app import web\n")) == 1


def test_checker_allows_what_the_rule_allows():
    assert _check(
        app__forum__service=(
            "from app.accounts.queries import members_by_id\n"
            "from app.accounts import queries\n"
            "from . import moderation\n"
            "from app.web import render\n"
            "from app.accounts.auth import MemberDep\n"
        ),
        app__main="from app.ambassadors import scoring\n",
        app__errors="def f():\n    from app.web import render\n",
    ) == []
