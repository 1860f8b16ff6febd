"""What real vendor documents and servers do, read as HTTP and OpenAPI mean it, against real servers on
127.0.0.1 (sync and async):

- a 429 or 503 without ``Retry-After`` that says when its rate limit resets, in the IETF ``RateLimit`` /
  ``RateLimit-Reset`` fields or the vendors' ``X-RateLimit-Reset`` (delta seconds, or the time of the
  reset in epoch seconds or milliseconds): the retry waits for the reset, within ``max_retry_after``;
- a download documented only as a redirect (a ``302`` with a ``Location``, no 2xx): the method returns
  what the redirect leads to, as a download does (bytes, or streamed to ``to=``), and credentials stay on
  the API's origin.

The package is generated from the spec below with the templates as they are, so the runtime under test is
the one in ``templates/runtime``."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import through
from server import Recorded, RecordingServer, Reply

SPEC = """\
openapi: 3.1.0
info: {title: Real Documents, version: 1.0.0}
servers:
  - url: https://api.example.com
security:
  - bearer: []
    apiKey: []
    queryKey: []
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
                  items: {type: array, items: {type: string}}
        "429": {description: Too many requests.}
  /files/{file_id}/content:
    get:
      operationId: downloadFile
      summary: Download file
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
      responses:
        "302":
          description: The file is at the URL in Location.
          headers:
            Location: {schema: {type: string, format: uri}}
        default:
          description: An error.
          content:
            application/json:
              schema:
                type: object
                properties:
                  message: {type: string}
    head:
      operationId: checkFile
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
      responses:
        "302": {description: The file is at the URL in Location.}
  /files/{file_id}:
    put:
      operationId: replaceFile
      parameters:
        - {name: file_id, in: path, required: true, schema: {type: string}}
      responses:
        "307": {description: Send the same request to the URL in Location.}
  /exports:
    post:
      operationId: createExport
      responses:
        "303": {description: The export is at the URL in Location.}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    queryKey: {type: apiKey, in: query, name: key}
"""

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the generator, when pytest runs without ``python -m``

TOKEN = "rd-TOKEN-0123456789abcdef"
KEY = "rd-KEY-fedcba9876543210"
QUERY_KEY = "rd-QKEY-5555aaaa5555"
ITEMS = {"items": ["a", "b"]}
BLOB = bytes(range(256)) * 300  # 76,800 bytes, every byte value
BLOB_MD5 = hashlib.md5(BLOB).hexdigest()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Any:
    """(generation result, output folder) of ``SPEC``."""
    from generator import Speed, generate_package
    from generator.core.write import write_tree

    root = tmp_path_factory.mktemp("real_documents")
    spec = root / "real_documents.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    result = generate_package(spec, name="real_documents", speed=Speed(cache=None, workers=False))
    assert result.ok, [str(d) for d in result.diagnostics.errors]
    write_tree(root / "out", result.files)
    return result, root / "out"


@pytest.fixture(scope="module")
def package(generated) -> Any:
    out = str(generated[1])
    sys.path.insert(0, out)
    try:
        yield importlib.import_module("real_documents_client")
    finally:
        sys.path.remove(out)
        for name in [m for m in sys.modules if m.split(".")[0] == "real_documents_client"]:
            del sys.modules[name]


@pytest.fixture(params=["sync", "async"])
def mode(request) -> str:
    return request.param


def call(package, mode: str, url: str, method: Callable[[Any], Any], **client: Any) -> Any:
    """``method(client)`` through a fresh sync or async client of ``url``; an exception is returned."""
    kwargs = {"bearer": TOKEN, "api_key": KEY, "query_key": QUERY_KEY, "base_url": url, **client}
    try:
        return through(mode, package.RealDocuments, package.AsyncRealDocuments, kwargs, method)
    except Exception as exc:  # the tests look at what was raised
        return exc


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


def served_at(replies: list[Reply]) -> tuple[Callable[[Recorded], Reply], list[float]]:
    """A route serving ``replies`` in order (the last one repeats), and when each request arrived."""
    arrived: list[float] = []

    def handle(_: Recorded) -> Reply:
        arrived.append(time.monotonic())
        return replies[min(len(arrived), len(replies)) - 1]

    return handle, arrived


# -- rate limits: waiting for the reset ------------------------------------------------------------------


@pytest.fixture
def waits(package, monkeypatch) -> list[float]:
    """The waits between attempts, recorded instead of slept (the sync client's ``time.sleep``, the async
    client's ``anyio.sleep``): a reset 30 s away is checked in no time."""
    import anyio

    recorded: list[float] = []
    real = package._runtime.time

    class RecordedTime:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def sleep(self, seconds: float) -> None:
            recorded.append(seconds)

    async def sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(package._runtime, "time", RecordedTime())
    monkeypatch.setattr(anyio, "sleep", sleep)
    return recorded


def in_seconds(seconds: float) -> str:
    return str(int(time.time() + seconds))


def in_milliseconds(seconds: float) -> str:
    return str(int((time.time() + seconds) * 1000))


RESETS = [
    ({"RateLimit-Reset": "30"}, 30.0),
    ({"RateLimit": "limit=100, remaining=0, reset=30"}, 30.0),  # draft-ietf-httpapi-ratelimit-headers-07
    ({"RateLimit": '"default";r=0;t=30'}, 30.0),  # the structured field of the later drafts
    ({"RateLimit": '"day";r=4000;t=40000, "burst";r=0;t=30'}, 30.0),  # the policy that ran out
    ({"RateLimit": "limit=100, remaining=0, reset=30", "RateLimit-Reset": "30"}, 30.0),
    ({"X-RateLimit-Reset": "30"}, 30.0),  # delta seconds
    ({"X-RateLimit-Reset": "30", "X-RateLimit-Remaining": "0"}, 30.0),
    ({"X-RateLimit-Reset": lambda: in_seconds(30)}, 30.0),  # epoch seconds (GitHub, Twitter)
    ({"X-RateLimit-Reset": lambda: in_milliseconds(30)}, 30.0),  # epoch milliseconds
    ({"Retry-After": "NaN", "RateLimit-Reset": "30"}, 30.0),  # a Retry-After that means nothing is absent
]


def headers_of(given: dict[str, Any]) -> dict[str, str]:
    return {k: v() if callable(v) else v for k, v in given.items()}


@pytest.mark.parametrize(("status", "given", "wanted"), [(429, *r) for r in RESETS] + [(503, *RESETS[0])])
def test_a_rate_limited_response_is_retried_when_its_limit_resets(package, mode, waits, status, given, wanted):
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(status, {}, headers=headers_of(given)), Reply(200, ITEMS)])
        res = call(package, mode, srv.url, lambda c: c.items.list())
        assert srv.count("GET", "/items") == 2
    assert res.items == ["a", "b"]
    assert len(waits) == 1 and wanted - 1.5 <= waits[0] <= wanted


