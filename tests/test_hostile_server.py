"""A generated client against servers that misbehave on purpose, over real HTTP on 127.0.0.1: bodies too
large to hold (a declared size, an endless chunked body, a gzip bomb), headers that trickle in a byte at a
time, credentials that could inject headers, a server echoing the key back in every spelling, broken
Retry-After values, JSON nested past Python's recursion limit, and webhook timestamps that are not plain
numbers. Each wire test runs the sync and the async client. The package is generated from the spec below
with the templates as they are, so the runtime under test is the one in ``templates/runtime``."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import gzip
import hashlib
import hmac
import importlib
import json
import logging
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from helpers import through
from server import RecordingServer, Reply

SPEC = """\
openapi: 3.1.0
info: {title: Hostile Server, version: 1.0.0}
servers:
  - url: https://api.example.com
security:
  - apiKey: []
x-sdk-webhook-signature: {scheme: standard-webhooks, tolerance: 300}
webhooks:
  item.created:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses:
        "200": {description: Received.}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200":
          description: Items.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: "#/components/schemas/Item"}}
        default:
          description: An error.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /items/{id}:
    get:
      operationId: getItem
      security: [{bearer: []}, {basic: []}, {queryKey: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: An item.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
  /me:
    get:
      operationId: getMe
      security: [{oauth: []}]
      responses:
        "200":
          description: Who the token is for.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
  /files/{id}:
    get:
      operationId: getFile
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The file.
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    bearer: {type: http, scheme: bearer}
    basic: {type: http, scheme: basic}
    queryKey: {type: apiKey, in: query, name: key}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: /oauth/token, scopes: {}}
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string}
    Error:
      type: object
      properties:
        message: {type: string}
"""

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the generator, when pytest runs without ``python -m``

KEY = "hs-KEY-0123456789abcdef"
ITEMS = {"items": [{"id": "i1", "name": "one"}]}
MiB = 1 << 20


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Any:
    """The package generated from ``SPEC`` (written to a temporary folder and imported)."""
    from generator import generate_package
    from generator.core.write import write_tree

    root = tmp_path_factory.mktemp("hostile_server")
    spec = root / "hostile_server.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    result = generate_package(spec, name="hostile_server")
    assert result.ok, [str(d) for d in result.diagnostics.errors]
    write_tree(root / "out", result.files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("hostile_server_client")
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == "hostile_server_client"]:
            del sys.modules[name]


@pytest.fixture(autouse=True)
def fast_backoff(package, monkeypatch):
    monkeypatch.setattr(package._runtime, "DEFAULT_RETRY_POLICY", package._runtime.RetryPolicy(initial_delay=0.01))


@pytest.fixture(params=["sync", "async"])
def mode(request) -> str:
    return request.param


def call(package, mode: str, url: str, method: Callable[[Any], Any], **client: Any) -> Any:
    """``method(client)`` through a fresh sync or async client of ``url``; an exception is returned."""
    kwargs = {"api_key": KEY, "base_url": url, "max_retries": 0, **client}
    try:
        return through(mode, package.HostileServer, package.AsyncHostileServer, kwargs, method)
    except Exception as exc:  # the tests look at what was raised
        return exc


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


# -- a server that does what no HTTP server should ----------------------------------------------------


Serve = Callable[[socket.socket, int, threading.Event], bool]


class RawServer:
    """TCP on 127.0.0.1: reads each request's head and hands the socket to ``serve(conn, count, stopped)``
    (``count``: the requests this connection carried before), which writes whatever bytes it likes,
    gives up once ``stopped`` is set, and returns True to read another request on the connection. Each
    connection has a thread; all end when the server stops or their client leaves."""

    def __init__(self, serve: Serve) -> None:
        self.serve = serve
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.requests = 0
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with conn:
            for count in range(1000):  # requests on this connection
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk or len(head) > 65536:
                        return
                    head += chunk
                self.requests += 1
                try:
                    if not self.serve(conn, count, self.stopped):
                        return
                except OSError:  # the client went away: what these replies are for
                    return


def trickle(conn: socket.socket, data: bytes, every: float, stopped: threading.Event) -> None:
    """Send ``data`` a byte at a time, one per ``every`` seconds."""
    for byte in data:
        if stopped.is_set():
            return
        conn.sendall(bytes([byte]))
        time.sleep(every)


def chunked(status: int, total: int) -> Serve:
    """A chunked JSON reply (no Content-Length) of ``total`` bytes of spaces, 64 KiB a chunk."""
    return lambda conn, count, stopped: _chunked(conn, status, total, stopped)


def _chunked(conn: socket.socket, status: int, total: int, stopped: threading.Event) -> bool:
    conn.sendall(
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    frame = b"10000\r\n" + b" " * 65536 + b"\r\n"
    for _ in range(total // 65536):
        if stopped.is_set():
            return False
        conn.sendall(frame)
    conn.sendall(b"0\r\n\r\n")
    return False


def gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` bytes of spaces (a multiple of 1 MiB) in about size/1000 bytes: the
    compressed MiB after a full flush is the same every time, so it is made once and repeated."""
    block = b" " * MiB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + one * (size // MiB) + deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(1 << 30)


# -- a limit on what a response may make the client hold ------------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(package, mode):
    sent = []

    def body() -> Iterator[bytes]:
        for _ in range(320):  # 20 MiB, if the client read it all
            sent.append(65536)
            yield b" " * 65536

    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, stream=body, length=320 * 65536))
        exc, elapsed = timed(lambda: call(package, mode, srv.url, lambda c: c.items.list()))
    assert isinstance(exc, package.errors.ResponseTooLargeError) and isinstance(exc, package.APIError)
    assert exc.limit == 10 * MiB == package._runtime.DEFAULT_MAX_RESPONSE_BYTES and exc.status_code == 200
    assert "max_response_bytes=10485760" in str(exc) and "Content-Length is 20971520" in str(exc)
    assert "   " not in str(exc)  # the limit is named, the body is not
    assert sum(sent) < 20 * MiB and elapsed < 5


