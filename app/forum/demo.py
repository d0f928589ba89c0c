"""Demo step of the forum: categories and a year of questions, answers, follow-ups, accepted
answers and edits, written through the forum's own services in chronological order."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.demo_context import DemoContext, DemoMember
from app.forum import answers, categories, demo_text, editing, service
from app.forum.models import Post
from app.forum.queries import viewer_for
from app.web import Viewer

CATEGORIES = (
    ("announcements", "Announcements", "News from the Ember team.", "public", ()),
    ("getting-started", "Getting started", "New to Ember? Ask anything here.", "public", ()),
    ("installation", "Installation & wiring", "Wiring diagrams, heating systems and installers.", "public", ()),
    ("app-and-integrations", "App & integrations", "The Ember app, Home Assistant, Google Home and friends.", "public", ()),
    ("schedules-and-energy", "Schedules & energy", "Schedules, comfort and saving energy.", "public", ()),
    ("members-lounge", "Members' lounge", "Off-topic chat for registered members.", "members", ()),
    ("labs", "Labs", "Beta features and co-creation with the product team.", "groups", ("labs",)),
    ("staff-room", "Staff room", "Moderators and community managers only.", "groups", ("moderator", "manager")),
)
RECENT_SHAPES = 15  # half a front page
RECENT_TITLES = 200  # more than any list page shows, a category's included
# Who may start topics where not every member may: the team announces, members reply.
TOPIC_ACCESS = {"announcements": "staff"}
TAG_CATEGORY = {
    "wiring": "installation", "installation": "installation", "zones": "installation", "heat-pump": "installation",
    "schedules": "schedules-and-energy", "energy": "schedules-and-energy", "holiday": "schedules-and-energy",
    "comfort": "schedules-and-energy", "integrations": "app-and-integrations", "app": "app-and-integrations",
    "geofencing": "app-and-integrations", "accounts": "app-and-integrations",
}


@dataclass(order=True)
class Action:
    """One thing a member does at a moment of the demo's year."""

    at: datetime
    order: int
    kind: str = field(compare=False)  # topic | reply | accept | edit
    actor: DemoMember = field(compare=False)
    data: dict = field(compare=False, default_factory=dict)


