"""Build stage: a validated spec becomes the IR.

All naming, type mapping, ``$ref`` resolution and import decisions happen here, once. Unsupported
constructs produce a warning and an explicit fallback (``Any``); nothing is dropped silently.

Extensions read (ours are ``x-sdk-*``; Speakeasy's spellings are honoured too, since vendors ship them):
- ``x-sdk-group`` / ``x-speakeasy-group`` on an operation: dotted resource path (``profile.attachment``)
- ``x-sdk-name`` / ``x-speakeasy-name-override`` on an operation: method name; on a schema: class name
- ``x-sdk-server-name`` on a server: the name accepted by ``server=``
- ``x-sdk-client-param`` on a parameter: set once on the client under that keyword
- ``x-sdk-exactly-one-of`` on an operation: parameter names (wire) of which exactly one must be given
- ``x-sdk-retry-safe`` on an operation: may be retried even though its method is not idempotent
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


from .. import ir
from .. import pointer as jp
from ...config import ApiConfig
from ..diagnostics import Diagnostics
from ..format import black_quotes
from ..load import Spec
from ..names import (
    KEYWORDS,
    NameScope,
    RESERVED_FIELDS,
    RESERVED_PARAMS,
    RESERVED_PASCAL,
    enum_member,
    join_pascal,
    pascal,
    pascal_identifier,
    snake,
    snake_identifier,
    upper,
)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IGNORED_HEADERS = {"accept", "content-type", "authorization"}
JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json(\s*;.*)?$|^\*/\*$", re.I)


@dataclass
class _Definition:
    name: str
    kind: str  # model | enum | alias
    value: ir.Model | ir.Enum | ir.Alias | None = None


@dataclass
class _Context:
    spec: Spec
    diags: Diagnostics
    names: NameScope
    defs: dict[tuple[str, str], _Definition] = field(default_factory=dict)
    order: list[_Definition] = field(default_factory=list)
    def_names: set[str] = field(default_factory=set)  # the names of ``defs``

    def warn(self, code: str, doc: str, ptr: str, message: str) -> None:
        self.diags.warning(code, self.spec.labels.get(doc, doc), ptr, message)

    def error(self, code: str, doc: str, ptr: str, message: str) -> None:
        self.diags.error(code, self.spec.labels.get(doc, doc), ptr, message)

    def follow(self, doc: str, node: Any) -> tuple[str, str | None, Any]:
        return self.spec.follow(doc, node)


class _Hint:
    """The name an inline definition would get, worked out only when one is defined: most schemas
    (strings, numbers, references) never need theirs, and a large document asks for tens of thousands."""

    __slots__ = ("_make", "_text")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make: Callable[[], str] | None = make
        self._text = ""

    def __str__(self) -> str:
        if self._make is not None:
            self._text, self._make = self._make(), None
        return self._text


Hint = str | _Hint


class _Types:
    """Schema -> annotation, creating models, enums and aliases as it goes."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx

    # -- public ---------------------------------------------------------------------------------

    def annotation(self, doc: str, schema: Any, ptr: str, hint: Hint) -> str:
        """The Python annotation for ``schema`` found at ``doc#ptr``; ``hint`` names inline definitions."""
        try:
            return self._annotation(doc, schema, ptr, hint, depth=0)
        except RecursionError:
            self.ctx.error("E300", doc, ptr, "schema nested too deeply")
            return self._any()

    # -- internals ------------------------------------------------------------------------------

    def _any(self) -> str:
        return "Any"

    def _annotation(self, doc: str, schema: Any, ptr: str, hint: Hint, depth: int) -> str:
        if depth > 200:
            self.ctx.error("E300", doc, ptr, "schema nested too deeply")
            return self._any()
        if schema is True or schema == {}:
            return self._any()
        if schema is False:
            self.ctx.warn("W301", doc, ptr, "schema 'false' accepts nothing; typed as Any")
            return self._any()
        if not isinstance(schema, dict):
            self.ctx.warn("W302", doc, ptr, "schema is not an object; typed as Any")
            return self._any()
        if "$ref" in schema:
            return self._ref(doc, schema, ptr, hint, depth)
        return self._inline(doc, schema, ptr, hint, depth)

    def _ref(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, depth: int) -> str:
        try:
            tdoc, tptr, target = self.ctx.follow(doc, schema)
        except LookupError:
            self.ctx.error("E303", doc, ptr, f"$ref {schema['$ref']!r} cannot be resolved")
            return self._any()
        if isinstance(target, dict) and ((tdoc, tptr or "") in self.ctx.defs or _is_definable(target) or (_is_named_component(tptr) and not _is_primitive(target))):
            return self._named(tdoc, tptr or "", target, _ref_name(target, tptr), depth)
        return self._annotation(tdoc, target, tptr or "", hint, depth + 1)

    def _inline(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, depth: int) -> str:
        if (doc, ptr) in self.ctx.defs or _is_definable(schema):
            return self._named(doc, ptr, schema, schema.get("x-sdk-name") or str(hint), depth)
        return self._structural(doc, schema, ptr, hint, depth)

    def _named(self, doc: str, ptr: str, schema: dict[str, Any], wanted: str, depth: int) -> str:
        """The class (or alias) for the schema at ``ptr``, defined on first use. A class stands for the
        non-null values: where the schema also allows null, the annotation is ``Class | None``."""
        definition = self.ctx.defs.get((doc, ptr))
        name = definition.name if definition is not None else self._definition(doc, ptr, schema, wanted, depth)
        return _maybe_null(name, _is_definable(schema) and _allows_null(schema))

    def _definition(self, doc: str, ptr: str, schema: dict[str, Any], wanted: str, depth: int) -> str:
        kind = "enum" if _enum_base(schema) else ("model" if _is_object(schema) else "alias")
        name = self.ctx.names.claim_first(_name_candidates(pascal_identifier(wanted, "Model"), ptr, kind))
        definition = _Definition(name, kind)
        self.ctx.defs[(doc, ptr)] = definition  # registered first: recursion finds it
        self.ctx.def_names.add(name)
        self.ctx.order.append(definition)
        description = _prose(schema.get("description") or schema.get("title"))
        if kind == "enum":
            definition.value = self._enum(doc, ptr, schema, name, description)
            # Open enum (see OpenStrEnum in the runtime): values added by the API later still parse.
            return _nullable(name) if _allows_null(schema) else name
        if kind == "model":
            definition.value = self._model(doc, ptr, schema, name, description, depth)
            return name
        annotation = self._structural(doc, schema, ptr, name, depth)
        words = set(_WORDS.findall(annotation))  # whole words, as ``\bName\b`` would find them
        deps = tuple(sorted(w for w in words if w in self.ctx.def_names and w != name))
        definition.value = ir.Alias(name, annotation, description, _source(self.ctx, doc, ptr), deps)
        return name

    def _enum(self, doc: str, ptr: str, schema: dict[str, Any], name: str, description: str) -> ir.Enum:
        base = _enum_base(schema)
        scope = NameScope(on_collision=lambda a, b: self.ctx.warn("W310", doc, jp.join(ptr, "enum"), f"enum members {a!r} collide; renamed to {b!r}"))
        values = [v for v in schema.get("enum", []) if v is not None]
        varnames = schema.get("x-enum-varnames") if isinstance(schema.get("x-enum-varnames"), list) else None
        members = []
        for index, value in enumerate(values):
            wanted = varnames[index] if varnames and index < len(varnames) and isinstance(varnames[index], str) else value
            members.append(ir.EnumMember(scope.claim(enum_member(wanted)), pyrepr_literal(value)))
        return ir.Enum(name, description, "int" if base == "int" else "str", tuple(members), _source(self.ctx, doc, ptr))

    def _model(self, doc: str, ptr: str, schema: dict[str, Any], name: str, description: str, depth: int) -> ir.Model:
        properties, required, extra = self._collect_object(doc, schema, ptr, depth)
        scope = NameScope(on_collision=lambda a, b: self.ctx.warn("W311", doc, ptr, f"properties map to the same field name {a!r}; one is renamed {b!r}"))
        fields = []
        for prop_doc, prop_ptr, wire, prop in properties:
            field_name = scope.claim(snake_identifier(wire, "field", RESERVED_FIELDS))
            hint = _Hint(functools.partial(_field_hint, name, wire))
            annotation = self._annotation(prop_doc, prop, prop_ptr, hint, depth + 1)
            is_required = wire in required
            prop_schema = prop if isinstance(prop, dict) else {}
            if not is_required:
                annotation = _nullable(annotation)
            fields.append(
                ir.Field(
                    name=field_name,
                    wire=wire,
                    annotation=annotation,
                    required=is_required,
                    default=None if is_required else "None",
                    description=_prose(prop_schema.get("description") or prop_schema.get("title")),
                    deprecated=bool(prop_schema.get("deprecated")),
                )
            )
        extra_annotation = None
        if isinstance(extra, dict) and extra:
            extra_annotation = self._annotation(doc, extra, jp.join(ptr, "additionalProperties"), join_pascal(name, "Value"), depth + 1)
        return ir.Model(name, description, tuple(fields), _source(self.ctx, doc, ptr), allow_extra=extra is not False, extra_annotation=extra_annotation)

    def _collect_object(self, doc: str, schema: dict[str, Any], ptr: str, depth: int) -> tuple[list[tuple[str, str, str, Any]], set[str], Any]:
        """Properties (with where they come from), required names and additionalProperties, allOf merged."""
        properties: dict[str, tuple[str, str, str, Any]] = {}
        required: set[str] = set()
        extra: Any = True
        parts: list[tuple[str, str, Any]] = []
        for index, part in enumerate(schema.get("allOf") or []):
            try:
                pdoc, pptr, resolved = self.ctx.follow(doc, part)
            except LookupError:
                self.ctx.error("E303", doc, jp.join(ptr, "allOf", index), "allOf member cannot be resolved")
                continue
            if pptr is not None and _is_definable(resolved):
                # Define the referenced parent first so inline schemas inside it are named after it.
                self._annotation(doc, part, jp.join(ptr, "allOf", index), "Model", depth + 1)
            parts.append((pdoc, pptr if pptr is not None else jp.join(ptr, "allOf", index), resolved))
        parts.append((doc, ptr, schema))
        for pdoc, pptr, part in parts:
            if not isinstance(part, dict):
                continue
            if part is not schema and (part.get("allOf") or part.get("properties")):
                nested, nested_required, nested_extra = self._collect_object(pdoc, part, pptr, depth + 1) if part.get("allOf") else ([], set(), True)
                for item in nested:
                    properties[item[2]] = item
                required |= nested_required
                if nested_extra is False:
                    extra = False
            props = part.get("properties") or {}
            if isinstance(props, dict):
                for wire, prop in props.items():
                    properties[str(wire)] = (pdoc, jp.join(pptr, "properties", wire), str(wire), prop)
            if isinstance(part.get("required"), list):
                required |= {str(r) for r in part["required"]}
            if "additionalProperties" in part and part is schema:
                extra = part["additionalProperties"]
            for key in ("oneOf", "anyOf"):
                if part.get(key):
                    self.ctx.warn("W320", pdoc, jp.join(pptr, key), f"{key} next to properties is not modelled; the listed properties are kept and the rest stays as extra fields")
        return list(properties.values()), required, extra

    def _structural(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, depth: int) -> str:
        """Annotations that need no class of their own: primitives, arrays, maps, unions, consts."""
        nullable = _allows_null(schema)
        if "const" in schema:
            return _maybe_null(f"Literal[{pyrepr_literal(schema['const'])}]", nullable and schema["const"] is not None)
        if isinstance(schema.get("enum"), list) and not _enum_base(schema):
            values = [v for v in schema["enum"] if v is not None]
            if values and all(isinstance(v, (str, int, bool)) for v in values):
                return _maybe_null("Literal[" + ", ".join(pyrepr_literal(v) for v in values) + "]", nullable)
            self.ctx.warn("W321", doc, jp.join(ptr, "enum"), "enum of mixed or unsupported values; typed as Any")
            return self._any()
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                members = []
                for index, member in enumerate(schema[key]):
                    member_hint = _Hint(functools.partial(_member_hint_of, hint, member, index, schema[key]))
                    members.append(self._annotation(doc, member, jp.join(ptr, key, index), member_hint, depth + 1))
                return _maybe_null(_union(members), nullable)
        if isinstance(schema.get("allOf"), list) and schema["allOf"]:
            refs = [m for m in schema["allOf"] if isinstance(m, dict)]
            if len(refs) == 1:
                return _maybe_null(self._annotation(doc, refs[0], jp.join(ptr, "allOf", 0), hint, depth + 1), nullable)
        types = _types(schema)
        if not types:
            if "not" in schema:
                self.ctx.warn("W322", doc, jp.join(ptr, "not"), "'not' is not modelled; typed as Any")
            return self._any()
        annotations = []
        for type_name in types:
            if type_name == "null":
                continue
            annotations.append(self._simple(doc, schema, ptr, hint, type_name, depth))
        if not annotations:
            return "None"
        return _maybe_null(_union(annotations), nullable)

    def _simple(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, type_name: str, depth: int) -> str:
        fmt = schema.get("format")
        if type_name == "string":
            if fmt == "date-time":
                return "_dt.datetime"
            if fmt == "date":
                return "_dt.date"
            if fmt == "binary":
                return "bytes"
            return "str"
        if type_name == "integer":
            return "int"
        if type_name == "number":
            return "float"
        if type_name == "boolean":
            return "bool"
        if type_name == "array":
            items = schema.get("items", True)
            if isinstance(schema.get("prefixItems"), list):
                self.ctx.warn("W323", doc, jp.join(ptr, "prefixItems"), "tuple validation (prefixItems) is typed as a list")
            inner = self._annotation(doc, items, jp.join(ptr, "items"), _Hint(lambda: join_pascal(str(hint), "Item")), depth + 1)
            return f"list[{inner}]"
        if type_name == "object":
            extra = schema.get("additionalProperties", True)
            if isinstance(extra, dict) and extra:
                inner = self._annotation(doc, extra, jp.join(ptr, "additionalProperties"), _Hint(lambda: join_pascal(str(hint), "Value")), depth + 1)
                return f"dict[str, {inner}]"
            return f"dict[str, {self._any()}]"
        self.ctx.warn("W324", doc, jp.join(ptr, "type"), f"unknown type {type_name!r}; typed as Any")
        return self._any()