@pytest.mark.parametrize(
    "given",
    [{"RateLimit-Reset": "1"}, {"X-RateLimit-Reset": lambda: in_milliseconds(1)}],
    ids=["ratelimit-reset", "x-ratelimit-reset-epoch-ms"],
)
def test_the_wait_for_a_reset_measured_on_the_wire(package, mode, given):
    # Without it the client came back after its backoff (0.4 to 0.5 s), still inside the window.
    with RecordingServer() as srv:
        handle, arrived = served_at([Reply(429, {}, headers=headers_of(given)), Reply(200, ITEMS)])
        srv.route("GET", "/items", handle)
        res = call(package, mode, srv.url, lambda c: c.items.list())
    assert res.items == ["a", "b"] and len(arrived) == 2
    assert 0.9 <= arrived[1] - arrived[0] < 2.5


@pytest.mark.parametrize(
    "given",
    [
        {"RateLimit-Reset": "120"},
        {"RateLimit": "limit=100, remaining=0, reset=120"},
        {"RateLimit": '"default";r=0;t=120'},
        {"X-RateLimit-Reset": lambda: in_milliseconds(120)},
    ],
)
def test_a_reset_beyond_the_cap_is_raised_at_once_with_retry_after(package, mode, given):
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(429, {}, headers=headers_of(given)), Reply(200, ITEMS)])
        exc, elapsed = timed(lambda: call(package, mode, srv.url, lambda c: c.items.list()))
        assert srv.count("GET", "/items") == 1
    assert isinstance(exc, package.RateLimitError) and elapsed < 1
    assert exc.retry_after is not None and 119 <= exc.retry_after <= 120


def test_the_policy_cap_decides_how_long_a_reset_may_be_waited_for(package, mode, waits):
    patient = package.RetryPolicy(max_retry_after=300.0)
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(429, {}, headers={"RateLimit-Reset": "120"}), Reply(200, ITEMS)])
        res = call(package, mode, srv.url, lambda c: c.items.list(retry_policy=patient))
    assert res.items == ["a", "b"] and waits == [120.0]


def test_retry_after_keeps_precedence_over_a_reset(package, mode, waits):
    given = {"Retry-After": "2", "RateLimit-Reset": "30", "X-RateLimit-Reset": "40"}
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(429, {}, headers=given), Reply(200, ITEMS)])
        res = call(package, mode, srv.url, lambda c: c.items.list())
    assert res.items == ["a", "b"] and waits == [2.0]


