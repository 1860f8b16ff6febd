"""Earlier versions of a spec: a ``git:REV:path`` side of ``diff``, the merge base CI compares against, and
the snapshot each generated package keeps of the spec it was generated from.

Git is asked only for committed blobs (``git archive``); nothing here reaches the network. Nothing a user
typed reaches git as an option: a revision is first resolved to a commit id (``git rev-parse --verify
--end-of-options REV^{commit}``), a revision or path that starts with ``-`` is refused, paths come after
``--`` and are read literally (no pathspec magic).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring  # C; non-ASCII kept as it is (ensure_ascii=False)
from pathlib import Path
from typing import Any

from ..core.load import RefPolicy, Spec, document_name, load_spec
from ..core.write import MARKER, with_manifest

SNAPSHOT = "spec-snapshot.json"
_SNAPSHOT_ROOT = "file:///snapshot/"


class HistoryError(Exception):
    pass


def _git(cwd: Path, *args: str, binary: bool = False) -> Any:
    # Paths are read as they are, never as pathspec magic (``:(glob)``); ``check-ignore`` takes path
    # names, not pathspecs, and refuses the setting.
    literal = {} if args[:1] == ("check-ignore",) else {"GIT_LITERAL_PATHSPECS": "1"}
    env = {**os.environ, **literal}
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HistoryError(f"git {' '.join(args)}: {exc}") from None
    if proc.returncode != 0:
        raise HistoryError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout if binary else proc.stdout.decode().strip()


def repo_root(path: Path) -> Path | None:
    try:
        return Path(_git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel"))
    except HistoryError:
        return None


def commit(root: Path, rev: str, what: str | None = None) -> str:
    """The commit id ``rev`` names, or HistoryError (naming ``what``, the argument it came from): a
    revision that starts with ``-`` is refused, so it can never reach git as an option."""
    what = what or repr(rev)
    if not rev or rev.startswith("-"):
        raise HistoryError(f"{what}: the revision {rev!r} starts with '-' or is empty: not a revision")
    try:
        return str(_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"))
    except HistoryError:
        raise HistoryError(f"{what}: no commit {rev!r} in {root}") from None


def merge_base(root: Path, upstream: str = "origin/main") -> str | None:
    """``git merge-base HEAD upstream``, or None when there is no such branch or no common commit."""
    try:
        return str(_git(root, "merge-base", "HEAD", commit(root, upstream)))
    except HistoryError:
        return None


def version_at(root: Path, rev: str, path: Path) -> str | None:
    """The text of a file at a commit, or None when it did not exist there; HistoryError when ``rev``
    names no commit."""
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    sha = commit(root, rev)
    try:
        return str(_git(root, "show", f"{sha}:{rel}"))
    except HistoryError:
        return None


def file_at(root: Path, rev: str, path: Path) -> str | None:
    """``version_at``, None for a path outside the repository (a generated folder elsewhere)."""
    return version_at(root, rev, path) if path.resolve().is_relative_to(root.resolve()) else None


def committed_tree(root: Path, folder: str | None = None) -> dict[str, str | None] | None:
    """What the last commit holds of one API's output folder, as ``write.previous_tree`` reads the folder
    (its manifest entries under ``MARKER``): the previous release, so regenerating an uncommitted change
    does not release it again. ``{}`` when nothing of it is committed yet (a first release, however often
    it is regenerated); None when the folder is outside a git work tree or one that ignores it (a scratch
    or benchmark output): then the folder as it is decides."""
    base = root / folder if folder else root
    probe = next((p for p in (base, *base.parents) if p.is_dir()), None)
    top = repo_root(probe) if probe is not None else None
    if top is None:
        return None
    try:
        rel = base.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    spot = rel if rel != "." else ""
    try:
        _git(top, "check-ignore", "-q", "--", spot or ".")
        return None  # ignored: no release history here
    except HistoryError:
        pass
    try:
        _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except HistoryError:
        return {}  # no commit yet
    if not _git(top, "ls-tree", "-r", "--name-only", "HEAD", "--", spot or "."):
        return {}
    files: dict[str, str | None] = {}
    archive = _git(top, "archive", "--format=tar", "HEAD", "--", spot or ".", binary=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            name = member.name[len(spot) + 1 :] if spot else member.name
            try:
                files[name] = handle.read().decode("utf-8")
            except UnicodeDecodeError:
                files[name] = None
    top_rel = (root.resolve().relative_to(top.resolve()).as_posix() + "/").removeprefix("./")
    try:
        manifest = str(_git(top, "show", f"HEAD:{top_rel}{MARKER}")) + "\n"
    except HistoryError:
        manifest = None
    return with_manifest(files, manifest, folder)


@contextmanager
def checkout(root: Path, rev: str, paths: list[Path]) -> Iterator[Path]:
    """The folders holding ``paths`` as committed at ``rev``, unpacked into a temporary folder (so a spec's
    relative ``$ref``s resolve against the same revision). Yields the temporary repository root."""
    folders = sorted({p.resolve().parent.relative_to(root.resolve()).as_posix() for p in paths})
    archive = _git(root, "archive", "--format=tar", commit(root, rev), "--", *folders, binary=True)
    with tempfile.TemporaryDirectory(prefix="specgen-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


@contextmanager
def resolve_side(arg: str, overlays: tuple[Path, ...] = (), policy: RefPolicy = RefPolicy()) -> Iterator[Spec]:
    """Load one side of a diff: a file path, or ``git:REV:path`` (path relative to the repository root)."""
    if not arg.startswith("git:"):
        yield load_spec(arg, overlays, policy)
        return
    rev, sep, rel = arg[4:].partition(":")
    if not sep or not rev or not rel:
        raise HistoryError(f"{arg!r}: expected git:REV:path")
    for kind, text in (("revision", rev), ("path", rel)):
        if text.startswith("-"):
            raise HistoryError(f"{arg!r}: the {kind} {text!r} starts with '-': refused, git would read it as an option")
    root = repo_root(Path.cwd())
    if root is None:
        raise HistoryError(f"{arg!r}: not inside a git repository")
    path = root / rel
    for inside in (path, *overlays):
        if not Path(inside).resolve().is_relative_to(root.resolve()):
            raise HistoryError(f"{arg!r}: {inside} is outside the repository {root}")
    with checkout(root, commit(root, rev, repr(arg)), [path, *overlays]) as tmp:
        if not (tmp / rel).is_file():
            raise HistoryError(f"{arg!r}: {rel} does not exist at {rev}")
        moved = tuple(tmp / Path(o).resolve().relative_to(root.resolve()) for o in overlays)
        spec = load_spec(tmp / rel, moved, policy)
        spec.labels = {k: f"{rev}:{_relabel(v, tmp)}" for k, v in spec.labels.items()}
        yield spec


def _relabel(label: str, tmp: Path) -> str:
    try:
        return Path(label).resolve().relative_to(tmp.resolve()).as_posix()
    except ValueError:
        return label


# --- snapshots -----------------------------------------------------------------------------------


def snapshot(spec: Spec) -> str:
    """The loaded spec (overlays applied, every document its refs reach) as one deterministic JSON text."""
    return indented_json(_payload(spec)) + "\n"


def _payload(spec: Spec) -> dict[str, Any]:
    named = {document_name(spec, key): data for key, data in spec.documents.items()}
    return {"specgen-snapshot": 1, "root": document_name(spec, spec.root), "label": spec.label, "documents": named}


def indented_json(value: Any, newline: str = "\n") -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False, default=str)``, byte for byte, faster: the
    standard library indents with its pure-Python encoder (a generator per container). Here containers
    are walked by one recursive function appending to a list, and strings and scalars go through the C
    encoder. The list is joined into a chunk every 65,536 pieces, so a large document does not hold
    millions of small strings at once. ``newline`` (a newline and the indentation so far) writes ``value`` as
    it appears nested that deep."""
    scalar = json.JSONEncoder(ensure_ascii=False, default=str).encode
    chunks: list[str] = []
    out: list[str] = []
    append = out.append
    active: set[int] = set()  # the containers being written, as the standard library checks for cycles

    def key_text(key: Any) -> str:
        if isinstance(key, str):
            return key
        if isinstance(key, (bool, float, int)) or key is None:
            return scalar(key)  # true, false, null, 1.5, 12: what the standard library makes of them
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

    def write(node: Any, newline: str) -> None:
        if isinstance(node, str):
            append(encode_basestring(node))
        elif isinstance(node, (dict, list, tuple)):
            if not node:
                append("{}" if isinstance(node, dict) else "[]")
                return
            if id(node) in active:
                raise ValueError("Circular reference detected")
            active.add(id(node))
            inner = newline + " "
            if isinstance(node, dict):
                append("{")
                separator = inner
                for key, item in node.items():
                    append(separator)
                    append(encode_basestring(key_text(key)))
                    append(": ")
                    write(item, inner)
                    separator = "," + inner
                append(newline + "}")
            else:
                append("[")
                separator = inner
                for item in node:
                    append(separator)
                    write(item, inner)
                    separator = "," + inner
                append(newline + "]")
            active.discard(id(node))
            if len(out) >= 65536:
                chunks.append("".join(out))
                out.clear()
        else:
            append(scalar(node))

    write(value, newline)
    chunks.append("".join(out))
    return "".join(chunks)


def from_snapshot(text: str, label: str) -> Spec | None:
    """A Spec rebuilt from ``snapshot``'s text, or None when the text is not one."""
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("specgen-snapshot") != 1
        or not isinstance(payload.get("documents"), dict)
    ):
        return None
    return _snapshot_spec(payload["documents"], str(payload.get("root")), label)


def _snapshot_spec(named: dict[str, Any], root_name: str, label: str) -> Spec | None:
    documents = {}
    labels = {}
    for name, data in named.items():
        key = urllib.parse.urljoin(_SNAPSHOT_ROOT, name) if "://" not in name else name
        documents[key] = data
        labels[key] = f"{label}:{name}"
    root = urllib.parse.urljoin(_SNAPSHOT_ROOT, root_name)
    if root not in documents:
        return None
    return Spec(root=root, documents=documents, labels=labels)
