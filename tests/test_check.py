"""`generated/` is a snapshot: `check` regenerates in memory and names every stale, missing or extra file.
Generation is all-or-nothing: a failed run leaves the output folder byte-identical."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core.write import MARKER, WriteError, check_relative_path, read_tree, with_marker, write_tree

ROOT = Path(__file__).resolve().parent.parent


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True, timeout=300, env=_env()
    )


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_committed_generated_tree_is_up_to_date():
    proc = run(ROOT, "check")
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    dest = tmp_path_factory.mktemp("project")
    for name in ("specs", "generated"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "pyproject.toml", dest)
    return dest


def test_hand_edit_of_a_generated_file_fails_naming_it(project):
    package = project / "generated/kombo/kombo_client"
    target = next(
        path
        for path in sorted(package.glob("models/_m_*.py")) or [package / "models.py"]
        if "class CandidateAttachment(Model):" in path.read_text()
    )
    original = target.read_text()
    target.write_text(
        original.replace("class CandidateAttachment(Model):", "class CandidateAttachment(Model):  # tweak")
    )
    try:
        proc = run(project, "check")
        assert proc.returncode == 1
        assert f"stale: {target.relative_to(project).as_posix()}" in proc.stderr
        assert "+class CandidateAttachment(Model):" in proc.stderr  # the diff shows what generation gives
    finally:
        target.write_text(original)
    assert run(project, "check").returncode == 0


def test_spec_edit_without_regenerating_fails_naming_the_files(project):
    spec = project / "specs/hrflow.yaml"
    original = spec.read_text()
    spec.write_text(
        original.replace("          description: Source id.\n", "          description: Id of the source.\n")
    )
    assert spec.read_text() != original
    try:
        proc = run(project, "check")
        assert proc.returncode == 1
        assert "stale: generated/hrflow/hrflow_client/resources/profile.py" in proc.stderr
        assert "run 'make generate'" in proc.stderr
    finally:
        spec.write_text(original)


def test_extra_and_missing_files_are_named(project):
    extra = project / "generated/crafter/crafter_profile_client/notes.py"
    missing = project / "generated/crafter/README.md"
    kept = missing.read_text()
    extra.write_text("x = 1\n")
    missing.unlink()
    try:
        proc = run(project, "check")
        assert proc.returncode == 1
        assert "extra: generated/crafter/crafter_profile_client/notes.py" in proc.stderr
        assert "missing: generated/crafter/README.md" in proc.stderr
    finally:
        extra.unlink()
        missing.write_text(kept)


def test_failed_generation_leaves_generated_untouched(project):
    before = read_tree(project / "generated")
    spec = project / "specs/crafter.yaml"
    original = spec.read_text()
    spec.write_text(original.replace('$ref: "#/components/schemas/Error"', '$ref: "#/components/schemas/Nope"'))
    try:
        proc = run(project, "generate")
        assert proc.returncode == 1
        assert "error[E014]" in proc.stderr
    finally:
        spec.write_text(original)
    assert read_tree(project / "generated") == before


def test_generate_is_a_no_op_when_nothing_changed(project):
    marker = project / "generated" / MARKER
    stamp = marker.stat().st_mtime_ns
    proc = run(project, "generate")
    assert proc.returncode == 0 and "already up to date" in proc.stdout
    assert marker.stat().st_mtime_ns == stamp


def test_write_refuses_to_replace_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(WriteError, match="not made by specgen"):
        write_tree(tmp_path, {"a.py": "x = 1\n"})
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_write_replaces_the_whole_tree_and_drops_stale_files(tmp_path):
    out = tmp_path / "out"
    assert write_tree(out, {"pkg/a.py": "a\n", "pkg/b.py": "b\n"})
    assert write_tree(out, {"pkg/a.py": "A\n"})
    assert sorted(read_tree(out)) == [MARKER, "pkg/a.py"]
    assert not write_tree(out, {"pkg/a.py": "A\n"})
    assert not list(tmp_path.glob(".out.*"))


@pytest.mark.parametrize("bad", ["../x.py", "/etc/x.py", "a/../../x", "CON.py", "a/.hidden", "", "a\\b.py", "a//b.py"])
def test_unsafe_paths_are_refused(bad):
    with pytest.raises(WriteError):
        check_relative_path(bad)


def test_unchanged_inputs_skip_every_stage(project):
    """After a generation, the same inputs and untouched files are the answer: nothing is re-run."""
    from generator.config import load_project
    from generator.core.load import RefPolicy
    from generator.core.write import previous_tree
    from generator.speed import inputs

    assert run(project, "generate").returncode == 0
    config = next(a for a in load_project(project).apis if a.name == "crafter")
    config = type(config)(**{**config.__dict__, "spec": project / "specs/crafter.yaml"})
    cwd = Path.cwd()
    os.chdir(project)
    try:
        out = project / "generated" / "crafter"

        def unchanged(policy: RefPolicy = RefPolicy()) -> bool:
            return inputs.unchanged(config, policy, out, previous_tree(project / "generated", "crafter"))

        assert unchanged()
        for edited, extra in (
            (project / "specs/crafter.yaml", "\n# a comment changes the bytes\n"),
            (out / "README.md", "edited\n"),
        ):
            kept = edited.read_text()
            edited.write_text(kept + extra)  # a spec edit, then a hand edit of the output
            try:
                assert not unchanged()
            finally:
                edited.write_text(kept)
        assert unchanged() and not unchanged(RefPolicy(allow_outside=True))
    finally:
        os.chdir(cwd)


def test_a_large_document_is_recognised_unchanged_on_the_next_run(tmp_path):
    # A large document (validated in a worker) is recognised by its input fingerprint on the next run,
    # which skips every stage.
    import json

    from generator.speed import BACKGROUND_OVER

    paths = {
        f"/things{i}": {
            "get": {
                "operationId": f"get{i}",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
        for i in range(BACKGROUND_OVER + 10)
    }
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Big", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
    }
    (tmp_path / "big.json").write_text(json.dumps(document), encoding="utf-8")
    args = ("generate", "--spec", "big.json", "--out", "out", "--name", "big")
    first = run(tmp_path, *args)
    assert first.returncode == 0 and "updated" in first.stdout, first.stderr
    from generator.config import ApiConfig
    from generator.core.load import RefPolicy
    from generator.core.write import previous_tree
    from generator.speed import inputs

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:  # the recorded fingerprint is the one this process works out for the same inputs
        config = ApiConfig(name="big", spec=Path("big.json"), overlays=(), package="", client="")
        assert inputs.unchanged(config, RefPolicy(), Path("out"), previous_tree(Path("out")))
    finally:
        os.chdir(cwd)
    again = run(tmp_path, *args)
    assert again.returncode == 0 and "already up to date" in again.stdout, again.stdout + again.stderr


def test_a_large_tree_is_hashed_on_threads_with_the_same_result(tmp_path, monkeypatch):
    # Above write._THREADED_OVER characters, hashing uses threads: same digests, same files.
    import hashlib
    import threading

    from generator.core import write

    files = {f"pkg/m{i}.py": f"# {i}\n" + "x = 1\n" * 150_000 for i in range(6)}
    assert sum(map(len, files.values())) > write._THREADED_OVER
    threads: set[str] = set()
    sha256 = write._sha256
    monkeypatch.setattr(write, "_sha256", lambda text: (threads.add(threading.current_thread().name), sha256(text))[1])
    hashes = write.digests(files)
    assert hashes == {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}
    assert write_tree(tmp_path / "out", files, hashes)
    assert read_tree(tmp_path / "out") == write.with_marker(files)
    assert threads and threading.main_thread().name not in threads  # all of it on worker threads


def test_a_rewritten_tree_keeps_the_unchanged_files_as_they_are(tmp_path):
    # Unchanged files are hard-linked into the new tree (same inode, same mtime); changed and new ones
    # are written; removed ones are gone; and the tree is exactly the files given.
    out = tmp_path / "out"
    assert write_tree(out, {"pkg/a.py": "a\n", "pkg/b.py": "b\n", "pkg/c.py": "c\n"})
    before = {name: (out / "pkg" / name).stat() for name in ("a.py", "b.py")}
    assert write_tree(out, {"pkg/a.py": "a\n", "pkg/b.py": "B\n", "pkg/d.py": "d\n"})
    after = (out / "pkg" / "a.py").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before["a.py"].st_ino, before["a.py"].st_mtime_ns)
    assert after.st_nlink == 1  # the old tree is gone
    assert (out / "pkg" / "b.py").stat().st_ino != before["b.py"].st_ino
    assert read_tree(out) == with_marker({"pkg/a.py": "a\n", "pkg/b.py": "B\n", "pkg/d.py": "d\n"})
