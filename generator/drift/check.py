"""``check``'s gate against the merge base: breaking changes since then need a major version."""

from __future__ import annotations

import sys

from ..config import ProjectConfig
from ..core.load import load_spec
from .diff import diff_specs
from .history import checkout, merge_base, repo_root, version_at
from .release import previous_version


def breaking_gate(project: ProjectConfig, base: str | None) -> bool:
    """CI gate: breaking changes since ``base`` (default: the merge base with origin/main) need a major
    version bump (of the generated package or of the spec's info.version). False when one lacks it."""
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
            result = diff_specs(old, new)
        breaking = [c for c in result.changes if c.level == "breaking"]
        if not breaking:
            continue
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
                f"check: {config.name}: {len(breaking)} breaking change(s) since {rev[:12]},"
                f" released as {before} -> {after}",
                file=sys.stderr,
            )
            continue
        ok = False
        print(
            f"check: {config.name}: {len(breaking)} breaking change(s) since {rev[:12]} without a major version bump:",
            file=sys.stderr,
        )
        for change in breaking:
            print(
                f"  breaking {change.rule}: {change.where}: {change.message} ({change.old or change.new})",
                file=sys.stderr,
            )
        print(
            f"check: run 'make generate' (it bumps {config.name} to the next major version)"
            f" or bump info.version in {rel}",
            file=sys.stderr,
        )
    return ok
