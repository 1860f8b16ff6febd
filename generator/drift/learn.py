"""``specgen learn``: what generated clients observed (``specgen-observations/1``, docs/observations.md)
turned into OpenAPI Overlay 1.0 actions that make the description allow it.

The description is the one the client saw (the spec with its overlays, as ``load_spec`` gives it). Each
finding is learned in turn against a working copy that already holds what earlier findings learned, so a
place seen from two operations is learned once and two findings on one node (a type widened, then made
nullable) add up. Each finding's change is classified by ``diff.diff_specs`` (the copy before it against
the copy after it), never by a table of this module's own.

Nothing observed reaches an action but what the observations format lets a file hold: property names (the
pointer), JSON types and formats, and the enum values, discriminator values, statuses and media types the
file lists, each checked against the format's own bounds (vocabulary, a status, a media type) first.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import pointer as jp
from ..core.diagnostics import Diagnostics
from ..core.load import Spec, display_path
from .diff import RULES, Change, diff_specs

FORMAT = "specgen-observations/1"

#: The order findings are learned in: a status before the media types found with it, a property's
#: schema kinds after the property exists.
KINDS = (
    "undocumented-status",
    "undocumented-content-type",
    "unknown-property",
    "unknown-enum-value",
    "type-mismatch",
    "missing-required",
    "unexpected-null",
    "unknown-discriminator",
    "unknown-event",
)
JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")
#: The string formats the runtime recognises; a documented format outside these is never judged.
FORMATS = ("date", "date-time", "uuid", "email", "uri")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 20  # distinct values kept per finding when files are merged; the rest counted under "…"
OVERFLOW = "…"

_VOCABULARY = re.compile(r"[A-Za-z0-9_\-.:/ ]{1,64}")
_STATUS = re.compile(r"[1-5][0-9][0-9]|[1-5]XX|default")
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+*-]+")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_TYPE = re.compile(r"(string|integer|number|boolean|object|array|null)(?: \(([a-z0-9-]{1,32})\))?")
_SHORTHAND = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LearnError(Exception):
    """Input ``learn`` cannot read: each problem is a diagnostic with file and JSON pointer."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics.errors))
        self.diagnostics = diagnostics


# --- reading and merging observation files -----------------------------------------------------------


@dataclass
class Finding:
    """One finding, merged over every file that has it."""

    scope: str  # "GET /path" (an operation key) or "webhook NAME"
    kind: str
    where: str
    pointer: str
    expected: Any
    observed: Any
    values: dict[str, int]
    count: int
    first_seen: str | None
    last_seen: str | None
    source: tuple[str, str]  # (file, JSON pointer) where it was first read

    @property
    def is_webhook(self) -> bool:
        return self.scope.startswith("webhook ")


@dataclass
class Observations:
    operations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> where it was first read
    findings: dict[tuple[str, str, str, str, str], Finding] = field(default_factory=dict)
    dropped: int = 0
    files: int = 0


def _merge_values(into: dict[str, int], values: dict[str, int]) -> None:
    for value, n in values.items():
        if value in into or (value != OVERFLOW and len([v for v in into if v != OVERFLOW]) < MAX_VALUES):
            into[value] = into.get(value, 0) + n
        else:
            into[OVERFLOW] = into.get(OVERFLOW, 0) + n


def _earliest(a: str | None, b: str | None) -> str | None:
    return min(t for t in (a, b) if t) if a or b else None


def _latest(a: str | None, b: str | None) -> str | None:
    return max(t for t in (a, b) if t) if a or b else None


def read_observations(paths: Iterable[Path]) -> Observations:
    """Read and merge ``specgen-observations/1`` files (counts added, values united within their bounds,
    the earliest ``first_seen`` and latest ``last_seen`` kept). Raises ``LearnError`` naming each file
    and JSON pointer that cannot be read."""
    merged = Observations()
    diags = Diagnostics()
    for path in paths:
        label = display_path(path)
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
            document = json.loads(data)
        except (OSError, ValueError, RecursionError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:300]
            diags.error("E801", label, "", f"cannot read observations: {reason}")
            continue
        if not isinstance(document, dict):
            diags.error("E802", label, "", f"not a {FORMAT} file: the top level is not an object")
            continue
        if document.get("format") != FORMAT:
            shown = json.dumps(document.get("format"))[:80]
            diags.error("E802", label, "/format", f"format {shown} is not {FORMAT}; learn reads only that format")
            continue
        merged.files += 1
        for section, scope_of in (("operations", lambda key: key), ("webhooks", lambda key: f"webhook {key}")):
            entries = document.get(section, {})
            if not isinstance(entries, dict):
                diags.error("E803", label, f"/{section}", f"'{section}' must be an object")
                continue
            for key, entry in entries.items():
                at = jp.join(f"/{section}", key)
                if not isinstance(entry, dict):
                    diags.error("E803", label, at, "each entry must be an object")
                    continue
                if section == "operations":
                    merged.operations.setdefault(key, (label, at))
                dropped = entry.get("dropped", 0)
                merged.dropped += dropped if isinstance(dropped, int) and dropped > 0 else 0
                findings = entry.get("findings", [])
                if not isinstance(findings, list):
                    diags.error("E803", label, jp.join(at, "findings"), "'findings' must be a list")
                    continue
                for index, raw in enumerate(findings):
                    finding = _finding(scope_of(key), raw, label, jp.join(at, "findings", index), diags)
                    if finding is not None:
                        _add(merged, finding)
    if diags.has_errors:
        raise LearnError(diags)
    return merged


