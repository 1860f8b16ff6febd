"""Webhooks: the events an API sends (the document's ``webhooks``, OpenAPI 3.1, and its operations'
``callbacks``), their payload types, and how their signatures are checked.

``x-sdk-webhook-signature`` at the document root is the scheme of every event; one on an event's
operation (``webhooks.<name>.post``, a callback's operation) or on its path item is that event's own::

    x-sdk-webhook-signature: {scheme: hmac-sha256, header: X-Signature, encoding: hex, prefix: "sha256="}
    x-sdk-webhook-signature: {scheme: hmac-sha256-timestamped, header: X-Signature,
                              timestamp-header: X-Timestamp, payload: "{timestamp}.{body}", tolerance: 300}
    x-sdk-webhook-signature: {scheme: stripe, header: Stripe-Signature, tolerance: 300}
    x-sdk-webhook-signature: {scheme: standard-webhooks, tolerance: 300}   # standardwebhooks.com

Keys: ``header`` the signature's header; ``encoding`` hex or base64; ``prefix`` text before the
signature in it; ``timestamp-header`` the header holding the timestamp (seconds since the epoch);
``payload`` what is signed, ``{timestamp}`` and ``{body}`` (the raw body) once each in literal text;
``tolerance`` the seconds a timestamp may be off now (1 to a day). Each scheme takes only its own keys,
and a declaration that does not fit is an error (``E604``): generating on would give a receiver that
checks nothing.

An event is a request with a JSON body; one without (a DELETE that only names an id) has no payload to
parse and is left out (``I600``), as is one whose body is not JSON (``W600``).
"""

from __future__ import annotations

import re
from typing import Any

from .. import ir
from .. import pointer as jp
from ..escape import SpecText
from ..names import pascal
from .context import HEADER_NAME, HTTP_METHODS, JSON_MEDIA, Context, _source, _text
from .types import Types

SCHEMES = ("hmac-sha256", "hmac-sha256-timestamped", "stripe", "standard-webhooks")
_KEYS = {
    "hmac-sha256": {"scheme", "header", "encoding", "prefix"},
    "hmac-sha256-timestamped": {"scheme", "header", "encoding", "prefix", "timestamp-header", "payload", "tolerance"},
    "stripe": {"scheme", "header", "tolerance"},
    "standard-webhooks": {"scheme", "tolerance"},
}
#: The longest tolerance a declaration may give: a day. Past that a timestamp guards against no replay.
MAX_TOLERANCE = 86_400
_PLACEHOLDER = re.compile(r"\{timestamp\}|\{body\}")


def webhooks(ctx: Context, types: Types) -> tuple[ir.Webhook, ...]:
    """Every event, in document order: the ``webhooks`` first, then each operation's callbacks."""
    data = ctx.spec.data
    found: list[tuple[str, str, str, Any]] = []  # (name, doc, pointer of the path item, path item)
    hooks = data.get("webhooks")
    for key, item in hooks.items() if isinstance(hooks, dict) else ():
        found.append((str(key), ctx.spec.root, jp.join("/webhooks", key), item))
    paths = data.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        for method, op in item.items() if isinstance(item, dict) else ():
            callbacks = op.get("callbacks") if method in HTTP_METHODS and isinstance(op, dict) else None
            for name, callback in callbacks.items() if isinstance(callbacks, dict) else ():
                where = jp.join("/paths", path, method, "callbacks", name)
                try:
                    cdoc, cptr, callback = ctx.follow(ctx.spec.root, callback)
                except LookupError:
                    ctx.warn("W601", ctx.spec.root, where, "callback $ref cannot be resolved; left out")
                    continue
                for expression, cb_item in callback.items() if isinstance(callback, dict) else ():
                    label = f"{op.get('operationId') or method + ' ' + path}.{name}"
                    found.append((label, cdoc, jp.join(cptr or where, expression), cb_item))
    out: list[ir.Webhook] = []
    seen: set[str] = set()
    for name, doc, ptr, raw in found:
        try:
            doc, target, item = ctx.follow(doc, raw)
        except LookupError:
            ctx.warn("W600", doc, ptr, "webhook $ref cannot be resolved; left out")
            continue
        ptr = target or ptr
        methods = [m for m in (item if isinstance(item, dict) else {}) if m in HTTP_METHODS]
        for method in methods:
            event = _event(ctx, types, doc, jp.join(ptr, method), item[method], name)
            if event is None:
                continue
            label = name if len(methods) == 1 or name not in seen else f"{name} {method.upper()}"
            seen.add(label)
            source = _source(ctx, doc, jp.join(ptr, method))
            own = _own_signature(ctx, doc, ptr, item, method)
            out.append(ir.Webhook(SpecText(label), event[0], event[1], source, own))
    return tuple(out)


