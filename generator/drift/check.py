"""What ``diff`` and ``check`` judge a spec change by: the spec's changes and the generated packages' (both
sides built in memory, as ``generate`` builds them), released as ``generate`` would release them
(``release.judge``); and ``check``'s gate against the merge base: a release that has to be major needs a
major version."""

from __future__ import annotations

import dataclasses
import sys

from ..config import ApiConfig, ProjectConfig
from ..core.build_ir.lock import LOCK
from ..core.diagnostics import Diagnostics
from ..core.load import Spec, load_spec
from ..pipeline import GenerationResult, build_loaded
from ..speed import Speed
from .diff import DiffResult, diff_specs
from .history import checkout, file_at, merge_base, repo_root, version_at
from .release import previous_version


def build_side(
    spec: Spec, config: ApiConfig, label: str, previous: dict[str, str | None] | None = None, speed: Speed = Speed()
) -> GenerationResult:
    """What ``generate`` makes of a loaded ``spec`` given the ``previous`` release (``pipeline.build_loaded``:
    the same stages), in memory, every header naming ``label`` (so two sides read from different places
    compare by what they generate)."""
    return build_loaded(dataclasses.replace(spec, labels={**spec.labels, spec.root: label}), config, previous, speed)


@dataclasses.dataclass
class Compared:
    result: DiffResult  # judged when both sides generate
    failed: dict[str, Diagnostics]  # side ("old", "new") -> why it did not generate


def compare(old: Spec, new: Spec, config: ApiConfig, speed: Speed = Speed(), old_lock: str | None = None) -> Compared:
    """The spec's changes from ``old`` to ``new`` and the public API's, with the release ``generate``
    makes for them: each side generated once, the old one as a first release reading ``old_lock`` (the
    names lock its package was released with, when known: the names ``generate`` gave it) and the new
    one with the old one as its previous release, so the release is decided by the code that decides
    ``generate``'s (``release.plan``, ``release.judge``). Both packages carry the new side's label in
    their headers."""
    changes = diff_specs(old, new)
    failed: dict[str, Diagnostics] = {}
    before = build_side(old, config, new.label, {LOCK: old_lock} if old_lock else None, speed)
    if not before.ok:
        failed["old"] = before.diagnostics
    after = build_side(new, config, new.label, dict(before.files) if before.ok else None, speed)
    if not after.ok:
        failed["new"] = after.diagnostics
    released = after.release.diff if after.release is not None else None
    if failed or released is None:
        return Compared(changes, failed)
    judged = dataclasses.replace(changes, api=released.api, code_changed=released.code_changed, judged=True)
    # The spec's changes shown are those between the two files (their pointers name them); should they
    # ever call for another bump than the snapshot's comparison generate releases by, generate's stands.
    return Compared(judged if judged.bump == released.bump else released, {})


def breaking_gate(project: ProjectConfig, base: str | None) -> bool:
    """CI gate: a change since ``base`` (default: the merge base with origin/main) that ``generate``
    releases as major (a breaking spec change, or a public API change that breaks users' code) needs a
    major version bump (of the generated package or of the spec's info.version). False when one lacks it."""
    root = repo_root(project.root.resolve())
    rev = base or (merge_base(root) if root else None)
    if root is None or rev is None:
        print("check: no git merge base with origin/main; breaking-change gate skipped", file=sys.stderr)
        return True
    ok = True
    for config in project.apis:
        paths = [config.spec, *config.overlays]
        if not all(p.resolve().is_relative_to(root.resolve()) for p in paths):
            print(
                f"check: {config.name}: spec or overlay outside the repository; breaking-change gate skipped",
                file=sys.stderr,
            )
            continue
        rel = config.spec.resolve().relative_to(root.resolve()).as_posix()
        if version_at(root, rev, config.spec) is None:
            continue  # a new API: nothing to break
        with checkout(root, rev, paths) as tmp:
            moved = tuple(
                tmp / o.resolve().relative_to(root.resolve())
                for o in config.overlays
                if (tmp / o.resolve().relative_to(root.resolve())).exists()
            )
            old = load_spec(tmp / rel, moved)
            old.labels = dict.fromkeys(old.labels, f"{rev[:12]}:{rel}")
            new = load_spec(config.spec, config.overlays)
            if old.diagnostics.has_errors or new.diagnostics.has_errors:
                continue  # reported by the generation check itself
            old_lock = file_at(root, rev, project.output / config.name / LOCK)  # the lock it was released with
            compared = compare(old, new, config, Speed(cache=None), old_lock)
        result = compared.result  # a side that does not generate: the spec's changes alone (check reports it)
        if result.bump != "major":
            continue
        breaking = [c for c in result.changes if c.level == "breaking"]
        count = len(breaking) + len(result.breaking_api)
        pyproject = (project.output / config.name / "pyproject.toml").resolve()
        before = previous_version({"pyproject.toml": version_at(root, rev, pyproject)})
        after = previous_version(
            {"pyproject.toml": pyproject.read_text(encoding="utf-8") if pyproject.is_file() else None}
        )
        spec_bumped = str((old.data.get("info") or {}).get("version")) != str(
            (new.data.get("info") or {}).get("version")
        )
        if after.split(".")[0] != before.split(".")[0] or spec_bumped:
            print(
                f"check: {config.name}: {count} breaking change(s) since {rev[:12]}, released as {before} -> {after}",
                file=sys.stderr,
            )
            continue
        ok = False
        print(
            f"check: {config.name}: {count} breaking change(s) since {rev[:12]} without a major version bump:",
            file=sys.stderr,
        )
        for change in breaking:
            print(
                f"  breaking {change.rule}: {change.where}: {change.message} ({change.old or change.new})",
                file=sys.stderr,
            )
        for api_change in result.breaking_api:
            print(f"  breaking public API: {api_change.text}", file=sys.stderr)
        print(
            f"check: run 'make generate' (it bumps {config.name} to the next major version)"
            f" or bump info.version in {rel}",
            file=sys.stderr,
        )
    return ok
