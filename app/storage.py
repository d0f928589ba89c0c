"""Where uploaded files live: a small interface with a local folder behind it by default.

Names are content addresses (`<sha256>.<ext>`), so a stored file never changes and the same
bytes uploaded twice are one file. Another backend (an S3-compatible bucket) implements the same
five methods; see DESIGN.md, "Uploads".
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

NAME_RE = re.compile(r"^[0-9a-f]{64}\.(?:png|jpg|webp|gif|thumb\.webp)$")


class Storage(Protocol):
    """What uploads need from a place that keeps files."""

    def put(self, name: str, data: bytes) -> None:
        """Store data under name (idempotent: the same name always holds the same bytes)."""

    def get(self, name: str) -> bytes | None:
        """The stored bytes, or None when nothing is stored under name."""

    def delete(self, name: str) -> None:
        """Remove name; removing a missing name is not an error."""

    def exists(self, name: str) -> bool:
        """Whether something is stored under name."""

    def names_older_than(self, moment: datetime) -> Iterator[str]:
        """Stored names written before moment (for the sweep of files no upload row claims)."""


def _checked(name: str) -> str:
    if not NAME_RE.match(name):
        raise ValueError(f"not a storage name: {name!r}")
    return name


class LocalStorage:
    """Files in one folder, spread over two-character subfolders (`ab/abcdef….png`)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path_of(self, name: str) -> Path:
        """The file's path under the root."""
        return self.root / _checked(name)[:2] / name

    def put(self, name: str, data: bytes) -> None:
        """Write through a temporary file and rename, so a reader never sees half a file."""
        path = self.path_of(name)
        if path.exists():
            os.utime(path)  # written again now: the sweep of unclaimed files must spare it
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes | None:
        """The file's bytes, or None."""
        try:
            return self.path_of(name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        """Remove the file if it is there."""
        self.path_of(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        """Whether the file is there."""
        return self.path_of(name).exists()

    def names_older_than(self, moment: datetime) -> Iterator[str]:
        """Stored files last written before moment."""
        if not self.root.is_dir():
            return
        limit = moment.timestamp()
        for path in self.root.glob("??/*"):
            if NAME_RE.match(path.name) and path.stat().st_mtime < limit:
                yield path.name


def storage_for(settings) -> Storage:
    """The storage the settings choose (the local upload folder)."""
    return LocalStorage(settings.upload_dir)
