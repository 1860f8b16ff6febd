"""Command line: ``python -m generator generate | check | validate | diff | mock | update-spec | learn``.

Exit codes: 0 success, 1 errors or drift, 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .config import ApiConfig, ConfigError, ProjectConfig, load_project
from .core.build_ir.lock import LOCK
from .core.keep import KeepList, KeepListError
from .core.load import RefPolicy, Spec, load_spec
from .core.names import snake
from .core.validate import validate
from .core.write import (
    LOCK_WAIT,
    MARKER,
    Drift,
    WriteError,
    check_output_folder,
    compare,
    digests,
    locked,
    previous_tree,
    recorded_files,
    write_tree,
)
from .drift import history
from .drift import learn as learning
from .drift.check import breaking_gate
from .drift.check import compare as compare_sides
from .drift.diff import as_json, as_markdown, as_text
from .drift.history import HistoryError, resolve_side
from .drift.update import update_spec
from .mock import MockError, MockOptions, MockServer, MockSpecError
from .pipeline import GenerationResult, build_files
from .speed import Speed, inputs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="specgen",
        description="Typed Python clients from OpenAPI 3.0/3.1 documents (also: python -m generator).",
    )
    parser.add_argument("--version", action="version", version=f"specgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, verb: str) -> None:
        p.add_argument(
            "--project",
            type=Path,
            default=Path("."),
            help="folder holding pyproject.toml with [tool.generator] (default: .)",
        )
        p.add_argument("--spec", type=Path, help=f"{verb} this spec instead of the project's configured APIs")
        p.add_argument(
            "--overlay",
            type=Path,
            action="append",
            default=[],
            help="OpenAPI Overlay 1.0 document to apply (repeatable)",
        )
        p.add_argument("--name", help="short name of the API (default: from the spec's file name)")
        p.add_argument("--package", help="import package name (default: <name>_client)")
        p.add_argument("--client", help="client class name (default: from the spec's title)")
        p.add_argument("--allow-remote-refs", action="store_true", help="let $ref fetch http(s) URLs")
        p.add_argument(
            "--allow-outside-refs", action="store_true", help="let $ref read files outside the spec's folder"
        )
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        p.add_argument(
            "-v", "--verbose", action="store_true", help="print every warning and info where it is, none grouped"
        )
        if verb != "validate":
            p.add_argument(
                "--no-cache", action="store_true", help="read and write no cache (check always runs without)"
            )

    gen = sub.add_parser("generate", help="write packages (all configured APIs, or --spec into --out)")
    common(gen, "generate")
    gen.add_argument(
        "--out", type=Path, help="with --spec: the package folder to write (default: a folder named after the API)"
    )
    gen.add_argument(
        "--force", action="store_true", help="replace the output folder even where it holds files specgen did not write"
    )
    gen.add_argument(
        "--wait",
        type=float,
        default=LOCK_WAIT,
        metavar="SECONDS",
        help=f"wait this long for another generation into the same folder to end (default {LOCK_WAIT:g})",
    )
    chk = sub.add_parser("check", help="fail when a spec is invalid or the output is not what generation gives")
    common(chk, "check")
    chk.add_argument("--out", type=Path, help="with --spec: the package folder to compare")
    chk.add_argument(
        "--base", help="revision to gate breaking changes against (default: git merge-base HEAD origin/main)"
    )
    chk.add_argument("--no-base", action="store_true", help="skip the breaking-change gate against the merge base")
    val = sub.add_parser("validate", help="validate specs and report diagnostics (writes nothing)")
    common(val, "validate")
    dif = sub.add_parser(
        "diff",
        help="classify the changes between two specs (file or git:REV:path) and between the packages they generate",
    )
    dif.add_argument("old", help="old spec: a file, or git:REV:path (path from the repository root)")
    dif.add_argument("new", help="new spec: a file, or git:REV:path")
    dif.add_argument(
        "--overlay",
        type=Path,
        action="append",
        default=[],
        help="overlay applied to both sides (at the side's revision); default: the configured API's overlays",
    )
    dif.add_argument(
        "--api",
        help="the configured API both sides are generated as (its overlays and options); default: the one whose"
        " spec is NEW's (or OLD's) file, else a package named after the file",
    )
    dif.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help="folder holding pyproject.toml with [tool.generator] (default: .)",
    )
    dif.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text, json (schema specgen-diff/1, for CI) or markdown (a pull-request comment); default text",
    )
    dif.add_argument(
        "--fail-on",
        choices=("breaking", "warning", "never"),
        default="breaking",
        help="exit 1 on changes this severe (default: breaking)",
    )
    dif.add_argument("--allow-remote-refs", action="store_true", help="let $ref fetch http(s) URLs")
    dif.add_argument("--allow-outside-refs", action="store_true", help="let $ref read files outside the spec's folder")
    mck = sub.add_parser("mock", help="serve a spec's operations over HTTP from its examples and schemas")
    mck.add_argument("spec", help="a spec file, or the name of a configured API (its overlays applied)")
    mck.add_argument(
        "--project", type=Path, default=Path("."), help="folder whose pyproject.toml names the APIs (default: .)"
    )
    mck.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --allow-external)"
    )
    mck.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    mck.add_argument("--allow-external", action="store_true", help="allow binding a non-loopback address")
    mck.add_argument(
        "--overlay", type=Path, action="append", default=[], help="OpenAPI Overlay 1.0 document to apply (repeatable)"
    )
    mck.add_argument(
        "--actual",
        type=Path,
        metavar="TRUE",
        help="build replies from this description of what the server really sends (a spec, or an Overlay applied"
        " to the documented one); requests are still read by the documented one",
    )
    mck.add_argument("--log", type=Path, help="append every request as a JSON line to this file")
    mck.add_argument("--latency", default="0", help="milliseconds added to every reply: N or MIN-MAX")
    mck.add_argument(
        "--sequence",
        action="append",
        default=[],
        metavar="'GET /path=503,503,200'",
        help="statuses served in order for an operation (repeatable)",
    )
    mck.add_argument("--retry-after", help="Retry-After value sent with 429 and 503")
    mck.add_argument(
        "--pages", type=int, default=3, help="pages a paginated operation serves (default 3; 1 serves its body unpaged)"
    )
    mck.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="SCHEME=VALUE",
        help="accept only this value for a security scheme",
    )
    lrn = sub.add_parser(
        "learn",
        help="turn what generated clients observed (specgen-observations/1 files) into Overlay actions",
    )
    lrn.add_argument("observations", nargs="+", type=Path, help="observation files, merged (docs/observations.md)")
    lrn.add_argument("--spec", type=Path, help="the spec the client was generated from")
    lrn.add_argument(
        "--api", help="a configured API instead of --spec: its spec and overlays; the actions go into its last overlay"
    )
    lrn.add_argument(
        "--project", type=Path, default=Path("."), help="folder whose pyproject.toml names the APIs (default: .)"
    )
    lrn.add_argument(
        "--overlay", type=Path, action="append", default=[], help="with --spec: an overlay the client saw (repeatable)"
    )
    lrn.add_argument("--out", type=Path, help="write the learned actions as a new overlay to this file")
    lrn.add_argument(
        "--patch", action="store_true", help="edit the spec file itself (a hand-written spec), comments kept"
    )
    lrn.add_argument(
        "--min-count", type=int, default=1, metavar="N", help="learn only what was seen at least N times (default 1)"
    )
    lrn.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when something is left to learn, else 0"
    )
    lrn.add_argument("-v", "--verbose", action="store_true", help="also list what is already allowed or skipped")
    lrn.add_argument("--allow-remote-refs", action="store_true", help="let $ref fetch http(s) URLs")
    lrn.add_argument("--allow-outside-refs", action="store_true", help="let $ref read files outside the spec's folder")
    upd = sub.add_parser(
        "update-spec", help="replace a configured API's vendor spec, re-apply its overlays, show the diff, regenerate"
    )
    upd.add_argument("api", help="name of the API in [tool.generator]")
    upd.add_argument(
        "--from",
        dest="source",
        required=True,
        help="the new vendor file: a path, or an http(s) URL (fetched only because you named it)",
    )
    upd.add_argument(
        "--project", type=Path, default=Path("."), help="folder whose pyproject.toml names the APIs (default: .)"
    )
    upd.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="how the diff is shown (default: text)"
    )
    return parser


def _jobs(args: argparse.Namespace) -> tuple[list[ApiConfig], Path, bool]:
    """(APIs, output root, whether the root holds one folder per API)."""
    if args.spec:
        name = args.name or snake(args.spec.stem) or "api"
        config = ApiConfig(
            name=name,
            spec=args.spec,
            overlays=tuple(args.overlay),
            package=args.package or "",
            client=args.client or "",
        )
        out = getattr(args, "out", None) or Path(name)
        return [config], out, False
    project: ProjectConfig = load_project(args.project)
    return list(project.apis), project.output, True


@dataclass
class _Run:
    files: dict[str, str] | None  # None: a spec failed
    out: Path
    count: int
    up_to_date: bool  # every API recognised as unchanged: nothing to compare or write
    per_api: bool  # files are keyed "API name/path" (a project), not by the path alone (--spec)
    # to remember once the tree holds them: config, spec, folder, files, lock read, lock settled
    generated: list[tuple[ApiConfig, Any, Path, dict[str, str], str | None, Any]]


def _unkept(tree: dict[str, str | None]) -> dict[str, str | None] | None:
    """An API's folder without what its keep-list (``.specgenignore``) keeps; None when that list cannot
    be read (the write then says why)."""
    try:
        keep = KeepList.from_tree(tree)
    except KeepListError:
        return None
    return keep.unkept(tree) if keep else tree


def _keeps_generated(on_disk: dict[str, str | None], written: dict[str, str | None]) -> bool:
    """Whether the manifest lists a file the keep-list keeps (its generated text is then not on disk)."""
    recorded = recorded_files(on_disk.get(MARKER))
    return recorded is None or any(p not in written for p in recorded)


def _speed(args: argparse.Namespace) -> Speed:
    """``check`` compares against a generation without caches, as does any command given --no-cache."""
    return Speed(cache=None) if getattr(args, "no_cache", False) or args.command == "check" else Speed()


def _run(args: argparse.Namespace) -> _Run:
    """Generate every API in memory."""
    apis, out, per_api = _jobs(args)
    policy = RefPolicy(allow_outside=args.allow_outside_refs, allow_remote=args.allow_remote_refs)
    files: dict[str, str] = {}
    failed = False
    fresh = 0  # APIs whose output was already what generation gives (input cache)
    generated: list[tuple[ApiConfig, Any, Path, dict[str, str], str | None, Any]] = []
    speed = _speed(args)
    todo: list[tuple[ApiConfig, dict[str, str | None], Path]] = []
    kept_fresh: list[tuple[ApiConfig, dict[str, str | None], Path]] = []
    for config in apis:
        on_disk = previous_tree(out, config.name if per_api else None)
        # The previous release: the folder as last committed, else (outside git) as it is.
        committed = history.committed_tree(out, config.name if per_api else None)
        previous = on_disk if committed is None else committed
        api_out = out / config.name if per_api else out
        written = _unkept(on_disk)  # what generation wrote there: its keep-list's paths are not
        if (
            speed.cache is not None
            and written is not None
            and (previous is on_disk or previous == on_disk)
            and inputs.unchanged(config, policy, api_out, written, on_disk.get(LOCK))
        ):
            # Nothing the output depends on changed and nobody edited it: it is still the answer.
            for rel, text in written.items():
                if rel != MARKER and text is not None:
                    files[f"{config.name}/{rel}" if per_api else rel] = text
            fresh += 1
            if _keeps_generated(on_disk, written):
                # What generation gives at a kept path is not on disk, yet the manifest lists it: were
                # another API to be written, this one is built again for it.
                kept_fresh.append((config, previous, api_out))
            continue
        todo.append((config, previous, api_out))
    if todo and kept_fresh:
        todo = sorted([*todo, *kept_fresh], key=lambda job: apis.index(job[0]))
    for config, previous, api_out in todo:
        with _Progress(config.name, args) as progress:
            result: GenerationResult = build_files(config, policy, previous, speed, progress)
        _report(result.diagnostics, args, config.name)
        if getattr(args, "verbose", False):
            for line in result.formatting:  # what cost the formatter's fast path, and why
                print(f"{config.name}: format: {line}", file=sys.stderr)
        # An overlay action that matches nothing (W025) means the vendor file moved under it: drift.
        stale_overlay = args.command == "check" and any(d.code == "W025" for d in result.diagnostics.warnings)
        if stale_overlay:
            print(
                f"check: {config.name}: an overlay action matches nothing (W025 above), so check fails: the vendor"
                " spec moved under the overlay; update the action's target",
                file=sys.stderr,
            )
        if not result.ok or stale_overlay or (args.strict and result.diagnostics.warnings):
            failed = True
            continue
        for rel, text in result.files.items():
            files[f"{config.name}/{rel}" if per_api else rel] = text
        if result.spec is not None:
            generated.append((config, result.spec, api_out, result.files, result.names_lock, result.settled))
    up_to_date = fresh == len(apis) and (out / MARKER).is_file()
    return _Run(None if failed else files, out, len(apis), up_to_date, per_api, generated)


class _Progress:
    """The stage a generation is in, on one line of stderr rewritten in place (``kombo: formatting,
    1.2 s``), when stderr is a terminal and neither -q nor -v is given; cleared when it ends. Elsewhere
    (a log, CI) nothing: the one-line summary at the end says what was done."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        self.name = name
        self.on = sys.stderr.isatty() and not args.quiet and not getattr(args, "verbose", False)
        self.started = time.monotonic()

    def __call__(self, stage: str) -> None:
        if self.on:
            sys.stderr.write(f"\r\x1b[K{self.name}: {stage}, {time.monotonic() - self.started:.1f} s")
            sys.stderr.flush()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _report(diagnostics: Any, args: argparse.Namespace, name: str) -> None:
    """The diagnostics on stderr: errors each on its own line; warnings and infos once per problem, with
    how many more places have it (``-v``: each where it is; ``-q``: none); then a count per code."""
    if getattr(args, "quiet", False):
        for diagnostic in diagnostics.errors:
            print(diagnostic, file=sys.stderr)
        return
    if getattr(args, "verbose", False):
        diagnostics.print()
    else:
        for diagnostic, count in diagnostics.grouped():
            more = f" (and {count - 1} more like it; -v lists each)" if count > 1 else ""
            print(f"{diagnostic}{more}", file=sys.stderr)
    if len(diagnostics):
        print(f"{name}: {diagnostics.summary()}", file=sys.stderr)


