"""Hostile requests against the mock server, over real sockets on 127.0.0.1: malformed, duplicated and huge
Content-Length, bodies over the cap (declared or chunked), failures that must still get a reply, statuses
asked for with ``Prefer: code=``, idle and trickling connections, more connections than the mock serves,
and paths built to make a backtracking route matcher take forever."""

from __future__ import annotations

import json
import random
import re
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from generator.mock.server import MockError, MockOptions, MockServer

SPEC = (
    """
openapi: 3.1.0
info: {title: Hostile, version: "1"}
paths:
  /things:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}
        "404": {description: missing}
        "5XX": {description: trouble}
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string}}}}}
      responses:
        "201": {description: made, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}
  /anything:
    get:
      responses:
        "200": {description: ok}
        default: {description: any other status}
  /files/{a}.{b}.{c}:
    get:
      parameters:
        - {name: a, in: path, required: true, schema: {type: string}}
        - {name: b, in: path, required: true, schema: {type: string}}
        - {name: c, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /adjacent/{a}{b}{c}{d}{e}{f}{g}{h}-x:
    get:
      parameters:
"""
    + "".join(f"        - {{name: {n}, in: path, required: true, schema: {{type: string}}}}\n" for n in "abcdefgh")
    + """      responses: {"200": {description: ok}}
"""
)
BODY = b'{"name": "abcd"}'  # 16 bytes: POST /things accepts it


@contextmanager
def _mock(tmp_path: Path, **options: object) -> Iterator[MockServer]:
    spec = tmp_path / "hostile.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    with MockServer(spec, options=MockOptions(**options)) as mock:  # type: ignore[arg-type]
        yield mock


def _connect(mock: MockServer, timeout: float = 5.0) -> socket.socket:
    host, port = mock._httpd.server_address[:2]
    return socket.create_connection((host, port), timeout=timeout)


