"""One call in a forked worker process, so a large document's independent stages overlap on a
multi-core machine. The child inherits the loaded document (copy-on-write, nothing pickled on the way
in) and sends its result back through a pipe."""

from __future__ import annotations

import signal
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
            self._process = context.Process(target=_send_result, args=(fn, args, send), daemon=True)
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


def ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers and says so in one line),
    so a worker neither dies with a traceback of its own nor leaves one on the terminal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _send_result(fn: Callable[..., Any], args: tuple[Any, ...], send: Any) -> None:
    ignore_interrupts()
    try:
        outcome: tuple[bool, Any] = (False, fn(*args))
    except Exception as exc:
        outcome = (True, exc)
    try:
        send.send(outcome)
    except Exception:
        pass
    send.close()