#: Output folders swapped for a new generation by this process, in order.
_SWAPPED: list[Path] = []


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    before = len(_SWAPPED)
    try:
        with contextlib.ExitStack() as held:
            return _main(args, held)
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        if len(_SWAPPED) > before:
            left = f"; {_SWAPPED[-1]} holds the new generation"
        elif args.command in ("generate", "update-spec"):
            left = f"; {out or 'the output'} left unchanged"
        else:
            left = ""
        print(f"{args.command}: interrupted{left}", file=sys.stderr)
        return 130


def _claim(args: argparse.Namespace, held: contextlib.ExitStack) -> None:
    """Judge the output folder before anything in it is read (``write.check_output_folder``: a folder
    specgen did not make is refused at once, however much it holds), and for ``generate`` hold it until
    the command ends, so two generations into one folder run one after the other."""
    if args.command not in ("generate", "check"):
        return
    out = _jobs(args)[1]
    check_output_folder(out)
    if args.command == "generate":

        def waiting(holder: str) -> None:
            if not args.quiet:
                print(
                    f"generate: {out} is being generated by {holder}; waiting for it to end (at most {args.wait:g} s)",
                    file=sys.stderr,
                )

        held.enter_context(locked(out, args.wait, waiting))


def _main(args: argparse.Namespace, held: contextlib.ExitStack) -> int:
    if args.command == "learn":
        return _learn(args)
    if getattr(args, "out", None) and not getattr(args, "spec", None):
        print(
            f"error: {args.command} --out needs --spec; the project's APIs go where [tool.generator] output says",
            file=sys.stderr,
        )
        return 2
    try:
        if args.command == "diff":
            return _diff(args)
        if args.command == "mock":
            return _mock(args)
        if args.command == "update-spec":
            return update_spec(load_project(args.project), args.api, args.source, args.format, regenerate=main)
        _claim(args, held)
        run = _run(args)
        files, out, count = run.files, run.out, run.count
        gate_ok = (
            breaking_gate(load_project(args.project), args.base)
            if args.command == "check" and not (args.spec or args.no_base)
            else True
        )
    except (ConfigError, HistoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:  # the output folder refused or busy, before anything was read or written
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if files is None:
        print(
            f"{args.command}: failed" + (f"; {out} left unchanged" if args.command == "generate" else ""),
            file=sys.stderr,
        )
        return 1
    if args.command == "validate":
        print(f"{count} spec(s) valid")
        return 0
    if args.command == "check":
        try:
            drift = Drift() if run.up_to_date else compare(out, files)
        except WriteError as exc:  # a keep-list that cannot be read
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if drift.clean:
            print(f"check: {out} is up to date ({count} API(s))")
            return 0 if gate_ok else 1
        for path in drift.changed:
            print(f"stale: {out / path} differs from what the spec generates", file=sys.stderr)
            if path in drift.diffs:
                print(drift.diffs[path], file=sys.stderr)
        for path in drift.missing:
            print(f"missing: {out / path} would be generated", file=sys.stderr)
        for path in drift.extra:
            print(f"extra: {out / path} is not generated by any spec", file=sys.stderr)
        print(f"check: {out} is out of date; run 'make generate'", file=sys.stderr)
        return 1
    hashes = None if run.up_to_date else digests(files)
    try:
        changed = (
            False
            if run.up_to_date
            else write_tree(out, files, hashes, force=args.force, swapped=lambda: _SWAPPED.append(out))
        )
    except (WriteError, OSError) as exc:
        # A WriteError says whether the folder changed (the swap happened, then a step after it failed: the
        # message says what it holds); an OSError comes only from before the swap.
        left = f"; {out} left unchanged" if getattr(exc, "unchanged", True) else ""
        print(f"error: {exc}{left}", file=sys.stderr)
        return 1
    if not args.no_cache:
        _remember(args, run, hashes)
    if not args.quiet:
        print(f"generate: {out} {'updated' if changed else 'already up to date'} ({count} API(s), {len(files)} files)")
    return 0


def _collect_garbage_rarely() -> None:
    """A large generation allocates millions of objects that live to the end (the loaded documents, the
    IR, the rendered text) and makes few cycles, so the cyclic collector's default thresholds have it
    traverse them again and again: about a tenth of a large generation. The command-line process is
    short-lived; the collector still runs there, much less often (the thresholds mypy uses). The
    library leaves its host's collector alone."""
    gc.set_threshold(200_000, 30, 30)


def _remember(args: argparse.Namespace, run: _Run, hashes: dict[str, str] | None = None) -> None:
    """Record this run's generations in the input cache, once the tree is known to hold their files
    (``hashes``: the written tree's ``digests``, when already computed)."""
    policy = RefPolicy(allow_outside=args.allow_outside_refs, allow_remote=args.allow_remote_refs)
    for config, spec, api_out, every, lock, settled in run.generated:
        prefix = f"{config.name}/" if run.per_api else ""
        try:
            keep = KeepList.from_folder(api_out)
        except KeepListError:
            continue
        files = {rel: text for rel, text in every.items() if not keep.keeps(rel)}  # what generation wrote
        mine = {rel: hashes[prefix + rel] for rel in files} if hashes is not None else None
        inputs.remember(config, policy, spec, api_out, files, mine, lock, settled)


def _diff(args: argparse.Namespace) -> int:
    """``specgen diff OLD NEW``: the spec's changes, and the public API's of the packages both sides
    generate (as the configured API when one matches, its overlays on both sides), with the release
    ``generate`` would make of them."""
    policy = RefPolicy(allow_outside=args.allow_outside_refs, allow_remote=args.allow_remote_refs)
    config = _diff_config(args)
    overlays = tuple(args.overlay) or config.overlays
    with resolve_side(args.old, overlays, policy) as old, resolve_side(args.new, overlays, policy) as new:
        problems = [*old.diagnostics.errors, *new.diagnostics.errors]
        for diagnostic in problems:
            print(diagnostic, file=sys.stderr)
        if problems:
            return 1
        compared = compare_sides(old, new, config, old_lock=_old_lock(args, config))
    for side, diagnostics in compared.failed.items():
        errors = list(diagnostics.errors)
        print(
            f"diff: the {side} side does not generate ({len(errors)} error(s)); public API not compared",
            file=sys.stderr,
        )
        for diagnostic in errors[:5]:
            print(f"  {diagnostic}", file=sys.stderr)
    result = compared.result
    render = {"text": as_text, "json": as_json, "markdown": as_markdown}[args.format]
    sys.stdout.write(render(result))
    return 1 if args.fail_on != "never" and result.fails(args.fail_on) else 0


def _old_lock(args: argparse.Namespace, config: ApiConfig) -> str | None:
    """The names lock ``diff``'s old side was released with, for a configured API: its package's at the
    revision ``git:REV:path`` names, else the one ``generate`` would read now (as last committed, else
    the folder as it is). None for an API generated nowhere."""
    try:
        project = load_project(args.project)
    except ConfigError:
        return None
    if not any(c.name == config.name for c in project.apis):
        return None
    folder = project.output / config.name
    if args.old.startswith("git:"):
        root = history.repo_root(project.root.resolve())
        if root is None:
            return None
        try:
            return history.file_at(root, args.old[4:].partition(":")[0], folder / LOCK)
        except HistoryError:
            return None
    committed = history.committed_tree(project.output, config.name)
    previous = previous_tree(project.output, config.name) if committed is None else committed
    return previous.get(LOCK)


def _side_path(arg: str) -> Path | None:
    """The file a side of ``diff`` names (``git:REV:path``: the path in this checkout)."""
    if not arg.startswith("git:"):
        return Path(arg).resolve()
    rel = arg[4:].partition(":")[2]
    root = history.repo_root(Path.cwd())
    return (root / rel).resolve() if rel and root is not None else None


def _diff_config(args: argparse.Namespace) -> ApiConfig:
    """The API configuration ``diff`` generates both sides with: ``--api``'s, else the configured API
    whose spec is NEW's or OLD's file, else one named after NEW's file."""
    try:
        project: ProjectConfig | None = load_project(args.project)
    except ConfigError:
        if args.api:
            raise
        project = None
    apis = project.apis if project is not None else ()
    if args.api:
        named = [c for c in apis if c.name == args.api]
        if not named:
            raise ConfigError(f"--api {args.api!r}: no such API in {args.project / 'pyproject.toml'}")
        return named[0]
    for side in (args.new, args.old):
        path = _side_path(side)
        for config in apis:
            if path is not None and config.spec.resolve() == path:
                return config
    stem = Path(args.new.rpartition(":")[2] if args.new.startswith("git:") else args.new).stem
    return ApiConfig(name=_plain_name(stem), spec=Path(args.new), overlays=tuple(args.overlay))


def _plain_name(stem: str) -> str:
    """An API name from a file name (``diff`` of a spec no configuration names)."""
    name = snake(stem) or "api"
    return name if name[:1].isalnum() else "api"


def _learn(args: argparse.Namespace) -> int:
    """``specgen learn``: 0 learned (or nothing to learn), 1 ``--check`` found something to learn or the
    learned description would not validate, 2 input that cannot be read."""

    def usage(message: str) -> int:
        print(f"error: learn: {message}", file=sys.stderr)
        return 2

    if (args.spec is None) == (args.api is None):
        return usage("give --spec SPEC or --api NAME (one of them)")
    if args.patch and args.out:
        return usage("--patch edits the spec itself; --out writes a new overlay: give one")
    if args.min_count < 1:
        return usage("--min-count must be at least 1")
    policy = RefPolicy(allow_outside=args.allow_outside_refs, allow_remote=args.allow_remote_refs)
    append_to: Path | None = None
    if args.api:
        try:
            apis = load_project(args.project).apis
        except ConfigError as exc:
            return usage(str(exc))
        config = next((a for a in apis if a.name == args.api), None)
        if config is None:
            return usage(f"no API {args.api!r} in {args.project / 'pyproject.toml'} (it has {[a.name for a in apis]})")
        spec_path, overlays = config.spec, config.overlays + tuple(args.overlay)
        if not (args.out or args.patch or args.check):
            if not config.overlays or args.overlay:
                return usage(
                    f"API {args.api!r} has {'no overlay' if not config.overlays else 'extra --overlay files'}: "
                    "give --out FILE (or --patch)"
                )
            append_to = config.overlays[-1]
    else:
        spec_path, overlays = args.spec, tuple(args.overlay)
        if not (args.out or args.patch or args.check):
            return usage("give --out FILE (a new overlay) or --patch (edit the spec), or --check")
    spec = load_spec(spec_path, overlays, policy)
    if spec.diagnostics.has_errors:
        for diagnostic in spec.diagnostics.errors:
            print(diagnostic, file=sys.stderr)
        return 2
    try:
        observations = learning.read_observations(args.observations)
        outcome = learning.learn(spec, observations, args.min_count, targets=not args.patch)
    except learning.LearnError as exc:
        for diagnostic in exc.diagnostics.errors:
            print(diagnostic, file=sys.stderr)
        return 2
    for line in learning.lines(outcome, args.verbose):
        print(line)
    print(f"learn: {learning.summary(outcome, args.min_count)}")
    if args.check:
        return 1 if outcome.learned else 0
    if not outcome.learned:
        print("learn: nothing to learn; nothing written")
        return 0
    base_errors = {str(d) for d in validate(spec).errors}
    learned_spec = Spec(root=spec.root, documents={**spec.documents, spec.root: outcome.after}, labels=spec.labels)
    new_errors = [d for d in validate(learned_spec).errors if str(d) not in base_errors]
    if new_errors:
        for diagnostic in new_errors:
            print(diagnostic, file=sys.stderr)
        print("learn: the learned description would not validate; nothing written", file=sys.stderr)
        return 1
    try:
        if args.patch:
            target: Path = spec_path
            text = learning.patched(spec_path.read_text(encoding="utf-8"), spec_path.suffix.lower() == ".json", outcome)
            learning.write_verified(target, text, lambda t: load_spec(t, overlays, policy).data, outcome.after)
            done = f"patched {target}"
        elif append_to is not None:
            target = append_to
            text = learning.appended(append_to.read_text(encoding="utf-8"), outcome)
            kept = overlays[:-1]
            learning.write_verified(
                target, text, lambda t: load_spec(spec_path, (*kept, t), policy).data, outcome.after
            )
            done = f"appended {len(outcome.actions)} action(s) to {target}"
        else:
            target = args.out
            extends = Path(os.path.relpath(spec_path.resolve(), target.resolve().parent)).as_posix()
            text = learning.overlay_text(outcome, extends)
            learning.write_verified(
                target, text, lambda t: load_spec(spec_path, (*overlays, t), policy).data, outcome.after
            )
            done = f"wrote {target}"
    except (OSError, ValueError) as exc:
        print(f"error: learn: {target}: {exc.strerror if isinstance(exc, OSError) else exc}", file=sys.stderr)
        return 2
    print(f"learn: {done}")
    return 0


def _mock(args: argparse.Namespace) -> int:
    spec, overlays = Path(args.spec), tuple(args.overlay)
    if not spec.exists() and (args.project / "pyproject.toml").exists():
        config = next((a for a in load_project(args.project).apis if a.name == args.spec), None)
        if config is not None:
            spec, overlays = config.spec, config.overlays + overlays
    low, _, high = str(args.latency).partition("-")
    sequences = {}
    for item in args.sequence:
        key, _, statuses = item.rpartition("=")
        sequences[key.strip()] = [int(s) for s in statuses.split(",") if s.strip().isdigit()]
    options = MockOptions(
        latency_ms=(float(low or 0), float(high or low or 0)),
        sequences=sequences,
        retry_after=args.retry_after,
        credentials=dict(c.split("=", 1) for c in args.credential if "=" in c),
        log_file=args.log,
        pages=args.pages,
    )
    try:
        server = MockServer(
            spec,
            overlays,
            host=args.host,
            port=args.port,
            options=options,
            allow_external=args.allow_external,
            actual=args.actual,
        )
    except MockSpecError as exc:  # the diagnostics and exit status generate gives the same spec
        _report(exc.diagnostics, args, snake(spec.stem) or "api")
        print("mock: failed", file=sys.stderr)
        return 1
    except MockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(
                f"error: port {args.port} on {args.host} is in use: pick another with --port (0 picks a free one)",
                file=sys.stderr,
            )
        else:
            print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    unmatched = [key for key in sequences if not server.api.serves(key)]
    if unmatched:
        server.stop()
        shown = ", ".join(repr(k) for k in unmatched)
        print(
            f"error: --sequence {shown}: no operation of {spec} has that method and path (give 'METHOD /path' as"
            f" requested, e.g. {server.api.routes[0].method + ' ' + server.api.routes[0].template!r})"
            if server.api.routes
            else f"error: --sequence {shown}: {spec} has no operations",
            file=sys.stderr,
        )
        return 2
    replies = f", replying as {args.actual} says" if args.actual else ""
    print(
        f"mock: serving {len(server.api.routes)} operation(s) of {spec}{replies} at {server.base_url} (Ctrl-C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def run() -> None:
    """The console entry point: ``main``, then out without tearing the heap down object by object
    (tenths of a second after a large generation): every file is written and closed and the workers
    joined; only the standard streams need flushing."""
    _collect_garbage_rarely()
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