@pytest.mark.parametrize("status", [200, 500])
def test_an_endless_chunked_body_stops_at_the_limit(package, mode, status):
    # No Content-Length: only counting what arrives can stop it. A 500's body is held to it too (and a
    # body over the limit is not a reason to retry).
    with RawServer(chunked(status, 100 * MiB)) as srv:
        exc, elapsed = timed(
            lambda: call(package, mode, srv.url, lambda c: c.items.list(), max_response_bytes=MiB, max_retries=2)
        )
    assert isinstance(exc, package.errors.ResponseTooLargeError), exc
    assert exc.status_code == status and exc.limit == MiB and srv.requests == 1
    assert f"answered {status} with a body larger than max_response_bytes=1048576;" in str(exc)
    assert elapsed < 10


def test_a_gzip_bomb_stops_at_the_limit_of_decoded_bytes(package, mode, bomb):
    # About 1 MB on the wire, 1 GiB once decoded: the limit counts decoded bytes and reading stops there.
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
        exc, elapsed = timed(lambda: call(package, mode, srv.url, lambda c: c.items.list()))
    assert isinstance(exc, package.errors.ResponseTooLargeError), exc
    assert exc.limit == 10 * MiB and elapsed < 10


@pytest.mark.parametrize(
    "encode",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("gzip, deflate", lambda data: zlib.compress(gzip.compress(data))),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-then-deflate", "identity"],
)
def test_compressed_bodies_within_the_limit_decode_as_before(package, mode, encode):
    name, compress = encode
    many = {"items": [{"id": f"i{n}", "name": "x" * 100} for n in range(3000)]}  # ~350 KB, many steps
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, compress(json.dumps(many).encode()), headers={"Content-Encoding": name}))
        res = call(package, mode, srv.url, lambda c: c.items.list(), max_response_bytes=MiB)
        assert srv.last().headers["accept-encoding"] == "gzip, deflate"
    assert len(res.items) == 3000 and res.items[-1].id == "i2999"


def test_a_corrupt_compressed_body_is_a_connection_error_not_an_httpx_one(package, mode):
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, b"\x1f\x8b\x08\x00garbage" * 10, headers={"Content-Encoding": "gzip"}))
        exc = call(package, mode, srv.url, lambda c: c.items.list())
    assert isinstance(exc, package.APIConnectionError) and "could not be decoded" in str(exc)


