"""Import a Stack Exchange data dump (Users, Posts, PostHistory, Comments, Votes, Badges, Tags).

The whole dump is read and checked first (a bad file stops the import before anything is
written), then written in bulk inside the caller's transaction: the caller commits once, so a
failure leaves nothing behind. Every source row is recorded in `import_source`, which makes a
second run of the same dump a no-op. DESIGN.md §6 documents the mapping.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from slugify import slugify
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import username_key
from app.forum import search
from app.forum.models import Category, PostVote
from app.importers.models import ImportedAward
from app.importers.stackexchange_content import SITE_RE, plain_text, username_for
from app.importers.stackexchange_karma import ImportedVote, ledger_rows
from app.importers.stackexchange_posts import ANSWER, QUESTION, import_posts
from app.importers.stackexchange_reader import SPECS, DumpError, dump_path, read_rows
from app.importers.stackexchange_run import FileStats, ImportRun, Progress, no_progress
from app.importers.stackexchange_totals import (
    derive_visits,
    recompute_scores_and_karma,
    recount_forum,
    reputation_check,
)
from app.karma.models import KarmaCapDay, KarmaEntry
from app.security import unusable_password_hash

FILE_ORDER = ("Users", "Posts", "PostHistory", "Comments", "Votes", "Badges", "Tags", "PostLinks")
REQUIRED_FILES = ("Users", "Posts")
UPVOTE, DOWNVOTE, ACCEPT = 2, 3, 1
VOTE_SKIP_REASONS = {
    4: "offensive flags (Hearth flags are separate)",
    5: "favourites (no Hearth equivalent; the voter's day counts as a visit)",
    6: "close votes (no Hearth equivalent)",
    7: "reopen votes (no Hearth equivalent)",
    8: "bounty offers (no Hearth equivalent; the voter's day counts as a visit)",
    9: "bounty awards (no Hearth equivalent)",
    10: "deletion votes (no Hearth equivalent)",
    11: "undeletion votes (no Hearth equivalent)",
    12: "spam flags (Hearth flags are separate)",
    15: "moderator reviews (no Hearth equivalent)",
    16: "approved edit suggestions (no Hearth equivalent)",
}
KNOWN_VOTER_TYPES = (5, 8)


class ImportProblem(Exception):
    """The dump cannot go into this database as asked (e.g. a category slug is taken)."""


@dataclass
class ImportReport:
    """What an import did: figures per file, time taken, and the karma/reputation check."""

    site: str
    files: dict[str, FileStats]
    seconds: float
    correlation: float | None
    correlated_members: int

    @property
    def rows_read(self) -> int:
        """Rows read from every file."""
        return sum(stats.read for stats in self.files.values())

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of the whole import (reading and writing)."""
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


def site_of(directory: Path, site: str | None) -> str:
    """The site name given, or the dump folder's name ('.../beer' -> 'beer'); checked for shape."""
    name = (site or directory.resolve().name).strip().lower().removesuffix(".stackexchange.com")
    if not SITE_RE.match(name):
        raise ImportProblem(f"{name!r} is not a Stack Exchange site name; pass --site NAME (e.g. --site beer)")
    return name


def read_dump(directory: Path, progress: Progress = no_progress) -> dict[str, list[dict]]:
    """Read and check every dump file of a folder; raises DumpError naming the file and row."""
    if not directory.is_dir():
        raise DumpError(str(directory), None, "is not a folder with a Stack Exchange dump")
    dump: dict[str, list[dict]] = {}
    for name in FILE_ORDER:
        path = dump_path(directory, name)
        if path is None:
            if name in REQUIRED_FILES:
                raise DumpError(f"{name}.xml", None, f"not found in {directory}")
            continue
        update_bar = progress(f"Reading {path.name}", path.stat().st_size)
        dump[name] = list(read_rows(path, SPECS[name], update_bar))
    for number, row in enumerate(dump["Posts"], start=1):
        if row["PostTypeId"] == QUESTION and not (row["Title"] or "").strip():
            raise DumpError("Posts.xml", number, f"(Id={row['Id']}) a question without a Title")
    return dump


