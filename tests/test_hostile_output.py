"""The output folder and a generation's processes under hostile conditions.

- ``--out`` is judged from its name, its own entry and its manifest before anything in it is read or any
  spec generated: ``/``, a folder of 100,000 files specgen did not make, a symbolic link, a name ending in
  ``..`` and a folder holding the current one are refused at once, saying what to do; a ``..`` before the
  last part is resolved as the OS resolves it.
- A step that fails after the swap says what the folder holds, never that it was left unchanged; a swap
  that fails puts the previous tree back.
- Two generations into one folder run one after the other; a lock left by a killed one blocks nothing.
- A generation killed with SIGKILL leaves no worker process behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.cli import main
from generator.core import write
from generator.core.write import MARKER, read_tree

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "hrflow.yaml"
BEFORE, AFTER = "by profile id, reference or email.", "by the id, reference or email of the profile."


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def said(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``main(args)`` in this process: its exit code and what it wrote on stderr."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A copy of a configured API's spec, for a test to edit (``_edit``)."""
    copy = tmp_path / "hrflow.yaml"
    text = SPEC.read_text(encoding="utf-8")
    assert BEFORE in text
    copy.write_text(text, encoding="utf-8")
    return copy


def _edit(spec: Path) -> None:
    spec.write_text(spec.read_text(encoding="utf-8").replace(BEFORE, AFTER), encoding="utf-8")


@pytest.fixture
def unread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if the output folder is read (its files, its committed history) or anything is
    generated: a refusal must come before all of it."""
    from generator import cli as command

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"read or generated before the output folder was judged: {args[:1]}")

    for module, name in (
        (write, "read_tree"),
        (command, "previous_tree"),
        (command, "compare"),
        (command, "build_files"),
        (command.history, "committed_tree"),
    ):
        monkeypatch.setattr(module, name, forbidden)


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 100,000 files that specgen did not write."""
    folder = tmp_path_factory.mktemp("crowded") / "data"
    folder.mkdir()
    for i in range(100_000):
        os.close(os.open(folder / f"file{i:06}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    return folder


# -- judged from the manifest, before anything is read -------------------------------------------------


def test_the_root_of_the_file_system_is_refused_before_anything_is_read(tmp_path, monkeypatch, capsys, unread):
    monkeypatch.chdir(tmp_path)
    for command, extra in (("generate", ()), ("generate", ("--force",)), ("check", ())):
        began = time.monotonic()
        code, err = said(capsys, command, "--spec", str(SPEC), "--out", "/", *extra)
        elapsed = time.monotonic() - began
        assert code == 1, err
        assert err == (
            "error: refusing to write /: it is the root of the file system, not an output folder;"
            " choose a new or empty folder\n"
        )
        assert elapsed < 0.5, f"{command}: {elapsed:.3f} s to refuse /"


def test_a_folder_of_100000_files_specgen_did_not_make_is_refused_before_anything_is_read(
    crowded, tmp_path, monkeypatch, capsys, unread
):
    monkeypatch.chdir(tmp_path)
    for command, extra in (("generate", ()), ("generate", ("--force",)), ("check", ())):
        began = time.monotonic()
        code, err = said(capsys, command, "--spec", str(SPEC), "--out", str(crowded), *extra)
        elapsed = time.monotonic() - began
        assert code == 1, err
        assert err == (
            f"error: refusing to write {crowded}: it is not empty and was not made by specgen (it holds no specgen"
            f" manifest, {MARKER}), so replacing it would delete what it holds; choose a new or empty folder"
            " (--force does not change this: it lets generation delete files added by hand to a folder specgen"
            " made)\n"
        )
        assert elapsed < 0.5, f"{command}: {elapsed:.3f} s to refuse a folder of 100,000 files"
    assert len(os.listdir(crowded)) == 100_000


def test_a_refusal_takes_no_longer_than_starting_the_command(crowded, tmp_path):
    # The whole command, as a user runs it: the time to start Python and import the generator, not a
    # time that grows with what the folder holds (a walk of / never ends; of the 100,000 files, seconds).
    began = time.monotonic()
    assert cli("--version", cwd=tmp_path).returncode == 0
    start = time.monotonic() - began
    for out in ("/", str(crowded)):
        began = time.monotonic()
        proc = cli("generate", "--spec", str(SPEC), "--out", out, "--no-cache", cwd=tmp_path, timeout=60)
        elapsed = time.monotonic() - began
        assert proc.returncode == 1 and "refusing to write" in proc.stderr, proc.stderr
        assert elapsed < start + 2.0, f"{out}: refused in {elapsed:.2f} s; starting takes {start:.2f} s"


def test_a_symbolic_link_as_the_output_folder_is_refused_and_left_as_it_is(tmp_path, monkeypatch, capsys, spec):
    monkeypatch.chdir(tmp_path)
    real = tmp_path / "real"
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(real), "--no-cache", "-q")[0] == 0
    before = read_tree(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    _edit(spec)
    for extra in ((), ("--force",)):
        code, err = said(capsys, "generate", "--spec", str(spec), "--out", str(link), "--no-cache", *extra)
        assert code == 1
        assert err == (
            f"error: refusing to write {link}: it is a symbolic link (to {real}), and the swap that replaces the"
            f" output folder would replace the link, not the folder it points to; give that folder ({real})"
            " instead\n"
        )
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert read_tree(real) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hrflow.yaml", "link", "real"]


def test_dot_dot_is_resolved_as_the_os_does_and_a_name_ending_in_it_is_refused(tmp_path, monkeypatch, capsys, spec):
    monkeypatch.chdir(tmp_path)
    here = tmp_path.resolve()
    (tmp_path / "a").mkdir()
    for out, last in (("a/..", ".."), (".", ".")):
        code, err = said(capsys, "generate", "--spec", str(spec), "--out", out, "--no-cache")
        assert code == 1
        assert err == (
            f"error: refusing to write {out}: it ends in {last!r}, so it names {here} without naming it; give the"
            " output folder by its own name\n"
        )
    # Before the last part, '..' goes where the OS takes it: up from where a link leads, not from the link.
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "hop").symlink_to(tmp_path / "x" / "y")
    assert said(capsys, "generate", "--spec", str(spec), "--out", "hop/../b", "--no-cache", "-q")[0] == 0
    assert (tmp_path / "x" / "b" / MARKER).is_file() and not (tmp_path / "b").exists()
    assert said(capsys, "generate", "--spec", str(spec), "--out", "a/../c", "--no-cache", "-q")[0] == 0
    assert (tmp_path / "c" / MARKER).is_file()


def test_the_folder_holding_the_current_one_is_refused(tmp_path, monkeypatch, capsys, spec):
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache", "-q")[0] == 0
    before = read_tree(out)
    _edit(spec)
    inside = out / "hrflow_client"
    monkeypatch.chdir(inside)
    for given in (str(out), ".."):
        code, err = said(capsys, "generate", "--spec", str(spec), "--out", given, "--no-cache")
        assert code == 1
        assert err == (
            f"error: refusing to write {out}: it holds the current folder ({inside}), which replacing it would"
            " pull out from under this process; run specgen from outside it\n"
        ) or (given == ".." and "it ends in '..'" in err)
    assert read_tree(out) == before


# -- what a failure says about the folder ------------------------------------------------------------------


def _history(tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, str | None]]:
    """``out`` generated from ``spec``, then the spec edited; and what generating ``out`` gives now (from
    a copy of it with the same history)."""
    out = tmp_path / "out"
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache", "-q")[0] == 0
    twin = tmp_path / "twin"
    shutil.copytree(out, twin)
    _edit(spec)
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(twin), "--no-cache", "-q")[0] == 0
    expected = read_tree(twin)
    shutil.rmtree(twin)
    return out, expected


