"""The command as a user meets it: ``specgen`` installed from a wheel and run from another folder, its
version, diagnostics said once per problem with a count per code, Ctrl-C in one line with the output
untouched, and a file someone added to a generated folder kept (the write refused) unless ``--force``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import __version__
from generator.core.write import read_tree

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def test_the_specgen_command_installs_from_the_repository_and_runs_anywhere(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("specgen-*.whl")
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    command = site / "bin" / "specgen"
    assert command.is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = elsewhere / "jobs.yaml"
    spec.write_text((ROOT / "specs" / "hrflow.yaml").read_text())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(site)}

    def specgen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(command), *args], cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env
        )

    version = specgen("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"specgen {__version__}"
    made = specgen("generate", "--spec", "jobs.yaml", "--out", "out/jobs", "-q")
    assert made.returncode == 0, made.stderr
    assert (elsewhere / "out/jobs/jobs_client/client.py").is_file()
    where = subprocess.run(
        [sys.executable, "-c", "import generator, sys; print(generator.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert where.stdout.startswith(str(site))  # the installed copy ran, with its own templates


def test_each_subcommand_has_its_own_help():
    validate = cli("validate", "--help").stdout
    assert "validate this spec instead" in validate and "--out" not in validate and "--no-cache" not in validate
    mock = cli("mock", "--help").stdout
    assert "default 8000" in mock and "Overlay 1.0 document" in mock
    assert "--force" in cli("generate", "--help").stdout
    refused = cli("generate", "--out", "somewhere")
    assert refused.returncode == 2 and "--out needs --spec" in refused.stderr


def _colliding_spec(path: Path, copies: int) -> None:
    """Two enums whose values spell the same member name ``copies`` times over: two problems (one per
    enum, however many members collide), said on one line."""
    values = [f"v-{'-' * i}x" for i in range(copies)]
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Enums", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {"Mode": {"type": "string", "enum": values}, "Kind": {"type": "string", "enum": values[::-1]}}
        },
    }
    path.write_text(json.dumps(spec))


def test_diagnostics_are_said_once_per_problem_with_a_count_per_code(tmp_path):
    spec = tmp_path / "enums.json"
    _colliding_spec(spec, 12)
    grouped = cli("generate", "--spec", str(spec), "--out", str(tmp_path / "out"))
    assert grouped.returncode == 0, grouped.stderr
    lines = grouped.stderr.splitlines()
    said = [line for line in lines if "warning[W310]" in line]
    assert len(said) == 1
    assert "11 enum member name(s) collide, renamed: 'V_X' -> 'V_X_2'" in said[0] and "and 8 more" in said[0]
    assert "(and 1 more like it; -v lists each)" in said[0]
    assert lines[-1] == "enums: 2 warnings (W310)"
    # -v into a folder of its own: a first generation, as the one above was. Into "out" it would read the
    # names.lock.json the first one wrote, whose held member names no longer collide (a W310 is said only
    # where a name is renamed, README "What a vendor change can and cannot do to names").
    each = cli("generate", "--spec", str(spec), "--out", str(tmp_path / "out-v"), "-v", "--no-cache")
    assert len([line for line in each.stderr.splitlines() if "warning[W310]" in line]) == 2
    assert cli("generate", "--spec", str(spec), "--out", str(tmp_path / "out"), "-q").stderr == ""


def _large_spec(path: Path, operations: int) -> None:
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
    schemas = {
        f"Thing{i}": {
            "type": "object",
            "properties": {f"field_{j}": {"type": "string", "description": "A field. " * 20} for j in range(12)},
        }
        for i in range(operations)
    }
    path.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "Big", "version": "1"},
                "paths": paths,
                "components": {"schemas": schemas},
            }
        )
    )


def test_ctrl_c_is_one_line_exit_130_and_the_output_untouched(tmp_path):
    spec = tmp_path / "big.json"
    _large_spec(spec, 1500)
    out = tmp_path / "out"
    assert cli("generate", "--spec", str(spec), "--out", str(out), "-q", "--no-cache").returncode == 0
    before = read_tree(out)
    spec.write_text(spec.read_text().replace("A field.", "A field of a thing."))
    interrupted = 0
    for delay in (0.5, 1.0, 1.5, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(out), "-q", "--no-cache"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # the whole group gets the signal, as a terminal's Ctrl-C does
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        if proc.returncode == 0:
            continue  # finished before the signal
        interrupted += 1
        assert proc.returncode == 130, stderr
        assert stderr == f"generate: interrupted; {out} left unchanged\n"
        assert read_tree(out) == before
    assert interrupted


@pytest.mark.parametrize("force", [False, True])
def test_a_file_added_to_a_generated_folder_is_kept_unless_forced(tmp_path, force):
    out = tmp_path / "out"
    spec = ROOT / "specs" / "hrflow.yaml"
    assert cli("generate", "--spec", str(spec), "--out", str(out), "-q").returncode == 0
    mine = out / "hrflow_client" / "my_helpers.py"
    mine.write_text("def helper(): ...\n")
    again = cli("generate", "--spec", str(spec), "--out", str(out), "--no-cache", *(["--force"] if force else []))
    if force:
        assert again.returncode == 0 and not mine.exists()
        return
    assert again.returncode == 1
    assert f"{mine}: not written by specgen" in again.stderr and "--force" in again.stderr
    assert mine.read_text() == "def helper(): ...\n"


def test_messages_say_what_where_and_what_to_do(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text('openapi: 3.0.3\ninfo:\n  title: "unclosed\n  version: 1\npaths: {}\n')
    said = cli("validate", "--spec", str(broken)).stderr
    # where PyYAML gave up (the end), and the line it names as the cause (the open quote)
    assert "invalid YAML at line 6, column 1: found unexpected end of stream" in said
    assert "(while scanning a quoted scalar at line 3, column 10)" in said
    sequence = cli("mock", "kombo", "--port", "0", "--sequence", "GET /nope=503", timeout=60)
    assert sequence.returncode == 2 and "--sequence 'GET /nope': no operation" in sequence.stderr
    external = cli("mock", "kombo", "--host", "0.0.0.0", timeout=60)
    assert external.returncode == 2 and "--allow-external" in external.stderr
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = cli("mock", "kombo", "--port", str(port), timeout=60)
    assert busy.returncode == 2 and f"port {port} on 127.0.0.1 is in use" in busy.stderr


def test_update_spec_names_a_format_that_does_not_fit_the_spec_file(tmp_path):
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    import yaml

    data = yaml.safe_load((ROOT / "specs" / "hrflow.yaml").read_text())
    (project / "specs" / "api.json").write_text(json.dumps(data))
    (project / "pyproject.toml").write_text(
        '[tool.generator]\noutput = "generated"\n\n[[tool.generator.apis]]\nname = "api"\nspec = "specs/api.json"\n'
    )
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump(data))
    proc = cli("update-spec", "api", "--from", str(new), cwd=project)
    assert proc.returncode == 1
    assert f"{new} is YAML, but api's spec specs/api.json is JSON: convert it to JSON" in proc.stderr
    assert json.loads((project / "specs" / "api.json").read_text()) == data  # left as it was


def test_a_terminal_sees_the_stage_on_one_line_and_a_log_only_the_summary(tmp_path):
    import pty

    spec = tmp_path / "big.json"
    _large_spec(spec, 200)
    command = [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=follower)
        os.close(follower)
        seen = b""
        while True:  # until the command closes its end (bounded by its own time-out)
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=300) == 0
    finally:
        os.close(leader)
    shown = seen.decode()
    for stage in ("loading", "validating and building", "rendering and formatting", "versioning"):
        assert f"\r\x1b[Kbig: {stage}, " in shown, shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared when the generation ends
    logged = cli("generate", "--spec", str(spec), "--out", str(tmp_path / "out2"))
    assert "\r" not in logged.stderr and "\x1b" not in logged.stderr
