"""One call in a forked worker process, so a large document's independent stages overlap on a
multi-core machine. The child inherits the loaded document (copy-on-write, nothing pickled on the way
in) and sends its result back through a pipe.

A worker never outlives the process that forked it: whether that process returns, raises, is
interrupted or is killed outright (SIGKILL, the out-of-memory killer), its workers end with it
(``start_worker``), so nothing keeps computing, holding memory, or holding the output folder's lock.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Forked(Generic[T]):
    """``fn(*args)`` started in a forked child; ``result()`` waits for it and returns its value or raises
    its exception. Where fork is unavailable it runs in place, and if the child dies (killed, out of
    memory) ``result()`` runs it in place then."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._fn, self._args = fn, args
        self._process: Any = None
        self._receive: Any = None
        if can_fork():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_send_result, args=(fn, args, send, os.getpid()), daemon=True)
            self._process.start()
            send.close()

    def result(self) -> T:
        if self._process is None:
            return self._fn(*self._args)
        try:
            failed, value = self._receive.recv()
        except EOFError:  # the child died without a word: do the work here instead
            failed, value = False, self._fn(*self._args)
        finally:
            self.close()
        if failed:
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child if its result is no longer wanted."""
        if self._process is not None:
            self._receive.close()
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
            self._fn = _gone


def _gone(*args: Any) -> Any:
    raise RuntimeError("result() after close()")


def start_worker(parent: int) -> None:
    """First thing in a worker forked from ``parent`` (its process id): end with it, and leave Ctrl-C
    to it."""
    die_with_parent(parent)
    ignore_interrupts()


def ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers and says so in one line),
    so a worker neither dies with a traceback of its own nor leaves one on the terminal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def die_with_parent(parent: int) -> None:
    """End this process, forked from ``parent``, as soon as ``parent`` ends, however it ends. On Linux the
    kernel sends it SIGKILL then (``prctl(PR_SET_PDEATHSIG)``, which needs no help from the parent);
    elsewhere a thread of its own looks for the parent every 0.2 s. A parent that ended before this ran
    (this process has been handed to another parent already) ends it at once."""
    if not _killed_with_parent():
        threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _killed_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when the thread that forked it ends; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # wanted only here

    pr_set_pdeathsig = 1
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        return int(prctl(pr_set_pdeathsig, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:  # as long as the parent lives, which is this worker's whole life
        time.sleep(0.2)
    os._exit(1)


def _send_result(fn: Callable[..., Any], args: tuple[Any, ...], send: Any, parent: int) -> None:
    start_worker(parent)
    try:
        outcome: tuple[bool, Any] = (False, fn(*args))
    except Exception as exc:
        outcome = (True, exc)
    try:
        send.send(outcome)
    except Exception:
        pass
    send.close()
