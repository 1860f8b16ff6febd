"""A real HTTP/1.1 server on 127.0.0.1 for contract tests: answers from a route table and records every
request it receives (method, path, query, headers, body) so tests can assert what the client sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes/str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


Handler = Callable[[Recorded], Reply]


class RecordingServer:
    """``with RecordingServer() as srv: srv.route("GET", "/v1/x", Reply(...)); ... srv.requests``"""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Reply | Handler] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                rec = Recorded(self.command, split.path, parse_qs(split.query, keep_blank_values=True), {k.lower(): v for k, v in self.headers.items()}, body)
                with outer._lock:
                    outer.requests.append(rec)
                    route = outer.routes.get((self.command, split.path))
                reply = Reply(404, {"message": "no route"}) if route is None else (route if isinstance(route, Reply) else route(rec))
                payload = reply.encode()
                self.send_response(reply.status)
                if payload or reply.body is not None:
                    self.send_header("Content-Type", reply.content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, path: str, reply: Reply | Handler) -> None:
        with self._lock:
            self.routes[(method, path)] = reply

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
