"""specgen: OpenAPI 3.0/3.1 -> typed httpx + pydantic v2 client packages.

Library API::

    from generator import generate_package
    result = generate_package("specs/kombo.yaml", name="kombo")   # nothing written
    result.files        # {relative path: text}, or {} when result.diagnostics has errors

The pipeline is one direction: load -> validate -> build IR -> render -> format -> write.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .config import ApiConfig
from .diagnostics import Diagnostics
from .load import RefPolicy
from .workers import Forked, Spill

if TYPE_CHECKING:
    from . import build_ir, history
    from .diff import DiffResult
    from .ir import Api
    from .load import Spec
    from .release import Release

__all__ = ["ApiConfig", "Diagnostics", "GenerationResult", "RefPolicy", "build_files", "generate_package"]


@dataclass
class GenerationResult:
    files: dict[str, str] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    api: Api | None = None  # the IR the files were rendered from (for tools such as the corpus runner)
    spec: Spec | None = None  # the loaded, overlaid document
    release: Release | None = None  # the version chosen and the changes since the last generation
    inputs: tuple[list[str], str] | None = None  # inputs.fingerprint, when a worker made it (large documents)

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors


def build_files(config: ApiConfig, policy: RefPolicy = RefPolicy(), previous: dict[str, str | None] | None = None,
                background: list[Forked[None]] | None = None) -> GenerationResult:
    """Run every stage but ``write`` for one API. ``previous`` is the API's output folder as it is now
    (``write.read_tree``); its version, changelog and spec snapshot decide the new version. Work for
    later runs (keeping the IR memo) is done by the time this returns, or, given ``background``, is
    appended there for the caller to wait on (``result()``) once its own work is done."""
    import dataclasses

    from . import load, release, validate

    result = GenerationResult()
    spec = load.load_spec(config.spec, config.overlays, policy)
    result.spec = spec
    result.diagnostics.extend(spec.diagnostics)
    if spec.diagnostics.has_errors:
        return result
    # A large document is validated in a worker process while this one builds, renders and formats;
    # the same worker then makes the diff against the last snapshot, if there is one (the walk ends
    # well before the rest needs it, and building the IR keeps a core to itself). Nothing built is
    # used unless validation passes.
    previous = previous or {}
    large = validate.is_large(spec)
    # A digest of each component schema and of the rest: what the IR memo and the snapshot's texts
    # are reused by, made once here for the worker to inherit, as are the snapshot's texts.
    parts = load.part_digests(spec) if large else None
    texts = _snapshot_texts(config, previous) if large else None
    # The new snapshot is put together here, while the worker diffs, when the last one's texts are at
    # hand; made whole, it is the worker's, after the diff (encoding the whole document takes memory
    # this process, holding the IR and the rendered files, had better not add to).
    here = texts is not None and texts.likely(spec, parts)
    spill = Spill() if texts is not None and not here else None
    checking = validate.Background(spec, then=functools.partial(_after_walk, config, policy, spec, parts, previous, texts, spill) if texts else None)
    from . import build_ir, format, render  # jinja2 loads while the workers start

    writer: Forked[None] | None = None
    snapshot: str | None = None

    try:
        try:
            if large:
                # What the last build of this API knew: when one component schema changed, the IR is
                # redone for what depends on it alone (``build_ir.rebuild``). The new memo is written
                # by a worker of its own while this process goes on.
                memo = _read_memo(config)
                api, diags, next_memo = build_ir.build_with_memo(spec, config, memo, parts)
                if next_memo is not None and next_memo is not memo:
                    # Yields the cores to the work the generation waits on: the memo is for the next run.
                    writer = Forked(_write_memo, config, next_memo, lower_priority=True)
            else:
                api, diags = build_ir.build(spec, config)
            if api is not None:
                api = dataclasses.replace(api, package_version=release.previous_version(previous))
                kept = _KeptModels(config, memo, next_memo, previous.get(f"{api.package}/models.py")) if large else None
                files = _formatted(api, large, kept)
                if texts is not None and here:
                    snapshot = texts.snapshot(spec, parts)
                plan = release.plan(checking.then_result()[0] if large else release.spec_changes(spec, previous), files, previous)
        except Exception:
            if not checking.result().has_errors:
                raise  # a valid document that breaks the generator: a bug, not a diagnostic
            api, diags = None, Diagnostics()
        result.diagnostics.extend(checking.result())
        if result.diagnostics.has_errors:
            return result
        result.diagnostics.extend(diags)
        if api is None:
            return result
        if plan.version != api.package_version:
            api = dataclasses.replace(api, package_version=plan.version)
            files.update(format.format_files(render.render_versioned(api)))
        files[release.CHANGELOG] = release.changelog(api.dist_name, api.spec_label, api.version, plan, previous)
        if texts is not None:
            _, size, result.inputs = checking.then_result()
            files[release.SNAPSHOT] = snapshot if snapshot is not None else spill.take(size)  # type: ignore[union-attr]
        else:
            files[release.SNAPSHOT] = release.snapshot(spec)
    finally:
        checking.close()
        if spill is not None:
            spill.close()
        if writer is not None and background is not None:
            background.append(writer)
        elif writer is not None:
            writer.result()  # written (or given up on) before the generation counts as done
    result.api = api
    result.release = plan
    result.files = files
    return result


def _snapshot_texts(config: ApiConfig, previous: dict[str, str | None]) -> history.SnapshotTexts:
    from . import history, inputs, release

    return history.SnapshotTexts(cache.per_api(SNAPSHOT_CACHE, config.name), inputs.code_hash(), previous.get(release.SNAPSHOT))


def _after_walk(config: ApiConfig, policy: RefPolicy, spec: Spec, parts: dict[str, bytes] | None, previous: dict[str, str | None],
                texts: history.SnapshotTexts, spill: Spill | None) -> tuple[DiffResult | None, int | None, tuple[list[str], str] | None]:
    """The validation worker's work once the walk is done: the spec's changes since the previous
    snapshot (``release.spec_changes``, its old side from the last snapshot's texts where it can),
    the new snapshot when it is made here (``spill``: its size in bytes returned), and the inputs'
    fingerprint for the command line's cache (which it would otherwise make after writing). One after
    another in this worker, not beside the IR: on two cores a third process would slow the IR down by
    about as much as it saves."""
    from . import inputs, release
    from .write import utf8

    changes = release.spec_changes(spec, previous, texts.previous(spec, parts, release.SNAPSHOT))
    size = spill.put(utf8(texts.snapshot(spec, parts), "surrogatepass")) if spill is not None else None
    return changes, size, inputs.fingerprint(config, policy, spec)


#: Formatted resource modules of large packages, by what they are made from (``_module_keys``).
OUTPUT_CACHE = cache.ROOT / "output"

#: The last IR build of each large API, for the next one (``build_ir.Memo``).
MEMO_CACHE = cache.ROOT / "ir"

#: Where the texts of each large API's last spec snapshot lie in it (``history.SnapshotTexts``).
SNAPSHOT_CACHE = cache.ROOT / "snapshot"

#: Where the classes of each large API's last ``models.py`` lie in it, beside its memo (``models_text``).
MODELS_CACHE = cache.ROOT / "models"


def _memo_key(config: ApiConfig) -> str:
    """What an API's memo is valid for: the generator's code and templates, the API's configuration,
    and Python's version (the memo is a pickle of the generator's own objects)."""
    import hashlib
    import sys

    from . import inputs

    return hashlib.sha256(f"{inputs.code_hash()}\0{config!r}\0{sys.version}".encode()).hexdigest()


def _read_memo(config: ApiConfig) -> build_ir.Memo | None:
    """The memo of this API's last build, or None (none kept, kept for other code, or unreadable)."""
    from . import build_ir

    memo = cache.kept(cache.per_api(MEMO_CACHE, config.name), _memo_key(config))
    return memo if isinstance(memo, build_ir.Memo) else None


