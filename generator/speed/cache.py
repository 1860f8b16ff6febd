"""Where the speed layer keeps what it knows between runs: ``.cache/specgen`` in the working folder (never
committed). Best effort throughout: a cache entry that cannot be read or written only costs a later run
some time, never a different result.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

ROOT = Path(".cache") / "specgen"


def store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, then a rename. The
    old file is removed first rather than renamed over: ext4 flushes a file renamed over another to the
    disk and waits for it, a safeguard a cache does not need. In between, a reader finds no entry."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.rename(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
