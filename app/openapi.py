"""The JSON API's shared contract: the error shape, limit/offset paging, and the OpenAPI document.

The document lists only the routes under /api/ (pages are not an API), declares bearer-token
auth, and gives every operation the one error shape `{"error", "detail"}` for its 4xx answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Query
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

API_PREFIX = "/api/"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 100_000
SECURITY_SCHEME = "bearerAuth"

T = TypeVar("T")


class ErrorRead(BaseModel):
    """The shape of every API error: a message a person can act on, and optional detail."""

    error: str = Field(description="What went wrong, in plain words.")
    detail: Any = Field(
        None, description="More detail when there is any: for invalid input, field name → message."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list: `next_offset` is the offset of the next page, or null at the end."""

    items: list[T]
    limit: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True)
class Paging:
    """The caller's limit and offset, already checked against their bounds."""

    limit: int
    offset: int

    def page(self, rows: list, convert=lambda row: row) -> dict:
        """Envelope for rows fetched with `limit + 1`: the extra row only says that more follow."""
        more = len(rows) > self.limit
        return {
            "items": [convert(row) for row in rows[: self.limit]],
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": self.offset + self.limit if more else None,
        }

    def slice(self, rows: list, convert=lambda row: row) -> dict:
        """Page a short list that is already complete in memory (categories, leaderboard)."""
        return self.page(rows[self.offset : self.offset + self.limit + 1], convert)


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (0–100000).")] = 0,
) -> Paging:
    """The paging parameters every list endpoint takes."""
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]

ERROR_RESPONSES = {
    "400": "The request could not be read.",
    "401": "No valid credentials: the bearer token is missing, invalid or revoked.",
    "403": "The caller may not do this (or, with a session cookie, the X-CSRF-Token header is missing).",
    "404": "Nothing there, or nothing the caller may see.",
    "409": "The request clashes with the current state.",
    "413": "The request body is too large.",
    "422": "Some fields are missing or invalid; `detail` maps each field to its message.",
    "429": "Too many requests; the Retry-After header says how many seconds to wait.",
}

DESCRIPTION = """\
Hearth's JSON API. Every path starts with `/api/v1`.

**Authentication.** Create a personal token on your preferences page (*Preferences › API tokens*)
or with `hearth create-token USERNAME`, then send it as `Authorization: Bearer hth_…`.
Read endpoints work without a token and show what a visitor may see. A request that uses the
browser's session cookie instead must send the `X-CSRF-Token` header on POST, PATCH and DELETE.

**Paging.** Every list takes `limit` (1–100, default 20) and `offset` (0–100000) and answers
`{"items": [...], "limit", "offset", "next_offset"}`; `next_offset` is null on the last page.
The topic list also answers `after`/`before` cursors for paging by key.

**Errors.** Every 4xx answer is `{"error": "message", "detail": ...}`.
"""


# Declared by the dependency that requires a member, so FastAPI marks exactly those operations;
# the secret itself is checked once per request by accounts.auth.load_viewer.
bearer_scheme = HTTPBearer(auto_error=False, scheme_name=SECURITY_SCHEME, bearerFormat="hth_…",
                           description="A personal API token: `Authorization: Bearer hth_…`.")


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _reachable_schemas(paths: dict, schemas: dict) -> dict:
    prefix = "#/components/schemas/"
    todo = [ref[len(prefix):] for ref in _refs(paths) if ref.startswith(prefix)]
    kept: dict = {}
    while todo:
        name = todo.pop()
        if name in kept or name not in schemas:
            continue
        kept[name] = schemas[name]
        todo.extend(ref[len(prefix):] for ref in _refs(schemas[name]) if ref.startswith(prefix))
    return dict(sorted(kept.items()))


def build_openapi(app: FastAPI) -> dict:
    """The OpenAPI 3.1 document of the JSON API (cached on the app like FastAPI's own)."""
    if app.openapi_schema:
        return app.openapi_schema
    full = get_openapi(
        title=f"{app.title} API", version=app.version, openapi_version=app.openapi_version,
        description=DESCRIPTION, routes=app.routes,
    )
    paths = {path: operations for path, operations in full["paths"].items() if path.startswith(API_PREFIX)}
    for operations in paths.values():
        for operation in operations.values():
            required = any(SECURITY_SCHEME in item for item in operation.get("security", []))
            operation["security"] = [{SECURITY_SCHEME: []}] if required else [{SECURITY_SCHEME: []}, {}]
            responses = {**operation.get("responses", {}), **{code: {"$ref": f"#/components/responses/{code}"} for code in ERROR_RESPONSES}}
            operation["responses"] = dict(sorted(responses.items()))
    schemas = _reachable_schemas(paths, full.get("components", {}).get("schemas", {}))
    schemas["ErrorRead"] = ErrorRead.model_json_schema(ref_template="#/components/schemas/{model}")
    full["paths"] = paths
    full["components"] = {
        "schemas": schemas,
        "responses": {
            code: {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorRead"}}},
            }
            for code, text in ERROR_RESPONSES.items()
        },
        "securitySchemes": full.get("components", {}).get("securitySchemes", {}),
    }
    app.openapi_schema = full
    return full
