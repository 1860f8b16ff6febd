"""Diff stage: classify every change between two versions of a spec, from the generated client's side.

``breaking``: code written against the old client, or requests it sends, can fail with the new spec.
``warning``: nothing fails today, but callers may need to act (a value the server newly accepts, a
deprecation). ``safe``: additive or documentation-only. Each change carries the JSON pointer on both sides.

Request and response schemas are compared in their own direction: a request schema may widen, a response
schema may narrow. Rules look at what the generated packages do: enums are open (an added response value
parses), response models do not enforce length or range constraints, and removing a parameter, property,
schema or operation removes a keyword, attribute, class or method the caller's code may use.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..core import pointer as jp
from ..core.escape import md_inline
from ..core.load import Spec, document_name
from .surface import ApiChange

Level = Literal["breaking", "warning", "safe"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "safe")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Rule:
    level: Level
    summary: str
    docs: bool = False  # documentation only: a patch release


#: Every rule the diff applies, in the order the README's table lists them.
RULES: dict[str, Rule] = {
    "path-removed": Rule("breaking", "a path and all its operations removed"),
    "operation-removed": Rule("breaking", "an operation removed (its method disappears)"),
    "parameter-removed": Rule("breaking", "a parameter removed (its keyword disappears)"),
    "required-parameter-added": Rule("breaking", "a required parameter added"),
    "parameter-made-required": Rule("breaking", "an optional parameter made required"),
    "parameter-location-changed": Rule("breaking", "a parameter moved (path, query, header, cookie)"),
    "parameter-style-changed": Rule("breaking", "a parameter's style or explode changed (its wire form)"),
    "request-body-added-required": Rule("breaking", "a required request body added"),
    "request-body-made-required": Rule("breaking", "an optional request body made required"),
    "request-body-removed": Rule("breaking", "a request body removed"),
    "request-media-type-removed": Rule("breaking", "a request media type removed"),
    "request-property-removed": Rule("breaking", "a request property removed (its keyword disappears)"),
    "request-property-added-required": Rule("breaking", "a required request property added"),
    "request-property-made-required": Rule("breaking", "an optional request property made required"),
    "request-type-changed": Rule("breaking", "a request type narrowed or changed (also: null no longer accepted)"),
    "request-enum-value-removed": Rule("breaking", "an enum value removed from a request schema"),
    "request-constraint-tightened": Rule(
        "breaking",
        "maxLength, minLength, pattern, minimum, maximum, maxItems, ... tightened or added on a request; a JSON"
        " Schema 2020-12 keyword (contains, if/then/else, dependentRequired, dependentSchemas, prefixItems,"
        " propertyNames, patternProperties, unevaluatedItems/Properties, contentSchema/MediaType/Encoding, not)"
        " added or changed",
    ),
    "request-union-member-removed": Rule("breaking", "a oneOf/anyOf member removed from a request schema"),
    "request-additional-properties-restricted": Rule("breaking", "additionalProperties closed on a request object"),
    "response-property-removed": Rule("breaking", "a response property removed"),
    "response-property-made-optional": Rule("breaking", "a required response property made optional"),
    "response-became-nullable": Rule("breaking", "a response value may now be null"),
    "response-type-changed": Rule("breaking", "a response type widened or changed"),
    "response-enum-value-removed": Rule(
        "breaking", "an enum value removed from a response schema (its member disappears)"
    ),
    "response-union-member-added": Rule("breaking", "a oneOf/anyOf member added to a response schema"),
    "success-status-removed": Rule("breaking", "a success (2xx) response removed"),
    "response-header-removed": Rule("breaking", "a required response header removed"),
    "response-header-made-optional": Rule("breaking", "a required response header made optional"),
    "response-media-type-removed": Rule("breaking", "a success response media type removed"),
    "security-scheme-added": Rule("breaking", "a security scheme added"),
    "security-scheme-changed": Rule("breaking", "a security scheme's type, location, name or scheme changed"),
    "security-scheme-removed": Rule("breaking", "a security scheme removed (its constructor keyword disappears)"),
    "security-requirement-changed": Rule("breaking", "an operation's accepted credentials changed"),
    "server-removed": Rule("breaking", "a server removed"),
    "operation-server-removed": Rule(
        "breaking", "an operation no longer goes to a server it went to (servers on the operation or its path item)"
    ),
    "schema-removed": Rule("breaking", "a component schema removed (its model class disappears)"),
    "webhook-removed": Rule("breaking", "a webhook or callback removed (its payload model and event disappear)"),
    "request-enum-value-added": Rule(
        "warning", "an enum value added to a request schema (callers may want to send it)"
    ),
    "operation-deprecated": Rule("warning", "an operation or parameter marked deprecated"),
    "success-status-added": Rule("warning", "a success status added (the method may return another shape)"),
    "error-status-removed": Rule("warning", "an error response removed"),
    "response-optional-header-removed": Rule("warning", "an optional response header removed"),
    "parameter-default-changed": Rule(
        "warning", "a parameter's default changed (omitting it now means something else)"
    ),
    "response-enum-value-added": Rule(
        "safe", "an enum value added to a response: generated enums are open, the value parses as an unknown member"
    ),
    "response-constraint-changed": Rule(
        "safe", "a response constraint tightened or added: generated models do not enforce lengths, ranges or patterns"
    ),
    "request-pattern-changed": Rule(
        "warning", "a request pattern changed to another (which values each takes cannot be compared)"
    ),
    "response-constraint-loosened": Rule(
        "warning",
        "a response constraint loosened or removed: values the description ruled out may come back (generated"
        " models still parse them; code relying on the old guarantee may not)",
    ),
    "request-constraint-relaxed": Rule(
        "safe", "a request constraint relaxed or removed (a pattern of '' matches everything)"
    ),
    "request-type-widened": Rule("safe", "a request type widened"),
    "response-type-narrowed": Rule("safe", "a response type narrowed"),
    "path-added": Rule("safe", "a path added"),
    "operation-added": Rule("safe", "an operation added"),
    "optional-parameter-added": Rule("safe", "an optional parameter added"),
    "parameter-made-optional": Rule("safe", "a required parameter made optional"),
    "request-body-added": Rule("safe", "an optional request body added"),
    "request-media-type-added": Rule("safe", "a request media type added"),
    "request-property-added": Rule("safe", "an optional request property added"),
    "request-property-made-optional": Rule("safe", "a required request property made optional"),
    "request-union-member-added": Rule("safe", "a oneOf/anyOf member added to a request schema"),
    "response-property-added": Rule("safe", "a response property added"),
    "response-property-made-required": Rule("safe", "a response property made required"),
    "response-union-member-removed": Rule("safe", "a oneOf/anyOf member removed from a response schema"),
    "response-media-type-added": Rule("safe", "a response media type added"),
    "response-header-added": Rule("safe", "a response header added"),
    "response-header-made-required": Rule("safe", "an optional response header made required"),
    "error-status-added": Rule("safe", "an error response added"),
    "security-scheme-unused-removed": Rule(
        "safe", "credentials dropped from an operation's requirements (also: the operation needs none now)"
    ),
    "server-added": Rule("safe", "a server added"),
    "operation-server-added": Rule(
        "safe", "an operation may go to a server it did not (servers on the operation or its path item)"
    ),
    "schema-added": Rule("safe", "a component schema added"),
    "webhook-added": Rule("safe", "a webhook or callback added"),
    "description-changed": Rule("safe", "a description, summary, title or example changed", docs=True),
    "version-changed": Rule("safe", "info.version changed", docs=True),
    "operation-id-changed": Rule(
        "safe",
        "operationId / x-sdk-name changed (whether the method is renamed is read from the generated public API)",
        docs=True,
    ),
    "operation-tag-changed": Rule(
        "safe",
        "tag / x-sdk-group changed (whether the method moves is read from the generated public API)",
        docs=True,
    ),
}


@dataclass(frozen=True, order=True)
class Change:
    level: Level
    rule: str
    where: str  # "GET /profile/attachments", "schema Attachment", "servers", ...
    message: str
    old: str | None  # file#/json/pointer in the old spec
    new: str | None  # and in the new one

    @property
    def docs(self) -> bool:
        return RULES[self.rule].docs


Bump = Literal["major", "minor", "patch"]
BUMPS: tuple[Bump | None, ...] = (None, "patch", "minor", "major")


@dataclass
class DiffResult:
    """The spec's changes and, when both sides were generated (``judged``), the generated public API's
    changes and whether the generated code changed at all: what a release is decided by."""

    changes: list[Change] = field(default_factory=list)
    api: tuple[ApiChange, ...] = ()  # the public API's changes, old package -> new package
    code_changed: bool = False  # the generated files differ (beyond the version and the CHANGELOG)
    judged: bool = False  # api and code_changed were compared (both sides generated)

    def count(self, level: Level) -> int:
        return sum(1 for c in self.changes if c.level == level)

    @property
    def breaking_api(self) -> list[ApiChange]:
        return [c for c in self.api if c.level == "breaking"]

    @property
    def spec_bump(self) -> Bump | None:
        """The bump the spec's changes alone call for (breaking -> major, additive -> minor, docs -> patch)."""
        if not self.changes:
            return None
        if self.count("breaking"):
            return "major"
        if any(not c.docs for c in self.changes):
            return "minor"
        return "patch"

    @property
    def bump(self) -> Bump | None:
        """The release: the larger of the spec's bump and the public API's (a breaking API change -> major,
        an added one -> minor), and at least a patch when the generated code changed. This is the one
        place the bump is decided, for ``generate``'s release, ``diff`` and ``check`` alike."""
        api: Bump | None = "major" if self.breaking_api else "minor" if self.api else None
        return max(self.spec_bump, api, "patch" if self.code_changed else None, key=BUMPS.index)

    def fails(self, fail_on: Level) -> bool:
        if fail_on in LEVELS and self.breaking_api:
            return True
        return any(LEVELS.index(c.level) <= LEVELS.index(fail_on) for c in self.changes)