def _finding(scope: str, raw: Any, label: str, at: str, diags: Diagnostics) -> Finding | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        diags.error("E803", label, at, "a finding must be an object with a 'kind'")
        return None
    for key in ("where", "pointer"):
        if key in raw and not isinstance(raw[key], str):
            diags.error("E803", label, jp.join(at, key), f"'{key}' must be a string")
            return None
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        diags.error("E803", label, jp.join(at, "count"), "'count' must be a whole number")
        return None
    values = raw.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in values.values()
    ):
        diags.error("E803", label, jp.join(at, "values"), "'values' must map each value to a count")
        return None
    return Finding(
        scope=scope,
        kind=raw["kind"],
        where=raw.get("where", ""),
        pointer=raw.get("pointer", ""),
        expected=raw.get("expected"),
        observed=raw.get("observed"),
        values={str(k): n for k, n in values.items()},
        count=count,
        first_seen=_time(raw.get("first_seen")),
        last_seen=_time(raw.get("last_seen")),
        source=(label, at),
    )


def _time(value: Any) -> str | None:
    """A time as the format writes it (UTC, seconds); anything else is not carried into an overlay."""
    return value if isinstance(value, str) and _TIME.fullmatch(value) else None


def _add(merged: Observations, finding: Finding) -> None:
    # Unique per (kind, where, pointer); a type seen differently in two files stays two findings.
    observed = json.dumps(finding.observed) if finding.kind in ("unknown-property", "type-mismatch") else ""
    key = (finding.scope, finding.kind, finding.where, finding.pointer, observed)
    known = merged.findings.get(key)
    if known is None:
        merged.findings[key] = finding
        return
    known.count += finding.count
    _merge_values(known.values, finding.values)
    known.first_seen = _earliest(known.first_seen, finding.first_seen)
    known.last_seen = _latest(known.last_seen, finding.last_seen)


# --- what is learned -----------------------------------------------------------------------------------

_NO_ITEM = object()


@dataclass(frozen=True)
class Step:
    """One overlay action on the root document: ``update`` merged into (or appended to) the node at
    ``parts``, or that node removed, or (``item``) every entry of the list at ``parts`` equal to it."""

    parts: tuple[Any, ...]
    update: Any = None
    remove: bool = False
    item: Any = _NO_ITEM


@dataclass
class Learned:
    finding: Finding
    summary: str
    steps: list[Step]
    changes: list[Change] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    learned: list[Learned] = field(default_factory=list)
    allowed: list[tuple[Finding, str]] = field(default_factory=list)
    left: list[tuple[Finding, str]] = field(default_factory=list)  # left to the maintainer, with why
    skipped: list[Finding] = field(default_factory=list)  # seen fewer than --min-count times
    before: Any = None  # the root document as the client saw it
    after: Any = None  # ... and with everything learned

    @property
    def actions(self) -> list[dict[str, Any]]:
        return [action for item in self.learned for action in item.actions]


@dataclass(frozen=True)
class _Loc:
    doc: str
    parts: tuple[Any, ...]
    node: Any


class _Left(Exception):
    """A finding learn cannot turn into an action: the reason is printed for the maintainer."""


def learn(spec: Spec, observations: Observations, min_count: int = 1, targets: bool = True) -> Outcome:
    """Every finding of ``observations`` learned against ``spec`` (loaded, overlays applied). ``targets``:
    each action must be reachable by an Overlay JSONPath (off for ``--patch``, which edits the file
    itself). Raises ``LearnError`` for an operation the spec does not have."""
    learner = _Learner(spec, targets)
    diags = Diagnostics()
    for key, (label, at) in observations.operations.items():
        if learner.operation(key) is None:
            diags.error("E804", label, at, f"no operation {key!r} in {spec.label} (as loaded, overlays applied)")
    if diags.has_errors:
        raise LearnError(diags)
    outcome = Outcome(before=spec.data)
    order = {key: i for i, key in enumerate(learner.operation_order())}
    findings = sorted(
        observations.findings.values(),
        key=lambda f: (
            f.is_webhook,
            order.get(f.scope, len(order)),
            f.scope,
            KINDS.index(f.kind) if f.kind in KINDS else len(KINDS),
            f.where,
            f.pointer,
        ),
    )
    added: dict[tuple[str, str], Learned] = {}  # (operation, status) -> the undocumented status learned
    for finding in findings:
        if finding.count < min_count:
            outcome.skipped.append(finding)
            continue
        try:
            result = learner.learn(finding, min_count)
        except _Left as why:
            outcome.left.append((finding, str(why)))
            continue
        if isinstance(result, str):
            outcome.allowed.append((finding, result))
            continue
        status = finding.where.partition(" ")[0]
        if finding.kind == "undocumented-status":
            added[(finding.scope, status)] = result
        elif finding.kind == "undocumented-content-type" and (finding.scope, status) in added:
            # A media type of a response this run adds is part of that response: one change, as diff
            # DOCUMENTED TRUE sees it, not a second one on top of the first.
            result.changes = added[(finding.scope, status)].changes
        outcome.learned.append(result)
    outcome.after = learner.doc
    return outcome


