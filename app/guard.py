"""Request guard: a body size limit and the refusal, before anything is parsed, of NUL, control
characters and invalid UTF-8 in the URL and in form/JSON bodies; validated id and page types."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import unquote_to_bytes

from fastapi import Path, Query
from starlette.requests import Request

from app.error_pages import error_response
from app.errors import PayloadTooLarge
from app.i18n import N_, Msg
from app.inputs import MAX_ID, MAX_PAGE

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id.")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

# C0 controls and DEL; tab, newline and carriage return are ordinary text in query values and bodies.
_URL_PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A JSON \u0000 escape: the backslash is not itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = "application/x-www-form-urlencoded"


def _decoded(raw: bytes, *, plus: bool) -> str | None:
    """Percent-decode raw bytes as strict UTF-8; None when they are not UTF-8."""
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ") if plus else raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _url_problem(scope) -> str | None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    path = _decoded(raw_path.split(b"?", 1)[0], plus=False)
    if path is None or _URL_PATH_CONTROLS.search(path):
        return N_("The address contains characters that are not allowed (control characters or invalid UTF-8).")
    for pair in scope.get("query_string", b"").split(b"&"):
        value = _decoded(pair, plus=True)
        if value is None or _TEXT_CONTROLS.search(value):
            return N_("The query contains characters that are not allowed (control characters or invalid UTF-8).")
    return None


def _body_problem(content_type: str, body: bytes) -> str | None:
    if content_type.startswith(_FORM):
        for pair in body.split(b"&"):
            value = _decoded(pair, plus=True)
            if value is None or "\x00" in value:
                return N_("The form contains characters that are not allowed (NUL or invalid UTF-8).")
    elif "json" in content_type and _JSON_NUL.search(body):
        return N_("Text may not contain NUL characters.")
    return None


def _headers_only(send):
    async def send_without_body(message):
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_without_body


async def _read_all(receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it passes limit."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class RequestGuard:
    """ASGI middleware: refuse a bad URL at once and a too large body before it is read; read
    form and JSON bodies whole (at most max_body_bytes) and check them before the app parses
    them; answer HEAD wherever GET is answered."""

    def __init__(self, app, max_body_bytes: int, max_multipart_bytes: int | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Multipart bodies carry uploaded images, so they may be larger than forms and JSON.
        self.max_multipart_bytes = max(max_multipart_bytes or 0, max_body_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        problem = _url_problem(scope)
        if problem:
            return await error_response(request, 400, problem)(scope, receive, send)
        if scope["method"] == "HEAD":
            # FastAPI routes answer only the methods they declare; HEAD is GET without the body.
            scope, send = {**scope, "method": "GET"}, _headers_only(send)
        content_type = request.headers.get("content-type", "").lower()
        declared = request.headers.get("content-length", "")
        limit = self.max_multipart_bytes if content_type.startswith("multipart/") else self.max_body_bytes
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            return await self._too_large(request, scope, receive, send, limit)  # refused unread
        if content_type.startswith(_FORM) or "json" in content_type:
            body = await _read_all(receive, self.max_body_bytes)
            if body is None:
                return await self._too_large(request, scope, receive, send)
            problem = _body_problem(content_type, body)
            if problem:
                return await error_response(request, 400, problem)(scope, receive, send)
            return await self.app(scope, _replay(body, receive), send)
        await self._streamed(request, scope, receive, send, limit)

    async def _streamed(self, request, scope, receive, send, limit: int):
        """Other bodies (multipart) stream through, counted; past the limit the answer is 413,
        whatever the app made of the cut-off body."""
        state = {"read": 0, "over": False, "answered": False}

        async def counted_receive():
            message = await receive()
            state["read"] += len(message.get("body", b""))
            if state["read"] > limit:
                state["over"] = True
                raise PayloadTooLarge(self._message(limit))
            return message

        async def guarded_send(message):
            if not state["over"]:
                return await send(message)
            if not state["answered"]:
                state["answered"] = True
                await self._too_large(request, scope, receive, send, limit)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except PayloadTooLarge:
            if not state["answered"]:
                await self._too_large(request, scope, receive, send, limit)

    def _message(self, limit: int | None = None) -> Msg:
        return Msg("The request is larger than this site accepts (%(limit)s bytes).", limit=f"{limit or self.max_body_bytes:,}")

    async def _too_large(self, request, scope, receive, send, limit: int | None = None):
        await error_response(request, 413, self._message(limit))(scope, receive, send)