def import_stackexchange(
    session: Session,
    settings,
    directory: Path,
    *,
    now,
    site: str | None = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import one dump folder into the session's transaction (flushes, never commits)."""
    started = time.perf_counter()
    site = site_of(directory, site)
    dump = read_dump(directory, progress)
    run = ImportRun(session, settings, site, dump, now, progress)
    steps = progress("Writing to the database", 9)
    _category(run)
    _users(run)
    steps(1)
    accepts = import_posts(run)
    steps(2)
    votes = _votes(run)
    steps(3)
    _karma(run, votes, accepts)
    steps(4)
    _badges(run)
    if "PostLinks" in run.stats:
        run.stats["PostLinks"].skip("links between posts (duplicates, related) have no Hearth equivalent",
                                    run.stats["PostLinks"].read)
    run.save_map()
    steps(5)
    derive_visits(run)
    steps(6)
    recount_forum(run)
    steps(7)
    recompute_scores_and_karma(run)
    steps(8)
    for post_id in run.new_post_ids:
        search.index_post(session, post_id)
    session.flush()
    steps(9)
    correlation, members = reputation_check(run)
    return ImportReport(site, run.stats, time.perf_counter() - started, correlation, members)


def _category(run: ImportRun) -> None:
    run.category_id = run.target("category", 0)
    if run.category_id is not None:
        return
    slug = slugify(run.site.split(".")[0], max_length=50) + "-se"
    if run.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise ImportProblem(f"a category with the slug {slug!r} exists and was not made by an import of {run.host}")
    dates = [row["CreationDate"] for row in run.dump["Posts"]] or [run.now]
    [run.category_id] = run.insert_ids(
        Category,
        [
            {
                "slug": slug,
                "name": f"{run.site.split('.')[0].replace('-', ' ').title()} Stack Exchange"[:80],
                "description": f"Questions and answers imported from https://{run.host} "
                "(CC BY-SA; every post links its original and names its author).",
                "position": 0,
                "visibility": "public",
                "topic_count": 0,
                "created_at": min(dates),
            }
        ],
    )
    run.remember("category", 0, run.category_id)


def _free_usernames(run: ImportRun, wanted: list[str]) -> list[str]:
    """The wanted usernames, with a numeric suffix where a member already holds the name."""
    keys = [username_key(name) for name in wanted]
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        taken.update(run.session.scalars(select(User.username_key).where(User.username_key.in_(chunk))))
    result = []
    for name in wanted:
        candidate, n = name, 1
        while username_key(candidate) in taken:
            n += 1
            candidate = f"{name[:29]}-{n}"
        taken.add(username_key(candidate))
        result.append(candidate)
    return result


def _user_values(username: str, display_name: str, bio: str, created_at, last_seen_at) -> dict:
    return {
        "username": username,
        "username_key": username_key(username),
        "display_name": display_name[:80] or username,
        "email": None,
        "email_key": None,
        "email_verified_at": None,
        "password_hash": unusable_password_hash(),
        "bio": bio,
        "locale": None,
        "is_imported": True,
        "created_at": created_at,
        "last_seen_at": last_seen_at,
        "karma": 0,
    }


def _users(run: ImportRun) -> None:
    rows = run.dump["Users"]
    stats = run.stats["Users"]
    new = [row for row in rows if run.user(row["Id"]) is None]
    stats.already = len(rows) - len(new)
    names = _free_usernames(run, [username_for(row["DisplayName"] or "", run.site, row["Id"]) for row in new])
    values = [
        _user_values(name, (row["DisplayName"] or name).strip(), plain_text(row["AboutMe"]), row["CreationDate"],
                     row["LastAccessDate"])
        for name, row in zip(names, new)
    ]
    for row, user_id in zip(new, run.insert_ids(User, values)):
        run.remember("user", row["Id"], user_id)
    stats.imported = len(new)
    for row in rows:
        run.active(row["Id"], row["CreationDate"])


def _voter_pool(run: ImportRun, needed: int, created_at) -> list[int]:
    """Ids of the site's anonymous voters 1..needed, creating the missing ones.

    Dumps hide who cast ordinary votes, and a member has one vote per post, so a post with n
    votes needs n distinct anonymous voters; none of them is a real member.
    """
    missing = [n for n in range(1, needed + 1) if run.target("voter", n) is None]
    stem = run.site.split(".")[0][:12]
    names = _free_usernames(run, [f"{stem}.voter{n}" for n in missing])
    values = [
        _user_values(name, f"Anonymous voter {n} ({run.host})", "", created_at, None)
        for name, n in zip(names, missing)
    ]
    for n, user_id in zip(missing, run.insert_ids(User, values)):
        run.remember("voter", n, user_id)
    return [run.target("voter", n) for n in range(1, needed + 1)]


def _votes(run: ImportRun) -> list[ImportedVote]:
    stats = run.stats.get("Votes")
    if stats is None:
        return []
    posts = {row["Id"]: row for row in run.dump["Posts"] if row["PostTypeId"] in (QUESTION, ANSWER)}
    accepted = {row["AcceptedAnswerId"] for row in posts.values() if row["AcceptedAnswerId"] is not None}
    new_by_post: dict[int, list[dict]] = defaultdict(list)
    for row in run.dump["Votes"]:
        kind, post = row["VoteTypeId"], run.target("post", row["PostId"])
        if kind in (UPVOTE, DOWNVOTE):
            if post is None:
                stats.skip("votes on posts that are not imported (tag wikis, deleted posts)")
            elif run.target("vote", row["Id"]) is not None:
                stats.already += 1
            else:
                new_by_post[row["PostId"]].append(row)
        elif kind == ACCEPT:
            if post is not None and row["PostId"] in run.new_accepts:
                stats.imported += 1
            elif post is not None and row["PostId"] in accepted:
                stats.already += 1
            else:
                stats.skip("accept votes on answers that are not the accepted one")
        else:
            if kind in KNOWN_VOTER_TYPES:
                run.active(row["UserId"], row["CreationDate"])
            stats.skip(VOTE_SKIP_REASONS.get(kind, f"vote type {kind} (no Hearth equivalent)"))
    if not new_by_post:
        return []
    used = _used_voter_slots(run, [run.target("post", source) for source in new_by_post])
    needed = max(len(used.get(run.target("post", source), ())) + len(rows) for source, rows in new_by_post.items())
    pool = _voter_pool(run, needed, min(row["CreationDate"] for rows in new_by_post.values() for row in rows))
    values, sources, imported = [], [], []
    for source_post, rows in new_by_post.items():
        post_id = run.target("post", source_post)
        taken = used.get(post_id, set())
        # Spread each post's votes over the pool from a post-dependent offset, so no anonymous
        # voter looks like one person voting for everything an author writes.
        offset = (source_post * 7919) % len(pool)
        slots = (pool[(offset + k) % len(pool)] for k in range(len(pool)))
        free = (voter for voter in slots if voter not in taken)
        post = posts[source_post]
        for row, voter_id in zip(sorted(rows, key=lambda r: r["Id"]), free):
            value = 1 if row["VoteTypeId"] == UPVOTE else -1
            values.append({"voter_id": voter_id, "post_id": post_id, "value": value,
                           "created_at": row["CreationDate"], "updated_at": row["CreationDate"]})
            sources.append(row)
            imported.append(ImportedVote(post_id, voter_id, run.user(post["OwnerUserId"]),
                                         post["PostTypeId"] == QUESTION, value, row["CreationDate"], row["Id"]))
    for row, vote_id in zip(sources, run.insert_ids(PostVote, values)):
        run.remember("vote", row["Id"], vote_id)
    stats.imported += len(sources)
    return imported


def _used_voter_slots(run: ImportRun, post_ids: list[int]) -> dict[int, set[int]]:
    pool = [target for (kind, _n), target in run.ids.items() if kind == "voter"]
    used: dict[int, set[int]] = defaultdict(set)
    if not pool:
        return used
    for start in range(0, len(post_ids), 500):
        chunk = post_ids[start:start + 500]
        for post_id, voter_id in run.session.execute(
            select(PostVote.post_id, PostVote.voter_id).where(PostVote.post_id.in_(chunk), PostVote.voter_id.in_(pool))
        ):
            used[post_id].add(voter_id)
    return used


def _karma(run: ImportRun, votes: list[ImportedVote], accepts) -> None:
    if not votes and not accepts:
        return
    authors = sorted({vote.author_id for vote in votes if vote.author_id is not None})
    cap_used: dict[tuple[int, date], int] = {}
    for start in range(0, len(authors), 500):
        chunk = authors[start:start + 500]
        for user_id, day, granted in run.session.execute(
            select(KarmaCapDay.user_id, KarmaCapDay.day, KarmaCapDay.granted).where(KarmaCapDay.user_id.in_(chunk))
        ):
            cap_used[(user_id, day)] = granted
    before = dict(cap_used)
    run.insert(KarmaEntry, ledger_rows(run.settings, votes, accepts, cap_used, run.host))
    changed = [(key, granted) for key, granted in cap_used.items() if before.get(key) != granted]
    run.insert(KarmaCapDay, [{"user_id": u, "day": d, "granted": g} for (u, d), g in changed if (u, d) not in before])
    updates = [{"user_id": u, "day": d, "granted": g} for (u, d), g in changed if (u, d) in before]
    if updates:
        run.session.execute(update(KarmaCapDay), updates)


def _badges(run: ImportRun) -> None:
    stats = run.stats.get("Badges")
    if stats is None:
        return
    new, values = [], []
    for row in run.dump["Badges"]:
        user_id = run.user(row["UserId"])
        if user_id is None:
            stats.skip("badges of users not in Users.xml")
            continue
        run.active(row["UserId"], row["Date"])
        if run.target("award", row["Id"]) is not None:
            stats.already += 1
            continue
        # Hearth's own badges (accepted answers, visit streaks) are earned by the karma job from
        # the imported history; Stack Exchange's badges are kept as they were awarded.
        new.append(row)
        values.append({"user_id": user_id, "site": run.site, "name": row["Name"][:80],
                       "award_class": row["Class"] or 3, "tag_based": bool(row["TagBased"]),
                       "awarded_at": row["Date"]})
    for row, award_id in zip(new, run.insert_ids(ImportedAward, values)):
        run.remember("award", row["Id"], award_id)
    stats.imported += len(new)
