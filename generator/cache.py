"""The generator's caches, under ``.cache/specgen`` in the working folder: black's results, the inputs of
the last generations, formatted resource modules, the IR memo, the indexes of the last ``models.py`` and
spec snapshot, and the validation checks a large document passed. Best effort throughout: a cache that
cannot be read or written only costs a later run some time.

The pickled ones (``keep``/``kept``) hold only the generator's own objects and are read back only under
the key they were written with; like ``__pycache__``, the folder is trusted as the project itself is.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

ROOT = Path(".cache") / "specgen"


def store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, then a rename. The
    old file is removed first rather than renamed over: ext4 flushes a file renamed over another to the
    disk and waits for it (a safeguard for files that must survive a power loss, which a cache need
    not), about 0.4 s for the 10 MB IR memo on a slow disk. In between, a reader finds no entry."""
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


def per_api(folder: Path, name: str) -> Path:
    """An API's file in a cache that keeps one file per API (replaced each time)."""
    return folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.pickle"


def keep(path: Path, key: str, value: Any) -> None:
    """Pickle ``value`` to ``path`` behind ``key`` (what it is valid for), so ``kept`` reads the key
    first and never unpickles a large value made for something else."""
    try:
        data = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - what does not pickle is not kept
        return
    store(path, data)


def kept(path: Path, key: str) -> Any:
    """What ``keep`` put at ``path`` under ``key``; None when nothing is, or it was kept under another
    key, or it cannot be read."""
    import gc

    paused = gc.isenabled()
    try:
        with path.open("rb") as file:
            if pickle.load(file) != key:
                return None
            # Unpickling makes many objects at once, all of which live on: the cyclic collector would
            # only traverse them again and again while they are made (a fifth of reading the IR memo).
            gc.disable()
            return pickle.load(file)
    except Exception:  # noqa: BLE001 - unreadable: as if nothing were kept
        return None
    finally:
        if paused:
            gc.enable()
