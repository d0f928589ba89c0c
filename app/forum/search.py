"""Full-text search over titles and bodies: FTS5 on SQLite, tsvector + GIN on PostgreSQL, one interface.

On SQLite `post_search` is an external-content FTS5 index over the view `post_search_source`
(visible posts' title and Markdown source, migration 0013_performance): it stores no copy of the text,
and triggers on `post` and `topic` keep it in step inside the writing transaction, so the functions
below only flush there. On PostgreSQL it is a table (post_id, document tsvector) written here. Only
visible posts (not hidden, not deleted, topic not hidden) are indexed, and every query also filters
by the categories the searcher may see, so the index can never leak what a viewer may not read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from markupsafe import Markup
from sqlalchemy import Float, Integer, String, column, func, select, table, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import is_sqlite
from app.forum.models import Post, Topic
from app.forum.queries import visible_category_ids
from app.web import Viewer

# Private-use code points mark highlights inside snippets; indexed text never contains them, so after
# HTML-escaping the snippet they are the only places where <mark> tags are put back.
MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKERS = re.compile(f"[{MARK_START}{MARK_END}]")
# Letters and digits only: FTS5's unicode61 tokenizer splits at "_" too, and the SQLite index keeps no
# positions (detail=column), so every term must be a single token, never a phrase.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12


@dataclass(frozen=True)
class SearchHit:
    """One matching post, with its highlighted snippet (safe HTML: escaped text plus <mark>)."""

    post_id: int
    topic_id: int
    post_number: int
    topic_title: str
    title_html: Markup
    snippet_html: Markup
    author_username: str | None
    author_display_name: str | None
    created_at: datetime

    @property
    def url(self) -> str:
        """The stable link that jumps to the post."""
        return f"/t/{self.topic_id}/{self.post_number}"


@dataclass(frozen=True)
class SearchPage:
    """A page of results with the total count for pagination."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of result pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        """True when another page follows."""
        return self.page < self.pages


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag in {"p", "br", "li", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}:
            self.parts.append(" ")


def plain_text(body_html: str) -> str:
    """The readable text of a rendered post (what search indexes and shows in snippets)."""
    extractor = _TextExtractor()
    extractor.feed(body_html or "")
    extractor.close()
    return _MARKERS.sub("", " ".join("".join(extractor.parts).split()))


def highlight_markup(marked: str) -> Markup:
    """Escape user text, then turn the highlight markers (and only them) into <mark> tags."""
    escaped = html.escape(marked, quote=True)
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def query_terms(query: str) -> list[str]:
    """The words of a query; punctuation and FTS operators are ignored, never interpreted."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def fts5_match_expression(query: str) -> str | None:
    """An FTS5 MATCH string in which every word is a quoted string, so no input is a syntax error."""
    terms = query_terms(query)
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


# ---------------------------------------------------------------- index maintenance


def _indexable(session: Session, post_id: int):
    return session.execute(
        select(Post.id, Post.post_number, Post.body_html, Topic.title)
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Post.id == post_id,
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
            Topic.hidden_at.is_(None),
        )
    ).first()


def remove_post(session: Session, post_id: int) -> None:
    """Take a post out of the index (hidden, deleted)."""
    if is_sqlite(session):
        session.flush()  # the triggers removed it with the values it was indexed with
        return
    session.execute(text("DELETE FROM post_search WHERE post_id = :id"), {"id": post_id})


def drop_removed_terms(session: Session) -> None:
    """Rewrite the SQLite index without the entries of changed or removed posts (FTS5 otherwise
    keeps their terms in old segments until a merge); used when a member's account is erased.
    PostgreSQL replaces a post's row, which vacuum then frees like any other row."""
    session.flush()
    if is_sqlite(session):
        session.execute(text("INSERT INTO post_search(post_search) VALUES ('optimize')"))


def index_post(session: Session, post_id: int) -> None:
    """(Re)index one post; posts that may not be shown are removed instead."""
    session.flush()
    if is_sqlite(session):
        return  # the triggers on post and topic did it in the same flush
    row = _indexable(session, post_id)
    remove_post(session, post_id)
    if row is None:
        return
    # Only a topic's first post carries the title, so a title match ranks that post, not every reply.
    title = _MARKERS.sub("", row.title) if row.post_number == 1 else ""
    body = plain_text(row.body_html)
    session.execute(
        text(
            "INSERT INTO post_search (post_id, document) VALUES (:id, "
            "setweight(to_tsvector('english', :title), 'A') || "
            "setweight(to_tsvector('english', :body), 'B'))"
        ),
        {"id": post_id, "title": title, "body": body},
    )


def index_topic_title(session: Session, topic_id: int) -> None:
    """Reindex a topic's first post after its title changed."""
    first = session.scalar(select(Post.id).where(Post.topic_id == topic_id, Post.post_number == 1))
    if first is not None:
        index_post(session, first)