# -- schema predicates ---------------------------------------------------------------------------


def _types(schema: dict[str, Any]) -> list[str]:
    raw = schema.get("type")
    if isinstance(raw, str):
        types = [raw]
    elif isinstance(raw, list):
        types = [t for t in raw if isinstance(t, str)]
    elif "properties" in schema or "additionalProperties" in schema:
        types = ["object"]
    elif "items" in schema:
        types = ["array"]
    else:
        types = []
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types


def _allows_null(schema: dict[str, Any]) -> bool:
    return "null" in _types(schema) or (isinstance(schema.get("enum"), list) and None in schema["enum"])


def _is_object(schema: dict[str, Any]) -> bool:
    types = [t for t in _types(schema) if t != "null"]
    has_props = isinstance(schema.get("properties"), dict) and bool(schema["properties"])
    merges = isinstance(schema.get("allOf"), list) and len(schema["allOf"]) > 1
    return (types in ([], ["object"])) and (has_props or merges)


def _enum_base(schema: dict[str, Any]) -> str:
    values = schema.get("enum")
    if not isinstance(values, list) or "const" in schema:
        return ""
    concrete = [v for v in values if v is not None]
    if concrete and all(isinstance(v, str) for v in concrete):
        return "str"
    if concrete and all(isinstance(v, int) and not isinstance(v, bool) for v in concrete):
        return "int"
    return ""