def test_the_limit_is_set_per_client_per_tenant_and_per_call(package, mode):
    big = {"items": [{"id": f"i{n}", "name": "x" * 1000} for n in range(2000)]}  # about 2 MiB

    def calls(client: Any) -> Any:
        async def each() -> list[Any]:
            outcomes = []
            for attempt in (
                lambda: client.items.list(),
                lambda: client.with_options(max_response_bytes=4 * MiB).items.list(),
                lambda: client.with_options(max_response_bytes=None).items.list(),
                lambda: client.request("GET", "/items", max_response_bytes=None),
                lambda: client.request("GET", "/items"),
            ):
                try:
                    got = attempt()
                    outcomes.append(await got if asyncio.iscoroutine(got) else got)
                except Exception as exc:
                    outcomes.append(exc)
            return outcomes

        return each() if mode == "async" else asyncio.run(each())

    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, big))
        first, tenant, unlimited, per_call, escape = call(package, mode, srv.url, calls, max_response_bytes=MiB)
    too_large = package.errors.ResponseTooLargeError
    assert isinstance(first, too_large) and first.limit == MiB
    assert len(tenant.items) == 2000 and len(unlimited.items) == 2000 and len(per_call["items"]) == 2000
    assert isinstance(escape, too_large)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_a_limit_that_is_not_a_positive_int_is_refused(package, bad):
    with pytest.raises(ValueError, match="max_response_bytes"):
        package.HostileServer(api_key=KEY, base_url="http://127.0.0.1:9", max_response_bytes=bad)
    with pytest.raises(ValueError, match="max_response_bytes"):
        package.AsyncHostileServer(api_key=KEY, base_url="http://127.0.0.1:9").with_options(max_response_bytes=bad)


def test_a_download_to_a_file_is_not_limited_but_the_same_bytes_in_memory_are(package, mode, tmp_path):
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB
    with RecordingServer() as srv:
        srv.route("GET", "/files/f1", Reply(200, data, content_type="application/octet-stream"))
        target = tmp_path / "f1.bin"
        saved = call(package, mode, srv.url, lambda c: c.files.get("f1", to=target), max_response_bytes=MiB)
        in_memory = call(package, mode, srv.url, lambda c: c.files.get("f1"), max_response_bytes=MiB)
    assert saved == target and target.read_bytes() == data
    assert isinstance(in_memory, package.errors.ResponseTooLargeError)


def test_a_streamed_response_keeps_the_limit_for_parse_not_for_its_iterators(package, mode):
    big = {"items": [{"id": f"i{n}", "name": "x" * 1000} for n in range(2000)]}

    def stream(client: Any) -> Any:
        if mode == "sync":
            with client.with_streaming_response.items.list() as response:
                size = sum(len(chunk) for chunk in response.iter_bytes())
            with client.with_streaming_response.items.list() as response:
                try:
                    response.parse()
                except Exception as exc:
                    return size, exc
            return size, None

        async def go() -> Any:
            async with client.with_streaming_response.items.list() as response:
                size = sum([len(chunk) async for chunk in response.aiter_bytes()])
            async with client.with_streaming_response.items.list() as response:
                try:
                    await response.parse()
                except Exception as exc:
                    return size, exc
            return size, None

        return go()

    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, big))
        size, error = call(package, mode, srv.url, stream, max_response_bytes=MiB)
    assert size == len(json.dumps(big)) and isinstance(error, package.errors.ResponseTooLargeError)


# -- the total timeout is wall-clock time -----------------------------------------------------------


SLOW_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 200 + b"\r\n"


