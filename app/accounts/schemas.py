"""Pydantic shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class UserRead(BaseModel):
    """A member as the API shows them to themselves."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    created_at: datetime
    last_seen_at: datetime | None
    locale: str | None
    roles: list[str]