def _write_memo(config: ApiConfig, memo: build_ir.Memo) -> None:
    cache.keep(cache.per_api(MEMO_CACHE, config.name), _memo_key(config), memo)


@dataclass(frozen=True, eq=False)
class _KeptModels:
    """Where the classes of an API's ``models.py`` lie in it, kept with the memos they go with: the
    memo the IR was rebuilt from (``old``: the classes of its definitions are taken from ``previous``,
    the module on disk, when its digest is the one kept) and the memo made now (``new``: the new
    module's classes are kept for it)."""

    config: ApiConfig
    old: build_ir.Memo | None
    new: build_ir.Memo | None
    previous: str | None  # models.py as the output folder holds it

    def _key(self, memo: build_ir.Memo) -> str:
        from .format import black_version

        return f"{_memo_key(self.config)}\0{black_version()}\0{memo.token}"

    def _path(self) -> Path:
        return cache.per_api(MODELS_CACHE, self.config.name)

    @functools.cached_property
    def _kept(self) -> Any:
        """The old memo's index of ``previous``, when one is kept (read once)."""
        if self.old is None or self.new is None or self.previous is None:
            return None
        kept = cache.kept(self._path(), self._key(self.old))
        return kept if isinstance(kept, tuple) and len(kept) == 2 else None

    def likely(self) -> bool:
        """Whether ``models_py`` will most likely reuse the classes on disk (an index of them is kept
        for the memo the IR was rebuilt from), before checking them against it."""
        return self._kept is not None

    def models_py(self, api: Api) -> str:
        """``models.py``, from the classes on disk where the IR shares the old memo's definitions."""
        from . import models_text

        made = None
        if self._kept is not None and self.old is not None and self.previous is not None and self._kept[0] == _text_digest(self.previous):
            made = models_text.reusing(api, self.old.api, models_text.texts_in(self.previous, self._kept[1]))
        text, spans = made or models_text.whole(api)
        if self.new is not None and spans:
            cache.keep(self._path(), self._key(self.new), (_text_digest(text), spans))
        return text