def slow_headers(fast: int = 0) -> Serve:
    """A reply whose headers come a byte every 50 ms (13 s in all; each read well inside any timeout),
    after ``fast`` replies on the same connection that come at once and keep it open."""

    def serve(conn: socket.socket, count: int, stopped: threading.Event) -> bool:
        body = json.dumps(ITEMS).encode()
        if count < fast:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            conn.sendall(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return True
        trickle(conn, SLOW_HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode() + body, 0.05, stopped)
        return False

    return serve


@pytest.mark.parametrize("http_client", ["own", "caller's"])
def test_headers_trickling_in_cannot_outlast_the_total_timeout(package, mode, http_client):
    # The client's own httpx client holds its connections to the deadline where they open; one the
    # caller passes in is left as it is, and the connections its requests open are held as they open.
    own = {} if http_client == "own" else {"http_client": (httpx.Client if mode == "sync" else httpx.AsyncClient)()}
    with RawServer(slow_headers()) as srv:
        exc, elapsed = timed(lambda: call(package, mode, srv.url, lambda c: c.items.list(), timeout=1.0, **own))
    assert isinstance(exc, package.APITimeoutError), exc
    assert 0.9 < elapsed < 2.5


def test_a_token_endpoint_trickling_its_headers_cannot_outlast_the_total_timeout(package, mode):
    # The OAuth2 token fetch before a call is held to the client's total timeout as the call is.
    with RawServer(slow_headers()) as srv:
        exc, elapsed = timed(
            lambda: call(
                package, mode, srv.url, lambda c: c.me.get(), timeout=1.0, client_id="id", client_secret="secret-value"
            )
        )
    assert isinstance(exc, package.APITimeoutError), exc
    assert "token" in str(exc) and "secret-value" not in str(exc)
    assert 0.9 < elapsed < 2.5


@pytest.mark.parametrize("opener", ["client", "caller"])
def test_a_kept_alive_connection_is_held_to_the_timeout_too(package, mode, opener):
    # The last call reuses the connection the first one opened (its headers came at once): opened by the
    # client itself, or by the caller through the httpx client it hands the client. A connection the
    # caller opened is held to the deadline from the client's first response on it (httpcore shows a
    # connection's stream only with a response, and traces only the opening of one).
    def twice(client: Any) -> Any:
        http = client._http
        if mode == "sync":
            if opener == "client":
                first = client.items.list()
            else:
                first = http.get(client.base_url + "/items").json()
                client.items.list()
            started = time.monotonic()
            try:
                client.items.list(timeout=1.0)
            except Exception as exc:
                return first, (exc, time.monotonic() - started)
            return first, (None, time.monotonic() - started)

        async def go() -> Any:
            if opener == "client":
                first = await client.items.list()
            else:
                first = (await http.get(client.base_url + "/items")).json()
                await client.items.list()
            started = time.monotonic()
            try:
                await client.items.list(timeout=1.0)
            except Exception as exc:
                return first, (exc, time.monotonic() - started)
            return first, (None, time.monotonic() - started)

        return go()

    with RawServer(slow_headers(fast=1 if opener == "client" else 2)) as srv:
        own = {} if opener == "client" else {"http_client": (httpx.Client if mode == "sync" else httpx.AsyncClient)()}
        first, (exc, elapsed) = call(package, mode, srv.url, twice, **own)
    assert srv.connections == 1
    assert (first.items[0].id if opener == "client" else first["items"][0]["id"]) == "i1"
    assert isinstance(exc, package.APITimeoutError), exc
    assert elapsed is not None and 0.9 < elapsed < 2.5


def test_a_downloads_headers_are_held_to_the_timeout(package, mode, tmp_path):
    with RawServer(slow_headers()) as srv:
        exc, elapsed = timed(
            lambda: call(package, mode, srv.url, lambda c: c.files.get("f", to=tmp_path / "f"), timeout=1.0)
        )
    assert isinstance(exc, package.APITimeoutError), exc
    assert elapsed < 2.5 and not (tmp_path / "f").exists()


# -- credentials that are not printable ASCII ----------------------------------------------------------

BAD_CREDENTIALS = {
    "line feed at the end": "hs-secret-0123456789\n",
    "header injection": "hs-secret-0123\r\nX-Injected: 1",
    "NUL": "hs-secret-01\x0023456789",
    "tab": "hs-secret\t0123456789",
    "DEL": "hs-secret-0123456789\x7f",
    "non-ASCII": "hs-secret-é-0123456789",
}


@pytest.mark.parametrize("value", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize("keyword", ["api_key", "bearer", "basic", "query_key", "client_secret", "client_id"])
@pytest.mark.parametrize("cls", ["HostileServer", "AsyncHostileServer"])
def test_a_credential_with_control_or_non_ascii_characters_is_refused_unshown(package, cls, keyword, value):
    kwargs = {"client_id": "id", "client_secret": "secret-value"} if keyword.startswith("client_") else {}
    with pytest.raises(ValueError) as info:
        getattr(package, cls)(base_url="http://127.0.0.1:9", **{**kwargs, keyword: value})
    message = str(info.value)
    assert f"{keyword}=" in message and "printable ASCII" in message and "not shown" in message
    assert "hs-secret" not in message and value not in message and "Injected" not in message


def test_a_credential_is_checked_from_the_environment_from_with_options_and_from_a_callable(package, monkeypatch):
    monkeypatch.setenv("HOSTILE_SERVER_API_KEY", "hs-secret-0123456789\n")
    with pytest.raises(ValueError, match=r"api_key= \(or HOSTILE_SERVER_API_KEY\) holds a line break at its end"):
        package.HostileServer(base_url="http://127.0.0.1:9")
    monkeypatch.delenv("HOSTILE_SERVER_API_KEY")
    client = package.HostileServer(api_key=KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="api_key="):
        client.with_options(api_key="hs-secret\r\nX-Injected: 1")
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, ITEMS))
        for mode in ("sync", "async"):
            exc = call(package, mode, srv.url, lambda c: c.items.list(), api_key=lambda: "hs-secret\r\nX-Injected: 1")
            assert isinstance(exc, ValueError) and "the value api_key= gave holds a line break" in str(exc)
            assert "hs-secret" not in str(exc)
        assert srv.requests == []  # refused before anything was sent


