"""Servers on operations and path items (OpenAPI's precedence: the operation's ``servers``, else its
path item's, else the document's), over real HTTP: two servers on 127.0.0.1 stand for two hosts, and
each test asserts which of them got which request, path prefix included."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import RecordingServer, Reply

from generator import generate_package
from generator.config import ApiConfig
from generator.core.build_ir import build
from generator.core.load import Spec, load_spec
from generator.core.write import write_tree

ROOT = Path(__file__).resolve().parent.parent
OK: dict[str, Any] = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def _spec(a: int, b: int) -> dict[str, Any]:
    """Document servers main (A, its port and version from variables' defaults) and sandbox (B); a path
    item with a server of its own (B, variables too); an operation with two of its own, named like the
    document's; a token operation and a paged one on B."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Files", "version": "1.0"},
        "servers": [
            {
                "url": "http://127.0.0.1:{port}/{version}",
                "x-sdk-server-name": "main",
                "variables": {"port": {"default": str(a)}, "version": {"default": "2.0", "enum": ["2.0", "2.1"]}},
            },
            {"url": f"http://127.0.0.1:{b}/sandbox/2.0", "x-sdk-server-name": "sandbox"},
        ],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/files/{id}": {
                "get": {
                    "operationId": "getFile",
                    "tags": ["files"],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": OK,
                }
            },
            "/files/content": {
                "servers": [
                    {
                        "url": "http://127.0.0.1:{port}/api/{version}",
                        "description": "Uploads",
                        "variables": {"port": {"default": str(b)}, "version": {"default": "2.0"}},
                    }
                ],
                "post": {"operationId": "uploadFile", "tags": ["files"], "responses": OK},
                "put": {
                    "operationId": "replaceFile",
                    "tags": ["files"],
                    "servers": [
                        {"url": f"http://127.0.0.1:{a}/op-main", "x-sdk-server-name": "main"},
                        {"url": f"http://127.0.0.1:{b}/op-sandbox", "x-sdk-server-name": "sandbox"},
                    ],
                    "responses": OK,
                },
            },
            "/oauth2/token": {
                "post": {
                    "operationId": "createToken",
                    "tags": ["tokens"],
                    "servers": [{"url": f"http://127.0.0.1:{b}/auth/"}],
                    "security": [],
                    "responses": OK,
                }
            },
            "/events": {
                "get": {
                    "operationId": "listEvents",
                    "tags": ["events"],
                    "servers": [{"url": f"http://127.0.0.1:{b}/stream"}],
                    "x-sdk-pagination": {"style": "link", "next": "/next", "items": "/data"},
                    "responses": {
                        "200": {
                            "description": "a page",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "data": {"type": "array", "items": {"type": "string"}},
                                            "next": {"type": ["string", "null"]},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
        },
    }


class Hosts:
    """The two servers, the generated package, and each operation's method path by operationId."""

    def __init__(self, a: RecordingServer, b: RecordingServer, package: Any, calls: dict[str, str], out: Path):
        self.a, self.b, self.package, self.calls, self.out = a, b, package, calls, out

    def routes(self) -> None:
        for srv in (self.a, self.b):
            srv.requests.clear()
            for prefix in ("/2.0", "/sandbox/2.0", "/api/2.0", "/op-main", "/op-sandbox", "/base", "/env"):
                srv.route("GET", prefix + "/files/f1", Reply(200, {"file": "f1"}))
                srv.route("POST", prefix + "/files/content", Reply(200, {"uploaded": True}))
                srv.route("PUT", prefix + "/files/content", Reply(200, {"replaced": True}))
                srv.route("POST", prefix + "/oauth2/token", Reply(200, {"token": "t"}))
            srv.route("POST", "/auth/oauth2/token", Reply(200, {"token": "t"}))

    def seen(self) -> list[tuple[str, str, str]]:
        """(host, method, path) of every request since ``routes``, host A or B."""
        out = [("A", r.method, r.path) for r in self.a.requests] + [("B", r.method, r.path) for r in self.b.requests]
        return sorted(out)


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    with RecordingServer() as a, RecordingServer() as b:
        folder = tmp_path_factory.mktemp("routing")
        spec = folder / "routing.json"
        spec.write_text(json.dumps(_spec(a.port, b.port)), encoding="utf-8")
        result = generate_package(spec, name="routing")
        assert result.ok and result.api is not None, [str(d) for d in result.diagnostics.items]
        write_tree(folder / "out", result.files)
        sys.path.insert(0, str(folder / "out"))
        try:
            package = importlib.import_module("routing_client")
            calls = {op.operation_id.unescaped: op.call_path for op in result.api.operations}
            yield Hosts(a, b, package, calls, folder / "out")
        finally:
            sys.path.remove(str(folder / "out"))
            for name in [m for m in sys.modules if m == "routing_client" or m.startswith("routing_client.")]:
                del sys.modules[name]


def _method(client: Any, call_path: str) -> Any:
    target = client
    for part in call_path.split("."):
        target = getattr(target, part)
    return target


def _call_all(hosts: Hosts, mode: str, **kwargs: Any) -> list[tuple[str, str, str]]:
    """Every operation but the paged one, through a sync or async client made with ``kwargs``; the
    requests the two hosts got."""
    hosts.routes()
    kwargs = {"bearer": "tok", "max_retries": 0, **kwargs}
    ops = [("getFile", ("f1",)), ("uploadFile", ()), ("replaceFile", ()), ("createToken", ())]
    if mode == "sync":
        with hosts.package.Files(**kwargs) as client:
            for op, args in ops:
                _method(client, hosts.calls[op])(*args)
    else:

        async def go() -> None:
            async with hosts.package.AsyncFiles(**kwargs) as client:
                for op, args in ops:
                    await _method(client, hosts.calls[op])(*args)

        asyncio.run(go())
    return hosts.seen()


MODES = ("sync", "async")


@pytest.mark.parametrize("mode", MODES)
def test_each_operation_goes_to_its_own_server_else_its_path_items_else_the_documents(hosts, mode):
    assert _call_all(hosts, mode) == [
        ("A", "GET", "/2.0/files/f1"),  # the document's first server, its variables' defaults applied
        ("A", "PUT", "/op-main/files/content"),  # the operation's own first server, over its path item's
        ("B", "POST", "/api/2.0/files/content"),  # the path item's server, variables applied
        ("B", "POST", "/auth/oauth2/token"),  # the operation's own server (its trailing slash dropped)
    ]


@pytest.mark.parametrize("mode", MODES)
def test_server_picks_the_operations_server_of_that_name_else_its_first(hosts, mode):
    assert _call_all(hosts, mode, server="sandbox") == [
        ("B", "GET", "/sandbox/2.0/files/f1"),
        ("B", "POST", "/api/2.0/files/content"),  # the path item has no "sandbox": its first
        ("B", "POST", "/auth/oauth2/token"),
        ("B", "PUT", "/op-sandbox/files/content"),
    ]
    assert _call_all(hosts, mode, server="main") == _call_all(hosts, mode)


@pytest.mark.parametrize("mode", MODES)
def test_an_explicit_base_url_takes_every_operation(hosts, mode, monkeypatch):
    base = hosts.a.url + "/base"
    assert _call_all(hosts, mode, base_url=base) == [
        ("A", "GET", "/base/files/f1"),
        ("A", "POST", "/base/files/content"),
        ("A", "POST", "/base/oauth2/token"),
        ("A", "PUT", "/base/files/content"),
    ]
    monkeypatch.setenv("ROUTING_BASE_URL", hosts.b.url + "/env")
    assert _call_all(hosts, mode) == [
        ("B", "GET", "/env/files/f1"),
        ("B", "POST", "/env/files/content"),
        ("B", "POST", "/env/oauth2/token"),
        ("B", "PUT", "/env/files/content"),
    ]
    # server= wins over the environment variable, as it does for the document's servers
    assert _call_all(hosts, mode, server="sandbox")[0] == ("B", "GET", "/sandbox/2.0/files/f1")
    assert ("B", "PUT", "/op-sandbox/files/content") in hosts.seen()


def test_with_options_switches_between_a_base_url_and_the_servers(hosts):
    hosts.routes()
    with hosts.package.Files(bearer="tok", base_url=hosts.a.url + "/base") as client:
        _method(client, hosts.calls["uploadFile"])()
        _method(client.with_options(server="sandbox"), hosts.calls["replaceFile"])()
        _method(client.with_raw_response, hosts.calls["uploadFile"])()
    with hosts.package.Files(bearer="tok") as client:
        _method(client.with_options(base_url=hosts.a.url + "/base"), hosts.calls["replaceFile"])()
        _method(client.with_raw_response, hosts.calls["uploadFile"])()
    assert hosts.seen() == [
        ("A", "POST", "/base/files/content"),
        ("A", "POST", "/base/files/content"),
        ("A", "PUT", "/base/files/content"),
        ("B", "POST", "/api/2.0/files/content"),
        ("B", "PUT", "/op-sandbox/files/content"),
    ]


def test_credentials_go_to_an_operations_own_server(hosts):
    hosts.routes()
    with hosts.package.Files(bearer="tok") as client:
        _method(client, hosts.calls["uploadFile"])()
        _method(client, hosts.calls["createToken"])()  # security: [] sends none
    upload, token = hosts.b.requests
    assert upload.headers["authorization"] == "Bearer tok"
    assert "authorization" not in token.headers


@pytest.mark.parametrize("mode", MODES)
def test_next_page_links_on_an_operations_own_server_are_followed(hosts, mode):
    hosts.routes()
    second = hosts.b.url + "/stream/events?page=2"
    hosts.b.route("GET", "/stream/events", [Reply(200, {"data": ["a"], "next": second}), Reply(200, {"data": ["b"]})])
    if mode == "sync":
        with hosts.package.Files(bearer="tok", max_retries=0) as client:
            items = list(_method(client, hosts.calls["listEvents"])())
    else:

        async def go() -> list[str]:
            async with hosts.package.AsyncFiles(bearer="tok", max_retries=0) as client:
                return [item async for item in _method(client, hosts.calls["listEvents"])()]

        items = asyncio.run(go())
    assert items == ["a", "b"]
    assert [(r.path, r.raw_query) for r in hosts.b.requests] == [("/stream/events", ""), ("/stream/events", "page=2")]
    assert hosts.a.requests == []


def test_mypy_strict_accepts_the_client(hosts, tmp_path):
    usage = (
        "from routing_client import AsyncFiles, Files\n\n\n"
        "def use() -> None:\n"
        '    with Files(bearer="t", server="sandbox") as client:\n'
        '        client.with_options(base_url="http://127.0.0.1:9/x").with_options(server="main")\n'
        '    AsyncFiles(bearer=lambda: "t")\n'
    )
    (tmp_path / "usage.py").write_text(usage, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(hosts.out)}
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
    ]
    proc = subprocess.run(
        [*args, str(hosts.out / "routing_client"), str(tmp_path / "usage.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


# --- what the generator says -----------------------------------------------------------------------


def _generate(tmp_path: Path, doc: dict[str, Any]) -> Any:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    return generate_package(spec, name="said")


def _doc(paths: dict[str, Any], servers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Said", "version": "1"},
        "servers": servers if servers is not None else [{"url": "https://api.example.com/2.0"}],
        "paths": paths,
    }


def _servers_of(result: Any) -> dict[str, list[tuple[str, str]]]:
    return {op.operation_id.unescaped: [(s.name, s.url.unescaped) for s in op.servers] for op in result.api.operations}


def test_unusable_operation_servers_are_skipped_with_a_warning_and_the_next_level_applies(tmp_path):
    result = _generate(
        tmp_path,
        _doc(
            {
                "/a": {
                    "servers": [{"url": "https://upload.example.com/api/{version}"}],  # undefined: skipped
                    "get": {
                        "operationId": "a",
                        "servers": [{"url": "/relative"}],  # relative to a file: skipped
                        "responses": OK,
                    },
                },
                "/b": {
                    "servers": [{"url": "https://upload.example.com/api/2.0"}],
                    "get": {"operationId": "b", "servers": [], "responses": OK},  # empty: the path item's
                },
                "/c": {
                    "get": {"operationId": "c", "servers": [{"url": "https://api.example.com/2.0"}], "responses": OK}
                },
            }
        ),
    )
    said = sorted((d.code, d.pointer, d.level) for d in result.diagnostics.items if d.code.startswith(("W51", "I51")))
    assert said == [
        ("I514", "/paths/~1b/get/servers", "info"),
        ("W510", "/paths/~1a/servers/0/url", "warning"),
        ("W511", "/paths/~1a/get/servers/0/url", "warning"),
    ]
    assert "the path item's (else the document's) servers apply" in next(
        d.message for d in result.diagnostics.items if d.code == "W511"
    )
    # a: nothing usable on the operation or its path item, so the document's; c repeats the document's
    assert _servers_of(result) == {"a": [], "b": [("upload", "https://upload.example.com/api/2.0")], "c": []}
    assert "operation_servers" in result.files["said_client/client.py"]


def test_an_operation_without_a_counterpart_of_a_document_server_is_noted(tmp_path):
    servers = [
        {"url": "https://api.example.com/2.0", "description": "Production"},
        {"url": "https://sandbox.example.com/2.0", "description": "Sandbox"},
    ]
    paths = {
        "/up": {
            "post": {
                "operationId": "up",
                "servers": [
                    {"url": "https://upload.example.com/2.0", "description": "Production uploads"},
                    {"url": "https://upload.sandbox.example.com/2.0", "description": "Sandbox uploads"},
                ],
                "responses": OK,
            }
        },
        "/only": {"post": {"operationId": "only", "servers": [{"url": "https://up.example.com/"}], "responses": OK}},
    }
    result = _generate(tmp_path, _doc(paths, servers))
    # named as the document's servers are: the same words pick the same names
    assert _servers_of(result)["up"] == [
        ("production", "https://upload.example.com/2.0"),
        ("sandbox", "https://upload.sandbox.example.com/2.0"),
    ]
    noted = [(d.code, d.pointer, d.message) for d in result.diagnostics.items if d.code == "I513"]
    assert noted == [
        (
            "I513",
            "/paths/~1only/post/servers",
            "none of these servers is named like the document's production, sandbox: with server='production'"
            " or server='sandbox' the operation goes to its first, https://up.example.com/",
        )
    ]


def test_a_relative_server_url_is_resolved_against_the_documents_url(tmp_path):
    root = "https://docs.example.com/apis/files/openapi.json"
    data = _doc(
        {
            "/up": {"post": {"operationId": "up", "servers": [{"url": "/upload/2.0"}], "responses": OK}},
            "/near": {"post": {"operationId": "near", "servers": [{"url": "v2"}], "responses": OK}},
        }
    )
    spec = Spec(root=root, documents={root: data}, labels={root: "openapi.json"})
    api, diags = build(spec, ApiConfig(name="said", spec=tmp_path / "openapi.json"))
    assert api is not None
    got = {op.operation_id.unescaped: [s.url.unescaped for s in op.servers] for op in api.operations}
    assert got == {"up": ["https://docs.example.com/upload/2.0"], "near": ["https://docs.example.com/apis/files/v2"]}
    assert [(d.code, d.pointer) for d in diags.items if d.code == "I512"] == [
        ("I512", "/paths/~1up/post/servers/0/url"),
        ("I512", "/paths/~1near/post/servers/0/url"),
    ]


def test_the_generated_readme_lists_the_operations_with_servers_of_their_own(hosts):
    readme = (hosts.out / "README.md").read_text(encoding="utf-8")
    assert "4 operation(s) have servers of their own" in readme
    assert f"- `{hosts.calls['uploadFile']}`: http://127.0.0.1:{hosts.b.port}/api/2.0\n" in readme
    assert (
        f"- `{hosts.calls['replaceFile']}`: http://127.0.0.1:{hosts.a.port}/op-main (`main`),"
        f" http://127.0.0.1:{hosts.b.port}/op-sandbox (`sandbox`)\n"
    ) in readme


# --- the mock --------------------------------------------------------------------------------------


def test_the_mock_serves_operations_with_servers_of_their_own_under_its_one_base_url(tmp_path, monkeypatch):
    from generator.mock.server import MockServer

    doc = _doc(
        {
            "/files/{id}": {
                "get": {
                    "operationId": "getFile",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": OK,
                }
            },
            "/files/content": {
                "post": {
                    "operationId": "uploadFile",
                    "servers": [{"url": "https://upload.example.com/api/2.0"}],
                    "responses": OK,
                }
            },
        }
    )
    spec = tmp_path / "mocked.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    result = generate_package(spec, name="mocked")
    assert result.ok and result.api is not None
    write_tree(tmp_path / "out", result.files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    package = importlib.import_module("mocked_client")
    calls = {op.operation_id.unescaped: op.call_path for op in result.api.operations}
    with MockServer(spec) as mock:
        assert mock.base_url == mock.url + "/2.0"  # the document's server path
        with package.Said(base_url=mock.base_url, max_retries=0) as client:
            _method(client, calls["uploadFile"])()
            _method(client, calls["getFile"])("f1")
        assert [(e["method"], e["path"], e["status"]) for e in mock.log] == [
            ("POST", "/2.0/files/content", 200),
            ("GET", "/2.0/files/f1", 200),
        ]
        # the operation's own server path is not served: one base URL serves every operation
        assert httpx.post(mock.url + "/api/2.0/files/content", timeout=10).status_code == 404


def test_the_generated_modules_are_as_black_writes_them(hosts, tmp_path):
    import black

    from generator.core import format as fmt
    from generator.core import render

    long_url = "https://uploads.example.com/" + "x" * 90
    doc = _spec(hosts.a.port, hosts.b.port)
    doc["paths"]["/events"]["get"]["servers"] = [{"url": long_url}]  # one server, a line too long
    for name, data in (("routing", _spec(hosts.a.port, hosts.b.port)), ("long", doc)):
        spec = tmp_path / f"{name}.json"
        spec.write_text(json.dumps(data), encoding="utf-8")
        config = ApiConfig(name=name, spec=spec)
        api, _ = build(load_spec(spec), config)
        assert api is not None
        files = {p: t for p, t in render.render(api).items() if "/resources/" in p or p.endswith("client.py")}
        assert any("servers=((" in t for t in files.values()) and any("servers=(\n" in t for t in files.values())
        ours = fmt.format_files(files)
        for path, text in files.items():
            assert ours[path] == black.format_str(text, mode=fmt.black_mode()), path
