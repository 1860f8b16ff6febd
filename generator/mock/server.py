"""Mock server: serve every operation of a spec over real HTTP, from the same loaded spec as the generator.

    python -m generator mock specs/kombo.yaml --port 8000
    with MockServer("specs/kombo.yaml") as mock: ...  mock.url, mock.log

Responses come from the spec's examples (the first, or ``Prefer: example=NAME``), else are built from the
schema (defaults, enums, formats, required fields); ``Prefer: code=404`` picks a status. Requests are
validated: unknown route 404, wrong method 405, missing credentials 401, unsupported media type 415,
invalid parameters or body 422. Errors use the spec's own error response for that status (``4XX`` or
``default`` too) with the violations in its message field, else ``application/problem+json`` listing each
violation with its location.

Faults, per request through ``Prefer`` (``latency=MS``, ``fault=reset|truncate``,
``sequence=503 503 200``, ``retry-after=S``) or per server through ``MockOptions``. Every request is logged
(``MockServer.log``, and JSON lines with ``--log``). The server binds to loopback unless told otherwise.

A vendor who does not follow its own description is played with ``actual`` (``--actual TRUE``): requests
are matched and validated by the documented description (what a client generated from it sends), replies
are built from the actual one's operation of the same method and path template (its statuses, media types,
examples and schemas); an operation the actual description lacks is answered 404.

Clients are not trusted either: every request gets a reply rather than a dropped connection (bad framing
400, a body over ``max_body_bytes`` 413 unread, a failure of the mock 500), a connection has
``idle_timeout`` for each request, at most ``max_connections`` are served at once, and routes are matched
in linear time (``PathTemplate``).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import io
import ipaddress
import json
import math
import random
import re
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

try:
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

from ..core import pointer as jp
from ..core import validate
from ..core.build_ir.types import CONSTRAINTS, narrowing_only
from ..core.diagnostics import Diagnostics
from ..core.load import RefPolicy, Spec, load_spec, parse_bytes, read_document
from . import paging
from .paging import Pages

#: The bytes every binary response of the mock carries; file metadata it serves describes them.
MOCK_FILE = b"mock file content\n"

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_BODY = 10 * 1024 * 1024  # MockOptions.max_body_bytes by default
MAX_DEPTH = 8


class MockError(Exception):
    pass


class MockSpecError(MockError):
    """The spec is refused: what ``generate`` refuses a document for (``diagnostics``, the same ones)."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics.errors))
        self.diagnostics = diagnostics


@dataclass
class MockOptions:
    latency_ms: tuple[float, float] = (0.0, 0.0)  # every reply waits a uniform time in this range
    sequences: dict[str, list[int]] = field(
        default_factory=dict
    )  # "GET /v1/x" -> statuses served in order (last repeats)
    retry_after: str | None = None  # sent with 429/503 replies
    credentials: dict[str, str] = field(default_factory=dict)  # security scheme -> the only value accepted
    log_file: Path | None = None
    seed: int = 0
    keep_raw: bool = False  # each log entry also keeps the raw request and reply ("raw"), unredacted
    require_credentials: bool = True  # False: requests without the security's credentials are let through
    pages: int = 3  # a paginated operation serves this many pages (below 2: its body as it is, unpaged)
    max_body_bytes: int = MAX_BODY  # a longer request body is refused with 413, unread (or, chunked, read no further)
    idle_timeout: float = 30.0  # seconds a connection has for each request's line and headers, then for its body
    max_connections: int = 256  # connections served at once; one more is answered 503 and closed


def _load_actual(
    spec: str | Path,
    overlays: tuple[str | Path, ...],
    actual: str | Path,
    actual_overlays: tuple[str | Path, ...],
    policy: RefPolicy,
) -> Spec:
    """The description of what the server really sends: ``actual`` with ``actual_overlays``; when
    ``actual`` is an Overlay document, the documented description (its overlays applied) with ``actual``
    and ``actual_overlays`` applied on top. Refused, as the documented one is, when generate would
    refuse it."""
    try:
        head = parse_bytes(read_document(Path(actual)), str(actual).lower().endswith(".json"))
    except (OSError, ValueError, UnicodeDecodeError):
        head = None  # load_spec reads it again and says what is wrong
    is_overlay = isinstance(head, dict) and "overlay" in head and "openapi" not in head
    loaded = (
        load_spec(spec, (*overlays, actual, *actual_overlays), policy)
        if is_overlay
        else load_spec(actual, actual_overlays, policy)
    )
    refused = validate.problems(loaded)
    if refused.has_errors:
        raise MockSpecError(refused)
    return loaded


def _shape(api: Api, route: Route) -> str:
    """A route's path below the server's path, each parameter written ``{}``: how an operation of one
    description is found in another."""
    return re.sub(r"\{[^}/]+\}", "{}", route.template[len(api.prefix) :])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the spec, as routes --------------------------------------------------------------------------


@dataclass
class Route:
    method: str
    template: str  # full path template, server prefix included
    path: PathTemplate
    names: list[str]
    doc: str
    ptr: str
    op: dict[str, Any]
    params: list[tuple[str, dict[str, Any]]]  # (pointer, parameter)
    security: list[dict[str, Any]]