def test_a_token_that_is_not_printable_ascii_is_refused_not_sent(package, mode):
    with RecordingServer() as srv:
        srv.route("POST", "/oauth/token", Reply(200, {"access_token": "tok\r\nX-Injected: 1", "expires_in": 60}))
        srv.route("GET", "/me", Reply(200, {"id": "me"}))
        exc = call(package, mode, srv.url, lambda c: c.me.get(), client_id="id", client_secret="secret-value")
        assert isinstance(exc, package.AuthenticationError) and "not printable ASCII" in str(exc)
        assert [r.path for r in srv.requests] == ["/oauth/token"]


# -- a key echoed back is masked in every spelling ---------------------------------------------------------

ODD_KEY = 'hs/KEY"0123-x9'  # printable ASCII, with a slash and a quote JSON may escape


def lower_hex(text: str) -> str:
    """Percent-encoding with lower-case hex digits (``%2f``), which servers write too."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def spellings(key: str) -> dict[str, str]:
    """The ways a server may write ``key`` inside a JSON string."""
    return {
        "json.dumps": json.dumps(key)[1:-1],
        "escaped slash": json.dumps(key)[1:-1].replace("/", "\\/"),
        "all \\u escapes": "".join(f"\\u{ord(c):04x}" for c in key),
        "upper \\u escapes": "".join(f"\\u{ord(c):04X}" for c in key),
    }


@pytest.mark.parametrize("spelling", list(spellings(ODD_KEY)))
def test_a_key_echoed_json_escaped_is_masked_in_the_error_and_its_body(package, mode, spelling):
    written = spellings(ODD_KEY)[spelling]
    text = '{"message": "invalid key ' + written + '"}'
    assert json.loads(text)["message"] == f"invalid key {ODD_KEY}"
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(401, text))
        exc = call(package, mode, srv.url, lambda c: c.items.list(), api_key=ODD_KEY)
        assert srv.last().headers["x-api-key"] == ODD_KEY
    assert isinstance(exc, package.AuthenticationError)
    assert exc.body.message == "invalid key ***" and str(exc).endswith("failed with 401 Unauthorized: invalid key ***")
    for shown in (str(exc), repr(exc), repr(exc.body), str(exc.body)):
        assert ODD_KEY not in shown and written not in shown


def test_a_key_echoed_in_html_or_in_response_headers_is_masked(package, mode):
    escaped = spellings(ODD_KEY)
    page = "<p>" + " ".join(escaped.values()) + " " + lower_hex(quote(ODD_KEY, safe="")) + "</p>"
    with RecordingServer() as srv:
        srv.route(
            "GET",
            "/items",
            Reply(403, page, content_type="text/html", headers={"X-Debug": f"key={ODD_KEY}", "X-Request-Id": ODD_KEY}),
        )
        exc = call(package, mode, srv.url, lambda c: c.items.list(), api_key=ODD_KEY)
    assert isinstance(exc, package.PermissionDeniedError)
    assert exc.body == "<p>*** *** *** *** ***</p>"
    assert exc.headers["x-debug"] == "key=***" and exc.request_id == "***"
    assert ODD_KEY not in repr(exc.headers) and ODD_KEY not in str(dict(exc.headers))
    assert exc.headers["content-type"].startswith("text/html")  # the other headers as they came


def test_log_records_never_carry_a_query_key_in_any_encoding(package, mode, caplog):
    key = "hs key/with+plus 0123"  # a space, a slash and a plus: each percent-encoded its own way
    forms = {key, quote(key, safe=""), quote_plus(key, safe=""), lower_hex(quote_plus(key, safe=""))}
    caplog.set_level(logging.DEBUG)
    with RecordingServer() as srv:
        srv.route("GET", "/items/i1", [Reply(503, {}), Reply(200, {"id": "i1"})])
        item = call(package, mode, srv.url, lambda c: c.items.get("i1"), api_key=None, query_key=key, max_retries=1)
        assert srv.last().query["key"] == [key]
    assert item.id == "i1"
    ours = [r for r in caplog.records if r.name == "hostile_server_client"]
    assert ours and any(r.name == "httpx" for r in caplog.records)
    for record in caplog.records:
        for form in forms:
            assert form not in record.getMessage(), (record.name, record.getMessage())
    for record in ours:  # what a handler reading the arguments (not the message) sees
        assert all(isinstance(arg, (str, int, float)) for arg in record.args or ())
    assert any("key=***" in r.getMessage() for r in ours)


def test_a_short_key_masks_whole_words_only_and_masking_never_reshapes_a_body(package, mode):
    # Six characters: masking inside words would rewrite words that merely contain them.
    body = {"message": "abc1234 and xabc123 are not keys; abc123 is", "echo": "abc123", "code": 12345678}
    with RecordingServer() as srv:
        srv.route("GET", "/echo", Reply(400, body, headers={"X-Echo": "abc123"}))
        short = call(package, mode, srv.url, lambda c: c.request("GET", "/echo"), api_key="abc123")
        # A key made of digits: the number in the body is no string to mask, and stays a number.
        digits = call(package, mode, srv.url, lambda c: c.request("GET", "/echo"), api_key="12345678")
        # Success bodies are never masked: an API may return the key on purpose.
        srv.route("GET", "/items/k", Reply(200, {"id": KEY}))
        item = call(package, mode, srv.url, lambda c: c.items.get("k"), api_key=None, bearer=KEY)
    assert isinstance(short, package.BadRequestError)
    assert short.body == {**body, "message": "abc1234 and xabc123 are not keys; *** is", "echo": "***"}
    assert str(short).endswith("failed with 400 Bad Request: abc1234 and xabc123 are not keys; *** is")
    assert short.headers["x-echo"] == "***"
    assert isinstance(digits, package.BadRequestError) and digits.body == body
    assert item.id == KEY


def test_a_one_character_key_rewrites_no_letter_of_an_error(package, mode):
    # A key of one character ("s") matched everywhere turned {"message": "Invalid source array"} into
    # {"me******age": "Invalid ***ource array"} and "Name or service not known" into "***ervice".
    body = {"code": 400, "message": "Invalid source array"}
    with RecordingServer() as srv:
        srv.route("GET", "/echo", Reply(400, body))
        error = call(package, mode, srv.url, lambda c: c.request("GET", "/echo"), api_key="s")
    assert isinstance(error, package.BadRequestError) and error.body == body
    assert str(error).endswith("failed with 400 Bad Request: Invalid source array")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{free.getsockname()[1]}"
    refused = call(package, mode, closed, lambda c: c.request("GET", "/echo"), api_key="s")
    assert isinstance(refused, package.APIConnectionError) and "***" not in str(refused)


def test_redacted_text_covers_every_spelling_of_a_non_ascii_secret(package):
    # A secret is printable ASCII when the client takes it; masking itself spells any character.
    redact = package._runtime._redact_text
    secret = "tøken-😀-0123"
    json_text = json.dumps({"m": secret})  # \u00f8 and a surrogate pair
    assert redact(json_text, (secret,)) == '{"m": "***"}'
    assert redact(quote(secret), (secret,)) == "***" and redact(quote(secret).lower(), (secret,)) == "***"
    assert redact("short", ("short",)) == "***" and redact("shorts", ("short",)) == "shorts"
    assert redact("a 'short' one", ("short",)) == "a '***' one" and redact("a b", ("a",)) == "a b"
    assert redact("a", ("a",)) == "***"  # a whole value is masked whatever its length


# -- Retry-After values that mean nothing ------------------------------------------------------------

BROKEN_RETRY_AFTER = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-5",
    "1e308",
    "99999999999999999999",
    "1e3",
    " ",
    "Wed, 21 Oct 99999 07:28:00 GMT",
    "Mon, 32 Jan 2020 00:00:00 GMT",
    "Wed, 21 Oct 2015 25:28:00 GMT",
    "Wed, 21 Oct 2015 07:28:00 +9999",
    "tomorrow",
]


@pytest.mark.parametrize("value", BROKEN_RETRY_AFTER)
def test_a_meaningless_retry_after_is_ignored_never_raised(package, value):
    parse = package._runtime._parse_retry_after
    assert parse(httpx.Headers({"Retry-After": value})) is None
    assert parse(httpx.Headers({"retry-after-ms": value})) is None
    in_two_days = email.utils.formatdate(time.time() + 2 * 86400, usegmt=True)
    assert parse(httpx.Headers({"Retry-After": in_two_days})) is None  # further than a day: broken
    assert parse(httpx.Headers({"Retry-After": "2"})) == 2.0 and parse(httpx.Headers({"Retry-After": "0.5"})) == 0.5
    assert parse(httpx.Headers({"retry-after-ms": "250", "Retry-After": "9"})) == 0.25
    assert parse(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0  # already past


@pytest.mark.parametrize("value", ["NaN", "inf", "-5", "1e308", "Wed, 21 Oct 99999 07:28:00 GMT"])
def test_a_retry_after_that_means_nothing_is_retried_as_if_absent(package, mode, value):
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(503, {}, headers={"Retry-After": value}), Reply(200, ITEMS)])
        res, elapsed = timed(lambda: call(package, mode, srv.url, lambda c: c.items.list(), max_retries=1))
        assert srv.count("GET", "/items") == 2
        srv.route("GET", "/items", Reply(503, {}, headers={"Retry-After": value}))
        exc = call(package, mode, srv.url, lambda c: c.items.list())
    assert len(res.items) == 1 and elapsed < 3
    assert isinstance(exc, package.InternalServerError) and exc.retry_after is None


# -- JSON nested deeper than Python recurses -------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("status", [400, 404, 422, 500])
def test_a_deeply_nested_error_body_is_the_status_error_with_the_text_kept(package, mode, status):
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(status, DEEP))
        listed = call(package, mode, srv.url, lambda c: c.items.list())
        escaped = call(package, mode, srv.url, lambda c: c.request("GET", "/items"))
    for exc in (listed, escaped):
        assert isinstance(exc, package.APIStatusError), repr(exc)[:200]
        assert exc.status_code == status and exc.body == DEEP


def test_a_deeply_nested_success_body_is_a_validation_error_with_the_text_kept(package, mode):
    with RecordingServer() as srv:
        srv.route("GET", "/items", Reply(200, DEEP))
        listed = call(package, mode, srv.url, lambda c: c.items.list())
        escaped = call(package, mode, srv.url, lambda c: c.request("GET", "/items"))
    for exc in (listed, escaped):
        assert isinstance(exc, package.ResponseValidationError), repr(exc)[:200]
        assert exc.body == DEEP


def test_a_deeply_nested_token_response_is_a_status_error(package, mode):
    with RecordingServer() as srv:
        srv.route("POST", "/oauth/token", Reply(200, DEEP))
        exc = call(package, mode, srv.url, lambda c: c.me.get(), client_id="id", client_secret="secret-value")
    assert isinstance(exc, package.AuthenticationError), repr(exc)[:200]


# -- webhook timestamps that are not plain numbers ---------------------------------------------------------

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"hostile-webhook-secret-bytes").decode()


def signed(stamp: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers whose signature is right for ``stamp`` as written: only the timestamp
    check can refuse them."""
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, b"msg_1." + stamp.encode("utf-8") + b"." + body, hashlib.sha256).digest()
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(number))