def _is_definable(schema: Any) -> bool:
    return isinstance(schema, dict) and (_is_object(schema) or bool(_enum_base(schema)))


def _is_primitive(schema: Any) -> bool:
    if not isinstance(schema, dict) or any(k in schema for k in ("oneOf", "anyOf", "allOf", "$ref")):
        return False
    return bool(_types(schema)) and set(_types(schema)) <= {"string", "integer", "number", "boolean", "null"}


def _is_named_component(ptr: str | None) -> bool:
    """Arrays, maps and unions under components/schemas get a named alias; plain primitives are inlined."""
    return ptr is not None and ptr.startswith("/components/schemas/") and ptr.count("/") == 3


def _ref_name(target: dict[str, Any], ptr: str | None) -> str:
    if isinstance(target, dict) and isinstance(target.get("x-sdk-name"), str):
        return target["x-sdk-name"]
    return jp.split(ptr)[-1] if ptr else "Model"


#: Pointer segments that say how a schema is nested, not what it is.
_STRUCTURAL = frozenset({"components", "schemas", "properties", "items", "allOf", "oneOf", "anyOf", "additionalProperties", "paths", "content", "schema", "responses", "requestBody", "parameters", "get", "put", "post", "delete", "patch", "head", "options", "trace"})


def _name_candidates(wanted: str, ptr: str, kind: str) -> list[str]:
    """Names for a schema, best first: the one asked for, then names built from more of its place in the
    document (``file-commit/properties/commit`` -> ``FileCommitCommit``), then the asked-for name with its
    kind. Only when all are taken does a number get appended."""
    parts = jp.split(ptr)
    words = [w for w in parts if w not in _STRUCTURAL and not w.isdigit() and "/" not in w and pascal(w)]
    candidates = [wanted]
    # A union member's place names the union, not the member: only its kind can tell it apart.
    in_union = len(parts) >= 2 and parts[-2] in ("oneOf", "anyOf")
    for n in range(2, min(len(words), 4) + 1) if not in_union else ():
        candidates.append(pascal_identifier("_".join(words[-n:])))
    candidates.append(wanted + {"enum": "Enum", "model": "Object", "alias": "Type"}[kind])
    return candidates


def _field_hint(model: str, wire: str) -> str:
    """The name an inline schema of property ``wire`` of ``model`` gets."""
    return join_pascal(model, pascal(wire) or "Field")


def _method_renamed(diags: Diagnostics, label: str, group: tuple[str, ...], path: str, method: str, wanted: str, given: str) -> None:
    diags.warning("W400", label, jp.join("/paths", path, method), f"method name {wanted!r} is taken in {'.'.join(group) or 'the client'}; renamed {given!r}")


def _text_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _member_hint_of(hint: Hint, member: Any, index: int, siblings: Sequence[Any]) -> str:
    """``_member_hint`` once the name is wanted (``hint`` may itself be worked out lazily)."""
    return _member_hint(str(hint), member, index, siblings)


def _member_hint(hint: str, member: Any, index: int, siblings: Sequence[Any] = ()) -> str:
    """Name a oneOf/anyOf member from what it is: its title, the value that tells it apart (a ``const`` or
    single-value enum property, or its own enum values), the property only it requires or has, or the allOf
    reference its siblings do not share. A position number is the last resort."""
    if not isinstance(member, dict):
        return f"{hint}Variant{index + 1}"
    if isinstance(member.get("title"), str) and pascal(member["title"]):
        return join_pascal(hint, pascal(member["title"]))
    values = [v for v in member.get("enum") or [] if isinstance(v, (str, int)) and not isinstance(v, bool)]
    if values and pascal(str(values[0])):
        return join_pascal(hint, pascal(str(values[0])) + ("Etc" if len(values) > 1 else ""))
    raw_props = member.get("properties")
    props: dict[Any, Any] = raw_props if isinstance(raw_props, dict) else {}
    for key, prop in props.items():
        tag = _tag_value(prop)
        if tag is not None and pascal(str(tag)):
            return join_pascal(hint, pascal(str(tag)))
    others = [s for s in siblings if s is not member and isinstance(s, dict)]
    required = [r for r in member.get("required") or [] if isinstance(r, str) and pascal(r)]
    named = [k for k in props if isinstance(k, str) and pascal(k)]
    # A property only this member requires, or only it has, tells it apart.
    for candidates, key in ((required, "required"), (named, "properties")):
        taken = [o[key] for o in others if isinstance(o.get(key), (list, dict))]
        unique = [n for n in candidates if not any(n in t for t in taken)]
        if unique:
            return join_pascal(hint, "With" + pascal(unique[0]))
    # allOf of references: named after the reference the other members do not share (the specific part).
    ref_sets = [set(_allof_refs(s)) for s in siblings if _allof_refs(s)]
    shared = set.intersection(*ref_sets) if len(ref_sets) > 1 else set()
    refs = [r for r in _allof_refs(member) if r not in shared and pascal(r.rsplit("/", 1)[-1])]
    if refs:
        return join_pascal(hint, pascal(refs[0].rsplit("/", 1)[-1]))
    if required or named:
        return join_pascal(hint, "With" + pascal((required or named)[0]))
    if member.get("type") == "array":
        return join_pascal(hint, "List")
    return f"{hint}Variant{index + 1}"


