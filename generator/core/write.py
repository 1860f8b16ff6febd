"""Write stage: the only writer. A tree is replaced atomically or not at all.

The new tree is written beside the target and swapped in with one ``renameat2(RENAME_EXCHANGE)`` where the
OS has it (Linux), else with two renames. A run that changes nothing writes nothing, and a file whose text
is unchanged is hard-linked into the new tree rather than written again (it keeps its inode and mtime, so
tools watching the tree see only what changed). Only folders that are empty or carry the ``.specgen``
manifest of an earlier generation are ever replaced, so a mistyped ``--out`` cannot wipe unrelated files;
that is judged before anything in the folder is read (``check_output_folder``), so refusing ``/`` or a
folder of a million files takes no longer than refusing an empty one. One generation at a time writes a
folder (``locked``).

Nothing of the user's is lost without ``force``: a file no generation wrote (not in the manifest) that
generation would delete, and a file changed since the last generation (its sha256 is not the manifest's)
that generation would overwrite or delete, are refused, each named, before anything is written. Paths the
folder's ``.specgenignore`` keep-lists keep (``core/keep.py``) are never written, deleted or refused: a
kept file is carried into the new tree as it is, before the swap, so the swap stays atomic.

Atomic against the generator failing or being killed at any point: what was written is the kernel's
before the swap. Files are not fsynced: after a power loss a file system may come back with recent data
missing, which ``check`` reports against the manifest; ``generate`` writes a lost file again and refuses
one left with other contents as it refuses a hand edit (``force`` writes it). Syncing a large
tree waits on the device for every byte of it (and, on ext4, for everything else written meanwhile):
more than a second on a slow disk, for a folder that is generated and committed anyway.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .keep import KEEP_FILE, KeepList, KeepListError

MARKER = ".specgen"
#: Seconds a generation waits for another one writing the same folder before saying it is busy.
LOCK_WAIT = 300.0
#: The largest manifest read to judge a folder (a generation of 100,000 files writes about 10 MB).
_MANIFEST_LIMIT = 1 << 28
T = TypeVar("T")
_SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


class WriteError(Exception):
    """A write refused, or failed before the output folder changed: the folder is as it was."""

    unchanged = True


class SwapError(WriteError):
    """The output folder was swapped (or moved aside) and a step after that failed: the message says what
    the folder holds now and what is left to do."""

    unchanged = False


def check_relative_path(path: str) -> None:
    """Refuse any path that is absolute, climbs out, or has a part that is not a plain file name."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path:
        raise WriteError(f"refusing to write {path!r}: not a relative POSIX path")
    for part in parts:
        if not _SAFE_PART.match(part) or part in (".", "..") or part.split(".")[0].lower() in _WINDOWS_RESERVED:
            raise WriteError(f"refusing to write {path!r}: unsafe path part {part!r}")


def digests(files: dict[str, str]) -> dict[str, str]:
    """The sha256 of each file's UTF-8 text. hashlib lets go of the GIL on large buffers, so a large tree
    is hashed on two threads."""
    return dict(zip(files, _each(_sha256, list(files.values()), sum(map(len, files.values())), threads=2)))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Characters above which hashing a tree uses threads (hashlib releases the GIL).
_THREADED_OVER = 1 << 22


def _each(work: Callable[[T], Any], items: list[T], size: int, threads: int) -> list[Any]:
    """``work`` over ``items``, on ``threads`` threads when the tree is large (``size`` characters)."""
    if size < _THREADED_OVER:
        return [work(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, items))


def manifest(files: dict[str, str], hashes: dict[str, str] | None = None) -> str:
    """The marker's text: every file's hash (``hashes``, when already computed with ``digests``)."""
    hashes = hashes if hashes is not None else digests(files)
    entries = {path: hashes[path] for path in sorted(files)}
    return json.dumps({"generator": "specgen", "files": entries}, indent=1, sort_keys=True) + "\n"


