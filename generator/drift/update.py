"""``python -m generator update-spec API --from PATH_OR_URL``: take a vendor's new spec.

Replaces the configured vendor file byte for byte, re-applies the API's overlays (reporting actions whose
targets no longer match), prints the classified diff against the previous file, and regenerates. When the
new file does not load or validate, the old file is put back and nothing else changes. A URL is fetched
only because the user named it, within ``FETCH_TIMEOUT`` seconds for the whole download and no more than
``FETCH_MAX_BYTES``; a download refused or cut short changes nothing on disk.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import ApiConfig, ConfigError, ProjectConfig
from ..core.load import MAX_DOCUMENT_BYTES, load_spec, parse_text
from ..core.write import MARKER
from .diff import as_json, as_markdown, as_text, diff_specs

FETCH_TIMEOUT = 30.0  # seconds for a whole download: connecting, the headers and every byte of the body
FETCH_MAX_BYTES = MAX_DOCUMENT_BYTES  # the most taken from --from: what the loader reads of one document


def read_source(source: str) -> bytes:
    """The bytes of a file path or an http(s) URL; ConfigError when there are more than
    ``FETCH_MAX_BYTES``, TimeoutError (an OSError) when a URL takes longer than ``FETCH_TIMEOUT``."""
    limit = FETCH_MAX_BYTES
    try:
        scheme = urllib.parse.urlsplit(source).scheme.lower()
    except ValueError as exc:
        raise ConfigError(f"--from {source!r}: {exc}") from None
    if scheme in ("http", "https"):
        data = download(source, FETCH_TIMEOUT, limit)
    elif scheme in ("", "file") or len(scheme) == 1:  # a path (a one-letter scheme is a Windows drive)
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(source).path) if scheme == "file" else source)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        raise ConfigError(f"--from {source!r}: only a file path or an http(s) URL")
    if len(data) > limit:
        raise ConfigError(f"--from {source!r}: larger than {limit} bytes, the most a spec may be")
    return data


def download(url: str, timeout: float, limit: int) -> bytes:
    """GET ``url``, all of it within ``timeout`` seconds (connecting, redirects, the headers, every byte of
    the body: a server that trickles a byte at a time cannot stretch it), and no more than ``limit``
    bytes (a longer Content-Length is refused before any of the body is read; without one, reading stops
    once past the limit); a body shorter than its Content-Length is an error, not a document. The
    download runs in a thread of its own; at the deadline its connections are shut, which ends any read
    it waits in."""
    deadline = time.monotonic() + timeout
    sockets: list[socket.socket] = []
    outcome: dict[str, Any] = {}

    def fetch() -> None:
        try:
            outcome["data"] = _fetch(url, deadline, limit, sockets)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    worker = threading.Thread(target=fetch, name="update-spec download", daemon=True)
    worker.start()
    worker.join(timeout)
    late = worker.is_alive()
    if late:
        for sock in list(sockets):
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's own: TLS state untouched
            except OSError:
                pass
        worker.join(1.0)
    error = outcome.get("error")
    if late or isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
        raise TimeoutError(f"the download did not finish within {timeout:g} s")
    if isinstance(error, (http.client.HTTPException, ValueError)):  # a reply broken off or malformed
        raise ConnectionError(f"the download failed: {type(error).__name__}: {error}") from None
    if error is not None:
        raise error
    return outcome["data"]


def _fetch(url: str, deadline: float, limit: int, sockets: list[socket.socket]) -> bytes:
    from urllib import request as urllib_request  # only for a URL the user named

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the download ran out of time")
        return remaining

    class Plain(http.client.HTTPConnection):
        def connect(self) -> None:
            self.timeout = left()
            super().connect()
            sockets.append(self.sock)

    class Secure(http.client.HTTPSConnection):
        def connect(self) -> None:
            self.timeout = left()
            super().connect()
            sockets.append(self.sock)

    class PlainHandler(urllib_request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(Plain, req)

    class SecureHandler(urllib_request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(Secure, req)  # the default context: certificates and host name checked

    opener = urllib_request.OpenerDirector()  # http(s) only: a redirect to ftp: or file: goes nowhere
    for handler in (
        urllib_request.ProxyHandler(),
        urllib_request.UnknownHandler(),
        PlainHandler(),
        SecureHandler(),
        urllib_request.HTTPRedirectHandler(),
        urllib_request.HTTPDefaultErrorHandler(),
        urllib_request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    request = urllib_request.Request(url, headers={"User-Agent": "specgen-update-spec"})
    with opener.open(request, timeout=left()) as response:
        declared = str(response.headers.get("Content-Length") or "").strip()
        length = int(declared) if declared.isascii() and declared.isdigit() else None
        if length is not None and length > limit:
            raise ConfigError(f"--from {url!r}: {length} bytes declared, more than {limit}, the most a spec may be")
        pieces, size = [], 0
        while size <= limit:
            if sockets:
                sockets[-1].settimeout(left())
            piece = response.read1(1 << 20)
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
        if size > limit:
            raise ConfigError(f"--from {url!r}: larger than {limit} bytes, the most a spec may be")
        if length is not None and size < length:
            raise ConnectionError(f"the server closed the connection after {size} of the {length} bytes it declared")
        return b"".join(pieces)


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def update_spec(
    project: ProjectConfig, name: str, source: str, fmt: str = "text", *, regenerate: Callable[[list[str]], int]
) -> int:
    """Replace API ``name``'s vendor spec with ``source``, show the diff, and regenerate the project
    with ``regenerate`` (the command line's ``main``)."""
    config: ApiConfig | None = next((a for a in project.apis if a.name == name), None)
    if config is None:
        raise ConfigError(
            f"no API named {name!r} in [tool.generator] (have: {', '.join(a.name for a in project.apis)})"
        )
    try:
        data = read_source(source)
    except OSError as exc:
        print(f"error: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    wants_json = config.spec.suffix.lower() == ".json"  # the file is copied byte for byte: its format must fit
    try:
        parse_text(data.decode("utf-8"), wants_json)
    except (ValueError, UnicodeDecodeError) as exc:
        other = _parses(data, not wants_json)
        if other:
            kind, target = ("YAML", "JSON") if wants_json else ("JSON", "YAML")
            print(
                f"error: {source} is {kind}, but {name}'s spec {config.spec} is {target}: convert it to {target},"
                f" or name a {kind.lower()} file as the spec in [tool.generator]; {config.spec} left unchanged",
                file=sys.stderr,
            )
        else:
            print(f"error: {source}: not a YAML or JSON document: {exc}; {config.spec} left unchanged", file=sys.stderr)
        return 1
    before = load_spec(config.spec, config.overlays)
    original = config.spec.read_bytes()
    if original == data:
        print(f"update-spec: {config.spec} already matches {source}")
    _replace(config.spec, data)
    after = load_spec(config.spec, config.overlays)
    for diagnostic in after.diagnostics.items:
        print(diagnostic, file=sys.stderr)
    unmatched = [d for d in after.diagnostics.warnings if d.code == "W025"]
    if unmatched:
        print(
            f"update-spec: {len(unmatched)} overlay action(s) no longer match;"
            f" review {', '.join(str(o) for o in config.overlays)}",
            file=sys.stderr,
        )
    if after.diagnostics.has_errors:
        _replace(config.spec, original)
        print(f"update-spec: the new spec does not load; {config.spec} put back", file=sys.stderr)
        return 1
    if not before.diagnostics.has_errors:
        result = diff_specs(before, after)
        sys.stdout.write({"text": as_text, "json": as_json, "markdown": as_markdown}[fmt](result))
    before_tree = _manifest(project.output)
    status = regenerate(["generate", "--project", str(project.root)])
    if status != 0:
        if _manifest(project.output) != before_tree:
            # The new tree was swapped in and a step after the swap failed (generate said what): the
            # folder holds the new spec's generation, so the new spec stays with it.
            print(
                f"update-spec: generation failed after {project.output} was replaced; it holds what"
                f" {config.spec} (updated) generates",
                file=sys.stderr,
            )
            return status
        _replace(config.spec, original)
        print(f"update-spec: generation failed; {config.spec} put back, {project.output} unchanged", file=sys.stderr)
        return status
    return 1 if unmatched else 0


def _manifest(folder: Path) -> bytes | None:
    """The output folder's manifest as it is now (None: none): a generation that swapped the folder in
    wrote a new one."""
    try:
        return (folder / MARKER).read_bytes()
    except OSError:
        return None


def _parses(data: bytes, as_json: bool) -> bool:
    try:
        parse_text(data.decode("utf-8"), as_json)
    except (ValueError, UnicodeDecodeError):
        return False
    return True
