"""A call in a forked worker (generator/speed/workers.py): its value, its exception, and a child that dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from generator.speed.workers import Forked

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
