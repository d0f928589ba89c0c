"""Demo step of the ideas domain: idea areas and a year of proposals, votes, status changes with
notes, shipped and declined ideas and merged duplicates, played through the ideas services in time order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo_context import DemoContext, DemoMember
from app.errors import AppError
from app.forum.models import Post
from app.forum.queries import viewer_for
from app.ideas import service

AREAS = (
    ("app", "App & integrations", "The Ember app, voice assistants and smart-home platforms.", "public"),
    ("heating", "Heating control", "Schedules, zones, comfort and the thermostat itself.", "public"),
    ("energy", "Energy insights", "Reports, costs and saving energy.", "public"),
    ("labs", "Labs ideas", "Ideas for the beta features labs members are testing.", "labs"),
)
IDEAS = (
    ("app", "Widget for the phone's home screen", "Let me see and change the room temperature without opening the app."),
    ("app", "Apple HomeKit support", "We use HomeKit for everything else in the house. **Please** add a bridge."),
    ("app", "Share access with the whole family", "Invite family members with their own login instead of sharing one password."),
    ("app", "Dark mode for the app", "The bright screen at night is painful. Follow the phone's dark setting."),
    ("app", "Notifications when a window is left open", "The thermostat already detects a sudden drop; push a warning to my phone."),
    ("app", "Export schedules as a calendar", "An iCal feed of the heating schedule so it shows up next to my appointments."),
    ("heating", "Copy a day's schedule to the whole week", "Setting seven days one by one takes ages. A *copy to all days* button please."),
    ("heating", "Holiday mode with a return date", "Keep the house at 12 °C and start heating the day before we come back."),
    ("heating", "Separate boost button per zone", "Boost only the bathroom in the morning, not the whole house."),
    ("heating", "Learn how long the house takes to warm up", "Start heating early so the room is warm at the scheduled time."),
    ("heating", "Frost protection below 5 °C", "Switch the heating on whenever the inside temperature drops below 5 °C, even in off mode."),
    ("heating", "Show humidity on the thermostat", "The sensor is there; show the value next to the temperature."),
    ("heating", "Child lock for the thermostat buttons", "Our toddler loves the buttons. Lock them from the app."),
    ("energy", "Monthly energy report by e-mail", "A short summary: hours heated, average temperature and the trend against last year."),
    ("energy", "Compare my usage with similar homes", "Anonymous comparison with homes of the same size and heating type."),
    ("energy", "Show the cost in euros, not only kWh", "Let me enter my tariff so the reports show money."),
    ("energy", "Weather-compensated schedules", "Lower the target a bit on sunny afternoons."),
    ("energy", "CSV export of temperature history", "I want to analyse my data in a spreadsheet."),
    ("labs", "Heat-pump friendly slow ramps", "Beta testers with heat pumps want longer, gentler warm-up curves."),
    ("labs", "Presence detection with two phones", "The geofencing beta should only switch to away when both phones have left."),
)
DUPLICATES = (  # (index of the original in IDEAS, title, description)
    (3, "Night theme please", "Could the app have a black theme? My eyes hurt in the evening."),
    (6, "Copy Monday to other days", "I want Monday's schedule on Tuesday to Friday with one tap."),
)
NOTES = {
    "under_review": ("Thanks! We are looking into this with the app team.", ""),
    "planned": ("Planned for the next quarter.", "On the roadmap; we'll share designs in the labs area first.", ""),
    "in_progress": ("Being built now. Labs members can try an early version soon.", ""),
    "shipped": ("Out now in the latest app update — thank you all for voting!", "Shipped with firmware 5.2."),
    "declined": ("We won't build this: it needs hardware the current thermostat doesn't have.",
                 "Declined for now; the platform's API doesn't allow it."),
}
PATHS = (  # how far ideas get, with weights
    (("open",), 5),
    (("under_review",), 3),
    (("under_review", "planned"), 3),
    (("under_review", "planned", "in_progress"), 2),
    (("under_review", "planned", "in_progress", "shipped"), 4),
    (("under_review", "declined"), 2),
)


@dataclass(order=True)
class Step:
    """One thing that happens on the idea board at a moment of the demo's year."""

    at: datetime
    order: int
    kind: str = field(compare=False)  # propose | vote | status | merge | follow
    data: dict = field(compare=False, default_factory=dict)


def _product_lead(ctx: DemoContext) -> DemoMember:
    return next((m for m in ctx.members if "product" in m.roles), None) or next(m for m in ctx.members if "admin" in m.roles)


