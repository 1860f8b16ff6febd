"""Pages the mock serves: a paginated operation's body (the one the mock would serve anyway) becomes
page ``n`` of ``count``, so a generated client, or anyone's, walks real pages against the mock.

Which operations page, and how, is what the generator reads (``build_ir.pagination``: ``x-sdk-pagination``,
Speakeasy's and Azure's extensions, inference), so the mock pages exactly where the client expects pages.
The request says which page it asks for, so the mock keeps no state:

- cursor: the cursor it was given (``page-<n>``, or ``<n>`` where the cursor parameter or the schema takes
  numbers: Spotify's ``after``), or, for a
  cursor read from the last item (Stripe's ``starting_after``), that item's id (``item-<n>-<i>``);
- page: the page number (from the operation's first, ``start``), with the page count in the body;
- offset: the offset, in steps of the page's item count, with the total in the body;
- link: ``mock_page=<n>`` in the next-page URL, in the body or in a ``Link`` header.

Past the last page the items are empty. Every page is validated against the response schema; a page the
schema refuses (a cursor that must be a UUID, say) is not served, and the body goes out as before, unpaged.
"""

from __future__ import annotations

import copy
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ApiConfig
from ..core import build_ir, ir
from ..core import pointer as jp
from ..core.escape import SpecText
from ..core.load import Spec

#: A page's body (None: serve the body unpaged) and the headers it adds (the ``Link`` header).
Page = tuple[Any, dict[str, str]]

_CURSOR = re.compile(r"page-(\d{1,6})")
_ITEM = re.compile(r"item-(\d{1,6})-\d{1,6}")
_MISSING = object()
MAX_PAGE = 100


class Pages:
    """The paginated operations of a spec (by the operation's pointer), found on first use: building
    the IR takes a moment on a large document, and most mocks serve few list calls."""

    def __init__(self, spec: Spec, count: int) -> None:
        self.spec = spec
        self.count = count
        self._found: dict[str, Paging] | None = None
        self._lock = threading.Lock()

    def of(self, doc: str, ptr: str) -> Paging | None:
        if self.count < 2:
            return None
        if self._found is None:
            with self._lock:
                if self._found is None:
                    self._found = self._build()
        return self._found.get(f"{self.spec.labels.get(doc, doc)}#{ptr}")

    def _build(self) -> dict[str, Paging]:
        try:
            label = self.spec.labels.get(self.spec.root, "openapi.json")
            api, _ = build_ir.build(self.spec, ApiConfig(name="mock", spec=Path(label)))
        except Exception:  # a document the generator cannot build: served unpaged, as the mock did
            return {}
        if api is None:
            return {}
        return {op.source.unescaped: Paging.of(op.pagination) for op in api.operations if op.pagination}


@dataclass(frozen=True)
class Paging:
    """An operation's pagination as the mock reads it: ``ir.Pagination`` with its pointers and parameter
    names as plain strings (data here; the IR keeps them as ``SpecText`` for code generation only)."""

    style: str
    items: str
    param: str | None = None
    limit_param: str | None = None
    next: str | None = None
    next_item: str | None = None
    has_more: str | None = None
    total: str | None = None
    start: int = 1

    @classmethod
    def of(cls, paging: ir.Pagination) -> Paging:
        def plain(value: SpecText | None) -> str | None:
            return None if value is None else value.unescaped

        return cls(
            paging.style,
            paging.items.unescaped,
            plain(paging.param),
            plain(paging.limit_param),
            plain(paging.next),
            plain(paging.next_item),
            plain(paging.has_more),
            plain(paging.total),
            paging.start,
        )


