"""A call in a forked worker (generator/workers.py): its value, its exception, and a child that dies."""

from __future__ import annotations

import os
import signal

import pytest

from generator.workers import Forked


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
