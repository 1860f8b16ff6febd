"""A generation killed with SIGKILL at any moment leaves ``generated/`` as it was or as the complete new
tree, never a mix; the next run cleans up whatever the killed one left behind."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from generator.core.write import read_tree

ROOT = Path(__file__).resolve().parent.parent


def start(project: Path) -> subprocess.Popen[bytes]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "generate", "-q"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_at_any_point_leaves_the_old_or_the_new_tree(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("specs", "generated"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "pyproject.toml", project)
    spec = project / "specs" / "crafter.yaml"
    spec.write_text(
        spec.read_text().replace(
            "Gets all attachments for the given profile.", "Lists every attachment of the profile."
        )
    )
    old = read_tree(project / "generated")

    # One full run in a scratch copy gives the new tree and how long a run takes.
    scratch = tmp_path / "scratch"
    shutil.copytree(project, scratch)
    began = time.monotonic()
    assert start(scratch).wait(timeout=300) == 0
    duration = time.monotonic() - began
    new = read_tree(scratch / "generated")
    assert new != old

    outcomes = []
    for step in range(12):
        delay = duration * step / 10  # from at once to past the end
        proc = start(project)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        now = read_tree(project / "generated")
        assert now in (old, new), f"mixed tree after a kill at {delay:.2f} s"
        outcomes.append("new" if now == new else "old")
        if now == new:  # put the old tree back to kill the next run from the same start
            shutil.rmtree(project / "generated")
            shutil.copytree(ROOT / "generated", project / "generated")
    assert "old" in outcomes  # killed before the swap at least once
    # Leftovers of killed runs (temporary trees beside generated/) are cleaned by the next run.
    assert start(project).wait(timeout=300) == 0
    assert read_tree(project / "generated") == new
    assert sorted(p.name for p in project.iterdir() if p.name != ".cache") == [
        "generated",
        "pyproject.toml",
        "specs",
    ]  # .cache: local caches