def _allof_refs(member: Any) -> list[str]:
    if not isinstance(member, dict) or not isinstance(member.get("allOf"), list):
        return []
    return [m["$ref"] for m in member["allOf"] if isinstance(m, dict) and isinstance(m.get("$ref"), str)]


def _tag_value(prop: Any) -> Any:
    """The one value a property may take (``const``, or an enum of one), or None."""
    if not isinstance(prop, dict):
        return None
    if isinstance(prop.get("const"), (str, int)) and not isinstance(prop.get("const"), bool):
        return prop["const"]
    enum = prop.get("enum")
    if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], (str, int)) and not isinstance(enum[0], bool):
        return enum[0]
    return None


def _union(annotations: Iterable[str]) -> str:
    unique: dict[str, None] = {}  # insertion-ordered set
    for annotation in annotations:
        for part in _split_union(annotation):
            unique[part] = None
    if "Any" in unique:
        return "Any"
    if "None" in unique:
        del unique["None"]
        unique["None"] = None  # last
    return " | ".join(unique) or "None"


def _split_union(annotation: str) -> list[str]:
    if "[" not in annotation:
        return [part.strip() for part in annotation.split("|")]
    parts, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(annotation[start:index].strip())
            start = index + 1
    parts.append(annotation[start:].strip())
    return parts


def _nullable(annotation: str) -> str:
    if "|" not in annotation:  # one member: what _union gives, without splitting
        part = annotation.strip()
        return part if part in ("Any", "None") else f"{part} | None"
    return _union([annotation, "None"])


def _maybe_null(annotation: str, nullable: bool) -> str:
    return _nullable(annotation) if nullable else annotation


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


_TAG = re.compile(r"<[^<>]*>", re.S)


def _prose(value: Any) -> str:
    """Documentation text for docstrings: HTML/MDX tags removed, entities decoded, blank runs collapsed."""
    if not isinstance(value, str):
        return ""
    if value.isprintable() and "<" not in value and "&" not in value:
        return value.strip()  # one plain line (most of them): what the steps below give
    import html

    text = html.unescape(_TAG.sub("", _text(value)))
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1]):
            out.append(line if line.strip() else "")
    return "\n".join(out).strip()


def _source(ctx: _Context, doc: str, ptr: str) -> str:
    return f"{ctx.spec.labels.get(doc, doc)}#{ptr}"


def _example_source(param: dict[str, Any], schema: Any, annotation: str) -> str:
    """A Python literal for README examples: the spec's own example when it is a scalar, else by type."""
    candidates = [param.get("example")]
    if isinstance(param.get("examples"), dict):
        candidates += [e.get("value") for e in param["examples"].values() if isinstance(e, dict)]
    if isinstance(schema, dict):
        candidates += [schema.get("example"), schema.get("default")]
        if isinstance(schema.get("examples"), list):
            candidates += schema["examples"]
        if isinstance(schema.get("enum"), list):
            candidates += schema["enum"]
    for value in candidates:
        if isinstance(value, (str, int, float, bool)) and not (isinstance(value, str) and len(value) > 80):
            return pyrepr_literal(value)
    first = _split_union(annotation)[0]
    return {"int": "1", "float": "1.0", "bool": "True"}.get(first, repr(snake(str(param.get("name", ""))) or "string"))


def pyrepr_literal(value: Any) -> str:
    """Python source for a JSON scalar; ``repr`` of str/int/float/bool/None is always a safe literal."""
    if isinstance(value, str):
        return black_quotes(repr(value))  # black's quote choice: the line stays black-stable
    if isinstance(value, (int, float, bool)) or value is None:
        return repr(value)
    raise TypeError(f"not a JSON scalar: {type(value).__name__}")


# -- operations ----------------------------------------------------------------------------------


def _group(op: dict[str, Any]) -> list[str]:
    explicit = op.get("x-sdk-group", op.get("x-speakeasy-group"))
    if isinstance(explicit, str) and explicit.strip():
        groups = [g for g in (snake_identifier(part, "") for part in explicit.split(".")) if g]
    elif isinstance(op.get("tags"), list) and op["tags"] and isinstance(op["tags"][0], str) and snake(op["tags"][0]):
        groups = [snake_identifier(op["tags"][0])]
    else:
        return []
    if groups and groups[0] in CLIENT_ATTRS:
        groups[0] += "_"
    return groups


def _method_name(op: dict[str, Any], method: str, path: str) -> str:
    explicit = op.get("x-sdk-name", op.get("x-speakeasy-name-override"))
    if isinstance(explicit, str) and snake(explicit):
        return snake_identifier(explicit)
    if isinstance(op.get("operationId"), str) and snake(op["operationId"]):
        return snake_identifier(op["operationId"])
    words = [w for w in re.split(r"[/{}]+", path) if w]
    return snake_identifier(method + "_" + "_".join(words) if words else method)


def _media_kind(media_type: str, schema: Any) -> str:
    mt = media_type.split(";")[0].strip().lower()
    if JSON_MEDIA.match(mt) and mt != "*/*":
        return "json"
    if mt == "application/x-www-form-urlencoded":
        return "form"
    if mt.startswith("multipart/"):
        return "multipart"
    if mt.startswith("text/"):
        return "text"
    if mt == "*/*" and isinstance(schema, dict) and schema.get("format") != "binary" and schema.get("type") not in (None, "string"):
        return "json"
    return "binary"


def _is_file_schema(schema: Any) -> bool:
    """A schema for raw file content: 3.0 ``format: binary``, or a 3.1 ``contentMediaType`` without encoding."""
    if not isinstance(schema, dict) or schema.get("type", "string") != "string":
        return False
    return schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema)


def _accept(responses: list[ir.Response]) -> str | None:
    """The Accept header for an operation whose successes are not all JSON (the client's default)."""
    types = [r.media_type for r in responses if r.media_type]
    if not types or all(r.kind == "json" for r in responses if r.media_type):
        return None
    unique = list(dict.fromkeys(t.split(";")[0].strip() for t in types))
    return ", ".join(unique)


#: Keywords of operations that return a file.
DOWNLOAD_PARAMS = frozenset({"to", "expected_size", "md5"})

