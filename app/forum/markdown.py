"""Markdown to safe HTML: markdown-it-py with raw HTML off, then an nh3 allow-list.

Mentions (`@username`) and quotes (a blockquote whose first line is `[quote=post:123]`) are
found on the token stream, so nothing inside code spans, code blocks or links counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MENTION_RE = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9][A-Za-z0-9_.-]{1,31})")
QUOTE_MARKER_RE = re.compile(r"^\[quote=post:(\d{1,18})\][ \t]*(?:\n|$)")
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
    "pre", "code", "em", "strong", "del", "s", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "ol": {"start"},
    "p": {"class"},
    "blockquote": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


@dataclass(frozen=True)
class Extracted:
    """Candidate mentions (lower-cased usernames) and quoted post ids found in a source text."""

    usernames: frozenset[str] = frozenset()
    quoted_post_ids: tuple[int, ...] = ()


@dataclass
class _Env:
    members: Mapping[str, str] = field(default_factory=dict)  # username_key -> username
    quotes: Mapping[int, str] = field(default_factory=dict)  # post id -> author username
    usernames: set[str] = field(default_factory=set)
    quote_ids: list[int] = field(default_factory=list)


def _mention_parts(text: str, members: Mapping[str, str] | None):
    """Split text into plain strings and (username) mention tuples; None members = collect all."""
    position = 0
    for match in MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-")
        key = name.lower()
        if members is not None and key not in members:
            continue
        end = match.start() + 1 + len(name)
        if match.start() > position:
            yield text[position : match.start()]
        yield (name, key)
        position = end
    if position < len(text):
        yield text[position:]


def _quotes_rule(state: StateCore) -> None:
    """Strip `[quote=post:N]` from the first line of a blockquote and put a header token there."""
    env: _Env = state.env["hearth"]
    tokens = state.tokens
    index = 0
    while index < len(tokens) - 2:
        token = tokens[index]
        if (
            token.type == "blockquote_open"
            and tokens[index + 1].type == "paragraph_open"
            and tokens[index + 2].type == "inline"
        ):
            inline = tokens[index + 2]
            match = QUOTE_MARKER_RE.match(inline.content)
            if match:
                post_id = int(match.group(1))
                env.quote_ids.append(post_id)
                inline.content = inline.content[match.end() :]
                header = Token("hearth_quote_header", "", 0)
                header.meta = {"post_id": post_id}
                header.block = True
                tokens.insert(index + 1, header)
                token.attrSet("class", "quote")
                if not inline.content.strip():
                    # The marker was the whole paragraph: drop the empty paragraph.
                    del tokens[index + 2 : index + 5]
        index += 1


def _mentions_rule(state: StateCore) -> None:
    """Turn @username in plain text (outside links and code) into profile links."""
    env: _Env = state.env["hearth"]
    collect = env.members is None
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for child in block.children:
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            if child.type != "text" or link_depth > 0 or "@" not in child.content:
                children.append(child)
                continue
            for part in _mention_parts(child.content, None if collect else env.members):
                if isinstance(part, str):
                    text = Token("text", "", 0)
                    text.content = part
                    children.append(text)
                    continue
                name, key = part
                env.usernames.add(key)
                if collect:
                    text = Token("text", "", 0)
                    text.content = "@" + name
                    children.append(text)
                    continue
                username = env.members[key]
                opening = Token("link_open", "a", 1)
                opening.attrs = {"href": f"/u/{username}", "class": "mention"}
                label = Token("text", "", 0)
                label.content = "@" + username
                children.extend([opening, label, Token("link_close", "a", -1)])
        block.children = children


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.core.ruler.after("block", "hearth_quotes", _quotes_rule)
    md.core.ruler.push("hearth_mentions", _mentions_rule)

    def quote_header(self, tokens, idx, options, env):
        post_id = tokens[idx].meta["post_id"]
        author = env["hearth"].quotes.get(post_id)
        if author is None:
            return ""
        return (
            f'<p class="quote-head"><a href="/p/{post_id}">@{escape(author)}</a> wrote:</p>\n'
        )

    md.add_render_rule("hearth_quote_header", quote_header)
    return md


_MD = _build()


def extract(source: str) -> Extracted:
    """Usernames mentioned and post ids quoted in a Markdown source (code and links excluded)."""
    env = _Env(members=None)  # type: ignore[arg-type]
    _MD.parse(source, {"hearth": env})
    return Extracted(usernames=frozenset(env.usernames), quoted_post_ids=tuple(dict.fromkeys(env.quote_ids)))


def sanitize(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; every link gets rel=nofollow ugc noopener."""
    return nh3.clean(
        CONTROL_CHARS_RE.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(
    source: str,
    *,
    members: Mapping[str, str] | None = None,
    quotes: Mapping[int, str] | None = None,
) -> str:
    """Render Markdown to sanitized HTML.

    members maps lower-cased usernames of existing members to their spelling (only those become
    links); quotes maps quoted post ids the writer may see to the quoted author's username.
    """
    env = _Env(members=members or {}, quotes=quotes or {})
    return sanitize(_MD.render(CONTROL_CHARS_RE.sub("", source), {"hearth": env}))


def excerpt(html: str, length: int = 240) -> str:
    """Plain text of rendered (already sanitized) HTML, shortened: no markup, no Markdown syntax."""
    from html import unescape

    text = " ".join(unescape(nh3.clean(html, tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
