"""The pipeline, in order: load -> validate -> build IR -> render -> format -> release -> files.

Each stage is a pure function of ``generator.core`` (only ``load`` reads and ``write`` writes the
disk; writing is the caller's). ``speed`` decides how they are run (a worker for a large document's
validation, caches, a formatting pool) and never what they give.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import ApiConfig
from .core import build_ir, format, load, render, validate
from .core.build_ir import lock as names
from .core.diagnostics import Diagnostics
from .core.ir import Api
from .core.load import RefPolicy, Spec
from .drift import release
from .drift.diff import DiffResult
from .speed import Pending, Speed, inputs, is_large


@dataclass
class GenerationResult:
    files: dict[str, str] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    api: Api | None = None  # the IR the files were rendered from (for tools such as the corpus runner)
    formatting: list[str] = field(default_factory=list)  # chunks black took whole, and why (``generate -v``)
    spec: Spec | None = None  # the loaded, overlaid document
    release: release.Release | None = None  # the version chosen and the changes since the last generation
    names_lock: str | None = None  # the names lock read (the previous release's ``names.lock.json``)
    # Whether a build reading the lock this generation writes gives these names again (``inputs.remember``
    # asks, to key the input cache by that lock): known at once where the names were given settled, else
    # a names-only build started beside rendering (for a large document).
    settled: Pending[bool] | None = None

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors


def build_files(
    config: ApiConfig,
    policy: RefPolicy = RefPolicy(),
    previous: dict[str, str | None] | None = None,
    speed: Speed = Speed(),
    progress: Callable[[str], None] = lambda stage: None,
) -> GenerationResult:
    """Every stage but ``write`` for one API. ``previous`` is the API's previous release
    (``history.committed_tree``, else ``write.previous_tree``): its version, changelog and spec snapshot
    decide the new version, and its names lock the names that stay. ``progress`` is told each stage as it
    starts (the command line shows it)."""
    progress("loading")
    return build_loaded(load.load_spec(config.spec, config.overlays, policy), config, previous, speed, progress)


def build_loaded(
    spec: Spec,
    config: ApiConfig,
    previous: dict[str, str | None] | None = None,
    speed: Speed = Speed(),
    progress: Callable[[str], None] = lambda stage: None,
) -> GenerationResult:
    """``build_files`` of a loaded spec: every stage after ``load``. ``diff`` builds both sides of a change
    this way (the old side's files as the new side's ``previous``), so it releases as ``generate`` does."""
    result = GenerationResult()
    result.spec = spec
    result.diagnostics.extend(spec.diagnostics)
    if spec.diagnostics.has_errors:
        if validate.checkable(spec):  # a reference refused: the document's other problems, in this run too
            result.diagnostics.extend(validate.validate(spec))
        return result
    previous = previous or {}
    run = speed.formatter.run
    # Validation, the spec's changes since the last generation and the new snapshot need nothing that
    # is built here: for a large document they run in a worker meanwhile. Nothing built is used unless
    # validation passes.
    large = is_large(_operations(spec))
    checks = speed.beside(large, _checks, spec, previous)
    try:
        try:
            progress("validating and building")
            result.names_lock = previous.get(names.LOCK)
            api, diags, given = build_ir.build_named(spec, config, names.parse(result.names_lock))
            written = names.text(given)
            if api is not None and speed.cache is not None and written != result.names_lock:
                # Settled by how the names were given (``lock.Recorder.lock``), else shown by a build reading them.
                result.settled = (
                    Pending(call=lambda: True)
                    if given.settled
                    else speed.beside(large, inputs.names_settled, config, spec, written)
                )
            if api is not None:
                api = dataclasses.replace(api, package_version=release.previous_version(previous))
                progress("rendering and formatting")
                files = speed.formatted(
                    large,
                    functools.partial(_prepared, api),
                    render.paths(api),
                    _second_share(api),
                    result.formatting,
                )
        except Exception:
            if not checks.result()[0].has_errors:
                raise  # a valid document that breaks the generator: a bug, not a diagnostic
            api, diags = None, Diagnostics()
        validation, changes, snapshot = checks.result()
    finally:
        checks.close()
    result.diagnostics.extend(validation)
    if result.diagnostics.has_errors or api is None:
        if result.settled is not None:  # nothing will be remembered: the worker is not waited for
            result.settled.close()
            result.settled = None
        if result.diagnostics.has_errors:
            return result
    result.diagnostics.extend(diags)
    if api is None:
        return result
    progress("versioning")
    files[names.LOCK] = written  # part of the release: a change of names is a change of code
    plan = release.plan(changes, files, previous, api.package)
    if plan.version != api.package_version:
        api = dataclasses.replace(api, package_version=plan.version)
        files.update(format.format_files(render.render_versioned(api), run))
    files[release.CHANGELOG] = release.changelog(api.dist_name, api.spec_label, api.version, plan, previous)
    files[release.SNAPSHOT] = snapshot
    result.api, result.release, result.files = api, plan, files
    return result


def _prepared(api: Api, paths: frozenset[str]) -> format.Prepared:
    """The files of ``paths``, rendered and planned for formatting."""
    return format.prepare(render.render(api, only=paths), render.verbatim(api))


def _second_share(api: Api) -> frozenset[str]:
    """About half the rendering and planning of a large package, for a second process: the modules of
    ``models/`` and ``resources/`` dealt to two shares by their estimated cost, heaviest first, each to
    the lighter share (a model's field costs about a fiftieth of an operation); the second share's are
    these, with ``models/__init__``."""
    pkg = api.package
    weights = {
        f"{pkg}/models/{m.module}.py": sum(len(model.fields) + 3 for model in m.models)
        + sum(len(enum.members) + 2 for enum in m.enums)
        + len(m.aliases)
        for m in api.model_modules
    }
    weights.update(
        {
            f"{pkg}/resources/{m.module}.py": _OPERATION_WEIGHT * sum(len(r.operations) for r in m.resource.walk())
            for m in api.resource_modules
        }
    )
    mine = theirs = 0
    share = [f"{pkg}/models/__init__.py"]
    for path, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        if theirs < mine:
            share.append(path)
            theirs += weight
        else:
            mine += weight
    return frozenset(share)


#: What rendering and planning an operation's resource code costs, in model fields (measured on GitHub,
#: Stripe and Mailchimp: 0.3-0.7 ms an operation, about 9 us a field).
_OPERATION_WEIGHT = 50


def _checks(spec: Spec, previous: dict[str, str | None]) -> tuple[Diagnostics, DiffResult | None, str]:
    """The spec's diagnostics, its changes since ``previous`` was generated (when it is valid), and its
    snapshot for the next generation."""
    diags = validate.validate(spec)
    changes = None if diags.has_errors else release.spec_changes(spec, previous)
    return diags, changes, release.snapshot(spec)


def _operations(spec: Spec) -> int:
    paths: Any = spec.data.get("paths")
    return sum(len(item) for item in paths.values() if isinstance(item, dict)) if isinstance(paths, dict) else 0