def _event(ctx: Context, types: Types, doc: str, ptr: str, op: Any, name: str) -> tuple[str, SpecText] | None:
    """The payload annotation and description of one event, or None when it has no JSON body."""
    raw = op.get("requestBody") if isinstance(op, dict) else None
    if raw is None:
        ctx.info("I600", doc, ptr, f"webhook {name!r} has no body; unwrap() has no payload to parse for it")
        return None
    try:
        bdoc, bptr, body = ctx.follow(doc, raw)
    except LookupError:
        ctx.warn("W600", doc, jp.join(ptr, "requestBody"), "webhook body $ref cannot be resolved; left out")
        return None
    where = bptr if bptr is not None else jp.join(ptr, "requestBody")
    content = body.get("content") if isinstance(body, dict) else None
    for media_type, media in content.items() if isinstance(content, dict) else ():
        if JSON_MEDIA.match(str(media_type)) and isinstance(media, dict):
            schema = media.get("schema", {})
            annotation = types.annotation(
                bdoc, schema, jp.join(where, "content", media_type, "schema"), pascal(name) + "Event"
            )
            description = _text(op.get("summary")) or _text(op.get("description")) or _text(body.get("description"))
            return annotation, description
    ctx.warn("W600", bdoc, where, f"webhook {name!r} has no JSON body; it is not parsed by unwrap()")
    return None


def signature(ctx: Context) -> ir.WebhookSignature | None:
    """The document's scheme: ``x-sdk-webhook-signature`` at its root (None when it declares none)."""
    raw = ctx.spec.data.get("x-sdk-webhook-signature")
    return None if raw is None else _declaration(ctx, ctx.spec.root, "/x-sdk-webhook-signature", raw)


def _own_signature(ctx: Context, doc: str, ptr: str, item: Any, method: str) -> ir.WebhookSignature | None:
    """An event's own scheme: ``x-sdk-webhook-signature`` on its operation, else on its path item."""
    for where, node in ((jp.join(ptr, method), item.get(method)), (ptr, item)):
        if isinstance(node, dict) and node.get("x-sdk-webhook-signature") is not None:
            pointer = jp.join(where, "x-sdk-webhook-signature")
            return _declaration(ctx, doc, pointer, node["x-sdk-webhook-signature"])
    return None


def _declaration(ctx: Context, doc: str, where: str, raw: Any) -> ir.WebhookSignature | None:
    def refuse(problem: str) -> ir.WebhookSignature | None:
        # An error: generating on would give an unwrap() that checks no signature at all.
        ctx.error("E604", doc, where, f"x-sdk-webhook-signature {problem}")
        return None

    if not isinstance(raw, dict) or raw.get("scheme") not in SCHEMES:
        return refuse(f"takes a mapping with scheme {', '.join(SCHEMES[:-1])} or {SCHEMES[-1]}")
    scheme = raw["scheme"]
    unknown = sorted(set(map(str, raw)) - _KEYS[scheme])
    if unknown:
        timed = scheme == "hmac-sha256" and bool({"tolerance", "timestamp-header", "payload"} & set(unknown))
        hint = "; hmac-sha256 signs no time, hmac-sha256-timestamped does" if timed else ""
        takes = ", ".join(sorted(_KEYS[scheme]))
        return refuse(f"has no key {', '.join(unknown)} for scheme {scheme} (it takes {takes}){hint}")
    header = raw.get("header", "Stripe-Signature" if scheme == "stripe" else "X-Signature")
    encoding = raw.get("encoding", "hex")
    prefix = raw.get("prefix", "")
    tolerance = raw.get("tolerance", 300)
    stamp_header = raw.get("timestamp-header", "X-Timestamp")
    payload = raw.get("payload", "{timestamp}.{body}")
    if not (isinstance(header, str) and HEADER_NAME.fullmatch(header)):
        return refuse("header takes a header name")
    if encoding not in ("hex", "base64"):
        return refuse("encoding takes hex or base64")
    if not isinstance(prefix, str) or not prefix.isprintable():
        return refuse("prefix takes a string")
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not 0 < tolerance <= MAX_TOLERANCE:
        return refuse(f"tolerance takes a number of seconds from 1 to {MAX_TOLERANCE}")
    if not (isinstance(stamp_header, str) and HEADER_NAME.fullmatch(stamp_header)):
        return refuse("timestamp-header takes a header name")
    if scheme == "hmac-sha256-timestamped" and stamp_header.lower() == header.lower():
        return refuse("timestamp-header takes a header of its own, not the signature's")
    if not isinstance(payload, str) or not payload.replace("\n", "").isprintable():
        return refuse("payload takes a string")
    if payload.count("{timestamp}") != 1 or payload.count("{body}") != 1:
        return refuse("payload takes a template holding {timestamp} and {body} once each")
    if set("{}") & set(_PLACEHOLDER.sub("", payload)):
        return refuse("payload has no placeholder but {timestamp} and {body}")
    return ir.WebhookSignature(
        scheme,
        SpecText(header),
        encoding,
        SpecText(prefix),
        tolerance,
        SpecText(stamp_header),
        SpecText(payload),
    )
