"""Hostile arguments and hostile servers against the command line: ``diff git:REV:path`` never hands git an
option, and ``update-spec --from URL`` bounds the whole download in time and in size (servers on 127.0.0.1
that trickle, or claim a gigabyte), changing nothing on disk when it refuses."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.cli import main
from generator.drift import update

ROOT = Path(__file__).resolve().parent.parent
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1"},
    "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


# -- diff git:REV:path -------------------------------------------------------------------------------


def _diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "diff", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "api.json").write_text(json.dumps(SPEC), encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True, capture_output=True, timeout=60)
    subprocess.run([*git, "add", "."], cwd=repo, check=True, capture_output=True, timeout=60)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True, capture_output=True, timeout=60)
    return repo


def test_a_revision_that_looks_like_an_option_never_reaches_git(repo, tmp_path):
    written = tmp_path / "written-by-git"
    for rev in (f"--output={written}", "-h", "--remote=ext::true", "--exec=true"):
        arg = f"git:{rev}:specs/api.json"
        proc = _diff(repo, arg, "specs/api.json")
        assert proc.returncode == 2, (arg, proc.stderr)
        assert repr(arg) in proc.stderr and "starts with '-'" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not written.exists()  # git archive --output=... never ran
    assert _diff(repo, "git:HEAD:specs/api.json", "specs/api.json").returncode == 0  # a plain revision still works


def test_a_path_that_looks_like_an_option_or_leaves_the_repository_is_refused(repo):
    for arg, why in (
        ("git:HEAD:-specs/api.json", "starts with '-'"),
        ("git:HEAD:--output=x", "starts with '-'"),
        ("git:HEAD:../outside.json", "outside the repository"),
    ):
        proc = _diff(repo, arg, "specs/api.json")
        assert proc.returncode == 2 and repr(arg) in proc.stderr and why in proc.stderr, (arg, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (repo / "x").exists()


def test_a_revision_is_resolved_to_a_commit_and_paths_are_read_literally(repo):
    proc = _diff(repo, "git:HEAD^{tree}:specs/api.json", "specs/api.json")
    assert proc.returncode == 2 and "no commit 'HEAD^{tree}'" in proc.stderr, proc.stderr
    proc = _diff(repo, "git:HEAD~3:specs/api.json", "specs/api.json")
    assert proc.returncode == 2 and "no commit 'HEAD~3'" in proc.stderr, proc.stderr
    magic = repo / ":(glob)x"  # a folder whose name is pathspec magic to git, unless read literally
    magic.mkdir()
    (magic / "api.json").write_text(json.dumps(SPEC), encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "--literal-pathspecs", "add", "."], cwd=repo, check=True, capture_output=True, timeout=60)
    subprocess.run([*git, "commit", "-qm", "magic"], cwd=repo, check=True, capture_output=True, timeout=60)
    proc = _diff(repo, "git:HEAD::(glob)x/api.json", "specs/api.json")
    assert proc.returncode == 0, proc.stderr


def test_check_base_that_looks_like_an_option_never_reaches_git(tmp_path):
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    (project / "specs" / "things.json").write_text(json.dumps(SPEC), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.generator]\noutput = "generated"\n\n[[tool.generator.apis]]\nname = "things"\n'
        'spec = "specs/things.json"\npackage = "things_client"\n',
        encoding="utf-8",
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True, timeout=60)
    written = tmp_path / "written-by-git"
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", f"--base=--output={written}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2 and "starts with '-'" in proc.stderr, proc.stderr
    assert not written.exists()


# -- update-spec --from URL ------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "specs" / "things.json").write_text(json.dumps(SPEC), encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.generator]\noutput = "generated"\n\n[[tool.generator.apis]]\nname = "things"\n'
        'spec = "specs/things.json"\npackage = "things_client"\n',
        encoding="utf-8",
    )
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


Reply = Callable[[socket.socket, threading.Event], None]


@contextmanager
def _server(reply: Reply, bound: float = 8.0) -> Iterator[str]:
    """A raw HTTP server on 127.0.0.1, one connection at a time: it reads the request head, then ``reply``
    writes, checking the event that ends it (set when the test is done, or after ``bound`` seconds)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    timer = threading.Timer(bound, stop.set)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2.0)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        piece = conn.recv(4096)
                        if not piece:
                            break
                        head += piece
                    reply(conn, stop)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    timer.start()
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/openapi.json"
    finally:
        stop.set()
        timer.cancel()
        thread.join(timeout=bound + 5)
        listener.close()