def _reply(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One reply read off the socket (bounded by the socket's timeout): status, headers, body."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError(f"closed without a reply (after {data!r})")
        data += piece
        assert len(data) < 1 << 20
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        rest += piece
    return int(lines[0].split()[1]), headers, rest[:length]


def _exchange(mock: MockServer, data: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    with _connect(mock, timeout) as sock:
        sock.sendall(data)
        return _reply(sock)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the peer closes the connection within ``seconds`` (anything it sends first is read)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return False
        try:
            if not sock.recv(65536):
                return True
        except ConnectionError:
            return True
    return False


def _post(length_lines: bytes, body: bytes = BODY) -> bytes:
    return (
        b"POST /things HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n" + length_lines + b"\r\n\r\n" + body
    )


# -- Content-Length ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [b"-1", b"abc", b"1e3", b" 12 ", b"+5", b"12 ", b"0x10", b"1,1", b"9" * 30, b"", b"\xb2", b"1_6", b"16;"],
)
def test_a_malformed_content_length_gets_400_and_a_closed_connection(tmp_path, value):
    with _mock(tmp_path) as mock, _connect(mock) as sock:
        started = time.monotonic()
        sock.sendall(_post(b"Content-Length: " + value))
        status, headers, body = _reply(sock)
        assert status == 400 and "Content-Length" in json.loads(body)["title"], body
        assert headers["connection"] == "close" and _closed_within(sock, 3.0)
        assert time.monotonic() - started < 3.0
        assert mock.log[-1]["status"] == 400


@pytest.mark.parametrize(
    "lines",
    [
        b"Content-Length: 16\r\nContent-Length: 16",
        b"Content-Length: 16, 16",
        b"Content-Length: 16\r\nContent-length: 3",
    ],
)
def test_a_duplicated_content_length_gets_400(tmp_path, lines):
    with _mock(tmp_path) as mock:
        status, headers, body = _exchange(mock, _post(lines))
        assert status == 400 and headers["connection"] == "close"
        assert "Content-Length" in json.loads(body)["title"]


def test_a_body_over_the_cap_gets_413_before_any_of_it_is_read(tmp_path):
    with _mock(tmp_path) as mock:  # the default cap, 10 MiB
        assert mock.options.max_body_bytes == 10 * 1024 * 1024
        for length in (20 * 1024 * 1024, 1 << 30, 10**17):
            with _connect(mock) as sock:
                started = time.monotonic()
                sock.sendall(_post(b"Content-Length: %d" % length, b""))  # not one byte of the body is sent
                status, headers, body = _reply(sock)
                assert status == 413 and headers["connection"] == "close", body
                assert time.monotonic() - started < 2.0
                assert _closed_within(sock, 3.0)
        with _connect(mock) as sock:  # a client waiting for 100 Continue is told 413 instead
            sock.sendall(_post(b"Content-Length: %d\r\nExpect: 100-continue" % (1 << 30), b""))
            assert _reply(sock)[0] == 413
    with _mock(tmp_path, max_body_bytes=16) as mock:
        assert _exchange(mock, _post(b"Content-Length: 17", BODY + b" "))[0] == 413
        assert _exchange(mock, _post(b"Content-Length: 16"))[0] == 201  # at the cap: read and answered
        with _connect(mock) as sock:  # accepted: 100 Continue, then the reply
            sock.sendall(_post(b"Content-Length: 16\r\nExpect: 100-continue", b""))
            assert sock.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(BODY)
            assert _reply(sock)[0] == 201
        assert [e["status"] for e in mock.log] == [413, 201, 201]


def _chunked(*chunks: bytes, trailer: bytes = b"") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n" + trailer + b"\r\n"


def test_a_chunked_body_is_read_up_to_the_cap_and_cut_off_there(tmp_path):
    with _mock(tmp_path, max_body_bytes=64 * 1024) as mock:
        status, _, body = _exchange(
            mock, _post(b"Transfer-Encoding: chunked", _chunked(BODY[:5], BODY[5:], trailer=b"X-Sum: 1\r\n"))
        )
        assert status == 201 and json.loads(body) == {"id": 1}
        with _connect(mock) as sock:
            stop = threading.Event()

            def endless() -> None:  # chunks for as long as the mock reads them (64 MiB at most)
                try:
                    for _ in range(4096):
                        if stop.is_set():
                            return
                        sock.sendall(b"4000\r\n" + b" " * 0x4000 + b"\r\n")
                except OSError:
                    pass

            sock.sendall(_post(b"Transfer-Encoding: chunked", b""))
            sender = threading.Thread(target=endless, daemon=True)
            sender.start()
            started = time.monotonic()
            status, headers, body = _reply(sock)
            stop.set()
            sender.join(timeout=10)
            assert status == 413 and headers["connection"] == "close" and time.monotonic() - started < 3.0
            assert "chunked body is longer" in json.loads(body)["title"]
        for lines, chunks, expected in (
            (b"Transfer-Encoding: chunked", b"zz\r\nab\r\n0\r\n\r\n", 400),  # not a chunk size
            (b"Transfer-Encoding: chunked", b"5\r\nab", 400),  # cut short (the client then closes)
            (b"Transfer-Encoding: chunked\r\nContent-Length: 16", _chunked(BODY), 400),  # two framings
            (b"Transfer-Encoding: gzip, chunked", _chunked(BODY), 501),
            (b"Transfer-Encoding: chunked, gzip", _chunked(BODY), 400),
        ):
            with _connect(mock) as sock:
                sock.sendall(_post(lines, chunks))
                if chunks.endswith(b"ab"):
                    sock.shutdown(socket.SHUT_WR)
                assert _reply(sock)[0] == expected, lines + chunks


# -- every failure gets a reply ----------------------------------------------------------------------


def test_a_failure_inside_the_mock_is_a_500_reply_not_a_dropped_connection(tmp_path, monkeypatch):
    with _mock(tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10) as http:

        def broken(*args: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(mock, "validate", broken)
        reply = http.post("/things", content=BODY, headers={"Content-Type": "application/json"})
        assert reply.status_code == 500 and reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["title"] == "the mock failed: RuntimeError: boom"
        assert mock.log[-1]["status"] == 500
        monkeypatch.undo()
        assert http.post("/things", content=BODY, headers={"Content-Type": "application/json"}).status_code == 201


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"\r\n" * 10, 400),  # nothing but empty lines
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /things HTTP/2.0\r\nHost: mock\r\n\r\n", 505),
        (b"GET /things HTTP/1.1x\r\n\r\n", 400),
        (b"GET http://[::1/things HTTP/1.1\r\nHost: mock\r\n\r\n", 400),  # a target urllib cannot split
        (b"GET /things HTTP/1.1\r\nHost: mock\r\nPrefer: code=200,\r\n latency=1\r\n\r\n", 400),  # obs-fold
        (b"GET /things HTTP/1.1\r\nHost: mock\r\nPrefer: latency=abc\r\n\r\n", 400),
        (b"GET /things HTTP/1.1\r\nHost: mock\r\nPrefer: latency=-5\r\n\r\n", 400),
        (b"GET /things HTTP/1.1\r\nHost: mock\r\nPrefer: latency=nan\r\n\r\n", 400),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /things HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
        (b"GET /things HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
    ],
)
def test_a_malformed_request_gets_a_reply(tmp_path, request_bytes, status):
    with _mock(tmp_path) as mock:
        assert _exchange(mock, request_bytes)[0] == status


# -- Prefer: code= ---------------------------------------------------------------------------------


def test_prefer_code_serves_only_final_statuses_the_operation_documents(tmp_path):
    with _mock(tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10) as http:
        for code, expected in (("200", 200), ("404", 404), ("503", 503), ("500", 500)):  # 5XX documents 503
            assert http.get("/things", headers={"Prefer": f"code={code}"}).status_code == expected
        for code in (b"418", b"201", b"101", b"100", b"199", b"99999", b"abc", b"", b"600", b"2XX", b"-1", b"\xb2" * 3):
            reply = http.get("/things", headers={"Prefer": b"code=" + code})
            assert reply.status_code == 400, code
            assert "documents 200, 404, 5XX" in reply.json()["title"], reply.text
        assert http.get("/anything", headers={"Prefer": "code=418"}).status_code == 418  # default documents it
        assert http.get("/anything", headers={"Prefer": "code=101"}).status_code == 400
        assert http.get("/anything", headers={"Prefer": 'sequence="503 99999"'}).status_code == 400
        assert http.get("/anything", headers={"Prefer": 'sequence="503 200"'}).status_code == 503
    with pytest.raises(MockError, match="200 to 599"):
        MockServer(tmp_path / "hostile.yaml", options=MockOptions(sequences={"GET /things": [42]}))


# -- time and connections ---------------------------------------------------------------------------


def test_idle_and_trickling_connections_are_dropped_in_bounded_time(tmp_path):
    with _mock(tmp_path, idle_timeout=0.5) as mock:
        with _connect(mock) as silent:  # says nothing at all
            started = time.monotonic()
            assert _closed_within(silent, 3.0) and 0.4 < time.monotonic() - started < 3.0
        with _connect(mock) as half:  # half a request line
            half.sendall(b"GET /thi")
            assert _closed_within(half, 3.0)
        with _connect(mock) as slow:  # a byte every 0.1 s: each arrives in time, the request does not
            started = time.monotonic()
            line = b"GET /things HTTP/1.1\r\nHost: mock\r\n" + b"X-Pad: " + b"p" * 100
            closed = False
            for byte in line:
                try:
                    slow.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                if _closed_within(slow, 0.1):
                    closed = True
                    break
            assert closed and time.monotonic() - started < 3.0
        with _connect(mock) as body:  # the head in time, the body trickled: 408
            body.sendall(_post(b"Content-Length: 16", b""))
            for byte in BODY[:8]:
                body.sendall(bytes([byte]))
                time.sleep(0.1)
            status, headers, _ = _reply(body)
            assert status == 408 and headers["connection"] == "close"
        with _connect(mock) as kept:  # a kept-alive connection idle after a reply
            kept.sendall(b"GET /things HTTP/1.1\r\nHost: mock\r\n\r\n")
            assert _reply(kept)[0] == 200
            assert _closed_within(kept, 3.0)


def test_connections_beyond_the_bound_get_503_and_start_no_thread(tmp_path):
    with _mock(tmp_path, max_connections=4, idle_timeout=10) as mock:
        held = [_connect(mock) for _ in range(4)]
        try:
            for sock in held:  # each served, and kept alive
                sock.sendall(b"GET /things HTTP/1.1\r\nHost: mock\r\n\r\n")
                assert _reply(sock)[0] == 200
            threads = threading.active_count()
            for _ in range(20):
                with _connect(mock) as extra:
                    status, headers, body = _reply(extra)  # answered before it says anything
                    assert status == 503 and headers["retry-after"] == "1" and headers["connection"] == "close"
                    assert "4 connections at once" in json.loads(body)["title"]
            assert threading.active_count() <= threads
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 5.0
        while True:  # the closed connections' slots come back
            with _connect(mock) as again:
                again.sendall(b"GET /things HTTP/1.1\r\nHost: mock\r\n\r\n")
                if _reply(again)[0] == 200:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.05)


