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
#: A YAML document whose aliases would expand past this many nodes is refused (billion-laughs guard).
MAX_EXPANDED_NODES = 20_000_000
MAX_DEPTH = 1_000


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

    def follow(self, doc: str, node: Any, limit: int = 64) -> tuple[str, str | None, Any]:
        """Resolve a chain of Reference Objects. Returns (document, pointer or None, target node).
        Raises ``LookupError`` for a dangling or circular chain (``load`` already reported it)."""
        ptr: str | None = None
        for _ in range(limit):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return doc, ptr, node
            doc, ptr = self.target(doc, node["$ref"])
            try:
                node = jp.resolve(self.documents[doc], ptr)
            except KeyError as exc:
                raise LookupError(f"{doc}#{ptr}") from exc
        raise LookupError("circular $ref chain")

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
    except ValueError:
        return path.as_posix()


@lru_cache(maxsize=1)
def _limited_loader() -> type:
    """A safe YAML loader (the C one where PyYAML has it) that refuses alias bombs before constructing
    anything. Made on first use: a JSON document never imports PyYAML."""
    import yaml

    class LimitedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        def construct_document(self, node: yaml.Node) -> Any:
            _check_expansion(node)
            return super().construct_document(node)

    return LimitedLoader


def _check_expansion(root: Any) -> None:
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool, int]] = [(root, False, 0)]
    while stack:
        node, done, depth = stack.pop()
        if id(node) in sizes and not done:
            continue
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"nesting deeper than {MAX_DEPTH} levels")
        children: list[Any] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise yaml.YAMLError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes")
        else:
            stack.append((node, True, depth))
            stack.extend((c, False, depth + 1) for c in children if id(c) not in sizes)


def parse_text(text: str, is_json: bool, constants: list[str] | None = None) -> Any:
    """Parse YAML or JSON text. Raises ``ValueError`` with a readable position on failure.
    ``constants`` receives the NaN and Infinity literals JSON text holds (the standard library takes
    them, though JSON has no such numbers)."""
    if is_json:
        try:
            if constants is not None:

                def constant(name: str) -> float:
                    constants.append(name)
                    return float(name.replace("Infinity", "inf"))

                return json.loads(text, parse_constant=constant)
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
    import yaml

    try:
        return yaml.load(text, Loader=_limited_loader())
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
        raise ValueError(f"invalid YAML{where}: {exc.problem or exc}{cause}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"refused YAML: {exc}") from None
    except RecursionError:
        raise ValueError("YAML nested too deeply") from None


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
    else:
        path = Path(urllib.parse.unquote(parsed.path))
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise ValueError(f"larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
        data = path.read_bytes()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    return data


def _is_json(key: str) -> bool:
    return urllib.parse.urlsplit(key).path.lower().endswith(".json")


def file_key(path: Path) -> str:
    return path.resolve().as_uri()


def load_spec(
    path: str | os.PathLike[str], overlays: tuple[str | os.PathLike[str], ...] = (), policy: RefPolicy = RefPolicy()
) -> Spec:
    """Load ``path`` and every document its ``$ref``s reach, applying ``overlays`` to the root first.

    Problems become diagnostics on the returned spec; callers stop when it has errors.
    """
    diags = Diagnostics()
    root_path = Path(path)
    root_key = file_key(root_path)
    root_dir = root_path.resolve().parent
    spec = Spec(root=root_key, documents={}, labels={root_key: display_path(root_path)}, diagnostics=diags)
    constants: list[str] = []
    try:
        spec.documents[root_key] = parse_bytes(_read_bytes(root_key, policy), _is_json(root_key), constants)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        diags.error("E001", spec.labels[root_key], "", f"cannot load spec: {exc}")
        return spec
    if not isinstance(spec.data, dict):
        diags.error("E002", spec.label, "", "a spec must be a mapping at its top level")
        return spec
    for overlay in overlays:
        apply_overlay_file(spec, Path(overlay), policy)
    _load_references(spec, root_dir, policy)
    return spec


def _load_references(spec: Spec, root_dir: Path, policy: RefPolicy) -> None:
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
            target, fragment = spec.target(doc, ref)
            if target not in refusals:
                refusals[target] = _refused(target, root_dir, policy)
            problem = refusals[target]
            if problem:
                spec.diagnostics.error("E011", label, ptr, f"$ref {ref!r} refused: {problem}")
                continue
            if target not in spec.documents and target not in seen:
                seen.add(target)
                spec.labels[target] = _label_for(target)
                try:
                    spec.documents[target] = parse_bytes(_read_bytes(target, policy), _is_json(target))
                except (OSError, ValueError, UnicodeDecodeError) as exc:
                    spec.diagnostics.error(
                        "E012", label, ptr, f"$ref {ref!r}: cannot load {spec.labels[target]}: {exc}"
                    )
                    continue
                pending.append(target)
            if target not in spec.documents:
                continue
            if fragment and not fragment.startswith("/"):
                spec.diagnostics.error("E013", label, ptr, f"$ref {ref!r}: only JSON-pointer fragments are supported")
                continue
            try:
                jp.resolve(spec.documents[target], fragment)
            except (KeyError, ValueError):
                spec.diagnostics.error("E014", label, ptr, f"$ref {ref!r} points to nothing")


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
    path = Path(urllib.parse.unquote(parsed.path)).resolve()
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
        spec.diagnostics.error("E020", label, "", f"cannot load overlay: {exc}")
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