def _trickle(head: bytes, body: bytes, every: float) -> Reply:
    """Send ``head``, then ``body`` a byte at a time, ``every`` seconds apart."""

    def reply(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head)
        for byte in body:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))

    return reply


def _update(project: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    status = main(["update-spec", "things", "--from", url, "--project", str(project)])
    return status, capsys.readouterr().err, time.monotonic() - started


def test_a_trickled_body_cannot_stretch_the_download_past_the_timeout(project, monkeypatch, capsys):
    monkeypatch.setattr(update, "FETCH_TIMEOUT", 1.0)
    before = _tree(project)
    body = json.dumps(SPEC).encode() * 50
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    with _server(_trickle(head, body, every=0.05)) as url:  # a byte every 50 ms: each read is quick
        status, err, took = _update(project, url, capsys)
    assert status == 1 and "did not finish within 1 s" in err, err
    assert took < 3.0, took
    assert _tree(project) == before


def test_trickled_headers_cannot_stretch_the_download_either(project, monkeypatch, capsys):
    monkeypatch.setattr(update, "FETCH_TIMEOUT", 1.0)
    before = _tree(project)
    headers = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Slow-%d: %s\r\n" % (i, b"y" * 50) for i in range(90))
    with _server(_trickle(b"", headers, every=0.01)) as url:
        status, err, took = _update(project, url, capsys)
    assert status == 1 and "did not finish within 1 s" in err, err
    assert took < 3.0, took
    assert _tree(project) == before


def test_a_gigabyte_content_length_is_refused_before_the_body_is_read(project, monkeypatch, capsys):
    monkeypatch.setattr(update, "FETCH_TIMEOUT", 20.0)
    before = _tree(project)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (1 << 30)
    with _server(_trickle(head, b"{" * 100, every=0.05)) as url:  # the server never sends the gigabyte
        status, err, took = _update(project, url, capsys)
    assert status == 2 and f"{1 << 30} bytes declared, more than {update.FETCH_MAX_BYTES}" in err, err
    assert took < 3.0, took
    assert _tree(project) == before


def test_a_body_without_a_length_is_cut_off_at_the_cap(project, monkeypatch, capsys):
    monkeypatch.setattr(update, "FETCH_MAX_BYTES", 64 * 1024)
    before = _tree(project)
    sent: list[int] = []

    def endless(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
        for _ in range(4096):  # 64 MiB at most; the client hangs up long before
            if stop.is_set():
                return
            conn.sendall(chunk)
            sent.append(0x4000)

    with _server(endless) as url:
        status, err, took = _update(project, url, capsys)
    assert status == 2 and f"larger than {64 * 1024} bytes" in err, err
    assert took < 5.0, took
    assert sum(sent) < 64 * 1024 * 1024  # the client stopped reading: the server could not send it all
    assert _tree(project) == before


def test_a_body_cut_short_of_its_content_length_is_not_taken_for_the_document(project, capsys):
    before = _tree(project)
    changed = json.dumps({**SPEC, "info": {"title": "Things", "version": "2"}}).encode() + b"\n"

    def short(conn: socket.socket, stop: threading.Event) -> None:  # a whole JSON document, then a hang-up
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(changed) + 1000) + changed)

    with _server(short) as url:
        status, err, took = _update(project, url, capsys)
    assert status == 1 and f"after {len(changed)} of the {len(changed) + 1000} bytes" in err, err
    assert took < 5.0, took
    assert _tree(project) == before


def test_the_defaults_are_the_documented_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update.FETCH_TIMEOUT == 30.0 and "30 s for the whole download" in readme
    assert update.FETCH_MAX_BYTES == 256 * 1024 * 1024 and "256 MiB" in readme
