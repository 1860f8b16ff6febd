"""Load stage: YAML/JSON documents, ``$ref`` targets and overlays.

This and ``write`` are the only stages that touch the disk. ``$ref`` targets are confined to the spec's
folder unless the caller allows more: ``file://`` URLs, ``../`` escapes and symlinks pointing outside are
refused, and ``http(s)://`` references are refused unless ``RefPolicy.allow_remote`` is set. Nothing is
fetched from the network otherwise.
"""

from __future__ import annotations

import codecs
import copy
import json
import os
import re
import stat
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import pointer as jp
from .diagnostics import Diagnostics

#: Keys whose values are data, not spec structure: a ``$ref`` inside them is not a reference.
DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
#: Keys whose values map user-chosen names to objects; their keys are never data keys.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "schemas",
        "responses",
        "parameters",
        "paths",
        "securitySchemes",
        "requestBodies",
        "headers",
        "callbacks",
    }
)

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
#: Nodes a YAML document's aliases may add, beyond as many as the document writes itself: past both it
#: is refused (billion laughs) before anything is built, so what it costs stays linear in its size.
MAX_ALIAS_NODES = 1_000_000
#: How deep collections may nest in a document. Every later stage walks documents in Python, and
#: PyYAML's C composer and libyaml's scanner pay for depth in stack and time: a deeper document is
#: refused while it is parsed (YAML: before libyaml goes deeper; JSON: at the first too deep value).
#: Real descriptions nest a few dozen levels.
MAX_DEPTH = 256
#: How many References Objects a chain may pass (``$ref`` to a ``$ref`` ...): a longer chain, or a
#: circular one, is refused when loading, so no later stage follows one.
MAX_REF_CHAIN = 64


@dataclass(frozen=True)
class RefPolicy:
    """What ``$ref`` may reach beyond the spec's own folder. Both off by default."""

    allow_outside: bool = False
    allow_remote: bool = False
    remote_timeout: float = 10.0


