"""What a search query means: words, hyphen/compound variants and prefix matching, for FTS5 and PostgreSQL.

People write the same word joined and hyphenated ("wifi", "Wi-Fi", "e-mail"). The index holds both
forms of every hyphenated word (the split words as the text has them, plus the joined form), so a
query only needs the joined form of a hyphenated word to find both spellings. The last word of a
query also matches as a prefix ("wif" finds "wifi"), because people search while they type.
"""

from __future__ import annotations

import re

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MIN_PREFIX = 3  # shorter prefixes match too much to help and scan large parts of the index
# Letters and digits only: FTS5's unicode61 tokenizer splits at "_" too, and the SQLite index keeps no
# positions (detail=column), so every term must be a single token, never a phrase. A hyphenated
# word ("wi-fi") is one term, searched as its joined form.
_TERM = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)+", re.UNICODE)
# A hyphen between two letters or digits joins a compound; "-word" at a word's start is negation.
_INNER_HYPHEN = re.compile(r"(?<=[^\W_])-(?=[^\W_])", re.UNICODE)


def joined_compounds(text: str) -> str:
    """The joined forms of the text's hyphenated words ("Hub loses Wi-Fi" → "WiFi"), for the index."""
    return " ".join(match.replace("-", "") for match in _COMPOUND.findall(text or ""))


def query_terms(query: str) -> list[str]:
    """The words of a query, hyphenated words joined; punctuation and FTS operators are never interpreted."""
    return [term.replace("-", "") for term in _TERM.findall((query or "")[:MAX_QUERY_LENGTH])][:MAX_TERMS]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _wants_prefix(query: str, terms: list[str]) -> bool:
    """Prefix-match the last word unless the query ends with a closed phrase."""
    text = (query or "").strip()[:MAX_QUERY_LENGTH]
    return bool(terms) and len(terms[-1]) >= MIN_PREFIX and not text.endswith('"')


def fts5_match_expression(query: str) -> str | None:
    """An FTS5 MATCH string: every word quoted (no input is a syntax error), the last also as a prefix."""
    terms = query_terms(query)
    if not terms:
        return None
    parts = [_quoted(term) for term in terms]
    if _wants_prefix(query, terms):
        parts[-1] = f"({parts[-1]} OR {parts[-1]}*)"
    return " AND ".join(parts)


def _outside_quotes(query: str, change) -> str:
    """Apply `change` to the parts of a web-search query that are not inside double quotes."""
    pieces = query.split('"')
    return '"'.join(change(piece) if index % 2 == 0 else piece for index, piece in enumerate(pieces))


def postgresql_query_parts(query: str) -> tuple[str, str | None]:
    """(web-search text, last word to prefix-match or None) for PostgreSQL.

    The web-search syntax (quoted phrases, `or`, `-word`) is kept as typed; only hyphenated words outside
    quotes are joined, as in the index. When the query ends in a plain word, that word is split off so it
    can match as a whole word or as a prefix (`websearch_to_tsquery(rest) && (word | word:*)`).
    """
    text = _outside_quotes((query or "")[:MAX_QUERY_LENGTH], lambda piece: _INNER_HYPHEN.sub("", piece))
    if text.count('"') % 2:
        return text, None  # an open phrase: the last word belongs to it
    match = re.search(r"(^|\s)([^\W_]+)$", text, re.UNICODE)
    if not match or len(match.group(2)) < MIN_PREFIX:
        return text, None
    rest = text[: match.start(2)]
    before = rest.split()
    if before and before[-1].lower() == "or":
        return text, None  # "cats or dog": splitting would turn the OR into an AND
    return rest, match.group(2)
