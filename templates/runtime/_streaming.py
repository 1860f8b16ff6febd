"""Streamed responses: ``client.with_streaming_response.<resource>.<method>(...)`` is a context manager that
sends the request on entry and hands over the response with its body unread, to be read a chunk or a line
at a time (or parsed whole with ``parse()``); leaving the block closes it. Failures (non-2xx) are read
and raised as usual, after the usual retries, before the block is entered. ``read()`` and ``parse()``
hold the whole body in memory and so keep to the call's ``max_response_bytes``; the iterators do not.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import httpx

if TYPE_CHECKING:
    from ._runtime import Endpoint, _Base

__all__ = ["AsyncStreamedResponse", "StreamedResponse", "async_stream_method", "stream_method"]

T = TypeVar("T")
P = ParamSpec("P")


class _Streamed(Generic[T]):
    def __init__(
        self, client: _Base, ep: Endpoint[T], response: httpx.Response, limit: int | None = None
    ) -> None:
        self._client = client
        self._ep = ep
        self._limit = limit
        self.http_response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.request_id = client._request_id(response)

    def _parsed(self) -> T:
        return self._client._finish(self._ep, self.http_response, None)


class StreamedResponse(_Streamed[T]):
    """A 2xx response whose body is read as you go: ``iter_bytes()``, ``iter_lines()``, ``read()``, or
    ``parse()`` for what the method would have returned."""

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self.http_response.iter_bytes(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def read(self) -> bytes:
        from ._runtime import _read_body

        _read_body(self.http_response, None, self._limit, self._ep)
        return self.http_response.content

    def parse(self) -> T:
        self.read()
        return self._parsed()

    def close(self) -> None:
        self.http_response.close()


class AsyncStreamedResponse(_Streamed[T]):
    """The async ``StreamedResponse``: ``aiter_bytes()``, ``aiter_lines()``, ``await read()``, ``await parse()``."""

    def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        return self.http_response.aiter_bytes(chunk_size)

    def aiter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def read(self) -> bytes:
        from ._runtime import _aread_body

        await _aread_body(self.http_response, self._limit, self._ep)
        return self.http_response.content

    async def parse(self) -> T:
        await self.read()
        return self._parsed()

    async def close(self) -> None:
        await self.http_response.aclose()


class _Streaming(Generic[T]):
    def __init__(self, send: Callable[[], StreamedResponse[T]]) -> None:
        self._send = send
        self._response: StreamedResponse[T] | None = None

    def __enter__(self) -> StreamedResponse[T]:
        self._response = self._send()
        return self._response

    def __exit__(self, *exc: object) -> None:
        if self._response is not None:
            self._response.close()


class _AsyncStreaming(Generic[T]):
    def __init__(self, send: Callable[[], Awaitable[AsyncStreamedResponse[T]]]) -> None:
        self._send = send
        self._response: AsyncStreamedResponse[T] | None = None

    async def __aenter__(self) -> AsyncStreamedResponse[T]:
        self._response = await self._send()
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None:
            await self._response.close()


def _stream_twin(method: Callable[..., Any]) -> tuple[Any, str]:
    from ._runtime import _Base

    owner: Any = getattr(method, "__self__")  # noqa: B009 - a bound method, typed as a callable
    client = owner if isinstance(owner, _Base) else owner._client
    clone = client._raw_clone()
    clone._raw, clone._stream = False, True
    return (clone if owner is client else type(owner)(clone)), method.__name__


def stream_method(method: Callable[P, T]) -> Callable[P, _Streaming[T]]:
    """``client.with_streaming_response.x.y``: ``with ...y(...) as response:``, the body unread."""

    def call(*args: P.args, **kwargs: P.kwargs) -> _Streaming[T]:
        owner, name = _stream_twin(method)
        return _Streaming(lambda: getattr(owner, name)(*args, **kwargs))

    return call


def async_stream_method(method: Callable[P, Awaitable[T]]) -> Callable[P, _AsyncStreaming[T]]:
    """The async ``stream_method``: ``async with ...y(...) as response:``."""

    def call(*args: P.args, **kwargs: P.kwargs) -> _AsyncStreaming[T]:
        owner, name = _stream_twin(method)
        return _AsyncStreaming(lambda: getattr(owner, name)(*args, **kwargs))

    return call
