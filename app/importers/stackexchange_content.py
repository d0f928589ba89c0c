"""Pure helpers of the Stack Exchange importer: links, attribution, bodies, usernames, revisions."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import nh3
from markdownify import markdownify
from slugify import slugify

from app.forum import markdown

# Stack Exchange moved new content from CC BY-SA 3.0 to 4.0 on this day; rows that carry a
# ContentLicense attribute (newer dumps) say it themselves.
LICENCE_4_SINCE = datetime(2018, 5, 2, tzinfo=timezone.utc)
SITE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,40}$")
TAG_RE = re.compile(r"<([^<>]+)>")
USERNAME_MAX = 32

# PostHistoryTypeId values (https://meta.stackexchange.com/q/2677): what Hearth keeps of each.
HISTORY_INITIAL = {1: "title", 2: "body", 3: "tags"}
HISTORY_EDIT = {4: "title", 5: "body", 6: "tags", 7: "title", 8: "body", 9: "tags"}
HISTORY_ROLLBACK = {7, 8, 9}


def site_host(site: str) -> str:
    """The host of a Stack Exchange site name: 'beer' -> 'beer.stackexchange.com'."""
    return site if "." in site else f"{site}.stackexchange.com"


def source_url(site: str, kind: str, source_id: int, parent_id: int | None = None) -> str:
    """Permanent link to the original question, answer or comment."""
    host = site_host(site)
    if kind == "question":
        return f"https://{host}/q/{source_id}"
    if kind == "answer":
        return f"https://{host}/a/{source_id}"
    return f"https://{host}/posts/comments/{source_id}"


def licence(row: dict, created_at: datetime) -> str:
    """The CC BY-SA version a post or comment is published under."""
    stated = row.get("ContentLicense")
    if stated:
        return stated
    return "CC BY-SA 4.0" if created_at >= LICENCE_4_SINCE else "CC BY-SA 3.0"


def attribution_markdown(author: str, url: str, host: str, licence_name: str) -> str:
    """The attribution line appended to an imported post's source, so it survives later edits."""
    name = author.replace("[", "(").replace("]", ")").replace("*", "")
    return f"\n\n---\n*Originally posted by {name} on [{host}]({url}) ({licence_name}).*\n"


def attribution_html(author: str, url: str, host: str, licence_name: str) -> str:
    """The attribution footer of an imported post's HTML: author's name and a link to the original."""
    return (
        '<hr><p class="imported-attribution"><em>Originally posted by '
        f'{html.escape(author)} on <a href="{html.escape(url)}">{html.escape(host)}</a> '
        f"({html.escape(licence_name)}).</em></p>"
    )


def clean_html(body: str) -> str:
    """A dump's rendered HTML through Hearth's allow-list sanitizer."""
    return markdown.sanitize(body or "")


def html_to_markdown(body_html: str) -> str:
    """Markdown for a post whose dump has no PostHistory, so edits in Hearth start from Markdown."""
    return markdownify(body_html, heading_style="ATX", bullets="-").strip()


def render_comment(text: str) -> str:
    """A comment's mini-Markdown rendered the way Hearth renders posts."""
    return markdown.render(text or "")


def plain_text(body_html: str | None) -> str:
    """Visible text of an HTML fragment (profiles keep plain text)."""
    if not body_html:
        return ""
    text = nh3.clean(body_html.replace("<br>", "\n").replace("</p>", "</p>\n"), tags=set())
    return html.unescape(text).strip()


def tags_of(raw: str | None) -> list[str]:
    """Tag names of a question: '<hops><ipa>' (or 'hops|ipa' in newer dumps) -> ['hops', 'ipa']."""
    if not raw:
        return []
    names = TAG_RE.findall(raw) if "<" in raw else [part for part in raw.split("|") if part]
    tags: list[str] = []
    for name in names:
        tag = name.strip().lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def username_for(display_name: str, site: str, source_id: int) -> str:
    """A readable, unique-per-site username: 'geoff-dalgas.beer1' (display names are not unique)."""
    suffix = f".{site.split('.')[0][:10]}{source_id if source_id >= 0 else 'm' + str(-source_id)}"
    stem = slugify(display_name or "", max_length=USERNAME_MAX - len(suffix), word_boundary=True) or "member"
    return (stem + suffix)[:USERNAME_MAX]


@dataclass
class RevisionDraft:
    """One imported edit of a post, before it has a Hearth id."""

    source_id: int  # smallest PostHistory Id of the edit
    editor_source_id: int | None
    created_at: datetime
    old_source: str
    new_source: str
    old_title: str | None
    new_title: str | None


@dataclass
class PostHistoryResult:
    """What a post's history yields: its revisions, its current Markdown source and row outcomes."""

    revisions: list[RevisionDraft] = field(default_factory=list)
    source: str | None = None
    title: str | None = None
    used: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def build_revisions(rows: list[dict]) -> PostHistoryResult:
    """Turn one post's PostHistory rows into revisions (edits grouped by RevisionGUID, in time order).

    Initial rows (types 1-3) set the starting title and Markdown; edits and rollbacks of the body or
    title (4, 5, 7, 8) become revisions; tag-only edits and moderation events are counted as skipped.
    """
    result = PostHistoryResult()

    def skip(reason: str) -> None:
        result.skipped[reason] = result.skipped.get(reason, 0) + 1

    groups: list[list[dict]] = []
    for row in sorted(rows, key=lambda r: (r["CreationDate"], r["Id"])):
        key = row["RevisionGUID"] or f"id:{row['Id']}"
        if groups and (groups[-1][0]["RevisionGUID"] or f"id:{groups[-1][0]['Id']}") == key:
            groups[-1].append(row)
        else:
            groups.append([row])
    body: str | None = None
    title: str | None = None
    for group in groups:
        old_body, old_title = body, title
        changed_body = changed_title = False
        is_edit = False
        for row in group:
            kind = row["PostHistoryTypeId"]
            text = row["Text"] or ""
            if kind in HISTORY_INITIAL:
                result.used += 1
                if HISTORY_INITIAL[kind] == "body":
                    body = text
                elif HISTORY_INITIAL[kind] == "title":
                    title = text
            elif kind in HISTORY_EDIT and HISTORY_EDIT[kind] != "tags":
                result.used += 1
                is_edit = True
                if HISTORY_EDIT[kind] == "body":
                    changed_body = text != (body or "")
                    body = text
                else:
                    changed_title = text != (title or "")
                    title = text
            elif kind in HISTORY_EDIT:
                skip("tag edits (Hearth revisions keep text and title)")
            else:
                skip("closing, locking and other moderation history (no Hearth equivalent)")
        if is_edit and old_body is not None and (changed_body or changed_title):
            first = min(group, key=lambda r: r["Id"])
            result.revisions.append(
                RevisionDraft(
                    source_id=first["Id"],
                    editor_source_id=first["UserId"],
                    created_at=first["CreationDate"],
                    old_source=old_body,
                    new_source=body or "",
                    old_title=old_title if changed_title else None,
                    new_title=title if changed_title else None,
                )
            )
    result.source = body
    result.title = title
    return result
