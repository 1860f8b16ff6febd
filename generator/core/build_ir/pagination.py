"""Pagination: which operations return pages, and how the next page is asked for.

Read, in this order, from
- ``x-sdk-pagination`` on the operation (ours; ``false`` turns pagination, inferred or not, off)::

      x-sdk-pagination: {style: cursor, cursor-param: cursor, next: /meta/next_cursor, items: /data}
      # style: cursor (cursor-param; next, or next-item with has-more) | page (page-param, total-pages)
      #        | offset (offset-param, limit-param, total) | link (next, else the Link header)

- ``x-speakeasy-pagination`` (Speakeasy's: ``type`` cursor, offsetLimit or url; ``inputs`` and ``outputs``
  with simple ``$.a.b`` JSONPaths);
- ``x-ms-pageable`` (Azure's: ``nextLinkName`` and ``itemName``);
- else inferred from the common shapes of a GET: a cursor parameter with a next cursor in the body, Stripe's
  ``starting_after`` with ``has_more``, ``page`` with a page count, ``offset`` with a total, or a documented
  ``Link`` header. What is inferred is said (an info diagnostic) with how to turn it off.

Every pointer is checked against the response schema; a declaration that does not fit is a warning and
the operation returns its body as before.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from .. import ir
from .. import pointer as jp
from ..escape import SpecText, spec_text
from .context import JSON_MEDIA, Context
from .types import Types

STYLES = ("cursor", "page", "offset", "link")
_KEYS = {
    "cursor": {"style", "items", "cursor-param", "next", "next-item", "has-more"},
    "page": {"style", "items", "page-param", "total-pages", "start"},
    "offset": {"style", "items", "offset-param", "limit-param", "total"},
    "link": {"style", "items", "next"},
}

# What inference looks for: parameter names, and body properties (first found wins).
_CURSOR_PARAMS = ("cursor", "page_token", "pageToken", "next_token", "nextToken", "continuation_token", "after")
_NEXT_NAMES = (
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
    "continuation_token",
    "next",
)
_LINK_OBJECTS = ("links", "_links", "link")
_ITEM_NAMES = ("data", "items", "results", "records", "entries", "value", "values")
_PAGE_COUNTS = ("total_pages", "totalPages", "page_count", "pageCount", "pages")
_TOTALS = ("total", "total_count", "totalCount", "total_results", "totalResults", "count")
_JSONPATH = re.compile(r"^\$((?:\.[A-Za-z_][\w-]*)*)$")


class Pagination:
    def __init__(self, ctx: Context, types: Types):
        self.ctx = ctx
        self.types = types

    def read(
        self, doc: str, ptr: str, method: str, op: dict[str, Any], params: list[ir.Param], hint: str
    ) -> ir.Pagination | None:
        declared = op.get("x-sdk-pagination")
        if declared is False:
            return None
        success, link_header = self._success(doc, ptr, op)
        query = {p.wire.unescaped: p for p in params if p.location == "query" and not p.client_attr}
        if declared is not None:
            where = jp.join(ptr, "x-sdk-pagination")
            spec = declared if isinstance(declared, dict) else None
            if spec is None or spec.get("style") not in STYLES:
                return self._refuse(doc, where, "takes a mapping with style cursor, page, offset or link")
            unknown = sorted(set(map(str, spec)) - _KEYS[spec["style"]])
            if unknown:
                return self._refuse(doc, where, f"has no key {', '.join(unknown)} for style {spec['style']}")
            return self._checked(doc, where, spec, success, query, hint, "x-sdk-pagination")
        vendors: tuple[tuple[Source, Any], ...] = (("x-speakeasy-pagination", _speakeasy), ("x-ms-pageable", _azure))
        for key, translate in vendors:
            if key in op:
                where = jp.join(ptr, key)
                spec, problem = translate(op[key])
                if spec is None:
                    return self._refuse(doc, where, problem) if problem else None
                return self._checked(doc, where, spec, success, query, hint, key)
        if method != "get" or success is None:
            return None
        spec = self._infer(success, query, link_header)
        if spec is None:
            return None
        found = self._checked(doc, ptr, spec, success, query, hint, "inferred")
        if found is not None:
            said = ", ".join(f"{k}={v or chr(34) * 2}" for k, v in spec.items() if k != "style")
            self.ctx.info(
                "I440",
                doc,
                ptr,
                f"pages inferred: {spec['style']} ({said}); set x-sdk-pagination: false on the operation"
                " (or in an overlay) to return the body instead",
            )
        return found

    # -- checking ----------------------------------------------------------------------------------

    def _refuse(self, doc: str, where: str, problem: str) -> ir.Pagination | None:
        self.ctx.warn("W440", doc, where, f"pagination {problem}; the operation returns its body unpaged")
        return None

    def _checked(
        self,
        doc: str,
        where: str,
        spec: dict[str, Any],
        success: tuple[str, str, Any] | None,
        query: dict[str, ir.Param],
        hint: str,
        source: Source,
    ) -> ir.Pagination | None:
        style = spec["style"]
        if success is None:
            return self._refuse(doc, where, "needs a JSON success response")
        param = spec.get({"cursor": "cursor-param", "page": "page-param", "offset": "offset-param"}.get(style, ""))
        if style != "link" and (not isinstance(param, str) or param not in query):
            return self._refuse(doc, where, f"names {param!r}, which is not a query parameter of the operation")
        limit = spec.get("limit-param")
        if limit is not None and (not isinstance(limit, str) or limit not in query):
            return self._refuse(doc, where, f"names {limit!r}, which is not a query parameter of the operation")
        pointers: dict[str, str | None] = {}
        for key in ("items", "next", "next-item", "has-more", "total-pages", "total"):
            value = spec.get(key)
            if value is not None and not (isinstance(value, str) and (value == "" or value.startswith("/"))):
                return self._refuse(doc, where, f"{key} takes a JSON pointer such as /data, not {value!r}")
            pointers[key] = value
        items = pointers["items"]
        if items is None:
            return self._refuse(doc, where, "needs items, the JSON pointer of the list in the body")
        sdoc, sptr, schema = success
        found = self._at(sdoc, sptr, schema, items)
        if found is None or "array" not in _types(found[2]):
            return self._refuse(doc, where, f"items {items!r} is not a list in the response schema")
        for key in ("next", "has-more", "total-pages", "total"):
            if pointers[key] is not None and self._at(sdoc, sptr, schema, pointers[key] or "") is None:
                return self._refuse(doc, where, f"{key} {pointers[key]!r} is not in the response schema")
        if style == "cursor" and pointers["next"] is None and pointers["next-item"] is None:
            return self._refuse(doc, where, "of style cursor needs next (or next-item with has-more)")
        idoc, iptr, array = found
        element = array.get("items") if isinstance(array, dict) else None
        annotation = (
            self.types.annotation(idoc, element, jp.join(iptr, "items"), hint + "Item")
            if element is not None
            else "Any"
        )
        start = spec.get("start", 1)
        return ir.Pagination(
            style=style,
            items=spec_text(items),
            item_annotation=annotation,
            param=_text_or_none(param if style != "link" else None),
            limit_param=_text_or_none(limit),
            next=_text_or_none(pointers["next"]),
            next_item=_text_or_none(pointers["next-item"]),
            has_more=_text_or_none(pointers["has-more"]),
            total=_text_or_none(pointers["total-pages"] if style == "page" else pointers["total"]),
            start=start if isinstance(start, int) and not isinstance(start, bool) else 1,
            source=source,
        )

    def _success(self, doc: str, ptr: str, op: dict[str, Any]) -> tuple[tuple[str, str, Any] | None, bool]:
        """The first 2xx JSON response schema with where it is (``doc``, pointer), and whether that
        response documents a ``Link`` header."""
        responses = op.get("responses")
        for status, raw in responses.items() if isinstance(responses, dict) else ():
            if not str(status).startswith("2"):
                continue
            try:
                rdoc, rptr, response = self.ctx.follow(doc, raw)
            except LookupError:
                return None, False
            if not isinstance(response, dict):
                return None, False
            headers = response.get("headers")
            link = isinstance(headers, dict) and any(str(h).lower() == "link" for h in headers)
            content = response.get("content")
            for media_type, media in content.items() if isinstance(content, dict) else ():
                if JSON_MEDIA.match(str(media_type)) and isinstance(media, dict) and "schema" in media:
                    base = rptr if rptr is not None else jp.join(ptr, "responses", status)
                    where = jp.join(base, "content", media_type, "schema")
                    return self._resolved(rdoc, where, media["schema"]), link
            return None, False
        return None, False

    def _resolved(self, doc: str, ptr: str, schema: Any) -> tuple[str, str, Any]:
        for _ in range(50):  # a chain of $refs, bounded
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            try:
                doc, target, schema = self.ctx.follow(doc, schema)
            except LookupError:
                break
            ptr = target or ptr
        return doc, ptr, schema

    def _at(self, doc: str, ptr: str, schema: Any, pointer: str) -> tuple[str, str, Any] | None:
        """The schema of the value at ``pointer`` in a body ``schema`` describes (through $refs and allOf)."""
        found: tuple[str, str, Any] | None = self._resolved(doc, ptr, schema)
        for token in jp.split(pointer):
            found = self._fields(*found).get(token) if found is not None else None
        return found

    def _fields(self, doc: str, ptr: str, schema: Any) -> dict[str, tuple[str, str, Any]]:
        """An object schema's properties by name, each resolved with where it is (allOf merged; a
        property of the schema itself wins over one of its allOf parts)."""
        out: dict[str, tuple[str, str, Any]] = {}
        doc, ptr, schema = self._resolved(doc, ptr, schema)
        if not isinstance(schema, dict):
            return out
        for index, part in enumerate(schema.get("allOf") or []):
            out.update(self._fields(doc, jp.join(ptr, "allOf", index), part))
        props = schema.get("properties")
        for name, prop in props.items() if isinstance(props, dict) else ():
            out[str(name)] = self._resolved(doc, jp.join(ptr, "properties", name), prop)
        return out

    # -- inference ---------------------------------------------------------------------------------

    def _infer(
        self, success: tuple[str, str, Any], query: dict[str, ir.Param], link_header: bool
    ) -> dict[str, Any] | None:
        doc, ptr, schema = success
        if link_header and "array" in _types(schema):
            return {"style": "link", "items": ""}
        names = self._names(doc, ptr, schema)
        items = next((f"/{n}" for n in _ITEM_NAMES if "array" in _types(names.get(n))), None)
        if items is None:
            arrays = [n for n, s in names.items() if "array" in _types(s)]
            items = "/" + jp.token(arrays[0]) if len(arrays) == 1 else None
        if items is None:
            return None
        if link_header:
            return {"style": "link", "items": items}
        if (
            "starting_after" in query
            and "boolean" in _types(names.get("has_more"))
            and self._item_has(doc, ptr, schema, items, "id")
        ):
            return {
                "style": "cursor",
                "cursor-param": "starting_after",
                "next-item": "/id",
                "has-more": "/has_more",
                "items": items,
            }
        cursor = next((p for p in _CURSOR_PARAMS if p in query), None)
        if cursor is not None:
            nxt = self._find_next(doc, ptr, schema, depth=3)
            if nxt is not None:
                return {"style": "cursor", "cursor-param": cursor, "next": nxt, "items": items}
        if "page" in query:
            count = next((f"/{n}" for n in _PAGE_COUNTS if "integer" in _types(names.get(n))), None)
            if count is not None:
                return {"style": "page", "page-param": "page", "total-pages": count, "items": items}
        if "offset" in query:
            total = next((f"/{n}" for n in _TOTALS if "integer" in _types(names.get(n))), None)
            if total is not None:
                spec = {"style": "offset", "offset-param": "offset", "total": total, "items": items}
                if "limit" in query:
                    spec["limit-param"] = "limit"
                return spec
        return None

    def _item_has(self, doc: str, ptr: str, schema: Any, items: str, name: str) -> bool:
        found = self._at(doc, ptr, schema, items)
        if found is None or not isinstance(found[2], dict) or found[2].get("items") is None:
            return False
        return name in self._names(found[0], jp.join(found[1], "items"), found[2]["items"])

    def _names(self, doc: str, ptr: str, schema: Any) -> dict[str, Any]:
        """An object schema's properties by name (the schemas alone)."""
        return {name: found[2] for name, found in self._fields(doc, ptr, schema).items()}

    def _find_next(self, doc: str, ptr: str, schema: Any, depth: int) -> str | None:
        """The pointer of a next-cursor string property, at most ``depth`` objects down (``/meta/next``)."""
        fields = self._fields(doc, ptr, schema)
        for name in _NEXT_NAMES:
            prop = fields[name][2] if name in fields else {}
            if "string" in _types(prop) and prop.get("format") not in ("uri", "url"):
                return "/" + jp.token(name)
        if depth > 1:
            for name, found in fields.items():
                if name in _LINK_OBJECTS:
                    continue  # ``links.next`` is the next page's URL, not a cursor
                if "object" in _types(found[2]) or (isinstance(found[2], dict) and "properties" in found[2]):
                    inner = self._find_next(*found, depth=depth - 1)
                    if inner is not None:
                        return "/" + jp.token(name) + inner
        return None


