"""The corpus checks on a vendored subset of @readme/oas-examples, offline: each spec generates, its package
imports with no side effect, every example the spec's own schema accepts round-trips losslessly, and the
packages pass ``mypy --strict``."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import tool as load_tool

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tool = load_tool("corpus")
    out = tmp_path_factory.mktemp("corpus")
    todo = tool.local_specs(CORPUS)
    assert len(todo) >= 20
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        found = list(pool.map(lambda item: tool.run_worker(item[0], item[1], False, True, out), todo))
    return out, {r["spec"]: r for r in found}


def test_every_spec_generates_and_imports(reports):
    _, by_label = reports
    failed = {label: (r["result"], r.get("errors")) for label, r in by_label.items() if r["result"] != "ok"}
    assert not failed


def test_every_valid_example_round_trips(reports):
    _, by_label = reports
    assert sum(r["examples_found"] for r in by_label.values()) >= 200
    lossy = {
        label: r["example_failures"]
        for label, r in by_label.items()
        if r["examples_ok"] + r["examples_respelled"] != r["examples_found"]
    }
    assert not lossy


def test_no_operation_or_response_is_dropped(reports):
    _, by_label = reports
    dropped = {
        label: (r["dropped_operations"], r["dropped_responses"])
        for label, r in by_label.items()
        if r["dropped_operations"] or r["dropped_responses"]
    }
    assert not dropped


def test_generated_corpus_packages_pass_mypy_strict(reports):
    out, by_label = reports
    folders = [out / label.replace("/", "__") for label in by_label]
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(f) for f in folders)}
    args = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(ROOT / ".cache" / "mypy-corpus")]
    for label in sorted(by_label):
        args += ["-p", by_label[label]["package"]]
    proc = subprocess.run(args, cwd=out, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout
