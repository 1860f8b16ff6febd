"""A real HTTP/1.1 server on 127.0.0.1 for contract and fault-injection tests.

It answers from a route table and records every request it receives (method, path, query, headers, body)
so tests can assert what the client sent. A reply can misbehave on purpose: wait before answering, stall
between headers and body, reset the connection before answering or in the middle of the body, or close
after part of a declared body. Large request bodies are spooled to disk and large replies are streamed,
so a test can move hundreds of megabytes without either side holding them in memory.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

#: Request bodies larger than this are written to a file instead of kept in memory.
SPOOL_OVER = 1 << 20
CHUNK = 1 << 16


@dataclass
class Recorded:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes  # empty when the body was spooled to ``body_file``
    body_file: str | None = None
    body_size: int = 0
    raw_query: str = ""  # as sent, still percent-encoded


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes/str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before the status line
    stall: float = 0.0  # seconds between the headers and the body
    drop: Literal["before", "mid-body"] | None = None  # reset the connection (TCP RST)
    truncate_to: int | None = None  # declare the full length, send this many bytes, close
    stream: Callable[[], Iterable[bytes]] | None = None  # body produced in chunks; needs ``length``
    length: int | None = None

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


Handler = Callable[[Recorded], Reply]
Route = Reply | Handler | list[Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once in the load test


class RecordingServer:
    """``with RecordingServer() as srv: srv.route("GET", "/v1/x", Reply(...)); ... srv.requests``

    A route may be a ``Reply``, a function of the ``Recorded`` request, or a list of replies served in
    order (the last one repeats), e.g. ``[Reply(503), Reply(503), Reply(200, ...)]``.
    """

    def __init__(self, spool_dir: str | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Recorded] = []
        self.connections = 0  # open now
        self.peak_connections = 0
        self.total_connections = 0
        self._lock = threading.Lock()
        self._spool_dir = spool_dir
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate writes: without this, Nagle's algorithm and the
                # client's delayed ACK add 40 ms to every response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with outer._lock:
                    outer.connections += 1
                    outer.total_connections += 1
                    outer.peak_connections = max(outer.peak_connections, outer.connections)

            def finish(self) -> None:
                with outer._lock:
                    outer.connections -= 1
                try:
                    super().finish()
                except OSError:
                    pass  # the reply reset the connection on purpose

            def _read_body(self) -> tuple[bytes, str | None, int]:
                length = int(self.headers.get("content-length") or 0)
                if length <= SPOOL_OVER:
                    body = self.rfile.read(length) if length else b""
                    return body, None, len(body)
                fd, name = tempfile.mkstemp(dir=outer._spool_dir, suffix=".body")
                with os.fdopen(fd, "wb") as out:
                    left = length
                    while left:
                        chunk = self.rfile.read(min(CHUNK, left))
                        if not chunk:
                            break
                        out.write(chunk)
                        left -= len(chunk)
                return b"", name, length - left

            def _reset(self) -> None:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def _serve(self) -> None:
                body, body_file, size = self._read_body()
                split = urlsplit(self.path)
                rec = Recorded(
                    self.command,
                    split.path,
                    parse_qs(split.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    body_file,
                    size,
                    split.query,
                )
                with outer._lock:
                    outer.requests.append(rec)
                    route = outer.routes.get((self.command, split.path))
                    if isinstance(route, list):
                        route = route.pop(0) if len(route) > 1 else route[0]
                if route is None:
                    reply = Reply(404, {"message": "no route"})
                else:
                    reply = route if isinstance(route, Reply) else route(rec)
                self._answer(reply)

            def _answer(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop == "before":
                    self._reset()
                    return
                payload = b"" if reply.stream else reply.encode()
                length = reply.length if reply.stream else len(payload)
                self.send_response(reply.status)
                if payload or reply.body is not None or reply.stream:
                    self.send_header("Content-Type", reply.content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.flush()
                if reply.stall:
                    time.sleep(reply.stall)
                chunks = reply.stream() if reply.stream else [payload]
                sent = 0
                limit = (
                    reply.truncate_to
                    if reply.truncate_to is not None
                    else (length // 2 if reply.drop == "mid-body" else None)
                )
                try:
                    for chunk in chunks:
                        if limit is not None and sent + len(chunk) > limit:
                            self.wfile.write(chunk[: limit - sent])
                            self.wfile.flush()
                            if reply.drop == "mid-body":
                                time.sleep(0.05)  # let the client read what was sent, then reset
                                self._reset()
                            else:
                                self.close_connection = True
                            return
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        if tls is not None:  # HTTPS: the handshake on each accepted connection
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "http" if tls is None else "https"
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def route(self, method: str, path: str, reply: Route) -> None:
        with self._lock:
            self.routes[(method, path)] = list(reply) if isinstance(reply, list) else reply

    def count(self, method: str, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.method == method and r.path == path)

    def last(self) -> Recorded:
        assert self.requests, "the server received no request"
        return self.requests[-1]

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class ServerProcess:
    """``with ServerProcess(routes_json) as url:`` runs ``main`` below in a child process on 127.0.0.1."""

    def __init__(self, routes: str | os.PathLike[str], startup_timeout: float = 20.0) -> None:
        self.routes = os.fspath(routes)
        self.startup_timeout = startup_timeout

    def __enter__(self) -> str:
        import selectors
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, __file__, self.routes], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(self.startup_timeout):
                self.proc.kill()
                raise RuntimeError("the server process did not start")
        port = int(self.proc.stdout.readline())
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()


def main() -> None:
    """``python server.py ROUTES.json``: serve in a process of its own (load and memory tests, where a
    server sharing the client's interpreter would measure itself). ROUTES.json maps "METHOD /path" to
    ``{"status": ..., "body": ..., "content_type": ...}``; ``GET /__stats`` reports connection counts.
    Prints the port on the first line of stdout, then serves until killed."""
    import sys

    with open(sys.argv[1], encoding="utf-8") as fh:
        table = json.load(fh)
    srv = RecordingServer()
    for key, spec in table.items():
        method, path = key.split(" ", 1)
        srv.route(
            method,
            path,
            Reply(spec.get("status", 200), spec.get("body"), content_type=spec.get("content_type", "application/json")),
        )
    srv.route(
        "GET",
        "/__stats",
        lambda _: Reply(
            200,
            {
                "peak_connections": srv.peak_connections,
                "total_connections": srv.total_connections,
                "requests": sum(1 for r in srv.requests if r.path != "/__stats"),
            },
        ),
    )
    with srv:
        print(srv.port, flush=True)
        srv._thread.join()


if __name__ == "__main__":
    main()