def bad_stamps() -> dict[str, str]:
    now = int(time.time())
    return {
        "exponent": "1e9",
        "arabic-indic digit": "٣",
        "arabic-indic now": arabic_indic(now),
        "leading space": f" {now}",
        "trailing space": f"{now} ",
        "plus sign": f"+{now}",
        "underscores": f"{str(now)[:4]}_{str(now)[4:]}",
        "negative": "-5",
        "NaN": "NaN",
        "400 digits": "9" * 400,
        "5000 digits": "9" * 5000,
        "fraction": f"{now}.5",
        "fullwidth digits": "".join(chr(0xFF10 + int(d)) for d in str(now)),
    }


@pytest.mark.parametrize("name", list(bad_stamps()))
def test_a_webhook_timestamp_that_is_not_a_plain_integer_is_an_invalid_signature(package, name):
    body = json.dumps({"id": "i1"}).encode()
    stamp = bad_stamps()[name]
    hooks = importlib.import_module("hostile_server_client.webhooks").Webhooks(WEBHOOK_SECRET)
    with pytest.raises(package.InvalidWebhookSignatureError):
        hooks.unwrap(body, signed(stamp, body))
    assert hooks.unwrap(body, signed(str(int(time.time())), body)).id == "i1"  # the same, well formed


# -- the largest inputs: time and peak memory --------------------------------------------------------------