def _types(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    if "items" in schema:
        return {"array"}
    if "properties" in schema:
        return {"object"}
    return set()


def _path(value: Any) -> str | None:
    """``$.data.items`` as a JSON pointer (``/data/items``); None for anything but a plain dotted path."""
    match = _JSONPATH.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return "".join("/" + jp.token(part) for part in match.group(1).split(".")[1:])


def _speakeasy(raw: Any) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(raw, dict):
        return None, "x-speakeasy-pagination takes a mapping"
    inputs = {
        str(i.get("type")): i.get("name")
        for i in raw.get("inputs") or []
        if isinstance(i, dict) and i.get("in") == "parameters"
    }
    outputs: dict[str, Any] = raw["outputs"] if isinstance(raw.get("outputs"), dict) else {}
    results = _path(outputs.get("results", "$"))
    if results is None:
        return None, "outputs.results is not a plain $.a.b path"
    kind = raw.get("type")
    if kind == "cursor":
        nxt = _path(outputs.get("nextCursor"))
        if nxt is None or "cursor" not in inputs:
            return None, "of type cursor needs a cursor input and outputs.nextCursor as a plain $.a.b path"
        return {"style": "cursor", "cursor-param": inputs["cursor"], "next": nxt, "items": results}, ""
    if kind == "offsetLimit":
        if "page" in inputs:
            spec: dict[str, Any] = {"style": "page", "page-param": inputs["page"], "items": results}
            if _path(outputs.get("numPages")) is not None:
                spec["total-pages"] = _path(outputs.get("numPages"))
            return spec, ""
        if "offset" in inputs:
            spec = {"style": "offset", "offset-param": inputs["offset"], "items": results}
            if "limit" in inputs:
                spec["limit-param"] = inputs["limit"]
            return spec, ""
        return None, "of type offsetLimit needs a page or an offset input"
    if kind == "url":
        nxt = _path(outputs.get("nextUrl"))
        if nxt is None:
            return None, "of type url needs outputs.nextUrl as a plain $.a.b path"
        return {"style": "link", "next": nxt, "items": results}, ""
    return None, f"type {kind!r} is not cursor, offsetLimit or url"


def _azure(raw: Any) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(raw, dict):
        return None, "x-ms-pageable takes a mapping"
    link = raw.get("nextLinkName")
    if link is None:
        return None, ""  # Azure's way of saying: one page, whatever the shape
    if not isinstance(link, str):
        return None, "nextLinkName takes a property name"
    item = raw.get("itemName", "value")
    return {"style": "link", "next": "/" + jp.token(link), "items": "/" + jp.token(str(item))}, ""


Source = Literal["x-sdk-pagination", "x-speakeasy-pagination", "x-ms-pageable", "inferred"]


def _text_or_none(value: SpecText | str | None) -> SpecText | None:
    return None if value is None else spec_text(value)
