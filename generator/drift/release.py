"""Release stage: the generated package's version and changelog follow what changed since the last release.

Two comparisons decide the version, and the larger bump wins:

- the spec: each package keeps the spec it was generated from (``spec-snapshot.json``, overlays applied),
  and the next generation diffs the new spec against it (``diff``);
- the generated public API: the old package's source against the new one's (``surface``), so a change a
  user's code sees is released as one whatever caused it (an overlay renaming a class, a generator
  upgrade removing a keyword).

Breaking -> major, additive -> minor, documentation only (or generated code that changed with the same
public API) -> patch, and a new entry in ``CHANGELOG.md`` names each change in words. The previous
release is the package as last committed (``history.committed_tree``; the folder as it is outside git),
so regenerating an uncommitted change does not bump again. Nothing changed, nothing bumped: the same
inputs give the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import tomllib

from ..core.escape import SpecText, md_inline
from ..core.load import Spec
from ..core.write import MARKER
from .diff import DiffResult, diff_specs
from .history import SNAPSHOT, from_snapshot, snapshot
from .surface import ApiChange
from .surface import changes as api_changes

CHANGELOG = "CHANGELOG.md"
FIRST_VERSION = "0.1.0"
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
#: What a release writes beside the code (written after the version is chosen): not code that changed.
RELEASE_FILES = (CHANGELOG, SNAPSHOT)


@dataclass(frozen=True)
class Release:
    version: str
    bump: str | None  # "major" | "minor" | "patch" | None
    diff: DiffResult | None  # against the previous generation's snapshot (None: first generation)
    api: tuple[ApiChange, ...] = ()  # the generated public API's changes since the previous generation


def previous_version(previous: dict[str, str | None]) -> str:
    text = previous.get("pyproject.toml")
    try:
        version = tomllib.loads(text or "").get("project", {}).get("version")
    except tomllib.TOMLDecodeError:
        version = None
    return version if isinstance(version, str) and _VERSION.fullmatch(version) else FIRST_VERSION


def bumped(version: str, bump: str) -> str:
    match = _VERSION.fullmatch(version)
    major, minor, patch = (int(g) for g in match.groups()) if match else (0, 1, 0)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def _code_changed(files: Mapping[str, str], previous: Mapping[str, str | None]) -> bool:
    """Whether the generator now writes different code than last time (by the manifest's hashes, so a
    hand edit on disk, which generation simply undoes, is not mistaken for a new release). A previous
    package without a manifest (one built in memory, as ``diff`` builds the old side) is compared by
    its files."""
    if MARKER not in previous:
        kept = {p: t for p, t in previous.items() if p not in RELEASE_FILES}
        return kept != {p: t for p, t in files.items() if p not in RELEASE_FILES}
    try:
        recorded = json.loads(previous.get(MARKER) or "").get("files", {})
    except (ValueError, AttributeError):
        return True
    recorded = {p: h for p, h in recorded.items() if p not in RELEASE_FILES}
    current = {p: hashlib.sha256(t.encode("utf-8")).hexdigest() for p, t in files.items() if p not in RELEASE_FILES}
    return recorded != current


def spec_changes(spec: Spec, previous: dict[str, str | None]) -> DiffResult | None:
    """The spec's changes since the previous generation (its snapshot), or None on a first generation."""
    old = from_snapshot(previous.get(SNAPSHOT) or "", SNAPSHOT)
    return None if old is None else diff_specs(old, spec)


def judge(
    changes: DiffResult, files: Mapping[str, str], previous: Mapping[str, str | None], package: str
) -> DiffResult:
    """The spec's ``changes`` with the generated package's: the public API of the ``previous`` package's
    files against ``files`` (``surface``), and whether the code changed at all. Its ``bump`` is the
    release: ``generate`` (``plan``), ``diff`` and ``check`` all decide by this one function, so a
    raw ``operationId`` or tag re-spelled with the same methods is documentation, and a method renamed
    or moved is breaking whatever in the spec caused it."""
    code_changed = _code_changed(files, previous)
    api = tuple(api_changes(previous, files, package)) if code_changed else ()
    return dataclasses.replace(changes, api=api, code_changed=code_changed, judged=True)


def plan(changes: DiffResult | None, files: dict[str, str], previous: dict[str, str | None], package: str) -> Release:
    """The version to generate with, given the spec's changes (``spec_changes``), the files rendered at
    the previous version and the previous package's files (its public API is compared)."""
    version = previous_version(previous)
    if changes is None:
        return Release(version, None, None)
    judged = judge(changes, files, previous, package)
    bump = judged.bump
    return Release(bumped(version, bump) if bump else version, bump, judged, judged.api)


def changelog(
    distribution: str,
    spec_label: SpecText | str,
    api_version: SpecText | str,
    release: Release,
    previous: dict[str, str | None],
) -> str:
    """``CHANGELOG.md``: the previous text with a new entry on top when the version moved."""
    header = (
        f"# Changelog: {distribution}\n\n"
        f"Generated by specgen from `{_md(spec_label)}`. Versions follow the changes of the spec since the previous\n"
        "release and of the generated public API: breaking -> major, additive -> minor, the rest -> patch.\n"
    )
    old = previous.get(CHANGELOG)
    entries = "## " + old.split("\n## ", 1)[1] if old and "\n## " in old else ""
    api = _md(api_version) or "unknown"
    if release.bump is None:
        return header + "\n" + (entries or f"## {release.version}\n\nFirst generation (API version {api}).\n")
    lines = [f"## {release.version} ({release.bump}; API version {api})", ""]
    assert release.diff is not None
    for api_change in release.api:
        lines.append(
            f"- **{'breaking' if api_change.level == 'breaking' else 'added'}** public API: {_md(api_change.text)}"
        )
    for change in release.diff.changes:
        lines.append(f"- **{change.level}** `{change.rule}`: {_md(change.where)}: {_md(change.message)}")
    if not release.diff.changes and not release.api:
        lines.append("- Generated code changed (generator update); the spec and the public API did not.")
    elif not release.diff.changes:
        lines.append("- The spec did not change: the public API changed with the generator or its configuration.")
    return header + "\n" + "\n".join(lines) + "\n" + ("\n" + entries if entries else "")


def _md(text: SpecText | str) -> str:
    """Markdown text (``escape.md_inline``): a change's text quotes names and values from the spec."""
    return md_inline(text)


__all__ = [
    "CHANGELOG",
    "SNAPSHOT",
    "Release",
    "bumped",
    "changelog",
    "judge",
    "plan",
    "previous_version",
    "snapshot",
    "spec_changes",
]
