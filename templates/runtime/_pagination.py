"""Pages: what a paginated operation returns, and how its next page is asked for.

A sync method returns its first page (``SyncPage``); iterating a page yields the items of it and of every
page after it, fetched as needed. An async method returns an ``AsyncPager``: awaited, the first page
(``AsyncPage``); with ``async for``, every item. A cursor (or link) the server gives again stops with
``PaginationError`` instead of asking for the same page for ever.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx
import pydantic

from .errors import PaginationError

if TYPE_CHECKING:
    from ._runtime import AsyncAPIClient, Endpoint, SyncAPIClient

__all__ = ["AsyncPage", "AsyncPager", "Paging", "SyncPage"]

T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    """How an operation pages, declared by the generated code (pointers are RFC 6901, into the body)."""

    style: str  # cursor | page | offset | link
    items: str  # the list of items ("" when the body is the list)
    param: str | None = None  # the query parameter the next page is asked with
    limit_param: str | None = None  # offset: the page size
    next: str | None = None  # cursor: the next cursor; link: the next URL (else the Link header)
    next_item: str | None = None  # cursor: read from the last item at this pointer
    has_more: str | None = None  # cursor: false on the last page
    total: str | None = None  # page: the number of pages; offset: the number of items
    start: int = 1  # page: the first page's number

    def first_seen(self, call: Mapping[str, Any]) -> set[str]:
        """What the first request asks with, so a server that hands it back is caught."""
        given = call.get("query", {}).get(self.param) if self.style == "cursor" else None
        return {str(_plain(given))} if given is not None else set()

    def next_call(
        self,
        ep: Endpoint[Any],
        call: Mapping[str, Any],
        body: Any,
        response: httpx.Response,
        items: list[Any],
        seen: set[str],
    ) -> dict[str, Any] | None:
        """The keyword arguments of the request for the page after this one, or None on the last page."""
        query: Mapping[str, Any] = call.get("query", {})
        param = self.param or ""
        if self.style == "link":
            url = (
                pick(body, self.next)
                if self.next is not None
                else response.links.get("next", {}).get("url")
            )
            if not isinstance(url, str) or not url:
                return None
            target = str(response.request.url.join(url))
            _once(ep, seen, target, "link")
            return {**call, "link": target}
        if self.style == "cursor":
            if self.has_more is not None and pick(body, self.has_more) is not True:
                return None
            if self.next is not None:
                value = _plain(pick(body, self.next))
            else:
                value = _plain(pick(items[-1], self.next_item or "")) if items else None
            if value is None or value == "":
                return None
            _once(ep, seen, str(value), "cursor")
        elif not items:
            return None  # page and offset: an empty page is the last
        elif self.style == "page":
            current = query.get(param)
            number = self.start if current is None else int(current)
            pages = pick(body, self.total) if self.total is not None else None
            if isinstance(pages, int) and number >= pages:
                return None
            value = number + 1
        else:  # offset
            value = int(query.get(param) or 0) + len(items)
            total = pick(body, self.total) if self.total is not None else None
            limit = query.get(self.limit_param) if self.limit_param else None
            if (isinstance(total, int) and value >= total) or (
                isinstance(limit, int) and len(items) < limit
            ):
                return None
        return {**call, "query": {**query, param: value}}


def _once(ep: Endpoint[Any], seen: set[str], value: str, what: str) -> None:
    if value in seen:
        raise PaginationError(
            f"{ep.method} {ep.path} gave the {what} {value[:200]!r} again; stopped instead of asking for"
            " the same page again"
        )
    seen.add(value)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value) if not isinstance(value, (str, int)) else value


def pick(node: Any, pointer: str) -> Any:
    """The value at a JSON pointer (wire names) in a parsed body: models, mappings and lists; None if absent."""
    if not pointer:
        return node
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, pydantic.BaseModel):
            node = _member(node, token)
        elif isinstance(node, Mapping):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
        if node is None:
            return None
    return node


def _member(model: pydantic.BaseModel, wire: str) -> Any:
    fields = type(model).model_fields
    for name, info in fields.items():
        if (info.alias or name) == wire:
            return vars(model).get(name)  # a deprecated field read without its warning
    return (model.model_extra or {}).get(wire)


def _items(ep: Endpoint[Any], body: Any) -> list[Any]:
    assert ep.pagination is not None
    found = pick(body, ep.pagination.items)
    return list(found) if isinstance(found, list) else []


class _Page:
    """What sync and async pages share: the page's body, its items and the arguments of the next request."""

    def __init__(
        self, client: Any, ep: Endpoint[Any], call: dict[str, Any], raw: Any, seen: set[str]
    ) -> None:
        self._client = client
        self._ep = ep
        self._call = call
        self._seen = seen  # every cursor or link asked with, shared by the pages of one walk
        self.body: Any = (
            raw.parsed
        )  #: the page's response body, parsed as the operation documents it
        self.response: httpx.Response = raw.http_response
        self.items: list[Any] = _items(ep, self.body)
        self._next: dict[str, Any] | None = None
        self._looked = False

    def _next_call(self) -> dict[str, Any] | None:
        if not self._looked:  # worked out once: asking twice must not look like a repeated cursor
            assert self._ep.pagination is not None
            self._next = self._ep.pagination.next_call(
                self._ep, self._call, self.body, self.response, self.items, self._seen
            )
            self._looked = True
        return self._next

    def has_next_page(self) -> bool:
        """Whether the server says there is a page after this one."""
        return self._next_call() is not None

    def _no_next(self) -> PaginationError:
        return PaginationError(
            f"{self._ep.method} {self._ep.path}: this is the last page (see has_next_page())"
        )

    def __repr__(self) -> str:  # never asks whether there is a next page: that may raise
        return f"{type(self).__name__}({len(self.items)} items)"