def _text_digest(text: str) -> bytes:
    from .write import digest, utf8

    return digest(utf8(text, "surrogatepass"))


def _formatted(api: Api, large: bool, models: _KeptModels | None = None) -> dict[str, str]:
    """Every file rendered and formatted. A large package is split with a forked worker, started
    first, which takes ``models.py`` and every sixth resource module (about half the work of a cold
    run), so both cores render and format at once (``_formatted_share``). When ``models.py`` will
    most likely be put together from its classes on disk, as after one schema changed, there is
    little left to share: it is all done here, without a worker to start, to wait on, or to slow the
    others down by copying the pages it touches."""
    from . import format, render

    if not large:
        return format.format_files(render.render(api))
    every = render.paths(api)
    if models is not None and models.likely():
        made = _formatted_share(api, frozenset(every), models, True)
        return {path: made[path] for path in every}
    modules = [f"{api.package}/resources/{m.module}.py" for m in api.resource_modules]
    theirs = frozenset([f"{api.package}/models.py", *modules[::6]])
    worker = Forked(_formatted_share, api, theirs, models, False)
    try:
        made = _formatted_share(api, frozenset(every) - theirs, None, True)
        made.update(worker.result())
    finally:
        worker.close()
    return {path: made[path] for path in every}


def _formatted_share(api: Api, paths: frozenset[str], models: _KeptModels | None, parallel: bool) -> dict[str, str]:
    """The files of ``paths``, rendered and formatted. A resource module made from the same inputs as
    in an earlier run is taken from the output cache (one schema changed leaves most of them alone),
    and ``models.py`` is put together from its kept classes where it can be (``models``)."""
    from . import format, render

    keys = _module_keys(api, paths)
    found = {path: text for path, key in keys.items() if (text := format.read_cache(key, OUTPUT_CACHE)) is not None}
    models_path = f"{api.package}/models.py"
    rest = paths - found.keys() - ({models_path} if models is not None and models_path in paths else set())
    made = format.format_files(render.render(api, only=rest), parallel=parallel)
    for path, key in keys.items():
        if path in made:
            format.write_cache(key, made[path], OUTPUT_CACHE)
    if models is not None and models_path in paths:
        made[models_path] = models.models_py(api)
    return {**found, **made}


def _module_keys(api: Api, paths: frozenset[str] | None = None) -> dict[str, str]:
    """For each resource module (of ``paths``, or all), a digest of all its formatted text follows
    from: its part of the IR (pickled without the pickler's memo, so equal IR gives equal bytes however
    its objects are shared: built afresh or read back from a memo), the header (the spec's label), the
    generator's code and templates, and black's version. Equal IR that pickles differently would only
    cost a render."""
    import hashlib
    import io
    import pickle

    from . import inputs, render
    from .format import black_version

    base = hashlib.sha256(f"{inputs.code_hash()}\0{black_version()}\0{render.header(api)}\0".encode())
    keys = {}
    for module in api.resource_modules:
        path = f"{api.package}/resources/{module.module}.py"
        if paths is not None and path not in paths:
            continue
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.fast = True  # no memo: the IR is a tree (no cycles), and sharing must not show
        pickler.dump(module)
        digest = base.copy()
        digest.update(buffer.getvalue())
        keys[path] = digest.hexdigest()
    return keys


def generate_package(spec: str | Path, name: str | None = None, overlays: tuple[str | Path, ...] = (),
                     policy: RefPolicy = RefPolicy(), **options: str) -> GenerationResult:
    """Generate one package from any OpenAPI 3.0/3.1 document, in memory."""
    from .names import snake

    spec_path = Path(spec)
    config = ApiConfig(name=name or snake(spec_path.stem) or "api", spec=spec_path, overlays=tuple(Path(o) for o in overlays), **options)  # type: ignore[arg-type]
    return build_files(config, policy)
