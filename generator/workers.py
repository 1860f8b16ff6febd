"""One call in a forked worker process, so a large document's independent stages overlap on a
multi-core machine. The child inherits the loaded document (copy-on-write, nothing pickled on the way
in) and sends its result back through a pipe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Forked(Generic[T]):
    """``fn(*args)`` started in a forked child; ``result()`` waits for it and returns its value or raises
    its exception. Where fork is unavailable it runs in place, and if the child dies (killed, out of
    memory) ``result()`` runs it in place then. A child with ``lower_priority`` runs niced: it takes
    the cores others leave idle."""

    def __init__(self, fn: Callable[..., T], *args: Any, lower_priority: bool = False) -> None:
        self._fn, self._args = fn, args
        self._process: Any = None
        self._receive: Any = None
        if can_fork():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_send_result, args=(fn, args, send, lower_priority), daemon=True)
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


def _send_result(fn: Callable[..., Any], args: tuple[Any, ...], send: Any, lower_priority: bool = False) -> None:
    if lower_priority:
        import os

        try:
            os.nice(10)
        except (AttributeError, OSError):
            pass
    try:
        outcome: tuple[bool, Any] = (False, fn(*args))
    except Exception as exc:  # noqa: BLE001 - raised again in the parent, where it belongs
        outcome = (True, exc)
    try:
        send.send(outcome)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: the parent runs fn itself
        pass
    send.close()


class Spill:
    """A large text a forked worker hands back beside its result: written by the child to an unnamed
    file both processes hold (opened before the fork), read by the parent. Sending GitHub's 13 MB spec
    snapshot through the result pipe costs about 60 ms of pickling and copying in 64 KB steps; through
    the file, about 10. The file lives in memory (``memfd_create``) where the OS has it, so nothing goes
    to a disk (a temporary file's pages would be written back, and closing it waits for that on a slow
    disk). Works the same when the work runs in place."""

    def __init__(self) -> None:
        import os
        import tempfile

        try:
            self._file: Any = os.fdopen(os.memfd_create("specgen-spill"), "w+b")
        except (AttributeError, OSError):  # not Linux
            self._file = tempfile.TemporaryFile()

    def put(self, text: str | bytes) -> int:
        """Write ``text`` (in the child; or its UTF-8 bytes); returns its length in bytes, to pass back
        as the result."""
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        self._file.seek(0)
        self._file.truncate()
        self._file.write(data)
        self._file.flush()
        return len(data)

    def take(self, size: int) -> str:
        """What ``put`` wrote (in the parent, once the child's result says ``size``)."""
        self._file.seek(0)
        data = self._file.read(size)
        if len(data) != size:
            raise RuntimeError(f"spilled text cut short: {len(data)} of {size} bytes")
        return data.decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()