class Api:
    """A loaded spec, its routes and a validator factory."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.data = spec.data
        self.is_31 = str(self.data.get("openapi", "")).startswith("3.1")
        self.prefix = self._prefix()
        self.routes: list[Route] = []
        for path, raw_item in (self.data.get("paths") or {}).items():
            doc, item_ptr, item = self.follow(spec.root, jp.join("/paths", path), raw_item)
            if not isinstance(item, dict):
                continue
            sent = path.split("#", 1)[0]  # a "#..." suffix tells operations apart and is never sent
            names = re.findall(r"\{([^}/]+)\}", sent)
            template = PathTemplate(self.prefix, sent)
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                op_ptr = jp.join(item_ptr, method)
                params: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
                for base, holder in ((item_ptr, item), (op_ptr, op)):
                    for i, raw in enumerate(holder.get("parameters") or []):
                        _, pptr, param = self.follow(doc, jp.join(base, "parameters", i), raw)
                        if isinstance(param, dict):
                            params[(str(param.get("in")), str(param.get("name")))] = (pptr, param)
                security = op.get("security", self.data.get("security")) or []
                self.routes.append(
                    Route(
                        method.upper(),
                        self.prefix + path,
                        template,
                        names,
                        doc,
                        op_ptr,
                        op,
                        list(params.values()),
                        security,
                    )
                )
        self._validators: dict[str, Any] = {}
        self.serves_files = any(_serves_file(self, route) for route in self.routes)

    def _prefix(self) -> str:
        servers = self.data.get("servers") or []
        first = servers[0] if servers and isinstance(servers[0], dict) else {}
        variables = _dict(first.get("variables"))

        def default(found: re.Match[str]) -> str:
            variable = variables.get(found.group(1))
            value = variable.get("default") if isinstance(variable, dict) else None
            return str(value) if isinstance(value, (str, int)) else "x"

        url = re.sub(r"\{([^}]*)\}", default, str(first.get("url", "")))
        return urllib.parse.urlsplit(url).path.rstrip("/")

    def follow(self, doc: str, ptr: str, node: Any) -> tuple[str, str, Any]:
        return self.spec.locate(doc, ptr, node)

    def validator(self, doc: str, ptr: str, direction: str = "request") -> Any:
        """A JSON Schema validator (OpenAPI's dialect) for the schema at ``doc#ptr``, in one direction:
        a required readOnly property is not required of a request, a required writeOnly one not of a
        response."""
        key = f"{direction}:{doc}#{ptr}"
        if key not in self._validators:
            from jsonschema.validators import extend
            from openapi_schema_validator import (
                OAS30Validator,
                OAS31Validator,
                oas30_format_checker,
                oas31_format_checker,
            )
            from openapi_schema_validator import _keywords as oas_keywords
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT4, DRAFT202012

            spec_kind = DRAFT202012 if self.is_31 else DRAFT4
            registry: Registry = Registry().with_resources(
                (k, Resource.from_contents(v, default_specification=spec_kind)) for k, v in self.spec.documents.items()
            )
            base = OAS31Validator if self.is_31 else OAS30Validator
            required = oas_keywords.write_required if direction == "request" else oas_keywords.read_required
            cls = extend(base, validators={"required": required})
            checker = oas31_format_checker if self.is_31 else oas30_format_checker
            self._validators[key] = cls({"$ref": key.split(":", 1)[1]}, registry=registry, format_checker=checker)
        return self._validators[key]

    def serves(self, key: str) -> bool:
        """Whether ``"METHOD /path"`` (a path as requested, or a route's template) names an operation."""
        method, _, path = key.strip().partition(" ")
        method, path = method.upper(), path.strip()
        return self.match(method, path)[0] is not None or any(
            r.method == method and r.template == path for r in self.routes
        )

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, path values, methods allowed on the path when the method is wrong)."""
        allowed = []
        parts = path.split("/")
        for route in self.routes:
            found = route.path.match(parts)
            if found is None:
                continue
            if route.method == method:
                return route, {name: urllib.parse.unquote(v) for name, v in zip(route.names, found)}, []
            allowed.append(route.method)
        return None, {}, allowed


def _serves_file(api: Api, route: Route) -> bool:
    """Whether an operation answers with a file (a binary or non-JSON, non-text success)."""
    for key, raw in (route.op.get("responses") or {}).items():
        if not str(key).startswith("2"):
            continue
        response = api.follow(route.doc, jp.join(route.ptr, "responses", key), raw)[2]
        for media in _dict(_dict(response).get("content")):
            bare = str(media).split(";")[0].strip().lower()
            if not (bare.endswith("json") or bare.startswith("text/")):
                return True
    return False


class PathTemplate:
    """A path template (the server's path, then the operation's) matched without backtracking. It is cut
    at each ``/`` into segments, and a segment is literal text, or literal texts around parameters
    (``{id}``, ``{a}.{b}``, ``{a}{b}-x``); a parameter takes one or more characters other than ``/``.
    Where a segment's parameters could split it several ways, each takes as much as the ones after it
    leave, as a greedy regular expression would: the segment's literals are placed from the right, each
    at its last occurrence that leaves the parameter after it a character. That is one backwards scan
    per segment, so any path is matched in time linear in its length."""

    def __init__(self, prefix: str, template: str) -> None:
        segments: list[tuple[str, ...]] = [("",)]  # the literal texts around each segment's parameters
        for index, piece in [(-1, prefix), *_template_parts(template)]:
            if index >= 0:
                segments[-1] = (*segments[-1], "")
                continue
            first, *rest = piece.split("/")
            segments[-1] = (*segments[-1][:-1], segments[-1][-1] + first)
            segments.extend((text,) for text in rest)
        self.size = len(segments)
        self.fixed = tuple((i, texts[0]) for i, texts in enumerate(segments) if len(texts) == 1)
        self.holes = tuple((i, texts) for i, texts in enumerate(segments) if len(texts) > 1)

    def match(self, parts: list[str]) -> list[str] | None:
        """The parameters' values (in template order) when the path cut at ``/`` into ``parts`` matches."""
        if len(parts) != self.size:
            return None
        for i, text in self.fixed:
            if parts[i] != text:
                return None
        values: list[str] = []
        for i, texts in self.holes:
            found = _segment_values(texts, parts[i])
            if found is None:
                return None
            values.extend(found)
        return values


def _segment_values(texts: tuple[str, ...], part: str) -> list[str] | None:
    """The values of the parameters between ``texts`` in one path segment, or None."""
    head, tail = texts[0], texts[-1]
    if len(part) < sum(map(len, texts)) + len(texts) - 1 or not part.startswith(head) or not part.endswith(tail):
        return None
    floor = len(head) + 1  # the first parameter takes a character at least
    end = len(part) - len(tail)  # where the parameter being placed ends
    values = []
    for text in reversed(texts[1:-1]):
        at = part.rfind(text, floor, end - 1) if text else end - 1
        if at < floor:
            return None
        values.append(part[at + len(text) : end])
        end = at
    values.append(part[len(head) : end])
    values.reverse()
    return values


def _template_parts(path: str) -> list[tuple[int, str]]:
    parts, index = [], 0
    for piece in re.split(r"(\{[^}/]+\})", path):
        if piece.startswith("{"):
            parts.append((index, piece))
            index += 1
        elif piece:
            parts.append((-1, piece))
    return parts


# --- values from schemas ---------------------------------------------------------------------------

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "email": "user@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "bW9jaw==",
    "binary": "mock",
    "password": "secret",
}


class Synth:
    """A value valid against a schema: its example, default, const or first enum value, else built.
    ``examples=False`` builds even where the schema has an example (examples are often wrong);
    ``optional_depth`` is how deep optional properties are filled in (below it, only required ones, so a
    recursive schema ends where nothing more is required); ``direction`` leaves out what the other
    direction alone carries (readOnly properties from requests, writeOnly ones from responses)."""

    def __init__(
        self, api: Api, examples: bool = True, optional_depth: int = 3, direction: str = "response", choice: int = 0
    ) -> None:
        self.api = api
        self.choice = choice  # which member of a oneOf or anyOf to build (counted from the first)
        self.examples = examples
        self.optional_depth = optional_depth
        self.skip = "readOnly" if direction == "request" else "writeOnly"

    def value(self, doc: str, ptr: str, node: Any, depth: int = 0, required: frozenset[str] = frozenset()) -> Any:
        """``required``: property names an enclosing ``allOf`` requires, though this part lists them."""
        doc, ptr, node = self.api.follow(doc, ptr, node)
        if not isinstance(node, dict):
            return None
        if "const" in node:
            return node["const"]
        if "example" in node and depth == 0 and self.examples:
            return node["example"]
        if isinstance(node.get("examples"), list) and node["examples"] and depth == 0 and self.examples:
            return node["examples"][0]
        if "default" in node:
            return node["default"]
        if isinstance(node.get("enum"), list) and node["enum"]:
            return next((v for v in node["enum"] if v is not None), node["enum"][0])
        if isinstance(node.get("allOf"), list):
            # Members that only annotate or constrain (``{nullable: false}``, ``{minimum: 0}``) add no
            # value of their own: their constraints go to the one member that says what the value is, and
            # members that are all plain values (``{type: string}`` with ``$ref: Id``) make one schema.
            members = [(jp.join(ptr, "allOf", i), part) for i, part in enumerate(node["allOf"])]
            followed = [self.api.follow(doc, part_ptr, part) for part_ptr, part in members]
            parts = [m for m, (_, _, target) in zip(members, followed, strict=True) if not narrowing_only(target)]
            constraints = {
                key: value
                for _, _, target in followed
                if isinstance(target, dict) and narrowing_only(target)
                for key, value in target.items()
                if key in CONSTRAINTS
            }
            said = [followed[members.index(part)] for part in parts]
            plain = all(
                isinstance(t, dict) and t.get("type") not in (None, "object") and not _COMPOSED.intersection(t)
                for _, _, t in said
            )
            merges_values = (len(said) == 1 and bool(constraints)) or (len(said) > 1 and plain)
            if merges_values and "properties" not in node:
                tdoc, tptr, _ = said[0]
                schema: dict[str, Any] = {}
                for _, _, target in said:
                    schema.update(target if isinstance(target, dict) else {})
                return self.value(tdoc, tptr, {**schema, **constraints}, depth + 1, required)
            every = set(required) | set(node.get("required") or [])
            for part_ptr, part in parts:
                every |= set(_dict(self.api.follow(doc, part_ptr, part)[2]).get("required") or [])
            merged: dict[str, Any] = {}
            scalar: Any = _NONE
            for part_ptr, part in parts:
                value = self.value(doc, part_ptr, part, depth + 1, frozenset(every))
                if isinstance(value, dict):
                    merged.update(value)
                elif value is not None and scalar is _NONE:
                    scalar = value
            own = {k: v for k, v in node.items() if k != "allOf"}
            if own.get("properties"):
                merged.update(self.value(doc, ptr, own, depth, frozenset(every)) or {})
            elif scalar is not _NONE and not merged:
                return scalar
            return merged
        for union in ("oneOf", "anyOf"):
            if isinstance(node.get(union), list) and node[union]:
                options = [
                    (i, m) for i, m in enumerate(node[union]) if not (isinstance(m, dict) and m.get("type") == "null")
                ] or list(enumerate(node[union]))
                index, member = options[self.choice % len(options)] if depth < MAX_DEPTH else options[0]
                value = self.value(doc, jp.join(ptr, union, index), member, depth + 1)
                discriminator = _dict(node.get("discriminator"))
                tag_name = discriminator.get("propertyName")
                ref = member.get("$ref") if isinstance(member, dict) else None
                pinned = _pins(self.api, doc, jp.join(ptr, union, index), member, tag_name)
                if isinstance(value, dict) and isinstance(tag_name, str) and isinstance(ref, str) and not pinned:
                    mapping = _dict(discriminator.get("mapping"))
                    tags = [tag for tag, target in mapping.items() if target in (ref, ref.rsplit("/", 1)[-1])]
                    value[tag_name] = tags[0] if tags else ref.rsplit("/", 1)[-1]  # implicit: the schema's name
                return value
        types = node.get("type")
        if depth >= MAX_DEPTH and (node.get("nullable") is True or (isinstance(types, list) and "null" in types)):
            return None
        kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
        if kind is None:
            kind = "object" if "properties" in node else "array" if "items" in node else "string"
        if kind == "object":
            if depth >= MAX_DEPTH * 4:
                raise RecursionError(f"{doc}#{ptr}: every value of this schema nests without end")
            needed = set(node.get("required") or []) | set(required)
            out = {}
            for name, prop in (node.get("properties") or {}).items():
                if not (name in needed or depth < self.optional_depth):  # deeper, only what is required
                    continue
                target = self.api.follow(doc, jp.join(ptr, "properties", name), prop)[2]
                if any(isinstance(n, dict) and n.get(self.skip) is True for n in (prop, target)):
                    continue
                out[name] = self.value(doc, jp.join(ptr, "properties", name), prop, depth + 1)
            return out
        if kind == "array":
            count = max(1, int(node.get("minItems") or 0)) if depth < 2 * MAX_DEPTH else int(node.get("minItems") or 0)
            if isinstance(node.get("maxItems"), int):
                count = min(count, node["maxItems"])
            item = self.value(doc, jp.join(ptr, "items"), node.get("items", {}), depth + 1) if count else None
            return [item] * count if not node.get("uniqueItems") else ([item] if count else [])
        if kind in ("integer", "number"):
            low = node.get(
                "minimum",
                node.get("exclusiveMinimum")
                if isinstance(node.get("exclusiveMinimum"), (int, float))
                and not isinstance(node.get("exclusiveMinimum"), bool)
                else None,
            )
            value = low if isinstance(low, (int, float)) and not isinstance(low, bool) else 1
            if (
                isinstance(node.get("exclusiveMinimum"), (int, float))
                and not isinstance(node.get("exclusiveMinimum"), bool)
            ) or node.get("exclusiveMinimum") is True:
                value += 1
            high = node.get("maximum")
            if isinstance(high, (int, float)) and not isinstance(high, bool) and value > high:
                value = high
            return int(value) if kind == "integer" else float(value)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(node)

    @staticmethod
    def string(node: dict[str, Any]) -> str:
        fmt = node.get("format")
        base = _FORMATS.get(str(fmt), "string")
        low = int(node.get("minLength") or 0)
        high = node.get("maxLength") if isinstance(node.get("maxLength"), int) else None
        pattern = node.get("pattern")
        candidates = [base] + [c * max(low, 1) for c in ("a", "A", "1", "x", "Z", "9")] + ["string", "abc123"]
        if isinstance(pattern, str):
            built = _from_pattern(pattern)
            if built is not None:  # a string the pattern itself spells out ("arn:aws:...:analyzer/a")
                candidates[:0] = [built]
        for text in candidates:
            if len(text) < low:
                text = text + text[-1:] * (low - len(text)) if text else "a" * low
            if high is not None:
                text = text[:high]
            if isinstance(pattern, str):
                try:
                    if not re.search(pattern, text):
                        continue
                except re.error:
                    pass
            return text
        return base


