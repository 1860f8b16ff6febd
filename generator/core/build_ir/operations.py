"""Operations: parameters (with their wire style and explode, decided here once), bodies, responses,
security requirements and the media types each accepts."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from ...config import ApiConfig
from .. import ir
from .. import pointer as jp
from ..escape import EMPTY, SpecText
from ..names import (
    RESERVED_PARAMS,
    NameScope,
    pascal,
    snake,
    snake_identifier,
    upper,
)
from .context import (
    HEADER_NAME,
    HTTP_METHODS,
    IGNORED_HEADERS,
    JSON_MEDIA,
    Context,
    _prose,
    _source,
    _text,
    _text_or_empty,
    pyrepr_literal,
)
from .lock import operation_key
from .pagination import Pagination
from .security import operation_scopes, operation_servers
from .types import Types, _nullable, _split_union, _union


def _example_source(param: dict[str, Any], schema: Any, annotation: str) -> str:
    """A Python literal for README examples: the spec's own example when it is a scalar, else by type."""
    candidates = [param.get("example")]
    if isinstance(param.get("examples"), dict):
        candidates += [e.get("value") for e in param["examples"].values() if isinstance(e, dict)]
    if isinstance(schema, dict):
        candidates += [schema.get("example"), schema.get("default")]
        if isinstance(schema.get("examples"), list):
            candidates += schema["examples"]
        if isinstance(schema.get("enum"), list):
            candidates += schema["enum"]
    for value in candidates:
        if isinstance(value, (str, int, float, bool)) and not (isinstance(value, str) and len(value) > 80):
            return pyrepr_literal(value)
    first = _split_union(annotation)[0]
    return {"int": "1", "float": "1.0", "bool": "True"}.get(first, repr(snake(str(param.get("name", ""))) or "string"))


def _body_example(media: dict[str, Any], schema: Any) -> str:
    """A request body's README example: the spec's own (media type or schema example) as a Python
    literal when it is small, else ``...``. Literals are built from JSON values, never from spec text."""
    candidates = [media.get("example"), schema.get("example") if isinstance(schema, dict) else None]
    if isinstance(media.get("examples"), dict):
        candidates += [e.get("value") for e in media["examples"].values() if isinstance(e, dict)]
    for value in candidates:
        if isinstance(value, (dict, list)):
            text = _json_literal(value, 0)
            if text is not None and len(text) <= 200:
                return text
    return "..."


def _json_literal(value: Any, depth: int) -> str | None:
    """Python source for a JSON value (None when it is too deep or holds something JSON does not)."""
    if depth > 8:
        return None
    if isinstance(value, dict):
        parts = [(_json_literal(str(k), depth + 1), _json_literal(v, depth + 1)) for k, v in value.items()]
        return (
            None
            if any(k is None or v is None for k, v in parts)
            else "{" + ", ".join(f"{k}: {v}" for k, v in parts) + "}"
        )
    if isinstance(value, list):
        items = [_json_literal(v, depth + 1) for v in value]
        return None if any(i is None for i in items) else "[" + ", ".join(i for i in items if i is not None) + "]"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return pyrepr_literal(value)
    return None


def _media_kind(media_type: str, schema: Any) -> str:
    mt = media_type.split(";")[0].strip().lower()
    if JSON_MEDIA.match(mt) and mt != "*/*":
        return "json"
    if mt == "application/x-www-form-urlencoded":
        return "form"
    if mt.startswith("multipart/"):
        return "multipart"
    if mt.startswith("text/"):
        return "text"
    if (
        mt == "*/*"
        and isinstance(schema, dict)
        and schema.get("format") != "binary"
        and schema.get("type") not in (None, "string")
    ):
        return "json"
    return "binary"


def _is_file_schema(schema: Any) -> bool:
    """A schema for raw file content: 3.0 ``format: binary``, or a 3.1 ``contentMediaType`` without encoding."""
    if not isinstance(schema, dict) or schema.get("type", "string") != "string":
        return False
    return schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema)


