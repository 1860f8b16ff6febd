"""black's results by content, and black in worker processes when there is enough of it.

``Formatter.run`` is a ``core.format.Runner``: it gives exactly what ``core.format.run_jobs`` gives for
the same jobs. Each result is cached under a digest of everything ``black_job`` reads: the job itself
(kind, text, indentation, header), black's version, and the mode's settings. A cache entry that
cannot be read, or does not match its seal (``cache.load``), is recomputed and written again; one that
cannot be written is skipped. The pool's workers end with this process, however it ends.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..core import format
from . import cache
from .workers import can_fork, start_worker

#: Worker processes pay for themselves (starting them has a cost of its own) above this much work,
#: estimated from black's cost per character and per call.
PARALLEL_OVER_SECONDS = 0.3
_SECONDS_PER_CHAR = 7e-6
_SECONDS_PER_CALL = 1.5e-3
#: Refused jobs are cached too, as this text (no formatted module is ever empty of a newline).
_REFUSED = ""


def job_key(job: format.Job) -> str:
    mode = format.black_mode()
    settings = f"{format.black_version()}\0{sorted(v.value for v in mode.target_versions)}\0{format.LINE_LENGTH}"
    return hashlib.sha256(f"{settings}\0{job!r}".encode()).hexdigest()


class Formatter:
    """A ``core.format.Runner`` with a cache on disk (``folder``; None: none) and a process pool
    (``parallel``)."""

    def __init__(self, folder: Path | None, parallel: bool) -> None:
        self.folder = folder
        self.parallel = parallel
        self._memory: dict[str, str] = {}

    def run(self, jobs: list[format.Job]) -> list[str | None]:
        keys = [job_key(job) for job in jobs]
        results: dict[str, str] = {}
        missing: dict[str, format.Job] = {}
        for key, job in zip(keys, jobs):
            found = self._memory.get(key)
            if found is None:
                found = self._read(key)
            if found is None:
                missing[key] = job
            else:
                results[key] = found
        todo = list(missing.items())
        for (key, _), text in zip(todo, self._map([job for _, job in todo]) if todo else []):
            results[key] = _REFUSED if text is None else text
            self._write(key, results[key])
        self._memory.update(results)
        return [None if results[key] == _REFUSED else results[key] for key in keys]

    def _map(self, jobs: list[format.Job]) -> list[str | None]:
        estimate = sum(len(job[1]) for job in jobs) * _SECONDS_PER_CHAR + len(jobs) * _SECONDS_PER_CALL
        if not (self.parallel and estimate > PARALLEL_OVER_SECONDS and (os.cpu_count() or 1) > 1 and len(jobs) > 1):
            return format.run_jobs(jobs)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork") if can_fork() else None
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))  # the largest first: even shares
        with ProcessPoolExecutor(
            max_workers=os.cpu_count(), mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
        ) as pool:
            done = dict(zip(order, pool.map(format.black_job, [jobs[i] for i in order], chunksize=8)))
        return [done[i] for i in range(len(jobs))]

    def _read(self, key: str) -> str | None:
        if self.folder is None:
            return None
        data = cache.load(self.folder / key[:2] / key)
        try:
            return None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def _write(self, key: str, text: str) -> None:
        if self.folder is not None:
            cache.store(self.folder / key[:2] / key, text.encode("utf-8"))