@dataclass
class Spec:
    """A loaded spec: the root document (overlays applied) and every document its ``$ref``s reach."""

    root: str  # key of the root document in ``documents``
    documents: dict[str, Any]
    labels: dict[str, str]  # document key -> path as shown in diagnostics and file headers
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # ``iter_refs`` of each document, with the object they were found in (``refs``).
    _refs: dict[str, tuple[Any, list[tuple[str, Any]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def refs(self, doc: str) -> list[tuple[str, Any]]:
        """``iter_refs`` of a document, found once: kept with the object they were found in, so a
        document put in its place since (in a copy of this Spec, say) is walked afresh."""
        data = self.documents[doc]
        known = self._refs.get(doc)
        if known is None or known[0] is not data:
            known = self._refs[doc] = (data, iter_refs(data))
        return known[1]

    @property
    def data(self) -> Any:
        return self.documents[self.root]

    @property
    def label(self) -> str:
        return self.labels[self.root]

    def target(self, doc: str, ref: str) -> tuple[str, str]:
        """Where ``ref`` (found in ``doc``) points: (document key, JSON pointer)."""
        base, _, fragment = ref.partition("#")
        key = _join_uri(doc, base) if base else doc
        return key, urllib.parse.unquote(fragment)

    def follow(self, doc: str, node: Any, limit: int = MAX_REF_CHAIN) -> tuple[str, str | None, Any]:
        """Resolve a chain of up to ``limit`` Reference Objects. Returns (document, pointer or None,
        target node). Raises ``LookupError`` for a dangling, circular or longer chain (``load`` already
        reported it)."""
        ptr: str | None = None
        for _ in range(limit + 1):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return doc, ptr, node
            try:
                doc, ptr = self.target(doc, node["$ref"])
                node = jp.resolve(self.documents[doc], ptr)
            except (KeyError, ValueError) as exc:
                raise LookupError(f"{doc}#{ptr}") from exc
        raise LookupError("circular or too long $ref chain")

    def locate(self, doc: str, ptr: str, node: Any) -> tuple[str, str, Any]:
        """``follow`` for a node found at ``doc#ptr``: (document, pointer, target), with ``ptr`` kept when
        the node is not a reference, and (``doc``, ``ptr``, None) for a dangling or circular one."""
        try:
            target_doc, target, found = self.follow(doc, node)
        except LookupError:
            return doc, ptr, None
        return target_doc, target if target is not None else ptr, found


def document_name(spec: Spec, key: str) -> str:
    """A loaded document's name relative to the root document's folder (POSIX), or its key when it is
    not a file: how snapshots, the input cache and the release diff name documents."""
    parts, root = urllib.parse.urlsplit(key), urllib.parse.urlsplit(spec.root)
    if parts.scheme != "file" or root.scheme != "file":
        return key
    return Path(
        os.path.relpath(urllib.parse.unquote(parts.path), os.path.dirname(urllib.parse.unquote(root.path)))
    ).as_posix()


def _join_uri(base: str, ref: str) -> str:
    return urllib.parse.urljoin(base, ref)


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # elsewhere, a symlink loop, a NUL in the name
        return path.as_posix()


def _resolved(path: Path) -> Path:
    """``path`` resolved, or made absolute where it cannot be (a symlink loop: reading it then fails)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


class DocumentError(ValueError):
    """A document refused while reading or parsing it, with the JSON pointer of the place where one is
    known (``""`` otherwise; a YAML refusal names its line and column in the message)."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


@lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """PyYAML's safe loader (the C one where PyYAML has it) reading what JSON can hold: a timestamp or
    ``!!binary`` stays the text written, a ``!!set`` is a mapping to nulls, an ``!!omap`` or ``!!pairs``
    a list of one-key mappings. Every later stage (and the spec snapshot, which is JSON) reads the
    document as JSON data; a ``date`` key or a ``bytes`` default is none. Used only after ``_check_yaml``
    passed the text. Made on first use: a JSON document never imports PyYAML."""
    import yaml

    class JsonDataLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    for tag in ("timestamp", "binary"):
        JsonDataLoader.add_constructor(f"tag:yaml.org,2002:{tag}", JsonDataLoader.construct_yaml_str)
    JsonDataLoader.add_constructor("tag:yaml.org,2002:set", JsonDataLoader.construct_yaml_map)
    for tag in ("omap", "pairs"):
        JsonDataLoader.add_constructor(f"tag:yaml.org,2002:{tag}", JsonDataLoader.construct_yaml_seq)
    return JsonDataLoader


def _check_yaml(text: str, loader: type) -> None:
    """Read the events of a YAML text (libyaml's parser, which keeps its own stack) and refuse it, before
    anything is composed, where it nests deeper than ``MAX_DEPTH`` or its aliases stand for more nodes
    than ``MAX_ALIAS_NODES`` and than the document writes itself. Stops at the first event too far:
    libyaml's scanner pays for each token in proportion to the depth of flow collections, and PyYAML's C
    composer recurses once per level on the C stack (a 125 KB line of ``[`` crashes it), so neither
    ever sees more than ``MAX_DEPTH`` levels. Parse errors are left to the loader, which words them."""
    import yaml
    from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    sizes: dict[Any, int] = {}  # anchor -> nodes it stands for, aliases expanded
    open_: list[list[Any]] = [[0, None]]  # per open collection: [nodes so far, its anchor]
    written = aliased = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, CollectionStartEvent):
                if len(open_) > MAX_DEPTH:
                    raise DocumentError(f"{_at(event)}: collections nested deeper than {MAX_DEPTH} levels")
                written += 1
                open_.append([1, event.anchor])
            elif isinstance(event, CollectionEndEvent):
                count, anchor = open_.pop()
                if anchor is not None:
                    sizes[anchor] = count
                open_[-1][0] += count
            elif isinstance(event, AliasEvent):
                size = sizes.get(event.anchor)
                if size is None:
                    if any(entry[1] == event.anchor for entry in open_):
                        raise DocumentError(
                            f"{_at(event)}: alias *{_shown(str(event.anchor), 40)} refers to a collection it is"
                            " part of (a document of infinite size)"
                        )
                    continue  # an undefined alias: the loader says so
                aliased += size
                open_[-1][0] += size
                if aliased > max(MAX_ALIAS_NODES, written):
                    raise DocumentError(
                        f"{_at(event)}: aliases expand the document past {max(MAX_ALIAS_NODES, written):,}"
                        f" nodes ({aliased:,} by here, where it writes {written:,}); refused as an alias bomb"
                    )
            elif isinstance(event, NodeEvent):  # a scalar
                written += 1
                open_[-1][0] += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
    except yaml.YAMLError:
        return  # the loader finds it again, and says where


def _at(event: Any) -> str:
    mark = event.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _shown(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a message, saying how long it was."""
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text):,} characters)"


def _check_json(document: Any, text: str | None) -> None:
    """Refuse a parsed JSON document nested deeper than ``MAX_DEPTH`` or holding a lone surrogate (a
    ``\\ud800`` escape without its pair: no file can be written with it), naming the place. Strings are
    looked at only when ``text`` (the JSON text, when the standard library read it) has such an escape."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > MAX_DEPTH:
            raise DocumentError(f"collections nested deeper than {MAX_DEPTH} levels", _pointer_to(document, node))
        if type(node) is dict:
            for value in node.values():
                if type(value) is dict or type(value) is list:
                    push((value, depth + 1))
        else:
            for value in node:
                if type(value) is dict or type(value) is list:
                    push((value, depth + 1))
    if text is not None and _SURROGATE_ESCAPE.search(text):
        found = lone_surrogates(document)
        if found:
            raise DocumentError(
                "a string holds a lone surrogate (an escape such as \\ud800 without its pair), which no file"
                " can hold: write the character itself or its full surrogate pair"
                + (f" ({len(found)} places; this is the first)" if len(found) > 1 else ""),
                found[0],
            )


#: A JSON or YAML escape that could stand for a surrogate code point.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def lone_surrogates(document: Any, limit: int = 100) -> list[str]:
    """Pointers of the keys and strings of ``document`` that hold a lone surrogate (at most ``limit``)."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack and len(found) < limit:
        ptr, node = stack.pop()
        if isinstance(node, str):
            if _SURROGATES.search(node):
                found.append(ptr)
        elif isinstance(node, dict):
            for key, value in reversed(node.items()):
                where = jp.join(ptr, key)
                if isinstance(key, str) and _SURROGATES.search(key):
                    found.append(where)
                stack.append((where, value))
        elif isinstance(node, list):
            stack.extend((jp.join(ptr, index), value) for index, value in reversed(list(enumerate(node))))
    return found


def _pointer_to(document: Any, target: Any) -> str:
    """The JSON pointer of ``target`` (a node of ``document``, found by identity), one path to it."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        ptr, node = stack.pop()
        if node is target:
            return ptr
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend((jp.join(ptr, key), value) for key, value in items if isinstance(value, (dict, list)))
    return ""


def parse_text(text: str, is_json: bool, constants: list[str] | None = None) -> Any:
    """Parse YAML or JSON text. Raises ``ValueError`` with a readable position on failure (a
    ``DocumentError`` with the JSON pointer where it is known). ``constants`` receives the NaN and
    Infinity literals JSON text holds (the standard library takes them, though JSON has no such
    numbers)."""
    if is_json:
        try:
            if constants is not None:

                def constant(name: str) -> float:
                    constants.append(name)
                    return float(name.replace("Infinity", "inf"))

                document = json.loads(text, parse_constant=constant)
            else:
                document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise DocumentError(f"{_json_depth_at(text)}: collections nested deeper than {MAX_DEPTH} levels") from None
        _check_json(document, text)
        return document
    import yaml

    loader = _yaml_loader()
    _check_yaml(text, loader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark, context = exc.problem_mark, exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        # PyYAML gives up where it noticed; what it names as the cause (an unclosed quote, the mapping it
        # was in) is often lines earlier, and is where to look.
        cause = (
            f" ({exc.context} at line {context.line + 1}, column {context.column + 1})"
            if exc.context and context is not None and (mark is None or context.line != mark.line)
            else ""
        )
        problem = exc.problem or str(exc)
        if mark is not None and _tab_at(text, mark.line, mark.column):
            # libyaml says "found character that cannot start any token", without the character.
            problem, cause = "a tab character: YAML indents with spaces only; replace the tab with spaces", ""
        raise ValueError(f"invalid YAML{where}: {problem}{cause}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"refused YAML: {exc}") from None
    except RecursionError:
        raise ValueError("YAML nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text):  # PyYAML's Python loader reads escapes libyaml refuses
        found = lone_surrogates(document)
        if found:
            raise DocumentError("a string holds a lone surrogate, which no file can hold", found[0])
    return document


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the character at (0-based) ``line`` and ``column`` of ``text`` is a tab."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    return text[start + column : start + column + 1] == "\t"


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_depth_at(text: str) -> str:
    """Where JSON ``text`` first nests deeper than ``MAX_DEPTH``, as ``line L, column C``."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                return f"line {line}, column {match.start() - text.rfind(chr(10), 0, match.start())}"
        elif char in "]}":
            depth -= 1
    return "somewhere"


def parse_bytes(data: bytes, is_json: bool, constants: list[str] | None = None) -> Any:
    """``parse_text`` of UTF-8 ``data`` (a byte-order mark is dropped). JSON goes through orjson where
    it is installed and certainly gives what the standard library gives: faster, with no decoded copy
    of the text. orjson refuses what the standard library takes beyond JSON (NaN, Infinity, numbers too
    large for a double, lone surrogates) and reads integers of more than 64 bits as floats, so a
    document it refuses, or with a run of 20 digits anywhere, goes the standard library's way (which
    also words the errors)."""
    if is_json:
        fast = _orjson_loads(data[3:] if data.startswith(codecs.BOM_UTF8) else data)
        if fast is not _NOT_FAST:
            _check_json(fast, None)  # orjson refuses lone surrogates: only the depth to check
            return fast
    return parse_text(data.decode("utf-8-sig"), is_json, constants)


_NOT_FAST = object()
_DIGITS = bytes.maketrans(b"123456789", b"000000000")


def _orjson_loads(data: bytes) -> Any:
    try:
        import orjson
    except ImportError:
        return _NOT_FAST
    if data.translate(_DIGITS).find(b"0" * 20) >= 0:
        return _NOT_FAST  # a number orjson would read otherwise (or digits in a string: no matter)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_FAST


def _read_bytes(key: str, policy: RefPolicy) -> bytes:
    parsed = urllib.parse.urlsplit(key)
    if parsed.scheme in ("http", "https"):
        from urllib.request import urlopen  # only ever reached with RefPolicy.allow_remote

        with urlopen(key, timeout=policy.remote_timeout) as resp:
            data = resp.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
        return data
    return read_document(Path(urllib.parse.unquote(parsed.path)))


def read_document(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Anything else is refused with a
    ``ValueError`` without being read: a FIFO or a device such as /dev/zero is known by ``stat`` and never
    opened, nor is a file larger than ``limit``; the file is opened without blocking (should it have been
    swapped for a FIFO meanwhile) and checked again once open; at most ``limit + 1`` bytes are read (it
    may grow meanwhile)."""
    _check_regular(os.stat(path), limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        size = _check_regular(os.fstat(fd), limit)
        chunks = [os.read(fd, size + 1)]  # one read of the whole file, as a rule; one byte more shows growth
        total = len(chunks[0])
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise ValueError(f"larger than {limit // 2**20} MiB")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_regular(info: os.stat_result, limit: int) -> int:
    """The size of a regular file no larger than ``limit``; a ``ValueError`` for anything else."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), "not a regular file")
        raise ValueError(f"not read: it is {kind}, not a regular file")
    if info.st_size > limit:
        raise ValueError(f"not read: {info.st_size:,} bytes, larger than {limit // 2**20} MiB")
    return info.st_size


def _is_json(key: str) -> bool:
    return urllib.parse.urlsplit(key).path.lower().endswith(".json")


def file_key(path: Path) -> str:
    return _resolved(path).as_uri()


def load_spec(
    path: str | os.PathLike[str], overlays: tuple[str | os.PathLike[str], ...] = (), policy: RefPolicy = RefPolicy()
) -> Spec:
    """Load ``path`` and every document its ``$ref``s reach, applying ``overlays`` to the root first.

    Problems become diagnostics on the returned spec; callers stop when it has errors.
    """
    diags = Diagnostics()
    root_path = Path(path)
    root_key = file_key(root_path)
    root_dir = _resolved(root_path).parent
    spec = Spec(root=root_key, documents={}, labels={root_key: display_path(root_path)}, diagnostics=diags)
    constants: list[str] = []
    try:
        spec.documents[root_key] = parse_bytes(_read_bytes(root_key, policy), _is_json(root_key), constants)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        diags.error("E001", spec.labels[root_key], _where(exc), f"cannot load spec: {_problem(exc)}")
        return spec
    if not isinstance(spec.data, dict):
        diags.error("E002", spec.label, "", "a spec must be a mapping at its top level")
        return spec
    for overlay in overlays:
        apply_overlay_file(spec, Path(overlay), policy)
    chained = _load_references(spec, root_dir, policy)
    if chained:
        _check_chains(spec, chained)
    return spec


def _problem(exc: BaseException) -> str:
    """What went wrong reading or parsing a document, in one short line: an OS error without the
    (possibly very long) file name it repeats."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _shown(str(exc), 500)


def _where(exc: BaseException) -> str:
    return exc.pointer if isinstance(exc, DocumentError) else ""


def _load_references(spec: Spec, root_dir: Path, policy: RefPolicy) -> list[tuple[str, str]]:
    """Load every document the root's ``$ref``s reach, reporting each reference that cannot be followed.
    Returns the (document, pointer) of each reference whose target is a reference itself."""
    chained: list[tuple[str, str]] = []
    pending = [spec.root]
    seen = {spec.root}
    refusals: dict[str, str | None] = {}  # by target document: most refs share a few
    while pending:
        doc = pending.pop()
        for ptr, ref in spec.refs(doc):
            label = spec.labels[doc]
            if not isinstance(ref, str):
                spec.diagnostics.error("E010", label, ptr, "$ref must be a string")
                continue
            try:
                target, fragment = spec.target(doc, ref)
            except ValueError as exc:  # urllib's reading of it: an unclosed IPv6 host, say
                spec.diagnostics.error("E010", label, ptr, f"$ref {_shown(ref)!r} is not a URI reference: {exc}")
                continue
            if target not in refusals:
                refusals[target] = _refused(target, root_dir, policy)
            problem = refusals[target]
            if problem:
                spec.diagnostics.error("E011", label, ptr, f"$ref {_shown(ref)!r} refused: {problem}")
                continue
            if target not in spec.documents and target not in seen:
                seen.add(target)
                spec.labels[target] = _label_for(target)
                try:
                    spec.documents[target] = parse_bytes(_read_bytes(target, policy), _is_json(target))
                except (OSError, ValueError, UnicodeDecodeError) as exc:
                    inside = f" (at #{_shown(_where(exc), 200)})" if _where(exc) else ""
                    spec.diagnostics.error(
                        "E012",
                        label,
                        ptr,
                        f"$ref {_shown(ref)!r}: cannot load {_shown(spec.labels[target], 200)}: "
                        + _problem(exc)
                        + inside,
                    )
                    continue
                pending.append(target)
            if target not in spec.documents:
                continue
            if fragment and not fragment.startswith("/"):
                spec.diagnostics.error(
                    "E013", label, ptr, f"$ref {_shown(ref)!r}: only JSON-pointer fragments are supported"
                )
                continue
            try:
                found = jp.resolve(spec.documents[target], fragment)
            except (KeyError, ValueError):
                spec.diagnostics.error("E014", label, ptr, f"$ref {_shown(ref)!r} points to nothing")
                continue
            if isinstance(found, dict) and "$ref" in found:
                chained.append((doc, ptr))
    return chained


def _check_chains(spec: Spec, chained: list[tuple[str, str]]) -> None:
    """Refuse circular ``$ref`` chains (E015) and chains of more than ``MAX_REF_CHAIN`` Reference Objects
    (E016), each once, where it starts: a cycle at the first of its references met, a long chain at each
    reference no other one leads to. ``chained`` holds the (document, pointer) of each reference whose
    target is a reference itself. Every Reference Object is followed once (its chain's length is kept),
    so this takes time linear in the number of references however long the chains are."""
    documents = spec.documents
    cycle_mark, broken_mark = -1, -2  # lengths are positive
    length: dict[int, int] = {}  # id of a Reference Object -> references in its chain, or a mark
    targets: set[int] = set()  # Reference Objects another one points to
    starts: list[tuple[str, str, Any]] = []
    for doc, ptr in chained:
        start = jp.resolve(documents[doc], ptr, None)
        if not isinstance(start, dict):
            continue
        starts.append((doc, ptr, start))
        path: list[tuple[int, str, str]] = []  # the chain from ``start``, up to what is known
        on_path: dict[int, int] = {}
        node: Any = start
        where, at = doc, ptr
        end = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            key = id(node)
            if key in length:
                end = length[key]
                break
            if key in on_path:
                cycle = path[on_path[key] :]
                refs = [_shown(jp.resolve(documents[d], p)["$ref"], 60) for _, d, p in cycle[:3]]
                shown = " -> ".join(refs) + (f" -> ... ({len(cycle):,} references)" if len(cycle) > 3 else "")
                spec.diagnostics.error(
                    "E015",
                    spec.labels[cycle[0][1]],
                    cycle[0][2],
                    f"circular $ref chain: {shown} and back here; it never reaches a schema",
                )
                for member, _, _ in cycle:
                    length[member] = cycle_mark
                end = cycle_mark
                break
            on_path[key] = len(path)
            path.append((key, where, at))
            try:
                where, at = spec.target(where, node["$ref"])
            except ValueError:
                where, at = "", "?"  # E010 says why
            node = jp.resolve(documents[where], at, None) if where in documents and at[:1] in ("", "/") else None
            if node is None:
                end = broken_mark  # E014 or E013 says why
            elif isinstance(node, dict) and "$ref" in node:
                targets.add(id(node))
        for key, _, _ in reversed(path):
            if key not in length:
                end = end + 1 if end >= 0 else end
                length[key] = end
    for doc, ptr, start in starts:
        count = length.get(id(start), 0)
        if count > MAX_REF_CHAIN and id(start) not in targets:
            spec.diagnostics.error(
                "E016",
                spec.labels[doc],
                ptr,
                f"$ref chain of {count:,} references, each to the next; at most {MAX_REF_CHAIN} are followed:"
                " point the reference at the schema itself",
            )


def _label_for(key: str) -> str:
    parsed = urllib.parse.urlsplit(key)
    if parsed.scheme == "file":
        return display_path(Path(urllib.parse.unquote(parsed.path)))
    return key


def _refused(target: str, root_dir: Path, policy: RefPolicy) -> str | None:
    parsed = urllib.parse.urlsplit(target)
    if parsed.scheme in ("http", "https"):
        return (
            None
            if policy.allow_remote
            else "remote references are off (allow them explicitly with --allow-remote-refs)"
        )
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return f"unsupported scheme {parsed.scheme!r}"
    if policy.allow_outside:
        return None
    try:
        path = Path(urllib.parse.unquote(parsed.path)).resolve()
    except (OSError, RuntimeError, ValueError):
        return "its path cannot be resolved (a symlink loop, or a name no file system takes)"
    if path != root_dir and root_dir not in path.parents:
        return "it leaves the spec's folder (allow it explicitly with --allow-outside-refs)"
    return None


def iter_refs(document: Any) -> list[tuple[str, Any]]:
    """Every ``$ref`` in a document as (pointer of the Reference Object, ref value); data values skipped."""
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any, bool]] = [("", document, False)]
    push = stack.append
    while stack:
        ptr, node, is_name_map = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node and not is_name_map:
                found.append((ptr, node["$ref"]))
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    # In a map of names (properties, schemas, ...) a key such as "default" is a name, not data.
                    text = key if isinstance(key, str) else str(key)
                    if is_name_map or not (text in DATA_KEYS or text.startswith("x-")):
                        token = (
                            jp.escape(text) if "~" in text or "/" in text else text
                        )  # jp.token, inlined: the hottest loop of loading
                        push((f"{ptr}/{token}", value, key in NAME_MAPS and not is_name_map))
                        continue
                if key == "examples" and isinstance(value, dict):
                    # Example Objects may themselves be References; their ``value`` is data.
                    for name, example in value.items():
                        if isinstance(example, dict) and "$ref" in example:
                            found.append((jp.join(ptr, key, name), example["$ref"]))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    push((f"{ptr}/{index}", item, False))
    found.sort(key=lambda item: item[0])
    return found


# --- Overlays (OpenAPI Overlay Specification 1.0.0) -------------------------------------------------


def apply_overlay_file(spec: Spec, path: Path, policy: RefPolicy) -> None:
    label = display_path(path)
    try:
        overlay = parse_bytes(_read_bytes(file_key(path), policy), _is_json(file_key(path)))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        spec.diagnostics.error("E020", label, _where(exc), f"cannot load overlay: {_problem(exc)}")
        return
    apply_overlay(spec.data, overlay, label, spec.diagnostics)


def apply_overlay(document: Any, overlay: Any, label: str, diags: Diagnostics) -> list[int]:
    """Apply an Overlay 1.0 document in place. Returns the indexes of actions whose target matched nothing
    (each also reported as a warning: an overlay that silently stops applying is drift)."""
    import jsonpath  # RFC 9535 JSONPath, as the Overlay specification requires

    if not isinstance(overlay, dict) or not str(overlay.get("overlay", "")).startswith("1."):
        diags.error("E021", label, "/overlay", "not an Overlay 1.x document (missing 'overlay: 1.0.0')")
        return []
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        diags.error("E022", label, "/actions", "an overlay needs a non-empty 'actions' list")
        return []
    unmatched: list[int] = []
    for index, action in enumerate(actions):
        ptr = f"/actions/{index}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            diags.error("E023", label, ptr, "each action needs a 'target' JSONPath string")
            continue
        try:
            matches = list(jsonpath.finditer(action["target"], document))
        except jsonpath.JSONPathError as exc:
            diags.error("E024", label, jp.join(ptr, "target"), f"invalid JSONPath: {exc}")
            continue
        if not matches:
            unmatched.append(index)
            diags.warning(
                "W025", label, jp.join(ptr, "target"), f"target {action['target']!r} matches nothing in the spec"
            )
            continue
        if action.get("remove") is True:
            # Remove from the deepest/last position first so earlier indexes stay valid.
            for match in sorted(matches, key=lambda m: [str(p) for p in m.parts], reverse=True):
                _remove(document, list(match.parts))
        elif "update" in action:
            for match in matches:
                _update(document, list(match.parts), copy.deepcopy(action["update"]))
        else:
            diags.error("E026", label, ptr, "an action needs 'update' or 'remove: true'")
    return unmatched


def _parent(document: Any, parts: list[Any]) -> Any:
    node = document
    for part in parts[:-1]:
        node = node[part]
    return node


def _remove(document: Any, parts: list[Any]) -> None:
    if parts:
        del _parent(document, parts)[parts[-1]]


def _update(document: Any, parts: list[Any], update: Any) -> None:
    target = _parent(document, parts)[parts[-1]] if parts else document
    if isinstance(target, list):
        target.append(update)
    elif isinstance(target, dict) and isinstance(update, dict):
        _merge(target, update)
    elif parts:
        _parent(document, parts)[parts[-1]] = update


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