class SyncPage(_Page, Generic[T]):
    """One page of a paginated operation. ``for item in page`` yields every item from here on."""

    items: list[T]

    @classmethod
    def _fetch(
        cls, client: SyncAPIClient, ep: Endpoint[Any], call: dict[str, Any], seen: set[str]
    ) -> SyncPage[T]:
        return cls(client, ep, call, client._request(ep, **call), seen)

    def get_next_page(self) -> SyncPage[T]:
        call = self._next_call()
        if call is None:
            raise self._no_next()
        return SyncPage._fetch(self._client, self._ep, call, self._seen)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page and every page after it."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items


class AsyncPage(_Page, Generic[T]):
    """One page of a paginated operation (async). ``async for item in page`` yields every item from here on."""

    items: list[T]

    @classmethod
    async def _fetch(
        cls, client: AsyncAPIClient, ep: Endpoint[Any], call: dict[str, Any], seen: set[str]
    ) -> AsyncPage[T]:
        return cls(client, ep, call, await client._request(ep, **call), seen)

    async def get_next_page(self) -> AsyncPage[T]:
        call = self._next_call()
        if call is None:
            raise self._no_next()
        return await AsyncPage._fetch(self._client, self._ep, call, self._seen)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """This page and every page after it."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item


class AsyncPager(Awaitable[AsyncPage[T]], Generic[T]):
    """What an async paginated method returns: ``await`` it for the first page, or ``async for`` over it
    for every item. Nothing is sent until then."""

    def __init__(
        self, client: AsyncAPIClient, ep: Endpoint[Any], call: dict[str, Any], raw: bool
    ) -> None:
        self._client = client
        self._ep = ep
        self._call = call
        self._raw = raw  # with_raw_response: awaiting gives a RawResponse whose .parsed is the page

    async def _first(self) -> Any:
        assert self._ep.pagination is not None
        page: AsyncPage[T] = await AsyncPage._fetch(
            self._client, self._ep, self._call, self._ep.pagination.first_seen(self._call)
        )
        return _raw_page(page) if self._raw else page

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self
        async for item in page:
            yield item


def _raw_page(page: _Page) -> Any:
    from ._runtime import RawResponse

    response = page.response
    request_id = page._client._request_id(response)
    return RawResponse(response.status_code, response.headers, page, response, request_id)


def first_sync_page(
    client: SyncAPIClient, ep: Endpoint[Any], call: dict[str, Any], raw: bool
) -> Any:
    assert ep.pagination is not None
    page: SyncPage[Any] = SyncPage._fetch(client, ep, call, ep.pagination.first_seen(call))
    return _raw_page(page) if raw else page