@pytest.mark.parametrize(
    ("status", "given"),
    [
        (429, {"X-RateLimit-Reset": "30", "X-RateLimit-Remaining": "7"}),  # not the limit it ran into
        (429, {"RateLimit-Reset": "30", "RateLimit-Remaining": "7"}),
        (429, {"RateLimit": '"default";r=7;t=30'}),
        (500, {"X-RateLimit-Reset": "30", "X-RateLimit-Remaining": "0"}),  # a 500 is not a rate limit
    ],
)
def test_a_reset_that_does_not_explain_the_failure_is_not_waited_for(package, mode, waits, status, given):
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(status, {}, headers=given), Reply(200, ITEMS)])
        res = call(package, mode, srv.url, lambda c: c.items.list())
    assert res.items == ["a", "b"] and len(waits) == 1 and waits[0] <= 0.5  # the ordinary backoff


NONSENSE = [
    {"X-RateLimit-Reset": value}
    for value in [
        "NaN",
        "-5",
        "inf",
        "1e308",
        "99999999999999999999",
        "123456",  # too far for a delay, too early for a time
        "tomorrow",
        " ",
        "0x1e",
        "30, 30",
    ]
] + [
    {"X-RateLimit-Reset": lambda: in_seconds(3 * 86400)},
    {"X-RateLimit-Reset": lambda: in_milliseconds(3 * 86400)},
    {"X-RateLimit-Reset": lambda: in_seconds(-3 * 86400)},
    {"RateLimit-Reset": "NaN"},
    {"RateLimit-Reset": "-1"},
    {"RateLimit": "limit=100, remaining=0, reset=NaN"},
    {"RateLimit": '"default";r=0;t=-3'},
    {"RateLimit": '"default";r=0;t=1e400'},
    {"RateLimit": '"default";r=0;t'},
    {"RateLimit": "reset=, =, ;;; ,,, r=0;t=;"},
    {"RateLimit": '"' * 1000 + ";t=" * 1000},
]


@pytest.mark.parametrize("given", NONSENSE)
def test_a_reset_that_means_nothing_is_ignored_never_raised(package, mode, waits, given):
    with RecordingServer() as srv:
        srv.route("GET", "/items", [Reply(429, {}, headers=headers_of(given)), Reply(200, ITEMS)])
        res = call(package, mode, srv.url, lambda c: c.items.list())
        assert res.items == ["a", "b"] and len(waits) == 1 and waits[0] <= 0.5
        srv.route("GET", "/items", Reply(429, {}, headers=headers_of(given)))
        exc = call(package, mode, srv.url, lambda c: c.items.list(), max_retries=0)
    assert isinstance(exc, package.RateLimitError) and exc.retry_after is None


# -- a download documented only as a redirect --------------------------------------------------------------


@pytest.fixture
def cdn():
    """A second server: another origin (another port) than the API's."""
    with RecordingServer() as srv:
        yield srv


def redirect_to(server, cdn, path: str = "/blob/f1?sig=s%2Fx", reply: Reply | None = None) -> None:
    server.route("GET", "/files/f1/content", Reply(302, None, headers={"Location": cdn.url + path}))
    cdn.route("GET", path.split("?")[0], reply or Reply(200, BLOB, content_type="application/octet-stream"))


def test_the_redirect_only_download_is_a_download_with_an_info(generated):
    result, _ = generated
    said = {(d.code, d.pointer): d for d in result.diagnostics.items}
    info = said[("I422", "/paths/~1files~1{file_id}~1content/get/responses")]
    assert info.level == "info" and "redirect" in info.message
    assert ("I422", "/paths/~1exports/post/responses") in said  # 303: the export is fetched with a GET
    assert ("I422", "/paths/~1files~1{file_id}~1content/head/responses") not in said  # no body to return
    assert ("I422", "/paths/~1files~1{file_id}/put/responses") not in said  # 307 repeats the PUT elsewhere
    assert not any(code == "W420" and "content/get" in pointer for code, pointer in said)


def test_the_method_has_the_shape_of_a_download(package):
    import inspect

    from real_documents_client.resources.exports import AsyncExportsResource, ExportsResource
    from real_documents_client.resources.files import AsyncFilesResource, FilesResource

    # POST /exports is client.exports.create (an untagged operation goes in the resource its first path
    # segment names, alone or not), no longer client.create_export.
    for exports, files in ((ExportsResource, FilesResource), (AsyncExportsResource, AsyncFilesResource)):
        method = files.download
        assert {"to", "expected_size", "md5"} <= set(inspect.signature(method).parameters)
        assert "to" in inspect.signature(exports.create).parameters
        assert "to" not in inspect.signature(files.check).parameters
        assert "to" not in inspect.signature(files.replace).parameters
        assert "302" not in (method.__doc__ or "")  # a redirect followed is not an error it raises


def test_a_redirect_only_download_returns_the_bytes_it_leads_to(package, mode, server, cdn):
    redirect_to(server, cdn)
    data = call(package, mode, server.url, lambda c: c.files.download("f1"))
    assert type(data) is bytes and data == BLOB
    assert server.count("GET", "/files/f1/content") == 1 and cdn.count("GET", "/blob/f1") == 1