def page(
    paging: Paging,
    body: Any,
    query: dict[str, list[str]],
    url: str,
    count: int,
    valid: Callable[[Any], bool],
    numeric: bool = False,
) -> Page | None:
    """Page ``n`` of ``count`` made from ``body``, ``n`` read from the request's ``query``; ``url`` is the
    request's URL (a next-page link is made from it); ``numeric``: the cursor parameter takes numbers.
    None when the body has no list of items where the
    pagination says, or no page made from it is one the schema accepts."""
    items = jp.resolve(body, paging.items, None) if paging.items else body
    if not isinstance(items, list) or not items:
        return None
    limit = _first(query, paging.limit_param) or ""
    if (
        limit.isdigit() and len(limit) <= 6 and int(limit) > 0
    ):  # a page as long as asked for (up to 100), the items repeated
        items = [items[i % len(items)] for i in range(min(int(limit), MAX_PAGE))]
    n = _number(paging, query, len(items))
    last = n >= count - 1
    out = copy.deepcopy(body)
    shown = [] if n >= count else copy.deepcopy(items)
    if paging.style == "cursor" and paging.next_item is not None:
        for i, item in enumerate(shown):
            if not _put(item, paging.next_item, f"item-{n}-{i}"):
                return None
    if paging.items:
        _put(out, paging.items, shown)
    else:
        out = shown
    headers: dict[str, str] = {}
    if paging.style == "cursor":
        if paging.has_more is not None:
            _put(out, paging.has_more, not last)
        if paging.next is not None:
            cursors = [str(n + 1), n + 1] if numeric else [f"page-{n + 1}", n + 1]  # as the parameter takes it
            return _first_valid(out, paging.next, [None] if last else cursors, valid)
    elif paging.style == "page" and paging.total is not None:
        _put(out, paging.total, count)
    elif paging.style == "offset" and paging.total is not None:
        _put(out, paging.total, count * len(items))
    elif paging.style == "link":
        link = None if last else _with_query(url, mock_page=str(n + 1))
        if paging.next is not None:
            return _first_valid(out, paging.next, [link], valid)
        if link is not None:
            headers["Link"] = f'<{link}>; rel="next"'
    return (out, headers) if valid(out) else None


def asked(paging: Paging, query: dict[str, list[str]]) -> tuple[str | None, ...]:
    """What of the request decides its page: the page parameters' values."""
    return tuple(_first(query, name) for name in (paging.param, paging.limit_param, "mock_page") if name)


def _first(query: dict[str, list[str]], name: str | None) -> str | None:
    values = query.get(name or "")
    return values[0] if values else None


def _number(paging: Paging, query: dict[str, list[str]], size: int) -> int:
    """Which page (0-based) the request asks for."""
    given = _first(query, paging.param)
    if paging.style == "link":
        given = _first(query, "mock_page")
        return int(given) if given and given.isdigit() and len(given) <= 6 else 0
    if given is None:
        return 0
    if paging.style == "cursor":
        match = (_ITEM if paging.next_item is not None else _CURSOR).fullmatch(given)
        if match:
            return int(match.group(1)) + (1 if paging.next_item is not None else 0)
        return int(given) if given.isdigit() and len(given) <= 6 and paging.next_item is None else 0
    if not given.isdigit() or len(given) > 9:
        return 0
    if paging.style == "page":
        return max(0, int(given) - paging.start)
    return max(0, int(given)) // size  # offset


def _first_valid(body: Any, pointer: str, values: list[Any], valid: Callable[[Any], bool]) -> Page | None:
    """``body`` with the first of ``values`` at ``pointer`` the schema accepts (for None: the member
    left out, then null, then an empty string, whichever the schema takes)."""
    for value in values:
        tries = [_MISSING, None, ""] if value is None else [value]
        for candidate in tries:
            tried = copy.deepcopy(body)
            if candidate is _MISSING:
                _drop(tried, pointer)
            elif not _put(tried, pointer, candidate):
                continue
            if valid(tried):
                return tried, {}
    return None


def _put(node: Any, pointer: str, value: Any) -> bool:
    """Set ``pointer`` in ``node`` (objects made on the way); False where the way is not objects."""
    parts = jp.split(pointer)
    if not parts:
        return False
    for part in parts[:-1]:
        if not isinstance(node, dict):
            return False
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        return False
    node[parts[-1]] = value
    return True


def _drop(node: Any, pointer: str) -> None:
    parts = jp.split(pointer)
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and parts:
        node.pop(parts[-1], None)


def _with_query(url: str, **params: str) -> str:
    parts = urllib.parse.urlsplit(url)
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode([*pairs, *params.items()])))
