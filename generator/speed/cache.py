"""Where the speed layer keeps what it knows between runs: ``.cache/specgen`` in the working folder (never
committed). Best effort throughout: a cache entry that cannot be read or written only costs a later run
some time, never a different result.

Every entry is sealed: stored after a line that holds a digest of the entry's file name and its content,
and used only when that digest still matches. A truncated, altered or emptied entry, one holding another
entry's content, or garbage, is a miss like a missing one: recomputed and written again. Only a regular
file is read (never followed through a link, never a pipe or a device that could block), so whatever has
taken an entry's place is a miss too.

The digest is not a signature: it finds corruption, not content planted by someone who can write the
project's folder (who could as well change the generated code itself). No cache holds code the generator
runs: jinja2's compiled templates are not kept between runs (see ``docs/architecture.md``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from pathlib import Path

ROOT = Path(".cache") / "specgen"
_SEAL = b"specgen-cache 1 "


def _digest(name: str, data: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\0" + data).hexdigest().encode("ascii")


def sealed(name: str, data: bytes) -> bytes:
    """``data`` as stored under the file name ``name``: the seal line, then ``data``."""
    return _SEAL + _digest(name, data) + b"\n" + data


def unsealed(name: str, stored: bytes) -> bytes | None:
    """What ``sealed(name, data)`` sealed, or None when ``stored`` is not that (altered, cut short,
    another entry's)."""
    head, newline, data = stored.partition(b"\n")
    if not newline or not head.startswith(_SEAL) or head[len(_SEAL) :] != _digest(name, data):
        return None
    return data


def load(path: Path) -> bytes | None:
    """The content stored at ``path`` by ``store``, verified; None when there is none, it is not a regular
    file, it cannot be read, or it does not match its seal."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            stored = handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    return unsealed(path.name, stored)


def store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, sealed, whole or not at all: a temporary file beside it, then a rename.
    The old file is removed first rather than renamed over: ext4 flushes a file renamed over another to
    the disk and waits for it, a safeguard a cache does not need. In between, a reader finds no entry.
    Whatever stands in the entry's place (a folder, a link) is removed with it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(sealed(path.name, data))
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            if not path.is_dir() or path.is_symlink():
                raise
            shutil.rmtree(path)
        os.rename(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
