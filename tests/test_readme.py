"""README.md's integration section runs as written: each ```python block between the integration markers is
executed, in order and in one namespace, against a real server on 127.0.0.1, and what it did is checked
on the wire and in what it printed."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

from server import Recorded, Reply

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "golden" / "integration31"))

BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def integration_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- integration:start -->", 1)[1].split("<!-- integration:end -->", 1)[0]
    return BLOCK.findall(section)


def test_the_integration_section_has_its_blocks():
    assert len(integration_blocks()) == 7


def routes(server) -> None:
    tokens = iter(f"tok-{i}" for i in range(1, 100))
    server.route("POST", "/oauth/token", lambda _: Reply(200, {"access_token": next(tokens), "expires_in": 3600}))

    def candidates(request: Recorded) -> Reply:
        cursor = request.query.get("cursor", [None])[0]
        if cursor is None:
            return Reply(200, {"data": [{"id": "c1"}, {"id": "c2"}], "meta": {"next_cursor": "p2"}})
        return Reply(200, {"data": [{"id": "c3"}], "meta": {"next_cursor": None}})

    server.route("GET", "/candidates", candidates)

    def jobs(request: Recorded) -> Reply:
        page = int(request.query.get("page", ["1"])[0])
        return Reply(200, {"jobs": [{"id": f"j{page}"}], "total_pages": 2})

    server.route("GET", "/jobs", jobs)
    server.route("GET", "/v2/jobs", Reply(200, {"jobs": [{"id": "beta-1"}], "total_pages": 1}))
    server.route("POST", "/candidates", Reply(201, {"id": "c9"}))
    server.route("GET", "/exports/candidates", Reply(200, "id,name\nc1,Ada\n", content_type="text/csv"))


def test_every_integration_snippet_runs_against_a_real_server(server, monkeypatch):
    monkeypatch.setenv("INTEGRATION31_BASE_URL", server.url)
    monkeypatch.setenv("INTEGRATION31_TOKEN_URL", f"{server.url}/oauth/token")
    routes(server)
    namespace: dict[str, object] = {"__name__": "readme"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in integration_blocks():
            exec(compile(block, "README.md", "exec"), namespace)
    out = printed.getvalue().splitlines()
    assert out[:5] == [
        "candidate c1",
        "candidate c2",
        "candidate c3",
        "jobs on this page: 1",
        "jobs on this page: 1",
    ]
    assert "first page: 2 more: True" in out and out.count("async candidate c3") == 1
    assert "hook listJobs GET /jobs attempt 0 -> 200" in out and "beta jobs: ['beta-1']" in out
    assert out[-5:] == [
        "webhook: new candidate Ada",
        "webhook refused: the webhook's signature does not match its body",
        "raw: 201 c9",
        "csv: id,name",
        "csv: c1,Ada",
    ]
    sent = [(r.method, r.path, r.headers.get("authorization")) for r in server.requests]
    tokens = [s for s in sent if s[1] == "/oauth/token"]
    assert len(tokens) == 2  # tenant a, tenant b: one each
    assert ("GET", "/jobs", "Bearer tok-1") in sent and ("GET", "/jobs", "Bearer tok-2") in sent
    assert ("GET", "/jobs", "Bearer rotated-token") in sent  # the function, called per request
    audited = [r for r in server.requests if "x-audit" in r.headers]
    assert [r.headers["x-audit"] for r in audited] == ["listJobs"]
    created = next(r for r in server.requests if r.method == "POST" and r.path == "/candidates")
    assert b'"source":"referral"' in created.body.replace(b" ", b"")
