"""A call in a forked worker (generator/speed/workers.py): its value, its exception, a child that dies, and
workers (forked, or black's pool) that end with a parent killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
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


# -- a worker never outlives its parent ------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"  # a zombie has ended; only its exit status is left


def _ended_within(pids: list[int], seconds: float) -> float | None:
    """How long ``pids`` took to end (None: some are still running after ``seconds``; they are killed)."""
    began = time.monotonic()
    while any(_alive(pid) for pid in pids) and time.monotonic() - began < seconds:
        time.sleep(0.002)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return None if left else time.monotonic() - began


def _parent(script: str) -> subprocess.Popen[str]:
    """A Python process running ``script``, which prints the process ids of its workers on one line."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc")
def test_a_forked_worker_ends_when_its_parent_is_killed():
    parent = _parent(
        """
        import time
        from generator.speed.workers import Forked

        worker = Forked(time.sleep, 600)
        print(worker._process.pid, flush=True)
        time.sleep(600)
        """
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]  # type: ignore[union-attr]
    assert workers and all(_alive(pid) for pid in workers)
    parent.kill()
    parent.wait(timeout=60)
    took = _ended_within(workers, 10)
    assert took is not None, "the worker outlived its parent by 10 s"
    assert took < 1.0, f"{took:.3f} s"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc")
def test_black_s_pool_ends_when_its_parent_is_killed():
    parent = _parent(
        """
        import multiprocessing, os, threading, time
        from generator.speed import formatting

        formatting.PARALLEL_OVER_SECONDS = 0.0
        call = "value = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")"
        jobs = [("chunk", f"def f{i}():\\n    {call}\\n    return value\\n", 0, False) for i in range(50_000)]

        def tell():
            for _ in range(6000):  # until the pool has started (bounded: 60 s)
                children = multiprocessing.active_children()
                if children:
                    print(" ".join(str(c.pid) for c in children), flush=True)
                    return
                time.sleep(0.01)

        threading.Thread(target=tell, daemon=True).start()
        formatting.Formatter(None, parallel=True).run(jobs)
        """
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]  # type: ignore[union-attr]
    assert workers and all(_alive(pid) for pid in workers)
    parent.kill()
    parent.wait(timeout=60)
    took = _ended_within(workers, 10)
    assert took is not None, "the pool's workers outlived their parent by 10 s"
    assert took < 1.0, f"{took:.3f} s"


def test_a_worker_whose_parent_has_already_ended_ends_at_once():
    # The parent can die between the fork and the worker's first line: the worker then has another
    # parent already, and ends instead of starting the work.
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os\n"
            "from generator.speed.workers import start_worker\n"
            "start_worker(os.getppid() + 1)\n"
            "print('worked for a parent that is gone')\n",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", "")