_TEMPLATE_PART = re.compile(r"(\{[^{}]*\})")
_ENCODED = re.compile(r"(%[0-9A-Fa-f]{2})")


def wire_path(path: str) -> str:
    """The path as requested: without a ``#...`` suffix some descriptions use to tell operations apart,
    and with what a URL path cannot hold as it is (a space, a line break, a quote) percent-encoded in its
    literal parts; ``{name}`` placeholders and escapes already written are kept."""
    path = path.split("#", 1)[0]
    if path.isascii() and path.isprintable() and not _UNSAFE_IN_PATH.search(path):
        return path  # nearly every path

    def literal(text: str) -> str:
        return "".join(
            piece if _ENCODED.fullmatch(piece) else urllib.parse.quote(piece, safe="/!$&'()*+,;=:@-._~")
            for piece in _ENCODED.split(text)
        )

    return "".join(p if _TEMPLATE_PART.fullmatch(p) else literal(p) for p in _TEMPLATE_PART.split(path))


_UNSAFE_IN_PATH = re.compile(r"[^A-Za-z0-9/!$&'()*+,;=:@\-._~{}]")


def _accept(responses: list[ir.Response]) -> SpecText | None:
    """The Accept header for an operation whose successes are not all plain ``application/json`` (the
    client's default): the media types they document, so a server that negotiates (406 for what it
    does not produce) answers with one of them."""
    types = list(dict.fromkeys(r.media_type.unescaped.split(";")[0].strip() for r in responses if r.media_type))
    if not types or all(t.lower() == "application/json" for t in types):
        return None
    return SpecText(", ".join(types))


#: Keywords of operations that return a file.
DOWNLOAD_PARAMS = frozenset({"to", "expected_size", "md5"})


_KIND_PREFERENCE = {"json": 0, "form": 1, "multipart": 2, "binary": 3, "text": 4}


def _pick_media(content: Any) -> tuple[str, Any, str] | None:
    if not isinstance(content, dict) or not content:
        return None
    options = []
    for index, (media_type, media) in enumerate(content.items()):
        schema = media.get("schema") if isinstance(media, dict) else None
        kind = _media_kind(str(media_type), schema)
        options.append((_KIND_PREFERENCE[kind], index, str(media_type), media, kind))
    _, _, media_type, media, kind = min(options)
    return media_type, media, kind


def wire_rule(location: str, style: Any, explode: Any) -> tuple[str | None, bool | None, str, bool]:
    """How a parameter goes on the wire, decided here once: (the spec's style where it is not the
    location's default, the spec's explode where it is not the default for that style, the style to send
    with, explode or not). Defaults are OpenAPI's: simple for path and header, form for query and cookie;
    explode for form alone."""
    default_style = "simple" if location in ("path", "header") else "form"
    given_style = style if isinstance(style, str) and style != default_style else None
    sent_style = given_style or default_style
    default_explode = sent_style == "form"
    given_explode = explode if isinstance(explode, bool) and explode != default_explode else None
    return given_style, given_explode, sent_style, given_explode if given_explode is not None else default_explode


def _encoding(raw: Any) -> tuple[ir.PartEncoding, ...]:
    """A form or multipart media type's ``encoding`` map, decided once: each property's style (form by
    default), explode (by default only for form) and content type, kept where not all the default."""
    out = []
    for wire, rule in raw.items() if isinstance(raw, dict) else ():
        if not isinstance(rule, dict):
            continue
        given_style, given_explode, given_type = rule.get("style"), rule.get("explode"), rule.get("contentType")
        style: str = given_style if isinstance(given_style, str) else "form"
        explode: bool = given_explode if isinstance(given_explode, bool) else style == "form"
        content_type: str | None = given_type if isinstance(given_type, str) else None
        if (style, explode, content_type) != ("form", True, None):
            out.append(
                ir.PartEncoding(
                    SpecText(str(wire)),
                    SpecText(style),
                    explode,
                    None if content_type is None else SpecText(content_type),
                )
            )
    return tuple(out)