# --- schema views --------------------------------------------------------------------------------

CONSTRAINT_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains")
CONSTRAINT_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains")
CONSTRAINT_EXACT = ("pattern", "multipleOf", "uniqueItems", "format")
#: JSON Schema 2020-12 (OpenAPI 3.1) keywords that restrict what validates, compared by value.
SCHEMA_KEYWORDS = (
    "contains",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
    "propertyNames",
    "patternProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "contentMediaType",
    "contentEncoding",
    "not",
)


@dataclass
class View:
    """A schema with its allOf parts merged and its $refs followed, each part keeping its pointer."""

    ptr: str
    types: set[str] | None = None  # None: any type
    enum: list[Any] | None = None
    extensible: list[Any] | None = None  # x-extensible-enum: values named, others allowed
    props: dict[str, tuple[str, str, Any]] = field(default_factory=dict)  # name -> (doc, ptr, node)
    required: set[str] = field(default_factory=set)
    items: tuple[str, str, Any] | None = None
    additional: Any = None  # None: unspecified
    unions: list[tuple[str, str, Any]] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)
    description: Any = None


def _types(node: dict[str, Any], is_31: bool) -> set[str] | None:
    raw = node.get("type")
    if raw is None:
        types = None
    elif isinstance(raw, list):
        types = {str(t) for t in raw}
    else:
        types = {str(raw)}
    if types is not None and node.get("nullable") is True and not is_31:
        types.add("null")
    if "const" in node and types is None:
        types = {_json_type(node["const"])}
    return types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Side:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.is_31 = str(spec.data.get("openapi", "")).startswith("3.1")
        # Where each Reference Object (by its document and identity; the documents outlive the diff)
        # leads: a large diff follows the same few thousand references tens of thousands of times.
        self._followed: dict[tuple[str, int], tuple[str, str, Any]] = {}

    def follow(self, doc: str, ptr: str, node: Any) -> tuple[str, str, Any]:
        if not (isinstance(node, dict) and "$ref" in node):
            return doc, ptr, node
        key = (doc, id(node))
        found = self._followed.get(key)
        if found is None:
            found = self.spec.locate(doc, ptr, node)
            if found[2] is None:
                return found  # dangling or circular: its pointer is the one asked about
            self._followed[key] = found
        return found

    def where(self, doc: str, ptr: str) -> str:
        return f"{self.spec.labels.get(doc, doc)}#{ptr}"

    def view(self, doc: str, ptr: str, node: Any, depth: int = 0) -> View:
        doc, ptr, node = self.follow(doc, ptr, node)
        view = View(ptr=ptr)
        if not isinstance(node, dict):
            return view
        view.types = _types(node, self.is_31)
        if isinstance(node.get("enum"), list):
            view.enum = list(node["enum"])
        elif "const" in node:
            view.enum = [node["const"]]
        if isinstance(node.get("x-extensible-enum"), list):
            view.extensible = list(node["x-extensible-enum"])
        props = node.get("properties")
        if isinstance(props, dict):
            at = ptr + "/properties/"  # jp.join's work, once per view: a large diff views thousands
            view.props = {str(k): (doc, at + jp.token(str(k)), v) for k, v in props.items()}
        if isinstance(node.get("required"), list):
            view.required = {str(r) for r in node["required"]}
        if "items" in node:
            view.items = (doc, jp.join(ptr, "items"), node["items"])
        if "additionalProperties" in node:
            view.additional = node["additionalProperties"]
        for kind in ("oneOf", "anyOf"):
            if isinstance(node.get(kind), list):
                view.unions += [(doc, jp.join(ptr, kind, i), m) for i, m in enumerate(node[kind])]
        view.constraints = {
            k: node[k] for k in (*CONSTRAINT_UPPER, *CONSTRAINT_LOWER, *CONSTRAINT_EXACT, *SCHEMA_KEYWORDS) if k in node
        }
        view.description = node.get("description")
        if isinstance(node.get("allOf"), list) and depth < 32:
            for i, part in enumerate(node["allOf"]):
                sub = self.view(doc, jp.join(ptr, "allOf", i), part, depth + 1)
                if sub.types is not None:
                    view.types = sub.types if view.types is None else (view.types & sub.types) or view.types
                for name, value in sub.props.items():
                    view.props.setdefault(name, value)
                view.required |= sub.required
                view.items = view.items or sub.items
                view.unions += sub.unions
                view.enum = view.enum if view.enum is not None else sub.enum
                for k, v in sub.constraints.items():
                    view.constraints.setdefault(k, v)
        return view


