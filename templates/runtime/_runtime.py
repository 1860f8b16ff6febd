"""Runtime shared by every generated operation: build the request, send it with retries and timeouts,
map the response to a model or a typed error.

This module is hand-written and copied verbatim into each generated package. Generated resource methods
are one call into ``SyncAPIClient._request`` / ``AsyncAPIClient._request``; everything that can be decided
without I/O lives in ``_Base`` so the sync and async paths share it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import enum
import functools
import inspect
import json
import logging
import math
import os
import random
import re
import ssl
import sys
import threading
import time
import urllib.parse
import weakref
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    ParamSpec,
    TypeVar,
    Union,
    get_args,
    overload,
)
from urllib.parse import quote

import httpcore
import httpx
import pydantic

from ._files import DownloadTarget, FileContent, FileInput, Sink, open_content, open_file
from ._observations import Finding, Observations, log_once
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    MissingCredentialsError,
    PaginationError,
    ResponseTooLargeError,
    ResponseValidationError,
    status_error_class,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AsyncAPIClient",
    "AsyncPage",
    "AsyncPager",
    "AsyncResource",
    "DownloadTarget",
    "Endpoint",
    "FileContent",
    "FileInput",
    "HookContext",
    "NotGiven",
    "ObserveTarget",
    "Observations",
    "OpenIntEnum",
    "OpenStrEnum",
    "Paging",
    "RawResponse",
    "UnknownVariant",
    "RetryPolicy",
    "SyncAPIClient",
    "SyncPage",
    "SyncResource",
    "Timeout",
    "AsyncStreamedResponse",
    "StreamedResponse",
    "async_raw_method",
    "async_stream_method",
    "client_credentials",
    "oauth2_tokens",
    "raw_method",
    "stream_method",
]

if TYPE_CHECKING:
    from ._auth import (
        AuthorizationRequest,
        OAuthTokens,
        TokenSource,
        client_credentials,
        oauth2_tokens,
    )
    from ._model import UnknownVariant
    from ._pagination import AsyncPage, AsyncPager, Paging, SyncPage
    from ._streaming import (
        AsyncStreamedResponse,
        StreamedResponse,
        async_stream_method,
        stream_method,
    )

#: Loaded on first use (PEP 562), so an API that neither pages nor runs OAuth2 never imports them.
_LAZY = {
    "AsyncPage": "_pagination",
    "AsyncPager": "_pagination",
    "Paging": "_pagination",
    "SyncPage": "_pagination",
    "client_credentials": "_auth",
    "oauth2_tokens": "_auth",
    "stream_method": "_streaming",
    "async_stream_method": "_streaming",
    "StreamedResponse": "_streaming",
    "AsyncStreamedResponse": "_streaming",
    "UnknownVariant": "_model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value


log = logging.getLogger(__name__.rpartition(".")[0] or __name__)

#: What ``observe=`` takes: an ``Observations``, or the path of a file it is merged into at ``close()``.
ObserveTarget = Union[Observations, str, "os.PathLike[str]"]

T = TypeVar("T")
V = TypeVar("V")
P = ParamSpec("P")
C = TypeVar("C", httpx.Client, httpx.AsyncClient)

#: Total time one attempt may take (connect, send, wait, read the whole body), and the connect limit.
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5.0
#: Retries after the first attempt, for connection errors, 408, 409, 429 and 5xx (``RetryPolicy``).
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: A server's Retry-After (or rate limit reset) is waited for up to this many seconds; asked to wait
#: longer, the client does not retry: the error is raised at once, with ``retry_after`` set.
MAX_RETRY_AFTER = 60.0
#: A Retry-After further away than this (a day) is taken for a broken header and ignored, as are one
#: that is negative, not a number, or not an HTTP date.
RETRY_AFTER_CEILING = 86400.0
#: The largest response body a call reads into memory, counted after gzip or deflate decoding: 10 MiB.
#: Per client and per call (``max_response_bytes``, ``None`` for no limit); a download with ``to=`` is
#: streamed to its file and not limited.
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: A credential this long is masked wherever it appears; a shorter one only where it stands as a word
#: of its own (never inside another word: a short value would rewrite ordinary text), and one shorter
#: than ``MIN_WORD_MASKED_LENGTH`` only where a whole value (a header, a JSON string) is it.
MIN_MASKED_LENGTH = 8
MIN_WORD_MASKED_LENGTH = 3
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
MAX_REDIRECTS = 10
#: Connections the client's own pool opens, and requests an async client keeps in flight at once. Calls
#: beyond that wait in a FIFO queue of ours: httpcore's pool slows down sharply with a long queue of its own.
MAX_CONNECTIONS = 100
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$", re.I)


class NotGiven:
    """Sentinel for "argument not passed", distinct from ``None`` (which may mean "no timeout")."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


@dataclass(frozen=True)
class Timeout:
    """``total`` bounds a whole attempt, body included; ``connect`` bounds opening the connection."""

    total: float | None = DEFAULT_TIMEOUT_SECONDS
    connect: float | None = DEFAULT_CONNECT_TIMEOUT_SECONDS

    @classmethod
    def of(cls, value: float | Timeout | None) -> Timeout:
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None)
        return cls(float(value), min(float(value), DEFAULT_CONNECT_TIMEOUT_SECONDS))

    def httpx(self) -> httpx.Timeout:
        key = (self.total, self.connect)
        made = _HTTPX_TIMEOUTS.get(key)
        if made is None:
            made = _HTTPX_TIMEOUTS[key] = httpx.Timeout(
                self.total, connect=self.connect if self.connect is not None else self.total
            )
        return made


#: httpx.Timeout objects are immutable: one per distinct setting instead of one per request.
_HTTPX_TIMEOUTS: dict[tuple[float | None, float | None], httpx.Timeout] = {}


DEFAULT_TIMEOUT = Timeout()


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed attempt is retried (how many times is ``max_retries``, per client and per call).

    A connection error, or a response with one of ``statuses`` (or any 5xx with ``server_errors``), is
    retried when the method is safe to resend (GET, PUT, DELETE, ... or an operation the API documents
    as retry-safe). The server has the last word: ``x-should-retry: true`` retries and ``false`` does
    not, whatever the status; a ``Retry-After`` (or ``retry-after-ms``) is waited for, and so is, on a
    429 or 503 without one, the reset of the rate limit the request ran into (the ``RateLimit`` or
    ``RateLimit-Reset`` field, ``X-RateLimit-Reset``), unless it asks for more than ``max_retry_after``
    seconds, when the error is raised at once with ``retry_after`` set.
    Otherwise the wait doubles from ``initial_delay`` up to ``max_delay``, shortened by up to ``jitter``
    (a fraction) at random. No retry starts later than ``max_elapsed`` seconds after the first attempt.
    """

    statuses: frozenset[int] = frozenset({408, 409, 429})
    server_errors: bool = True
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    jitter: float = 0.25
    max_elapsed: float | None = None
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy: delays must be 0 or more and jitter between 0 and 1")

    def retries(self, status: int) -> bool:
        return status in self.statuses or (self.server_errors and status >= 500)

    def backoff(self, attempt: int) -> float:
        delay = min(self.initial_delay * (2.0**attempt), self.max_delay)
        return delay * (1 - self.jitter * random.random())


DEFAULT_RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class _Attempts:
    """What one call may retry: how many times, how, and since when (``time.monotonic()``)."""

    limit: int
    policy: RetryPolicy


class _OpenEnum(enum.Enum):
    """An enum that accepts values the API adds after the client was generated.

    ``Color("teal")`` for an undocumented value returns a member whose ``value`` is ``"teal"`` and whose
    ``is_unknown`` is True; it serialises back unchanged. Nothing the server sent is lost.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        base: Any = str if issubclass(cls, str) else int
        if not isinstance(value, base) or isinstance(value, bool):
            return None
        pseudo = base.__new__(cls, value)
        pseudo._name_ = str(value)
        pseudo._value_ = value
        return pseudo

    @property
    def is_unknown(self) -> bool:
        """True for a value the spec did not list."""
        return self._value_ not in type(self)._value2member_map_

    def __repr__(self) -> str:
        marker = " (unknown)" if self.is_unknown else ""
        return f"<{type(self).__name__}.{self._name_}: {self._value_!r}{marker}>"


class OpenStrEnum(str, _OpenEnum):
    pass


class OpenIntEnum(int, _OpenEnum):
    pass


class Discriminated:
    """A union told apart by a property (OpenAPI's ``discriminator``):
    ``Annotated[Cat | Dog | UnknownVariant, Discriminated("pet_type", {"cat": "Cat", "dog": "Dog"})]``. A
    value whose tag names a member is validated as that member alone, so an error speaks of it only; a
    tag this version does not know gives an ``UnknownVariant`` keeping every property (never a member the
    tag does not name); any other value (no tag, a model instance) is tried against each member in turn,
    as a plain union is."""

    __slots__ = ("tags", "wire")

    def __init__(self, wire: str, tags: Mapping[str, str]) -> None:
        self.wire = wire
        self.tags = dict(tags)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        args = get_args(source)
        unknown = next((m for m in args if getattr(m, "__name__", "") == "UnknownVariant"), None)
        known = tuple(m for m in args if m is not unknown)
        members = {getattr(m, "__name__", ""): m for m in known}
        choices: dict[Any, Any] = {
            tag: handler.generate_schema(members[name])
            for tag, name in self.tags.items()
            if name in members
        }
        choices[_ANY_TAG] = (
            handler(source) if unknown is None else handler.generate_schema(Union[known])
        )
        wire = self.wire
        if unknown is not None:

            def told(variant: Any) -> Any:
                variant._wire = wire
                return variant

            choices[_UNKNOWN_TAG] = core_schema.no_info_after_validator_function(
                told, handler.generate_schema(unknown)
            )

        def tag_of(value: Any) -> Any:
            tag = value.get(wire) if isinstance(value, Mapping) else None
            if isinstance(tag, enum.Enum):
                tag = tag.value
            if isinstance(tag, str) and tag in choices:
                return tag
            return (
                _UNKNOWN_TAG if unknown is not None and isinstance(tag, str) and tag else _ANY_TAG
            )

        return core_schema.tagged_union_schema(choices, discriminator=tag_of)


_ANY_TAG = "\x00any"
_UNKNOWN_TAG = "\x00unknown"


