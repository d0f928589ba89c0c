"""The README documents every HEARTH_* setting (and none that no longer exists).

Print the table rows for the current settings with:  .venv/bin/python -m tests.test_readme
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from app.cli import cli
from app.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
ROW_RE = re.compile(r"^\|\s*`(HEARTH_[A-Z0-9_]+)`\s*\|", re.M)
SPECIAL_DEFAULTS = {"secret_key": "random, kept in `var/secret_key`"}


def env_name(field: str) -> str:
    """The environment variable that sets a field."""
    return "HEARTH_" + field.upper()


def default_text(name: str, field) -> str:
    """A field's default as an operator would type it."""
    if name in SPECIAL_DEFAULTS:
        return SPECIAL_DEFAULTS[name]
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (list, dict)):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def settings_rows() -> list[str]:
    """One Markdown table row per setting, in declaration order."""
    return [
        f"| `{env_name(name)}` | {default_text(name, field)} | {field.description} |"
        for name, field in Settings.model_fields.items()
    ]


def test_every_setting_is_in_the_readme_table():
    documented = set(ROW_RE.findall(README.read_text(encoding="utf-8")))
    missing = [row for row in settings_rows() if row.split("`")[1] not in documented]
    assert not missing, "add these rows to the README's configuration table:\n" + "\n".join(missing)


def test_the_readme_table_has_no_stale_settings():
    documented = set(ROW_RE.findall(README.read_text(encoding="utf-8")))
    stale = documented - {env_name(name) for name in Settings.model_fields}
    assert not stale, f"the README documents settings that no longer exist: {sorted(stale)}"


def test_every_setting_is_described():
    undescribed = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not undescribed, f"settings without a description: {undescribed}"


def test_quick_start_has_exactly_two_commands():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    lines = [line for block in commands for line in block.strip().splitlines()]
    assert len(lines) == 2, lines
    assert "hearth serve" in lines[0] and "pytest" in lines[1]


COMMAND_ROW_RE = re.compile(r"^\|\s*`hearth ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", re.M)


def cli_commands() -> set[str]:
    """Every command `hearth --help` lists, with sub-commands as "group command"."""
    names = set()
    for name, command in typer.main.get_command(cli).commands.items():
        children = getattr(command, "commands", None)
        names |= {f"{name} {child}" for child in children} if children else {name}
    return names


def readme_commands() -> set[str]:
    """The commands in the README's table of the `hearth` command (the words before any argument)."""
    section = README.read_text(encoding="utf-8").split("## The `hearth` command", 1)[1].split("\n## ", 1)[0]
    found = set()
    for match in COMMAND_ROW_RE.finditer(section):
        words = match.group(1).split()
        found.add(" ".join(words) if " ".join(words) in cli_commands() else words[0])
    return found


def test_the_readme_lists_every_command_and_no_other():
    assert readme_commands() == cli_commands()


def test_the_readme_explains_the_api():
    text = README.read_text(encoding="utf-8")
    section = text.split("## API", 1)[1].split("\n## ", 1)[0]
    for needed in ("/api/docs", "Authorization: Bearer", "hearth create-token", "curl", "limit", "offset",
                   "next_offset", '"error"', '"detail"', "X-CSRF-Token"):
        assert needed in section, needed


if __name__ == "__main__":
    print("| Variable | Default | What it does |\n|---|---|---|")
    print("\n".join(settings_rows()))
