"""A call in a forked worker (generator/workers.py): its value, its exception, and a child that dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from generator.workers import Forked

ROOT = Path(__file__).resolve().parent.parent


def _double(x: int) -> int:
    return 2 * x


def _fail(message: str) -> None:
    raise ValueError(message)


def _die_in_child(parent: int) -> str:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return "done in the parent"


def test_the_value_comes_back():
    assert Forked(_double, 21).result() == 42


def test_the_exception_is_raised_in_the_parent():
    with pytest.raises(ValueError, match="broken on purpose"):
        Forked(_fail, "broken on purpose").result()


def test_a_killed_child_means_the_work_is_done_in_place():
    assert Forked(_die_in_child, os.getpid()).result() == "done in the parent"


def test_close_stops_a_child_whose_result_is_not_wanted():
    import time

    worker = Forked(time.sleep, 30)
    started = time.monotonic()
    worker.close()
    assert time.monotonic() - started < 5
    with pytest.raises(RuntimeError, match="after close"):
        worker.result()


def test_a_large_package_rendered_in_two_processes_equals_the_serial_rendering(tmp_path):
    # Every other resource module is rendered and formatted in a forked worker; the files, their text
    # and their order must be those of rendering everything in one process.
    import json

    from generator import _formatted, build_ir, format, render
    from generator.config import ApiConfig
    from generator.load import load_spec

    paths = {
        f"/{tag}/items{i}": {"get": {"operationId": f"{tag}Get{i}", "tags": [tag], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}
        for tag in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
        for i in range(3)
    }
    path = tmp_path / "tags.json"
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Tags", "version": "1"}, "paths": paths}), encoding="utf-8")
    api, _ = build_ir.build(load_spec(path), ApiConfig(name="tags", spec=path))
    assert api is not None and len(api.resource_modules) == 6
    serial = format.format_files(render.render(api))
    split = _formatted(api, large=True)
    assert list(split) == list(serial) == render.paths(api)
    assert split == serial


def _large_spec(tmp_path):
    import json

    from generator.load import load_spec
    from generator.validate import BACKGROUND_OVER

    paths = {f"/t{i}": {"get": {"operationId": f"g{i}", "responses": {"200": {"description": "ok"}}}} for i in range(BACKGROUND_OVER + 5)}
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths}), encoding="utf-8")
    return load_spec(path)


def test_background_validation_runs_then_after_the_walk_and_hands_back_its_value_or_error(tmp_path):
    from generator import validate

    spec = _large_spec(tmp_path)
    background = validate.Background(spec, then=lambda: (os.getpid(), "done"))
    assert background._worker is not None, "a document this large is walked in a worker"
    pid, value = background.then_result()
    assert value == "done" and pid != os.getpid()  # made in the worker, after the walk
    assert background.result().items == validate.validate(spec).items

    def fails() -> None:
        raise LookupError("then failed")

    with pytest.raises(LookupError, match="then failed"):
        validate.Background(spec, then=fails).then_result()
    assert validate.Background(spec).then_result() is None  # nothing asked for


def test_background_validation_of_a_small_document_runs_then_in_place():
    from pathlib import Path

    from generator import validate
    from generator.load import load_spec

    spec = load_spec(Path(__file__).resolve().parent.parent / "specs" / "kombo.yaml")
    background = validate.Background(spec, then=lambda: os.getpid())
    assert background._worker is None and background.then_result() == os.getpid()


def test_compiled_templates_render_what_fresh_ones_do_and_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    # Templates load from jinja2's bytecode cache beside the generator's compiled modules; one that
    # cannot be written (an installed generator in a read-only place) only means compiling each time.
    from generator import render
    from generator.build_ir import build
    from generator.config import ApiConfig
    from generator.load import load_spec

    spec = load_spec(ROOT / "specs" / "kombo.yaml", (ROOT / "specs" / "kombo.overlay.yaml",))
    api, _ = build(spec, ApiConfig(name="kombo", spec=ROOT / "specs" / "kombo.yaml"))
    assert api is not None
    cached = render.render(api)
    assert render.environment().bytecode_cache is not None
    unwritable = tmp_path / "a-file"
    unwritable.write_text("")
    fresh = render.environment.__wrapped__()  # its own, empty, in-memory cache: every template compiled
    fresh.bytecode_cache = render._TemplateCache(str(unwritable / "cache"))
    original = render.environment
    try:
        render.environment = lambda: fresh  # type: ignore[assignment]
        assert render.render(api) == cached
    finally:
        render.environment = original  # type: ignore[assignment]
    assert not (unwritable / "cache").exists()


def test_a_spilled_text_comes_back_whole_from_a_child_and_in_place():
    from generator.workers import Spill

    text = "snapshot ✓ " * 200_000 + "\udcff"  # beyond a pipe's buffer, non-ASCII, a lone surrogate
    spill = Spill()
    try:
        size = Forked(spill.put, text).result()
        assert spill.take(size) == text
        assert spill.take(spill.put("short")) == "short"  # a shorter text replaces a longer one
        with pytest.raises(RuntimeError, match="cut short"):
            spill.take(size)
    finally:
        spill.close()


def test_a_kept_value_comes_back_only_under_its_key_and_an_unwritable_cache_is_no_error(tmp_path):
    from generator import cache

    path = cache.per_api(tmp_path / "kept", "github")
    cache.keep(path, "key-1", {"texts": ["a", "b"]})
    assert cache.kept(path, "key-1") == {"texts": ["a", "b"]}
    assert cache.kept(path, "key-2") is None  # kept for other code
    path.write_bytes(b"not a pickle")
    assert cache.kept(path, "key-1") is None
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    cache.keep(blocked / "sub" / "x.pickle", "key", [1])  # its folder cannot be made: nothing happens
    cache.store(tmp_path / "dir-not-file", b"x")
    (tmp_path / "dir-not-file").unlink()
    (tmp_path / "dir-not-file").mkdir()
    cache.store(tmp_path / "dir-not-file", b"x")  # a folder in the way: nothing written, nothing left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "dir-not-file", "kept"]
    assert list((tmp_path / "dir-not-file").iterdir()) == []
