"""Files in and out: upload inputs for multipart and binary request bodies, and the atomic download sink.

Hand-written and copied verbatim into each generated package. Nothing here holds a whole file in memory:
uploads are handed to httpx as open files (it reads them in 64 KiB chunks) and downloads are written chunk
by chunk to a temporary file next to the target, renamed into place only once complete and verified.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, TypeVar, Union

import httpx

from .errors import DownloadIntegrityError

__all__ = ["DownloadTarget", "FileContent", "FileInput", "Sink", "open_content", "open_file"]

#: The bytes of a file: in memory, an open binary file, or a path to read from.
FileContent = Union[bytes, IO[bytes], os.PathLike[str]]
#: A file for a multipart part: content, a path given as ``str``, or ``(filename, content[, content_type[,
#: headers]])``: the part's own headers (those a media type's ``encoding.headers`` describes).
FileInput = Union[
    FileContent,
    str,
    tuple[str, FileContent],
    tuple[str, FileContent, str],
    tuple[str, FileContent, str, Mapping[str, str]],
]
#: Where a download goes: a path (``str`` or ``PathLike``) or an open binary file; the call returns it.
DownloadTarget = TypeVar("DownloadTarget", bound=Union[str, os.PathLike[str], IO[bytes]])


def open_content(value: Any, stack: contextlib.ExitStack) -> Any:
    """A request body for a binary operation: bytes and file objects as they are, paths opened (and closed
    by ``stack`` once the call ends)."""
    if isinstance(value, (str, os.PathLike)):
        return stack.enter_context(
            open(value, "rb")
        )  # noqa: SIM115 - closed by the caller's ExitStack
    return value


def open_file(value: Any, stack: contextlib.ExitStack) -> Any:
    """One multipart file part in the form httpx takes: ``content`` or ``(filename, content[, type[, headers]])``."""
    if isinstance(value, tuple):
        name, content, *rest = value
        return (name, open_content(content, stack), *rest)
    if isinstance(value, (str, os.PathLike)):
        return (os.path.basename(os.fspath(value)), open_content(value, stack))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("upload", bytes(value))
    name = getattr(value, "name", None)
    return (os.path.basename(name) if isinstance(name, str) else "upload", value)


class Sink:
    """Receives a download: streams chunks to ``to``, hashing as it goes, and commits only a verified file.

    A path target is written to a hidden ``.part`` file in the same folder and renamed over the target
    after the size and MD5 checks pass, so the target is either the complete file or untouched. A file
    object target is written in place; a retry rewinds it when it can seek, and is refused when it cannot.
    """

    def __init__(self, to: Any, expected_size: int | None, md5: str | None) -> None:
        if isinstance(to, (str, os.PathLike)):
            self.path: Path | None = Path(to)
            self.file: IO[bytes] | None = None
            self.start = 0
        elif hasattr(to, "write"):
            self.path = None
            self.file = to
            self.start = to.tell() if _seekable(to) else -1
        else:
            raise TypeError(f"to= takes a path or a binary file object, not {type(to).__name__}")
        if expected_size is not None and expected_size < 0:
            raise ValueError("expected_size must be 0 or more")
        self.target = to
        self.expected_size = expected_size
        self.md5 = md5.lower() if md5 else None
        self._out: IO[bytes] | None = None
        self._tmp: str | None = None
        self._hash = hashlib.md5(usedforsecurity=False)
        self.size = 0

    # -- writing --------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start (or restart, for a retry) an attempt from byte 0."""
        self._hash = hashlib.md5(usedforsecurity=False)
        self.size = 0
        if self.path is not None:
            if self._out is None:
                fd, self._tmp = _part_file(self.path)
                self._out = os.fdopen(fd, "wb")
            else:
                self._out.seek(0)
                self._out.truncate()
        else:
            assert self.file is not None
            if self.start >= 0:
                self.file.seek(self.start)
                self.file.truncate()
            self._out = self.file

    def write(self, chunk: bytes) -> None:
        assert self._out is not None
        self._out.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def can_retry(self) -> bool:
        """A retry restarts from byte 0: possible unless bytes already went to a file we cannot rewind."""
        return self.path is not None or self.start >= 0 or self.size == 0

    # -- finishing ------------------------------------------------------------------------------

    def commit(self, response: httpx.Response) -> Any:
        """Verify what was received, then move it into place; returns the target."""
        self._verify(response.headers)
        assert self._out is not None
        self._out.flush()
        if self.path is not None:
            assert self._tmp is not None
            os.fsync(self._out.fileno())
            self._out.close()
            self._out = None
            os.replace(self._tmp, self.path)
            self._tmp = None
        return self.target

    def discard(self) -> None:
        """Remove the partial file, if any; a no-op after ``commit``."""
        if self._tmp is not None:
            if self._out is not None:
                self._out.close()
                self._out = None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
            self._tmp = None

    def _verify(self, headers: Mapping[str, str]) -> None:
        expected = self.expected_size
        if expected is None and headers.get("content-encoding", "identity").lower() == "identity":
            length = headers.get("content-length")
            expected = int(length) if length and length.isdigit() else None
        if expected is not None and expected != self.size:
            raise DownloadIntegrityError(
                f"expected {expected} bytes, received {self.size}",
                expected=str(expected),
                actual=str(self.size),
            )
        digest = self._hash.hexdigest()
        wanted = self.md5 or _content_md5(headers)
        if wanted is not None and wanted != digest:
            raise DownloadIntegrityError(
                f"MD5 mismatch: expected {wanted}, received {digest}",
                expected=wanted,
                actual=digest,
            )


def _content_md5(headers: Mapping[str, str]) -> str | None:
    value = headers.get("content-md5")
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True).hex()
    except ValueError:
        return None


def _seekable(file: Any) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _part_file(target: Path) -> tuple[int, str]:
    """A new hidden ``.part`` file beside ``target``, made with the mode any new file gets (0666 less
    the umask, as ``open`` would), not ``mkstemp``'s 0600: the finished download is renamed into place.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = target.parent / f".{target.name}.{os.urandom(6).hex()}.part"
        try:
            return os.open(path, flags, 0o666), str(path)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a .part file beside {target}")
