"""The speed layer: how the pipeline's pure stages are run fast, never what they compute.

Two kinds of help, chosen at one seam (``Speed``) and invisible to the stages:

- caches, each wrapping one pure function and keyed by a digest of everything that function reads
  (black's cache discipline), each entry sealed with a digest of its content and used only when it
  matches (``cache``): black's results (``formatting``) and a whole generation's inputs (``inputs``:
  a no-op regeneration skips every stage when nothing it reads has changed). Compiled templates are
  not kept between runs: jinja2's bytecode cache would run whatever code a folder's cache holds, and
  saves about 0.1 s a run;
- parallelism: a large document's validation and release diff in a forked worker while this process
  builds, renders and formats (``Speed.beside``); its files rendered and planned for formatting in two
  processes (``Speed.formatted``); black's share of formatting in a process pool (``formatting``).

``Speed()`` is the default; ``Speed(cache=None)`` is a generation without caches (``--no-cache``),
which ``check`` uses; ``Speed(cache=None, workers=False)`` runs every stage in this process. All three
write the same bytes: ``tests/test_speed.py`` holds them to that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..core import format
from . import cache
from .formatting import Formatter
from .workers import Forked, can_fork

T = TypeVar("T")

#: Documents with more operations than this have their validation run beside the rest of the
#: pipeline in a worker process; below it the fork costs more than the overlap saves.
BACKGROUND_OVER = 150


@dataclass(frozen=True)
class Speed:
    """``cache``: the folder of the caches (None: no cache read or written). ``workers``: whether work
    may go to other processes."""

    cache: Path | None = cache.ROOT
    workers: bool = True

    @cached_property
    def formatter(self) -> Formatter:
        return Formatter(None if self.cache is None else self.cache / "black", self.workers)

    def beside(self, large: bool, fn: Callable[..., T], *args: Any) -> Pending[T]:
        """``fn(*args)``, in a forked worker when the document is ``large`` and workers are allowed, else
        here when its result is first asked for."""
        if large and self.workers and can_fork():
            return Pending(worker=Forked(fn, *args))
        return Pending(call=lambda: fn(*args))

    def formatted(
        self,
        large: bool,
        prepare: Callable[[frozenset[str]], format.Prepared],
        paths: list[str],
        theirs: frozenset[str],
        told: list[str] | None = None,
    ) -> dict[str, str]:
        """The files of ``paths``, formatted, in ``paths`` order, from ``prepare(some paths)`` (the files
        rendered and planned, ``core.format.prepare``). For a large document with workers allowed, a
        forked worker prepares the files of ``theirs`` while this process prepares the rest; black's
        jobs for all of them then go through the formatter at once (and so to its pool). ``prepare``
        must give each file the same text and plan whatever else it is asked for (it does: rendering
        and planning are per file). ``told`` gets what went to black whole, and why (``Prepared.told``)."""
        run = self.formatter.run
        if not (large and self.workers and can_fork() and theirs):
            made = format.finish(ready := prepare(frozenset(paths)), run(ready.plan.jobs), run)
            if told is not None:
                told += ready.told()
        else:
            worker = Forked(prepare, theirs)
            try:
                mine = prepare(frozenset(paths) - theirs)
                other = worker.result()
            finally:
                worker.close()
            done = run([*mine.plan.jobs, *other.plan.jobs])
            if told is not None:
                told += [*mine.told(), *other.told()]
            made = format.finish(mine, done[: len(mine.plan.jobs)], run)
            made.update(format.finish(other, done[len(mine.plan.jobs) :], run))
        return {path: made[path] for path in paths}


class Pending(Generic[T]):
    """A result on its way: from a worker, or computed here on first ``result()``."""

    def __init__(self, worker: Forked[T] | None = None, call: Callable[[], T] | None = None) -> None:
        self._worker, self._call = worker, call
        self._done = False
        self._value: Any = None

    def result(self) -> T:
        if not self._done:
            self._value = self._worker.result() if self._worker is not None else self._call()  # type: ignore[misc]
            self._done = True
        return self._value  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._worker is not None and not self._done:
            self._worker.close()


def is_large(operations: int) -> bool:
    return operations > BACKGROUND_OVER


__all__ = ["Pending", "Speed", "is_large"]
