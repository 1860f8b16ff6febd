"""The snippets run as written. README.md's integration section: each ```python block between the
integration markers is executed, in order and in one namespace, against a real server on 127.0.0.1, and
what it did is checked on the wire and in what it printed. Its usage block runs against the three APIs'
mocks, its fixture block as a pytest file of its own, and every block of each generated README against
that API's mock (the configuration block pointed there by the environment variable it names)."""

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
    assert out[-7:] == [
        "webhook: new candidate Ada",
        "webhook refused: the webhook's signature does not match its body",
        "callback: screened c1 True",
        "parsed unchecked: CreateCandidateScreenedEvent",
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


# -- the other snippets: the usage and fixture blocks of README.md, and every generated README --------------


def _section(name: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return BLOCK.findall(text.split(f"<!-- {name}:start -->", 1)[1].split(f"<!-- {name}:end -->", 1)[0])


def _mocks(**env_names: str):
    """The configured APIs' mocks on 127.0.0.1, by name, credentials not enforced."""
    from generator.config import load_project
    from generator.mock.server import MockOptions, MockServer

    stack = contextlib.ExitStack()
    mocks = {}
    for config in load_project(ROOT).apis:
        mocks[config.name] = stack.enter_context(
            MockServer(config.spec, config.overlays, options=MockOptions(require_credentials=False))
        )
    return stack, mocks


def test_the_usage_block_runs_against_the_three_mocks(monkeypatch, tmp_path):
    import kombo_client

    stack, mocks = _mocks()
    with stack:
        for name, env in (
            ("kombo", "KOMBO_BASE_URL"),
            ("hrflow", "HRFLOW_BASE_URL"),
            ("crafter", "CRAFTER_BASE_URL"),
        ):
            monkeypatch.setenv(env, mocks[name].base_url)
        monkeypatch.chdir(tmp_path)
        (tmp_path / "cv.pdf").write_bytes(b"%PDF-1.7 a CV")
        links: list[tuple[str, object]] = []
        # The link Kombo's example returns is on resources.kombo.dev: never fetched here, only recorded.
        monkeypatch.setattr(kombo_client.Kombo, "download", lambda self, url, to: links.append((url, to)) or to)
        (block,) = _section("usage")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, "README.md (usage)", "exec"), {"__name__": "readme"})
    assert printed.getvalue() == "Frank Doe CV.pdf\n"
    assert links == [("https://resources.kombo.dev/EYJjhMQT3LtVKXnTbnRT8s6U", Path("cv.pdf"))]
    assert [len(mocks[n].log) for n in ("kombo", "hrflow", "crafter")] == [1, 3, 4]
    assert all(e["status"] < 300 for m in mocks.values() for e in m.log), [m.log for m in mocks.values()]
    assert (tmp_path / "p.jpg").is_file()


def test_the_fixture_block_runs_as_a_pytest_file(tmp_path):
    import subprocess

    (block,) = _section("fixture")
    (tmp_path / "test_readme_fixture.py").write_text(block)
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    env = {"PYTHONPATH": f"{ROOT}:{ROOT / 'generated' / 'kombo'}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_readme_fixture.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr


def test_every_snippet_of_each_generated_readme_runs_against_its_mock(monkeypatch, tmp_path):
    # In order and in one namespace: the configuration block (pointed at the mock by the environment
    # variable it names), then each operation's call with its documented arguments, the async and the
    # error-handling blocks. In a folder of its own: a snippet may write a file (observations).
    monkeypatch.chdir(tmp_path)
    stack, mocks = _mocks()
    with stack:
        for name, mock in mocks.items():
            readme = (ROOT / "generated" / name / "README.md").read_text(encoding="utf-8")
            blocks = BLOCK.findall(readme)
            named = re.findall(r"or set (\w+)", blocks[0])
            base_env = next(n for n in named if n.endswith(("_BASE_URL", "_SERVER_URL")))
            for env in named:
                monkeypatch.setenv(env, mock.base_url if env == base_env else "readme")
            namespace: dict[str, object] = {"__name__": "readme"}
            with contextlib.redirect_stdout(io.StringIO()):
                for index, block in enumerate(blocks):
                    exec(compile(block, f"generated/{name}/README.md block {index + 1}", "exec"), namespace)
            calls = [b for b in blocks if "= client." in b or "in client." in b]
            assert len(mock.log) == len(calls) and calls, (name, mock.log)
            assert all(e["status"] < 300 for e in mock.log), (name, mock.log)