_RMTREE = shutil.rmtree


def _failing_after_the_swap(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    """Removing the previous tree (only ever done after the swap) fails with ``failure``."""

    def rmtree(path: object, *args: object, **kwargs: object) -> None:
        if Path(str(path)).name.startswith(".out.") and not kwargs.get("ignore_errors"):
            raise failure
        _RMTREE(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "rmtree", rmtree)


def test_an_error_after_the_swap_says_what_the_folder_holds(tmp_path, monkeypatch, capsys, spec):
    monkeypatch.chdir(tmp_path)
    out, expected = _history(tmp_path, spec, capsys)
    _failing_after_the_swap(monkeypatch, PermissionError(errno.EACCES, "Permission denied"))
    code, err = said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache")
    monkeypatch.setattr(shutil, "rmtree", _RMTREE)
    assert code == 1
    (leftover,) = tmp_path.glob(".out.*")
    assert err == (
        f"error: {out} holds the new generation, but its previous tree, moved to {leftover}, could not be removed"
        f" (Permission denied); delete it (the next generation into {out} does)\n"
    )
    assert read_tree(out) == expected
    # The next generation finds the folder as it should be and clears what was left beside it.
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache", "-q")[0] == 0
    assert read_tree(out) == expected
    assert not list(tmp_path.glob(".out.*"))


def test_an_interrupt_after_the_swap_says_the_folder_holds_the_new_generation(tmp_path, monkeypatch, capsys, spec):
    monkeypatch.chdir(tmp_path)
    out, expected = _history(tmp_path, spec, capsys)
    _failing_after_the_swap(monkeypatch, KeyboardInterrupt())
    code, err = said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache")
    assert code == 130
    assert err == f"generate: interrupted; {out} holds the new generation\n"
    assert read_tree(out) == expected


def test_a_failed_swap_puts_the_previous_tree_back(tmp_path, monkeypatch, capsys, spec):
    # Where the OS cannot exchange two folders in one step, the folder is moved aside and the new tree
    # moved in: when that second move fails, the first is undone before the error is told.
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache", "-q")[0] == 0
    before = read_tree(out)
    _edit(spec)
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    rename = os.rename

    def failing(source: object, target: object, *args: object, **kwargs: object) -> None:
        if Path(str(source)).name.startswith(".out.new-"):
            raise OSError(errno.EIO, "Input/output error")
        rename(source, target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", failing)
    code, err = said(capsys, "generate", "--spec", str(spec), "--out", str(out), "--no-cache")
    assert code == 1
    assert err.endswith(f"; {out} left unchanged\n") and "Input/output error" in err
    assert read_tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hrflow.yaml", "out"]


# -- one generation at a time ---------------------------------------------------------------------------


def test_a_generation_into_a_busy_folder_waits_then_says_it_is_busy(tmp_path, spec):
    out = tmp_path / "out"
    with write.locked(out):
        began = time.monotonic()
        proc = cli("generate", "--spec", str(spec), "--out", str(out), "--no-cache", "--wait", "1", cwd=tmp_path)
        waited = time.monotonic() - began
    assert proc.returncode == 1
    holder = f"process {os.getpid()}"
    assert proc.stderr == (
        f"generate: {out} is being generated by {holder}; waiting for it to end (at most 1 s)\n"
        f"error: {out} is busy: another generation ({holder}) is writing it, and did not end within 1 s; try again"
        " when it has ended, or give --wait more seconds\n"
    )
    assert 1.0 <= waited < 10, waited
    assert not out.exists()
    assert not (tmp_path / ".out.lock").exists()  # let go of, and removed


def test_a_waiting_generation_goes_ahead_when_the_first_ends(tmp_path, spec):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(out), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with write.locked(out):
        proc = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(2.0)
        assert proc.poll() is None  # still waiting
        released = time.monotonic()
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "waiting for it to end (at most 300 s)" in stderr
    assert f"generate: {out} updated" in stdout
    assert time.monotonic() - released < 60
    assert (out / MARKER).is_file()


def test_a_lock_left_by_a_killed_generation_blocks_nothing(tmp_path, spec):
    out = tmp_path / "out"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from pathlib import Path\n"
            "from generator.core.write import locked\n"
            "with locked(Path(sys.argv[1])):\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL
    assert (tmp_path / ".out.lock").is_file()  # left behind, unlocked by the OS
    began = time.monotonic()
    proc = cli("generate", "--spec", str(spec), "--out", str(out), "--no-cache", "--wait", "0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "waiting" not in proc.stderr
    assert time.monotonic() - began < 60
    assert not (tmp_path / ".out.lock").exists()


def _large_spec(path: Path, operations: int) -> None:
    schema = {
        "type": "object",
        "properties": {f"field_{j}": {"type": "string", "description": "A field. " * 20} for j in range(12)},
    }
    paths = {
        f"/things{i}/{{id}}": {
            "get": {
                "operationId": f"getThing{i}",
                "tags": [f"group{i % 40}"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Thing{i}"}}},
                    }
                },
            }
        }
        for i in range(operations)
    }
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Big", "version": "1"},
        "paths": paths,
        "components": {"schemas": {f"Thing{i}": schema for i in range(operations)}},
    }
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document large enough that its generation uses worker processes, for a few seconds."""
    path = tmp_path_factory.mktemp("large") / "big.json"
    _large_spec(path, 5000)
    return path


def test_two_generations_into_one_folder_run_one_after_the_other(tmp_path, large):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "generate", "--spec", str(large), "--out", str(out), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(proc.communicate(timeout=600), proc.returncode) for proc in procs]
    assert [code for _, code in outcomes] == [0, 0], [err for (_, err), _ in outcomes]
    said_ = sorted((stdout.split(" (")[0], "waiting for it to end" in stderr) for (stdout, stderr), _ in outcomes)
    # The second read the folder once the first had written it: nothing left to change.
    assert said_ == [(f"generate: {out} already up to date", True), (f"generate: {out} updated", False)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# -- no worker outlives a killed generation -------------------------------------------------------------


def _children(pid: int) -> dict[int, bytes]:
    """The processes whose parent is ``pid``, with their command lines."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found[int(entry)] = command
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"  # a zombie has ended; only its exit status is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc")
@pytest.mark.parametrize("seen", [1, 2])
def test_a_generation_killed_with_sigkill_leaves_no_worker_behind(tmp_path, large, seen):
    # Killed as soon as its first worker (validation beside the build) has started, then as soon as the
    # second (rendering half the files) has: either would otherwise go on, the second for ever, blocked
    # on sending its result to a process that is gone.
    command = [sys.executable, "-m", "generator", "generate", "--spec", str(large), "--out", "out", "--no-cache", "-q"]
    proc = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    own = b"".join(os.fsencode(part) + b"\0" for part in command)  # a forked worker's command line too
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < seen and proc.poll() is None and time.monotonic() < deadline:
        workers |= {pid for pid, line in _children(proc.pid).items() if line == own}  # forked, not git
        time.sleep(0.002)
    assert len(workers) >= seen, "the generation ended or stalled before starting its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    killed = time.monotonic()
    while any(_alive(pid) for pid in workers) and time.monotonic() - killed < 10:
        time.sleep(0.002)
    took = time.monotonic() - killed
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"worker(s) {left} outlived the killed generation by 10 s"
    assert took < 1.0, f"the workers took {took:.3f} s to end"