# --- the walk ------------------------------------------------------------------------------------


class _Unchanged:
    """What of the old spec is the same on the new side together with everything its ``$ref``s reach,
    so comparing it would find nothing: ``_Differ`` skips such path items and component schemas (on a
    large spec with one schema changed, most of the document).

    Every ``$ref`` of the old documents is indexed by where it sits; each target is compared with the
    node at the same place in the corresponding new document (the two root documents correspond, the
    others by their path relative to the root document's folder). A target is *dirty* when it differs, is missing or
    dangles, or reaches a dirty target through its own ``$ref``s. A node is *clean* when it equals its
    counterpart and no ``$ref`` inside it points to a dirty target."""

    def __init__(self, old: Spec, new: Spec) -> None:
        new_docs = {document_name(new, key): key for key in new.documents}
        self._counterpart = {key: new_docs.get(document_name(old, key)) for key in old.documents}
        self._counterpart[old.root] = new.root  # whatever the two files are called
        self._refs: dict[str, tuple[list[str], list[tuple[str, str] | None]]] = {}
        for doc in old.documents:
            found = old.refs(doc)
            self._refs[doc] = (
                [ptr for ptr, _ in found],
                [old.target(doc, ref) if isinstance(ref, str) else None for _, ref in found],
            )
        targets = {t for _, resolved in self._refs.values() for t in resolved if t is not None}
        dirty = {t for t in targets if self._changed(old, new, *t)}
        pointing: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for target in targets:
            for inner in self._inside(*target):
                if inner is None:
                    dirty.add(target)
                else:
                    pointing.setdefault(inner, []).append(target)
        stack = list(dirty)
        while stack:  # whatever reaches a dirty target is dirty
            for source in pointing.get(stack.pop(), ()):
                if source not in dirty:
                    dirty.add(source)
                    stack.append(source)
        self._dirty = dirty

    def _changed(self, old: Spec, new: Spec, doc: str, ptr: str) -> bool:
        counterpart = self._counterpart.get(doc)
        try:
            return counterpart is None or jp.resolve(old.documents[doc], ptr) != jp.resolve(
                new.documents[counterpart], ptr
            )
        except (KeyError, ValueError):
            return True

    def _inside(self, doc: str, ptr: str) -> list[tuple[str, str] | None]:
        """The targets of the ``$ref``s at or below ``doc#ptr`` (None for one that cannot be resolved)."""
        locations, resolved = self._refs.get(doc, ([], []))
        at = bisect.bisect_left(locations, ptr)
        found = resolved[at : at + 1] if at < len(locations) and locations[at] == ptr else []
        # Below it: from ptr + "/" up to ptr + "0" ("0" sorts right after "/"; "ptr-x" sorts before both).
        return found + resolved[bisect.bisect_left(locations, ptr + "/") : bisect.bisect_left(locations, ptr + "0")]

    def clean(self, doc: str, ptr: str, old_node: Any, new_node: Any) -> bool:
        return old_node == new_node and all(t is not None and t not in self._dirty for t in self._inside(doc, ptr))