@dataclass(frozen=True, eq=False)
class Endpoint(Generic[T]):
    """Everything static about one operation, declared once at module level by the generated code.
    ``T`` is what a call returns, so the generated methods type-check without casts."""

    method: str
    path: str
    responses: Mapping[str, tuple[str, Any]] = field(default_factory=dict)  # status -> (kind, type)
    # status -> the media types documented for its JSON body (a body of another type is a finding)
    media: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    errors: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    security: tuple[tuple[str, ...], ...] = ()
    one_of: tuple[
        tuple[tuple[str, str, str], ...], ...
    ] = ()  # groups of (python name, location, wire)
    client_params: tuple[
        tuple[str, str, str, bool], ...
    ] = ()  # (attribute, location, wire, required)
    # (location, wire) -> (style, explode), where not the location's default
    styles: Mapping[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    reserved: frozenset[str] = frozenset()  # query parameters with allowReserved
    content_params: frozenset[tuple[str, str]] = (
        frozenset()
    )  # (location, wire) sent as JSON (``content``)
    body_kind: str | None = None
    body_media_type: str | None = None
    file_fields: frozenset[str] = frozenset()  # multipart parts that carry files
    # form and multipart properties not sent the default way: wire -> (style, explode, content type)
    encoding: Mapping[str, tuple[str, bool, str | None]] = field(default_factory=dict)
    accept: str | None = None  # when the successes are not JSON
    retry_safe: bool = False  # POST/PATCH that the API documents as safe to resend
    idempotency_header: str | None = (
        None  # a key made once per call goes here, and makes it resendable
    )
    pagination: Paging | None = None  # the method returns pages (``_pagination``)
    operation: str = ""  # the operationId, for hooks
    deprecated_params: frozenset[tuple[str, str]] = (
        frozenset()
    )  # (location, wire): giving one warns
    # (name, URL) of the operation's own servers (its ``servers``, else its path item's), where it goes
    # unless the client was given a base URL; () when it goes to the client's base URL like the others
    servers: tuple[tuple[str, str], ...] = ()
    # (alternative of ``security``, scheme, scopes): the OAuth2 scopes each alternative asks for
    scopes: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
    documented_path: str = ""  # the path as the description writes it, where ``path`` is escaped

    def match(self, table: Mapping[str, tuple[str, Any]], status: int) -> tuple[str, Any] | None:
        return table.get(str(status)) or table.get(f"{status // 100}XX") or table.get("default")

    def success_key(self, status: int) -> tuple[str | None, bool]:
        """The documented response a 2xx ``status`` is parsed by, and whether that status is documented:
        an undocumented 2xx with a body is parsed as the documented success (the first 2xx, else
        ``default``) rather than returning nothing where a model is promised."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.responses:
                return key, True
        kinds = ("json", "binary", "text")
        for key, (kind, _) in self.responses.items():
            if key[:1] == "2" and kind in kinds:
                return key, False
        return None, False

    @property
    def key(self) -> str:
        """The operation as observations name it: its method and documented path."""
        return f"{self.method} {self.documented_path or self.path}"

    def scopes_for(self, index: int, schemes: frozenset[str]) -> tuple[str, ...]:
        """The scopes alternative ``index`` of ``security`` asks of ``schemes``, sorted."""
        found = {
            s for i, key, scopes in self.scopes if i == index and key in schemes for s in scopes
        }
        return tuple(sorted(found))

    @cached_property
    def adapters(self) -> dict[int, pydantic.TypeAdapter[Any]]:
        return {}

    @cached_property
    def _types(self) -> dict[int, Any]:
        return {}

    def type_of(self, given: Any) -> Any:
        """The type a response is parsed as. Generated code names models in a lambda
        (``lambda: _models.Pet``), so they are imported when a response first needs them; it is
        called once per endpoint."""
        if not inspect.isfunction(given):
            return given
        found = self._types.get(id(given))
        if found is None:
            found = self._types[id(given)] = given()
        return found


@dataclass(frozen=True)
class Credential:
    kind: str  # apiKey | bearer | basic
    location: str  # header | query | cookie
    wire: str
    value: str | Callable[[], str] | None = field(
        repr=False
    )  # a callable is called for each request
    param: str  # constructor keyword, for error messages
    env: str
    tokens: TokenSource | None = field(default=None, repr=False)  # OAuth2 tokens, when it runs them

    @property
    def given(self) -> bool:
        return bool(self.value) or self.tokens is not None


@dataclass(frozen=True)
class HookContext:
    """What a hook is told about the call: the operation (its operationId), the method, the path as the
    API documents it, and the attempt (0 for the first)."""

    operation: str
    method: str
    path: str
    attempt: int


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """What ``client.with_raw_response...`` returns: the status, headers and parsed body, and the response."""

    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response
    request_id: str | None = None  # the server's id for the request (``x-request-id`` by default)


def env_or(value: V | None, name: str) -> V | str | None:
    return value if value is not None else os.environ.get(name)


def select_base_url(
    servers: Mapping[str, str], server: str | None, url: str | None, param: str, env: str
) -> str:
    if url is not None and server is not None:
        raise ValueError(f"pass either server= or {param}=, not both")
    if url is not None:
        return url.rstrip("/")
    if server is not None:
        if server not in servers:
            raise ValueError(f"unknown server {server!r}; choose one of {sorted(servers)}")
        return servers[server].rstrip("/")
    from_env = os.environ.get(env)
    if from_env:
        return from_env.rstrip("/")
    if not servers:
        raise ValueError(f"this API documents no server; pass {param}=")
    return next(iter(servers.values())).rstrip("/")


def operation_servers(server: str | None, url: str | None, env: str) -> str | None:
    """Where operations with servers of their own go (``Endpoint.servers``), from the constructor's
    ``server`` and base URL arguments as ``select_base_url`` reads them: None when the base URL was given
    (``url``, or the environment variable ``env`` without ``server``), which every operation then goes to;
    else the ``server=`` name picked ("" when none was): each such operation goes to its own server of
    that name, else to its first."""
    if url is not None or (server is None and os.environ.get(env)):
        return None
    return server or ""


def _scalar(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


def _query_items(wire: str, value: Any, style: str, explode: bool) -> list[tuple[str, str]]:
    """A query parameter's (or form property's) pairs in its style. A model goes as the mapping it
    dumps to (by alias, unset fields left out); deepObject takes nested mappings and lists in the
    bracket form (``a[b][0]=x``); any other style takes scalars, or one level of them, and a value it
    cannot carry is a ``TypeError``, raised before anything is sent."""
    value = _wire_value(value)
    if style == "deepObject":
        out: list[tuple[str, str]] = []
        _brackets(wire, value, out)
        return out
    separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
    if isinstance(value, Mapping):
        items = {str(k): _flat(wire, v) for k, v in value.items() if v is not None}
        if explode:
            return list(items.items())
        return [(wire, separator.join(f"{k}{separator}{v}" for k, v in items.items()))]
    if isinstance(value, list):
        flat = [_flat(wire, v) for v in value]
        if explode:
            return [(wire, v) for v in flat]
        return [(wire, separator.join(flat))]
    return [(wire, _scalar(value))]


def _path_value(wire: str, value: Any, style: str = "simple", explode: bool = False) -> str:
    """A path parameter's text in its style (simple, label or matrix), every value percent-encoded,
    ``/`` included, so a value can never change which path is requested."""
    value = _wire_value(value)
    if isinstance(value, Mapping):
        pairs = [
            (quote(str(k), safe=""), quote(_flat(wire, v), safe=""))
            for k, v in value.items()
            if v is not None
        ]
        if style == "matrix":
            text = (
                "".join(f";{k}={v}" for k, v in pairs)
                if explode
                else f";{wire}=" + ",".join(f"{k},{v}" for k, v in pairs)
            )
        else:
            joined = (
                ("." if style == "label" else ",").join(f"{k}={v}" for k, v in pairs)
                if explode
                else ",".join(f"{k},{v}" for k, v in pairs)
            )
            text = ("." if style == "label" else "") + joined
    elif isinstance(value, list):
        items = [quote(_flat(wire, v), safe="") for v in value]
        if style == "matrix":
            text = (
                "".join(f";{wire}={v}" for v in items) if explode else f";{wire}=" + ",".join(items)
            )
        elif style == "label":
            text = "." + ("." if explode else ",").join(items)
        else:
            text = ",".join(items)
    else:
        item = quote(_scalar(value), safe="")
        text = (
            (f";{wire}={item}" if item else f";{wire}")
            if style == "matrix"
            else ("." + item if style == "label" else item)
        )
    if text == "":
        raise ValueError(f"path parameter {wire!r} must not be empty")
    return text


def _header_value(wire: str, value: Any, explode: bool) -> str:
    """A header parameter in simple style: a list as ``a,b``; an object as ``k,v,k2,v2``
    (``k=v,k2=v2`` exploded)."""
    value = _wire_value(value)
    if isinstance(value, Mapping):
        items = [(str(k), _flat(wire, v)) for k, v in value.items() if v is not None]
        return ",".join(f"{k}={v}" if explode else f"{k},{v}" for k, v in items)
    if isinstance(value, list):
        return ",".join(_flat(wire, v) for v in value)
    return _scalar(value)


def _cookie_pairs(wire: str, value: Any, explode: bool) -> list[tuple[str, str]]:
    """A cookie parameter in form style: one ``wire=value`` pair, a list as ``wire=a,b`` (exploded, one
    pair per item), an object as ``wire=k,v,k2,v2`` (exploded, one cookie per property). Values are
    percent-encoded; the separators are not."""
    value = _wire_value(value)
    if isinstance(value, Mapping):
        items = [
            (str(k), quote(_flat(wire, v), safe="")) for k, v in value.items() if v is not None
        ]
        if explode:
            return items
        return [(wire, ",".join(f"{k},{v}" for k, v in items))]
    if isinstance(value, list):
        flat = [quote(_flat(wire, v), safe="") for v in value]
        return [(wire, v) for v in flat] if explode else [(wire, ",".join(flat))]
    return [(wire, quote(_scalar(value), safe=""))]


def _as_content(value: Any) -> str:
    """A parameter described by ``content`` (JSON): its value as compact JSON text."""
    return json.dumps(_wire_value(value), separators=(",", ":"))


#: Characters an ``allowReserved`` query parameter sends as they are. ``&``, ``=``, ``#`` and ``+`` stay
#: encoded all the same: sent raw, they would change which parameters the server reads.
_RESERVED_SAFE = ":/?[]@!$'()*,;"


def _encode_query(params: list[tuple[str, str]], reserved: frozenset[str]) -> str:
    if not reserved:
        return urllib.parse.urlencode(params)
    return "&".join(
        f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v, safe=_RESERVED_SAFE if k in reserved else '')}"
        for k, v in params
    )


def _flat(wire: str, value: Any) -> str:
    if isinstance(value, (Mapping, list)):
        raise TypeError(f"{wire!r}: a nested {type(value).__name__} cannot be sent in this style")
    return _scalar(value)


def _brackets(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if item is not None:
                _brackets(f"{prefix}[{key}]", item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _brackets(f"{prefix}[{index}]", item, out)
    else:
        out.append((prefix, _scalar(value)))


def _form_items(
    fields: Mapping[str, Any], encoding: Mapping[str, tuple[str, bool, str | None]]
) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body's pairs, each property in its ``encoding`` (OpenAPI's
    default: form style, exploded); a property with a JSON content type goes as compact JSON."""
    out: list[tuple[str, str]] = []
    for name, value in fields.items():
        if value is None:
            continue
        style, explode, content_type = encoding.get(name, ("form", True, None))
        if content_type is not None and _is_json(content_type):
            out.append((name, json.dumps(_wire_value(value), separators=(",", ":"))))
        else:
            out.extend(_query_items(name, value, style, explode))
    return out


_FORM_DATA = "multipart/form-data"
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