MEASURE = """
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
import hostile_server_client as pkg

def rss(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024

mode, url, limit = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
with open("/proc/self/clear_refs", "w") as refs:  # the peak from here on, not the imports'
    refs.write("5")
before = rss("VmRSS:")
started = time.monotonic()
try:
    if mode == "sync":
        with pkg.HostileServer(api_key="k" * 20, base_url=url, max_retries=0, max_response_bytes=limit) as c:
            c.items.list()
    else:
        async def go():
            async with pkg.AsyncHostileServer(api_key="k" * 20, base_url=url, max_retries=0, max_response_bytes=limit) as c:
                await c.items.list()
        asyncio.run(go())
    outcome = "returned"
except pkg.APIError as exc:
    outcome = type(exc).__name__
seconds = time.monotonic() - started
print(json.dumps({"outcome": outcome, "seconds": seconds, "rss_before_mb": before, "peak_rss_mb": rss("VmHWM:")}))
"""


def measured(package, mode: str, url: str, limit: int | None = 10 * MiB) -> dict[str, Any]:
    """One call in a process of its own (Linux: its peak RSS counted from just before the call): the
    outcome, seconds, RSS before and at its peak."""
    folder = str(Path(package.__file__).parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, folder, mode, url, json.dumps(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="peak RSS is read from Linux's /proc")
@pytest.mark.parametrize("kind", ["gzip bomb of 1 GiB", "chunked body of 100 MiB"])
def test_the_largest_hostile_bodies_cost_bounded_time_and_memory(package, mode, bomb, kind):
    if kind.startswith("gzip"):
        with RecordingServer() as srv:
            srv.route("GET", "/items", Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
            result = measured(package, mode, srv.url)
    else:
        with RawServer(chunked(200, 100 * MiB)) as srv:
            result = measured(package, mode, srv.url)
    print(
        f"\n{kind} ({mode}): {result['outcome']} in {result['seconds']:.2f} s, peak RSS"
        f" {result['peak_rss_mb']:.0f} MB (at start {result['rss_before_mb']:.0f} MB)"
    )
    assert result["outcome"] == "ResponseTooLargeError"
    assert result["seconds"] < 20 and result["peak_rss_mb"] - result["rss_before_mb"] < 150