class _Differ:
    def __init__(self, old: Spec, new: Spec, prune: bool = True) -> None:
        self.old, self.new = _Side(old), _Side(new)
        self.changes: dict[tuple[str, str | None, str | None, str], Change] = {}
        self.seen: set[tuple[str, str, str]] = set()
        self.reached: set[str] = set()  # old-side pointers of schemas compared through an operation
        self.unchanged = _Unchanged(old, new) if prune else None

    def add(
        self, rule: str, where: str, message: str, old: tuple[str, str] | None, new: tuple[str, str] | None
    ) -> None:
        o = self.old.where(*old) if old else None
        n = self.new.where(*new) if new else None
        key = (rule, o, n, where)
        if key not in self.changes:
            self.changes[key] = Change(RULES[rule].level, rule, where, message, o, n)

    # -- document level

    def run(self) -> DiffResult:
        od, nd = self.old.spec.data, self.new.spec.data
        ro, rn = self.old.spec.root, self.new.spec.root
        if _get(od, "info", "version") != _get(nd, "info", "version"):
            self.add(
                "version-changed",
                "info",
                f"info.version {_get(od, 'info', 'version')!r} -> {_get(nd, 'info', 'version')!r}",
                (ro, "/info/version"),
                (rn, "/info/version"),
            )
        self.servers(od, nd)
        self.security_schemes(od, nd)
        self.paths(od, nd)
        self.events("webhook", (ro, "/webhooks", od.get("webhooks")), (rn, "/webhooks", nd.get("webhooks")))
        self.components(od, nd)
        if not self.changes and _canonical(od) != _canonical(nd):
            self.add("description-changed", "spec", "documentation or examples changed", (ro, ""), (rn, ""))
        order = {rule: i for i, rule in enumerate(RULES)}
        changes = sorted(
            self.changes.values(),
            key=lambda c: (LEVELS.index(c.level), c.where, order[c.rule], c.old or "", c.new or ""),
        )
        return DiffResult(changes)

    def servers(self, od: Any, nd: Any) -> None:
        ro, rn = self.old.spec.root, self.new.spec.root
        old_urls = [s.get("url") for s in _list(od.get("servers")) if isinstance(s, dict)]
        new_urls = [s.get("url") for s in _list(nd.get("servers")) if isinstance(s, dict)]
        for i, url in enumerate(old_urls):
            if url not in new_urls:
                self.add("server-removed", "servers", f"server {url!r} removed", (ro, f"/servers/{i}"), None)
        for i, url in enumerate(new_urls):
            if url not in old_urls:
                self.add("server-added", "servers", f"server {url!r} added", None, (rn, f"/servers/{i}"))

    def security_schemes(self, od: Any, nd: Any) -> None:
        ro, rn = self.old.spec.root, self.new.spec.root
        old = _dict(_get(od, "components", "securitySchemes"))
        new = _dict(_get(nd, "components", "securitySchemes"))
        base = "/components/securitySchemes"
        for name in old:
            if name not in new:
                self.add(
                    "security-scheme-removed",
                    f"security scheme {name}",
                    f"security scheme {name!r} removed",
                    (ro, jp.join(base, name)),
                    None,
                )
                continue
            _, _, a = self.old.follow(ro, jp.join(base, name), old[name])
            _, _, b = self.new.follow(rn, jp.join(base, name), new[name])
            keys = ("type", "in", "name", "scheme", "bearerFormat", "flows", "openIdConnectUrl")
            changed = [k for k in keys if _get(a, k) != _get(b, k)]
            if changed:
                what = (
                    ", ".join(f"{k} {_get(a, k)!r} -> {_get(b, k)!r}" for k in changed if k != "flows")
                    or "flows changed"
                )
                self.add(
                    "security-scheme-changed",
                    f"security scheme {name}",
                    f"security scheme {name!r}: {what}",
                    (ro, jp.join(base, name)),
                    (rn, jp.join(base, name)),
                )
        for name in new:
            if name not in old:
                self.add(
                    "security-scheme-added",
                    f"security scheme {name}",
                    f"security scheme {name!r} added",
                    None,
                    (rn, jp.join(base, name)),
                )

    def components(self, od: Any, nd: Any) -> None:
        ro, rn = self.old.spec.root, self.new.spec.root
        old = _dict(_get(od, "components", "schemas"))
        new = _dict(_get(nd, "components", "schemas"))
        base = "/components/schemas"
        for name in old:
            if name not in new:
                self.add(
                    "schema-removed",
                    f"schema {name}",
                    f"component schema {name!r} removed",
                    (ro, jp.join(base, name)),
                    None,
                )
        for name in new:
            if name not in old:
                self.add(
                    "schema-added",
                    f"schema {name}",
                    f"component schema {name!r} added",
                    None,
                    (rn, jp.join(base, name)),
                )
        # Components no operation reaches are still model classes: compare them as responses (what they parse).
        for name in old:
            ptr = jp.join(base, name)
            if name in new and ptr not in self.reached:
                if self.unchanged is not None and self.unchanged.clean(ro, ptr, old[name], new[name]):
                    continue
                self.schema((ro, ptr, old[name]), (rn, ptr, new[name]), "response", f"schema {name}")

    def paths(self, od: Any, nd: Any) -> None:
        ro, rn = self.old.spec.root, self.new.spec.root
        old_paths = {_template(p): p for p in _dict(od.get("paths"))}
        new_paths = {_template(p): p for p in _dict(nd.get("paths"))}
        same_security = od.get("security") == nd.get("security")  # what operations without their own inherit
        for key, path in old_paths.items():
            old_ptr = jp.join("/paths", path)
            _, _, old_item = self.old.follow(ro, old_ptr, od["paths"][path])
            if key not in new_paths:
                self.add("path-removed", path, f"path {path} removed", (ro, old_ptr), None)
                continue
            new_path = new_paths[key]
            if (
                same_security
                and self.unchanged is not None
                and self.unchanged.clean(ro, old_ptr, od["paths"][path], nd["paths"][new_path])
            ):
                continue
            new_ptr = jp.join("/paths", new_path)
            _, _, new_item = self.new.follow(rn, new_ptr, nd["paths"][new_path])
            for method in METHODS:
                a, b = _get(old_item, method), _get(new_item, method)
                where = f"{method.upper()} {new_path}"
                if isinstance(a, dict) and not isinstance(b, dict):
                    self.add(
                        "operation-removed",
                        f"{method.upper()} {path}",
                        f"operation {method.upper()} {path} removed",
                        (ro, jp.join(old_ptr, method)),
                        None,
                    )
                elif isinstance(b, dict) and not isinstance(a, dict):
                    self.add("operation-added", where, f"operation {where} added", None, (rn, jp.join(new_ptr, method)))
                elif isinstance(a, dict) and isinstance(b, dict):
                    self.operation(
                        where,
                        (ro, jp.join(old_ptr, method), a, old_item, old_ptr),
                        (rn, jp.join(new_ptr, method), b, new_item, new_ptr),
                    )
        for key, path in new_paths.items():
            if key not in old_paths:
                self.add("path-added", path, f"path {path} added", None, (rn, jp.join("/paths", path)))

    # -- operations

    def operation(self, where: str, old: tuple[str, str, Any, Any, str], new: tuple[str, str, Any, Any, str]) -> None:
        od, optr, a, aitem, aitem_ptr = old
        nd, nptr, b, bitem, bitem_ptr = new
        o, n = (od, optr), (nd, nptr)
        # Raw names are documentation: the method a user calls is judged by the generated public API.
        for rule, keys in (
            ("operation-id-changed", ("operationId", "x-sdk-name", "x-speakeasy-name-override")),
            ("operation-tag-changed", ("tags", "x-sdk-group", "x-speakeasy-group")),
        ):
            changed = [f"{k} {_raw(a.get(k))} -> {_raw(b.get(k))}" for k in keys if a.get(k) != b.get(k)]
            if changed:
                self.add(rule, where, "; ".join(changed), o, n)
        if b.get("deprecated") is True and a.get("deprecated") is not True:
            self.add("operation-deprecated", where, "operation marked deprecated", o, n)
        for key in ("summary", "description"):
            if a.get(key) != b.get(key):
                self.add(
                    "description-changed", where, f"{key} changed", (od, jp.join(optr, key)), (nd, jp.join(nptr, key))
                )
        self.parameters(where, (od, optr, a, aitem, aitem_ptr), (nd, nptr, b, bitem, bitem_ptr))
        self.request_body(where, (od, optr, a), (nd, nptr, b))
        self.responses(where, (od, optr, a), (nd, nptr, b))
        self.security(where, (od, optr, a), (nd, nptr, b))
        self.callbacks(where, (od, optr, a), (nd, nptr, b))
        self.operation_servers(where, (od, optr, a, aitem, aitem_ptr), (nd, nptr, b, bitem, bitem_ptr))

    def operation_servers(
        self, where: str, old: tuple[str, str, Any, Any, str], new: tuple[str, str, Any, Any, str]
    ) -> None:
        """The servers an operation goes to (OpenAPI: its own, else its path item's, else the document's),
        compared where it has servers of its own on either side (the document's are ``servers``)."""
        od, nd = old[0], new[0]
        o_urls, o_own = _operation_servers(self.old.spec.data, *old[1:])
        n_urls, n_own = _operation_servers(self.new.spec.data, *new[1:])
        if not (o_own or n_own):
            return
        new_urls = [url for _, url in n_urls]
        old_urls = [url for _, url in o_urls]
        for ptr, url in o_urls:
            if url not in new_urls:
                self.add("operation-server-removed", where, f"server {url!r} removed", (od, ptr), None)
        for ptr, url in n_urls:
            if url not in old_urls:
                self.add("operation-server-added", where, f"server {url!r} added", None, (nd, ptr))

    def _params(
        self, side: _Side, doc: str, op_ptr: str, op: Any, item: Any, item_ptr: str
    ) -> dict[tuple[str, str], tuple[str, str, dict[str, Any]]]:
        found: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
        for base, holder in ((item_ptr, item), (op_ptr, op)):
            for i, raw in enumerate(_list(_get(holder, "parameters"))):
                pdoc, pptr, param = side.follow(doc, jp.join(base, "parameters", i), raw)
                if isinstance(param, dict) and isinstance(param.get("name"), str):
                    location = str(param.get("in"))
                    name = param["name"].lower() if location == "header" else param["name"]
                    found[(location, name)] = (pdoc, pptr, param)
        return found

    def parameters(self, where: str, old: tuple[str, str, Any, Any, str], new: tuple[str, str, Any, Any, str]) -> None:
        a = self._params(self.old, *old)
        b = self._params(self.new, *new)
        for key, (pdoc, pptr, param) in a.items():
            location, name = key
            if key not in b:
                moved = [k for k in b if k[1].lower() == name.lower()]
                if moved:
                    qdoc, qptr, _ = b[moved[0]]
                    self.add(
                        "parameter-location-changed",
                        where,
                        f"parameter {name!r} moved from {location} to {moved[0][0]}",
                        (pdoc, pptr),
                        (qdoc, qptr),
                    )
                else:
                    self.add("parameter-removed", where, f"{location} parameter {name!r} removed", (pdoc, pptr), None)
                continue
            qdoc, qptr, other = b[key]
            label = f"{location} parameter {name!r}"
            if other.get("required") is True and param.get("required") is not True:
                self.add("parameter-made-required", where, f"{label} made required", (pdoc, pptr), (qdoc, qptr))
            elif param.get("required") is True and other.get("required") is not True:
                self.add("parameter-made-optional", where, f"{label} made optional", (pdoc, pptr), (qdoc, qptr))
            if (param.get("style"), param.get("explode")) != (other.get("style"), other.get("explode")):
                self.add(
                    "parameter-style-changed",
                    where,
                    f"{label}: style/explode {param.get('style')!r}/{param.get('explode')!r}"
                    f" -> {other.get('style')!r}/{other.get('explode')!r}",
                    (pdoc, pptr),
                    (qdoc, qptr),
                )
            if other.get("deprecated") is True and param.get("deprecated") is not True:
                self.add("operation-deprecated", where, f"{label} marked deprecated", (pdoc, pptr), (qdoc, qptr))
            if param.get("description") != other.get("description"):
                self.add("description-changed", where, f"{label}: description changed", (pdoc, pptr), (qdoc, qptr))
            old_default = _get(self.old.follow(pdoc, pptr, param.get("schema"))[2], "default")
            new_default = _get(self.new.follow(qdoc, qptr, other.get("schema"))[2], "default")
            if old_default != new_default:
                self.add(
                    "parameter-default-changed",
                    where,
                    f"{label}: default {old_default!r} -> {new_default!r}",
                    (pdoc, pptr),
                    (qdoc, qptr),
                )
            if "schema" in param and "schema" in other:
                self.schema(
                    (pdoc, jp.join(pptr, "schema"), param["schema"]),
                    (qdoc, jp.join(qptr, "schema"), other["schema"]),
                    "request",
                    f"{where} {label}",
                )
        for key, (qdoc, qptr, other) in b.items():
            if key in a or any(k[1].lower() == key[1].lower() for k in a):
                continue
            required = other.get("required") is True
            self.add(
                "required-parameter-added" if required else "optional-parameter-added",
                where,
                f"{'required' if required else 'optional'} {key[0]} parameter {key[1]!r} added",
                None,
                (qdoc, qptr),
            )

    def request_body(self, where: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        od, optr, a = old
        nd, nptr, b = new
        adoc, aptr, body_a = self.old.follow(od, jp.join(optr, "requestBody"), a.get("requestBody"))
        bdoc, bptr, body_b = self.new.follow(nd, jp.join(nptr, "requestBody"), b.get("requestBody"))
        if not isinstance(body_a, dict) and not isinstance(body_b, dict):
            return
        if not isinstance(body_b, dict):
            self.add("request-body-removed", where, "request body removed", (adoc, aptr), None)
            return
        if not isinstance(body_a, dict):
            required = body_b.get("required") is True
            self.add(
                "request-body-added-required" if required else "request-body-added",
                where,
                f"{'required' if required else 'optional'} request body added",
                None,
                (bdoc, bptr),
            )
            return
        if body_b.get("required") is True and body_a.get("required") is not True:
            self.add("request-body-made-required", where, "request body made required", (adoc, aptr), (bdoc, bptr))
        self.media(where, "request", (adoc, aptr, body_a), (bdoc, bptr, body_b), success=True)

    def media(
        self, where: str, direction: str, old: tuple[str, str, Any], new: tuple[str, str, Any], success: bool
    ) -> None:
        adoc, aptr, a = old
        bdoc, bptr, b = new
        ca, cb = _dict(a.get("content")), _dict(b.get("content"))
        for media_type, holder in ca.items():
            mptr = jp.join(aptr, "content", media_type)
            if media_type not in cb:
                if direction == "request":
                    self.add(
                        "request-media-type-removed",
                        where,
                        f"request media type {media_type!r} removed",
                        (adoc, mptr),
                        None,
                    )
                elif success:
                    self.add(
                        "response-media-type-removed",
                        where,
                        f"response media type {media_type!r} removed",
                        (adoc, mptr),
                        None,
                    )
                continue
            nptr = jp.join(bptr, "content", media_type)
            other = cb[media_type]
            if isinstance(holder, dict) and isinstance(other, dict) and "schema" in holder and "schema" in other:
                self.schema(
                    (adoc, jp.join(mptr, "schema"), holder["schema"]),
                    (bdoc, jp.join(nptr, "schema"), other["schema"]),
                    direction,
                    where,
                )
        for media_type in cb:
            if media_type not in ca:
                rule = "request-media-type-added" if direction == "request" else "response-media-type-added"
                self.add(
                    rule,
                    where,
                    f"{direction} media type {media_type!r} added",
                    None,
                    (bdoc, jp.join(bptr, "content", media_type)),
                )

    def responses(self, where: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        od, optr, a = old
        nd, nptr, b = new
        ra, rb = _dict(a.get("responses")), _dict(b.get("responses"))
        norm_b = {str(k).upper(): k for k in rb}
        for status, raw in ra.items():
            success = str(status).startswith("2")
            sptr = jp.join(optr, "responses", status)
            key = norm_b.get(str(status).upper())
            if key is None:
                rule = "success-status-removed" if success else "error-status-removed"
                self.add(rule, where, f"response {status} removed", (od, sptr), None)
                continue
            adoc, aptr, resp_a = self.old.follow(od, sptr, raw)
            bdoc, bptr, resp_b = self.new.follow(nd, jp.join(nptr, "responses", key), rb[key])
            if isinstance(resp_a, dict) and isinstance(resp_b, dict):
                if resp_a.get("description") != resp_b.get("description"):
                    self.add(
                        "description-changed",
                        where,
                        f"response {status}: description changed",
                        (adoc, aptr),
                        (bdoc, bptr),
                    )
                self.media(f"{where} -> {status}", "response", (adoc, aptr, resp_a), (bdoc, bptr, resp_b), success)
                self.headers(f"{where} -> {status}", (adoc, aptr, resp_a), (bdoc, bptr, resp_b))
        norm_a = {str(k).upper() for k in ra}
        for status in rb:
            if str(status).upper() not in norm_a:
                success = str(status).startswith("2")
                self.add(
                    "success-status-added" if success else "error-status-added",
                    where,
                    f"response {status} added",
                    None,
                    (nd, jp.join(nptr, "responses", status)),
                )

    def headers(self, where: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        """A response's headers, by name in any case: removed, made optional, added, and their schemas
        compared as responses (what the caller reads)."""
        adoc, aptr, a = old
        bdoc, bptr, b = new
        ha = {str(k).lower(): (str(k), v) for k, v in _dict(a.get("headers")).items()}
        hb = {str(k).lower(): (str(k), v) for k, v in _dict(b.get("headers")).items()}
        for name, (key, raw) in ha.items():
            xdoc, xptr, x = self.old.follow(adoc, jp.join(aptr, "headers", key), raw)
            required = _get(x, "required") is True
            if name not in hb:
                rule = "response-header-removed" if required else "response-optional-header-removed"
                self.add(
                    rule, where, f"{'required' if required else 'optional'} header {key!r} removed", (xdoc, xptr), None
                )
                continue
            other_key, other = hb[name]
            ydoc, yptr, y = self.new.follow(bdoc, jp.join(bptr, "headers", other_key), other)
            now = _get(y, "required") is True
            if required and not now:
                self.add(
                    "response-header-made-optional", where, f"header {key!r} made optional", (xdoc, xptr), (ydoc, yptr)
                )
            elif now and not required:
                self.add(
                    "response-header-made-required", where, f"header {key!r} made required", (xdoc, xptr), (ydoc, yptr)
                )
            if isinstance(x, dict) and isinstance(y, dict) and "schema" in x and "schema" in y:
                self.schema(
                    (xdoc, jp.join(xptr, "schema"), x["schema"]),
                    (ydoc, jp.join(yptr, "schema"), y["schema"]),
                    "response",
                    f"{where} header {key}",
                )
        for name, (key, _) in hb.items():
            if name not in ha:
                self.add(
                    "response-header-added", where, f"header {key!r} added", None, (bdoc, jp.join(bptr, "headers", key))
                )

    def events(self, kind: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        """Webhooks (``kind`` "webhook": name -> path item) or one callback's expressions (-> path item):
        each operation's payload is compared as a response (what the receiver parses)."""
        od, optr, a = old
        nd, nptr, b = new
        for name, raw in _dict(a).items():
            label = f"{kind} {name}"
            if name not in _dict(b):
                self.add("webhook-removed", label, f"{label} removed", (od, jp.join(optr, name)), None)
                continue
            adoc, aptr, item_a = self.old.follow(od, jp.join(optr, name), raw)
            bdoc, bptr, item_b = self.new.follow(nd, jp.join(nptr, name), b[name])
            for method in METHODS:
                x, y = _get(item_a, method), _get(item_b, method)
                where = f"{label} {method.upper()}"
                if isinstance(x, dict) and not isinstance(y, dict):
                    self.add("webhook-removed", where, f"{where} removed", (adoc, jp.join(aptr, method)), None)
                elif isinstance(y, dict) and not isinstance(x, dict):
                    self.add("webhook-added", where, f"{where} added", None, (bdoc, jp.join(bptr, method)))
                elif isinstance(x, dict) and isinstance(y, dict):
                    xdoc, xptr, body_x = self.old.follow(
                        adoc, jp.join(aptr, method, "requestBody"), x.get("requestBody")
                    )
                    ydoc, yptr, body_y = self.new.follow(
                        bdoc, jp.join(bptr, method, "requestBody"), y.get("requestBody")
                    )
                    if isinstance(body_x, dict) and isinstance(body_y, dict):
                        self.media(where, "response", (xdoc, xptr, body_x), (ydoc, yptr, body_y), success=True)
        for name in _dict(b):
            if name not in _dict(a):
                label = f"{kind} {name}"
                self.add("webhook-added", label, f"{label} added", None, (nd, jp.join(nptr, name)))

    def callbacks(self, where: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        od, optr, a = old
        nd, nptr, b = new
        ca, cb = _dict(a.get("callbacks")), _dict(b.get("callbacks"))
        for name in {**ca, **cb}:
            o = self.old.follow(od, jp.join(optr, "callbacks", name), ca[name]) if name in ca else None
            n = self.new.follow(nd, jp.join(nptr, "callbacks", name), cb[name]) if name in cb else None
            label = f"{where} callback {name}"
            if n is None and o is not None:
                self.add("webhook-removed", label, f"{label} removed", (o[0], o[1]), None)
            elif o is None and n is not None:
                self.add("webhook-added", label, f"{label} added", None, (n[0], n[1]))
            elif o is not None and n is not None:
                self.events(label, o, n)

    def security(self, where: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        od, optr, a = old
        nd, nptr, b = new
        sa = _requirements(a.get("security", self.old.spec.data.get("security")))
        sb = _requirements(b.get("security", self.new.spec.data.get("security")))
        if sa == sb:
            return
        lost = sa - sb
        if lost and frozenset() not in sb:  # an operation that accepts no credentials accepts any
            shown = " or ".join(" + ".join(sorted(r)) or "none" for r in sorted(lost, key=sorted))
            self.add(
                "security-requirement-changed",
                where,
                f"credentials no longer accepted: {shown}",
                (od, optr),
                (nd, nptr),
            )
        else:
            said = "no credentials needed now" if frozenset() in sb else "more credential choices accepted"
            self.add("security-scheme-unused-removed", where, said, (od, optr), (nd, nptr))

    # -- schemas

    def schema(
        self, old: tuple[str, str, Any], new: tuple[str, str, Any], direction: str, where: str, depth: int = 0
    ) -> None:
        if self.unchanged is not None and self.unchanged.clean(old[0], old[1], old[2], new[2]):
            self.reached.add(self.old.follow(*old)[1])  # compared, and found the same
            return
        va = self.old.view(*old)
        vb = self.new.view(*new)
        key = (va.ptr + "|" + vb.ptr, direction, "")
        if key in self.seen or depth > 64:
            return
        self.seen.add(key)
        self.reached.add(va.ptr)
        if vb.ptr.startswith("/components/schemas/"):  # a shared schema's change is reported once, under its own name
            where = f"schema {jp.unescape(vb.ptr[len('/components/schemas/') :].partition('/')[0])}"
        o, n = (old[0], va.ptr), (new[0], vb.ptr)
        request = direction == "request"
        self._types(va, vb, request, where, o, n)
        self._enum(va, vb, request, where, o, n)
        self._extensible(va, vb, request, where, o, n)
        self._constraints(va, vb, request, where, o, n)
        if va.description != vb.description:
            self.add("description-changed", where, "schema description changed", o, n)
        for name, (pdoc, pptr, pnode) in va.props.items():
            if name not in vb.props:
                if _get(self.old.follow(pdoc, pptr, pnode)[2], "writeOnly" if not request else "readOnly") is True:
                    continue  # a property this direction never carries (writeOnly in a response, readOnly in a request)
                rule = "request-property-removed" if request else "response-property-removed"
                self.add(rule, where, f"property {name!r} removed", (pdoc, pptr), None)
                continue
            qdoc, qptr, qnode = vb.props[name]
            was, now = name in va.required, name in vb.required
            if now and not was:
                self.add(
                    "request-property-made-required" if request else "response-property-made-required",
                    where,
                    f"property {name!r} made required",
                    (pdoc, pptr),
                    (qdoc, qptr),
                )
            elif was and not now:
                self.add(
                    "request-property-made-optional" if request else "response-property-made-optional",
                    where,
                    f"property {name!r} made optional",
                    (pdoc, pptr),
                    (qdoc, qptr),
                )
            self.schema((pdoc, pptr, pnode), (qdoc, qptr, qnode), direction, where, depth + 1)
        for name, (qdoc, qptr, _) in vb.props.items():
            if name in va.props:
                continue
            if request:
                required = name in vb.required
                self.add(
                    "request-property-added-required" if required else "request-property-added",
                    where,
                    f"{'required' if required else 'optional'} property {name!r} added",
                    None,
                    (qdoc, qptr),
                )
            else:
                self.add("response-property-added", where, f"property {name!r} added", None, (qdoc, qptr))
        if va.items and vb.items:
            self.schema(va.items, vb.items, direction, where, depth + 1)
        if request and va.additional is not False and vb.additional is False and (va.props or vb.props):
            self.add("request-additional-properties-restricted", where, "additionalProperties set to false", o, n)
        if isinstance(va.additional, dict) and isinstance(vb.additional, dict):
            self.schema(
                (old[0], jp.join(va.ptr, "additionalProperties"), va.additional),
                (new[0], jp.join(vb.ptr, "additionalProperties"), vb.additional),
                direction,
                where,
                depth + 1,
            )
        self._unions(va, vb, request, where, o, n, depth)

    def _types(self, va: View, vb: View, request: bool, where: str, o: tuple[str, str], n: tuple[str, str]) -> None:
        ta, tb = va.types, vb.types
        if ta == tb:
            return
        shown = f"type {_show(ta)} -> {_show(tb)}"
        if ta is None or tb is None:  # any -> something narrows; something -> any widens
            narrowed = ta is None
            self.add(
                ("request-type-changed" if narrowed else "request-type-widened")
                if request
                else ("response-type-narrowed" if narrowed else "response-type-changed"),
                where,
                shown,
                o,
                n,
            )
            return
        lost, gained = _uncovered(ta, tb), _uncovered(tb, ta)
        if request:
            self.add("request-type-changed" if lost else "request-type-widened", where, shown, o, n)
        elif gained == {"null"}:
            self.add("response-became-nullable", where, shown, o, n)
        elif gained:
            self.add("response-type-changed", where, shown, o, n)
        else:
            self.add("response-type-narrowed", where, shown, o, n)

    def _enum(self, va: View, vb: View, request: bool, where: str, o: tuple[str, str], n: tuple[str, str]) -> None:
        if va.enum is None and vb.enum is None:
            return
        if va.enum is None:
            if request:
                self.add("request-type-changed", where, f"values restricted to {_show(vb.enum)}", o, n)
            return
        if vb.enum is None:
            if request:
                self.add("request-type-widened", where, "enum restriction removed", o, n)
            else:
                self.add("response-enum-value-added", where, "enum restriction removed: any value may come back", o, n)
            return
        removed = [v for v in va.enum if v not in vb.enum]
        added = [v for v in vb.enum if v not in va.enum]
        if removed:
            self.add(
                "request-enum-value-removed" if request else "response-enum-value-removed",
                where,
                f"enum values removed: {_show(removed)}",
                o,
                n,
            )
        if added:
            why = "" if request else " (safe: generated enums are open, a new value parses as an unknown member)"
            self.add(
                "request-enum-value-added" if request else "response-enum-value-added",
                where,
                f"enum values added: {_show(added)}{why}",
                o,
                n,
            )

    def _extensible(
        self, va: View, vb: View, request: bool, where: str, o: tuple[str, str], n: tuple[str, str]
    ) -> None:
        """``x-extensible-enum``: the values a schema names while allowing others (Zalando's guideline)."""
        if va.extensible is None and vb.extensible is None:
            return
        ea, eb = va.extensible or [], vb.extensible or []
        at_o = (o[0], jp.join(o[1], "x-extensible-enum")) if va.extensible is not None else o
        at_n = (n[0], jp.join(n[1], "x-extensible-enum")) if vb.extensible is not None else n
        removed = [v for v in ea if v not in eb]
        added = [v for v in eb if v not in ea]
        if removed:
            rule = "request-enum-value-removed" if request else "response-constraint-changed"
            self.add(rule, where, f"x-extensible-enum values removed: {_show(removed)}", at_o, at_n)
        if added:
            rule = "request-enum-value-added" if request else "response-enum-value-added"
            self.add(rule, where, f"x-extensible-enum values added: {_show(added)}", at_o, at_n)

    def _constraints(
        self, va: View, vb: View, request: bool, where: str, o: tuple[str, str], n: tuple[str, str]
    ) -> None:
        ca, cb = va.constraints, vb.constraints
        for key in sorted(set(ca) | set(cb)):
            a, b = ca.get(key), cb.get(key)
            if a == b or (key == "format" and not request):
                continue
            shown = f"{key} {_show(a)} -> {_show(b)}" if key in SCHEMA_KEYWORDS else f"{key} {a!r} -> {b!r}"
            at_o = (o[0], jp.join(o[1], key)) if key in va.constraints else o  # one change per keyword
            at_n = (n[0], jp.join(n[1], key)) if key in vb.constraints else n
            if not request:  # loosened: the new schema takes what the old one refused
                rule = "response-constraint-loosened" if _tightened(key, b, a) else "response-constraint-changed"
                self.add(rule, where, shown, at_o, at_n)
                continue
            if key == "pattern" and a and b:
                rule = "request-pattern-changed"
            else:
                rule = "request-constraint-tightened" if _tightened(key, a, b) else "request-constraint-relaxed"
            self.add(rule, where, shown, at_o, at_n)

    def _unions(
        self, va: View, vb: View, request: bool, where: str, o: tuple[str, str], n: tuple[str, str], depth: int
    ) -> None:
        if not va.unions and not vb.unions:
            return
        ka = {self._member_key(self.old, m, i): m for i, m in enumerate(va.unions)}
        kb = {self._member_key(self.new, m, i): m for i, m in enumerate(vb.unions)}
        for key, member in ka.items():
            if key not in kb:
                self.add(
                    "request-union-member-removed" if request else "response-union-member-removed",
                    where,
                    f"union member {key} removed",
                    (member[0], member[1]),
                    None,
                )
            else:
                self.schema(member, kb[key], "request" if request else "response", where, depth + 1)
        for key, member in kb.items():
            if key not in ka:
                self.add(
                    "request-union-member-added" if request else "response-union-member-added",
                    where,
                    f"union member {key} added",
                    None,
                    (member[0], member[1]),
                )

    @staticmethod
    def _member_key(side: _Side, member: tuple[str, str, Any], index: int) -> str:
        node = member[2]
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return node["$ref"].rpartition("/")[2]
        if isinstance(node, dict) and isinstance(node.get("title"), str):
            return node["title"]
        return f"#{index}"


def _tightened(key: str, a: Any, b: Any) -> bool:
    """Whether a request constraint changing from ``a`` to ``b`` rejects values it used to accept (None:
    the keyword is absent). ``prefixItems`` goes the other way: without it ``items`` covers every position."""
    if key == "prefixItems":
        return a is not None and a != b
    if b is None or (key == "pattern" and b == ""):
        return False  # removed, or a pattern that matches everything
    if a is None:
        return not (key == "uniqueItems" and b is False)
    if (
        key in CONSTRAINT_UPPER
        and isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
    ):
        return b < a
    if (
        key in CONSTRAINT_LOWER
        and isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
    ):
        return b > a
    if key == "uniqueItems":
        return b is True
    return True  # pattern, multipleOf, format or a boolean exclusive bound changed: assume stricter


def _uncovered(a: set[str], b: set[str]) -> set[str]:
    """Types of ``a`` that ``b`` does not accept (integer is covered by number)."""
    return {t for t in a if t not in b and not (t == "integer" and "number" in b)}


def _requirements(raw: Any) -> set[frozenset[str]]:
    if not isinstance(raw, list):
        return {frozenset()}
    return {frozenset(str(k) for k in r) for r in raw if isinstance(r, dict)} or {frozenset()}


def _template(path: str) -> str:
    return re.sub(r"\{[^}/]*\}", "{}", path)


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _dict(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _operation_servers(data: Any, op_ptr: str, op: Any, item: Any, item_ptr: str) -> tuple[list[tuple[str, Any]], bool]:
    """The (pointer, URL) of each server an operation goes to, and whether they are its own (the
    operation's or its path item's, by OpenAPI's precedence) rather than the document's."""
    for ptr, holder in ((op_ptr, op), (item_ptr, item)):
        servers = _list(_get(holder, "servers"))
        found = [(jp.join(ptr, "servers", i), s.get("url")) for i, s in enumerate(servers) if isinstance(s, dict)]
        if found:
            return found, True
    return [
        (f"/servers/{i}", s.get("url")) for i, s in enumerate(_list(_get(data, "servers"))) if isinstance(s, dict)
    ], False


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _raw(value: Any) -> str:
    """A raw field's value as written (``none`` when absent)."""
    return "none" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _show(value: Any) -> str:
    if value is None:
        return "any"
    if isinstance(value, set):
        return "|".join(sorted(value))
    return json.dumps(value, ensure_ascii=False, default=str)


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, default=str)


def diff_specs(old: Spec, new: Spec, prune: bool = True) -> DiffResult:
    """Every change from ``old`` to ``new``, classified. ``prune=False`` compares even what is unchanged
    (the same result, slower: ``_Unchanged``)."""
    return _Differ(old, new, prune).run()


# --- output --------------------------------------------------------------------------------------


def as_text(result: DiffResult) -> str:
    if not result.changes and not result.api:
        return "no changes\n" if result.bump is None else _summary(result) + "\n"
    lines = []
    for c in result.changes:
        lines.append(f"{c.level:8} {c.rule}: {c.where}: {c.message}")
        for side, ptr in (("old", c.old), ("new", c.new)):
            if ptr:
                lines.append(f"         {side}: {ptr}")
    for a in result.api:
        lines.append(f"{a.level:8} public API: {a.text}")
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


#: ``diff --format json``'s schema, named in its output; keys are only added under this name, a change to
#: the keys below gets a new name.
JSON_SCHEMA = "specgen-diff/1"


def as_json(result: DiffResult) -> str:
    """``{"schema": JSON_SCHEMA, "summary": {"breaking": n, "warning": n, "safe": n, "bump": "major" | "minor"
    | "patch" | null, "api_breaking": n, "api_added": n}, "changes": [{"level", "rule", "where", "message",
    "old", "new"}, ...], "api": [{"level": "breaking" | "added", "text"}, ...]}``; ``old`` and ``new`` are
    ``file#/json/pointer`` or null; ``api`` is the generated public API's changes (empty when the packages
    were not compared) and ``bump`` the release ``generate`` makes for them. Documented in the README, held
    by ``tests/test_diff.py``."""
    breaking = len(result.breaking_api)
    payload = {
        "schema": JSON_SCHEMA,
        "summary": {level: result.count(level) for level in LEVELS}
        | {"bump": result.bump, "api_breaking": breaking, "api_added": len(result.api) - breaking},
        "changes": [asdict(c) for c in result.changes],
        "api": [asdict(a) for a in result.api],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def as_markdown(result: DiffResult, title: str = "API changes") -> str:
    icons = {"breaking": "🔴", "warning": "🟡", "safe": "🟢", "added": "🟢"}
    lines = [f"### {title}", "", _summary(result), ""]
    if result.api:
        lines += ["| | public API (what users' code sees) |", "|---|---|"]
        lines += [f"| {icons[a.level]} {a.level} | {_md(md_inline(a.text))} |" for a in result.api]
        lines.append("")
    if result.changes:
        lines += ["| | rule | where | change | old | new |", "|---|---|---|---|---|---|"]
        for c in result.changes:
            cells = [
                icons[c.level] + " " + c.level,
                f"`{c.rule}`",
                _md(c.where),
                _md(c.message),
                f"`{_md(c.old)}`" if c.old else "",
                f"`{_md(c.new)}`" if c.new else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _summary(result: DiffResult) -> str:
    counts = ", ".join(f"{result.count(level)} {level}" for level in LEVELS)
    text = f"{len(result.changes)} change(s): {counts}"
    if result.judged:
        breaking = len(result.breaking_api)
        text += f"; public API: {breaking} breaking, {len(result.api) - breaking} added"
        if not result.api and result.code_changed:
            text += " (generated code changed)"
    return text + (f"; version bump: {result.bump}" if result.bump else "")