def with_marker(files: dict[str, str], hashes: dict[str, str] | None = None) -> dict[str, str]:
    return {**files, MARKER: manifest(files, hashes)}


@dataclass
class Drift:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def read_tree(root: Path) -> dict[str, str | None]:
    """Every file under ``root`` (``None`` for one that is not UTF-8 text)."""
    out: dict[str, str | None] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                continue
            out[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            out[path.relative_to(root).as_posix()] = None
        except OSError:
            continue
    return out


def previous_tree(root: Path, folder: str | None = None) -> dict[str, str | None]:
    """What an earlier generation left for one API: its files (``read_tree``), with ``MARKER`` holding the
    manifest entries of that API alone (the manifest sits at the top of the output folder)."""
    base = root / folder if folder else root
    try:
        manifest: str | None = (root / MARKER).read_text(encoding="utf-8")
    except (OSError, ValueError):
        manifest = None
    return with_manifest(read_tree(base), manifest, folder)


def with_manifest(files: dict[str, str | None], manifest: str | None, folder: str | None) -> dict[str, str | None]:
    """An API's files with ``MARKER`` holding its entries of the output folder's ``manifest`` (its text;
    the manifest sits at the top of the output folder, so it lists every API's files)."""
    files = {p: t for p, t in files.items() if p != MARKER}
    recorded = recorded_files(manifest)
    if recorded is None:
        return files
    prefix = f"{folder}/" if folder else ""
    mine = {p[len(prefix) :]: h for p, h in recorded.items() if p.startswith(prefix)}
    files[MARKER] = json.dumps({"generator": "specgen", "files": mine}, indent=1, sort_keys=True) + "\n"
    return files


def recorded_files(manifest: str | None) -> dict[str, str] | None:
    """The files a manifest's text lists (path -> hash), or None when it is missing or unreadable."""
    try:
        files = json.loads(manifest or "").get("files", {})
    except (ValueError, AttributeError):
        return None
    return files if isinstance(files, dict) else None


def _foreign(current: dict[str, str | None], expected: dict[str, str | None]) -> list[str]:
    """Files of the folder that neither this generation nor the one recorded in its manifest wrote."""
    recorded = recorded_files(current.get(MARKER)) or {}
    return sorted(p for p in current if p not in expected and p not in recorded and p != MARKER)


def edited(current: dict[str, str | None], expected: dict[str, str | None], kept: set[str]) -> list[str]:
    """Files of the folder that generation would overwrite or delete although they are not what the last
    generation wrote (their sha256 differs from the manifest's; edited by hand, or added by hand at a path
    generation now writes): what they hold would be lost. Kept paths are never touched, so never listed; a
    file that already holds what generation writes loses nothing."""
    recorded = recorded_files(current.get(MARKER))
    if recorded is None:
        return []
    out = []
    for path, text in current.items():
        if path == MARKER or path in kept or (path not in expected and path not in recorded):
            continue  # the marker, a kept path, or a file added by hand that would be deleted (_foreign)
        if path in expected and expected[path] == text:
            continue
        if text is not None and recorded.get(path) == _sha256(text):
            continue  # as the last generation wrote it
        out.append(path)
    return sorted(out)


def _named(root: Path, paths: list[str]) -> str:
    return ", ".join(str(root / p) for p in paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def planned(
    current: dict[str, str | None], files: dict[str, str], hashes: dict[str, str] | None = None
) -> tuple[dict[str, str | None], set[str]]:
    """What a folder holding ``current`` holds once generation writes ``files``, and which of its paths
    the keep-lists keep (``core/keep.py``). Kept paths are never written: a kept file on disk stays as it
    is (its text here, ``None`` when not UTF-8), a kept path that is not there is not made. The manifest
    lists what generation gives, kept or not, so it is the same bytes for the same output with or without
    a keep-list (``check`` and the release compare it), and a file no longer kept that differs from it is
    refused as a hand edit. The marker itself is never kept. Raises WriteError for a keep-list that cannot
    be read."""
    try:
        keep = KeepList.from_tree(current)
    except KeepListError as exc:
        raise WriteError(f"cannot read the keep-list: {exc}") from exc
    expected: dict[str, str | None] = dict(with_marker(files, hashes))
    if not keep:
        return expected, set()
    kept = {p for p in (*current, *files) if p != MARKER and keep.keeps(p)}
    for path in kept:
        expected.pop(path, None)
        if path in current:
            expected[path] = current[path]
    return expected, kept


def compare(root: Path, files: dict[str, str], context: int = 3, max_diff_lines: int = 40) -> Drift:
    """How the folder ``root`` differs from what generation gives (``files``); kept paths are not
    compared."""
    actual = read_tree(root)
    expected, kept = planned(actual, files)
    drift = Drift()
    for path, text in expected.items():
        if path not in actual:
            drift.missing.append(path)
        elif actual[path] != text:
            drift.changed.append(path)
            if path != MARKER:
                drift.diffs[path] = _short_diff(path, actual[path] or "", text or "", context, max_diff_lines)
    drift.extra = sorted(p for p in actual if p not in expected and p not in kept)
    return drift


def _short_diff(path: str, old: str, new: str, context: int, max_lines: int) -> str:
    """The first hunks of a unified diff. Only a window from the first differing line is compared, so a
    100,000-line module costs as little as a small one."""
    a, b = old.splitlines(True), new.splitlines(True)
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, first - context)
    window = 20 * max_lines
    import difflib

    diff = list(
        difflib.unified_diff(
            a[start : first + window], b[start : first + window], f"{path} (on disk)", f"{path} (generated)", n=context
        )
    )
    if start:  # hunk headers count from the window; give them the file's own line numbers
        diff = [
            _HUNK.sub(
                lambda m: (
                    f"@@ -{int(m.group(1)) + start}{m.group(2) or ''} +{int(m.group(3)) + start}{m.group(4) or ''} @@"
                ),
                line,
                count=1,
            )
            if line.startswith("@@")
            else line
            for line in diff
        ]
    if len(diff) > max_lines:
        diff = [*diff[:max_lines], f"... {len(diff) - max_lines} more diff lines\n"]
    return "".join(diff)


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def check_output_folder(root: Path) -> Path:
    """The folder ``root`` names, absolute, once judged safe to replace; WriteError otherwise. Judged from
    its name, its own entry and its manifest, never from what else it holds, so the answer for ``/`` or
    for a folder of a million files comes as fast as for an empty one:

    - ``root`` names a folder: not the root of the file system, and not ending in ``.`` or ``..`` (a
      ``..`` before the last part is resolved as the OS resolves it, through any link before it);
    - it is not a symbolic link: the swap would replace the link, not the folder it points to;
    - it is not the current folder or one holding it, which the swap would pull out from under the
      process;
    - if it exists, it is a folder that is empty or holds a specgen manifest (``MARKER``). A folder
      specgen did not make is never replaced, with or without ``force`` (which lets a generation delete
      files added by hand to a folder specgen made).
    """
    if root.name in ("", ".", ".."):
        whole = root.resolve()
        if whole == Path(whole.anchor):
            raise WriteError(
                f"refusing to write {root}: it is the root of the file system, not an output folder;"
                " choose a new or empty folder"
            )
        raise WriteError(
            f"refusing to write {root}: it ends in {root.name or '.'!r}, so it names {whole} without naming it;"
            " give the output folder by its own name"
        )
    try:
        entry: os.stat_result | None = os.lstat(root)
    except FileNotFoundError:
        entry = None
    except OSError as exc:
        raise WriteError(f"cannot look at {root}: {exc.strerror or exc}") from exc
    if entry is not None and stat.S_ISLNK(entry.st_mode):
        raise WriteError(
            f"refusing to write {root}: it is a symbolic link (to {os.readlink(root)}), and the swap that"
            f" replaces the output folder would replace the link, not the folder it points to; give that folder"
            f" ({root.resolve()}) instead"
        )
    folder = root.parent.resolve() / root.name
    try:
        here: Path | None = Path.cwd()
    except OSError:
        here = None
    if here is not None and (folder == here or folder in here.parents):
        raise WriteError(
            f"refusing to write {folder}: it holds the current folder ({here}), which replacing it would pull"
            " out from under this process; run specgen from outside it"
        )
    if entry is None:
        return folder
    if not stat.S_ISDIR(entry.st_mode):
        raise WriteError(f"refusing to write {root}: it is a file, not a folder; choose a new or empty folder")
    if _manifest(folder) is not None or _empty(folder):
        return folder
    raise WriteError(
        f"refusing to write {root}: it is not empty and was not made by specgen (it holds no specgen manifest,"
        f" {MARKER}), so replacing it would delete what it holds; choose a new or empty folder (--force does not"
        " change this: it lets generation delete files added by hand to a folder specgen made)"
    )


def _manifest(folder: Path) -> dict[str, str] | None:
    """The files a folder's specgen manifest lists, or None when it has none that specgen wrote (no
    file, not a regular file, too large, or not a manifest)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(folder / MARKER, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MANIFEST_LIMIT:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("generator") != "specgen":
        return None
    files = data.get("files")
    return files if isinstance(files, dict) else None


def _empty(folder: Path) -> bool:
    """Whether ``folder`` holds nothing, from its first entry alone."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _lock_path(root: Path) -> Path:
    return root.parent.resolve() / f".{root.name}.lock"


#: Lock files this process holds, closed in a forked child (the parent keeps the lock).
_HELD: set[int] = set()


def _let_go_in_child() -> None:
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_let_go_in_child)