class Planner:
    """Plans the year as a list of actions; the same seed gives the same plan."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = ctx.rng
        self.actions: list[Action] = []
        self.questions: list[tuple[datetime, int, DemoMember, demo_text.Question, dict]] = []
        # Months apart the same question may come back, as on a real forum; never within the last
        # RECENT_TITLES topics, and the last few dozen never share a phrasing ("X: set 19 °C", "X: set 21 °C").
        self.recent_titles: deque[str] = deque(maxlen=RECENT_TITLES)
        self.recent_shapes: deque[str] = deque(maxlen=RECENT_SHAPES)
        self.skipped = 0
        self.said: dict[int, set[str]] = {}  # texts already in each thread, so none is pasted twice

    def add(self, at: datetime, action: str, actor: DemoMember, **data) -> int:
        self.actions.append(Action(at, len(self.actions), action, actor, data))
        return len(self.actions) - 1

    def pick(self, at: datetime, weights: dict[str, float], exclude: DemoMember | None = None,
             roles: frozenset[str] | None = None) -> DemoMember | None:
        pool, pool_weights = [], []
        for persona, weight in weights.items():
            for member in self.ctx.active_at(at, persona):
                if member is not exclude and (roles is None or roles & set(member.roles)):
                    pool.append(member)
                    pool_weights.append(weight)
        return self.rng.choices(pool, pool_weights)[0] if pool else None

    def delay(self, median_hours: float) -> timedelta:
        return timedelta(minutes=max(4.0, self.rng.lognormvariate(math.log(median_hours * 60), 1.1)))

    def unique_title(self, kinds: list) -> tuple[object, str, dict] | None:
        """A kind, a title no recent topic has, and the slot values behind it (None when none is left)."""
        for _attempt in range(40):
            kind = self.rng.choice(kinds)
            values = demo_text.slot_values(self.rng)
            shape = self.rng.choice(kind.titles)
            title = shape.format(**values)
            title = title[:1].upper() + title[1:]
            if title not in self.recent_titles and shape not in self.recent_shapes:
                self.recent_titles.append(title)
                self.recent_shapes.append(shape)
                return kind, title, values
        self.skipped += 1
        return None

    def fresh(self, topic: int, texts) -> str | None:
        """One of the texts not yet said in this thread, or None."""
        unsaid = [text for text in texts if text not in self.said.get(topic, ())]
        return self.rng.choice(unsaid) if unsaid else None

    def reply(self, at: datetime, author: DemoMember, topic: int, text: str, values: dict) -> int:
        self.said.setdefault(topic, set()).add(text)
        # `source` is the text before its slots are filled: tests check that replies fit their topic.
        return self.add(at, "reply", author, topic=topic, body=demo_text.fill(self.rng, text, values), source=text)

    def question(self, at: datetime) -> None:
        asker = self.pick(at, {"asker": 6, "regular": 3, "lurker": 0.6, "ring": 0.5, "helper": 0.3})
        chosen = self.unique_title(demo_text.QUESTIONS) if asker is not None else None
        if chosen is None:
            return
        kind, title, values = chosen
        category = TAG_CATEGORY.get(kind.tags[0], "getting-started")
        topic = self.add(at, "topic", asker, title=title, body=demo_text.fill(self.rng, kind.body, values),
                         tags=list(kind.tags), topic_kind="question", category=category, subject=kind)
        self.questions.append((at, topic, asker, kind, values))
        if self.rng.random() < 0.12:
            return  # stays unanswered
        when = at
        answers = []
        for position in range(self.rng.choices([1, 2, 3, 4], [3, 4, 2, 1])[0]):
            when = when + self.delay(3 if position == 0 else 10)
            staff = self.rng.random() < 0.12
            author = self.pick(when, {"staff": 1} if staff else {"helper": 8, "lapsed": 6, "regular": 1.5, "ring": 0.8}, exclude=asker)
            if author is None or when >= self.ctx.now:
                continue
            # An answer to this very question first; then staff notes or "me too", never one text twice.
            text = self.fresh(topic, kind.answers)
            if text is None and staff:
                bug = {"bug", "firmware"} & set(kind.tags)
                text = self.fresh(topic, (demo_text.STAFF_BUG_NOTE,) if bug else demo_text.STAFF_NOTES)
            text = text or self.fresh(topic, demo_text.ME_TOO)
            if text is None:
                continue
            answers.append(self.reply(when, author, topic, text, values))
            if self.rng.random() < 0.08:
                self.add(when + timedelta(days=self.rng.randint(1, 3)), "edit", author, post=answers[-1])
        solved = True
        if answers and self.rng.random() < 0.5:
            when = when + self.delay(5)
            solved = self.rng.random() < 0.7
            text = self.fresh(topic, demo_text.FOLLOW_UPS if solved else demo_text.STILL_STUCK)
            self.reply(when, asker, topic, text, values)
        if answers and solved and self.rng.random() < 0.62:
            self.add(when + self.delay(2), "accept", asker, topic=topic, post=answers[0])  # the first answer fits the question

    def discussion(self, at: datetime, category: str = "getting-started", source=demo_text.DISCUSSIONS,
                   starters=None, repliers=None, roles: frozenset[str] | None = None) -> None:
        starter = self.pick(at, starters or {"regular": 4, "helper": 3, "staff": 1}, roles=roles)
        chosen = self.unique_title(source) if starter is not None else None
        if chosen is None:
            return
        kind, title, values = chosen
        topic = self.add(at, "topic", starter, title=title, body=demo_text.fill(self.rng, kind.body, values),
                         tags=list(kind.tags), topic_kind="discussion", category=category, subject=kind)
        texts = list(kind.replies) + list(demo_text.CHATTER)
        self.rng.shuffle(texts)
        when = at
        for text in texts[: self.rng.randint(2, len(texts))]:
            when = when + self.delay(8)
            author = self.pick(when, repliers or {"regular": 4, "helper": 3, "lurker": 1, "asker": 1}, roles=roles)
            if author is not None and when < self.ctx.now:
                self.reply(when, author, topic, text, values)

    def ring_activity(self) -> None:
        """The planted ring: in the last month its accounts answer often (and vote for each other)."""
        for member in self.ctx.cast("ring"):
            day = self.ctx.now - timedelta(days=30)
            while day < self.ctx.now - timedelta(hours=12):
                recent = [q for q in self.questions if day - timedelta(days=10) <= q[0] < day and q[2] is not member]
                if recent:
                    _at, topic, _asker, kind, values = self.rng.choice(recent)
                    text = self.fresh(topic, kind.answers) or self.fresh(topic, demo_text.ME_TOO)
                    if text is not None:
                        self.reply(day + timedelta(minutes=self.rng.randint(0, 600)), member, topic, text, values)
                day += timedelta(days=self.rng.choice([1, 2, 2, 3]))

    def plan(self) -> list[Action]:
        weeks = int((self.ctx.now - self.ctx.start).days // 7)
        for week in range(weeks):
            week_start = self.ctx.start + timedelta(weeks=week)
            for _ in range(self.rng.randint(8, 12) + week // 10):
                self.question(week_start + timedelta(minutes=self.rng.randint(0, 7 * 24 * 60 - 1)))
            if self.rng.random() < 0.5:
                self.discussion(week_start + timedelta(hours=self.rng.randint(0, 160)),
                                category=self.rng.choice(["getting-started", "members-lounge", "schedules-and-energy"]))
            if week % 8 == 3:
                self.discussion(week_start + timedelta(hours=30), "labs", demo_text.LABS_TOPICS,
                                starters={"staff": 1}, repliers={"helper": 3, "lapsed": 1, "staff": 1},
                                roles=frozenset({"labs", "admin", "moderator"}))
        self.discussion(self.ctx.start + timedelta(days=20), "staff-room", demo_text.STAFF_ROOM_TOPICS,
                        starters={"staff": 1}, repliers={"staff": 1}, roles=frozenset({"admin", "moderator", "manager"}))
        self.ring_activity()
        return sorted(action for action in self.actions if action.at < self.ctx.now)


def build(session: Session, settings, ctx: DemoContext) -> None:
    """Create the categories and play the planned year through the forum services."""
    admin = next(m for m in ctx.members if "admin" in m.roles)
    viewers: dict[int, Viewer] = {}

    def viewer(member: DemoMember) -> Viewer:
        if member.id not in viewers:
            viewers[member.id] = viewer_for(session, member.id)
        return viewers[member.id]

    for position, (slug, name, description, visibility, groups) in enumerate(CATEGORIES):
        category = categories.save_category(
            session, viewer(admin), slug=slug, name=name, description=description, position=position,
            visibility=visibility, group_names=groups, topic_access=TOPIC_ACCESS.get(slug, "members"), now=ctx.start,
        )
        ctx.category_ids[slug] = category.id

    topics: dict[int, int] = {}
    posts: dict[int, int] = {}
    for index, action in enumerate(Planner(ctx).plan()):
        who = viewer(action.actor)
        data = action.data
        if action.kind == "topic":
            topic = service.create_topic(
                session, settings, who, category_id=ctx.category_ids[data["category"]], title=data["title"],
                body=data["body"], kind=data["topic_kind"], tags=data["tags"], now=action.at,
            )
            topics[action.order] = topic.id
            ctx.topic_ids.append(topic.id)
        elif action.kind == "reply" and data["topic"] in topics:
            post = service.create_reply(session, settings, who, topic_id=topics[data["topic"]], body=data["body"], now=action.at)
            posts[action.order] = post.id
            ctx.post_ids.append(post.id)
        elif action.kind == "accept" and data["post"] in posts:
            answers.accept_answer(session, who, topics[data["topic"]], posts[data["post"]], action.at)
            ctx.count("accepted answers")
        elif action.kind == "edit" and data["post"] in posts:
            post_id = posts[data["post"]]
            old = session.get(Post, post_id).body_source
            editing.edit_post(session, settings, who, post_id, body=old + "\n\n**Edit:** this also works on firmware 5.0.", now=action.at)
            ctx.count("edits")
        if index % 200 == 0:
            session.flush()
    ctx.count("topics", len(ctx.topic_ids))
    ctx.count("replies", len(ctx.post_ids))
