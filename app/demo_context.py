"""What the demo community's steps share: the seeded random source, the clock, and the cast."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PERSONAS = (
    "staff",  # admins, moderators, a manager and a product lead
    "helper",  # steady helpers who answer most questions
    "lapsed",  # former top contributors who stopped visiting months ago
    "asker",  # customers who mostly ask
    "regular",  # occasional participants
    "lurker",  # read, rarely write
    "ring",  # a few accounts that vote for each other (planted for the karma detector)
)


@dataclass
class DemoMember:
    """One member of the demo cast."""

    id: int
    username: str
    persona: str
    joined_at: datetime
    active_until: datetime
    roles: tuple[str, ...] = ()


@dataclass
class DemoContext:
    """State passed from step to step; every random choice comes from `rng`."""

    seed: int
    now: datetime
    months: int = 12
    rng: random.Random = field(init=False)
    members: list[DemoMember] = field(default_factory=list)
    category_ids: dict[str, int] = field(default_factory=dict)
    topic_ids: list[int] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    admin_login: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def start(self) -> datetime:
        """When the demo community's history begins."""
        return self.now - timedelta(days=30 * self.months)

    def cast(self, *personas: str) -> list[DemoMember]:
        """Members with any of the given personas, in creation order."""
        return [member for member in self.members if member.persona in personas]

    def active_at(self, when: datetime, *personas: str) -> list[DemoMember]:
        """Members of those personas who had joined and not yet lapsed at `when`."""
        return [m for m in self.cast(*personas) if m.joined_at <= when < m.active_until]

    def count(self, name: str, n: int = 1) -> None:
        """Add to a figure printed in the demo's summary."""
        self.figures[name] = self.figures.get(name, 0) + n