def test_credentials_never_reach_the_other_origin(package, mode, server, cdn):
    redirect_to(server, cdn)
    call(package, mode, server.url, lambda c: c.files.download("f1"))
    asked, fetched = server.last(), cdn.last()
    assert asked.headers["authorization"] == f"Bearer {TOKEN}" and asked.headers["x-api-key"] == KEY
    assert asked.query["key"] == [QUERY_KEY]
    assert fetched.path == "/blob/f1" and fetched.raw_query == "sig=s%2Fx"  # the link's own query, as given
    assert {"authorization", "x-api-key", "cookie", "proxy-authorization"}.isdisjoint(fetched.headers)
    assert fetched.headers["host"] == f"127.0.0.1:{cdn.port}" and fetched.headers["accept"] == "*/*"
    wire = repr(fetched.headers) + fetched.raw_query
    assert TOKEN not in wire and KEY not in wire and QUERY_KEY not in wire


def test_a_redirect_on_the_same_origin_keeps_the_credentials(package, mode, server):
    server.route("GET", "/files/f1/content", Reply(302, None, headers={"Location": "/storage/f1"}))
    server.route("GET", "/storage/f1", Reply(200, BLOB, content_type="application/octet-stream"))
    data = call(package, mode, server.url, lambda c: c.files.download("f1"))
    assert data == BLOB
    stored = server.last()
    assert stored.path == "/storage/f1" and stored.headers["authorization"] == f"Bearer {TOKEN}"


def test_to_a_path_streams_past_the_memory_limit_and_writes_atomically(package, mode, server, cdn, tmp_path):
    redirect_to(server, cdn)
    target = tmp_path / "file.bin"
    got = call(package, mode, server.url, lambda c: c.files.download("f1", to=target), max_response_bytes=1024)
    assert got is target and target.read_bytes() == BLOB
    assert os.listdir(tmp_path) == ["file.bin"]  # no .part file left behind
    # In memory the same body is held to max_response_bytes, as for any download.
    exc = call(package, mode, server.url, lambda c: c.files.download("f1"), max_response_bytes=1024)
    assert isinstance(exc, package.ResponseTooLargeError)


def test_to_a_binary_file_returns_it(package, mode, server, cdn):
    redirect_to(server, cdn)
    out = io.BytesIO()
    got = call(package, mode, server.url, lambda c: c.files.download("f1", to=out))
    assert got is out and out.getvalue() == BLOB


def test_the_file_is_checked_as_a_download_is(package, mode, server, cdn, tmp_path):
    md5_header = base64.b64encode(hashlib.md5(BLOB).digest()).decode()
    sent = Reply(200, BLOB, content_type="application/octet-stream", headers={"Content-MD5": md5_header})
    redirect_to(server, cdn, reply=sent)
    target = tmp_path / "file.bin"
    assert call(package, mode, server.url, lambda c: c.files.download("f1", to=target, md5=BLOB_MD5)) == target
    target.unlink()
    exc = call(package, mode, server.url, lambda c: c.files.download("f1", to=target, md5="0" * 32))
    assert isinstance(exc, package.DownloadIntegrityError) and not target.exists()
    exc = call(package, mode, server.url, lambda c: c.files.download("f1", to=target, expected_size=len(BLOB) + 1))
    assert isinstance(exc, package.DownloadIntegrityError) and os.listdir(tmp_path) == []


def test_an_error_where_the_redirect_leads_is_raised(package, mode, server, cdn):
    redirect_to(server, cdn, reply=Reply(404, {"message": "gone"}))
    exc = call(package, mode, server.url, lambda c: c.files.download("f1"))
    assert isinstance(exc, package.NotFoundError) and exc.status_code == 404


USAGE = """
import io
from pathlib import Path

from real_documents_client import AsyncRealDocuments, RealDocuments


def use(client: RealDocuments) -> int:
    data: bytes = client.files.download("f1")
    path: Path = client.files.download("f1", to=Path("file.bin"), md5="0" * 32)
    buffer: io.BytesIO = client.files.download("f1", to=io.BytesIO(), expected_size=3)
    return len(data) + len(str(path)) + buffer.tell()


async def use_async(client: AsyncRealDocuments) -> int:
    data: bytes = await client.files.download("f1")
    path: Path = await client.files.download("f1", to=Path("file.bin"))
    return len(data) + len(str(path))
"""


def test_mypy_strict_sees_the_download_types(generated, tmp_path):
    out = generated[1]
    (tmp_path / "usage.py").write_text(USAGE, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(out)}
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
    ]
    args += [str(out / "real_documents_client"), str(tmp_path / "usage.py")]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
