"""Webhooks: the events an API sends (the document's ``webhooks``, OpenAPI 3.1, and its operations'
``callbacks``), their payload types, and how their signatures are checked (``x-sdk-webhook-signature``
at the document root)::

    x-sdk-webhook-signature: {scheme: hmac-sha256, header: X-Signature, encoding: hex, prefix: "sha256="}
    x-sdk-webhook-signature: {scheme: standard-webhooks, tolerance: 300}   # standardwebhooks.com

An event is a request with a JSON body; one without (a DELETE that only names an id) has no payload to
parse and is left out (``I600``), as is one whose body is not JSON (``W600``).
"""

from __future__ import annotations

from typing import Any

from .. import ir
from .. import pointer as jp
from ..escape import SpecText
from ..names import pascal
from .context import HEADER_NAME, HTTP_METHODS, JSON_MEDIA, Context, _source, _text
from .types import Types

SCHEMES = ("hmac-sha256", "standard-webhooks")
_KEYS = {
    "hmac-sha256": {"scheme", "header", "encoding", "prefix"},
    "standard-webhooks": {"scheme", "tolerance"},
}


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
            out.append(ir.Webhook(SpecText(label), event[0], event[1], _source(ctx, doc, jp.join(ptr, method))))
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
    raw = ctx.spec.data.get("x-sdk-webhook-signature")
    if raw is None:
        return None
    where = "/x-sdk-webhook-signature"

    def refuse(problem: str) -> ir.WebhookSignature | None:
        # An error: generating on would give an unwrap() that checks no signature at all.
        ctx.error("E604", ctx.spec.root, where, f"x-sdk-webhook-signature {problem}")
        return None

    if not isinstance(raw, dict) or raw.get("scheme") not in SCHEMES:
        return refuse("takes a mapping with scheme hmac-sha256 or standard-webhooks")
    unknown = sorted(set(map(str, raw)) - _KEYS[raw["scheme"]])
    if unknown:
        return refuse(f"has no key {', '.join(unknown)} for scheme {raw['scheme']}")
    header = raw.get("header", "X-Signature")
    encoding = raw.get("encoding", "hex")
    prefix = raw.get("prefix", "")
    tolerance = raw.get("tolerance", 300)
    if not (isinstance(header, str) and HEADER_NAME.fullmatch(header)):
        return refuse("header takes a header name")
    if encoding not in ("hex", "base64"):
        return refuse("encoding takes hex or base64")
    if not isinstance(prefix, str) or not prefix.isprintable():
        return refuse("prefix takes a string")
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance <= 0:
        return refuse("tolerance takes a number of seconds")
    return ir.WebhookSignature(raw["scheme"], SpecText(header), encoding, SpecText(prefix), tolerance)