#: Statuses whose responses never have a body (RFC 9110), whatever a description documents.
NO_BODY_STATUSES = frozenset({"204", "205", "304"})


def redirects_to_content(method: str, status: str) -> bool:
    """Whether a ``status`` answer to a ``method`` request is a redirect that clients follow with a GET
    of the URL it names (RFC 9110 15.4; the generated clients follow them so): any redirect of a GET,
    a 303 of any method but HEAD, a 301 or 302 of a POST. What it leads to is content to return."""
    if method == "get":
        return status in ("301", "302", "303", "307", "308", "3XX")
    return method != "head" and (status == "303" or (method == "post" and status in ("301", "302")))


class Operations:
    def __init__(self, ctx: Context, types: Types, config: ApiConfig, client_params: dict[str, ir.ClientParam]):
        self.ctx = ctx
        self.types = types
        self.config = config
        self.client_params = client_params
        self.endpoint_names = NameScope()
        self.pagination = Pagination(ctx, types)
        self._shared: dict[str, str] | None = None  # header (lower case) -> client keyword: shared_headers()
        self._said: set[str] = set()

    def shared_headers(self) -> dict[str, str]:
        """Required header parameters that every operation declares (Apideck's ``x-apideck-app-id``), by
        name in lower case, with the client keyword each becomes (``x-`` dropped): set once on the client,
        as ``x-sdk-client-param`` would, unless a declaration says ``x-sdk-client-param: false``. Only for
        an API of two operations or more, and only where no declaration names a keyword already."""
        if self._shared is not None:
            return self._shared
        doc, data = self.ctx.spec.root, self.ctx.spec.data
        counts: dict[str, int] = {}
        refused: set[str] = set()
        operations = 0
        paths = data.get("paths") if isinstance(data.get("paths"), dict) else {}
        for item in paths.values():
            if not isinstance(item, dict):
                continue
            for method in [m for m in item if m in HTTP_METHODS and isinstance(item[m], dict)]:
                operations += 1
                seen: set[str] = set()
                for raw in [*(item.get("parameters") or []), *(item[method].get("parameters") or [])]:
                    try:
                        param = self.ctx.follow(doc, raw)[2]
                    except LookupError:
                        continue
                    if not (
                        isinstance(param, dict) and param.get("in") == "header" and isinstance(param.get("name"), str)
                    ):
                        continue
                    wire = param["name"].lower()
                    if "x-sdk-client-param" in param or wire in IGNORED_HEADERS:
                        refused.add(wire)  # declared either way: the declaration decides
                    elif param.get("required") is True:
                        seen.add(wire)
                for wire in seen:
                    counts[wire] = counts.get(wire, 0) + 1
        shared = sorted(w for w, n in counts.items() if n == operations and w not in refused) if operations > 1 else []
        self._shared = {w: snake_identifier(w[2:] if w.startswith("x-") else w) for w in shared}
        return self._shared

    def build(
        self, path: str, method: str, item: dict[str, Any], op: dict[str, Any], name: str, doc: str
    ) -> ir.Operation:
        ctx = self.ctx
        ptr = jp.join("/paths", path, method)
        op_pascal = (
            pascal(op.get("operationId", ""))
            if isinstance(op.get("operationId"), str) and pascal(op["operationId"])
            else pascal(name)
        )
        responses, errors = self._responses(doc, ptr, op, op_pascal, method)
        # Every documented success is a file: the method streams it, to memory or to ``to=``.
        download = bool(responses) and all(r.kind == "binary" for r in responses)
        reserved = RESERVED_PARAMS | DOWNLOAD_PARAMS if download else RESERVED_PARAMS
        key = operation_key(method, path)
        locked = ctx.lock.keywords.get(key)
        present = self._keyword_holders(doc, item, op) if locked else set()
        scope = ctx.given.watch(
            NameScope(
                reserved,
                lambda a, b: ctx.warn("W401", doc, ptr, f"parameter name {a!r} is taken; renamed {b!r}"),
                held={holder: name for holder, name in locked.items() if holder in present} if locked else None,
            )
        )
        params = self._params(doc, ptr, item, op, op_pascal, scope, reserved)
        body = self._body(doc, ptr, op, op_pascal, scope, reserved)
        ctx.given.keywords[key] = _keywords(params, body)
        returns = _union([r.annotation for r in responses]) if responses else "None"
        security = self._security(doc, ptr, op)
        one_of = self._one_of(doc, ptr, op, params)
        summary = _text(op.get("summary"))
        pages = None if download else self.pagination.read(doc, ptr, method, op, params, op_pascal or pascal(name))
        return ir.Operation(
            name=name,
            http_method=method.upper(),
            path=SpecText(path),
            wire_path=SpecText(wire_path(path)),
            operation_id=_text_or_empty(op.get("operationId")),
            summary=summary,
            description=_prose(op.get("description")),
            params=tuple(params),
            body=body,
            responses=tuple(responses),
            errors=tuple(errors),
            return_annotation=returns,
            security=security,
            one_of=one_of,
            endpoint=self.endpoint_names.claim("_" + upper(op_pascal or name)),
            source=_source(ctx, doc, ptr),
            deprecated=bool(op.get("deprecated")),
            download=download,
            retry_safe=self._retry_safe(doc, ptr, op),
            accept=_accept(responses),
            idempotency_header=self._idempotency_header(doc, ptr, op, method),
            pagination=pages,
            servers=operation_servers(ctx, doc, ptr, item, op),
            scopes=operation_scopes(ctx, op),
        )

    def _idempotency_header(self, doc: str, ptr: str, op: dict[str, Any], method: str) -> SpecText | None:
        """The header a non-GET call sends its idempotency key in: ``x-sdk-idempotency-header`` on the
        operation, else at the document root (Speakeasy's and Stainless's convention, ``Idempotency-Key``)."""
        if method.lower() in ("get", "head", "options", "trace"):
            return None
        where = jp.join(ptr, "x-sdk-idempotency-header")
        value = op.get("x-sdk-idempotency-header")
        if value is None:
            value, where = self.ctx.spec.data.get("x-sdk-idempotency-header"), "/x-sdk-idempotency-header"
        if value is None or value is False:
            return None
        if not (isinstance(value, str) and HEADER_NAME.fullmatch(value)):
            self.ctx.warn("W434", doc, where, "x-sdk-idempotency-header takes a header name; no key is sent")
            return None
        return SpecText(value)

    def _retry_safe(self, doc: str, ptr: str, op: dict[str, Any]) -> bool:
        value = op.get("x-sdk-retry-safe", op.get("x-speakeasy-retries-safe", False))
        if not isinstance(value, bool):
            self.ctx.warn(
                "W432", doc, jp.join(ptr, "x-sdk-retry-safe"), "x-sdk-retry-safe takes true or false; ignored"
            )
            return False
        return value

    def _params(
        self,
        doc: str,
        ptr: str,
        item: dict[str, Any],
        op: dict[str, Any],
        op_pascal: str,
        scope: NameScope,
        reserved: frozenset[str],
    ) -> list[ir.Param]:
        merged: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
        for base_ptr, params in (
            (jp.join("/paths", jp.split(ptr)[1]), item.get("parameters")),
            (ptr, op.get("parameters")),
        ):
            for index, raw in enumerate(params if isinstance(params, list) else []):
                try:
                    pdoc, pptr, param = self.ctx.follow(doc, raw)
                except LookupError:
                    self.ctx.error(
                        "E303", doc, jp.join(base_ptr, "parameters", index), "parameter $ref cannot be resolved"
                    )
                    continue
                if not isinstance(param, dict) or "name" not in param or "in" not in param:
                    continue
                where = pptr if pptr is not None else jp.join(base_ptr, "parameters", index)
                merged[(str(param["in"]), str(param["name"]))] = (pdoc, where, param)
        out = []
        for (location, wire), (pdoc, pptr, param) in merged.items():
            if location == "header" and wire.lower() in IGNORED_HEADERS:
                self.ctx.warn(
                    "W402",
                    pdoc,
                    pptr,
                    f"header parameter {wire!r} is controlled by the client and ignored, as OpenAPI requires",
                )
                continue
            if location not in ("path", "query", "header", "cookie"):
                self.ctx.warn(
                    "W403", pdoc, pptr, f"parameter location {location!r} is not supported; parameter skipped"
                )
                continue
            if location in ("header", "cookie") and not HEADER_NAME.fullmatch(wire):
                self.ctx.warn(
                    "W405",
                    pdoc,
                    pptr,
                    f"{location} name {wire!r} is not a token (RFC 9110): no client can send it; parameter skipped",
                )
                continue
            schema = param.get("schema")
            as_json = False
            if schema is None and isinstance(param.get("content"), dict) and param["content"]:
                media_type, media = next(iter(param["content"].items()))
                schema = media.get("schema") if isinstance(media, dict) else None
                as_json = _media_kind(str(media_type), schema) == "json"
                if not as_json:
                    self.ctx.warn(
                        "W404", pdoc, pptr, f"parameter content {media_type!r} is not JSON; its value is sent as text"
                    )
            annotation = self.types.annotation(
                pdoc, schema if schema is not None else {}, jp.join(pptr, "schema"), op_pascal + pascal(wire)
            )
            required = bool(param.get("required")) or location == "path"
            global_name = param.get("x-sdk-client-param")
            if location == "header" and global_name is None and wire.lower() in self.shared_headers():
                global_name = self.shared_headers()[wire.lower()]
                if wire.lower() not in self._said:
                    self._said.add(wire.lower())
                    self.ctx.info(
                        "I450",
                        pdoc,
                        pptr,
                        f"header {wire!r} is required by every operation: set once on the client"
                        f" ({global_name}=, or {upper(self.config.name)}_{upper(global_name)}); set"
                        " x-sdk-client-param: false on it (in an overlay) to keep it a keyword of each method",
                    )
            if isinstance(global_name, str) and location != "path":
                client_name = snake_identifier(global_name)
                self.client_params.setdefault(
                    client_name,
                    ir.ClientParam(
                        client_name,
                        SpecText(wire),
                        location,  # type: ignore[arg-type]
                        f"{upper(self.config.name)}_{upper(client_name)}",
                        _text(param.get("description")),
                    ),
                )
                out.append(
                    ir.Param(
                        client_name,
                        SpecText(wire),
                        location,  # type: ignore[arg-type]
                        annotation,
                        required,
                        None,
                        _text(param.get("description")),
                        client_attr=client_name,
                    )
                )
                continue
            example = _example_source(param, schema, annotation)
            style, explode, wire_style, wire_explode = wire_rule(location, param.get("style"), param.get("explode"))
            out.append(
                ir.Param(
                    name=scope.claim(snake_identifier(wire, "param", reserved), holder=f"{location} {wire}"),
                    wire=SpecText(wire),
                    location=location,  # type: ignore[arg-type]
                    annotation=annotation if required else _nullable(annotation),
                    required=required,
                    default=None if required else "None",
                    description=_text(param.get("description")),
                    style=None if style is None else SpecText(style),
                    explode=explode,
                    wire_style=SpecText(wire_style),
                    wire_explode=wire_explode,
                    allow_reserved=location == "query" and param.get("allowReserved") is True,
                    as_json=as_json,
                    example=example,
                    deprecated=param.get("deprecated") is True,
                )
            )
        return out

    def _body(
        self, doc: str, ptr: str, op: dict[str, Any], op_pascal: str, scope: NameScope, reserved: frozenset[str]
    ) -> ir.Body | None:
        raw = op.get("requestBody")
        if raw is None:
            return None
        try:
            bdoc, bptr, body = self.ctx.follow(doc, raw)
        except LookupError:
            self.ctx.error("E303", doc, jp.join(ptr, "requestBody"), "requestBody $ref cannot be resolved")
            return None
        where = bptr if bptr is not None else jp.join(ptr, "requestBody")
        _warn_xml(self.ctx, bdoc, where, body.get("content") if isinstance(body, dict) else None)
        picked = _pick_media(body.get("content") if isinstance(body, dict) else None)
        if picked is None:
            self.ctx.warn("W410", bdoc, where, "request body without content; not sent")
            return None
        media_type, media, kind = picked
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        mptr = jp.join(where, "content", media_type, "schema")
        required = bool(body.get("required"))
        description = _text(body.get("description"))
        encoding = _encoding(
            media.get("encoding") if isinstance(media, dict) and kind in ("form", "multipart") else None
        )
        if kind in ("form", "multipart"):
            fields = self._body_fields(bdoc, mptr, schema, op_pascal, scope, reserved, required)
            if fields is not None:
                return ir.Body("body", SpecText(media_type), kind, "", required, description, fields, encoding)  # type: ignore[arg-type]
        if kind in ("binary", "text"):
            annotation = "FileContent" if kind == "binary" else "str"
        else:
            annotation = self.types.annotation(bdoc, schema, mptr, op_pascal + "Request")
            if kind in ("form", "multipart") and annotation in ("Any",):
                annotation = f"dict[str, {self.types._any()}]"
        example = (
            'b"file content"'
            if kind == "binary"
            else '"text"'
            if kind == "text"
            else _body_example(media if isinstance(media, dict) else {}, schema)
        )
        return ir.Body(
            scope.claim("body", holder="body"),
            SpecText(media_type),
            kind,  # type: ignore[arg-type]
            annotation,
            required,
            description,
            None,
            encoding,
            example,
        )

    def _keyword_holders(self, doc: str, item: dict[str, Any], op: dict[str, Any]) -> set[str]:
        """What may hold a keyword of the operation, as the names lock knows it (``_keywords``): its
        parameters (``query page``), its body, and the properties of a form body (``field name``)."""
        found = set()
        for params in (item.get("parameters"), op.get("parameters")):
            for raw in params if isinstance(params, list) else []:
                param = self._target(doc, raw)[1]
                if "name" in param and "in" in param:
                    found.add(f"{param['in']} {param['name']}")
        if op.get("requestBody") is not None:
            found.add("body")
            bdoc, body = self._target(doc, op["requestBody"])
            content = body.get("content")
            for media in content.values() if isinstance(content, dict) else ():
                props = (
                    self._target(bdoc, media.get("schema"))[1].get("properties") if isinstance(media, dict) else None
                )
                found |= {f"field {wire}" for wire in props} if isinstance(props, dict) else set()
        return found

    def _target(self, doc: str, node: Any) -> tuple[str, dict[str, Any]]:
        """(document, schema) that ``node`` refers to; the schema is ``{}`` when it is not an object."""
        try:
            tdoc, _, target = self.ctx.follow(doc, node)
        except LookupError:
            return doc, {}
        return tdoc, target if isinstance(target, dict) else {}

    def _body_fields(
        self,
        doc: str,
        ptr: str,
        schema: Any,
        op_pascal: str,
        scope: NameScope,
        reserved: frozenset[str],
        body_required: bool,
    ) -> tuple[ir.BodyField, ...] | None:
        """A form or multipart body whose schema is a plain object becomes one keyword per property (files
        take a path, bytes or a file object), as users of such endpoints expect. Anything else: None."""
        try:
            sdoc, sptr, resolved = self.ctx.follow(doc, schema)
        except LookupError:
            return None
        where = sptr if sptr is not None else ptr
        props = resolved.get("properties") if isinstance(resolved, dict) else None
        if not isinstance(props, dict) or not props or any(k in resolved for k in ("allOf", "oneOf", "anyOf")):
            return None
        required = set(resolved.get("required") or []) if isinstance(resolved.get("required"), list) else set()
        fields = []
        for wire, raw in props.items():
            pptr = jp.join(where, "properties", wire)
            pdoc, prop = self._target(sdoc, raw)
            items = self._target(pdoc, prop.get("items"))[1] if prop.get("type") == "array" else None
            if _is_file_schema(prop):
                annotation, is_file = "FileInput", True
            elif _is_file_schema(items):
                annotation, is_file = "list[FileInput]", True
            else:
                annotation, is_file = self.types.annotation(sdoc, raw, pptr, op_pascal + pascal(str(wire))), False
            explicit = prop.get("x-sdk-name")
            named = isinstance(explicit, str) and bool(snake(explicit))
            wanted = str(explicit) if named else str(wire)
            name = snake_identifier(wanted, "field", reserved)
            holder = f"field {wire}"
            if named and scope.held(holder) not in (None, name):
                scope.release(holder)  # an x-sdk-name wins over the lock
            is_required = body_required and wire in required
            fields.append(
                ir.BodyField(
                    name=scope.claim(name, holder=holder),
                    wire=SpecText(str(wire)),
                    annotation=annotation if is_required else _nullable(annotation),
                    required=is_required,
                    description=_text(prop.get("description")),
                    is_file=is_file,
                    example='b"file content"' if is_file else _example_source(prop, prop, annotation),
                )
            )
        return tuple(fields)

    def _responses(
        self, doc: str, ptr: str, op: dict[str, Any], op_pascal: str, method: str
    ) -> tuple[list[ir.Response], list[ir.Response]]:
        raw_responses = op.get("responses")
        responses: dict[Any, Any] = raw_responses if isinstance(raw_responses, dict) else {}
        success: list[ir.Response] = []
        errors: list[ir.Response] = []
        statuses = [str(s) for s in responses]
        inline_successes = sum(1 for s in statuses if s.startswith("2"))
        for status, raw in responses.items():
            status = str(status).upper() if str(status).lower() != "default" else "default"
            try:
                rdoc, rptr, response = self.ctx.follow(doc, raw)
            except LookupError:
                self.ctx.error("E303", doc, jp.join(ptr, "responses", status), "response $ref cannot be resolved")
                continue
            where = rptr if rptr is not None else jp.join(ptr, "responses", status)
            if isinstance(response, dict) and response.get("links"):
                self.ctx.warn(
                    "W602",
                    rdoc,
                    jp.join(where, "links"),
                    "links are not followed; the response is returned as documented",
                )
            _warn_xml(self.ctx, rdoc, where, response.get("content") if isinstance(response, dict) else None)
            is_success = status.startswith("2")
            hint = (
                op_pascal
                + ("Response" if is_success else "Error")
                + ("" if (is_success and inline_successes == 1) or status == "default" else status.title())
            )
            if rptr is not None and rptr.startswith("/components/responses/"):
                hint = pascal(jp.split(rptr)[-1])
            picked = _pick_media(response.get("content") if isinstance(response, dict) else None)
            description = _text(response.get("description")) if isinstance(response, dict) else EMPTY
            if picked is not None and (status in NO_BODY_STATUSES or method == "head"):
                self.ctx.warn(
                    "W421",
                    rdoc,
                    jp.join(where, "content"),
                    f"{'a HEAD response' if method == 'head' else f'a {status} response'} has no body;"
                    " the documented content is not parsed",
                )
                picked = None
            if picked is None:
                entry = ir.Response(SpecText(status), None, "empty", "None", None, description)
            else:
                media_type, media, kind = picked
                schema = media.get("schema") if isinstance(media, dict) else None
                if kind in ("json", "form", "multipart"):
                    annotation = self.types.annotation(
                        rdoc,
                        schema if schema is not None else {},
                        jp.join(where, "content", media_type, "schema"),
                        hint,
                    )
                    content = response.get("content")
                    documented = tuple(SpecText(m) for m in content if isinstance(m, str))
                    entry = ir.Response(
                        SpecText(status), SpecText(media_type), "json", annotation, annotation, description, documented
                    )
                elif kind == "text":
                    entry = ir.Response(SpecText(status), SpecText(media_type), "text", "str", None, description)
                else:
                    entry = ir.Response(SpecText(status), SpecText(media_type), "binary", "bytes", None, description)
            (success if is_success else errors).append(entry)
        redirects = [e for e in errors if redirects_to_content(method, e.status.unescaped)] if not success else []
        if redirects:
            # Only redirects documented (Box's "Download file": a 302 to the file): the client follows
            # them, so what they lead to is the result, returned as a download is.
            self.ctx.info(
                "I422",
                doc,
                jp.join(ptr, "responses"),
                f"only a redirect ({', '.join(e.status.unescaped for e in redirects)}) is documented as the"
                " outcome: the client follows it and returns what it leads to as a download (bytes, or"
                " streamed to to=)",
            )
            errors = [e for e in errors if e not in redirects]
            success.append(
                ir.Response(SpecText("2XX"), SpecText("*/*"), "binary", "bytes", None, redirects[0].description)
            )
        if not success and not any(s == "default" for s in statuses):
            self.ctx.warn(
                "W420", doc, jp.join(ptr, "responses"), "no 2xx response documented; successful calls return None"
            )
        return success, errors

    def _security(self, doc: str, ptr: str, op: dict[str, Any]) -> tuple[tuple[SpecText, ...], ...]:
        requirements = op.get("security", self.ctx.spec.data.get("security"))
        out = []
        for requirement in requirements if isinstance(requirements, list) else []:
            if isinstance(requirement, dict):
                out.append(tuple(SpecText(str(k)) for k in requirement))
        return tuple(out)

    def _one_of(self, doc: str, ptr: str, op: dict[str, Any], params: list[ir.Param]) -> tuple[tuple[str, ...], ...]:
        raw = op.get("x-sdk-exactly-one-of")
        if raw is None:
            return ()
        groups = raw if isinstance(raw, list) and raw and all(isinstance(g, list) for g in raw) else [raw]
        by_wire = {p.wire.unescaped: p for p in params}
        out = []
        for group in groups:
            names = []
            for wire in group if isinstance(group, list) else []:
                param = by_wire.get(wire) if isinstance(wire, str) else None
                if param is None or param.required:
                    self.ctx.error(
                        "E430",
                        doc,
                        jp.join(ptr, "x-sdk-exactly-one-of"),
                        f"{wire!r} is not an optional parameter of this operation",
                    )
                    continue
                names.append(param.name)
            if len(names) >= 2:
                out.append(tuple(names))
        return tuple(out)


def _warn_xml(ctx: Context, doc: str, where: str, content: Any) -> None:
    """XML is carried as text or bytes, not mapped to models: say so where XML is the only choice."""
    if not isinstance(content, dict) or not content:
        return
    kinds = [str(mt).split(";")[0].strip().lower() for mt in content]
    if all(k.endswith("/xml") or k.endswith("+xml") for k in kinds):
        ctx.warn(
            "W603", doc, jp.join(where, "content"), "XML is not parsed into models; the body is passed as text or bytes"
        )


def _keywords(params: list[ir.Param], body: ir.Body | None) -> dict[str, str]:
    """The keywords of an operation by what holds them, for the names lock: ``query page`` -> ``page``,
    ``body`` -> ``body``, ``field name`` -> ``name`` (a form body's properties)."""
    out = {f"{p.location} {p.wire.unescaped}": p.name for p in params if p.client_attr is None}
    if body is not None and body.fields:
        out.update({f"field {f.wire.unescaped}": f.name for f in body.fields})
    elif body is not None:
        out["body"] = body.name
    return out
