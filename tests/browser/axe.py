"""axe-core in a real page: install it once with `npm install --prefix tests/browser/.axe axe-core@4`
(the folder is git-ignored); without it the accessibility checks are skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    """The axe-core script, or a skip (a failure when HEARTH_REQUIRE_BROWSER is set)."""
    if not AXE.exists():
        if os.environ.get("HEARTH_REQUIRE_BROWSER"):
            pytest.fail(f"axe-core is missing at {AXE}")
        pytest.skip("axe-core not installed (npm install --prefix tests/browser/.axe axe-core@4)")
    return AXE.read_text(encoding="utf-8")


def violations(page, source: str) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page, as 'rule: target' lines.

    Evaluated through the DevTools protocol, which the page's CSP does not govern (the site itself
    loads no inline script)."""
    page.evaluate(source)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)