def _wire_value(value: Any) -> Any:
    """A value as it goes on the wire: a model by alias with its unset fields left out, wherever it is
    (in lists and mappings too, at any depth); mappings, lists and JSON scalars as they are; anything
    else (enums, dates, ...) as pydantic dumps it to JSON."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, pydantic.BaseModel):
        return _model_wire(value)
    if isinstance(value, Mapping):
        return {k: _wire_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire_value(v) for v in value]
    return _any_adapter().dump_python(value, mode="json", by_alias=True)


def _model_wire(model: pydantic.BaseModel) -> Any:
    """A model as a request sends it: by alias, unset fields left out, and the fields only the server
    sets (``__wire_read_only__``, readOnly in the description) left out too, at any depth."""
    data = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    cls = type(model)
    for wire in getattr(cls, "__wire_read_only__", ()):
        data.pop(wire, None)
    values = vars(model)  # read here, a deprecated field gives no warning (getattr would)
    for name in model.model_fields_set:
        value = values[name] if name in values else getattr(model, name, None)
        if isinstance(value, (pydantic.BaseModel, list, tuple, Mapping)):
            info = cls.model_fields.get(name)
            wire = info.alias if info is not None and info.alias else name
            if wire in data:
                data[wire] = _wire_value(value)
    return data


@functools.lru_cache(maxsize=1)
def _any_adapter() -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(Any)


def _is_json(content_type: str) -> bool:
    return bool(_JSON_TYPE.match(content_type.split(";", 1)[0].strip()))


#: Retry-After's delay-seconds (RFC 9110: digits; a fraction is read too), ten digits at most.
_DELAY_SECONDS = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,9})?")


def _parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the response asks to wait (``retry-after-ms``, else ``Retry-After`` as seconds or an HTTP
    date; a date already past is 0), or None when it does not say, or says something unusable: not a
    number or a date, negative, NaN, infinite, or further away than ``RETRY_AFTER_CEILING``."""
    ms = headers.get("retry-after-ms")
    if ms and _DELAY_SECONDS.fullmatch(ms.strip()):
        seconds = float(ms) / 1000.0
        if seconds <= RETRY_AFTER_CEILING:
            return seconds
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if _DELAY_SECONDS.fullmatch(value):
        seconds = float(value)
        return seconds if seconds <= RETRY_AFTER_CEILING else None
    try:
        import email.utils  # only for an HTTP-date Retry-After

        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        seconds = (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None  # not a date: as if the header were absent
    if not math.isfinite(seconds) or seconds > RETRY_AFTER_CEILING:
        return None
    return max(seconds, 0.0)


#: Statuses a rate limit answers with. On any other, the rate limit fields describe a limit the request
#: did not run into, and their reset is no reason to wait.
_RATE_LIMITED = frozenset({429, 503})
#: A rate limit's reset or remaining count: digits (13 for epoch milliseconds), a fraction read too.
_RESET_NUMBER = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,9})?")
#: ``<prefix>reset`` and ``<prefix>remaining``: the IETF draft's fields, then the vendors' spellings.
_RATE_LIMIT_PREFIXES = ("ratelimit-", "x-ratelimit-", "x-rate-limit-")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a failed response asks to wait: its ``Retry-After`` (``_parse_retry_after``), which has
    the last word; else, for a 429 or 503, the time until the rate limit it ran into resets."""
    after = _parse_retry_after(response.headers)
    if after is None and response.status_code in _RATE_LIMITED:
        after = _rate_limit_reset(response.headers)
    return after


def _rate_limit_reset(headers: httpx.Headers) -> float | None:
    """Seconds until a rate limit resets, from the ``RateLimit`` field of the IETF draft (RateLimit
    header fields for HTTP), else ``RateLimit-Reset``, ``X-RateLimit-Reset`` or ``X-Rate-Limit-Reset``.
    A limit whose ``remaining`` count is above 0 is not the one the request ran into and is passed
    over; a field that says nothing usable is as if absent. None when no field says when."""
    field = headers.get("ratelimit")
    if field:
        seconds = _structured_reset(field)
        if seconds is not None:
            return seconds
    for prefix in _RATE_LIMIT_PREFIXES:
        reset = headers.get(prefix + "reset")
        if reset and not _has_remaining(headers.get(prefix + "remaining")):
            seconds = _reset_seconds(reset)
            if seconds is not None:
                return seconds
    return None


def _structured_reset(value: str) -> float | None:
    """The reset a ``RateLimit`` field gives: in the dictionary form of the early drafts (``limit=100,
    remaining=0, reset=30``), or, in the later one (``"burst";r=0;t=30, "day";r=10;t=3600``), the latest
    of the policies with no requests remaining (``r`` absent counts as none)."""
    limits: list[dict[str, str]] = []
    dictionary: dict[str, str] = {}
    for member in value.split(","):
        name, _, rest = member.partition(";")
        if "=" in name:  # the dictionary form: one key=value a member
            key, _, text = name.partition("=")
            dictionary[key.strip().lower()] = text
            continue
        params: dict[str, str] = {}
        for param in rest.split(";"):
            key, _, text = param.partition("=")
            params[key.strip().lower()] = text
        limits.append({"reset": params.get("t", ""), "remaining": params.get("r", "")})
    limits.append(dictionary)
    resets = [
        _reset_seconds(limit.get("reset", ""))
        for limit in limits
        if not _has_remaining(limit.get("remaining"))
    ]
    return max((r for r in resets if r is not None), default=None)


def _has_remaining(count: str | None) -> bool:
    """Whether a rate limit's remaining count says requests are left (a number above 0)."""
    text = (count or "").strip()
    return bool(_RESET_NUMBER.fullmatch(text)) and float(text) > 0


def _reset_seconds(text: str) -> float | None:
    """Seconds until a reset given as delta seconds (up to ``RETRY_AFTER_CEILING``), or as the time of
    the reset in epoch seconds or milliseconds (as vendors send ``X-RateLimit-Reset``): a number within
    a day of now in either unit is that time (one already past is 0). Anything else (not a plain
    number, negative, NaN, too far for a delay and not near now as a time) is None."""
    text = text.strip()
    if not _RESET_NUMBER.fullmatch(text):
        return None
    value = float(text)
    if value <= RETRY_AFTER_CEILING:
        return value
    now = time.time()
    for unit in (1.0, 1000.0):
        seconds = value / unit - now
        if -RETRY_AFTER_CEILING <= seconds <= RETRY_AFTER_CEILING:
            return max(seconds, 0.0)
    return None


#: JSON's two-character escapes, which a server may use for these characters of a secret.
_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _hex_pattern(value: int, width: int) -> str:
    """``value`` in hex, either case (``2f`` matches ``2F`` too)."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in f"{value:0{width}x}")


def _spellings(char: str) -> str:
    """A pattern for one character of a secret in any way text may carry it: as itself, JSON-escaped
    (``\\/``, ``\\u00e9``, a surrogate pair), or percent-encoded in either case (``%2F``, ``%2f``, and
    ``+`` for a space)."""
    code = ord(char)
    forms = [re.escape(char)]
    if char in _JSON_ESCAPES:
        forms.append(re.escape(_JSON_ESCAPES[char]))
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r"\\u" + _hex_pattern(high, 4) + r"\\u" + _hex_pattern(low, 4))
    else:
        forms.append(r"\\u" + _hex_pattern(code, 4))
    forms.append("".join("%" + _hex_pattern(b, 2) for b in char.encode("utf-8", "surrogatepass")))
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=32)
def _masking(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for the secrets looked for inside text, the longest first, each character in any of
    its spellings; one shorter than ``MIN_MASKED_LENGTH`` only with no letter or digit either side.
    """
    found = []
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_WORD_MASKED_LENGTH:
            spelled = "".join(_spellings(c) for c in secret)
            if len(secret) < MIN_MASKED_LENGTH:
                spelled = f"(?<![A-Za-z0-9]){spelled}(?![A-Za-z0-9])"
            found.append(spelled)
    return re.compile("|".join(found)) if found else None


