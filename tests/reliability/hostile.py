"""Hostile values and request builders for walking every route of the app."""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

LONG = 5_000  # characters in a path or query value (URLs stay within what servers accept)
LONG_BODY = 70_000  # characters in a form or JSON field: above every field's own limit (60,000)

# Each value is raw bytes: what a client can put on the wire, valid UTF-8 or not.
HOSTILE: dict[str, bytes] = {
    "2^31": b"2147483648",  # one past PostgreSQL integer
    "2^63": b"9223372036854775808",  # one past SQLite INTEGER and PostgreSQL bigint
    "-2^63-1": b"-9223372036854775809",
    "10^23": b"99999999999999999999999",
    "10^12": b"1000000000000",  # days or seconds beyond what datetime holds
    "-1": b"-1",
    "0001-01-01": b"0001-01-01",
    "9999-12-31": b"9999-12-31",
    "nul": b"ab\x00cd",
    "controls": "a\x01\x1b[2J\x7f\u0085\u202eb\r\nBcc: victim@example.org".encode(),
    "bad-utf8": b"ab\xff\xfe\xc3(",
    "superscript-digit": "\u00b2".encode(),  # "²".isdigit() is True, int("²") fails
    "quote-marker": b"[quote=post:999999999999999999]\nhello @ab",
    "long": b"x" * LONG,
}
# A parameter declared as an integer refuses every non-number alike, so it gets the numbers and
# one text; text parameters (parsed by hand, stored, searched) get the rest.
NUMBER_VALUES = ("2^31", "2^63", "-2^63-1", "10^23", "-1", "nul")
TEXT_VALUES = tuple(name for name in HOSTILE if name not in ("-2^63-1", "10^23"))
# The member's walk, on every route too, uses fewer values: the admin reaches every handler.
MEMBER_NUMBER_VALUES = ("2^63", "nul")
MEMBER_TEXT_VALUES = ("2^63", "nul", "bad-utf8", "long")


@dataclass
class RouteShape:
    """What a route takes: its path, method and the names of its parameters by kind."""

    method: str
    path: str
    path_params: list[str] = field(default_factory=list)
    query_params: list[str] = field(default_factory=list)
    form_fields: list[str] = field(default_factory=list)
    json_fields: dict[str, type] = field(default_factory=dict)
    numeric: set[str] = field(default_factory=set)  # parameters declared as integers


def _model_of(annotation) -> type[BaseModel] | None:
    for candidate in typing.get_args(annotation) or (annotation,):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_int(annotation) -> bool:
    return annotation is int or int in typing.get_args(annotation) or "list[int]" in str(annotation)


def route_shapes(app, extra_form_fields: dict[str, list[str]]) -> list[RouteShape]:
    """Every (method, route) of the app with its parameters; HEAD is walked like GET."""
    shapes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        for method in sorted(context.methods):
            shape = RouteShape(method, context.path)
            shape.path_params = [p.name for p in dependant.path_params]
            shape.query_params = [p.alias for p in dependant.query_params]
            for param in dependant.path_params + dependant.query_params:
                if _is_int(param.field_info.annotation):
                    shape.numeric.add(param.alias)
            for param in dependant.body_params:
                if isinstance(param.field_info, params.Form):
                    shape.form_fields.append(param.alias)
                elif (model := _model_of(param.field_info.annotation)) is not None:
                    shape.json_fields.update({k: f.annotation for k, f in model.model_fields.items()})
                    shape.numeric |= {k for k, f in model.model_fields.items() if _is_int(f.annotation)}
            shape.form_fields += extra_form_fields.get(f"{method} {context.path}", [])
            shapes.append(shape)
    return shapes


def _text(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def build_url(shape: RouteShape, values: dict[str, bytes]) -> str:
    """The URL with path and query values percent-encoded from raw bytes."""
    path = shape.path
    for name in shape.path_params:
        path = path.replace("{" + name + "}", quote_from_bytes(_text(values[name]), safe=""))
    query = "&".join(
        f"{name}={quote_from_bytes(_text(values[name]), safe='')}" for name in shape.query_params if name in values
    )
    return path + (f"?{query}" if query else "")


def form_body(shape: RouteShape, values: dict[str, bytes]) -> bytes:
    """An application/x-www-form-urlencoded body from raw bytes."""
    return b"&".join(
        f"{name}=".encode() + quote_from_bytes(_text(values[name]), safe="").encode()
        for name in shape.form_fields if name in values
    )


def _json_value(annotation, raw: bytes):
    """The JSON value to send for a raw value: numbers stay numbers where the field is numeric."""
    text = raw.decode("utf-8", "surrogateescape")
    if annotation in (int, int | None, float) or "int" in str(annotation):
        try:
            number = int(text)
        except ValueError:
            return text
        return [number] if "list" in str(annotation) else number
    if "list" in str(annotation):
        return [text]
    return text


def json_body(shape: RouteShape, values: dict[str, bytes], hostile_field: str | None) -> bytes:
    """A JSON body; a value that is not valid UTF-8 is written into it as raw bytes."""
    document, raw_field = {}, None
    for name, annotation in shape.json_fields.items():
        if name not in values:
            continue
        raw = _text(values[name])
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raw_field, document[name] = raw, "\ue000"
            continue
        document[name] = _json_value(annotation, raw)
    body = json.dumps(document).encode()
    if raw_field is not None:
        body = body.replace(json.dumps("\ue000").encode(), b'"' + raw_field + b'"')
    return body


def long_for(kind: str, raw: bytes) -> bytes:
    """Body fields get a much longer 'long' value than URLs."""
    return b"x" * LONG_BODY if kind in ("form", "json") and raw == HOSTILE["long"] else raw
