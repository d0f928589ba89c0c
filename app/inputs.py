"""Rules for values members submit, shared by pages, API and services: ids that can name a row,
text without control characters."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from app.i18n import N_

# Ids are PostgreSQL `integer` columns; a larger number cannot name a row on either database.
MAX_ID = 2**31 - 1
# Far beyond any real list, small enough that page x page size stays a valid OFFSET everywhere.
MAX_PAGE = 100_000
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]  # an id inside a JSON body

# Names, titles and tags: every C0/C1 control, DEL, and the invisible bidi overrides.
_NAME_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTERS_MESSAGE = N_(
    "This field contains control characters (invisible or formatting characters); remove them and try again."
)


def has_control_characters(text: str) -> bool:
    """True when a name, title or tag holds a control or bidi-override character."""
    return bool(_NAME_CONTROLS.search(text))


def parse_id(value) -> int | None:
    """A submitted id as an int when it can name a row, else None.

    ASCII digits only: "²".isdigit() is True, yet int("²") fails.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value or "").strip()
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None