def reindex_all(session: Session) -> int:
    """Rebuild the whole index from the posts (repairs); returns the number of posts indexed."""
    session.flush()
    if is_sqlite(session):
        session.execute(text("INSERT INTO post_search(post_search) VALUES('rebuild')"))
        return session.scalar(text("SELECT count(*) FROM post_search_source"))
    session.execute(text("DELETE FROM post_search"))
    ids = session.scalars(
        select(Post.id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.hidden_at.is_(None), Post.deleted_at.is_(None), Topic.hidden_at.is_(None))
        .order_by(Post.id)
    ).all()
    for post_id in ids:
        index_post(session, post_id)
    return len(ids)


# ---------------------------------------------------------------- querying


def _visible_filter(session: Session, viewer: Viewer):
    return (
        Topic.category_id.in_(sorted(visible_category_ids(session, viewer)) or [-1]),
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
        Topic.hidden_at.is_(None),
    )


def _base_columns():
    return (
        Post.id.label("post_id"),
        Post.topic_id,
        Post.post_number,
        Post.created_at,
        Topic.title.label("topic_title"),
        User.username,
        User.display_name,
    )


def _search_sqlite(session, viewer, query, start, per_page):
    match = fts5_match_expression(query)
    if match is None:
        return 0, []
    fts = text(
        "SELECT rowid AS post_id, bm25(post_search, 10.0, 1.0) AS rank, "
        f"highlight(post_search, 0, '{MARK_START}', '{MARK_END}') AS title_marked, "
        f"snippet(post_search, 1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet_marked "
        "FROM post_search WHERE post_search MATCH :match"
    ).columns(
        column("post_id", Integer), column("rank", Float), column("title_marked", String),
        column("snippet_marked", String),
    ).subquery("fts")
    filters = (Post.id == fts.c.post_id, *_visible_filter(session, viewer))
    joined = (
        select(fts.c.post_id)
        .join(Post, Post.id == fts.c.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(*filters)
    )
    total = session.scalar(select(func.count()).select_from(joined.subquery()), {"match": match})
    rows = session.execute(
        select(*_base_columns(), fts.c.title_marked, fts.c.snippet_marked)
        .select_from(fts)
        .join(Post, Post.id == fts.c.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(User, User.id == Post.author_id)
        .where(*filters)
        .order_by(fts.c.rank, Post.id.desc())
        .limit(per_page)
        .offset(start),
        {"match": match},
    ).all()
    return total or 0, rows


POST_SEARCH_PG = table("post_search", column("post_id", Integer), column("document", TSVECTOR))


def _search_postgresql(session, viewer, query, start, per_page):
    if not query_terms(query):
        return 0, []
    tsquery = func.websearch_to_tsquery("english", query[:MAX_QUERY_LENGTH])
    index = POST_SEARCH_PG
    matches = index.c.document.bool_op("@@")(tsquery)
    base = (
        select(Post.id)
        .select_from(index)
        .join(Post, Post.id == index.c.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(matches, *_visible_filter(session, viewer))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    # Rank and cut the page first; ts_headline is costly, so only the page's rows get one.
    rank = func.ts_rank(index.c.document, tsquery)
    page_ids = (
        base.add_columns(rank.label("rank")).order_by(rank.desc(), Post.id.desc())
        .limit(per_page).offset(start).subquery("page_ids")
    )
    body_text = func.regexp_replace(Post.body_html, "<[^>]+>", " ", "g")
    marks = f"StartSel={MARK_START}, StopSel={MARK_END}"
    rows = session.execute(
        select(
            *_base_columns(),
            func.ts_headline("english", Topic.title, tsquery, f"{marks}, HighlightAll=true").label("title_marked"),
            func.ts_headline(
                "english", body_text, tsquery, f"{marks}, MaxWords=35, MinWords=12, MaxFragments=2"
            ).label("snippet_marked"),
        )
        .select_from(page_ids)
        .join(Post, Post.id == page_ids.c.id)
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(User, User.id == Post.author_id)
        .order_by(page_ids.c.rank.desc(), Post.id.desc())
    ).all()
    return total or 0, rows


def _clean_marked(value: str | None, *, from_html: bool = False) -> str:
    # PostgreSQL headlines are taken from body_html with tags stripped, so entities remain to decode.
    value = html.unescape(value or "") if from_html else (value or "")
    return " ".join(value.split())


def search_posts(
    session: Session, viewer: Viewer, query: str, page: int = 1, per_page: int = 20, *, offset: int | None = None
) -> SearchPage:
    """Ranked, paginated search over what this viewer may see, with highlighted snippets."""
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), 100))
    start = (page - 1) * per_page if offset is None else offset
    query = (query or "").strip()
    sqlite = is_sqlite(session)
    runner = _search_sqlite if sqlite else _search_postgresql
    total, rows = runner(session, viewer, query, start, per_page)
    hits = []
    for row in rows:
        title_marked = row.title_marked if row.post_number == 1 and row.title_marked else row.topic_title
        hits.append(
            SearchHit(
                post_id=row.post_id,
                topic_id=row.topic_id,
                post_number=row.post_number,
                topic_title=row.topic_title,
                title_html=highlight_markup(_clean_marked(title_marked)),
                snippet_html=highlight_markup(_clean_marked(row.snippet_marked, from_html=not sqlite)),
                author_username=row.username,
                author_display_name=row.display_name,
                created_at=row.created_at,
            )
        )
    return SearchPage(query=query, hits=tuple(hits), total=total, page=page, per_page=per_page)