@contextlib.contextmanager
def locked(
    root: Path, wait: float = LOCK_WAIT, waiting: Callable[[str], object] = lambda holder: None
) -> Iterator[None]:
    """Hold the output folder ``root`` for one generation: another generation into the same folder waits
    for it, ``wait`` seconds at most (``waiting`` is told once, with the process holding it), then is
    refused with a WriteError that says the folder is busy.

    The lock is ``flock`` on ``.<name>.lock`` beside the folder, which the OS lets go of when its holder
    ends however it ends, so a killed generation never blocks the next one; the file is removed when the
    lock is let go of (a waiter that locked the removed file sees it is gone and locks the new one)."""
    path = _lock_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot make {path.parent} to hold {root}: {exc.strerror or exc}") from exc
    deadline = time.monotonic() + max(wait, 0.0)
    pause, told = 0.01, False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise WriteError(f"cannot open the lock file {path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            left = deadline - time.monotonic()
            if left <= 0:
                raise WriteError(
                    f"{root} is busy: another generation ({holder}) is writing it, and did not end within"
                    f" {wait:g} s; try again when it has ended, or give --wait more seconds"
                ) from None
            if not told:
                waiting(holder)
                told = True
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.1)
            continue
        except OSError as exc:
            os.close(fd)
            raise WriteError(f"cannot lock {path}: {exc.strerror or exc}") from exc
        if _same_file(fd, path):
            break
        os.close(fd)  # its holder removed it while letting go: lock the one there now
    _HELD.add(fd)
    try:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"process {os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        _HELD.discard(fd)
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        said = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        said = ""
    return said or "another process"


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False when the OS cannot."""
    import ctypes
    import ctypes.util

    libc_name = ctypes.util.find_library("c")
    if not libc_name or not hasattr(os, "O_PATH"):
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _linked(source: Path, target: Path) -> bool:
    """Hard-link ``source`` (a regular file of the tree being replaced) at ``target``; False where the
    file system cannot, or the file is no longer a plain file (it is then written)."""
    try:
        if not source.is_file() or source.is_symlink():
            return False
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _carry(source: Path, target: Path) -> None:
    """Put a kept entry of the tree being replaced into the new one as it is: the same file (a hard link;
    a symbolic link stays a link), else a copy of it with its mode."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def recover(root: Path) -> None:
    """Finish or undo what a killed run left: put back a moved-away tree, drop half-written ones."""
    if not root.parent.is_dir():
        return
    backups = sorted(root.parent.glob(f".{root.name}.old-*"))
    if backups and not root.exists():
        os.rename(backups[0], root)
        backups = backups[1:]
    for leftover in backups + sorted(root.parent.glob(f".{root.name}.new-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def write_tree(
    root: Path,
    files: dict[str, str],
    hashes: dict[str, str] | None = None,
    force: bool = False,
    swapped: Callable[[], object] = lambda: None,
) -> bool:
    """Make ``root`` hold exactly ``files`` (plus the marker; ``hashes`` are the files' ``digests`` when
    already computed), but for the paths its keep-lists keep (``planned``). Returns False when it already
    did. ``root`` must pass ``check_output_folder``. A file in ``root`` that no generation wrote (not in its
    manifest: someone added it) is not deleted, and one changed since the last generation (``edited``) is
    not overwritten or deleted, unless ``force``: the write is refused, naming each, and nothing changes.

    ``swapped`` is called as soon as the new tree is in place. A WriteError means the folder is as it was;
    a SwapError says what it holds instead (the new tree, with the previous one beside it, or nothing,
    the previous tree beside it). The caller serializes generations into one folder (``locked``)."""
    for path in files:
        check_relative_path(path)
    folder = check_output_folder(root)
    recover(folder)
    current = read_tree(folder)
    expected, kept = planned(current, files, hashes)
    if current == expected:
        return False
    foreign = [] if force else _foreign(current, expected)
    changed = [] if force else edited(current, expected, kept)
    if foreign or changed:
        said = []
        if foreign:
            it = "it" if len(foreign) == 1 else "them"
            said.append(
                f"{_named(root, foreign)}: not written by specgen (added to a generated folder by hand?), and"
                f" generating would delete {it}"
            )
        if changed:
            it = "it" if len(changed) == 1 else "them"
            said.append(
                f"{_named(root, changed)}: changed since the last generation (edited by hand?), and generating"
                f" would overwrite {it}"
            )
        raise WriteError(
            "; ".join(said) + f"; move custom code out, or keep it by listing its paths in a {KEEP_FILE} in the"
            " package folder (gitignore syntax), or pass --force to let generation replace the folder"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        made: set[Path] = set()
        for rel, text in expected.items():
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if rel in kept:
                _carry(folder / rel, target)
                continue
            if current.get(rel) == text and _linked(folder / rel, target):
                continue
            assert text is not None  # only a kept file may be other than text
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        os.chmod(staging, 0o755)
        previous = _swap(staging, folder)
    except BaseException:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    swapped()
    if previous is not None:
        try:
            shutil.rmtree(previous)
        except OSError as exc:
            raise SwapError(
                f"{folder} holds the new generation, but its previous tree, moved to {previous}, could not be"
                f" removed ({exc.strerror or exc}); delete it (the next generation into {folder} does)"
            ) from exc
    return True


def _swap(staging: Path, folder: Path) -> Path | None:
    """Put ``staging`` in ``folder``'s place; where the previous tree now is (None: there was none). Raises
    only while ``folder`` still holds its previous tree, or a SwapError saying where it is."""
    if not folder.exists():
        os.rename(staging, folder)
        return None
    if _exchange(staging, folder):
        return staging  # now holds the previous tree
    backup = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    os.rename(folder, backup)
    try:
        os.rename(staging, folder)
    except BaseException:
        try:
            os.rename(backup, folder)
        except OSError as exc:
            raise SwapError(
                f"{folder} could not be replaced, and its previous tree, moved to {backup}, could not be put back"
                f" ({exc.strerror or exc}); move it back (the next generation into {folder} does)"
            ) from exc
        raise
    return backup