def _from_pattern(pattern: str) -> str | None:
    """A short string a regular expression matches, read off its parse tree: each literal as it is, the
    first character a class allows, the least a repeat takes (at least one), the first branch of an
    alternation. None for what it cannot spell (lookarounds, backreferences) or a pattern Python refuses."""
    try:
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    categories = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ", "CATEGORY_NOT_DIGIT": "a"}

    def spell(items: Any, depth: int = 0) -> str | None:
        out = []
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append("a")
            elif name == "NOT_LITERAL":
                out.append("a" if chr(arg) != "a" else "b")
            elif name == "IN":
                first = _first_allowed(arg, categories)
                if first is None:
                    return None
                out.append(first)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, inner = arg
                piece = spell(inner, depth + 1)
                if piece is None:
                    return None
                out.append(piece * max(int(low), 1) if depth < 20 else piece * int(low))
            elif name == "SUBPATTERN":
                piece = spell(arg[-1], depth + 1)
                if piece is None:
                    return None
                out.append(piece)
            elif name == "BRANCH":
                piece = spell(arg[1][0], depth + 1)
                if piece is None:
                    return None
                out.append(piece)
            elif name == "CATEGORY":
                out.append(categories.get(str(arg), "a"))
            elif name in ("AT", "ATOMIC_GROUP"):
                if name == "ATOMIC_GROUP":
                    piece = spell(arg, depth + 1)
                    if piece is None:
                        return None
                    out.append(piece)
            else:
                return None
        return "".join(out)

    text = spell(tree)
    if text is None or len(text) > 4096:
        return None
    try:
        return text if re.search(pattern, text) else None
    except re.error:
        return None


def _first_allowed(items: Any, categories: dict[str, str]) -> str | None:
    """The first character an ``IN`` set of a parse tree allows (a negated set: a letter it leaves out)."""
    if items and str(items[0][0]) == "NEGATE":
        excluded = {chr(arg) for op, arg in items[1:] if str(op) == "LITERAL"}
        return next((c for c in "aZ0_-x" if c not in excluded), None)
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return categories.get(str(arg), "a")
    return None


# --- the HTTP side -----------------------------------------------------------------------------------


@dataclass
class Violation:
    location: str  # "query", "header", "path", "cookie", "body"
    name: str
    pointer: str  # JSON pointer into the body or the parameter's value
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"in": self.location, "name": self.name, "pointer": self.pointer, "message": self.message}


