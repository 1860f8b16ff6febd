"""Earlier versions of a spec: a ``git:REV:path`` side of ``diff``, the merge base CI compares against, and
the snapshot each generated package keeps of the spec it was generated from.

Git is asked only for committed blobs (``git archive``); nothing here reaches the network.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import pointer as jp
from .load import RefPolicy, Spec, document_name, load_spec
from .write import digest, know_utf8, utf8

SNAPSHOT = "spec-snapshot.json"
_SNAPSHOT_ROOT = "file:///snapshot/"


class HistoryError(Exception):
    pass


def _git(cwd: Path, *args: str, binary: bool = False) -> Any:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120, check=False)
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


def merge_base(root: Path, upstream: str = "origin/main") -> str | None:
    """``git merge-base HEAD upstream``, or None when there is no such branch or no common commit."""
    try:
        _git(root, "rev-parse", "--verify", "--quiet", upstream + "^{commit}")
        return str(_git(root, "merge-base", "HEAD", upstream))
    except HistoryError:
        return None


def version_at(root: Path, rev: str, path: Path) -> str | None:
    """The text of a file at a commit, or None when it did not exist there."""
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    try:
        return str(_git(root, "show", f"{rev}:{rel}"))
    except HistoryError:
        return None


@contextmanager
def checkout(root: Path, rev: str, paths: list[Path]) -> Iterator[Path]:
    """The folders holding ``paths`` as committed at ``rev``, unpacked into a temporary folder (so a spec's
    relative ``$ref``s resolve against the same revision). Yields the temporary repository root."""
    folders = sorted({p.resolve().parent.relative_to(root.resolve()).as_posix() for p in paths})
    archive = _git(root, "archive", "--format=tar", rev, "--", *folders, binary=True)
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
    root = repo_root(Path.cwd())
    if root is None:
        raise HistoryError(f"{arg!r}: not inside a git repository")
    path = root / rel
    with checkout(root, rev, [path, *overlays]) as tmp:
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


def _payload(spec: Spec, documents: dict[str, Any] | None = None) -> dict[str, Any]:
    named = {document_name(spec, key): data for key, data in (documents or spec.documents).items()}
    return {"specgen-snapshot": 1, "root": document_name(spec, spec.root), "label": spec.label, "documents": named}


class SnapshotTexts:
    """The texts the last snapshot of a one-file document is made of, found again in that snapshot (the
    output folder's ``spec-snapshot.json``) by an index kept between runs (``.cache/specgen/snapshot/
    <api>``): where the text around the component schemas ends and begins, where each schema's own text
    lies, the digests (``load.part_digests``) of what they were made from, and a digest of the whole
    text, which must match the snapshot on disk for any of it to be used.

    ``snapshot`` reuses those texts for what is unchanged, so one schema changed re-encodes that schema
    alone (GitHub's document: 0.18 s for the whole text). ``previous`` rebuilds the last snapshot's Spec
    from them and the new document without parsing the old text. ``version`` (the generator's code)
    must match what the index was kept by. Only the index is written (about 0.3 MB for GitHub's
    document, where the texts are 11 MB)."""

    def __init__(self, path: Path, version: str, text: str | None) -> None:
        from . import cache

        self.path, self.version = path, version
        #: ((digest of the rest, label, root), text before the schemas' object, text after it)
        self.frame: Any = None
        #: Each schema's digest and where its text lies in the given snapshot: (first character,
        #: characters, first byte, bytes), the bytes those of its UTF-8 encoding.
        self.entries: dict[str, tuple[bytes, int, int, int, int]] = {}
        self._text, self._data = "", b""  # the given snapshot, and its encoding
        self._frame_bytes = (0, 0)  # the bytes of its text before and after the schemas' object
        # The index and the text it must match, until first needed: checking the match costs a digest
        # of the whole text, which a process that makes no use of it is spared.
        self._pending: tuple[str, Any] | None = (text, cache.kept(path, version)) if text else None
        self._found = False

    def likely(self, spec: Spec, parts: dict[str, bytes] | None) -> bool:
        """Whether ``snapshot`` will most likely reuse the given snapshot's texts (an index of it is kept
        and the text around the component schemas is unchanged), before checking them against it."""
        index = self._pending[1] if self._pending is not None else None
        return (parts is not None and self.usable(spec, parts) and isinstance(index, tuple) and len(index) == 7
                and index[0] == (parts[""], spec.label, spec.root))

    @property
    def found(self) -> bool:
        """Whether the texts are the given snapshot's (until ``snapshot`` makes a new one)."""
        return self._take_texts()

    def _take_texts(self) -> bool:
        """Find the texts in the given snapshot, once, if it is the one indexed."""
        pending, self._pending = self._pending, None
        if pending is None:
            return self._found
        text, index = pending
        if not (isinstance(index, tuple) and len(index) == 7):
            return False
        key, before, before_bytes, after, after_bytes, entries, index_digest = index
        data = utf8(text, "surrogatepass")
        if before + after + 1 > len(text) or before_bytes + after_bytes + 1 > len(data) or digest(data) != index_digest:
            return False  # another snapshot than the one indexed
        self.frame = (key, text[:before], text[len(text) - 1 - after : len(text) - 1])
        self._text, self._data, self._frame_bytes = text, data, (before_bytes, after_bytes)
        step = 1 + len(self._newline()) + 1  # "," and the next line's indentation (ASCII: as many bytes)
        at, at_bytes = before + step, before_bytes + step  # past "{" and the first line's indentation
        for name, part, length, length_bytes in entries:
            self.entries[name] = (part, at, length, at_bytes, length_bytes)
            at += length + step
            at_bytes += length_bytes + step
        self._found = True
        return True

    def _entry(self, name: str) -> str:
        _, at, length, _, _ = self.entries[name]
        return self._text[at : at + length]

    @staticmethod
    def usable(spec: Spec, parts: dict[str, bytes] | None) -> bool:
        return parts is not None and all(type(key) is str for key in spec.data["components"]["schemas"])

    def _newline(self) -> str:
        """A newline and the indentation of the line the schemas' object opens on."""
        line = self.frame[1][self.frame[1].rfind("\n") + 1 :]
        return "\n" + " " * (len(line) - len(line.lstrip(" ")))

    def snapshot(self, spec: Spec, parts: dict[str, bytes] | None) -> str:
        """``snapshot(spec)``, with the texts of what is unchanged taken from the last snapshot; the index
        of the new one is then kept for the next call. Without ``parts``, the whole text is encoded.
        The snapshot is put together as bytes and decoded once; its bytes are known to ``write`` for
        hashing and writing it. When only component schemas changed, it is the last one's bytes with
        their texts replaced: nothing else is encoded, copied piece by piece or joined."""
        import secrets

        from . import cache

        if parts is None or not self.usable(spec, parts):
            return snapshot(spec)
        schemas = spec.data["components"]["schemas"]
        frame_key = (parts[""], spec.label, spec.root)
        if self._take_texts() and self.frame[0] == frame_key and list(self.entries) == list(schemas):
            made = self._replaced(spec, parts)
        else:
            if not (isinstance(self.frame, tuple) and self.frame[0] == frame_key):
                # Everything but the schemas, with a marker where their object goes.
                marker = "specgen-schemas-" + secrets.token_hex(16)
                data = {**spec.data, "components": {**spec.data["components"], "schemas": marker}}
                around = indented_json(_payload(spec, {spec.root: data})).split(json.dumps(marker))
                if len(around) != 2:
                    return snapshot(spec)
                self.frame = (frame_key, around[0], around[1])
            made = self._whole(spec, parts)
        self._found = False
        encoded, entries, frame_bytes = made
        try:
            text = know_utf8(encoded.decode("utf-8"), encoded)
        except UnicodeDecodeError:  # a lone surrogate (encoded as such): writing it will say so
            text = encoded.decode("utf-8", "surrogatepass")
        index = (frame_key, len(self.frame[1]), frame_bytes[0], len(self.frame[2]), frame_bytes[1], entries, digest(encoded))
        cache.keep(self.path, self.version, index)
        return text

    def _entry_bytes(self, key: str, value: Any) -> tuple[str, bytes]:
        """A schema's text in the snapshot, and its bytes."""
        from json.encoder import encode_basestring

        entry = encode_basestring(key) + ": " + indented_json(value, self._newline() + " ")
        return entry, entry.encode("utf-8", "surrogatepass")

    def _whole(self, spec: Spec, parts: dict[str, bytes]) -> tuple[bytes, list[tuple[str, bytes, int, int]], tuple[int, int]]:
        """The snapshot's bytes around the current frame, each unchanged schema's text taken from the
        last snapshot and the others encoded; with the index's entries and the frame's sizes in bytes."""
        _, before, after = self.frame
        newline = self._newline().encode()
        inner = newline + b" "
        pieces, entries = [], []
        for key, value in spec.data["components"]["schemas"].items():
            known = self.entries.get(key)
            if known is not None and known[0] == parts[key]:
                _, _, length, start, size = known
                pieces.append(self._data[start : start + size])
            else:
                entry, entry_bytes = self._entry_bytes(key, value)
                pieces.append(entry_bytes)
                length, size = len(entry), len(entry_bytes)
            entries.append((key, parts[key], length, size))
        before_bytes, after_bytes = before.encode("utf-8", "surrogatepass"), after.encode("utf-8", "surrogatepass")
        body = b"{" + inner + (b"," + inner).join(pieces) + newline + b"}" if pieces else b"{}"
        return b"".join((before_bytes, body, after_bytes, b"\n")), entries, (len(before_bytes), len(after_bytes))

    def _replaced(self, spec: Spec, parts: dict[str, bytes]) -> tuple[bytes, list[tuple[str, bytes, int, int]], tuple[int, int]]:
        """``_whole`` when only component schemas changed: the last snapshot's bytes with the changed
        schemas' texts replaced."""
        data = self._data
        pieces: list[bytes] = []
        at = 0
        entries = []
        for key, value in spec.data["components"]["schemas"].items():
            part, _, length, start, size = self.entries[key]
            if part != parts[key]:
                entry, entry_bytes = self._entry_bytes(key, value)
                pieces += (data[at:start], entry_bytes)
                at = start + size
                length, size = len(entry), len(entry_bytes)
            entries.append((key, parts[key], length, size))
        return b"".join([*pieces, data[at:]]), entries, self._frame_bytes

    def previous(self, spec: Spec, parts: dict[str, bytes] | None, label: str) -> Spec | None:
        """``from_snapshot(text, label)`` of the last snapshot (the ``text`` this was made with), without
        parsing it, when its index matched and only component schemas changed since (call it before
        ``snapshot``): the rest of the document and every schema
        whose digest is the same are the new document's own objects (they read back equal from their
        JSON, ``Spec.round_trips``), and only a changed schema's old text is parsed. The ``$ref``s found
        in the new document are reused likewise (``Spec.refs``), so the release diff does not walk the
        old side. None when that cannot be vouched for."""
        from .load import iter_refs

        if not (self.found and spec.round_trips and self.usable(spec, parts)):
            return None
        assert parts is not None
        if self.frame[0] != (parts[""], spec.label, spec.root) or list(self.entries) != list(spec.data["components"]["schemas"]):
            return None  # more than component schemas changed
        schemas = spec.data["components"]["schemas"]
        old_schemas: dict[str, Any] = {}
        refs = spec.refs(spec.root)
        for key, (digest, *_) in self.entries.items():
            if digest == parts[key]:
                old_schemas[key] = schemas[key]
                continue
            old_schemas[key] = json.loads("{" + self._entry(key) + "}")[key]
            at = "/components/schemas/" + jp.escape(key)
            refs = [r for r in refs if not (r[0] == at or r[0].startswith(at + "/"))]
            refs += [(at + ptr, ref) for ptr, ref in iter_refs(old_schemas[key])]
        data = {**spec.data, "components": {**spec.data["components"], "schemas": old_schemas}}
        old = _snapshot_spec({document_name(spec, spec.root): data}, document_name(spec, spec.root), label)
        if old is not None:
            old.know_refs(old.root, sorted(refs, key=lambda item: item[0]))
        return old


def indented_json(value: Any, newline: str = "\n") -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False, default=str)``, byte for byte, about 2.5 times
    faster: the standard library indents with its pure-Python encoder (a generator per container), which
    took a third of a second for GitHub's 13 MB document. Here containers are walked by one recursive
    function appending to a list, and strings and scalars go through the C encoder. The list is joined
    into a chunk every 65,536 pieces, so a large document does not hold millions of small strings at
    once (80 MB for GitHub's). ``newline`` (a newline and the indentation so far) writes ``value`` as
    it appears nested that deep."""
    from json.encoder import encode_basestring  # C, non-ASCII kept as it is (ensure_ascii=False)

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
    if not isinstance(payload, dict) or payload.get("specgen-snapshot") != 1 or not isinstance(payload.get("documents"), dict):
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