_KIND_PREFERENCE = {"json": 0, "form": 1, "multipart": 2, "binary": 3, "text": 4}


def _pick_media(content: Any) -> tuple[str, Any, str] | None:
    if not isinstance(content, dict) or not content:
        return None
    options = []
    for index, (media_type, media) in enumerate(content.items()):
        schema = media.get("schema") if isinstance(media, dict) else None
        kind = _media_kind(str(media_type), schema)
        options.append((_KIND_PREFERENCE[kind], index, str(media_type), media, kind))
    _, _, media_type, media, kind = min(options)
    return media_type, media, kind


class _Operations:
    def __init__(self, ctx: _Context, types: _Types, config: ApiConfig, client_params: dict[str, ir.ClientParam]):
        self.ctx = ctx
        self.types = types
        self.config = config
        self.client_params = client_params
        self.endpoint_names = NameScope()

    def build(self, path: str, method: str, item: dict[str, Any], op: dict[str, Any], name: str, doc: str) -> ir.Operation:
        ctx = self.ctx
        ptr = jp.join("/paths", path, method)
        op_pascal = pascal(op.get("operationId", "")) if isinstance(op.get("operationId"), str) and pascal(op["operationId"]) else pascal(name)
        responses, errors = self._responses(doc, ptr, op, op_pascal)
        # Every documented success is a file: the method streams it, to memory or to ``to=``.
        download = bool(responses) and all(r.kind == "binary" for r in responses)
        reserved = RESERVED_PARAMS | DOWNLOAD_PARAMS if download else RESERVED_PARAMS
        scope = NameScope(reserved, lambda a, b: ctx.warn("W401", doc, ptr, f"parameter name {a!r} is taken; renamed {b!r}"))
        params = self._params(doc, ptr, item, op, op_pascal, scope, reserved)
        body = self._body(doc, ptr, op, op_pascal, scope, reserved)
        returns = _union([r.annotation for r in responses]) if responses else "None"
        security = self._security(doc, ptr, op)
        one_of = self._one_of(doc, ptr, op, params)
        summary = _text(op.get("summary"))
        return ir.Operation(
            name=name,
            http_method=method.upper(),
            path=path,
            operation_id=_text_or_empty(op.get("operationId")),
            summary=summary,
            description=_prose(op.get("description")),
            params=tuple(params),
            body=body,
            responses=tuple(responses),
            errors=tuple(errors),
            return_annotation=returns,
            security=security,
            one_of=one_of,
            endpoint=self.endpoint_names.claim("_" + upper(op_pascal or name)),
            source=_source(ctx, doc, ptr),
            deprecated=bool(op.get("deprecated")),
            download=download,
            retry_safe=self._retry_safe(doc, ptr, op),
            accept=_accept(responses),
        )

    def _retry_safe(self, doc: str, ptr: str, op: dict[str, Any]) -> bool:
        value = op.get("x-sdk-retry-safe", op.get("x-speakeasy-retries-safe", False))
        if not isinstance(value, bool):
            self.ctx.warn("W432", doc, jp.join(ptr, "x-sdk-retry-safe"), "x-sdk-retry-safe takes true or false; ignored")
            return False
        return value

    def _params(self, doc: str, ptr: str, item: dict[str, Any], op: dict[str, Any], op_pascal: str, scope: NameScope, reserved: frozenset[str]) -> list[ir.Param]:
        merged: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
        for base_ptr, params in ((jp.join("/paths", jp.split(ptr)[1]), item.get("parameters")), (ptr, op.get("parameters"))):
            for index, raw in enumerate(params if isinstance(params, list) else []):
                try:
                    pdoc, pptr, param = self.ctx.follow(doc, raw)
                except LookupError:
                    self.ctx.error("E303", doc, jp.join(base_ptr, "parameters", index), "parameter $ref cannot be resolved")
                    continue
                if not isinstance(param, dict) or "name" not in param or "in" not in param:
                    continue
                where = pptr if pptr is not None else jp.join(base_ptr, "parameters", index)
                merged[(str(param["in"]), str(param["name"]))] = (pdoc, where, param)
        out = []
        for (location, wire), (pdoc, pptr, param) in merged.items():
            if location == "header" and wire.lower() in IGNORED_HEADERS:
                self.ctx.warn("W402", pdoc, pptr, f"header parameter {wire!r} is controlled by the client and ignored, as OpenAPI requires")
                continue
            if location not in ("path", "query", "header", "cookie"):
                self.ctx.warn("W403", pdoc, pptr, f"parameter location {location!r} is not supported; parameter skipped")
                continue
            schema = param.get("schema")
            if schema is None and isinstance(param.get("content"), dict) and param["content"]:
                media = next(iter(param["content"].values()), None)
                schema = media.get("schema") if isinstance(media, dict) else None
                self.ctx.warn("W404", pdoc, pptr, "parameter 'content' serialisation is sent as a plain value")
            annotation = self.types.annotation(pdoc, schema if schema is not None else {}, jp.join(pptr, "schema"), op_pascal + pascal(wire))
            required = bool(param.get("required")) or location == "path"
            global_name = param.get("x-sdk-client-param")
            if isinstance(global_name, str) and location != "path":
                client_name = snake_identifier(global_name)
                self.client_params.setdefault(client_name, ir.ClientParam(client_name, wire, location, f"{upper(self.config.name)}_{upper(client_name)}", _text(param.get("description"))))  # type: ignore[arg-type]
                out.append(ir.Param(client_name, wire, location, annotation, required, None, _text(param.get("description")), client_attr=client_name))  # type: ignore[arg-type]
                continue
            example = _example_source(param, schema, annotation)
            style = param.get("style")
            default_style = "simple" if location in ("path", "header") else "form"
            explode = param.get("explode")
            default_explode = style in (None, "form") if location != "path" else False
            out.append(
                ir.Param(
                    name=scope.claim(snake_identifier(wire, "param", reserved)),
                    wire=wire,
                    location=location,  # type: ignore[arg-type]
                    annotation=annotation if required else _nullable(annotation),
                    required=required,
                    default=None if required else "None",
                    description=_text(param.get("description")),
                    style=style if isinstance(style, str) and style != default_style else None,
                    explode=explode if isinstance(explode, bool) and explode != default_explode else None,
                    example=example,
                )
            )
        return out

    def _body(self, doc: str, ptr: str, op: dict[str, Any], op_pascal: str, scope: NameScope, reserved: frozenset[str]) -> ir.Body | None:
        raw = op.get("requestBody")
        if raw is None:
            return None
        try:
            bdoc, bptr, body = self.ctx.follow(doc, raw)
        except LookupError:
            self.ctx.error("E303", doc, jp.join(ptr, "requestBody"), "requestBody $ref cannot be resolved")
            return None
        where = bptr if bptr is not None else jp.join(ptr, "requestBody")
        _warn_xml(self.ctx, bdoc, where, body.get("content") if isinstance(body, dict) else None)
        picked = _pick_media(body.get("content") if isinstance(body, dict) else None)
        if picked is None:
            self.ctx.warn("W410", bdoc, where, "request body without content; not sent")
            return None
        media_type, media, kind = picked
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        mptr = jp.join(where, "content", media_type, "schema")
        required = bool(body.get("required"))
        description = _text(body.get("description"))
        if kind in ("form", "multipart"):
            fields = self._body_fields(bdoc, mptr, schema, op_pascal, scope, reserved, required)
            if fields is not None:
                return ir.Body("body", media_type, kind, "", required, description, fields)  # type: ignore[arg-type]
        if kind in ("binary", "text"):
            annotation = "FileContent" if kind == "binary" else "str"
        else:
            annotation = self.types.annotation(bdoc, schema, mptr, op_pascal + "Request")
            if kind in ("form", "multipart") and annotation in ("Any",):
                annotation = f"dict[str, {self.types._any()}]"
        return ir.Body(scope.claim("body"), media_type, kind, annotation, required, description)  # type: ignore[arg-type]

    def _target(self, doc: str, node: Any) -> tuple[str, dict[str, Any]]:
        """(document, schema) that ``node`` refers to; the schema is ``{}`` when it is not an object."""
        try:
            tdoc, _, target = self.ctx.follow(doc, node)
        except LookupError:
            return doc, {}
        return tdoc, target if isinstance(target, dict) else {}

    def _body_fields(self, doc: str, ptr: str, schema: Any, op_pascal: str, scope: NameScope, reserved: frozenset[str], body_required: bool) -> tuple[ir.BodyField, ...] | None:
        """A form or multipart body whose schema is a plain object becomes one keyword per property (files
        take a path, bytes or a file object), as users of such endpoints expect. Anything else: None."""
        try:
            sdoc, sptr, resolved = self.ctx.follow(doc, schema)
        except LookupError:
            return None
        where = sptr if sptr is not None else ptr
        props = resolved.get("properties") if isinstance(resolved, dict) else None
        if not isinstance(props, dict) or not props or any(k in resolved for k in ("allOf", "oneOf", "anyOf")):
            return None
        required = set(resolved.get("required") or []) if isinstance(resolved.get("required"), list) else set()
        fields = []
        for wire, raw in props.items():
            pptr = jp.join(where, "properties", wire)
            pdoc, prop = self._target(sdoc, raw)
            items = self._target(pdoc, prop.get("items"))[1] if prop.get("type") == "array" else None
            if _is_file_schema(prop):
                annotation, is_file = "FileInput", True
            elif _is_file_schema(items):
                annotation, is_file = "list[FileInput]", True
            else:
                annotation, is_file = self.types.annotation(sdoc, raw, pptr, op_pascal + pascal(str(wire))), False
            explicit = prop.get("x-sdk-name")
            wanted = explicit if isinstance(explicit, str) and snake(explicit) else str(wire)
            is_required = body_required and wire in required
            fields.append(
                ir.BodyField(
                    name=scope.claim(snake_identifier(wanted, "field", reserved)),
                    wire=str(wire),
                    annotation=annotation if is_required else _nullable(annotation),
                    required=is_required,
                    description=_text(prop.get("description")),
                    is_file=is_file,
                )
            )
        return tuple(fields)

    def _responses(self, doc: str, ptr: str, op: dict[str, Any], op_pascal: str) -> tuple[list[ir.Response], list[ir.Response]]:
        raw_responses = op.get("responses")
        responses: dict[Any, Any] = raw_responses if isinstance(raw_responses, dict) else {}
        success: list[ir.Response] = []
        errors: list[ir.Response] = []
        statuses = [str(s) for s in responses]
        inline_successes = sum(1 for s in statuses if s.startswith("2"))
        for status, raw in responses.items():
            status = str(status).upper() if str(status).lower() != "default" else "default"
            try:
                rdoc, rptr, response = self.ctx.follow(doc, raw)
            except LookupError:
                self.ctx.error("E303", doc, jp.join(ptr, "responses", status), "response $ref cannot be resolved")
                continue
            where = rptr if rptr is not None else jp.join(ptr, "responses", status)
            if isinstance(response, dict) and response.get("links"):
                self.ctx.warn("W602", rdoc, jp.join(where, "links"), "links are not followed; the response is returned as documented")
            _warn_xml(self.ctx, rdoc, where, response.get("content") if isinstance(response, dict) else None)
            is_success = status.startswith("2")
            hint = op_pascal + ("Response" if is_success else "Error") + ("" if (is_success and inline_successes == 1) or status == "default" else status.title())
            if rptr is not None and rptr.startswith("/components/responses/"):
                hint = pascal(jp.split(rptr)[-1])
            picked = _pick_media(response.get("content") if isinstance(response, dict) else None)
            description = _text(response.get("description")) if isinstance(response, dict) else ""
            if picked is None:
                entry = ir.Response(status, None, "empty", "None", None, description)
            else:
                media_type, media, kind = picked
                schema = media.get("schema") if isinstance(media, dict) else None
                if kind in ("json", "form", "multipart"):
                    annotation = self.types.annotation(rdoc, schema if schema is not None else {}, jp.join(where, "content", media_type, "schema"), hint)
                    entry = ir.Response(status, media_type, "json", annotation, annotation, description)
                elif kind == "text":
                    entry = ir.Response(status, media_type, "text", "str", None, description)
                else:
                    entry = ir.Response(status, media_type, "binary", "bytes", None, description)
            (success if is_success else errors).append(entry)
        if not success and not any(s == "default" for s in statuses):
            self.ctx.warn("W420", doc, jp.join(ptr, "responses"), "no 2xx response documented; successful calls return None")
        return success, errors

    def _security(self, doc: str, ptr: str, op: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
        requirements = op.get("security", self.ctx.spec.data.get("security"))
        out = []
        for requirement in requirements if isinstance(requirements, list) else []:
            if isinstance(requirement, dict):
                out.append(tuple(str(k) for k in requirement))
        return tuple(out)

    def _one_of(self, doc: str, ptr: str, op: dict[str, Any], params: list[ir.Param]) -> tuple[tuple[str, ...], ...]:
        raw = op.get("x-sdk-exactly-one-of")
        if raw is None:
            return ()
        groups = raw if isinstance(raw, list) and raw and all(isinstance(g, list) for g in raw) else [raw]
        by_wire = {p.wire: p for p in params}
        out = []
        for group in groups:
            names = []
            for wire in group if isinstance(group, list) else []:
                param = by_wire.get(wire) if isinstance(wire, str) else None
                if param is None or param.required:
                    self.ctx.error("E430", doc, jp.join(ptr, "x-sdk-exactly-one-of"), f"{wire!r} is not an optional parameter of this operation")
                    continue
                names.append(param.name)
            if len(names) >= 2:
                out.append(tuple(names))
        return tuple(out)


# -- api -----------------------------------------------------------------------------------------


def build(spec: Spec, config: ApiConfig) -> tuple[ir.Api | None, Diagnostics]:
    """The IR of a validated spec, and what was said building it (None when that has errors)."""
    diags = Diagnostics()
    data = spec.data
    doc = spec.root
    ctx = _Context(spec, diags, _class_names(spec, diags))
    types = _Types(ctx)

    # Component schemas claim their names first, in document order.
    schemas = (data.get("components") or {}).get("schemas") or {}
    for key, schema in schemas.items() if isinstance(schemas, dict) else ():
        ptr = jp.join("/components/schemas", key)
        types.annotation(doc, {"$ref": "#" + ptr}, ptr, pascal(str(key)))

    _warn_unsupported(ctx, data)
    client_params: dict[str, ir.ClientParam] = {}
    operations = _Operations(ctx, types, config, client_params)
    tree: dict[tuple[str, ...], list[ir.Operation]] = {}
    method_scopes: dict[tuple[str, ...], NameScope] = {}
    paths = data.get("paths") or {}
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method in [m for m in item if m in HTTP_METHODS]:
            op = item[method]
            if not isinstance(op, dict):
                continue
            group = tuple(_group(op))
            scope = method_scopes.setdefault(group, NameScope(CLIENT_ATTRS if not group else (), functools.partial(_method_renamed, diags, spec.label, group, str(path), method)))
            name = scope.claim(_method_name(op, method, str(path)))
            tree.setdefault(group, []).append(operations.build(str(path), method, item, op, name, doc))

    resource_modules, root_ops = _resources(tree, diags, spec.label)
    security = _security_schemes(ctx, config)
    servers = _servers(ctx)
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    client_class = pascal_identifier(config.client or info.get("title") or config.name, "Client")
    exported = [client_class, "Async" + client_class]
    api = ir.Api(
        name=config.name,
        dist_name=config.distribution,
        package=config.package_name,
        client_class=client_class,
        title=_text(info.get("title")) or config.name,
        version=str(info.get("version", "")),
        description=_text(info.get("description")),
        spec_label=spec.label,
        servers=servers,
        base_url_param=config.base_url_param,
        security_schemes=security,
        client_params=tuple(client_params.values()),
        root_operations=tuple(root_ops),
        resource_modules=tuple(resource_modules),
        enums=(),
        models=(),
        aliases=(),
        exports=tuple(exported),
    )
    api = _with_imports(_with_definitions(api, ctx.order))
    return (None if diags.has_errors else api), diags


def _class_names(spec: Spec, diags: Diagnostics, taken: Iterable[str] = ()) -> NameScope:
    """The one namespace of the generated classes and aliases."""
    return NameScope({*RESERVED_PASCAL, *taken}, lambda a, b: diags.warning("W300", spec.label, "/components/schemas", f"class name {a!r} is used twice; the second is {b!r}"))


def _with_definitions(api: ir.Api, order: list[_Definition]) -> ir.Api:
    from dataclasses import replace

    models = sorted((d.value for d in order if d.kind == "model"), key=lambda m: m.name)  # type: ignore[union-attr]
    enums = sorted((d.value for d in order if d.kind == "enum"), key=lambda e: e.name)  # type: ignore[union-attr]
    aliases = _alias_order([d.value for d in order if d.kind == "alias"])  # type: ignore[misc]
    return replace(api, enums=tuple(enums), models=tuple(models), aliases=tuple(aliases))  # type: ignore[arg-type]


#: Attributes of the generated client classes: operations and resources at the top level avoid them.
CLIENT_ATTRS = frozenset({"with_raw_response", "download", "close", "base_url", "timeout", "max_retries"})


def _resources(tree: dict[tuple[str, ...], list[ir.Operation]], diags: Diagnostics, label: str) -> tuple[list[ir.ResourceModule], list[ir.Operation]]:
    from dataclasses import replace

    def make(prefix: tuple[str, ...], attrs: tuple[str, ...]) -> ir.Resource:
        children_keys = sorted({key[len(prefix)] for key in tree if len(key) > len(prefix) and key[: len(prefix)] == prefix})
        own = [replace(op, call_path=".".join(attrs + (op.name,))) for op in tree.get(prefix, [])]
        taken = {op.name for op in own}
        children = []
        for child in children_keys:
            child_attr = child
            if child in taken:
                diags.warning("W405", label, "/paths", f"resource {'.'.join(prefix + (child,))!r} has the name of a method; the resource is reached as {child}_")
                child_attr = child + "_"
            children.append(make(prefix + (child,), attrs + (child_attr,)))
        class_name = "".join(pascal(p) for p in prefix) + "Resource"
        return ir.Resource(attrs[-1] if attrs else "", class_name, tuple(own), tuple(children))

    modules = []
    for attr in sorted({key[0] for key in tree if key}):
        modules.append(ir.ResourceModule(module=_module_name(attr), resource=make((attr,), (attr,)), model_imports=()))
    return modules, [replace(op, call_path=op.name) for op in tree.get((), [])]


_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _module_name(attr: str) -> str:
    """File stem for a resource module: a valid identifier that is a legal file name on every OS."""
    stem = attr.rstrip("_") or attr
    return stem + "_" if stem in _DEVICE_NAMES or stem in KEYWORDS else stem


def _security_schemes(ctx: _Context, config: ApiConfig) -> tuple[ir.SecurityScheme, ...]:
    data = ctx.spec.data
    schemes = (data.get("components") or {}).get("securitySchemes") or {}
    out = []
    scope = NameScope({"timeout", "max_retries", "http_client", "server", config.base_url_param, "default_headers"})
    for key, raw in schemes.items() if isinstance(schemes, dict) else ():
        ptr = jp.join("/components/securitySchemes", key)
        try:
            _, _, scheme = ctx.follow(ctx.spec.root, raw)
        except LookupError:
            continue
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        param = scope.claim(snake_identifier(scheme.get("x-sdk-name") or key, "api_key"))
        env = f"{upper(config.name)}_{upper(param)}"
        description = _text(scheme.get("description"))
        if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and isinstance(scheme.get("name"), str):
            out.append(ir.SecurityScheme(str(key), param, "apiKey", scheme["in"], scheme["name"], env, description))
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            out.append(ir.SecurityScheme(str(key), param, "bearer", "header", "Authorization", env, description))
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            out.append(ir.SecurityScheme(str(key), param, "basic", "header", "Authorization", env, description))
        elif kind in ("oauth2", "openIdConnect"):
            ctx.warn("W500", ctx.spec.root, ptr, f"{kind} flows are not run by the client; pass an access token, sent as a bearer token")
            out.append(ir.SecurityScheme(str(key), param, "bearer", "header", "Authorization", env, description))
        else:
            ctx.warn("W501", ctx.spec.root, ptr, f"security scheme type {kind!r} is not supported; configure it on a custom http_client")
    return tuple(out)


def _servers(ctx: _Context) -> tuple[ir.Server, ...]:
    servers = ctx.spec.data.get("servers")
    out = []
    scope = NameScope()
    for index, server in enumerate(servers if isinstance(servers, list) else []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        raw_variables = server.get("variables")
        variables: dict[Any, Any] = raw_variables if isinstance(raw_variables, dict) else {}
        for var, spec in variables.items():
            default = spec.get("default") if isinstance(spec, dict) else None
            url = url.replace("{" + str(var) + "}", str(default) if default is not None else "")
        if "{" in url:
            ctx.warn("W510", ctx.spec.root, jp.join("/servers", index, "url"), "server URL has undefined variables; skipped")
            continue
        if not url.startswith(("http://", "https://")):
            ctx.warn("W511", ctx.spec.root, jp.join("/servers", index, "url"), f"server URL {url!r} is not absolute; pass a base URL to the client")
            continue
        wanted = server.get("x-sdk-server-name") or server.get("description") or f"server_{index}"
        out.append(ir.Server(scope.claim(snake_identifier(str(wanted), f"server_{index}")), url, _text(server.get("description"))))
    return tuple(out)


def _warn_unsupported(ctx: _Context, data: dict[str, Any]) -> None:
    if data.get("webhooks"):
        ctx.warn("W600", ctx.spec.root, "/webhooks", "webhooks are not generated")
    for path, item in (data.get("paths") or {}).items() if isinstance(data.get("paths"), dict) else ():
        for method, op in item.items() if isinstance(item, dict) else ():
            if method in HTTP_METHODS and isinstance(op, dict) and op.get("callbacks"):
                ctx.warn("W601", ctx.spec.root, jp.join("/paths", path, method, "callbacks"), "callbacks are not generated")


def _warn_xml(ctx: _Context, doc: str, where: str, content: Any) -> None:
    """XML is carried as text or bytes, not mapped to models: say so where XML is the only choice."""
    if not isinstance(content, dict) or not content:
        return
    kinds = [str(mt).split(";")[0].strip().lower() for mt in content]
    if all(k.endswith("/xml") or k.endswith("+xml") for k in kinds):
        ctx.warn("W603", doc, jp.join(where, "content"), "XML is not parsed into models; the body is passed as text or bytes")


def _alias_order(aliases: list[ir.Alias]) -> list[ir.Alias]:
    by_name = {a.name: a for a in aliases}
    ordered: list[ir.Alias] = []
    state: dict[str, int] = {}

    def visit(alias: ir.Alias) -> None:
        if state.get(alias.name) == 2:
            return
        if state.get(alias.name) == 1:
            return  # a cycle through aliases only; pydantic resolves it lazily
        state[alias.name] = 1
        for dep in alias.depends_on:
            if dep in by_name:
                visit(by_name[dep])
        state[alias.name] = 2
        ordered.append(alias)

    for alias in sorted(aliases, key=lambda a: a.name):
        visit(alias)
    return ordered


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = re.compile(r"\w+")
#: What the fixed code of resource and client modules uses.
RESOURCE_IMPORTS = ("from collections.abc import Mapping", "from functools import cached_property")
RESOURCE_RUNTIME = ("NOT_GIVEN", "AsyncResource", "Endpoint", "NotGiven", "SyncResource", "Timeout")
CLIENT_RUNTIME = ("DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "NOT_GIVEN", "AsyncAPIClient", "Credential", "Endpoint", "NotGiven", "SyncAPIClient", "Timeout", "env_or", "select_base_url")


def _std_imports(texts: Iterable[str], always: Iterable[str] = ()) -> tuple[str, ...]:
    """The standard-library import block a module needs, sorted as isort would, decided here so templates
    only print it. ``always`` adds lines the template's fixed code uses."""
    joined = "\n".join(texts)
    lines = set(always)
    if "_dt." in joined:
        lines.add("import datetime as _dt")
    if "_t." in joined:
        lines.add("import typing as _t")
    typing_names = sorted(n for n in ("Any", "Literal", "overload") if re.search(rf"\b{n}\b", joined))
    if typing_names:
        lines.add(f"from typing import {', '.join(typing_names)}")
    return tuple(sorted(lines, key=lambda line: (line.startswith("from "), line.split()[1], line)))


#: Names of the runtime module that generated signatures may use, besides the fixed ones.
RUNTIME_TYPES = ("DownloadTarget", "FileContent", "FileInput")


def _runtime_imports(texts: Iterable[str], always: Iterable[str]) -> tuple[str, ...]:
    """What a module imports from ``_runtime``: the fixed names plus the file types its signatures use."""
    joined = "\n".join(texts)
    used = {n for n in RUNTIME_TYPES if re.search(rf"\b{n}\b", joined)}
    # isort's order: CONSTANTS, then Classes, then functions.
    return tuple(sorted(set(always) | used, key=lambda n: (not n.isupper(), not n[:1].isupper(), n)))


def _op_texts(ops: Iterable[ir.Operation]) -> list[str]:
    texts: list[str] = []
    for op in ops:
        texts += [p.annotation for p in op.params] + [r.annotation for r in op.responses + op.errors] + [op.return_annotation]
        if op.body:
            texts += [op.body.annotation] + [f.annotation for f in op.body.fields or ()]
        if op.download:
            texts += ["DownloadTarget", "overload"]
    return texts


def _with_imports(api: ir.Api) -> ir.Api:
    """Decide what each module imports, once."""
    from dataclasses import replace

    model_names = {m.name for m in api.models} | {e.name for e in api.enums} | {a.name for a in api.aliases}

    def names_in(texts: list[str]) -> tuple[str, ...]:
        found: set[str] = set()
        for text in texts:
            found |= set(_IDENT.findall(text)) & model_names
        return tuple(sorted(found))

    modules = []
    for module in api.resource_modules:
        texts = _op_texts(op for r in module.resource.walk() for op in r.operations)
        modules.append(
            replace(
                module,
                model_imports=names_in(texts),
                std_imports=_std_imports(texts + ["Any"], RESOURCE_IMPORTS),  # extra_query uses Any
                runtime_imports=_runtime_imports(texts, RESOURCE_RUNTIME),
            )
        )
    model_texts = [f.annotation for m in api.models for f in m.fields] + [m.extra_annotation or "" for m in api.models] + [a.annotation for a in api.aliases]
    root_texts = _op_texts(api.root_operations)
    return replace(
        api,
        resource_modules=tuple(modules),
        root_model_imports=names_in(root_texts),
        root_std_imports=_std_imports(root_texts + ["Any"] + (["Literal"] if api.servers else []), RESOURCE_IMPORTS),
        root_runtime_imports=_runtime_imports(root_texts, CLIENT_RUNTIME),
        models_std_imports=_std_imports(model_texts),
    )
