"""Demo step of the accounts domain: the cast of members, their roles, log-ins and visits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app import security
from app.accounts import service
from app.accounts.models import LoginAttempt, User, UserVisit
from app.config import Settings
from app.demo_context import DemoContext, DemoMember

FIRST_NAMES = (
    "Ada Amir Anouk Astrid Bas Bea Camille Carlos Chen Daan Dana Elif Emma Fatima Finn Fleur Gert "
    "Hana Hugo Ines Ivan Jasper Jonas Julia Kai Karin Lars Lea Lotte Luca Maya Mehmet Mila Noah "
    "Nora Olga Omar Pieter Priya Quinn Rafael Rosa Ruben Sanne Sara Sem Sofia Stijn Tess Theo "
    "Ugo Vera Wim Xenia Yara Yusuf Zoe Aiko Bram Cas Dirk Eva Femke Georg Hedda Ilse Joost Klaas"
).split()
LAST_NAMES = (
    "Abbas Bakker Berg Brouwer Chen Costa Dekker Dijkstra Fischer Garcia Hoekstra Jansen Kaya "
    "Keller Klein Kowalski Lange Meijer Moreau Mulder Novak Okafor Peters Rossi Schmidt Smit "
    "Tanaka Visser Vos Wagner Weber Wolff Yilmaz Zimmermann"
).split() + ["de Boer", "de Graaf", "van Dam", "van Leeuwen"]

# (persona, how many, visits per week while active, months active at the end (None = until now))
CAST_PLAN = (
    ("staff", 6, 6.0, None),
    ("helper", 16, 5.0, None),
    ("lapsed", 5, 5.0, "lapsed"),
    ("asker", 85, 1.2, None),
    ("regular", 60, 2.5, None),
    ("lurker", 124, 1.5, None),
    ("ring", 4, 3.0, None),
)
STAFF_ROLES = (
    ("admin",),
    ("moderator",),
    ("moderator",),
    ("manager",),
    ("product",),
    ("product",),
)
DEMO_PASSWORD = "hearth-demo-community"
DEMO_EMAIL_DOMAIN = "demo.hearth.invalid"  # .invalid never resolves (RFC 2606)


def _username(ctx: DemoContext, taken: set[str]) -> tuple[str, str]:
    while True:
        first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
        style = ctx.rng.random()
        if style < 0.4:
            username = f"{first.lower()}{ctx.rng.randint(1, 99)}"
        elif style < 0.7:
            username = f"{first.lower()}_{last.split()[-1].lower()}"
        else:
            username = f"{first[0].lower()}{last.split()[-1].lower()}"
        if username not in taken:
            taken.add(username)
            return username, f"{first} {last}"


def create_cast(session: Session, settings: Settings, ctx: DemoContext) -> None:
    """Create ~300 members with personas, join dates spread over the year, and staff roles."""
    password_hash = security.hash_password(settings, DEMO_PASSWORD)  # one hash: demo speed
    taken: set[str] = set()
    span = (ctx.now - ctx.start).days
    for persona, how_many, _rate, _ in CAST_PLAN:
        for index in range(how_many):
            username, display_name = ("admin", "Community Admin") if persona == "staff" and index == 0 else _username(ctx, taken)
            if persona in ("staff", "helper", "lapsed", "ring"):
                joined = ctx.start + timedelta(days=ctx.rng.randint(0, 40))
            else:
                joined = ctx.start + timedelta(days=ctx.rng.randint(0, span - 7), hours=ctx.rng.randint(0, 23))
            active_until = ctx.now
            if persona == "lapsed":
                active_until = ctx.start + timedelta(days=ctx.rng.randint(150, 220))
            user = User(
                username=username,
                username_key=username.lower(),
                display_name=display_name,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                email_key=f"{username}@{DEMO_EMAIL_DOMAIN}",
                email_verified_at=joined,
                password_hash=password_hash,
                created_at=joined,
                bio="",
            )
            session.add(user)
            session.flush()
            roles = STAFF_ROLES[index % len(STAFF_ROLES)] if persona == "staff" else ()
            if persona == "helper" and index < 5 or persona == "lapsed" and index == 0:
                roles = ("labs",)  # the first labs group: early, trusted helpers
            for role in roles:
                service.grant_role(session, user, role, granted_by_id=None, now=joined, reason="demo community")
            ctx.members.append(DemoMember(user.id, username, persona, joined, active_until, roles))
    ctx.admin_login = ("admin", DEMO_PASSWORD)
    ctx.count("members", len(ctx.members))


def record_presence(session: Session, settings: Settings, ctx: DemoContext) -> None:
    """Visit rows (one a day) and log-in attempts for every member, in bulk inserts."""
    rates = {persona: rate for persona, _n, rate, _ in CAST_PLAN}
    visits, attempts, last_seen = [], [], {}
    for member in ctx.members:
        day = member.joined_at.replace(hour=0, minute=0, second=0, microsecond=0)
        probability = min(rates[member.persona] / 7, 0.95)
        while day < member.active_until:
            if day.date() == member.joined_at.date() or ctx.rng.random() < probability:
                seen = day + timedelta(hours=ctx.rng.randint(7, 22), minutes=ctx.rng.randint(0, 59))
                seen = min(seen, ctx.now)
                visits.append({"user_id": member.id, "day": day.date(), "posts_read": ctx.rng.randint(0, 25), "derived": False})
                last_seen[member.id] = seen
                if ctx.rng.random() < 0.25:
                    attempts.extend(_logins(settings, ctx, member, seen))
            day += timedelta(days=1)
    session.execute(insert(UserVisit), visits)
    session.execute(insert(LoginAttempt), attempts)
    for user_id, seen in last_seen.items():
        session.get(User, user_id).last_seen_at = seen
    ctx.count("visit days", len(visits))
    ctx.count("log-in attempts", len(attempts))


def _logins(settings: Settings, ctx: DemoContext, member: DemoMember, at: datetime) -> list[dict]:
    ip = f"198.51.100.{member.id % 250 + 1}"
    key = security.hash_ip(settings, "login:" + member.username)
    rows = []
    if ctx.rng.random() < 0.08:  # a mistyped password first, now and then
        rows.append(_attempt(settings, member, key, ip, at - timedelta(seconds=40), "failure"))
    rows.append(_attempt(settings, member, key, ip, at, "success"))
    return rows


def _attempt(settings: Settings, member: DemoMember, key: str, ip: str, at: datetime, outcome: str) -> dict:
    return {
        "created_at": at,
        "outcome": outcome,
        "user_id": member.id,
        "login_key_hash": key,
        "ip_hash": security.hash_ip(settings, ip),
        "user_agent": "Mozilla/5.0 (demo)",
    }