class _Learner:
    def __init__(self, spec: Spec, targets: bool) -> None:
        self.spec = spec
        self.targets = targets
        self.doc = spec.data
        self.is_31 = str(spec.data.get("openapi", "")).startswith("3.1")

    # -- the working copy

    def view(self, doc: Any) -> Spec:
        return Spec(
            root=self.spec.root, documents={**self.spec.documents, self.spec.root: doc}, labels=self.spec.labels
        )

    def follow(self, loc: _Loc) -> _Loc:
        if not (isinstance(loc.node, dict) and "$ref" in loc.node):
            return loc
        try:
            doc, ptr, node = self.view(self.doc).follow(loc.doc, loc.node)
        except LookupError:
            raise _Left(f"a $ref at {jp.from_parts(loc.parts)} cannot be followed") from None
        return _Loc(doc, _typed(self.spec.documents[doc] if doc != self.spec.root else self.doc, ptr or ""), node)

    # -- finding where a finding is

    def operation_order(self) -> list[str]:
        keys = []
        for path, item in _dict(self.doc.get("paths")).items():
            for method in METHODS:
                if isinstance(_dict(item).get(method), dict):
                    keys.append(f"{method.upper()} {path}")
        return keys

    def operation(self, key: str) -> _Loc | None:
        method, _, path = key.partition(" ")
        paths = _dict(self.doc.get("paths"))
        path_key = next((k for k in paths if str(k) == path), None)
        if path_key is None or method.lower() not in METHODS:
            return None
        try:
            item = self.follow(_Loc(self.spec.root, ("paths", path_key), paths[path_key]))
        except _Left:
            return None
        op = _dict(item.node).get(method.lower())
        return _Loc(item.doc, (*item.parts, method.lower()), op) if isinstance(op, dict) else None

    def response(self, op: _Loc, status: str, fallback: bool = False) -> _Loc | None:
        responses = _dict(op.node.get("responses"))
        key = next((k for k in responses if str(k).upper() == status.upper()), None)
        if key is None and fallback:
            key = next((k for k in responses if str(k).upper() == status[:1] + "XX"), None)
            if key is None and status.startswith("2"):
                key = self.success_key(op)
            if key is None:
                key = next((k for k in responses if str(k) == "default"), None)
        if key is None:
            return None
        return self.follow(_Loc(op.doc, (*op.parts, "responses", key), responses[key]))

    def success_key(self, op: _Loc) -> Any:
        return next((k for k in _dict(op.node.get("responses")) if str(k).startswith("2")), None)

    def body(self, finding: Finding) -> _Loc:
        op = self.operation(finding.scope)
        if op is None:
            raise _Left("the operation is not in the description")
        status, _, media_type = finding.where.partition(" ")
        response = self.response(op, status)
        if response is None:
            raise _Left(f"the description has no response {status!r} for it")
        content = _dict(response.node.get("content"))
        mt = next((k for k in content if str(k) == media_type), None)
        if mt is None or not isinstance(content[mt], dict) or "schema" not in content[mt]:
            raise _Left(f"response {status} documents no schema for {media_type!r}")
        return _Loc(response.doc, (*response.parts, "content", mt, "schema"), content[mt]["schema"])

    def at(self, finding: Finding, tokens: list[str]) -> _Loc:
        loc = self.body(finding)
        for i, token in enumerate(tokens):
            found = self.child(loc, token)
            if found is None:
                shown = "/" + "/".join(jp.escape(t) for t in tokens[: i + 1])
                raise _Left(f"the description has no schema for {shown} of the body")
            loc = found
        return loc

    def child(self, loc: _Loc, token: str, depth: int = 0, maps: bool = True) -> _Loc | None:
        loc = self.follow(loc)
        node = loc.node
        if not isinstance(node, dict) or depth > 32:
            return None
        if token == "*":
            if isinstance(node.get("items"), dict):
                return _Loc(loc.doc, (*loc.parts, "items"), node["items"])
        else:
            props = _dict(node.get("properties"))
            key = _key(props, token)
            if key is not None:
                return _Loc(loc.doc, (*loc.parts, "properties", key), props[key])
        for keyword in ("allOf", "anyOf", "oneOf"):
            for i, member in enumerate(_list(node.get(keyword))):
                found = self.child(_Loc(loc.doc, (*loc.parts, keyword, i), member), token, depth + 1, maps)
                if found is not None:
                    return found
        if token != "*" and maps and isinstance(node.get("additionalProperties"), dict):
            return _Loc(loc.doc, (*loc.parts, "additionalProperties"), node["additionalProperties"])
        return None

    def closure(self, loc: _Loc, depth: int = 0) -> list[_Loc]:
        """``loc`` followed, and every allOf member of it, followed: the schemas that all apply."""
        loc = self.follow(loc)
        found = [loc]
        if isinstance(loc.node, dict) and depth < 32:
            for i, member in enumerate(_list(loc.node.get("allOf"))):
                found += self.closure(_Loc(loc.doc, (*loc.parts, "allOf", i), member), depth + 1)
        return found

    # -- what a schema allows

    def types(self, node: dict[str, Any]) -> set[str] | None:
        raw = node.get("type")
        if raw is None:
            return None
        found = {str(t) for t in raw} if isinstance(raw, list) else {str(raw)}
        if not self.is_31 and node.get("nullable") is True:
            found.add("null")
        return found

    def accepts(self, loc: _Loc, jtype: str, fmt: str | None, depth: int = 0) -> bool:
        """Whether a value of JSON type ``jtype`` (a string of format ``fmt``) fits the schema, as far as
        types, formats, nullability and (for null) enums tell."""
        loc = self.follow(loc)
        node = loc.node
        if node is False:
            return False
        if not isinstance(node, dict) or depth > 32:
            return True
        if jtype == "null":
            if not self.is_31 and node.get("nullable") is True:
                return True
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                return False
            if not self.is_31 and "type" in node:
                return False
        types = self.types(node)
        if types is not None and jtype not in types and not (jtype == "integer" and "number" in types):
            return False
        if jtype == "string" and node.get("format") in FORMATS and node.get("format") != fmt:
            return False
        for i, member in enumerate(_list(node.get("allOf"))):
            if not self.accepts(_Loc(loc.doc, (*loc.parts, "allOf", i), member), jtype, fmt, depth + 1):
                return False
        members = [(k, i, m) for k in ("anyOf", "oneOf") for i, m in enumerate(_list(node.get(k)))]
        return not members or any(
            self.accepts(_Loc(loc.doc, (*loc.parts, k, i), m), jtype, fmt, depth + 1) for k, i, m in members
        )

    # -- learning one finding

    def learn(self, finding: Finding, min_count: int) -> Learned | str:
        """The finding learned (its steps applied to the working copy), or why it is already allowed;
        raises ``_Left`` for what only the maintainer can decide."""
        if finding.is_webhook:
            if finding.kind == "unknown-event":
                raise _Left("a webhook event's schema cannot be learned from its name")
            raise _Left("findings in webhook payloads are not learned yet")
        method = getattr(self, "_" + finding.kind.replace("-", "_"), None)
        if finding.kind not in KINDS or method is None:
            raise _Left(f"unknown kind {finding.kind!r} (a newer client?)")
        tokens = jp.split(finding.pointer) if finding.pointer else []
        result = method(finding, tokens, min_count)
        if isinstance(result, str):
            return result
        summary, steps = result
        before = after = self.doc
        actions = []
        for step in steps:
            if self.targets:
                actions.append(self.action(after, step, finding))
            after = _copy_path(after, step.parts)
            _apply(after, step)
        self.doc = after
        changes = diff_specs(self.view(before), self.view(after)).changes
        return Learned(finding, summary, steps, changes, actions)

    def root_loc(self, loc: _Loc) -> _Loc:
        if loc.doc != self.spec.root:
            raise _Left(
                f"the schema is in {self.spec.labels.get(loc.doc, loc.doc)}: an overlay edits only the root document"
            )
        return loc

    def action(self, doc: Any, step: Step, finding: Finding) -> dict[str, Any]:
        import jsonpath

        target = _jsonpath(doc, step.parts, step.item)
        want = step.parts if step.item is _NO_ITEM else None
        matches = [] if target is None else [tuple(m.parts) for m in jsonpath.finditer(target, doc)]
        ok = matches == [want] if want is not None else bool(matches) and all(m[:-1] == step.parts for m in matches)
        if not ok:
            raise _Left(
                f"{jp.from_parts(step.parts)} cannot be named by an Overlay's JSONPath (a key that is not a"
                " string, such as an unquoted status 200 in YAML: quote it), or use --patch"
            )
        action: dict[str, Any] = {"target": target, "description": _DESCRIPTIONS[finding.kind]}
        if step.remove:
            action["remove"] = True
        else:
            action["update"] = copy.deepcopy(step.update)
        action["x-specgen-evidence"] = _evidence(finding)
        return action

    # each returns (summary, steps) or why it is already allowed

    def _unknown_property(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        if not tokens:
            raise _Left("an unknown property needs a pointer to it")
        jtype, fmt = _parse_type(f.observed)
        parent, name = self.at(f, tokens[:-1]), tokens[-1]
        closure = self.closure(parent)
        if self.child(parent, name) is not None:
            return "already declared"
        if any(isinstance(c.node, dict) and c.node.get("additionalProperties") is True for c in closure):
            return "additionalProperties allows it"
        home = next(
            (
                c
                for c in closure
                if isinstance(c.node, dict)
                and (isinstance(c.node.get("properties"), dict) or "object" in (self.types(c.node) or ()))
            ),
            None,
        )
        if home is None:
            top = closure[0]
            if isinstance(top.node, dict) and (top.node.get("anyOf") or top.node.get("oneOf")):
                raise _Left(f"property {name!r} is in a oneOf/anyOf: which member takes it is yours to decide")
            home = top
        home = self.root_loc(home)
        schema: dict[str, Any] = {}
        if jtype == "array":
            schema = {"type": "array", "items": {}}
        elif jtype != "null":
            schema = {"type": jtype}
        if fmt and jtype == "string":
            schema["format"] = fmt
        if isinstance(home.node.get("properties"), dict):
            step = Step((*home.parts, "properties"), {name: schema})
        else:
            step = Step(home.parts, {"properties": {name: schema}})
        shown = jtype + (f", {fmt}" if fmt else "")
        return f"property {_q(name)} ({shown}) added", [step]

    def _unknown_enum_value(self, f: Finding, tokens: list[str], min_count: int) -> tuple[str, list[Step]] | str:
        loc = self.at(f, tokens)
        home = next((c for c in self.closure(loc) if isinstance(c.node, dict) and "enum" in c.node), None)
        if home is None:
            if any(isinstance(c.node, dict) and "x-extensible-enum" in c.node for c in self.closure(loc)):
                return "x-extensible-enum allows other values"
            raise _Left("no enum found there")
        enum = home.node["enum"]
        if not isinstance(enum, list):
            raise _Left("the enum there is not a list")
        values = self.values(f, enum, min_count)
        if not values:
            return "every value is listed already"
        home = self.root_loc(home)
        steps = [Step((*home.parts, "enum"), value) for value in values]
        return f"enum value{'s' if len(values) > 1 else ''} {', '.join(_q(v) for v in values)} added", steps

    def values(self, f: Finding, enum: list[Any], min_count: int) -> list[Any]:
        """The finding's values not in ``enum`` yet, as the enum's type (the file keys them as text)."""
        if not f.values:
            raise _Left("the values were not recorded (they did not look like vocabulary)")
        kinds = {type(v) for v in enum if v is not None}
        found = []
        for raw, n in f.values.items():
            if raw == OVERFLOW or n < min_count:
                continue
            if not _VOCABULARY.fullmatch(raw):
                raise _Left("a recorded value is not vocabulary (docs/observations.md): it is not learned")
            value: Any = raw
            if kinds and kinds <= {int, float}:
                try:
                    value = int(raw) if re.fullmatch(r"-?[0-9]+", raw) else float(raw)
                except ValueError:
                    raise _Left(f"value {_q(raw)} is not a number, as the enum's values are") from None
            elif kinds == {bool} and raw in ("true", "false"):
                value = raw == "true"
            if value not in enum and value not in found:
                found.append(value)
        return found

    def _type_mismatch(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        jtype, fmt = _parse_type(f.observed)
        if jtype == "null":
            return self._unexpected_null(f, tokens, _)
        loc = self.follow(self.at(f, tokens))
        if self.accepts(loc, jtype, fmt):
            return "the schema allows it"
        loc = self.root_loc(loc)
        node = loc.node
        if not isinstance(node, dict):
            raise _Left("the schema there is not an object")
        types = self.types(node)
        if jtype == "string" and (types is None or "string" in types) and self.accepts_type(loc, "string"):
            old = node.get("format")
            if fmt:
                return f"format {old} -> {fmt}", [Step(loc.parts, {"format": fmt})]
            return f"format {old} dropped", [Step((*loc.parts, "format"), remove=True)]
        for keyword in ("anyOf", "oneOf"):
            if isinstance(node.get(keyword), list) and types is None:
                member = {"type": jtype} | ({"format": fmt} if fmt else {})
                return f"{keyword} member {jtype} added", [Step((*loc.parts, keyword), member)]
        raw = node.get("type")
        if raw is None:
            raise _Left("the schema there has no type to widen (an allOf decides it)")
        if self.is_31:
            old_list = list(raw) if isinstance(raw, list) else [raw]
            new = [*old_list, jtype]
            return f"type {_show(raw)} -> {_show(new)}", [Step(loc.parts, {"type": new})]
        first: dict[str, Any] = {"type": raw} | ({"nullable": True} if node.get("nullable") is True else {})
        union = {"anyOf": [first, {"type": jtype}]}
        steps = [Step((*loc.parts, "type"), remove=True), Step(loc.parts, union)]
        return f"type {raw} -> anyOf [{raw}, {jtype}]", steps

    def accepts_type(self, loc: _Loc, jtype: str) -> bool:
        """``accepts`` for the type alone (any format)."""
        node = loc.node
        types = self.types(node) if isinstance(node, dict) else None
        return types is None or jtype in types

    def _missing_required(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        name = f.expected if isinstance(f.expected, str) else (tokens[-1] if tokens else None)
        if not name:
            raise _Left("no property name given")
        object_tokens = tokens[:-1] if tokens and tokens[-1] == name else tokens
        loc = self.at(f, object_tokens)
        steps = []
        for part in self.closure(loc):
            required = part.node.get("required") if isinstance(part.node, dict) else None
            if isinstance(required, list) and name in required:
                part = self.root_loc(part)
                if all(r == name for r in required):  # an empty `required` is not valid in 3.0
                    steps.append(Step((*part.parts, "required"), remove=True))
                else:
                    steps.append(Step((*part.parts, "required"), remove=True, item=name))
        if not steps:
            return "not required"
        return f"{_q(name)} no longer required", steps

    def _unexpected_null(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        loc = self.follow(self.at(f, tokens))
        if self.accepts(loc, "null", None):
            return "the schema allows null"
        loc = self.root_loc(loc)
        node = loc.node
        if not isinstance(node, dict):
            raise _Left("the schema there is not an object")
        steps = []
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            steps.append(Step((*loc.parts, "enum"), None))
        if not self.is_31:
            steps.append(Step(loc.parts, {"nullable": True}))
        elif "type" in node:
            raw = node["type"]
            types = list(raw) if isinstance(raw, list) else [raw]
            if "null" not in types:
                steps.append(Step(loc.parts, {"type": [*types, "null"]}))
        elif isinstance(node.get("anyOf"), list) or isinstance(node.get("oneOf"), list):
            keyword = "anyOf" if isinstance(node.get("anyOf"), list) else "oneOf"
            steps.append(Step((*loc.parts, keyword), {"type": "null"}))
        elif node.get("allOf"):
            raise _Left("the schema there is an allOf: make it nullable by hand (anyOf with type null)")
        return "made nullable", steps

    def _unknown_discriminator(self, f: Finding, tokens: list[str], min_count: int) -> tuple[str, list[Step]] | str:
        loc = self.follow(self.at(f, tokens))
        discriminator = loc.node.get("discriminator") if isinstance(loc.node, dict) else None
        if not isinstance(discriminator, dict) and tokens:
            parent = self.follow(self.at(f, tokens[:-1]))
            found = parent.node.get("discriminator") if isinstance(parent.node, dict) else None
            if isinstance(found, dict) and found.get("propertyName") == tokens[-1]:
                loc, discriminator = parent, found
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            raise _Left("no discriminator found there")
        tag = discriminator["propertyName"]
        known = set(_dict(discriminator.get("mapping")))
        tag_loc = next(
            (
                self.follow(_Loc(c.doc, (*c.parts, "properties", tag), c.node["properties"][tag]))
                for c in self.closure(loc)
                if isinstance(c.node, dict)
                and isinstance(c.node.get("properties"), dict)
                and tag in c.node["properties"]
            ),
            None,
        )
        if tag_loc is None or not isinstance(tag_loc.node, dict) or not isinstance(tag_loc.node.get("enum"), list):
            raise _Left(
                f"a mapping entry for a new value of {_q(tag)} needs a schema; the tag has no enum to add it to"
            )
        values = [v for v in self.values(f, tag_loc.node["enum"], min_count) if v not in known]
        if not values:
            return "every value is known already"
        tag_loc = self.root_loc(tag_loc)
        steps = [Step((*tag_loc.parts, "enum"), value) for value in values]
        return f"tag {_q(tag)}: value{'s' if len(values) > 1 else ''} {', '.join(_q(v) for v in values)} added", steps

    def _undocumented_status(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        op = self.root_loc(self._op(f))
        status = str(f.observed) if f.observed is not None else f.where.partition(" ")[0]
        if not _STATUS.fullmatch(status):
            raise _Left("the status recorded is not a status")
        responses = _dict(op.node.get("responses"))
        # A 2xx is documented only as itself or 2XX: `default` is read as the errors' shape.
        covering = (status, status[:1] + "XX") if status.startswith("2") else (status, status[:1] + "XX", "DEFAULT")
        if any(str(k).upper() in covering for k in responses):
            return "documented"
        response: dict[str, Any] = {"description": f"Status {status}, sent by the server though not documented."}
        success = self.success_key(op)
        if status.startswith("2") and success is not None:
            documented = self.response(op, str(success))
            if documented is not None:
                response["description"] += f" Its body is taken to be {success}'s."
                content = {}
                for mt, media in _dict(documented.node.get("content")).items():
                    if isinstance(media, dict) and "schema" in media:
                        content[mt] = {
                            "schema": self.ref_to(
                                _Loc(documented.doc, (*documented.parts, "content", mt, "schema"), media["schema"])
                            )
                        }
                    else:
                        content[mt] = {}
                if content:
                    response["content"] = content
        return f"response {status} added", [Step((*op.parts, "responses"), {status: response})]

    def ref_to(self, loc: _Loc) -> dict[str, Any]:
        """A Reference Object to the schema at ``loc``: its own $ref where it is one, else its pointer."""
        if isinstance(loc.node, dict) and isinstance(loc.node.get("$ref"), str) and loc.doc == self.spec.root:
            return {"$ref": loc.node["$ref"]}
        target = self.follow(loc)
        self.root_loc(target)
        return {"$ref": "#" + jp.from_parts(target.parts)}

    def _op(self, f: Finding) -> _Loc:
        op = self.operation(f.scope)
        if op is None:
            raise _Left("the operation is not in the description")
        return op

    def _undocumented_content_type(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        op = self._op(f)
        status = f.where.partition(" ")[0]
        media_type = str(f.observed or "").partition(";")[0].strip().lower()
        if not _MEDIA_TYPE.fullmatch(media_type):
            raise _Left("the media type recorded is not a media type")
        response = self.response(op, status, fallback=True)
        if response is None:
            raise _Left(f"no response documents status {status}")
        response = self.root_loc(response)
        content = _dict(response.node.get("content"))
        kind = media_type.partition("/")[0]
        if any(str(k).lower() in (media_type, f"{kind}/*", "*/*") for k in content):
            return "documented"
        documented = next(
            (k for k in content if "json" in str(k) and isinstance(content[k], dict) and "schema" in content[k]),
            next((k for k in content if isinstance(content[k], dict) and "schema" in content[k]), None),
        )
        media: dict[str, Any] = {}
        if documented is not None:
            media = {
                "schema": self.ref_to(
                    _Loc(
                        response.doc, (*response.parts, "content", documented, "schema"), content[documented]["schema"]
                    )
                )
            }
        if "content" in response.node:
            step = Step((*response.parts, "content"), {media_type: media})
        else:
            step = Step(response.parts, {"content": {media_type: media}})
        return f"media type {_q(media_type)} added to response {status}", [step]

    def _unknown_event(self, f: Finding, tokens: list[str], _: int) -> tuple[str, list[Step]] | str:
        raise _Left("a webhook event's schema cannot be learned from its name")


_DESCRIPTIONS = {
    "unknown-property": "A property the server sends that the description did not declare.",
    "unknown-enum-value": "A value the server sends that the enum did not list.",
    "type-mismatch": "The server sends another type or format than the description said.",
    "missing-required": "The server leaves out a property the description said is required.",
    "unexpected-null": "The server sends null where the description did not allow it.",
    "unknown-discriminator": "A discriminator value the server sends that the description did not list.",
    "undocumented-status": "A status the server sends that the operation did not document.",
    "undocumented-content-type": "A media type the server sends that the response did not document.",
}


def _evidence(f: Finding) -> dict[str, Any]:
    evidence: dict[str, Any] = {"kind": f.kind, "operation": f.scope, "where": f.where, "pointer": f.pointer}
    evidence["count"] = f.count
    if f.first_seen:
        evidence["first_seen"] = f.first_seen
    if f.last_seen:
        evidence["last_seen"] = f.last_seen
    return evidence


def _parse_type(observed: Any) -> tuple[str, str | None]:
    match = _TYPE.fullmatch(observed) if isinstance(observed, str) else None
    if match is None:
        raise _Left("the type recorded is not a JSON type (docs/observations.md)")
    return match.group(1), match.group(2)


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True).replace('"', "")


def _dict(node: Any) -> dict[Any, Any]:
    return node if isinstance(node, dict) else {}


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _key(container: Any, part: Any) -> Any:
    """The key of ``container`` that ``part`` names (YAML may have read a key ``200`` as a number)."""
    if isinstance(container, dict):
        if part in container:
            return part
        return next((k for k in container if str(k) == str(part)), None)
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return part
    return None


def _typed(document: Any, ptr: str) -> tuple[Any, ...]:
    """A JSON pointer's tokens as the document's own keys (list indexes as numbers)."""
    parts: list[Any] = []
    node = document
    for token in jp.split(ptr):
        key = _key(node, int(token) if isinstance(node, list) and token.isdigit() else token)
        if key is None:
            raise _Left(f"#{ptr} cannot be followed")
        parts.append(key)
        node = node[key]
    return tuple(parts)


def _walk(document: Any, parts: Iterable[Any]) -> Any:
    node = document
    for part in parts:
        key = _key(node, part)
        if key is None:
            raise KeyError(part)
        node = node[key]
    return node


def _copy_path(document: Any, parts: tuple[Any, ...]) -> Any:
    """``document`` with the containers on the way to ``parts`` copied and the node there copied deep:
    the original is left as it was, and everything else is shared."""
    top = copy.copy(document)
    node = top
    for i, part in enumerate(parts):
        key = _key(node, part)
        child = copy.deepcopy(node[key]) if i == len(parts) - 1 else copy.copy(node[key])
        node[key] = child
        node = child
    return top


def _apply(document: Any, step: Step) -> None:
    """One step, as ``core.load.apply_overlay`` applies the action it becomes (also on a ruamel document,
    whose keys may be numbers)."""
    if step.item is not _NO_ITEM:
        items = _walk(document, step.parts)
        items[:] = [item for item in items if item != step.item]
        return
    parent = _walk(document, step.parts[:-1])
    key = _key(parent, step.parts[-1]) if step.parts else None
    if step.remove:
        del parent[key]
        return
    target = parent[key] if step.parts else document
    update = copy.deepcopy(step.update)
    if isinstance(target, list):
        target.append(update)
    elif isinstance(target, dict) and isinstance(update, dict):
        _merge(target, update)
    else:
        parent[key] = update


def _merge(target: Any, update: dict[str, Any]) -> None:
    for name, value in update.items():
        key = _key(target, name)
        if key is not None and isinstance(value, dict) and isinstance(target[key], dict):
            _merge(target[key], value)
        else:
            target[name if key is None else key] = value


def _jsonpath(document: Any, parts: tuple[Any, ...], item: Any = _NO_ITEM) -> str | None:
    """An RFC 9535 JSONPath naming ``parts`` (and, with ``item``, the entries of that list equal to it):
    member names short where they can be, quoted where not; None where a key is not a string."""
    path = "$"
    node = document
    for part in parts:
        if isinstance(node, list):
            path += f"[{part}]"
        elif not isinstance(part, str):
            return None
        elif _SHORTHAND.fullmatch(part) and part not in ("true", "false", "null"):
            path += "." + part
        else:
            path += f"[{_jsonpath_string(part)}]"
        node = node[_key(node, part)]
    if item is not _NO_ITEM:
        if not isinstance(item, str):
            return None
        path += f"[?@ == {_jsonpath_string(item)}]"
    return path


def _jsonpath_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


# --- what is printed -------------------------------------------------------------------------------


def where_of(f: Finding) -> str:
    parts = [f.scope]
    if f.where:
        parts.append(f"[{f.where}]")
    if f.pointer:
        parts.append(f.pointer)
    return " ".join(_printable(p) for p in parts)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:300]


def lines(outcome: Outcome, verbose: bool = False) -> list[str]:
    """One line per learned change with the rule ``diff`` gives it (a change diff compares nothing of,
    such as a response format, says ``(no diff rule)``), then what is left to the maintainer."""
    out = []
    for item in outcome.learned:
        seen = f"(seen {item.finding.count}x)"
        head = f"{where_of(item.finding)}: {_printable(item.summary)} {seen}"
        rules = [c for c in item.changes if not (c.rule == "description-changed" and c.where == "spec")]
        if not rules:
            out.append(f"{'-':8} (no diff rule): {head}")
        for change in rules:
            out.append(f"{change.level:8} {change.rule}: {head}")
    for finding, why in outcome.left:
        out.append(f"{'left':8} {finding.kind}: {where_of(finding)}: {_printable(why)}")
    if verbose:
        for finding, why in outcome.allowed:
            out.append(f"{'allowed':8} {finding.kind}: {where_of(finding)}: {why}")
        for finding in outcome.skipped:
            out.append(f"{'skipped':8} {finding.kind}: {where_of(finding)}: seen {finding.count}x")
    return out


def summary(outcome: Outcome, min_count: int) -> str:
    levels = {"breaking": 0, "warning": 0, "safe": 0}
    for item in outcome.learned:
        for change in item.changes:
            if not (change.rule == "description-changed" and change.where == "spec"):
                levels[RULES[change.rule].level] += 1
    text = f"{len(outcome.learned)} finding(s) to learn, {len(outcome.actions)} action(s)"
    text += " (" + ", ".join(f"{n} {level}" for level, n in levels.items()) + ")"
    text += f"; {len(outcome.allowed)} already allowed"
    if outcome.skipped:
        text += f", {len(outcome.skipped)} seen fewer than {min_count} times"
    if outcome.left:
        text += f", {len(outcome.left)} left to the maintainer"
    return text


# --- what is written -------------------------------------------------------------------------------


def _dump(data: Any) -> str:
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=False, default_flow_style=False, width=10_000))


def overlay_text(outcome: Outcome, extends: str | None) -> str:
    """A new Overlay 1.0 document holding every learned action."""
    head = {"overlay": "1.0.0", "info": {"title": "Learned from observed responses", "version": "1.0.0"}}
    if extends:
        head["extends"] = extends
    return (
        "# Made by `specgen learn` from what generated clients observed (docs/observations.md). Each action\n"
        "# carries its evidence (x-specgen-evidence); review them before the overlay is kept.\n"
        + _dump(head)
        + _dump({"actions": outcome.actions})
    )


_TOP_KEY = re.compile(r"^[^\s#-][^:]*:", re.MULTILINE)


def appended(text: str, outcome: Outcome) -> str:
    """An overlay's text with the learned actions appended to its ``actions`` list, everything else (its
    comments, its order) kept as written. Raises ``ValueError`` where the list is not a block list."""
    found = re.search(r"^actions:[ \t]*(#.*)?$", text, re.MULTILINE)
    if found is None:
        raise ValueError("no top-level block 'actions:' list to append to")
    after = text[found.end() :]
    following = _TOP_KEY.search(after)
    block = after[: following.start()] if following else after
    items = re.search(r"^([ \t]*)- ", block, re.MULTILINE)
    if items is None:
        raise ValueError("its 'actions:' is not a block list ('- target: ...')")
    indent = items.group(1)
    lines_ = block.split("\n")
    last = max(i for i, line in enumerate(lines_) if line.strip() and not line.startswith("#"))
    rendered = _dump(outcome.actions)
    new = [f"{indent}# Learned by `specgen learn` from observed responses (see each x-specgen-evidence)."]
    new += [indent + line if line else line for line in rendered.rstrip("\n").split("\n")]
    lines_[last + 1 : last + 1] = new
    start = found.end()
    result = text[:start] + "\n".join(lines_) + after[len(block) :]
    return result if result.endswith("\n") else result + "\n"


def patched(text: str, is_json: bool, outcome: Outcome) -> str:
    """A spec file's text with every learned step applied, its comments and key order kept (YAML through
    ruamel.yaml's round trip; JSON rewritten in its own key order)."""
    steps = [step for item in outcome.learned for step in item.steps]
    if is_json:
        document = json.loads(text)
        for step in steps:
            _apply(document, step)
        indent = re.search(r"^\{\s*\n([ \t]+)\"", text)
        return json.dumps(document, indent=len(indent.group(1)) if indent else 2, ensure_ascii=False) + "\n"
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence, offset = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 10_000
    mapping = _mapping_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence or mapping, offset=offset or 0)
    document = yaml.load(text)
    for step in steps:
        try:
            _apply(document, step)
        except (KeyError, IndexError, TypeError):
            raise ValueError(
                f"{jp.from_parts(step.parts)} is not in the file (an overlay made it): learn into an overlay instead"
            ) from None
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _mapping_indent(text: str) -> int:
    """How far the file indents a mapping inside a mapping (the smallest step from a key to its first
    key below), 2 where it shows none."""
    steps = []
    significant = [
        (len(line) - len(line.lstrip(" ")), line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for (indent, line), (below, next_line) in itertools.pairwise(significant):
        key_above_key = not line.startswith("-") and not next_line.startswith("-")
        if below > indent and key_above_key and re.search(r":\s*(#.*)?$", line):
            steps.append(below - indent)
    return min(steps) if steps else 2


def write_verified(path: Path, text: str, loads: Callable[[Path], Any], expected: Any) -> None:
    """``text`` into ``path`` (a temporary file beside it, then a rename), once ``loads`` of the temporary
    file (the description loaded with it in place of ``path``) gives ``expected``: what learn computed.
    Raises ``AssertionError`` (a bug) and leaves ``path`` as it was where it does not."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.learn.", suffix=path.suffix, dir=folder)
    temp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if loads(temp) != expected:
            raise AssertionError(f"{path}: what learn wrote does not load as what it learned")
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