def _redact_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with each secret masked as ``***``: plain, JSON-escaped or percent-encoded, anywhere in
    it (a short secret only as a word of its own); a text that is wholly a secret is always masked.
    """
    if not secrets:
        return text
    if text in secrets:
        return "***"
    pattern = _masking(secrets)
    return text if pattern is None else pattern.sub("***", text)


def _redact_json(value: Any, secrets: tuple[str, ...]) -> Any:
    """Decoded JSON with secrets masked in its string values, in place; its shape (keys, numbers,
    nesting) is never changed. Walked with a stack, not recursion: any depth json.loads gave is fine.
    """
    if not secrets:
        return value
    if isinstance(value, str):
        return _redact_text(value, secrets)
    stack = [value] if isinstance(value, (dict, list)) else []
    while stack:  # each container is visited once
        node = stack.pop()
        for key, item in enumerate(node) if isinstance(node, list) else node.items():
            if isinstance(item, str):
                node[key] = _redact_text(item, secrets)
            elif isinstance(item, (dict, list)):
                stack.append(item)
    return value


def _redact_headers(headers: httpx.Headers, secrets: tuple[str, ...]) -> httpx.Headers:
    """Response headers as an error keeps them: any value carrying a secret masked (a copy; the same
    object when nothing needed masking)."""
    if not secrets:
        return headers
    raw = headers.multi_items()
    items = [(k, _redact_text(v, secrets)) for k, v in raw]
    return headers if items == raw else httpx.Headers(items)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


_QUERY_VALUE = re.compile(r"([?&][^=&#]*=)[^&#]*")


class _RedactedURL(httpx.URL):
    """A URL that sends as itself but prints with credentials masked (httpx logs requests by ``str(url)``).
    Each client makes a subclass carrying its secrets and swaps a request URL's class to it: no copy.
    """

    _secrets: tuple[str, ...] = ()

    def __str__(self) -> str:
        # Every query value is masked, not only credentials: query strings carry personal data (an
        # e-mail, a name searched for) that logs and error messages must not keep.
        text = _redact_text(super().__str__(), self._secrets)
        return _QUERY_VALUE.sub(r"\1***", text)

    def __repr__(self) -> str:
        return f"URL({str(self)!r})"


class _RedactedHeaders(httpx.Headers):
    """Headers whose repr masks the credential headers, not only ``Authorization`` (swapped in like
    ``_RedactedURL``; ``__slots__`` keeps the layout httpx.Headers has, so the class can be swapped).
    """

    __slots__ = ()
    _hidden: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        items = [(k, "[secure]" if k.lower() in self._hidden else v) for k, v in self.multi_items()]
        return f"Headers({items!r})"


#: What a credential may hold: printable ASCII. A line break would end the header it is sent in.
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def _check_limit(value: int | None) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"max_response_bytes must be a positive int or None, not {value!r}")
    return value


def _check_credential(value: str, what: str) -> str:
    """``value`` when it is printable ASCII; else a ValueError that says where, never what, it is."""
    bad = _UNPRINTABLE.search(value)
    if bad is None:
        return value
    char = bad.group()
    kind = (
        "a line break"
        if char in "\r\n"
        else (
            "a NUL character"
            if char == "\0"
            else "a non-ASCII character" if ord(char) > 0x7E else "a control character"
        )
    )
    where = "at its end" if bad.start() == len(value) - 1 else f"at position {bad.start()}"
    raise ValueError(
        f"{what} holds {kind} {where}; a credential must be printable ASCII (its value is not shown)"
    )


class _Base:
    """State and every I/O-free step of a call, shared by the sync and async clients."""

    _servers: Mapping[str, str] = {}
    _request_id_header = "x-request-id"  # the generated client names another where the API does
    # ``operation_servers``: None sends every operation to base_url
    _operation_servers: str | None = None
    _holder: _Holder[Any]  # set by the sync and async clients
    _api_version = ""  # info.version of the description the client was generated from
    _generator = ""  # the generator and its version
    #: The constructor's default for ``max_response_bytes`` (the generated clients' signatures read it).
    DEFAULT_MAX_RESPONSE_BYTES: ClassVar[int] = DEFAULT_MAX_RESPONSE_BYTES

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, Credential],
        client_params: Mapping[str, tuple[str | None, str]],
        timeout: float | Timeout | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        user_agent: str,
        retry_policy: RetryPolicy | None = None,
        hooks: Sequence[object] | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        operation_servers: str | None = None,
        oauth: TokenSource | None = None,
        strict_responses: bool = False,
        observe: ObserveTarget | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.strict_responses = strict_responses
        # Where responses that differ from the description are recorded, and the file it is merged into
        # when the client closes (``observe=`` a path).
        self._observe_path: str | os.PathLike[str] | None = None
        self.observations: Observations | None = None
        if isinstance(observe, Observations):
            self.observations = observe
        elif observe is not None:
            self._observe_path = observe
            self.observations = Observations()
        if self.observations is not None and not self.observations.api:
            self.observations.api = __name__.rpartition(".")[0] or __name__
            self.observations.api_version = self._api_version
            self.observations.generator = self._generator
        self._operation_servers = operation_servers
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.base_url = base_url
        self.max_response_bytes = _check_limit(max_response_bytes)
        for cred in credentials.values():
            if isinstance(cred.value, str):
                _check_credential(cred.value, f"{cred.param}= (or {cred.env})")
        self._credentials = dict(credentials)
        self._client_params = dict(client_params)
        self.timeout = Timeout.of(timeout)
        self.max_retries = max_retries
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            # Only what can be decoded a step at a time (``_Body``), whatever httpx could decode.
            "Accept-Encoding": "gzip, deflate",
            **(default_headers or {}),
        }
        self._raw = False
        self._stream = False  # with_streaming_response: a 2xx body is handed over unread
        self._hooks = tuple(hooks or ())
        # The OAuth2 token source, when the client runs one (at most one scheme: the generator's rule) and
        # was not given a token of its own, and the scheme's key in the operations' security.
        self._tokens: TokenSource | None = None
        self._tokens_keys: frozenset[str] = frozenset()
        self._oauth = oauth  # the OAuth2 flows' helpers (authorization URL, code exchange)
        if oauth is not None:
            oauth.resolve(base_url)
        for key, cred in self._credentials.items():
            if cred.tokens is not None and not cred.value:
                self._tokens = cred.tokens
                self._tokens_keys |= {key}  # schemes sharing one keyword share its token source
                cred.tokens.resolve(base_url)
        self._secrets = tuple(
            sorted(
                {
                    c.value
                    for c in self._credentials.values()
                    if isinstance(c.value, str) and c.value
                }
                | {s for c in self._credentials.values() if c.tokens for s in c.tokens.secrets},
                key=len,
                reverse=True,
            )
        )
        self._secret_headers = frozenset(
            {"authorization", "proxy-authorization", "cookie"}
            | {c.wire.lower() for c in self._credentials.values() if c.location == "header"}
        )
        self._secret_query = frozenset(
            c.wire for c in self._credentials.values() if c.location == "query"
        )
        self._url_class = type("_RedactedURL", (_RedactedURL,), {"_secrets": self._secrets})
        self._headers_class = type(
            "_RedactedHeaders",
            (_RedactedHeaders,),
            {"__slots__": (), "_hidden": self._secret_headers},
        )

    # -- tenants -------------------------------------------------------------------------------

    _given: dict[str, Any]  # the constructor's arguments, kept by the generated client

    def _with(self: T, changes: Mapping[str, Any], exclusive: tuple[str, ...] = ()) -> T:
        """``with_options``: a client made from this one's arguments with ``changes`` (NOT_GIVEN left as
        they were), sharing this one's httpx client (and an async client's slots). Of ``exclusive``
        arguments (``server`` and the base URL), giving one clears the other."""
        given = {k: v for k, v in changes.items() if not isinstance(v, NotGiven)}
        args = dict(self._given)  # type: ignore[attr-defined]
        for name in exclusive:
            if name in given:
                args.update(dict.fromkeys(exclusive))
        args.update(given)
        observations: Observations | None = self.observations  # type: ignore[attr-defined]
        shared = "observe" not in given and observations is not None
        if shared:  # the clone records into this client's observations; this client writes them
            args["observe"] = None
        clone = type(self)(**args)
        if shared:
            clone.observations = observations  # type: ignore[attr-defined]
        clone._holder = self._holder.sharing(clone._headers)  # type: ignore[attr-defined]
        if hasattr(self, "_slots"):
            clone._slots = self._slots  # type: ignore[attr-defined]
        return clone

    # -- raw responses -------------------------------------------------------------------------

    def _raw_clone(self: T) -> T:
        """The same client, but every method returns a ``RawResponse`` (status, headers, parsed body);
        ``raw_method`` calls through one, and the generated ``with_raw_response`` types it."""
        clone = object.__new__(type(self))
        clone.__dict__.update(
            {
                k: v
                for k, v in self.__dict__.items()
                if k.startswith("_")
                or k
                in (
                    "base_url",
                    "timeout",
                    "max_retries",
                    "retry_policy",
                    "max_response_bytes",
                    "strict_responses",
                    "observations",
                )
            }
        )
        clone._raw = True  # type: ignore[attr-defined]
        return clone

    def _save_observations(self) -> None:
        """Merge what was observed into the ``observe=`` file, once per record: a second close writes
        nothing twice."""
        if self._observe_path is not None and self.observations is not None:
            self.observations._drain().save(self._observe_path)

    # -- secrets -------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return _redact_text(text, self._secrets)

    def _remember(self, secret: str) -> str:
        """Redact ``secret`` from now on (a token fetched, or a value a callable credential gave)."""
        if secret and secret not in self._secrets:
            self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))
            self._url_class._secrets = self._secrets  # type: ignore[attr-defined]
        return secret

    def _value(self, cred: Credential, scopes: tuple[str, ...] = ()) -> str | None:
        """A credential's value for this request: the string, what the callable returns, or the token."""
        value = cred.value
        if callable(value):
            given = value()
            if isinstance(given, str):
                _check_credential(given, f"the value {cred.param}= gave")
            return self._remember(given)
        if value is None and cred.tokens is not None:
            return cred.tokens.current(scopes)  # a token carrying them
        return value

    def _protect(self, request: httpx.Request) -> httpx.Request:
        """Make ``str(request)``, ``repr(request.headers)`` and httpx's own log lines mask our credentials
        and every query value."""
        request.url.__class__ = self._url_class  # no copy: the class alone changes
        if self._secrets:
            request.headers.__class__ = self._headers_class
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- building ------------------------------------------------------------------------------

    def _build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        ep: Endpoint[Any],
        path: Mapping[str, Any],
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        cookies: Mapping[str, Any],
        body: Any,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, Any] | None,
        timeout: Timeout,
        files_opened: contextlib.ExitStack,
        extra_body: Mapping[str, Any] | None = None,
    ) -> httpx.Request:
        self._check_one_of(ep, query, headers, cookies)
        if ep.deprecated_params:
            _warn_deprecated(
                ep, {"path": path, "query": query, "header": headers, "cookie": cookies}
            )
        query = dict(query)
        headers = dict(headers)
        cookies = dict(cookies)
        for attr, location, wire, required in ep.client_params:
            value, env = self._client_params[attr]
            if value is None:
                if required:
                    raise MissingCredentialsError(
                        f"this operation needs {attr}=; pass it to the client or set {env}"
                    )
                continue
            {"query": query, "header": headers, "cookie": cookies}[location].setdefault(wire, value)
        self._apply_security(ep, query, headers, cookies)

        styles, as_content = ep.styles, ep.content_params
        url = self._base_url_of(ep) + _PATH_PARAM.sub(
            lambda m: _path_value(
                m.group(1),
                (
                    _as_content(path[m.group(1)])
                    if ("path", m.group(1)) in as_content
                    else path[m.group(1)]
                ),
                *styles.get(("path", m.group(1)), ("simple", False)),
            ),
            ep.path,
        )
        params: list[tuple[str, Any]] = []
        for wire, value in query.items():
            if value is None:
                continue
            if ("query", wire) in as_content:
                params.append((wire, _as_content(value)))
                continue
            style, explode = styles.get(("query", wire), ("form", True))
            params.extend(_query_items(wire, value, style, explode))
        for wire, value in (extra_query or {}).items():
            params.append((wire, _scalar(value)))

        out_headers = dict(self._headers)
        if ep.accept:
            out_headers["Accept"] = ep.accept
        for wire, value in headers.items():
            if value is not None:
                out_headers[wire] = (
                    _as_content(value)
                    if ("header", wire) in as_content
                    else _header_value(
                        wire, value, styles.get(("header", wire), ("simple", False))[1]
                    )
                )
        _set_cookies(out_headers, cookies, styles, as_content)

        content: Any = None
        files: Any = None
        json_body: Any = None
        kind = ep.body_kind
        if extra_body:
            body, kind = _with_extra_body(ep, body, extra_body)
        if body is not None and kind is not None:
            if kind == "json":
                json_body = _wire_value(body)
            elif kind == "form":
                fields = _wire_value(body)
                if not isinstance(fields, Mapping):
                    raise TypeError(
                        f"a form body is a mapping of its properties, not {type(body).__name__}"
                    )
                content = urllib.parse.urlencode(_form_items(fields, ep.encoding)).encode("ascii")
            elif kind == "multipart":
                files = _multipart(body, ep.file_fields, ep.encoding, files_opened)
            elif kind == "text":
                content = str(body).encode("utf-8")
            else:
                content = open_content(body, files_opened)
            if ep.body_media_type and kind != "multipart":
                out_headers["Content-Type"] = ep.body_media_type
        out_headers.update(extra_headers or {})
        if (
            params
        ):  # encoded here as httpx would (urlencode), so httpx parses the URL once, not twice
            url += ("&" if "?" in url else "?") + _encode_query(params, ep.reserved)
        direct = self._holder.direct_headers
        if direct is not None and not client.cookies.jar:
            # Our own httpx client with no cookies to merge: build_request would only add its default
            # headers, which are known, so the request is made directly (a third of build_request's cost).
            request = httpx.Request(
                ep.method,
                url,
                headers={**direct, **out_headers},
                content=content,
                files=files,
                json=json_body,
                extensions={"timeout": timeout.httpx().as_dict()},
            )
        else:
            request = client.build_request(
                ep.method,
                url,
                headers=out_headers,
                content=content,
                files=files,
                json=json_body,
                timeout=timeout.httpx(),
            )
        if files is not None and ep.body_media_type and ep.body_media_type.lower() != _FORM_DATA:
            # multipart/mixed, /related, ...: httpx writes the parts (and boundary) the same way; the
            # media type is the operation's own, with httpx's boundary kept.
            sent = request.headers.get("Content-Type", "")
            request.headers["Content-Type"] = ep.body_media_type + sent[len(_FORM_DATA) :]
        return self._protect(request)

    def _base_url_of(self, ep: Endpoint[Any]) -> str:
        """The base URL ``ep`` is sent to: the client's, unless the operation has servers of its own
        and the client was not given a base URL; then its server named like ``server=``, else its
        first."""
        pick = self._operation_servers
        if not ep.servers or pick is None:
            return self.base_url
        for name, url in ep.servers:
            if name == pick:
                return url.rstrip("/")
        return ep.servers[0][1].rstrip("/")

    def _prepare(
        self,
        client: httpx.Client | httpx.AsyncClient,
        ep: Endpoint[T],
        path: Mapping[str, Any],
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        cookies: Mapping[str, Any],
        body: Any,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, Any] | None,
        to: Any,
        expected_size: int | None,
        md5: str | None,
        files_opened: contextlib.ExitStack,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        link: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
        strict_responses: bool | NotGiven = NOT_GIVEN,
    ) -> tuple[Endpoint[T], httpx.Request, Timeout, _Attempts, Sink | None, int | None, bool]:
        """Everything an operation call decides before I/O: options, the request, the download sink, and
        the size limit of the bodies read into memory."""
        resolved_timeout, retries, limit = self._options(
            timeout, max_retries, retry_policy, max_response_bytes
        )
        request = self._build_request(
            client,
            ep,
            path,
            query,
            headers,
            cookies,
            body,
            _with_idempotency_key(ep, extra_headers, idempotency_key),
            extra_query,
            resolved_timeout,
            files_opened,
            extra_body,
        )
        if link is not None:
            request = self._at_link(request, link)
        sink = Sink(to, expected_size, md5) if to is not None else None
        strict = (
            self.strict_responses if isinstance(strict_responses, NotGiven) else strict_responses
        )
        return ep, request, resolved_timeout, retries, sink, limit, strict

    def _at_link(self, request: httpx.Request, link: str) -> httpx.Request:
        """The request sent to a next-page link the server gave: the link's URL (its query first, then
        any of the request's parameters it does not name), with the request's headers. A link off the
        origin the operation is sent to is refused: credentials never go there."""
        target = request.url.join(link)
        if _origin(target) != _origin(request.url):
            raise PaginationError(
                f"the next page's link {self._redact(str(target))[:200]!r} is not on the API's origin;"
                " not followed"
            )
        for name, value in request.url.params.multi_items():
            if name not in target.params:
                target = target.copy_add_param(name, value)
        headers = httpx.Headers(request.headers.multi_items())
        headers["Host"] = target.netloc.decode("ascii")
        return self._protect(
            httpx.Request(request.method, target, headers=headers, extensions=request.extensions)
        )

    def _prepare_download(
        self,
        client: httpx.Client | httpx.AsyncClient,
        url: str,
        to: DownloadTarget,
        expected_size: int | None,
        md5: str | None,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
    ) -> tuple[Endpoint[DownloadTarget], httpx.Request, Timeout, _Attempts, Sink, int | None]:
        resolved_timeout, retries, limit = self._options(timeout, max_retries, retry_policy)
        request = self._link_request(client, url, resolved_timeout)
        ep: Endpoint[DownloadTarget] = Endpoint("GET", self._redact(request.url.path))
        return ep, request, resolved_timeout, retries, Sink(to, expected_size, md5), limit

    def _link_request(
        self, client: httpx.Client | httpx.AsyncClient, url: str | httpx.URL, timeout: Timeout
    ) -> httpx.Request:
        """A GET for a link the API returned (``data_url``, ``public_url``, ...). The client's credentials go
        along only when the link is on the API's own origin (scheme, host and port)."""
        base = httpx.URL(self.base_url)
        target = base.join(url)
        if target.scheme not in ("http", "https"):
            raise ValueError(
                f"download() takes http or https URLs, not {target.scheme or 'a relative path'!r}"
            )
        headers: dict[str, Any] = {**self._headers, "Accept": "*/*"}
        query: dict[str, Any] = {}
        cookies: dict[str, Any] = {}
        if _origin(target) == _origin(base):
            for cred in self._credentials.values():
                value = self._value(cred) if cred.given else None
                if value:
                    _put_credential(cred, value, query, headers, cookies)
        _set_cookies(headers, cookies)
        if query:
            target = target.copy_merge_params(
                query
            )  # keeps the link's own query (signatures and such)
        request = client.build_request("GET", target, headers=headers, timeout=timeout.httpx())
        return self._protect(request)

    @staticmethod
    def _check_one_of(
        ep: Endpoint[Any],
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        cookies: Mapping[str, Any],
    ) -> None:
        where = {"query": query, "header": headers, "cookie": cookies}
        for group in ep.one_of:
            given = [
                name for name, location, wire in group if where[location].get(wire) is not None
            ]
            if len(given) != 1:
                names = ", ".join(f"{name}=" for name, _, _ in group)
                found = f"got {', '.join(given)}" if given else "got none"
                raise TypeError(
                    f"{ep.method} {ep.path} needs exactly one of {names} ({found}); "
                    "no request was sent"
                )

    def _apply_security(
        self,
        ep: Endpoint[Any],
        query: dict[str, Any],
        headers: dict[str, Any],
        cookies: dict[str, Any],
    ) -> None:
        if not ep.security:
            return
        missing: list[Credential] = []
        for index, requirement in enumerate(ep.security):
            creds = [self._credentials[key] for key in requirement if key in self._credentials]
            absent = [c for c in creds if not c.given]
            if absent or len(creds) != len(requirement):
                missing.extend(absent)
                continue
            for cred in creds:
                value = self._value(cred, ep.scopes_for(index, self._tokens_keys))
                if not value:
                    raise MissingCredentialsError(
                        f"{ep.method} {ep.path}: {cred.param}= gave no value; no request was sent"
                    )
                _put_credential(cred, value, query, headers, cookies)
            return
        needed = (
            ", ".join(sorted({f"{c.param}= (or {c.env})" for c in missing}))
            or "credentials this client does not know"
        )
        raise MissingCredentialsError(f"{ep.method} {ep.path} needs {needed}; no request was sent")

    @property
    def _any_credential(self) -> tuple[tuple[str, ...], ...]:
        """``request()``'s security: any one credential the client was given (none needed if none was)."""
        return tuple((key,) for key, c in self._credentials.items() if c.given)

    def _escape_call(
        self,
        method: str,
        path: str,
        cast_to: Any,
        query: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        retry_policy: RetryPolicy | NotGiven,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> tuple[Endpoint[Any], dict[str, Any]]:
        """``request()``: its endpoint and the arguments of ``_request``."""
        ep = _ad_hoc(method, path, cast_to, self._any_credential)
        options = {
            "timeout": timeout,
            "max_retries": max_retries,
            "retry_policy": retry_policy,
            "max_response_bytes": max_response_bytes,
        }
        return ep, {"query": query or {}, "body": json, "extra_headers": headers, **options}

    # -- tokens and hooks ------------------------------------------------------------------------

    def _token_source(self, ep: Endpoint[Any]) -> TokenSource | None:
        """The OAuth2 token source, when the call is sent with a token: the alternative of the
        operation's security it is sent with (the first whose credentials the client holds, as
        ``_apply_security`` chooses) names a scheme the source serves."""
        index = self._alternative(ep)
        if index is None or self._tokens_keys.isdisjoint(ep.security[index]):
            return None
        return self._tokens

    def _alternative(self, ep: Endpoint[Any]) -> int | None:
        """The index of the first alternative of ``ep``'s security whose credentials the client holds."""
        for index, requirement in enumerate(ep.security):
            if all(
                key in self._credentials and self._credentials[key].given for key in requirement
            ):
                return index
        return None

    def _token_scopes(self, ep: Endpoint[Any]) -> tuple[str, ...]:
        """The scopes the call's token must carry: those its security alternative asks of the token's
        schemes."""
        index = self._alternative(ep)
        return () if index is None else ep.scopes_for(index, self._tokens_keys)

    def _authorization_request(
        self,
        redirect_uri: str,
        scopes: Sequence[str] | None,
        state: str | None,
        pkce: bool,
        params: Mapping[str, str] | None,
    ) -> AuthorizationRequest:
        """``authorization_url()`` of a client whose API documents an authorization code flow."""
        assert self._oauth is not None, "generated only for APIs with an authorization code flow"
        return self._oauth.authorization_request(redirect_uri, scopes, state, pkce, params)

    def _exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None
    ) -> OAuthTokens:
        """``exchange_code()`` of a sync client."""
        assert self._oauth is not None, "generated only for APIs with an authorization code flow"
        limit, total = self.max_response_bytes, self.timeout.total
        return self._oauth.exchange(
            self._holder.get(), code, redirect_uri, code_verifier, limit, total
        )

    async def _aexchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None
    ) -> OAuthTokens:
        """``exchange_code()`` of an async client."""
        assert self._oauth is not None, "generated only for APIs with an authorization code flow"
        limit, total = self.max_response_bytes, self.timeout.total
        return await self._oauth.aexchange(
            self._holder.get(), code, redirect_uri, code_verifier, limit, total
        )

    def _stale_token(self, request: httpx.Request) -> TokenSource | None:
        """After a 401: the token source, with the token the request carried discarded (None when the
        request carried none of ours, so there is nothing to refresh)."""
        sent = request.headers.get("authorization", "")
        if self._tokens is None or not sent.startswith("Bearer "):
            return None
        self._tokens.discard(sent[len("Bearer ") :])
        return self._tokens

    def _hook_calls(self, name: str, ep: Endpoint[Any], attempt: int, arg: Any) -> list[Any]:
        """What each hook's ``name`` method returns (hooks without it are skipped)."""
        ctx = HookContext(ep.operation, ep.method, ep.path, attempt)
        out = []
        for hook in self._hooks:
            method = getattr(hook, name, None)
            if method is not None:
                out.append(method(ctx, arg))
        return out

    # -- redirects -----------------------------------------------------------------------------

    def _redirect(
        self, request: httpx.Request, response: httpx.Response, hops: int
    ) -> httpx.Request | None:
        """The request a redirect asks for, or None to stop here. Credentials never leave the origin."""
        location = response.headers.get("location")
        if response.status_code not in _REDIRECT_STATUSES or not location or hops >= MAX_REDIRECTS:
            return None
        try:
            url = request.url.join(location)
        except httpx.InvalidURL:
            return None
        if url.scheme not in ("http", "https"):
            return None
        method = request.method
        if (response.status_code == 303 and method != "HEAD") or (
            response.status_code in (301, 302) and method == "POST"
        ):
            method = "GET"
        headers = httpx.Headers(request.headers.multi_items())
        stream: Any = request.stream
        if method != request.method:
            for name in ("content-type", "content-length", "transfer-encoding"):
                headers.pop(name, None)
            stream = None
        if _origin(url) != _origin(request.url):
            for name in self._secret_headers:
                headers.pop(name, None)
            for name in self._secret_query:
                url = url.copy_remove_param(name)
        headers["Host"] = url.netloc.decode("ascii")
        return self._protect(
            httpx.Request(
                method, url, headers=headers, stream=stream, extensions=request.extensions
            )
        )

    # -- retrying ------------------------------------------------------------------------------

    def _next_retry(
        self,
        ep: Endpoint[Any],
        attempt: int,
        attempts: _Attempts,
        started: float,
        *,
        error: Exception | None = None,
        response: httpx.Response | None = None,
        sink: Sink | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when this outcome is final."""
        if attempt >= attempts.limit or (sink is not None and not sink.can_retry()):
            return None
        policy = attempts.policy
        resendable = (
            ep.retry_safe or ep.idempotency_header is not None or ep.method in IDEMPOTENT_METHODS
        )
        if error is not None:
            # A request that never reached the server is safe to resend whatever its method.
            if not (resendable or isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))):
                return None
            reason = type(error).__name__
            delay = policy.backoff(attempt)
        else:
            assert response is not None
            told = response.headers.get("x-should-retry", "").strip().lower()
            if told == "false" or (
                told != "true" and not (resendable and policy.retries(response.status_code))
            ):
                return None
            after = _retry_after(response)
            if after is not None and after > policy.max_retry_after:
                return (
                    None  # told to wait longer than we would: the caller hears it now (retry_after)
                )
            reason = f"status {response.status_code}"
            delay = max(after, 0.0) if after is not None else policy.backoff(attempt)
        if (
            policy.max_elapsed is not None
            and time.monotonic() + delay - started > policy.max_elapsed
        ):
            return None
        self._log_retry(reason, delay, attempt, attempts.limit)
        return delay

    def _options(
        self,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> tuple[Timeout, _Attempts, int | None]:
        resolved_timeout = self.timeout if isinstance(timeout, NotGiven) else Timeout.of(timeout)
        retries = self.max_retries if isinstance(max_retries, NotGiven) else max_retries
        if retries < 0:
            raise ValueError("max_retries must be 0 or more")
        policy = self.retry_policy if isinstance(retry_policy, NotGiven) else retry_policy
        limit = (
            self.max_response_bytes
            if isinstance(max_response_bytes, NotGiven)
            else _check_limit(max_response_bytes)
        )
        return resolved_timeout, _Attempts(retries, policy), limit

    # -- responses -----------------------------------------------------------------------------

    @staticmethod
    def _adapter(ep: Endpoint[Any], type_: Any) -> pydantic.TypeAdapter[Any]:
        cache = ep.adapters
        key = id(type_)
        adapter = cache.get(key)
        if adapter is None:
            adapter = cache[key] = pydantic.TypeAdapter(type_)
        return adapter

    def _finish(
        self,
        ep: Endpoint[T],
        response: httpx.Response,
        sink: Sink | None,
        strict: bool | None = None,
    ) -> T:
        status = response.status_code
        if not 200 <= status < 300:
            raise self._status_error(ep, response)
        parsed = (
            sink.commit(response)
            if sink is not None
            else self._parse_success(
                ep, response, self.strict_responses if strict is None else strict
            )
        )
        if self._raw:  # with_raw_response: raw_method types what its methods return
            raw = RawResponse(
                status, response.headers, parsed, response, self._request_id(response)
            )
            return raw  # type: ignore[return-value]
        # validated against T by the endpoint's adapter
        return parsed  # type: ignore[no-any-return]

    def _parse_success(
        self, ep: Endpoint[Any], response: httpx.Response, strict: bool = False
    ) -> Any:
        status = response.status_code
        key, documented = ep.success_key(status)
        findings: list[Finding] = []
        if key is not None and not documented:
            if not response.content:
                key = None  # an undocumented 2xx without a body: nothing to parse
            findings.append(
                Finding(
                    "undocumented-status",
                    str(status),
                    "",
                    " | ".join(sorted(ep.responses)),
                    str(status),
                    str(status),
                )
            )
        value = self._parsed(ep, response, key, strict, findings)
        if findings:
            self._found(ep, response, findings, strict)
        elif self.observations is not None:
            self.observations.record_call(ep.key, status)
        return value

    def _parsed(
        self,
        ep: Endpoint[Any],
        response: httpx.Response,
        key: str | None,
        strict: bool,
        findings: list[Finding],
    ) -> Any:
        if key is None:
            return None
        kind, type_ = ep.responses[key]
        if kind == "binary":
            return response.content
        if kind == "text":
            return response.text
        if kind == "empty" or type_ is None:
            return None
        type_ = ep.type_of(type_)
        content = response.content
        content_type = response.headers.get("content-type", "")
        if content_type and not _is_json(content_type):
            raise ResponseValidationError(
                f"expected JSON from {ep.method} {ep.path}, got {content_type!r}",
                response=response,
                body=self._redact(response.text),
            )
        documented = ep.media.get(key, ())
        media = content_type.partition(";")[0].strip().lower()
        where = f"{key} {media if media in documented else documented[0] if documented else 'application/json'}"
        if media and documented and media not in documented:
            findings.append(
                Finding(
                    "undocumented-content-type",
                    str(response.status_code),
                    "",
                    " | ".join(documented),
                    media,
                    media,
                )
            )
        adapter = self._adapter(ep, type_)
        try:
            value = adapter.validate_json(content, strict=True)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            if errors and errors[0].get("type") == "json_invalid":
                raise self._invalid(ep, response, errors, "body is not valid JSON") from None
            from . import _tolerant

            try:
                decoded = json.loads(content)
            except (ValueError, RecursionError):
                raise self._invalid(ep, response, errors, "body is not valid JSON") from None
            walk = _tolerant.Walk(where)
            value = _tolerant.build(type_, decoded, "", walk)
            if strict:  # raised as validation says it, by the item's index; recorded first
                if self.observations is not None:
                    self.observations.record_call(
                        ep.key, response.status_code, findings + walk.findings
                    )
                said = walk.findings[0].message(ep.key) if walk.findings else "invalid"
                raise self._invalid(ep, response, errors, _first_error(errors, said))
            root = next(
                (f for f in walk.findings if f.pointer == "" and f.kind != "unknown-enum-value"),
                None,
            )
            if (
                root is not None
            ):  # not the kind of value promised at all: nothing to return in its place
                raise self._invalid(ep, response, errors, root.message(ep.key))
            findings += walk.findings
            if not walk.findings:  # validation refused what the walk cannot place: say it as before
                raise self._invalid(ep, response, errors, _first_error(errors, "invalid"))
            return value
        if strict or self.observations is not None:
            from . import _tolerant

            walk = _tolerant.Walk(where)
            _tolerant.inspect(value, "", walk)
            findings += walk.findings
        return value

    def _invalid(
        self, ep: Endpoint[Any], response: httpx.Response, errors: list[Any], problem: str
    ) -> ResponseValidationError:
        return ResponseValidationError(
            f"{ep.method} {ep.path} returned {response.status_code} with a body that does not "
            f"match the schema ({problem}; {len(errors)} error(s))",
            response=response,
            body=self._redact(response.text),
            errors=errors,
        )

    def _found(
        self,
        ep: Endpoint[Any],
        response: httpx.Response,
        findings: list[Finding],
        strict: bool,
    ) -> None:
        """Record and log what differed; raise when strict."""
        operation = ep.key
        if self.observations is not None:
            self.observations.record_call(operation, response.status_code, findings)
        if strict:
            first = findings[0]
            raise ResponseValidationError(
                f"{ep.method} {ep.path} returned {response.status_code} with a body that differs from"
                f" the API description ({first.message(operation)}; {len(findings)} difference(s))",
                response=response,
                body=self._redact(response.text),
                errors=[
                    {"type": f.kind, "loc": f.pointer, "msg": f.message(operation)}
                    for f in findings
                ],
            )
        log_once(log, operation, findings)

    def _status_error(self, ep: Endpoint[Any], response: httpx.Response) -> APIStatusError:
        raw = response.text
        text = self._redact(raw)
        body: Any = text
        if raw and _is_json(response.headers.get("content-type", "")):
            try:
                # Decoded from what was received, then masked string by string: a secret can never
                # change the body's shape.
                body = _redact_json(json.loads(raw), self._secrets)
            except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
                body = text
            spec = ep.match(ep.errors, response.status_code)
            if body is not text and spec is not None and spec[0] == "json" and spec[1] is not None:
                try:
                    body = self._adapter(ep, ep.type_of(spec[1])).validate_python(body)
                except (pydantic.ValidationError, RecursionError):
                    pass  # keep the decoded JSON: the error is still worth raising as is
        summary = _summary(body, text)
        request_id = self._request_id(response)
        message = (
            f"{ep.method} {ep.path} failed with {response.status_code} {response.reason_phrase}"
            + (f": {summary}" if summary else "")
            + (f" (request id {request_id})" if request_id else "")
        )
        error = status_error_class(response.status_code)(message, response=response, body=body)
        error.headers = _redact_headers(response.headers, self._secrets)
        error.retry_after = _retry_after(response)
        error.request_id = request_id
        return error

    def _request_id(self, response: httpx.Response) -> str | None:
        value = response.headers.get(self._request_id_header)
        return self._redact(value)[:200] if value else None

    # -- logging -------------------------------------------------------------------------------

    # A record's arguments are the masked text, not the URL object: a handler that reads them (a JSON
    # formatter, say) finds no credential either.

    def _log_request(self, request: httpx.Request, attempt: int) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %s %s (attempt %d)", request.method, str(request.url), attempt + 1)

    def _log_response(
        self, request: httpx.Request, response: httpx.Response, started: float
    ) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "response %s %s -> %d in %.1f ms",
                request.method,
                str(request.url),
                response.status_code,
                (time.monotonic() - started) * 1000,
            )

    def _log_retry(self, reason: str, delay: float, attempt: int, retries: int) -> None:
        log.debug(
            "retrying in %.2f s after %s (retry %d of %d)",
            delay,
            self._redact(reason),
            attempt + 1,
            retries,
        )

    def _connection_error(self, exc: Exception) -> APIConnectionError:
        if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
            return APITimeoutError(
                f"Request timed out: {self._redact(str(exc)) or type(exc).__name__}"
            )
        return APIConnectionError(
            f"Connection error: {self._redact(str(exc)) or type(exc).__name__}"
        )


def _first_error(errors: Sequence[Mapping[str, Any]], otherwise: str) -> str:
    """The first of pydantic's errors as ``data.results.0.file_name: <message>``."""
    if not errors:
        return otherwise
    where = ".".join(str(p) for p in errors[0].get("loc", ())) or "body"
    return f"{where}: {errors[0].get('msg', otherwise)}"


def _retryable_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _warn_deprecated(ep: Endpoint[Any], given: Mapping[str, Mapping[str, Any]]) -> None:
    import sys
    import warnings

    for location, wire in sorted(ep.deprecated_params):
        if given[location].get(wire) is not None:
            # Said at the caller's line: the first frame outside this package.
            frame, level, here = sys._getframe(), 1, os.path.dirname(__file__)
            while frame is not None and frame.f_code.co_filename.startswith(here):
                frame, level = frame.f_back, level + 1  # type: ignore[assignment]
            warnings.warn(
                f"{location} parameter {wire!r} of {ep.method} {ep.path} is deprecated by the API",
                DeprecationWarning,
                stacklevel=level,
            )


def _with_extra_body(ep: Endpoint[Any], body: Any, extra: Mapping[str, Any]) -> tuple[Any, str]:
    """``extra_body=``: properties added to (or replacing those of) a JSON, form or multipart body; an
    operation without a body sends them as a JSON object."""
    kind = ep.body_kind or "json"
    if kind not in ("json", "form", "multipart"):
        raise TypeError(
            f"extra_body= adds properties to a JSON, form or multipart body; {ep.method} {ep.path} sends"
            f" {ep.body_media_type}"
        )
    base = {} if body is None else body if isinstance(body, Mapping) else _wire_value(body)
    if not isinstance(base, Mapping):
        raise TypeError(
            f"extra_body= needs an object body; {ep.method} {ep.path} was given {type(body).__name__}"
        )
    return {**base, **extra}, kind


@functools.lru_cache(maxsize=256)
def _ad_hoc(
    method: str, path: str, cast_to: Any, security: tuple[tuple[str, ...], ...]
) -> Endpoint[Any]:
    """The endpoint of a ``client.request(...)`` call (kept, so its parser is built once)."""
    if "://" in path or not path.startswith("/"):
        raise ValueError(
            f"request() takes a path under the base URL, such as '/v1/jobs', not {path!r}"
        )
    literal = path.replace("{", "%7B").replace(
        "}", "%7D"
    )  # no placeholders: the path is sent as given
    return Endpoint(
        method.upper(),
        literal,
        responses={"204": ("empty", None), "2XX": ("json", Any if cast_to is None else cast_to)},
        security=security,
        body_kind="json",
        body_media_type="application/json",
        operation=f"{method.upper()} {path}",
    )


def _with_idempotency_key(
    ep: Endpoint[Any], extra_headers: Mapping[str, str] | None, key: str | None
) -> Mapping[str, str] | None:
    """The call's headers with its idempotency key (``key``, else one made now): made once per call, so
    every retry of the call carries the same key and the server applies it once."""
    if ep.idempotency_header is None:
        return extra_headers
    import uuid

    return {ep.idempotency_header: key or f"specgen-{uuid.uuid4()}", **(extra_headers or {})}


def _put_credential(
    cred: Credential,
    value: str,
    query: dict[str, Any],
    headers: dict[str, Any],
    cookies: dict[str, Any],
) -> None:
    if cred.kind == "bearer":
        headers["Authorization"] = f"Bearer {value}"
    elif cred.kind == "basic":
        headers["Authorization"] = "Basic " + _basic(value)
    else:
        {"query": query, "header": headers, "cookie": cookies}[cred.location][cred.wire] = value


def _set_cookies(
    headers: dict[str, Any],
    cookies: Mapping[str, Any],
    styles: Mapping[tuple[str, str], tuple[str, bool]] | None = None,
    as_content: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    pairs: list[tuple[str, str]] = []
    for wire, value in cookies.items():
        if value is None:
            continue
        if ("cookie", wire) in as_content:
            pairs.append((wire, quote(_as_content(value), safe="")))
        else:
            explode = (styles or {}).get(("cookie", wire), ("form", True))[1]
            pairs.extend(_cookie_pairs(wire, value, explode))
    jar = "; ".join(f"{k}={v}" for k, v in pairs)
    if jar:
        headers["Cookie"] = jar


def _multipart(
    body: Any,
    file_fields: frozenset[str],
    encoding: Mapping[str, tuple[str, bool, str | None]],
    opened: contextlib.ExitStack,
) -> list[tuple[str, Any]]:
    """A multipart body's parts, in order, every one of them a part (so the body stays multipart with no
    file in it). Declared file fields take paths, bytes, file objects or ``(name, content[, type])``;
    for an undeclared field, bytes and file objects are files. An array is one part per item; an object
    (or a property whose ``encoding`` says JSON) is one JSON part; a property's ``encoding`` content type
    goes on its parts."""
    fields = body if isinstance(body, Mapping) else _wire_value(body)
    parts: list[tuple[str, Any]] = []
    for name, value in fields.items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if name in file_fields or any(
            isinstance(v, (bytes, bytearray)) or hasattr(v, "read") for v in items
        ):
            parts.extend((name, open_file(v, opened)) for v in items)
            continue
        content_type = encoding.get(name, ("form", True, None))[2]
        value = _wire_value(value)
        if (content_type is not None and _is_json(content_type)) or isinstance(value, Mapping):
            text = json.dumps(value, separators=(",", ":"))
            parts.append((name, (None, text, content_type or "application/json")))
            continue
        for item in value if isinstance(value, list) else [value]:
            text = (
                json.dumps(item, separators=(",", ":"))
                if isinstance(item, (Mapping, list))
                else _scalar(item)
            )
            parts.append((name, (None, text, content_type)))
    return parts


def _summary(body: Any, text: str) -> str:
    node: Any = body
    for path in (("error", "message"), ("message",), ("detail",), ("error",)):
        node = body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
        if isinstance(node, str) and node:
            return node[:300]
    return text[:200].strip() if isinstance(body, str) else ""


def _basic(value: str) -> str:
    import base64

    return base64.b64encode(value.encode("utf-8")).decode("ascii")


#: A compressed body is decoded this many bytes at a time at most, so it never expands in one go.
_INFLATE_STEP = 1 << 18
#: Encodings httpx decodes with libraries that cannot stop early (brotli, zstandard, when installed).
#: The client does not ask for them (``Accept-Encoding: gzip, deflate``); a server that sends them anyway
#: is still held to the limit, a decoded chunk at a time.
_HTTPX_DECODED = frozenset({"br", "zstd"})


class _Inflater:
    """gzip or deflate decoded as httpx decodes them, but at most ``_INFLATE_STEP`` bytes per step."""

    __slots__ = ("_zlib", "_deflate", "_first")

    def __init__(self, kind: str) -> None:
        self._deflate = kind == "deflate"
        self._first = True
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._zlib.eof:  # each step consumes input or yields output
            try:
                out = self._zlib.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                if self._deflate and self._first:  # raw deflate, without the zlib wrapper
                    self._first = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"the body could not be decoded: {exc}") from None
            self._first = False
            left = self._zlib.unconsumed_tail
            if not out and len(left) == len(data):
                break
            data = left
            if out:
                yield out
        # Bytes after the end of the stream are ignored, as httpx ignores them.

    def flush(self) -> bytes:
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(f"the body could not be decoded: {exc}") from None


def _through(stages: Sequence[_Inflater], data: bytes) -> Iterator[bytes]:
    """``data`` decoded by each stage in turn, lazily: no stage hands on more than a step at once."""
    pieces: Iterator[bytes] = iter((data,))
    for stage in stages:
        pieces = _fed(stage, pieces)
    return pieces


def _fed(stage: _Inflater, pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage.feed(piece)


class _Body:
    """A response body being read into memory within ``limit`` bytes: the bytes received and, for gzip
    and deflate, the bytes they decode to (decoded here, a step at a time, so a small compressed body
    that expands to gigabytes stops at the limit). Reading stops as soon as either passes the limit.
    """

    __slots__ = ("response", "limit", "ep", "raw", "stages", "chunks", "size", "received")

    def __init__(self, response: httpx.Response, limit: int, ep: Endpoint[Any]) -> None:
        self.response = response
        self.limit = limit
        self.ep = ep
        self.raw = True  # read undecoded and decoded by ``stages``; False: httpx decodes
        self.stages: list[_Inflater] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.received = 0

    @classmethod
    def of(cls, response: httpx.Response, limit: int | None, ep: Endpoint[Any]) -> _Body | None:
        """The reader a response's body needs, or None when nothing needs counting: no limit, no body,
        or an unencoded body whose Content-Length is within the limit (h11 reads no more than that).
        A Content-Length over the limit is refused before anything is read."""
        if limit is None:
            return None
        status = response.status_code
        if response.request.method == "HEAD" or status in (204, 304) or status < 200:
            return None
        headers = response.headers
        encoding = headers.get("content-encoding")
        length = headers.get("content-length")
        if length is not None and length.isdigit():
            if int(length) > limit:
                raise _too_large(response, limit, ep, int(length))
            if not encoding:
                return None
        body = cls(response, limit, ep)
        for name in reversed((encoding or "").lower().split(",")):
            name = name.strip()
            if name in ("gzip", "deflate"):
                body.stages.append(_Inflater(name))
            elif name in _HTTPX_DECODED:
                body.raw, body.stages = False, []
                break
        return body

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.limit:
            raise _too_large(self.response, self.limit, self.ep)
        if self.stages:
            for piece in _through(self.stages, data):
                self._keep(piece)
        else:
            self._keep(data)

    def _keep(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            raise _too_large(self.response, self.limit, self.ep)
        self.chunks.append(piece)

    def finish(self) -> None:
        """Decode what the stages still hold and store the body where ``Response.read()`` would."""
        for index, stage in enumerate(self.stages):
            tail = stage.flush()
            if tail:
                for piece in _through(self.stages[index + 1 :], tail):
                    self._keep(piece)
        content = b"".join(self.chunks)
        self.response._content = content  # noqa: SLF001 - where Response.read() keeps it


def _too_large(
    response: httpx.Response, limit: int, ep: Endpoint[Any], declared: int | None = None
) -> ResponseTooLargeError:
    said = f" (its Content-Length is {declared})" if declared is not None else ""
    return ResponseTooLargeError(
        f"{ep.method} {ep.path} answered {response.status_code} with a body larger than"
        f" max_response_bytes={limit}{said}; it was not read. Raise the limit on the client, with"
        " with_options() or on the call (None for no limit)",
        response=response,
        limit=limit,
    )


def _read_body(
    response: httpx.Response, deadline: float | None, limit: int | None, ep: Endpoint[Any]
) -> None:
    """Read a response's body into it (``response.content``), by ``deadline`` (``time.monotonic()``)
    and within ``limit`` bytes (``ResponseTooLargeError``)."""
    body = None if response.is_stream_consumed else _Body.of(response, limit, ep)
    if body is None and (deadline is None or response.is_stream_consumed):
        response.read()  # already read: httpx gives what it kept, or says why it cannot
        return
    chunks = response.iter_bytes() if body is None or not body.raw else response.iter_raw()
    kept: list[bytes] = []
    for chunk in chunks:
        if body is None:
            kept.append(chunk)
        else:
            body.feed(chunk)
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout(
                "total timeout expired while reading the body", request=response.request
            )
    if body is None:
        response._content = b"".join(kept)  # noqa: SLF001 - where Response.read() keeps it
    else:
        body.finish()


async def _aread_body(response: httpx.Response, limit: int | None, ep: Endpoint[Any]) -> None:
    """The async ``_read_body``; the deadline is the caller's (``anyio.fail_after``)."""
    body = None if response.is_stream_consumed else _Body.of(response, limit, ep)
    if body is None:
        await response.aread()
        return
    async for chunk in response.aiter_raw() if body.raw else response.aiter_bytes():
        body.feed(chunk)
    body.finish()


#: The deadline (``time.monotonic()``) of the sync call on this thread, or None: what the connections
#: held to it (``_hold_to_deadline``) read it from.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "specgen_deadline", default=None
)


class _ByDeadline:
    """A network stream's ``read`` or ``write`` whose timeout is never past ``_DEADLINE``: httpx's
    timeouts bound each read, so a server sending its headers a byte at a time would otherwise hold a
    sync call for as long as it likes."""

    __slots__ = ("_io", "_expired")
    var = _DEADLINE  # which runtime holds this stream (each generated package has its own)

    def __init__(self, io: Callable[[Any, float | None], Any], expired: type[Exception]) -> None:
        self._io = io
        self._expired = expired

    def __call__(self, data: Any, timeout: float | None = None) -> Any:
        deadline = _DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._expired("the total timeout expired")
            if timeout is None or left < timeout:
                timeout = left
        return self._io(data, timeout)


def _hold_to_deadline(stream: Any) -> Any:
    """Hold an httpcore network stream's reads and writes (and the TLS stream it starts) to the
    deadline of the call using it. Gives the stream."""
    read = getattr(stream, "read", None)
    if read is None or getattr(read, "var", None) is _DEADLINE:
        return stream
    start_tls = getattr(stream, "start_tls", None)
    try:
        stream.read = _ByDeadline(read, httpcore.ReadTimeout)
        stream.write = _ByDeadline(stream.write, httpcore.WriteTimeout)
        if start_tls is not None:
            stream.start_tls = lambda *args, **kwargs: _hold_to_deadline(start_tls(*args, **kwargs))
    except AttributeError:  # a stream that takes no attributes: per-read timeouts only
        pass
    return stream


def _on_trace(name: str, info: Mapping[str, Any]) -> None:
    """httpcore's ``trace`` extension, on the sync requests of an httpx client the caller passed in:
    each new connection is held to the deadline before the request's headers are sent on it."""
    if name == "connection.connect_tcp.complete":
        _hold_to_deadline(info.get("return_value"))


class _HeldBackend(httpcore.NetworkBackend):
    """The network backend of the client's own httpx client: every connection it opens is held to the
    deadline from the start, so requests need no ``trace`` (which costs each request some 10 us)."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        stream: httpcore.NetworkStream = _hold_to_deadline(
            self._backend.connect_tcp(*args, **kwargs)
        )
        return stream

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        stream: httpcore.NetworkStream = _hold_to_deadline(
            self._backend.connect_unix_socket(*args, **kwargs)
        )
        return stream

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


#: The httpx clients whose every connection is held to the deadline where it opens (``_HeldBackend``).
_HELD: weakref.WeakSet[httpx.Client] = weakref.WeakSet()


def _hold_connections(client: httpx.Client) -> httpx.Client:
    """Give the pools of an httpx client made by this runtime the ``_HeldBackend``. Where httpx is not
    laid out as known (its transports' ``_pool``, the pools' ``_network_backend``), nothing changes and
    each request carries the ``trace`` instead."""
    mounts: Mapping[Any, Any] = getattr(client, "_mounts", {})
    transports = [
        getattr(client, "_transport", None),
        *(t for t in mounts.values() if t is not None),
    ]
    pools: list[Any] = [getattr(transport, "_pool", None) for transport in transports]
    backends: list[Any] = [getattr(pool, "_network_backend", None) for pool in pools]
    if all(isinstance(backend, httpcore.NetworkBackend) for backend in backends):
        for pool, backend in zip(pools, backends):
            pool._network_backend = _HeldBackend(backend)
        _HELD.add(client)
    return client


class _Slots:
    """The async client's in-flight limit; its semaphore is made on first use, inside the event loop."""

    def __init__(self) -> None:
        self._semaphore: Any = None

    def get(self) -> Any:
        if self._semaphore is None:
            import anyio

            self._semaphore = anyio.Semaphore(MAX_CONNECTIONS)
        return self._semaphore


class _Holder(Generic[C]):
    """The httpx client a generated client uses, shared with its ``with_raw_response`` clones. One the
    generated client owns is made on first use (creating it loads the CA bundle, about 25 ms), so
    constructing a client costs nothing; ``direct_headers`` are its default headers that ours do not
    replace, for building requests without ``build_request`` (None for a client the caller passed in).
    """

    def __init__(self, given: C | None, make: Callable[[], C], ours: Mapping[str, str]) -> None:
        self._client: C | None = given
        self._make: Callable[[], C] = make
        self._ours = {k.lower() for k in ours}
        self._lock = threading.Lock()
        self.owned = given is None
        self._direct = given is None  # requests built directly only through a client of our own
        self.direct_headers: dict[str, str] | None = None

    def sharing(self, ours: Mapping[str, str]) -> _Holder[C]:
        """A holder for a ``with_options`` clone: the same httpx client, which the clone never closes."""
        holder: _Holder[C] = _Holder(None, self.get, ours)
        holder.owned = False
        holder._direct = self._direct
        return holder

    @property
    def made(self) -> bool:
        return self._client is not None

    def get(self) -> C:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    made = self._make()
                    if (
                        self._direct
                    ):  # our own httpx client: its jar skips responses without cookies
                        made.cookies.__class__ = _SetCookiesOnly
                    self.direct_headers = (
                        {k: v for k, v in made.headers.items() if k.lower() not in self._ours}
                        if self._direct
                        else None
                    )
                    self._client = made
                client = self._client
        return client


class _SetCookiesOnly(httpx.Cookies):
    """The cookie jar of an httpx client we own. httpx hands every response to the jar through urllib
    request and response wrappers (another URL parse; about 10 us a call on loopback); a response that
    sets no cookie is skipped here instead, with the same result."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


_LIMITS = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)


class _DeferredTrust(ssl.SSLContext):
    """httpx's own default TLS context (``ssl.create_default_context`` trusting certifi's authorities, or
    those of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), with the authorities loaded when the first TLS
    connection is made rather than when the client is: about 20 ms a process that calls only
    ``http://`` (a sidecar, a mock, a test) never pays, as requests and urllib3 do. Until then it
    verifies as strictly (certificates required, host names checked) and trusts nothing, so a
    connection it could not verify is refused, never let through."""

    def __new__(cls) -> _DeferredTrust:
        context = super().__new__(
            cls, ssl.PROTOCOL_TLS_CLIENT
        )  # certificates and host names checked
        if sys.version_info >= (3, 13):  # what create_default_context adds there
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            context.keylog_filename = keylog
        return context

    def __init__(self) -> None:
        self._trusting = threading.Lock()
        self._trusted = False

    def _trust(self) -> None:
        with self._trusting:
            if not self._trusted:
                if os.environ.get("SSL_CERT_FILE"):
                    self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
                elif os.environ.get("SSL_CERT_DIR"):
                    self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
                else:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())
                self._trusted = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._trust()
        return super().wrap_bio(*args, **kwargs)


class SyncAPIClient(_Base):
    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        timeout = self.timeout.httpx()
        self._holder: _Holder[httpx.Client] = _Holder(
            http_client,
            lambda: _hold_connections(
                httpx.Client(
                    timeout=timeout, follow_redirects=False, limits=_LIMITS, verify=_DeferredTrust()
                )
            ),
            self._headers,
        )

    @property
    def _http(self) -> httpx.Client:
        return self._holder.get()

    def close(self) -> None:
        if self._holder.owned and self._holder.made:
            self._http.close()
        self._save_observations()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def download(
        self,
        url: str,
        *,
        to: DownloadTarget,
        expected_size: int | None = None,
        md5: str | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> DownloadTarget:
        """Stream the file at ``url`` (a link the API returned) to ``to``, a path or a binary file object.

        The client's credentials are sent only when ``url`` is on the API's origin, and never across a
        redirect to another origin. The size (``expected_size``, else Content-Length) and the MD5 (``md5``,
        else Content-MD5) are checked when known. A path target is written atomically: a failed, truncated
        or mismatching download leaves nothing there. ``timeout`` bounds the wait for the response headers
        and then each read. Returns ``to``.
        """
        return self._execute(
            *self._prepare_download(self._http, url, to, expected_size, md5, timeout, max_retries)
        )

    def _request(
        self,
        ep: Endpoint[T],
        *,
        path: Mapping[str, Any] = {},  # noqa: B006 - read-only
        query: Mapping[str, Any] = {},  # noqa: B006
        headers: Mapping[str, Any] = {},  # noqa: B006
        cookies: Mapping[str, Any] = {},  # noqa: B006
        body: Any = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        to: Any = None,
        expected_size: int | None = None,
        md5: str | None = None,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        link: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
        strict_responses: bool | NotGiven = NOT_GIVEN,
    ) -> T:
        source = self._token_source(ep) if self._tokens is not None else None
        if source is not None:
            scopes = self._token_scopes(ep)
            self._remember(
                source.get(self._http, self.max_response_bytes, self.timeout.total, scopes)
            )
        with contextlib.ExitStack() as files_opened:
            call = self._prepare(
                self._http,
                ep,
                path,
                query,
                headers,
                cookies,
                body,
                timeout,
                max_retries,
                extra_headers,
                extra_query,
                to,
                expected_size,
                md5,
                files_opened,
                retry_policy,
                idempotency_key,
                link,
                extra_body,
                max_response_bytes,
                strict_responses,
            )
            return self._execute(*call)

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> T: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> Any: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> Any:
        """Call an endpoint this client has no method for (``client.request("GET", "/v2/jobs")``): the
        client's credentials, retries, redaction, hooks and typed errors apply. ``path`` is under the base
        URL and sent as given; a 2xx JSON body is parsed as ``cast_to`` (a model, ``list[Model]``...) when
        given, and type checkers see the call return that type (``Any`` for a form that is not a class,
        such as a union), else returned as decoded JSON (``Any``); a 204 returns None (typed as
        ``cast_to`` all the same: give ``cast_to`` where the endpoint answers with a body). ``max_response_bytes`` replaces the
        client's body size limit for this call (``None``: no limit)."""
        ep, call = self._escape_call(
            method,
            path,
            cast_to,
            query,
            json,
            headers,
            timeout,
            max_retries,
            retry_policy,
            max_response_bytes,
        )
        return self._request(ep, **call)

    def _paginate(self, ep: Endpoint[Any], **call: Any) -> SyncPage[Any]:
        """A paginated method's first page (``SyncPage``), fetched now; see ``_pagination``."""
        from ._pagination import first_sync_page

        page: SyncPage[Any] = first_sync_page(
            self if self._raw else self._raw_clone(), ep, call, self._raw
        )
        return page

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send and follow redirects ourselves, so credentials stay on their origin. The body is unread.
        Every connection the request uses is held to the call's deadline (``_DEADLINE``): one the client's
        own httpx client opens from the start (``_HeldBackend``), one a caller's httpx client opens as it
        opens (httpcore's ``trace``) or, opened by a request of the caller's, from its first response on.
        """
        http = self._http
        if http not in _HELD:
            request.extensions.setdefault("trace", _on_trace)
        hops = 0
        while True:
            response = http.send(request, stream=True, follow_redirects=False)
            _hold_to_deadline(response.extensions.get("network_stream"))
            following = self._redirect(request, response, hops)
            if following is None:
                return response
            response.close()
            request, hops = following, hops + 1

    def _exchange(
        self,
        ep: Endpoint[Any],
        request: httpx.Request,
        deadline: float | None,
        sink: Sink | None,
        limit: int | None,
    ) -> tuple[httpx.Response, bool]:
        """One attempt on the wire: send, then read the body (into the sink, for a download), all by the
        deadline, which the connection itself is held to, so headers that trickle in cannot outlast it.
        A download's body is bounded per read only: its duration grows with the file. Gives the
        response and whether its body was left unread for the caller (``with_streaming_response``).
        """
        held = _DEADLINE.set(deadline)
        try:
            response = self._send(request)
            streamed = self._stream and response.is_success
            try:
                if sink is not None and response.is_success:
                    _DEADLINE.set(None)
                    sink.begin()
                    for chunk in response.iter_bytes():
                        sink.write(chunk)
                elif not streamed:
                    _read_body(response, deadline, limit, ep)
            finally:
                if not streamed:
                    response.close()
            return response, streamed
        finally:
            _DEADLINE.reset(held)

    def _execute(
        self,
        ep: Endpoint[T],
        request: httpx.Request,
        timeout: Timeout,
        retries: _Attempts,
        sink: Sink | None,
        limit: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        strict: bool = False,
    ) -> T:
        attempt = 0
        replayed = False  # a 401 to an OAuth2 token: fetched again and replayed once
        first = time.monotonic()
        try:
            while True:
                if self._hooks:
                    for changed in self._hook_calls("before_request", ep, attempt, request):
                        request = changed if isinstance(changed, httpx.Request) else request
                self._log_request(request, attempt)
                started = time.monotonic()
                deadline = started + timeout.total if timeout.total is not None else None
                try:
                    response, streamed = self._exchange(ep, request, deadline, sink, limit)
                except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
                    delay = self._next_retry(ep, attempt, retries, first, error=exc, sink=sink)
                    if delay is None:
                        raise self._connection_error(exc) from None
                else:
                    self._log_response(request, response, started)
                    if self._hooks:
                        self._hook_calls("after_response", ep, attempt, response)
                    if streamed:
                        from ._streaming import StreamedResponse

                        return StreamedResponse(  # type: ignore[return-value]
                            self, ep, response, limit
                        )
                    if response.status_code == 401 and self._tokens is not None and not replayed:
                        source = self._stale_token(request)
                        if source is not None:
                            token = self._remember(
                                source.get(
                                    self._http,
                                    self.max_response_bytes,
                                    self.timeout.total,
                                    self._token_scopes(ep),
                                )
                            )
                            request.headers["Authorization"] = f"Bearer {token}"
                            replayed = True
                            continue
                    delay = self._next_retry(ep, attempt, retries, first, response=response)
                    if delay is None:
                        return self._finish(ep, response, sink, strict)
                time.sleep(delay)
                attempt += 1
        except APIError as exc:
            if self._hooks:
                self._hook_calls("on_error", ep, attempt, exc)
            raise
        finally:
            if sink is not None:
                sink.discard()


class AsyncAPIClient(_Base):
    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        timeout = self.timeout.httpx()
        self._holder: _Holder[httpx.AsyncClient] = _Holder(
            http_client,
            lambda: httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, limits=_LIMITS, verify=_DeferredTrust()
            ),
            self._headers,
        )
        self._slots = _Slots()  # shared with with_raw_response clones

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._holder.get()

    async def close(self) -> None:
        if self._holder.owned and self._holder.made:
            await self._http.aclose()
        self._save_observations()

    async def __aenter__(self: T) -> T:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def download(
        self,
        url: str,
        *,
        to: DownloadTarget,
        expected_size: int | None = None,
        md5: str | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> DownloadTarget:
        """Stream the file at ``url`` to ``to``; see ``SyncAPIClient.download``."""
        return await self._execute(
            *self._prepare_download(self._http, url, to, expected_size, md5, timeout, max_retries)
        )

    async def _request(
        self,
        ep: Endpoint[T],
        *,
        path: Mapping[str, Any] = {},  # noqa: B006 - read-only
        query: Mapping[str, Any] = {},  # noqa: B006
        headers: Mapping[str, Any] = {},  # noqa: B006
        cookies: Mapping[str, Any] = {},  # noqa: B006
        body: Any = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        to: Any = None,
        expected_size: int | None = None,
        md5: str | None = None,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        link: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
        strict_responses: bool | NotGiven = NOT_GIVEN,
    ) -> T:
        source = self._token_source(ep) if self._tokens is not None else None
        if source is not None:
            scopes = self._token_scopes(ep)
            self._remember(
                await source.aget(self._http, self.max_response_bytes, self.timeout.total, scopes)
            )
        with contextlib.ExitStack() as files_opened:
            call = self._prepare(
                self._http,
                ep,
                path,
                query,
                headers,
                cookies,
                body,
                timeout,
                max_retries,
                extra_headers,
                extra_query,
                to,
                expected_size,
                md5,
                files_opened,
                retry_policy,
                idempotency_key,
                link,
                extra_body,
                max_response_bytes,
                strict_responses,
            )
            return await self._execute(*call)

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        max_response_bytes: int | None | NotGiven = NOT_GIVEN,
    ) -> Any:
        """Call an endpoint this client has no method for; see ``SyncAPIClient.request``."""
        ep, call = self._escape_call(
            method,
            path,
            cast_to,
            query,
            json,
            headers,
            timeout,
            max_retries,
            retry_policy,
            max_response_bytes,
        )
        return await self._request(ep, **call)

    def _paginate(self, ep: Endpoint[Any], **call: Any) -> AsyncPager[Any]:
        """A paginated method's ``AsyncPager``: nothing is sent until it is awaited or iterated."""
        from ._pagination import AsyncPager

        return AsyncPager(self if self._raw else self._raw_clone(), ep, call, self._raw)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        hops = 0
        while True:
            response = await self._http.send(request, stream=True, follow_redirects=False)
            following = self._redirect(request, response, hops)
            if following is None:
                return response
            await response.aclose()
            request, hops = following, hops + 1

    async def _execute(
        self,
        ep: Endpoint[T],
        request: httpx.Request,
        timeout: Timeout,
        retries: _Attempts,
        sink: Sink | None,
        limit: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        strict: bool = False,
    ) -> T:
        import anyio

        slots = self._slots.get()
        attempt = 0
        replayed = False
        first = time.monotonic()
        try:
            while True:
                if self._hooks:
                    for changed in self._hook_calls("before_request", ep, attempt, request):
                        changed = await changed if inspect.isawaitable(changed) else changed
                        request = changed if isinstance(changed, httpx.Request) else request
                try:
                    async with slots:
                        self._log_request(request, attempt)
                        started = time.monotonic()
                        with anyio.fail_after(timeout.total):
                            response = await self._send(request)
                        streamed = self._stream and response.is_success
                        try:
                            if sink is not None and response.is_success:
                                sink.begin()
                                async for chunk in response.aiter_bytes():
                                    sink.write(chunk)
                            elif not streamed:
                                remaining = (
                                    None
                                    if timeout.total is None
                                    else max(0.0, started + timeout.total - time.monotonic())
                                )
                                with anyio.fail_after(remaining):
                                    await _aread_body(response, limit, ep)
                        finally:
                            if not streamed:
                                await response.aclose()
                except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
                    delay = self._next_retry(ep, attempt, retries, first, error=exc, sink=sink)
                    if delay is None:
                        raise self._connection_error(exc) from None
                else:
                    self._log_response(request, response, started)
                    if self._hooks:
                        for done in self._hook_calls("after_response", ep, attempt, response):
                            if inspect.isawaitable(done):
                                await done
                    if streamed:
                        from ._streaming import AsyncStreamedResponse

                        return AsyncStreamedResponse(  # type: ignore[return-value]
                            self, ep, response, limit
                        )
                    if response.status_code == 401 and self._tokens is not None and not replayed:
                        source = self._stale_token(request)
                        if source is not None:
                            token = self._remember(
                                await source.aget(
                                    self._http,
                                    self.max_response_bytes,
                                    self.timeout.total,
                                    self._token_scopes(ep),
                                )
                            )
                            request.headers["Authorization"] = f"Bearer {token}"
                            replayed = True
                            continue
                    delay = self._next_retry(ep, attempt, retries, first, response=response)
                    if delay is None:
                        return self._finish(ep, response, sink, strict)
                await anyio.sleep(delay)
                attempt += 1
        except APIError as exc:
            if self._hooks:
                for done in self._hook_calls("on_error", ep, attempt, exc):
                    if inspect.isawaitable(done):
                        await done
            raise
        finally:
            if sink is not None:
                sink.discard()


def _raw_twin(method: Callable[..., Any]) -> tuple[Any, str]:
    """What a ``with_raw_response`` method calls: the method's owner (a client, or a resource of one) made
    anew on a raw clone of the client, and the method's name."""
    owner: Any = getattr(method, "__self__")  # noqa: B009 - a bound method, typed as a callable
    if isinstance(owner, _Base):
        return owner._raw_clone(), method.__name__
    return type(owner)(owner._client._raw_clone()), method.__name__


def raw_method(method: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """``client.with_raw_response.x.y``: ``y`` returning a ``RawResponse`` of what it returns."""

    def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        owner, name = _raw_twin(method)
        raw: RawResponse[T] = getattr(owner, name)(*args, **kwargs)
        return raw

    return call


def async_raw_method(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """The async ``raw_method``: awaiting the call gives a ``RawResponse``."""

    def call(*args: P.args, **kwargs: P.kwargs) -> Awaitable[RawResponse[T]]:
        owner, name = _raw_twin(method)
        raw: Awaitable[RawResponse[T]] = getattr(owner, name)(*args, **kwargs)
        return raw

    return call


class SyncResource:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