# -- route matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/files/" + "a." * 5000 + "/", 404),  # three parameters around dots, then a slash: no match
        ("/files/" + "a." * 5000 + "a", 200),
        ("/adjacent/" + "a" * 30000, 404),  # eight adjacent parameters, no "-x" at the end
        ("/adjacent/" + "a" * 30000 + "-x", 200),
        ("/adjacent/" + "-x" * 15000 + "-y", 404),
        ("/" + "a." * 20000, 404),
    ],
    ids=["dots-then-slash", "dots", "adjacent-unmatched", "adjacent", "adjacent-wrong-suffix", "no-route"],
)
def test_hostile_paths_are_matched_in_linear_time(tmp_path, path, status):
    with _mock(tmp_path) as mock:
        started = time.monotonic()
        assert _exchange(mock, f"GET {path} HTTP/1.1\r\nHost: mock\r\n\r\n".encode())[0] == status
        assert time.monotonic() - started < 2.0


def test_path_templates_match_as_the_greedy_regular_expression_did():
    """Differential: the linear matcher gives what ``^prefix(?P<p0>[^/]+)...$`` gave, values included,
    on random templates with adjacent parameters and paths made to fit them (or nearly)."""
    from generator.mock.server import PathTemplate, _template_parts

    rng = random.Random(7)
    pieces = ["/", ".", "-", "x", "ab", ".x", "{p}", "{q}"]
    for _ in range(20000):
        template = "/" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        prefix = rng.choice(["", "/v1"])
        regex = re.compile(
            "^"
            + re.escape(prefix)
            + "".join(
                f"(?P<p{i}>[^/]+)" if part.startswith("{") else re.escape(part) for i, part in _template_parts(template)
            )
            + "$"
        )
        fill = lambda _: "".join(rng.choice(".-xab/") for _ in range(rng.randint(0, 4)))  # noqa: E731
        path = prefix + re.sub(r"\{[^}/]+\}", fill, template)
        found = regex.match(path)
        expected = None if found is None else [found.group(f"p{i}") for i in range(len(found.groupdict()))]
        assert PathTemplate(prefix, template).match(path.split("/")) == expected, (prefix, template, path)


def test_a_path_template_matches_a_60000_character_segment_at_once():
    from generator.mock.server import PathTemplate

    template = PathTemplate("", "/{a}{b}{c}{d}{e}{f}{g}{h}-x")
    started = time.perf_counter()
    assert template.match(["", "a" * 60000]) is None
    assert template.match(["", "a" * 60000 + "-x"]) == ["a" * 59993] + ["a"] * 7
    assert PathTemplate("", "/{a}.{b}.{c}").match(["", "a." * 30000]) == ["a." * 29997 + "a", "a", "a."]
    assert time.perf_counter() - started < 0.5
