"""Spec drift in a git checkout: the merge-base gate, versioned packages with a changelog, overlays that stop
matching, and ``update-spec`` from a file or a URL (served on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import tomllib

from generator.core.write import read_tree

ROOT = Path(__file__).resolve().parent.parent
PARAM = """        - name: profile_email
          in: query
          description: Profile's email.
          schema: { type: string }
"""
SOURCE_ID = """        - name: source_id
          in: query
          required: true
          description: Source id.
          schema: { type: string }
          example: source_id
"""


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True, timeout=300, env=env
    )


def git(project: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


@pytest.fixture
def repo(tmp_path):
    """A copy of the project as a git repository whose origin/main is its first commit."""
    for name in ("specs", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    return tmp_path


def version(project: Path, api: str) -> str:
    return tomllib.loads((project / "generated" / api / "pyproject.toml").read_text())["project"]["version"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_removing_a_query_parameter_fails_check_naming_the_breaking_change(repo):
    edit(repo / "specs/hrflow.yaml", PARAM, "")
    proc = cli(repo, "check")
    assert proc.returncode == 1
    assert (
        "breaking parameter-removed: GET /profile/attachments: query parameter 'profile_email' removed" in proc.stderr
    )
    assert "without a major version bump" in proc.stderr


def test_a_breaking_change_regenerated_is_a_major_release_and_passes_the_gate(repo):
    before = version(repo, "hrflow")
    edit(repo / "specs/hrflow.yaml", SOURCE_ID, "")
    assert cli(repo, "check").returncode == 1
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "hrflow") == f"{int(before.split('.')[0]) + 1}.0.0"
    changelog = (repo / "generated/hrflow/CHANGELOG.md").read_text()
    assert f"## {version(repo, 'hrflow')} (major; API version 1.0)" in changelog
    assert "`parameter-removed`: GET /profile/attachments: query parameter 'source_id' removed" in changelog
    proc = cli(repo, "check")
    assert proc.returncode == 0, proc.stderr
    assert f"released as {before} -> {version(repo, 'hrflow')}" in proc.stderr
    assert version(repo, "kombo") == version(ROOT, "kombo") and version(repo, "crafter") == version(
        ROOT, "crafter"
    )  # untouched APIs keep theirs


def test_adding_an_optional_parameter_is_a_minor_release(repo):
    before = version(repo, "hrflow")
    edit(
        repo / "specs/hrflow.yaml",
        PARAM,
        PARAM + "        - name: include_archived\n          in: query\n          schema: { type: boolean }\n",
    )
    stale = cli(repo, "check")
    assert stale.returncode == 1 and "stale: generated/hrflow/pyproject.toml" in stale.stderr
    assert "without a major version bump" not in stale.stderr
    assert cli(repo, "generate").returncode == 0
    major, minor, _ = before.split(".")
    assert version(repo, "hrflow") == f"{major}.{int(minor) + 1}.0"
    assert (
        "`optional-parameter-added`: GET /profile/attachments: optional query parameter 'include_archived' added"
        in (repo / "generated/hrflow/CHANGELOG.md").read_text()
    )
    assert cli(repo, "check").returncode == 0
    assert (
        "already up to date" in cli(repo, "generate").stdout
        and version(repo, "hrflow") == f"{major}.{int(minor) + 1}.0"
    )  # no second bump


def test_a_description_change_is_a_patch_release(repo):
    edit(repo / "specs/crafter.yaml", "openapi:", "# comment only: no release\nopenapi:")
    assert "already up to date" in cli(repo, "generate").stdout
    before = version(repo, "crafter")
    edit(
        repo / "specs/crafter.yaml",
        "description: Profiles and their attachments.",
        "description: Profiles and the files attached to them.",
    )
    assert cli(repo, "generate").returncode == 0
    major, minor, patch = before.split(".")
    assert version(repo, "crafter") == f"{major}.{minor}.{int(patch) + 1}"
    assert "(patch; API version" in (repo / "generated/crafter/CHANGELOG.md").read_text()


def test_an_overlay_action_that_stops_matching_fails_check(repo):
    edit(
        repo / "specs/kombo.overlay.yaml",
        "$.components.schemas.GetAtsCandidatesCandidateIdAttachmentsPositiveResponse\n",
        "$.components.schemas.RenamedByVendor\n",
    )
    proc = cli(repo, "check")
    assert proc.returncode == 1
    assert "specs/kombo.overlay.yaml#/actions/4/target: warning[W025]" in proc.stderr
    assert "check: kombo: an overlay action matches nothing (W025 above), so check fails" in proc.stderr


def test_no_upstream_skips_the_gate_with_a_notice(repo):
    git(repo, "update-ref", "-d", "refs/remotes/origin/main")
    proc = cli(repo, "check")
    assert proc.returncode == 0 and "gate skipped" in proc.stderr


def test_update_spec_from_a_file_diffs_and_regenerates(repo, tmp_path_factory):
    new = tmp_path_factory.mktemp("vendor") / "kombo.yaml"
    text = (repo / "specs/kombo.yaml").read_text()
    cv = "                      - CV\n"
    assert text.count(cv) == 1
    new.write_text(text.replace(cv, cv + cv.replace("CV", "PORTFOLIO")))
    proc = cli(repo, "update-spec", "kombo", "--from", str(new))
    assert proc.returncode == 0, proc.stderr
    assert (repo / "specs/kombo.yaml").read_bytes() == new.read_bytes()
    assert (
        "response-enum-value-added" in proc.stdout and '"PORTFOLIO"' in proc.stdout and "enums are open" in proc.stdout
    )
    assert version(repo, "kombo") == "{}.{}.0".format(
        *(lambda v: (v[0], int(v[1]) + 1))(version(ROOT, "kombo").split("."))
    )
    assert cli(repo, "check").returncode == 0  # regenerated, versioned


def test_update_spec_keeps_everything_when_the_new_file_is_broken(repo, tmp_path_factory):
    before_spec = (repo / "specs/kombo.yaml").read_bytes()
    before_tree = read_tree(repo / "generated")
    bad = tmp_path_factory.mktemp("vendor") / "kombo.yaml"
    bad.write_text("openapi: 3.1.0\npaths: {/x: {get: {responses: {'200': {$ref: '#/nope'}}}}}\n")
    proc = cli(repo, "update-spec", "kombo", "--from", str(bad))
    assert proc.returncode == 1
    assert (repo / "specs/kombo.yaml").read_bytes() == before_spec
    assert read_tree(repo / "generated") == before_tree


def test_update_spec_from_a_url_on_loopback(repo):
    body = (repo / "specs/kombo.yaml").read_bytes().replace(b"description:", b"description: Updated.", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proc = cli(repo, "update-spec", "kombo", "--from", f"http://127.0.0.1:{server.server_port}/openapi.yaml")
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, proc.stderr
    assert (repo / "specs/kombo.yaml").read_bytes() == body
    assert cli(repo, "check").returncode == 0


def test_a_new_version_changes_only_the_files_render_versioned_renders():
    # The release step re-renders only these when the version moves; any other file showing the
    # version would go stale.
    import dataclasses

    from generator.config import load_project
    from generator.core import build_ir, load, render

    config = next(c for c in load_project(ROOT).apis if c.name == "kombo")
    api, _ = build_ir.build(load.load_spec(config.spec, config.overlays), config)
    assert api is not None
    old = render.render(dataclasses.replace(api, package_version="1.2.3"))
    new = render.render(dataclasses.replace(api, package_version="4.5.6"))
    changed = {path for path in old if old[path] != new[path]}
    versioned = render.render_versioned(dataclasses.replace(api, package_version="4.5.6"))
    assert changed == set(versioned)
    assert all(new[path] == text for path, text in versioned.items())


def _changelog_entry(project: Path, api: str) -> str:
    text = (project / "generated" / api / "CHANGELOG.md").read_text()
    return text.split("\n## ", 2)[1]


def test_an_overlay_renaming_a_model_class_is_a_major_release_naming_the_class(repo):
    # The spec's diff sees only an extension value change; the generated package loses a class.
    before = version(repo, "kombo")
    edit(
        repo / "specs/kombo.overlay.yaml",
        "      x-sdk-name: CandidateAttachment\n",
        "      x-sdk-name: CandidateFile\n",
    )
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "kombo") == f"{int(before.split('.')[0]) + 1}.0.0"
    entry = _changelog_entry(repo, "kombo")
    assert entry.startswith(f"{version(repo, 'kombo')} (major;")
    assert "- **breaking** public API: class CandidateAttachment renamed to CandidateFile\n" in entry
    assert "field CandidateAttachmentsData.results changed (list[CandidateAttachment] -> list[CandidateFile])" in entry
    assert cli(repo, "check").returncode == 0


def test_an_overlay_moving_a_parameter_to_the_client_names_the_keywords_it_moves(repo):
    edit(
        repo / "specs/kombo.overlay.yaml",
        "  - target: $.paths.*.*.parameters[?@.in == 'header' && @.name == 'X-Integration-Id']\n"
        "    description: The integration id is set once on the client, as in Kombo's SDK.\n"
        "    update:\n"
        "      x-sdk-client-param: integration_id\n",
        "",
    )
    before = version(repo, "kombo")
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "kombo") == f"{int(before.split('.')[0]) + 1}.0.0"
    entry = _changelog_entry(repo, "kombo")
    assert "- **breaking** public API: constructor keyword integration_id removed from Kombo\n" in entry
    assert (
        "- **breaking** public API: required keyword x_integration_id added to AtsResource.get_candidate_attachments()"
        in entry
    )


def _commit(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def test_a_generator_change_to_the_public_api_is_released_by_what_it_changes(repo):
    # As if the previous generator had written one more public method: the spec is the same, the
    # package the user has loses a method, so the release is major, and says so.
    resource = repo / "generated/kombo/kombo_client/resources/ats.py"
    legacy = "    def legacy_attachments(self, candidate_id: str) -> None:\n        return None\n\n"
    edit(resource, "class AtsResource(SyncResource):\n", "class AtsResource(SyncResource):\n" + legacy)
    manifest = repo / "generated/.specgen"
    recorded = json.loads(manifest.read_text())
    recorded["files"]["kombo/kombo_client/resources/ats.py"] = hashlib.sha256(resource.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    _commit(repo, "the previous generator's output")
    before = version(repo, "kombo")
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "kombo") == f"{int(before.split('.')[0]) + 1}.0.0"
    entry = _changelog_entry(repo, "kombo")
    assert "- **breaking** public API: method AtsResource.legacy_attachments() removed\n" in entry
    assert "The spec did not change" in entry


def test_versions_follow_the_last_commit_not_the_last_generation(repo):
    # Regenerating an uncommitted change again, or another change on top of it, is one release.
    before = version(repo, "hrflow")
    major, minor, _ = before.split(".")
    first = "        - name: include_archived\n          in: query\n          schema: { type: boolean }\n"
    second = "        - name: include_deleted\n          in: query\n          schema: { type: boolean }\n"
    edit(repo / "specs/hrflow.yaml", PARAM, PARAM + first)
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "hrflow") == f"{major}.{int(minor) + 1}.0"
    edit(repo / "specs/hrflow.yaml", PARAM + first, PARAM + first + second)
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "hrflow") == f"{major}.{int(minor) + 1}.0"  # still one release ahead of the commit
    entry = _changelog_entry(repo, "hrflow")
    assert "'include_archived' added" in entry and "'include_deleted' added" in entry
    assert (repo / "generated/hrflow/CHANGELOG.md").read_text().count(f"## {major}.{int(minor) + 1}.0 ") == 1
    assert cli(repo, "check").returncode == 0
    _commit(repo, "released")
    edit(repo / "specs/hrflow.yaml", second, second.replace("include_deleted", "include_hidden"))
    assert cli(repo, "generate").returncode == 0
    assert version(repo, "hrflow").startswith(f"{int(major) + 1}.")  # a keyword removed: the next release


def test_a_new_uncommitted_package_stays_at_its_first_version(repo, tmp_path_factory):
    spec = tmp_path_factory.mktemp("spec") / "jobs.yaml"
    shutil.copy(repo / "specs/hrflow.yaml", spec)
    for change in (False, True):  # the second time with a breaking change
        if change:
            edit(spec, SOURCE_ID, "")
        assert cli(repo, "generate", "--spec", str(spec), "--out", "generated_new/jobs").returncode == 0
    pyproject = tomllib.loads((repo / "generated_new/jobs/pyproject.toml").read_text())
    assert pyproject["project"]["version"] == "0.1.0"
    assert "## 0.1.0\n\nFirst generation" in (repo / "generated_new/jobs/CHANGELOG.md").read_text()


@pytest.mark.parametrize("swapped", [False, True])
def test_update_spec_says_what_the_folder_holds_when_generation_fails(repo, tmp_path_factory, capsys, swapped):
    # A generation that fails before the swap leaves generated/ as it was: the old spec goes back. One that
    # fails after it (generate says so) leaves the new spec's generation: the new spec stays with it.
    from generator.config import load_project
    from generator.drift.update import update_spec

    project = load_project(repo)
    new = tmp_path_factory.mktemp("vendor") / "kombo.yaml"
    new.write_bytes((repo / "specs/kombo.yaml").read_bytes().replace(b"description:", b"description: New.", 1))
    before = (repo / "specs/kombo.yaml").read_bytes()

    def regenerate(argv: list[str]) -> int:
        if swapped:
            (repo / "generated" / ".specgen").write_text('{"generator": "specgen", "files": {}}')
        return 1

    assert update_spec(project, "kombo", str(new), regenerate=regenerate) == 1
    said = capsys.readouterr().err
    if swapped:
        assert (repo / "specs/kombo.yaml").read_bytes() == new.read_bytes()
        assert "after" in said and "specs/kombo.yaml (updated) generates" in said
    else:
        assert (repo / "specs/kombo.yaml").read_bytes() == before
        assert "put back" in said and "unchanged" in said


def test_a_folder_git_ignores_has_no_release_history(tmp_path):
    # Inside a work tree, an ignored output folder (a benchmark's, a scratch one) is judged as it is on
    # disk: committed_tree says None, so a regeneration with nothing changed is an input-cache hit.
    from generator.drift.history import committed_tree

    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("scratch/\n")
    (tmp_path / "scratch" / "out").mkdir(parents=True)
    (tmp_path / "kept").mkdir()
    git(tmp_path, "add", ".gitignore")
    git(tmp_path, "commit", "-q", "-m", "ignore scratch")
    assert committed_tree(tmp_path / "scratch" / "out") is None
    assert committed_tree(tmp_path / "kept") == {}  # tracked, nothing committed there yet


def test_a_respelled_operation_id_needs_no_major_version(repo):
    # The method users call is named from the path and verb, so the release is a patch, and the gate
    # (which judges by the generated public API) asks for no major version.
    before = version(repo, "hrflow")
    edit(repo / "specs/hrflow.yaml", "operationId: getProfileAttachmentsById\n", "operationId: retrieveAttachments\n")
    proc = cli(repo, "diff", "git:HEAD:specs/hrflow.yaml", "specs/hrflow.yaml", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert ("operation-id-changed", "safe") in [(c["rule"], c["level"]) for c in payload["changes"]]
    assert {c["level"] for c in payload["changes"]} == {"safe"}
    assert payload["api"] == [] and payload["summary"]["bump"] == "patch"
    proc = cli(repo, "check")
    assert not [line for line in proc.stderr.splitlines() if line.startswith("check: hrflow:")], proc.stderr
    assert cli(repo, "generate").returncode == 0
    major, minor, patch = (int(p) for p in before.split("."))
    assert version(repo, "hrflow") == f"{major}.{minor}.{patch + 1}"
    assert cli(repo, "check").returncode == 0


def test_the_gate_and_diff_see_an_overlay_renaming_a_class(repo):
    # The spec's own diff sees an extension value changed (documentation); the generated package loses a
    # class: diff (with the configured API's overlay on both sides, none given) and the gate say major.
    edit(
        repo / "specs/kombo.overlay.yaml",
        "      x-sdk-name: CandidateAttachment\n",
        "      x-sdk-name: CandidateFile\n",
    )
    proc = cli(repo, "diff", "git:HEAD:specs/kombo.yaml", "specs/kombo.yaml", "--format", "markdown")
    assert proc.returncode == 1, proc.stderr  # breaking: --fail-on breaking by default
    assert "version bump: major" in proc.stdout
    assert "| 🔴 breaking | class CandidateAttachment renamed to CandidateFile |" in proc.stdout
    proc = cli(repo, "check")
    assert proc.returncode == 1
    assert "without a major version bump" in proc.stderr
    assert "breaking public API: class CandidateAttachment renamed to CandidateFile" in proc.stderr
    assert cli(repo, "generate").returncode == 0
    assert cli(repo, "check").returncode == 0


def test_diff_builds_the_old_side_with_the_names_lock_it_was_released_with(repo):
    # A schema added ahead of a same-named one took a fallback name (the lock kept the first's); a fresh
    # build of that spec would name them the other way round. Removing the newcomer again, diff and
    # generate must agree on which class goes: the one the package was released with.
    spec = repo / "specs/crafter.yaml"
    newcomer = "    error:\n      type: object\n      properties:\n        code:\n          type: string\n"
    edit(spec, "    Error:\n", newcomer + "    Error:\n")
    assert cli(repo, "generate").returncode == 0
    _commit(repo, "a schema named like another")
    lock = json.loads((repo / "generated/crafter/names.lock.json").read_text())
    assert lock["classes"]["#/components/schemas/Error"] == "Error"
    fallback = lock["classes"]["#/components/schemas/error"]
    assert fallback != "Error"
    edit(spec, newcomer, "")
    proc = cli(repo, "diff", "git:HEAD:specs/crafter.yaml", "specs/crafter.yaml", "--format", "markdown")
    assert "version bump: major" in proc.stdout, proc.stdout + proc.stderr
    assert f"class {fallback} removed" in proc.stdout and "class Error removed" not in proc.stdout, proc.stdout
    assert cli(repo, "generate").returncode == 0
    entry = _changelog_entry(repo, "crafter")
    assert fallback in entry and "class Error removed" not in entry, entry
