"""Streaming, validating reader for Stack Exchange dump files (Users.xml, Posts.xml, ...).

Every file is parsed with `iterparse`, one `<row>` at a time, and each row is checked against
the fields Hearth needs. Anything that breaks — malformed XML, a file that ends early, a missing
or unreadable required value — raises `DumpError` naming the file and the row, before a single
database write happens (the importer reads everything first).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


class DumpError(Exception):
    """A dump file that cannot be read: says which file, which row and what is wrong."""

    def __init__(self, file: str, row: int | None, message: str):
        self.file = file
        self.row = row
        self.message = message
        where = f"{file}, row {row}" if row is not None else file
        super().__init__(f"{where}: {message}")


def _int(value: str) -> int:
    return int(value)


def _date(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # Stack Exchange writes UTC without an offset.
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _text(value: str) -> str:
    return value


def _bool(value: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise ValueError(value)


PARSERS: dict[type, Callable[[str], object]] = {int: _int, datetime: _date, str: _text, bool: _bool}
KIND_WORDS = {int: "a whole number", datetime: "a date", str: "text", bool: "True or False"}


@dataclass(frozen=True)
class Field:
    """One attribute of a row: its name, type, and whether a row without it is broken."""

    name: str
    kind: type
    required: bool = False


@dataclass(frozen=True)
class FileSpec:
    """What one dump file looks like: its name, its root element and the fields Hearth reads."""

    name: str
    root: str
    fields: tuple[Field, ...]
    optional: bool = False


def _f(name: str, kind: type = str, required: bool = False) -> Field:
    return Field(name, kind, required)


SPECS: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            "Users",
            "users",
            (
                _f("Id", int, True),
                _f("Reputation", int, True),
                _f("CreationDate", datetime, True),
                _f("DisplayName"),
                _f("AboutMe"),
                _f("Location"),
                _f("WebsiteUrl"),
                _f("LastAccessDate", datetime),
            ),
        ),
        FileSpec(
            "Posts",
            "posts",
            (
                _f("Id", int, True),
                _f("PostTypeId", int, True),
                _f("CreationDate", datetime, True),
                _f("ParentId", int),
                _f("AcceptedAnswerId", int),
                _f("Score", int),
                _f("Body"),
                _f("OwnerUserId", int),
                _f("OwnerDisplayName"),
                _f("LastEditDate", datetime),
                _f("ClosedDate", datetime),
                _f("Title"),
                _f("Tags"),
                _f("ContentLicense"),
            ),
        ),
        FileSpec(
            "Comments",
            "comments",
            (
                _f("Id", int, True),
                _f("PostId", int, True),
                _f("Text", str, True),
                _f("CreationDate", datetime, True),
                _f("UserId", int),
                _f("UserDisplayName"),
                _f("ContentLicense"),
            ),
        ),
        FileSpec(
            "PostHistory",
            "posthistory",
            (
                _f("Id", int, True),
                _f("PostHistoryTypeId", int, True),
                _f("PostId", int, True),
                _f("CreationDate", datetime, True),
                _f("RevisionGUID"),
                _f("UserId", int),
                _f("Text"),
            ),
            optional=True,
        ),
        FileSpec(
            "Votes",
            "votes",
            (
                _f("Id", int, True),
                _f("PostId", int, True),
                _f("VoteTypeId", int, True),
                _f("CreationDate", datetime, True),
                _f("UserId", int),
                _f("BountyAmount", int),
            ),
        ),
        FileSpec(
            "Badges",
            "badges",
            (
                _f("Id", int, True),
                _f("UserId", int, True),
                _f("Name", str, True),
                _f("Date", datetime, True),
                _f("Class", int),
                _f("TagBased", bool),
            ),
        ),
        FileSpec("Tags", "tags", (_f("Id", int, True), _f("TagName", str, True)), optional=True),
        FileSpec("PostLinks", "postlinks", (_f("Id", int, True),), optional=True),
    )
}


def dump_path(directory: Path, name: str) -> Path | None:
    """The path of a dump file in a directory (Posts.xml or posts.xml), or None when absent."""
    for candidate in (f"{name}.xml", f"{name.lower()}.xml"):
        path = directory / candidate
        if path.is_file():
            return path
    return None


def _convert(spec: FileSpec, attributes: dict[str, str], row: int) -> dict:
    values: dict[str, object] = {}
    for field in spec.fields:
        raw = attributes.get(field.name)
        if raw is None or (raw == "" and field.kind is not str):
            if field.required:
                raise DumpError(f"{spec.name}.xml", row, _describe(attributes, f"{field.name} is missing"))
            values[field.name] = None
            continue
        try:
            values[field.name] = PARSERS[field.kind](raw)
        except (ValueError, OverflowError):
            raise DumpError(
                f"{spec.name}.xml",
                row,
                _describe(attributes, f"{field.name} {raw[:40]!r} is not {KIND_WORDS[field.kind]}"),
            ) from None
    return values


def _describe(attributes: dict[str, str], problem: str) -> str:
    source_id = attributes.get("Id")
    return f"(Id={source_id}) {problem}" if source_id is not None else problem


def _line_count(path: Path) -> int:
    with open(path, "rb") as handle:
        data = handle.read()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def read_rows(path: Path, spec: FileSpec, on_progress: Callable[[int], None] | None = None) -> Iterator[dict]:
    """Yield the typed rows of one dump file; raises DumpError naming the file and row on any fault.

    on_progress receives the number of bytes read so far, every few hundred rows.
    """
    label = f"{spec.name}.xml"
    count = 0
    with open(path, "rb") as handle:
        try:
            context = ET.iterparse(handle, events=("start", "end"))
            root_seen = False
            for event, element in context:
                if not root_seen:
                    root_seen = True
                    if element.tag != spec.root:
                        raise DumpError(label, None, f"expected a <{spec.root}> file, found <{element.tag}>")
                    continue
                if event != "end" or element.tag != "row":
                    continue
                count += 1
                yield _convert(spec, dict(element.attrib), count)
                element.clear()
                if on_progress is not None and count % 500 == 0:
                    on_progress(handle.tell())
        except ET.ParseError as error:
            line, column = error.position
            ends_early = line >= _line_count(path)
            what = "the file ends early (truncated?)" if ends_early else "the XML is malformed"
            raise DumpError(
                label,
                count + 1,
                f"{what} at line {line}, column {column}, after {count} good rows ({error})",
            ) from None
    if on_progress is not None:
        on_progress(path.stat().st_size)
