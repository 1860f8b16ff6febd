"""Hand edits survive: a generated file changed since the last generation is refused like a file added by
hand (named, the folder left as it was) unless ``--force``, and a ``.specgenignore`` keep-list (gitignore
syntax) names paths generation never writes, deletes or refuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core import write
from generator.core.keep import KEEP_FILE, KeepList
from generator.core.write import (
    MARKER,
    WriteError,
    check_relative_path,
    compare,
    manifest,
    read_tree,
    with_marker,
    write_tree,
)

ROOT = Path(__file__).resolve().parent.parent
FILES = {"pkg/__init__.py": "", "pkg/client.py": "client = 1\n", "pkg/models.py": "models = 1\n", "README.md": "hi\n"}


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def generated(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert write_tree(out, FILES)
    return out


# --- a hand edit is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_a_hand_edit_is_refused_and_named_unless_forced(tmp_path, force):
    out = generated(tmp_path)
    (out / "pkg/client.py").write_text("client = 1\n# mine\n")
    before = read_tree(out)
    new = {**FILES, "pkg/client.py": "client = 2\n"}
    if force:
        assert write_tree(out, new, force=True)
        assert (out / "pkg/client.py").read_text() == "client = 2\n"
        return
    with pytest.raises(WriteError) as refused:
        write_tree(out, new)
    said = str(refused.value)
    assert f"{out / 'pkg/client.py'}: changed since the last generation" in said
    assert "--force" in said and KEEP_FILE in said
    assert read_tree(out) == before and not list(tmp_path.glob(".out.*"))


def test_each_edited_file_is_named_with_the_added_ones(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/client.py").write_text("edited\n")
    (out / "README.md").write_bytes(b"\xff not text\n")
    (out / "pkg/mine.py").write_text("added\n")
    with pytest.raises(WriteError) as refused:
        write_tree(out, {**FILES, "pkg/models.py": "models = 2\n"})
    said = str(refused.value)
    assert f"{out / 'pkg/mine.py'}: not written by specgen" in said
    assert f"{out / 'README.md'}, {out / 'pkg/client.py'}: changed since the last generation" in said


def test_an_edited_file_generation_would_delete_is_refused(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/models.py").write_text("models = 1\nextra = 2\n")
    gone = {p: t for p, t in FILES.items() if p != "pkg/models.py"}
    with pytest.raises(WriteError, match=r"models\.py: changed since the last generation"):
        write_tree(out, gone)
    (out / "pkg/models.py").write_text("models = 1\n")  # as generated: deleted without a word
    assert write_tree(out, gone) and not (out / "pkg/models.py").exists()


def test_a_file_added_by_hand_where_generation_now_writes_is_refused(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/new.py").write_text("mine\n")
    with pytest.raises(WriteError, match=r"new\.py: changed since the last generation"):
        write_tree(out, {**FILES, "pkg/new.py": "generated\n"})


def test_what_loses_nothing_is_not_refused(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/client.py").write_text("client = 2\n")  # edited into what generation now writes
    (out / "pkg/models.py").unlink()  # a generated file deleted: written again
    assert write_tree(out, {**FILES, "pkg/client.py": "client = 2\n"})
    assert read_tree(out) == with_marker({**FILES, "pkg/client.py": "client = 2\n"})


# --- the keep-list --------------------------------------------------------------------------------------


def test_a_kept_path_survives_regeneration_even_when_generation_changes_it(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/client.py").write_text("client = 1\n# mine\n")
    (out / KEEP_FILE).write_text("# custom code\npkg/client.py\n")
    inode = (out / "pkg/client.py").stat().st_ino
    new = {**FILES, "pkg/client.py": "client = 2\n", "pkg/models.py": "models = 2\n"}
    assert write_tree(out, new)
    assert (out / "pkg/client.py").read_text() == "client = 1\n# mine\n"
    assert (out / "pkg/client.py").stat().st_ino == inode  # the same file, carried into the new tree
    assert (out / "pkg/models.py").read_text() == "models = 2\n"
    assert (out / KEEP_FILE).read_text() == "# custom code\npkg/client.py\n"
    assert not write_tree(out, new)  # nothing left to do
    assert compare(out, new).clean


def test_kept_files_added_by_hand_are_allowed_and_a_kept_path_is_never_made(tmp_path):
    out = generated(tmp_path)
    (out / "pkg/custom").mkdir()
    (out / "pkg/custom/helpers.py").write_text("def helper(): ...\n")
    (out / "pkg/custom/data.bin").write_bytes(b"\x00\xff")
    os.symlink("helpers.py", out / "pkg/custom/alias.py")
    (out / "pkg/extra.py").write_text("mine\n")
    (out / KEEP_FILE).write_text("pkg/custom/\nextra.py\nREADME.md\n")
    (out / "README.md").unlink()
    new = {**FILES, "pkg/custom/helpers.py": "generated\n"}
    assert write_tree(out, new)
    assert (out / "pkg/custom/helpers.py").read_text() == "def helper(): ...\n"
    assert (out / "pkg/custom/data.bin").read_bytes() == b"\x00\xff"
    assert os.readlink(out / "pkg/custom/alias.py") == "helpers.py"
    assert (out / "pkg/extra.py").read_text() == "mine\n"
    assert not (out / "README.md").exists()  # kept, so not made again
    assert compare(out, new).clean


def test_an_empty_keep_list_is_itself_kept(tmp_path):
    out = generated(tmp_path)
    (out / "pkg" / KEEP_FILE).write_text("")
    assert not write_tree(out, FILES)
    assert write_tree(out, {**FILES, "README.md": "new\n"}) and (out / "pkg" / KEEP_FILE).exists()


def test_a_path_no_longer_kept_is_refused_when_it_differs_from_the_generation(tmp_path):
    out = generated(tmp_path)
    (out / KEEP_FILE).write_text("pkg/client.py\n")
    (out / "pkg/client.py").write_text("mine\n")
    assert not write_tree(out, FILES)
    (out / KEEP_FILE).write_text("# nothing kept now\n")
    with pytest.raises(WriteError, match=r"client\.py: changed since the last generation"):
        write_tree(out, FILES)
    assert write_tree(out, FILES, force=True) and (out / "pkg/client.py").read_text() == "client = 1\n"


def test_the_manifest_is_never_kept_and_is_the_same_bytes_with_or_without_a_keep_list(tmp_path):
    plain = tmp_path / "plain"
    write_tree(plain, FILES)
    out = generated(tmp_path)
    (out / KEEP_FILE).write_text("*\n")  # keeps everything but the manifest
    (out / "pkg/client.py").write_text("mine\n")
    new = {**FILES, "README.md": "new\n"}
    write_tree(plain, new)
    assert write_tree(out, new)
    assert (out / MARKER).read_bytes() == (plain / MARKER).read_bytes()
    assert (out / "README.md").read_text() == "hi\n" and (out / "pkg/client.py").read_text() == "mine\n"


def test_the_manifest_is_deterministic():
    shuffled = dict(reversed(list(FILES.items())))
    assert manifest(FILES) == manifest(shuffled) == manifest(FILES, write.digests(FILES))
    recorded = json.loads(manifest(FILES))
    assert recorded == {"files": write.digests(dict(sorted(FILES.items()))), "generator": "specgen"}


def test_an_unreadable_keep_list_is_refused_and_nothing_changes(tmp_path):
    out = generated(tmp_path)
    (out / KEEP_FILE).write_bytes(b"\xff\xfe")
    before = read_tree(out)
    with pytest.raises(WriteError, match="keep-list"):
        write_tree(out, {**FILES, "README.md": "new\n"})
    assert read_tree(out) == before


def test_a_write_that_fails_while_carrying_kept_files_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = generated(tmp_path)
    (out / KEEP_FILE).write_text("pkg/client.py\n")
    (out / "pkg/client.py").write_text("mine\n")
    before = read_tree(out)

    def broken(source: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "_carry", broken)
    with pytest.raises(OSError):
        write_tree(out, {**FILES, "README.md": "new\n"})
    assert read_tree(out) == before and not list(tmp_path.glob(".out.*"))


def test_no_spec_can_write_or_name_a_keep_list():
    """Generated paths are made of plain parts that never start with a dot, so neither a keep-list nor the
    manifest can be written by generation, whatever names the spec holds."""
    for path in (KEEP_FILE, f"pkg/{KEEP_FILE}", MARKER):
        with pytest.raises(WriteError):
            check_relative_path(path)


# --- gitignore syntax ------------------------------------------------------------------------------------


def keeps(lists: dict[str, str], path: str) -> bool:
    return KeepList.from_tree(lists).keeps(path)


@pytest.mark.parametrize(
    ("pattern", "path", "kept"),
    [
        ("client.py", "client.py", True),
        ("client.py", "pkg/client.py", True),  # no slash: at any depth
        ("/client.py", "pkg/client.py", False),  # a leading slash anchors
        ("pkg/client.py", "pkg/client.py", True),
        ("pkg/client.py", "x/pkg/client.py", False),  # a slash inside anchors
        ("*.py", "pkg/deep/a.py", True),
        ("pkg/*.py", "pkg/deep/a.py", False),  # * stays in one part
        ("pkg/**/a.py", "pkg/a.py", True),
        ("pkg/**/a.py", "pkg/x/y/a.py", True),
        ("**/a.py", "x/a.py", True),
        ("pkg/**", "pkg/x/y.py", True),
        ("custom/", "pkg/custom/a.py", True),  # a folder, and all below it
        ("custom/", "pkg/custom", False),  # a trailing slash: folders only
        ("?.py", "a.py", True),
        ("?.py", "ab.py", False),
        ("[ab].py", "b.py", True),
        ("[!ab].py", "b.py", False),
        ("\\#x.py", "#x.py", True),
        ("\\!x.py", "!x.py", True),
        ("# comment", "# comment", False),
        ("a\\ ", "a ", True),  # an escaped trailing space
        ("a.py   ", "a.py", True),  # trailing spaces dropped
    ],
)
def test_patterns_read_as_gitignore(pattern, path, kept):
    assert keeps({KEEP_FILE: pattern + "\n"}, path) is kept


def test_negation_later_patterns_and_nested_lists():
    lists = {KEEP_FILE: "*.py\n!models.py\ncustom/\n!custom/b.py\n", f"pkg/{KEEP_FILE}": "models.py\n/only.txt\n"}
    assert keeps(lists, "client.py") and not keeps(lists, "models.py")
    assert keeps(lists, "pkg/models.py")  # the deeper list is read later
    assert keeps(lists, "pkg/only.txt") and not keeps(lists, "pkg/x/only.txt") and not keeps(lists, "only.txt")
    assert keeps(lists, "custom/b.py")  # inside a kept folder: ! cannot take it back
    assert keeps(lists, f"x/{KEEP_FILE}")  # a keep-list is always kept
    assert not KeepList.from_tree({}) and not KeepList.from_tree({}).keeps("a.py")


# --- the command ------------------------------------------------------------------------------------------


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "jobs.yaml"
    spec.write_text((ROOT / "specs" / "hrflow.yaml").read_text())
    return spec


def test_the_command_refuses_a_hand_edit_with_exit_1_and_force_overwrites_it(tmp_path):
    spec, out = _spec(tmp_path), tmp_path / "out"
    assert cli("generate", "--spec", str(spec), "--out", str(out), "-q").returncode == 0
    client = out / "jobs_client" / "client.py"
    client.write_text(client.read_text() + "# mine\n")
    before = read_tree(out)
    again = cli("generate", "--spec", str(spec), "--out", str(out))
    assert again.returncode == 1
    assert f"error: {client}: changed since the last generation (edited by hand?)" in again.stderr
    assert "--force" in again.stderr and f"{out} left unchanged" in again.stderr
    assert read_tree(out) == before
    checked = cli("check", "--spec", str(spec), "--out", str(out))
    assert checked.returncode == 1 and f"stale: {client}" in checked.stderr
    forced = cli("generate", "--spec", str(spec), "--out", str(out), "--force", "-q")
    assert forced.returncode == 0 and not client.read_text().endswith("# mine\n")


def test_the_command_keeps_listed_paths_across_a_spec_change_and_stays_a_quick_no_op(tmp_path):
    spec, out = _spec(tmp_path), tmp_path / "out"
    assert cli("generate", "--spec", str(spec), "--out", str(out), "-q").returncode == 0
    readme = out / "README.md"
    readme.write_text("# Our jobs client\n\nWritten by us.\n")
    (out / "jobs_client" / "custom.py").write_text("def helper(): ...\n")
    (out / KEEP_FILE).write_text("/README.md\njobs_client/custom.py\n")
    made = cli("generate", "--spec", str(spec), "--out", str(out))
    assert made.returncode == 0 and "already up to date" in made.stdout, made.stderr
    spec.write_text(spec.read_text().replace("title: HrFlow", "title: HrFlow Jobs", 1))
    assert "HrFlow Jobs" in spec.read_text()
    changed = cli("generate", "--spec", str(spec), "--out", str(out))
    assert changed.returncode == 0 and "updated" in changed.stdout, changed.stderr
    assert readme.read_text() == "# Our jobs client\n\nWritten by us.\n"
    assert (out / "jobs_client" / "custom.py").read_text() == "def helper(): ...\n"
    assert cli("check", "--spec", str(spec), "--out", str(out)).returncode == 0
    stamp = (out / MARKER).stat().st_mtime_ns
    again = cli("generate", "--spec", str(spec), "--out", str(out), "-v")
    assert again.returncode == 0 and "already up to date" in again.stdout
    assert (out / MARKER).stat().st_mtime_ns == stamp


def test_the_configured_apis_check_clean_with_a_keep_list(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("specs", "generated"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "pyproject.toml", project)
    assert cli("generate", "-q", cwd=project).returncode == 0
    package = project / "generated" / "hrflow"
    client = next(package.glob("*/client.py"))
    client.write_text(client.read_text() + "\n# ours\n")
    (package / KEEP_FILE).write_text(f"{client.relative_to(package).as_posix()}\n")
    assert cli("generate", "-q", cwd=project).returncode == 0
    checked = cli("check", "--no-base", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert client.read_text().endswith("\n# ours\n")
    # Another API changes: the kept one is recognised unchanged, yet built again for the manifest's sake.
    spec = project / "specs" / "crafter.yaml"
    spec.write_text(spec.read_text().replace("Gets all attachments for the given profile.", "Lists them.", 1))
    made = cli("generate", cwd=project)
    assert made.returncode == 0 and "updated" in made.stdout, made.stderr
    checked = cli("check", "--no-base", cwd=project)
    assert checked.returncode == 0, checked.stderr
    assert client.read_text().endswith("\n# ours\n")
    recorded = json.loads((project / "generated" / MARKER).read_text())["files"]
    assert recorded[f"hrflow/{client.relative_to(package).as_posix()}"] != write.digests({"c": client.read_text()})["c"]


def test_the_readme_example_keeps_what_it_says():
    import re

    (block,) = re.findall(r"```gitignore\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    keep = KeepList.from_tree({KEEP_FILE: block})
    assert keep.keeps("kombo_client/custom/helpers.py") and keep.keeps("kombo_client/client.py")
    assert keep.keeps("README.md") and not keep.keeps("kombo_client/models.py")
    assert not keep.keeps("docs/README.md")
