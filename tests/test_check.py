"""`generated/` is a snapshot: `check` regenerates in memory and names every stale, missing or extra file.
Generation is all-or-nothing: a failed run leaves the output folder byte-identical."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.write import MARKER, WriteError, check_relative_path, read_tree, with_marker, write_tree

ROOT = Path(__file__).resolve().parent.parent


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True, timeout=300, env=_env())


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
    target = project / "generated/kombo/kombo_client/models.py"
    original = target.read_text()
    target.write_text(original.replace("class CandidateAttachment(Model):", "class CandidateAttachment(Model):  # tweak"))
    try:
        proc = run(project, "check")
        assert proc.returncode == 1
        assert "stale: generated/kombo/kombo_client/models.py" in proc.stderr
        assert "+class CandidateAttachment(Model):" in proc.stderr  # the diff shows what generation gives
    finally:
        target.write_text(original)
    assert run(project, "check").returncode == 0


def test_spec_edit_without_regenerating_fails_naming_the_files(project):
    spec = project / "specs/hrflow.yaml"
    original = spec.read_text()
    spec.write_text(original.replace("          description: Source id.\n", "          description: Id of the source.\n"))
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
    spec.write_text(original.replace("$ref: \"#/components/schemas/Error\"", "$ref: \"#/components/schemas/Nope\""))
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
    from generator import inputs
    from generator.config import load_project
    from generator.load import RefPolicy
    from generator.write import previous_tree

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
        for edited, extra in ((project / "specs/crafter.yaml", "\n# a comment changes the bytes\n"), (out / "README.md", "edited\n")):
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
    # A large document's input fingerprint is made in the validation worker; the next run must find the
    # same one and skip every stage.
    import json

    from generator.validate import BACKGROUND_OVER

    paths = {
        f"/things{i}": {"get": {"operationId": f"get{i}", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}
        for i in range(BACKGROUND_OVER + 10)
    }
    document = {"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths,
                "components": {"schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}
    (tmp_path / "big.json").write_text(json.dumps(document), encoding="utf-8")
    args = ("generate", "--spec", "big.json", "--out", "out", "--name", "big")
    first = run(tmp_path, *args)
    assert first.returncode == 0 and "updated" in first.stdout, first.stderr
    from generator import inputs
    from generator.config import ApiConfig
    from generator.load import RefPolicy
    from generator.write import previous_tree

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:  # the recorded fingerprint is the one this process works out for the same inputs
        config = ApiConfig(name="big", spec=Path("big.json"), overlays=(), package="", client="")
        assert inputs.unchanged(config, RefPolicy(), Path("out"), previous_tree(Path("out")))
    finally:
        os.chdir(cwd)
    again = run(tmp_path, *args)
    assert again.returncode == 0 and "already up to date" in again.stdout, again.stdout + again.stderr


def test_resource_modules_of_a_large_package_come_from_the_output_cache_when_unchanged(tmp_path, monkeypatch):
    # A large package's resource modules are taken from the output cache when what they are made from is
    # unchanged. The result must be exactly a fresh generation's, and only changed modules are made again.
    import json

    from generator import OUTPUT_CACHE, build_files
    from generator.config import ApiConfig
    from generator.validate import BACKGROUND_OVER

    def document(extra_property: bool, renamed_operation: bool) -> dict:
        paths = {}
        for i in range(BACKGROUND_OVER + 10):
            operation_id = f"get{i}" + ("Renamed" if renamed_operation and i == 3 else "")
            paths[f"/group{i % 7}/things{i}"] = {"get": {"operationId": operation_id, "tags": [f"group{i % 7}"], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}
        properties = {"id": {"type": "integer"}, **({"note": {"type": "string"}} if extra_property else {})}
        return {"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths, "components": {"schemas": {"Thing": {"type": "object", "properties": properties}}}}

    def generate(folder: Path, data: dict) -> dict[str, str]:
        folder.mkdir(exist_ok=True)
        (folder / "big.json").write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.chdir(folder)
        result = build_files(ApiConfig(name="big", spec=Path("big.json")))
        assert result.ok, result.diagnostics.items
        return result.files

    def cached() -> int:
        return sum(1 for p in (tmp_path / "work" / OUTPUT_CACHE).rglob("*") if p.is_file())

    from generator import build_ir

    full_builds = []
    original_build = build_ir._build
    monkeypatch.setattr(build_ir, "_build", lambda *args: full_builds.append(args) or original_build(*args))
    generate(tmp_path / "work", document(False, False))
    modules = cached()
    assert modules == 7  # one per resource module (tag)
    # A schema changes (the IR is redone from the memo of the last build), then an operation (in full).
    for extra, renamed, made, built in ((True, False, 0, 0), (True, True, 1, 1)):
        full_builds.clear()
        files = generate(tmp_path / "work", document(extra, renamed))
        assert cached() == modules + made
        assert len(full_builds) == built
        modules += made
        assert files == generate(tmp_path / f"fresh-{extra}-{renamed}", document(extra, renamed))


def test_a_large_tree_is_hashed_on_threads_with_the_same_result(tmp_path, monkeypatch):
    # Above write._THREADED_OVER characters, hashing uses threads: same digests, same files.
    import hashlib
    import threading

    from generator import write

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


def test_a_large_package_regenerated_after_one_schema_changed_is_what_a_fresh_run_writes(tmp_path, monkeypatch):
    # With one schema changed, a large package's IR comes from the memo, models.py from the classes of
    # the one on disk (models_text) and the release diff's old side from the last snapshot's texts
    # (history.SnapshotTexts). Each run must write exactly what the same run without any cache writes
    # (given the same output folder), also after models.py and the snapshot were edited by hand; and the
    # reuse must actually happen.
    import json
    import shutil

    from generator import history, models_text
    from generator.__main__ import main
    from generator.validate import BACKGROUND_OVER

    def document(note: str, flag_default: bool) -> dict:
        schemas = {f"Thing{k}": {"type": "object", "properties": {"id": {"type": "integer"}, "on": {"type": "boolean", "default": False}}} for k in range(5)}
        schemas["Thing1"]["properties"]["note"] = {"type": "string", "description": note}
        schemas["Thing3"]["properties"]["on"]["default"] = flag_default
        schemas["Kind"] = {"type": "string", "enum": ["a", "b"]}
        paths = {f"/group{i % 7}/things{i}": {"get": {"operationId": f"get{i}", "tags": [f"group{i % 7}"], "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/Thing{i % 5}"}}}}}}} for i in range(BACKGROUND_OVER + 10)}
        return {"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths, "components": {"schemas": schemas}}

    reused = tmp_path / "reused.log"

    def spy(module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            value = original(*args, **kwargs)
            if value is not None:
                with reused.open("a") as log:  # from forked workers too
                    log.write(label + "\n")
            return value

        monkeypatch.setattr(module, name, wrapped)

    spy(models_text, "reusing", "models")
    spy(history.SnapshotTexts, "previous", "snapshot")

    def generate(folder: Path, data: dict) -> dict[str, str | None]:
        (folder / "api.json").write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.chdir(folder)
        assert main(["generate", "--spec", "api.json", "--out", "out", "--name", "big", "-q"]) == 0
        return read_tree(folder / "out")

    work = tmp_path / "work"
    work.mkdir()
    generate(work, document("first", False))
    edits = [(document("second", False), None), (document("second", True), "models.py"), (document("third", True), "spec-snapshot.json")]
    for step, (data, edited) in enumerate(edits):
        if edited:
            target = next((work / "out").rglob(edited))
            target.write_text(target.read_text(encoding="utf-8").replace("\n", "\n\n", 1), encoding="utf-8")
        fresh = tmp_path / f"fresh{step}"
        fresh.mkdir()
        shutil.copytree(work / "out", fresh / "out")
        reused.unlink(missing_ok=True)
        assert generate(work, data) == generate(fresh, data), f"step {step}"
        if edited is None:
            assert sorted(reused.read_text().split()) == ["models", "snapshot"]  # the quick ways were taken


def test_a_second_look_at_a_tree_reads_only_what_changed_since_the_first(tmp_path, monkeypatch):
    # write_tree looks again at the tree generation read at the start (read_tree(again=True)): a file
    # with the size, modification time and inode it had then is not read again; any other is.
    from generator import write

    root = tmp_path / "out"
    (root / "pkg").mkdir(parents=True)
    for name in ("a.py", "b.py", "c.py"):
        (root / "pkg" / name).write_text(f"{name}\n", encoding="utf-8")
    first = read_tree(root, remember=True)
    changed = root / "pkg" / "b.py"
    changed.write_text("B.py\n", encoding="utf-8")  # same size
    info = changed.stat()
    os.utime(changed, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))  # as a later write would
    reads: list[str] = []
    original = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (reads.append(self.name), original(self, *a, **k))[1])
    again = read_tree(root, again=True)
    assert again == {**first, "pkg/b.py": "B.py\n"}
    assert reads == ["b.py"]
    assert write_tree(root / "new", {"x.py": "x\n"})
    assert not write._read  # forgotten once written


def test_a_large_file_is_read_with_its_bytes_and_written_from_them(tmp_path):
    # read_tree keeps the bytes of a file of 1 MiB or more (write.know_utf8), so hashing it and writing
    # it again need not encode it; what is written and hashed is what the text gives.
    import hashlib

    from generator import write

    big = "é ✓ line\n" * 200_000
    known = write.know_utf8("".join(["é ✓ line\n"] * 200_000), big.encode())
    assert write_tree(tmp_path / "out", {"big.json": known, "small.py": "x = 1\n"})
    assert not write._encoded  # forgotten once written
    read = read_tree(tmp_path / "out")
    assert read["big.json"] == big and (tmp_path / "out" / "big.json").read_bytes() == big.encode()
    assert write.utf8(read["big.json"]) is write._encoded[id(read["big.json"])][1]  # the bytes read
    assert id(read["small.py"]) not in write._encoded
    assert write.digests({"big.json": read["big.json"]}) == {"big.json": hashlib.sha256(big.encode()).hexdigest()}
    other = "".join(["é ✓ line\n"] * 200_000)  # an equal text, another object: encoded afresh
    assert write.utf8(other) == big.encode() and id(other) not in write._encoded
    texts = [write.know_utf8(f"text {i}", f"text {i}".encode()) for i in range(write._ENCODED_KEPT + 5)]
    assert len(write._encoded) == write._ENCODED_KEPT and id(texts[-1]) in write._encoded and id(texts[0]) not in write._encoded