def _form_fields(api: Api, doc: str, ptr: str, schema: Any, encoding: dict[str, Any], text: str) -> dict[str, Any]:
    """A form body read back as the client's rules write it: each property in its ``encoding`` (form and
    exploded by default: an array as repeated pairs; deepObject in the bracket form, ``a[b][0]=x``; a JSON
    content type as JSON), scalars read as their schema's type."""
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    props = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
    out: dict[str, Any] = {}
    for name, raw_prop in props.items():
        pdoc, pptr, prop = api.follow(doc, jp.join(ptr, "properties", name), raw_prop)
        rule = _dict(encoding.get(name))
        style = rule.get("style", "form")
        explode = rule.get("explode", style == "form")
        content_type = rule.get("contentType")
        own = [v for k, v in pairs if k == name]
        if isinstance(content_type, str) and ("json" in content_type.lower()):
            if own:
                try:
                    out[name] = json.loads(own[0])
                except ValueError:
                    out[name] = own[0]
            continue
        if style == "deepObject":
            nested = [(k[len(name) :], v) for k, v in pairs if k.startswith(name + "[")]
            if nested:
                out[name] = _shaped(api, pdoc, pptr, prop, _bracketed(nested))
            continue
        if not own:
            continue
        if _is_array_schema(prop):
            items = api.follow(pdoc, jp.join(pptr, "items"), (prop or {}).get("items"))[2]
            values = own if explode else own[0].split({"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ","))
            out[name] = [_coerce(v, items) for v in values]
        else:
            out[name] = _coerce(own[0], prop)
    for key, item in pairs:
        if key not in out and key not in props and "[" not in key:
            out[key] = item
    return out


#: Keywords that make a schema of others: an allOf member holding one is not merged as a plain value.
_COMPOSED = frozenset({"allOf", "oneOf", "anyOf", "not", "properties", "$ref"})


_SIZE_NAMES = frozenset({"size", "filesizebytes", "sizebytes", "sizeinbytes", "contentlength", "bytes", "filesize"})


def _describing_mock_file(value: Any) -> Any:
    """File metadata made true of the file the mock serves (``MOCK_FILE``): an ``md5`` is its digest, a
    size in bytes its length, a human-readable size says so. A download after ``details()`` then gets
    the very bytes ``details()`` described. Returns new containers; ``value`` is left as it was."""
    if isinstance(value, list):
        return [_describing_mock_file(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        word = key.lower().replace("_", "").replace("-", "")
        if "md5" in word and isinstance(item, str):
            item = hashlib.md5(MOCK_FILE).hexdigest()
        elif word in _SIZE_NAMES and isinstance(item, int) and not isinstance(item, bool):
            item = len(MOCK_FILE)
        elif word == "filesize" and isinstance(item, str):
            item = f"{len(MOCK_FILE)} B"
        else:
            item = _describing_mock_file(item)
        out[key] = item
    return out


def _pins(api: Api, doc: str, ptr: str, member: Any, name: Any) -> bool:
    """Whether a union member fixes its discriminator property's values itself (``const`` or ``enum``):
    then its own value stands, whatever the implicit mapping would say."""
    if not isinstance(name, str):
        return False
    mdoc, mptr, target = api.follow(doc, ptr, member)
    parts = [target, *(api.follow(mdoc, mptr, p)[2] for p in (_dict(target).get("allOf") or []))]
    for part in parts:
        prop = _dict(_dict(part).get("properties")).get(name)
        resolved = _dict(api.follow(mdoc, mptr, prop)[2]) if prop is not None else {}
        if "const" in resolved or "enum" in resolved:
            return True
    return False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _param_schema(param: dict[str, Any], pptr: str) -> tuple[Any, str, bool] | None:
    """(schema, its pointer, described by JSON ``content``) of a parameter."""
    if "schema" in param:
        return param["schema"], jp.join(pptr, "schema"), False
    content = param.get("content")
    if isinstance(content, dict) and content:
        media, holder = next(iter(content.items()))
        if isinstance(holder, dict) and "schema" in holder:
            as_json = str(media).split(";")[0].strip().lower()
            return holder["schema"], jp.join(pptr, "content", media, "schema"), as_json.endswith("json")
    return None


def _unstyle(text: str, name: str, style: str, explode: bool, kind: str) -> Any:
    """One parameter's text in its style, back to a string, a list or a mapping of strings."""
    if style == "label":
        if not text.startswith("."):
            raise ValueError(f"path parameter {name!r} in label style must start with '.'")
        text = text[1:]
        separator = "." if explode else ","
    elif style == "matrix":
        if explode and kind == "object":
            return dict(part.partition("=")[::2] for part in text.split(";") if part)
        values = [part.partition("=")[2] for part in text.split(";") if part.partition("=")[0] == name]
        if not values and text != f";{name}":
            raise ValueError(f"path parameter {name!r} in matrix style must read ';{name}=...'")
        if kind == "array":
            return values if explode else (values[0].split(",") if values and values[0] else [])
        text = values[0] if values else ""
        separator = ","
    else:
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
    if kind == "array":
        return text.split(separator) if text else []
    if kind == "object":
        parts = text.split(separator)
        if explode:
            return dict(part.partition("=")[::2] for part in parts if part)
        return dict(zip(parts[::2], parts[1::2], strict=False))
    return text


def _is_object_schema(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return (
        kind == "object"
        or (isinstance(kind, list) and "object" in kind)
        or (kind is None and isinstance(schema, dict) and "properties" in schema)
    )


def _bracketed(pairs: list[tuple[str, str]]) -> Any:
    """``[("[a][0]", "x"), ("[b]", "y")]`` -> ``{"a": {"0": "x"}, "b": "y"}``."""
    root: dict[str, Any] = {}
    for path, value in pairs:
        keys = re.findall(r"\[([^\]]*)\]", path)
        node = root
        for key in keys[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        if keys:
            node[keys[-1]] = value
    return root


def _shaped(api: Api, doc: str, ptr: str, schema: Any, value: Any) -> Any:
    """Bracket-form text as its schema's shape: numbered keys as arrays, scalars as their type. Under a
    union, the member whose shape fits (an array for numbered keys, an object for others, a scalar type
    that reads the text)."""
    members = [m for key in ("anyOf", "oneOf") for m in (_dict(schema).get(key) or [])]
    if members and "type" not in _dict(schema):
        resolved = [api.follow(doc, ptr, m) for m in members]
        if isinstance(value, dict):
            numbered = bool(value) and all(k.isdigit() for k in value)
            for rdoc, rptr, member in resolved:
                if _is_array_schema(member) if numbered else _is_object_schema(member):
                    return _shaped(api, rdoc, rptr, member, value)
        elif isinstance(value, str):
            for _, _, member in resolved:
                read = _coerce(value, member)
                if read is not value:
                    return read
        return value
    if isinstance(value, dict) and _is_array_schema(schema):
        items = api.follow(doc, jp.join(ptr, "items"), (schema or {}).get("items"))
        ordered = [value[k] for k in sorted(value, key=lambda k: int(k) if k.isdigit() else 0)]
        return [_shaped(api, items[0], items[1], items[2], v) for v in ordered]
    if isinstance(value, list):
        items = api.follow(
            doc, jp.join(ptr, "items"), (schema or {}).get("items") if isinstance(schema, dict) else None
        )
        return [_shaped(api, items[0], items[1], items[2], v) for v in value]
    if isinstance(value, dict):
        props = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
        extra = schema.get("additionalProperties") if isinstance(schema, dict) else None
        out = {}
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            sdoc, sptr, target = api.follow(doc, jp.join(ptr, "properties", key), sub)
            out[key] = _shaped(api, sdoc, sptr, target, item)
        return out
    return _coerce(value, schema)


def _is_array_schema(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def _coerce(raw: str, schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            return {"true": True, "false": False}.get(raw.lower(), raw)
    except ValueError:
        return raw
    return raw


#: What the mock serves for a route, status and example: (status, content type, body, where the JSON
#: body's schema is: document and pointer, or None).
Served = tuple[int, str | None, bytes, tuple[str, str] | None]


class MockServer:
    """The mock as a library: ``with MockServer(spec) as mock: httpx.get(mock.url + "/v1/...")``."""

    def __init__(
        self,
        spec: str | Path,
        overlays: tuple[str | Path, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        options: MockOptions | None = None,
        allow_external: bool = False,
        policy: RefPolicy = RefPolicy(),
        actual: str | Path | None = None,
        actual_overlays: tuple[str | Path, ...] = (),
    ) -> None:
        if not allow_external and not _is_loopback(host):
            raise MockError(
                f"refusing to bind {host!r}: the mock serves loopback only (127.0.0.1, ::1) unless --allow-external"
                " (allow_external=True) is given"
            )
        loaded = load_spec(spec, tuple(overlays), policy)
        refused = validate.problems(loaded)
        if refused.has_errors:
            raise MockSpecError(refused)  # a document generate refuses (Swagger 2.0, a typo) is not served either
        served = (
            loaded if actual is None else _load_actual(spec, tuple(overlays), actual, tuple(actual_overlays), policy)
        )
        self.api = Api(loaded)
        # The description replies are built from: the served one, or what the vendor really sends.
        self.actual = self.api if actual is None else Api(served)
        self._answering = {(r.method, _shape(self.actual, r)): r for r in reversed(self.actual.routes)}
        self.synth = Synth(self.actual)
        self._alternatives = [
            *(Synth(self.actual, examples=False, choice=i) for i in (0, 1, 2, 3)),
            Synth(self.actual, examples=False, optional_depth=0),
        ]
        self._responses: dict[tuple[str, str, int | None, str | None], Served] = {}
        self.options = options or MockOptions()
        self.pages = Pages(served, self.options.pages)
        self._pages: dict[tuple[Any, ...], paging.Page | None] = {}
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._random = random.Random(self.options.seed)
        _check(self.options)
        server_cls = type("_Server6", (_Server,), {"address_family": socket.AF_INET6}) if ":" in host else _Server
        self._httpd = server_cls((host, port), _handler(self), self.options.max_connections)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The URL a generated client takes as its base URL (the spec's server path included)."""
        return self.url + self.api.prefix

    def start(self) -> MockServer:
        """Serve in a background thread (once: a second call while it serves does nothing)."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket (a server never started is just closed: ``shutdown`` would
        wait for a serving loop that never ran)."""
        if self._thread is not None:
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one request

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.append(entry)
            if self.options.log_file:
                with open(self.options.log_file, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def next_in_sequence(self, key: str, statuses: list[int]) -> int:
        with self._lock:
            index = self._counters.get(key, 0)
            self._counters[key] = index + 1
        return statuses[min(index, len(statuses) - 1)]

    def replying(self, route: Route) -> Route | None:
        """The operation whose responses answer a request for ``route`` (an operation of the documented
        description): ``route`` itself, or with ``actual``, the actual description's operation of the same
        method and path template (parameter names and the server's path aside); None when it has none."""
        if self.actual is self.api:
            return route
        return self._answering.get((route.method, _shape(self.api, route)))

    def validate(
        self,
        route: Route,
        path_values: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        cookies: dict[str, str],
        content_type: str,
        body: bytes,
    ) -> tuple[int, list[Violation]]:
        violations: list[Violation] = []
        known = {(str(p.get("in")), str(p.get("name"))) for _, p in route.params}
        sources = {"path": path_values, "query": query, "header": headers, "cookie": cookies}
        for pptr, param in route.params:
            location, name = str(param.get("in")), str(param.get("name"))
            if location == "header" and name.lower() in ("accept", "content-type", "authorization"):
                continue  # OpenAPI: such a header parameter is ignored
            if location not in ("path", "query", "header", "cookie"):
                continue
            located = _param_schema(param, pptr)
            try:
                value = self._param_value(route.doc, param, located, location, name, sources, known)
            except ValueError as exc:
                violations.append(Violation(location, name, "", str(exc)))
                continue
            if value is None:
                if param.get("required") is True:
                    violations.append(
                        Violation(location, name, "", f"required {location} parameter {name!r} is missing")
                    )
                continue
            if located is None:
                continue
            for error in self.api.validator(route.doc, located[1]).iter_errors(value):
                violations.append(Violation(location, name, jp.from_parts(error.absolute_path), error.message))
        body_status, body_violations = self._body(route, content_type, body)
        if body_status == 415:
            return 415, body_violations
        return (422 if violations or body_violations else 200), violations + body_violations

    def _param_value(
        self,
        doc: str,
        param: dict[str, Any],
        located: tuple[Any, str, bool] | None,
        location: str,
        name: str,
        sources: dict[str, Any],
        known: set[tuple[str, str]],
    ) -> Any:
        """A parameter's value read back from the request as the client's rules write it: its style and
        explode (OpenAPI's defaults: simple for path and header, form for query and cookie), or JSON for a
        parameter described by ``content``; scalars read as their schema's type. None when absent."""
        schema: Any = None
        sptr = ""
        if located is not None:
            doc, sptr, schema = self.api.follow(doc, located[1], located[0])
        default_style = "simple" if location in ("path", "header") else "form"
        style = str(param["style"]) if isinstance(param.get("style"), str) else default_style
        explode = bool(param["explode"]) if isinstance(param.get("explode"), bool) else style == "form"
        kind = "array" if _is_array_schema(schema) else ("object" if _is_object_schema(schema) else "scalar")
        source = sources[location]
        if location == "query" and style == "deepObject":
            pairs = [(k[len(name) :], v) for k, values in source.items() if k.startswith(name + "[") for v in values]
            return _shaped(self.api, doc, sptr, schema, _bracketed(pairs)) if pairs and located else None
        if kind == "object" and explode and location in ("query", "cookie") and style == "form":
            props = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
            spread = {
                k: (v[0] if isinstance(v, list) else v)
                for k, v in source.items()
                if (location, k) not in known and (k in props or not props)
            }
            return _shaped(self.api, doc, sptr, schema, spread) if spread and located else None
        raw: Any = source.get(name.lower() if location == "header" else name)
        if raw is None:
            return None
        if location == "query":
            raw = raw if kind == "array" and explode else raw[0]
        if located is not None and located[2]:  # content: JSON
            try:
                return json.loads(raw if isinstance(raw, str) else raw[0])
            except ValueError:
                raise ValueError(f"{location} parameter {name!r} is not JSON") from None
        if location == "cookie":
            raw = urllib.parse.unquote(raw)
        if isinstance(raw, list):
            value: Any = raw
        else:
            value = _unstyle(raw, name, style, explode, kind)
        return _shaped(self.api, doc, sptr, schema, value) if located is not None else value

    def _body(self, route: Route, content_type: str, body: bytes) -> tuple[int, list[Violation]]:
        doc, bptr, request_body = self.api.follow(
            route.doc, jp.join(route.ptr, "requestBody"), route.op.get("requestBody")
        )
        if not isinstance(request_body, dict):
            return 200, []
        if not body:
            return (
                (422, [Violation("body", "", "", "request body is required")])
                if request_body.get("required") is True
                else (200, [])
            )
        media = content_type.split(";")[0].strip().lower()
        content = request_body.get("content") or {}
        chosen = next((m for m in content if m.lower() == media), None) or next(
            (m for m in content if _media_matches(m, media)), None
        )
        if chosen is None:
            return 415, [
                Violation(
                    "header", "content-type", "", f"media type {media or '(none)'!r} is not one of {sorted(content)}"
                )
            ]
        holder = content[chosen] if isinstance(content[chosen], dict) else {}
        if "schema" not in holder:
            return 200, []
        sptr = jp.join(bptr, "content", chosen, "schema")
        _, sptr, schema = self.api.follow(doc, sptr, holder["schema"])
        if media == "application/json" or media.endswith("+json"):
            try:
                value = json.loads(body)
            except ValueError as exc:
                return 422, [Violation("body", "", "", f"not JSON: {exc}")]
        elif media == "multipart/form-data":
            value = _multipart(content_type, body)
            if value is None:
                return 422, [Violation("body", "", "", "not a multipart/form-data body")]
            required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
            return 200, [
                Violation("body", name, jp.join("", name), f"required part {name!r} is missing")
                for name in sorted(required - set(value))
            ]
        elif media == "application/x-www-form-urlencoded":
            encoding = _dict(holder.get("encoding"))
            value = _form_fields(self.api, doc, sptr, schema, encoding, body.decode("utf-8", "replace"))
        else:
            return 200, []  # binary or text: any bytes will do
        return 200, [
            Violation("body", "", jp.from_parts(e.absolute_path), e.message)
            for e in self.api.validator(doc, sptr).iter_errors(value)
        ]

    def authorized(
        self, route: Route, headers: dict[str, str], query: dict[str, list[str]], cookies: dict[str, str]
    ) -> bool:
        if not route.security or not self.options.require_credentials:
            return True
        schemes = (self.api.data.get("components") or {}).get("securitySchemes") or {}
        for requirement in route.security:
            if not isinstance(requirement, dict):
                continue
            if all(self._has(name, schemes.get(name), headers, query, cookies) for name in requirement):
                return True
        return False

    def _has(
        self, name: str, raw: Any, headers: dict[str, str], query: dict[str, list[str]], cookies: dict[str, str]
    ) -> bool:
        _, _, scheme = self.api.follow(self.api.spec.root, "", raw)
        if not isinstance(scheme, dict):
            return False
        expected = self.options.credentials.get(name)
        kind = scheme.get("type")
        value: str | None = None
        if kind == "apiKey":
            where, key = scheme.get("in"), str(scheme.get("name", ""))
            if where == "header":
                value = headers.get(key.lower())
            elif where == "query":
                value = next(iter(query.get(key) or []), None)
            else:
                value = cookies.get(key)
        elif kind == "http":
            auth = headers.get("authorization", "")
            prefix = str(scheme.get("scheme", "")).lower() + " "
            if not auth.lower().startswith(prefix):
                return False
            value = auth[len(prefix) :].strip()
            if prefix == "basic " and expected is None:
                try:
                    value = base64.b64decode(value, validate=True).decode() if value else ""
                except ValueError:
                    return False
        elif kind in ("oauth2", "openIdConnect"):
            auth = headers.get("authorization", "")
            value = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        else:
            return True
        if not value:
            return False
        return expected is None or value == expected

    def response(self, route: Route, status: int | None, example_name: str | None) -> tuple[int, str | None, bytes]:
        """(status, content type, body) for a status (None: the first success the spec documents); the
        same for the same route, status and example, so each is made (and validated) once."""
        return self._served(route, status, example_name)[:3]

    def _served(self, route: Route, status: int | None, example_name: str | None) -> Served:
        key = (route.method, route.ptr, status, example_name)
        found = self._responses.get(key)
        if found is None:
            found = self._responses[key] = self._response(route, status, example_name)
        return found

    def paged(
        self, route: Route, status: int | None, example_name: str | None, query: dict[str, list[str]], url: str
    ) -> tuple[bytes, dict[str, str]] | None:
        """The page a paginated operation's request asks for (``paging``), made from the body
        ``response`` serves, with the headers it adds; None for any other operation or response."""
        pagination = self.pages.of(route.doc, route.ptr)
        if pagination is None:
            return None
        code, _, payload, schema = self._served(route, status, example_name)
        if schema is None or not 200 <= code < 300:
            return None
        link = url if pagination.style == "link" else ""
        key = (route.method, route.ptr, status, example_name, paging.asked(pagination, query), link)
        if key not in self._pages:
            doc, ptr = schema
            validator = self.actual.validator(doc, ptr, "response")
            made = paging.page(
                pagination,
                json.loads(payload),
                query,
                url,
                self.options.pages,
                lambda value: not any(True for _ in validator.iter_errors(value)),
                self._numeric(route, pagination.param),
            )
            with self._lock:
                self._pages[key] = made
        made = self._pages[key]
        return None if made is None else (json.dumps(made[0], ensure_ascii=False).encode("utf-8"), made[1])

    def _numeric(self, route: Route, name: str | None) -> bool:
        """Whether the query parameter ``name`` takes numbers (a cursor such as Spotify's ``after``)."""
        for pptr, param in route.params:
            if param.get("in") == "query" and param.get("name") == name:
                _, _, schema = self.actual.follow(route.doc, jp.join(pptr, "schema"), param.get("schema"))
                kinds = schema.get("type") if isinstance(schema, dict) else None
                return bool({"integer", "number"} & set(kinds if isinstance(kinds, list) else [kinds]))
        return False

    def _response(self, route: Route, status: int | None, example_name: str | None) -> Served:
        responses = route.op.get("responses") or {}
        key = _pick_status(responses, status)
        code = status or (int(key) if key and key.isdigit() else int(key[0]) * 100 if key and key[0].isdigit() else 200)
        if key is None:
            return code, None, b"", None
        doc, rptr, resp = self.actual.follow(route.doc, jp.join(route.ptr, "responses", key), responses[key])
        content = (resp or {}).get("content") or {}
        if not content:
            return code, None, b"", None
        media = next((m for m in content if m == "application/json" or m.endswith("+json")), next(iter(content)))
        holder = content[media] if isinstance(content[media], dict) else {}
        mptr = jp.join(rptr, "content", media)
        served = "application/octet-stream" if "*" in media else media
        value = self._example(doc, mptr, holder, example_name)
        checkable = (
            value is not _NONE and "schema" in holder and media.endswith("json") and not isinstance(value, bytes)
        )
        if checkable and any(
            True for _ in self.actual.validator(doc, jp.join(mptr, "schema"), "response").iter_errors(value)
        ):
            value = _NONE  # an example its own schema refuses is never served
        if value is _NONE:
            schema = holder.get("schema", {})
            sdoc, sptr, snode = self.actual.follow(doc, jp.join(mptr, "schema"), schema)
            if isinstance(snode, dict) and (
                snode.get("format") == "binary"
                or snode.get("contentMediaType")
                or not (media.endswith("json") or media.startswith("text/"))
            ):
                return code, served, MOCK_FILE, None
            value = self._built(sdoc, sptr, snode) if media.endswith("json") else self.synth.value(sdoc, sptr, snode)
        if isinstance(value, (bytes, bytearray)):
            return code, served, bytes(value), None
        if self.actual.serves_files and media.endswith("json") and "schema" in holder:
            described = _describing_mock_file(value)
            if not any(
                True for _ in self.actual.validator(doc, jp.join(mptr, "schema"), "response").iter_errors(described)
            ):
                value = described
        if media.endswith("json"):
            schema = (doc, jp.join(mptr, "schema")) if "schema" in holder else None
            return code, media, json.dumps(value, ensure_ascii=False).encode("utf-8"), schema
        return code, served, (value if isinstance(value, str) else json.dumps(value)).encode("utf-8"), None

    def _built(self, doc: str, ptr: str, node: Any) -> Any:
        """A value built from the schema that the schema accepts: the first of the builders' tries (each
        union member in turn, then only what is required) that validates, else the first built."""
        first: Any = _NONE
        for synth in (self.synth, *self._alternatives):
            try:
                value = synth.value(doc, ptr, node)
            except RecursionError:
                continue
            if not any(True for _ in self.actual.validator(doc, ptr, "response").iter_errors(value)):
                return value
            first = value if first is _NONE else first
        return None if first is _NONE else first

    def _example(self, doc: str, mptr: str, holder: dict[str, Any], name: str | None) -> Any:
        examples = holder.get("examples")
        if isinstance(examples, dict) and examples:
            key = name if name in examples else next(iter(examples))
            _, _, example = self.actual.follow(doc, jp.join(mptr, "examples", key), examples[key])
            if isinstance(example, dict) and "value" in example:
                return example["value"]
        if "example" in holder:
            return holder["example"]
        return _NONE

    def error(
        self, route: Route | None, status: int, title: str, violations: list[Violation]
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """The spec's own error envelope for the status when it has one, else problem+json."""
        detail = (
            "; ".join(f"{v.location} {v.name}{v.pointer}: {v.message}".replace("  ", " ") for v in violations) or title
        )
        if route is not None:
            responses = route.op.get("responses") or {}
            key = _pick_status(responses, status, errors=True)
            if key is not None:
                doc, rptr, resp = self.actual.follow(route.doc, jp.join(route.ptr, "responses", key), responses[key])
                content = (resp or {}).get("content") or {}
                media = next((m for m in content if m == "application/json" or m.endswith("+json")), None)
                if media and isinstance(content[media], dict) and "schema" in content[media]:
                    sdoc, sptr, snode = self.actual.follow(
                        doc, jp.join(rptr, "content", media, "schema"), content[media]["schema"]
                    )
                    envelope = self.synth.value(sdoc, sptr, snode)
                    if isinstance(envelope, dict):
                        _fill(envelope, detail, status, self.synth, self.actual, sdoc, sptr, snode)
                        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
                        return status, media, body, {"X-Mock-Violations": str(len(violations))}
        problem = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "errors": [v.as_dict() for v in violations],
        }
        return status, "application/problem+json", json.dumps(problem, ensure_ascii=False).encode("utf-8"), {}


_NONE = object()


def _fill(
    envelope: dict[str, Any],
    detail: str,
    status: int,
    synth: Synth,
    api: Api,
    doc: str,
    ptr: str,
    node: Any,
    depth: int = 0,
) -> None:
    """Put the violations into the envelope's message field and pick enum codes that fit the status."""
    words = {
        401: ("AUTHENTICATION", "UNAUTHORIZED", "AUTH"),
        404: ("NOT_FOUND",),
        405: ("NOT_ALLOWED", "METHOD"),
        415: ("MEDIA", "INPUT_INVALID"),
        422: ("INPUT_INVALID", "VALIDATION", "INVALID"),
    }.get(status, ())
    _, ptr, node = api.follow(doc, ptr, node)
    props = (node.get("properties") or {}) if isinstance(node, dict) else {}
    for name, prop in props.items():
        _, pptr, pnode = api.follow(doc, jp.join(ptr, "properties", name), prop)
        if not isinstance(pnode, dict) or name not in envelope:
            continue
        types = pnode.get("type")
        if isinstance(pnode.get("enum"), list):
            match = next((v for w in words for v in pnode["enum"] if isinstance(v, str) and w in v.upper()), None)
            if match is not None:
                envelope[name] = match
        elif name.lower() in ("message", "detail", "description", "error_description", "title") and (
            types == "string" or (isinstance(types, list) and "string" in types)
        ):
            envelope[name] = detail if name.lower() != "title" else f"HTTP {status}"
        elif isinstance(envelope[name], dict) and depth < 3:
            _fill(envelope[name], detail, status, synth, api, doc, pptr, pnode, depth + 1)


def _pick_status(responses: dict[str, Any], status: int | None, errors: bool = False) -> str | None:
    keys = [str(k) for k in responses]
    if status is None:
        success = sorted(k for k in keys if k.startswith("2") and k.isdigit())
        if success:
            return success[0]
        for key in ("2XX", "default"):
            if key in keys:
                return key
        # No success documented: the first response the operation documents, never one it does not.
        documented = sorted(k for k in keys if k.isdigit()) or sorted(k for k in keys if k[:1].isdigit())
        return documented[0] if documented else None
    for candidate in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if candidate in keys:
            return candidate
    return None


def _media_matches(declared: str, media: str) -> bool:
    declared = declared.lower()
    if declared in ("*/*", ""):
        return True
    major, _, minor = declared.partition("/")
    return minor == "*" and media.startswith(major + "/")


def _multipart(content_type: str, body: bytes) -> dict[str, bytes] | None:
    if "boundary=" not in content_type:
        return None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            parts[name] = payload if isinstance(payload, bytes) else b""
    return parts


def _check(options: MockOptions) -> None:
    """Options the mock cannot serve by are refused before it listens."""
    if not (options.max_body_bytes >= 0 and 0 < options.idle_timeout < math.inf and options.max_connections >= 1):
        raise MockError("max_body_bytes must be 0 or more, idle_timeout above 0, max_connections 1 or more")
    for key, statuses in options.sequences.items():
        if not all(isinstance(s, int) and 200 <= s <= 599 for s in statuses):
            raise MockError(f"sequence {key!r}: {statuses}: give statuses from 200 to 599")


class _Refused(Exception):
    """A request the mock answers with an error of its own (problem+json, not the spec's envelope).
    ``close``: the request's body may be left unread, so the connection cannot carry another request."""

    def __init__(self, status: int, title: str, close: bool = False) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.close = close


class _DeadlineReader(io.RawIOBase):
    """The reading side of a connection with a deadline: each read waits only for the time left, so a
    peer that sends nothing, or a byte now and then, cannot hold a request (and its thread) past it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.until = math.inf

    def readable(self) -> bool:
        return True

    def start(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def readinto(self, buffer: Any) -> int:
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


def _read_chunked(rfile: Any, limit: int) -> bytes:
    """A chunked body (RFC 9112, 7.1), read no further than ``limit`` bytes: a chunk that would pass it
    is refused with 413 before it is read."""
    body = bytearray()
    while True:
        line = rfile.readline(1026)
        size = line.split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size):
            raise _Refused(400, "malformed chunk size line in a chunked body", close=True)
        length = int(size, 16)
        if not length:
            break
        if len(body) + length > limit:
            raise _Refused(413, f"the chunked body is longer than the mock accepts ({limit} bytes)", close=True)
        data = rfile.read(length)
        if len(data) < length or rfile.read(2) != b"\r\n":
            raise _Refused(400, "a chunk of the body is cut short or not followed by CRLF", close=True)
        body += data
    for _ in range(100):  # trailer fields, each ignored
        line = rfile.readline(65537)
        if line in (b"\r\n", b"\n"):
            return bytes(body)
        if not line.endswith(b"\n"):
            break
    raise _Refused(400, "malformed or endless trailer section in a chunked body", close=True)


def _linger(sock: socket.socket, seconds: float = 1.0, limit: int = 1 << 20) -> None:
    """Close a connection whose request body was left unread without resetting it under the reply: stop
    sending, then discard what the peer still sends, for ``seconds`` and ``limit`` bytes at most."""
    try:
        sock.shutdown(socket.SHUT_WR)
        until, seen = time.monotonic() + seconds, 0
        while seen < limit and time.monotonic() < until:
            sock.settimeout(max(until - time.monotonic(), 0.001))
            data = sock.recv(65536)
            if not data:
                break
            seen += len(data)
    except OSError:
        pass


def _problem(status: int, title: str) -> bytes:
    return json.dumps({"type": "about:blank", "title": title, "status": status}, ensure_ascii=False).encode("utf-8")


def _turn_away(sock: socket.socket, most: int) -> None:
    """Answer a connection beyond ``max_connections`` with 503 and close it, from the accepting thread:
    the reply fits a fresh socket's send buffer, and only what has already arrived is read."""
    body = _problem(503, f"the mock serves {most} connections at once; try again")
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    try:
        sock.settimeout(0.5)
        sock.sendall(head.encode("ascii") + body)
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        sock.recv(65536)  # what the peer sent already, so the close does not reset the reply away
    except OSError:
        pass
    finally:
        sock.close()


class _Server(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them: one more connection is answered 503
    and closed at once, so no number of connections makes the mock start more threads."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: Any, handler: type[BaseHTTPRequestHandler], max_connections: int) -> None:
        self.max_connections = max_connections
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            _turn_away(request, self.max_connections)
            return
        try:
            threading.Thread(target=self._serve, args=(request, client_address), daemon=True).start()
        except RuntimeError:  # no thread to be had
            self.slots.release()
            _turn_away(request, self.max_connections)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.slots.release()


def _handler(mock: MockServer) -> type[BaseHTTPRequestHandler]:
    options = mock.options

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "specgen-mock"
        default_request_version = "HTTP/1.0"  # a line too malformed to name its version gets a full HTTP reply

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile.close()
            self.reader = _DeadlineReader(self.connection)
            self.rfile = io.BufferedReader(self.reader, 65536)
            self.replied = False  # the reply's status line has been written
            self.linger = False  # a request body was left unread: the connection closes, lingering

        def finish(self) -> None:
            super().finish()
            if self.linger:
                _linger(self.connection)

        def log_message(self, *args: Any) -> None:
            pass

        def handle(self) -> None:
            try:
                super().handle()
            except OSError:
                self.close_connection = True  # the peer went away: there is no one left to answer

        def handle_one_request(self) -> None:
            """Read one request's line and headers within ``idle_timeout`` as http.server does (and with
            its replies: a malformed request line 400, too long 414, too many or too long headers 431, an
            HTTP version other than 1.x 505), then ``answer`` it. A connection that sends no whole
            request head in time is closed."""
            self.replied = False
            self.reader.start(options.idle_timeout)
            try:
                line = self.rfile.readline(65537)
                for _ in range(4):  # empty lines before a request line are ignored (RFC 9112, 2.2)
                    if line not in (b"\r\n", b"\n"):
                        break
                    line = self.rfile.readline(65537)
                self.raw_requestline = line
                if not line:
                    self.close_connection = True
                    return
                if len(line) > 65536 or not line.strip():
                    self.requestline = self.request_version = self.command = ""
                    too_long = len(line) > 65536
                    self.send_error(414 if too_long else 400, "Request line too long" if too_long else "Empty request")
                    return
                if not self.parse_request():
                    return
                self.answer()
                self.wfile.flush()
            except TimeoutError:
                self.close_connection = True

        def handle_expect_100(self) -> bool:
            return True  # ``body`` sends 100 Continue once the body's length is accepted

        def flush_headers(self) -> None:
            self.connection.settimeout(options.idle_timeout)  # how long a reply waits on a peer not reading
            self.replied = True
            super().flush_headers()

        def answer(self) -> None:
            """``respond``, and whatever goes wrong on the way, an answer all the same: the mock's own
            refusals (400, 413, 501), 408 for a body that does not arrive in time, 500 for a failure."""
            entry: dict[str, Any] = {"method": self.command, "path": self.path}
            started = time.perf_counter()
            try:
                self.respond(entry, started)
            except _Refused as refused:
                self.fail(entry, started, refused.status, refused.title, refused.close)
            except TimeoutError:
                self.fail(entry, started, 408, "the request body did not arrive in time", True)
            except Exception as exc:  # a bug, or an input nothing here foresaw
                self.fail(entry, started, 500, f"the mock failed: {type(exc).__name__}: {exc}", True)

        def fail(self, entry: dict[str, Any], started: float, status: int, title: str, close: bool) -> None:
            if close:
                self.close_connection = self.linger = True
            if self.replied:
                self.close_connection = True  # the reply had begun: closing is all that is left
                return
            entry.update(status=status, error=title, ms=round((time.perf_counter() - started) * 1000, 3))
            mock.record(entry)
            self._headers_buffer: list[bytes] = []
            self._send(
                status, "application/problem+json", _problem(status, title), {"Connection": "close"} if close else {}
            )

        def body(self) -> bytes:
            """The request body, framed by Content-Length or chunked; refused before any of it is read
            when its framing is malformed or ambiguous, or it is longer than ``max_body_bytes``."""
            lengths = self.headers.get_all("Content-Length") or []
            codings = ",".join(self.headers.get_all("Transfer-Encoding") or [])
            if codings.strip():
                if lengths:
                    raise _Refused(400, "both Transfer-Encoding and Content-Length: the body's end is ambiguous", True)
                names = [c.strip().lower() for c in codings.split(",")]
                if names != ["chunked"]:
                    status = 501 if names[-1] == "chunked" else 400
                    raise _Refused(status, f"Transfer-Encoding {codings!r}: only chunked is read", True)
                self.go_on()
                return _read_chunked(self.rfile, options.max_body_bytes)
            if len(lengths) > 1:
                raise _Refused(400, f"{len(lengths)} Content-Length headers: the body's end is ambiguous", True)
            if not lengths:
                return b""
            if not re.fullmatch("[0-9]{1,18}", lengths[0]):
                raise _Refused(400, f"Content-Length {lengths[0]!r} is not a length in bytes", True)
            length = int(lengths[0])
            if length > options.max_body_bytes:
                raise _Refused(
                    413, f"a body of {length} bytes is longer than the mock accepts ({options.max_body_bytes})", True
                )
            if not length:
                return b""
            self.go_on()
            body = self.rfile.read(length)
            if len(body) < length:
                raise _Refused(400, f"the body ended after {len(body)} of its {length} bytes", True)
            return body

        def go_on(self) -> None:
            """The body is accepted: 100 Continue when the client waits for it; the body has as long
            again as the head had to arrive."""
            if self.headers.get("Expect", "").lower() == "100-continue" and self.request_version not in (
                "HTTP/0.9",
                "HTTP/1.0",
            ):
                self.connection.settimeout(options.idle_timeout)
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.reader.start(options.idle_timeout)

        def respond(self, entry: dict[str, Any], started: float) -> None:
            try:
                split = urllib.parse.urlsplit(self.path)
            except ValueError:
                raise _Refused(400, "malformed request target", True) from None
            path = split.path
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            if any("\r" in v or "\n" in v for v in self.headers.values()):
                raise _Refused(400, "a header folded over several lines (obs-fold, RFC 9112 5.2)", True)
            headers = {k.lower(): v for k, v in self.headers.items()}
            entry.update(path=path, query=query, headers=_redact(headers))
            body = self.body()
            entry["body_size"] = len(body)
            cookies = dict(c.strip().split("=", 1) for c in headers.get("cookie", "").split(";") if "=" in c)
            prefer = _prefer(headers.get("prefer", ""))
            latency = _latency(prefer.get("latency"))
            route, values, allowed = mock.api.match(self.command, path)
            # Requests are read by the documented description, replies made by the actual one.
            answering = mock.replying(route) if route is not None else None
            extra: dict[str, str] = {}
            ctype: str | None
            if route is None and allowed:
                status, ctype, payload, extra = mock.error(
                    None, 405, f"method {self.command} not allowed on {path}", []
                )
                extra["Allow"] = ", ".join(sorted(set(allowed)))
            elif route is None:
                status, ctype, payload, extra = mock.error(None, 404, f"no operation at {path}", [])
            elif answering is None:
                entry["operation"] = f"{route.method} {route.template}"
                status, ctype, payload, extra = mock.error(
                    None, 404, f"{route.method} {route.template} is not in the actual description", []
                )
            elif not mock.authorized(route, headers, query, cookies):
                status, ctype, payload, extra = mock.error(
                    answering,
                    401,
                    "missing or invalid credentials",
                    [Violation("header", "authorization", "", "credentials required by the operation's security")],
                )
            else:
                entry["operation"] = f"{route.method} {route.template}"
                checked, violations = mock.validate(
                    route, values, query, headers, cookies, headers.get("content-type", ""), body
                )
                if checked != 200:
                    title = "unsupported media type" if checked == 415 else "request does not match the spec"
                    status, ctype, payload, extra = mock.error(answering, checked, title, violations)
                    entry["violations"] = [v.as_dict() for v in violations]
                else:
                    code = _requested_code(answering, prefer["code"]) if "code" in prefer else None
                    sequence = (
                        prefer.get("sequence")
                        or mock.options.sequences.get(f"{route.method} {path}")
                        or mock.options.sequences.get(f"{route.method} {route.template}")
                    )
                    if sequence:
                        statuses = _statuses(sequence) if isinstance(sequence, str) else list(sequence)
                        if statuses:
                            code = mock.next_in_sequence(f"{route.method} {path} {sequence}", statuses)
                    responses = answering.op.get("responses") or {}
                    if code is not None and code >= 400 and _pick_status(responses, code) is None:
                        status, ctype, payload, extra = mock.error(answering, code, f"HTTP {code} (requested)", [])
                    else:
                        status, ctype, payload = mock.response(answering, code, prefer.get("example"))
                        paged = mock.paged(answering, code, prefer.get("example"), query, mock.url + self.path)
                        if paged is not None:
                            payload, headers_added = paged
                            extra.update(headers_added)
                    retry_after = prefer.get("retry-after") or mock.options.retry_after
                    if status in (429, 503) and retry_after:
                        extra["Retry-After"] = str(retry_after)
            latency = latency or _uniform(mock, mock.options.latency_ms) / 1000
            if latency:
                time.sleep(min(latency, 60.0))
            entry.update(status=status, ms=round((time.perf_counter() - started) * 1000, 3))
            mock.record(entry)
            fault = prefer.get("fault")
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if status in (204, 205, 304):
                ctype, payload = None, b""  # these statuses never have a body (RFC 9110)
            if mock.options.keep_raw:
                entry["raw"] = {
                    "method": self.command,
                    "path": path,
                    "query": split.query,
                    "headers": headers,
                    "body": base64.b64encode(body).decode(),
                    "response": {
                        "status": status,
                        "headers": {**({"Content-Type": ctype} if ctype else {}), **extra},
                        "body": base64.b64encode(payload).decode(),
                    },
                }
            self._send(status, ctype, payload, extra, truncate=fault == "truncate")

        def _send(
            self, status: int, ctype: str | None, payload: bytes, extra: dict[str, str], truncate: bool = False
        ) -> None:
            if status in (204, 205, 304) or 100 <= status < 200:
                ctype, payload = None, b""  # these statuses never have a body (RFC 9110)
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            if status not in (204, 304) and not 100 <= status < 200:
                self.send_header("Content-Length", str(len(payload)))
            for key, value in extra.items():
                self.send_header(key, value)
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload[: len(payload) // 2] if truncate else payload)
            if truncate:
                self.close_connection = True

    return Handler


def _requested_code(route: Route, text: str) -> int:
    """The status ``Prefer: code=`` asks for, when it is a final status (200 to 599) the operation
    documents (the code itself, its range such as ``4XX``, or ``default``); else a 400 naming them."""
    responses = route.op.get("responses") or {}
    code = int(text) if re.fullmatch("[0-9]{3}", text) else 0
    if 200 <= code <= 599 and _pick_status(responses, code) is not None:
        return code
    documented = ", ".join(str(k) for k in responses) or "no status"
    raise _Refused(
        400,
        f"Prefer: code={text}: {route.method} {route.template} documents {documented}; ask for one of those"
        " (a final status, 200 to 599)",
    )


def _statuses(sequence: str) -> list[int]:
    """``Prefer: sequence="503 503 200"``: final statuses, 200 to 599, else a 400."""
    items = sequence.replace(",", " ").split()
    if not all(re.fullmatch("[0-9]{3}", s) and 200 <= int(s) <= 599 for s in items):
        raise _Refused(400, f"Prefer: sequence={sequence}: give statuses from 200 to 599")
    return [int(s) for s in items]


def _latency(text: str | None) -> float:
    """``Prefer: latency=MS`` in seconds (0 when not asked for); a 400 for anything but a finite,
    non-negative number."""
    if text is None:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise _Refused(400, f"Prefer: latency={text}: give a number of milliseconds, 0 or more")
    return value / 1000


def _uniform(mock: MockServer, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return low if high <= low else mock._random.uniform(low, high)


def _prefer(header: str) -> dict[str, str]:
    """``Prefer: code=404, example=empty, latency=200`` -> {"code": "404", ...} (RFC 7240 preferences)."""
    out = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip('"')
    return out


def _redact(headers: dict[str, str]) -> dict[str, str]:
    secret = ("authorization", "cookie", "x-api-key", "api-key", "x-api-secret", "proxy-authorization")
    return {k: ("***" if k in secret or "token" in k or "secret" in k or "key" in k else v) for k, v in headers.items()}