def build(session: Session, settings, ctx: DemoContext) -> None:
    """Open the idea areas and play a year of ideas through the ideas services."""
    rng = ctx.rng
    lead = _product_lead(ctx)
    lead_viewer = viewer_for(session, lead.id)
    areas = {}
    for position, (slug, name, description, visibility) in enumerate(AREAS):
        areas[slug] = service.create_area(
            session, lead_viewer, name=name, slug=slug, description=description, visibility=visibility,
            position=position, now=ctx.start + timedelta(days=9),
        )
    steps: list[Step] = []

    def add(at: datetime, kind: str, **data) -> None:
        if at < ctx.now:
            steps.append(Step(at, len(steps), kind, data))

    span = (ctx.now - ctx.start).days - 40
    for index, (area, title, description) in enumerate(IDEAS):
        at = ctx.start + timedelta(days=14 + index * span / len(IDEAS), hours=rng.randint(8, 20))
        add(at, "propose", key=index, area=area, title=title, description=description)
        when = at
        for _ in range(int(rng.lognormvariate(2.0, 0.7))):
            when = when + timedelta(hours=rng.randint(2, 200))
            add(when, "vote", key=index)
        if rng.random() < 0.3:
            add(at + timedelta(days=rng.randint(1, 20)), "follow", key=index)
        path = rng.choices([p for p, _ in PATHS], [w for _, w in PATHS])[0]
        when = at + timedelta(days=rng.randint(5, 15))
        for status in (s for s in path if s != "open"):
            add(when, "status", key=index, status=status, note=rng.choice(NOTES[status]))
            when = when + timedelta(days=rng.randint(10, 45))
    for number, (original, title, description) in enumerate(DUPLICATES):
        key = len(IDEAS) + number
        at = ctx.start + timedelta(days=20 + original * span / len(IDEAS) + 3, hours=9)
        add(at, "propose", key=key, area=IDEAS[original][0], title=title, description=description)
        for hours in (5, 30, 60):
            add(at + timedelta(hours=hours), "vote", key=key)
        add(at + timedelta(days=4), "merge", key=key, into=original)

    ideas: dict[int, int] = {}
    for step in sorted(steps):
        try:
            if step.kind == "propose":
                author = _author(session, settings, ctx, step.at, labs=step.data["area"] == "labs")
                if author is None:
                    continue
                idea = service.propose(
                    session, settings, viewer_for(session, author.id), area_id=areas[step.data["area"]].id,
                    title=step.data["title"], description=step.data["description"], now=step.at,
                )
                ideas[step.data["key"]] = idea.id
                ctx.count("ideas")
            elif step.data["key"] not in ideas:
                continue
            elif step.kind in ("vote", "follow"):
                member = _member(ctx, step.at, labs=_in_labs(step.data["key"]))
                if member is None:
                    continue
                voter = viewer_for(session, member.id)
                if step.kind == "vote" and service.vote(session, settings, voter, ideas[step.data["key"]], step.at):
                    ctx.count("idea votes")
                elif step.kind == "follow":
                    service.follow(session, voter, ideas[step.data["key"]], step.at)
            elif step.kind == "status":
                service.change_status(
                    session, lead_viewer, ideas[step.data["key"]], status=step.data["status"], note=step.data["note"], now=step.at
                )
                ctx.count("idea status changes")
            elif step.kind == "merge" and step.data["into"] in ideas:
                service.merge(session, lead_viewer, ideas[step.data["key"]], ideas[step.data["into"]], step.at)
                ctx.count("merged ideas")
        except AppError:
            # A used-up budget, a closed idea or a posting limit: that member simply could not act then.
            ctx.count("idea actions refused")


def _in_labs(key: int) -> bool:
    original = key if key < len(IDEAS) else DUPLICATES[key - len(IDEAS)][0]
    return IDEAS[original][0] == "labs"


def _member(ctx: DemoContext, at: datetime, *, labs: bool = False) -> DemoMember | None:
    pool = [m for m in ctx.active_at(at, "helper", "regular", "asker", "lurker", "ring") if not labs or "labs" in m.roles]
    if labs:
        pool += [m for m in ctx.active_at(at, "staff") if "labs" in m.roles or "admin" in m.roles]
    return ctx.rng.choice(pool) if pool else None


def _author(session: Session, settings, ctx: DemoContext, at: datetime, *, labs: bool) -> DemoMember | None:
    """A member who could post at `at` (past the new-member window, not over the posting rate)."""
    # The forum demo has already written the whole year, so later posts would count against the rate limit.
    candidates = [m for m in ctx.active_at(at, "helper", "regular", "asker", "lurker") if m.joined_at + timedelta(days=2) < at]
    if labs:
        candidates = [m for m in ctx.active_at(at, "helper", "regular", "asker", "staff") if "labs" in m.roles or "admin" in m.roles]
    ctx.rng.shuffle(candidates)
    window = at - timedelta(seconds=settings.post_rate_seconds)
    for member in candidates:
        recent = session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id, Post.created_at > window))
        if recent < settings.post_rate_count - 1:
            return member
    return None
