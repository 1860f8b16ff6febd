"""Type mapping: a schema becomes a Python annotation, defining models, enums and aliases on first use."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from .. import ir
from .. import pointer as jp
from ..escape import SpecText
from ..names import (
    RESERVED_FIELDS,
    NameScope,
    enum_member,
    join_pascal,
    pascal_identifier,
    snake_identifier,
)
from .context import Context, Definition, Hint, LazyHint, _prose, _source, pyrepr_literal
from .naming import _field_hint, _member_hint_of, _name_candidates, _ref_name


class Types:
    """Schema -> annotation, creating models, enums and aliases as it goes."""

    def __init__(self, ctx: Context):
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
        if isinstance(target, dict) and (
            (tdoc, tptr or "") in self.ctx.defs
            or _is_definable(target)
            or (_is_named_component(tptr) and not _is_primitive(target))
        ):
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
        name = self._class_name(doc, ptr, schema, wanted, kind)
        definition = Definition(name, kind)
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

    def _class_name(self, doc: str, ptr: str, schema: dict[str, Any], wanted: str, kind: str) -> str:
        """The class name of the schema at ``doc#ptr``: the one the names lock keeps for it, else the first
        free of its candidates (an ``x-sdk-name`` wins over the lock: the schema the lock kept the name for
        is then named again, ``build``)."""
        key = self.ctx.schema_key(doc, ptr)
        candidates = _name_candidates(pascal_identifier(wanted, "Model"), ptr, kind)
        scope = self.ctx.names
        if isinstance(schema.get("x-sdk-name"), str) and scope.held(key) != candidates[0]:
            other = scope.holder_of(candidates[0])
            if other is not None:
                self.ctx.displaced.add(other)
            name = scope.claim_first(candidates)
        else:
            name = scope.claim_first(candidates, holder=key)
        self.ctx.given.classes[key] = name
        return name

    def _enum(self, doc: str, ptr: str, schema: dict[str, Any], name: str, description: SpecText) -> ir.Enum:
        base = _enum_base(schema)
        renamed: list[tuple[str, str]] = []
        # What holds a member, as the names lock knows it; a value listed twice is one member (the lock
        # keeps one name for it, which a second member would take from the first when read back).
        values = [v for v in schema.get("enum", []) if v is not None]
        first: dict[str, int] = {}  # literal -> where it is first listed
        for position, value in enumerate(values):
            first.setdefault(pyrepr_literal(value), position)
        literals = list(first)
        key = self.ctx.schema_key(doc, ptr)
        locked = self.ctx.lock.members.get(key, {})
        present = set(literals)
        scope = self.ctx.given.watch(
            NameScope(
                on_collision=lambda a, b: renamed.append((a, b)),
                held={literal: member for literal, member in locked.items() if literal in present},
            )
        )
        given = self.ctx.given.members.setdefault(key, {})
        raw_names = schema.get("x-enum-varnames")
        varnames: list[Any] = raw_names if isinstance(raw_names, list) else []
        members = []
        for literal, index in first.items():
            named = index < len(varnames) and isinstance(varnames[index], str)
            wanted = enum_member(varnames[index] if named else values[index])
            if named and scope.held(literal) not in (None, wanted):
                scope.release(literal)  # x-enum-varnames wins over the lock
            given[literal] = scope.claim(wanted, holder=literal)
            members.append(ir.EnumMember(given[literal], literal))
        if renamed:  # one warning for the enum, however many of its members collide
            shown = ", ".join(f"{a!r} -> {b!r}" for a, b in renamed[:3])
            more = f" and {len(renamed) - 3} more" if len(renamed) > 3 else ""
            self.ctx.warn(
                "W310",
                doc,
                jp.join(ptr, "enum"),
                f"{len(renamed)} enum member name(s) collide, renamed: {shown}{more};"
                " x-enum-varnames on the schema names them",
            )
        return ir.Enum(
            name, description, "int" if base == "int" else "str", tuple(members), _source(self.ctx, doc, ptr)
        )

    def _model(
        self, doc: str, ptr: str, schema: dict[str, Any], name: str, description: SpecText, depth: int
    ) -> ir.Model:
        properties, required, extra = self._collect_object(doc, schema, ptr, depth)
        key = self.ctx.schema_key(doc, ptr)
        locked = self.ctx.lock.fields.get(key, {})
        present = {wire for _d, _p, wire, _s in properties}
        scope = self.ctx.given.watch(
            NameScope(
                on_collision=lambda a, b: self.ctx.warn(
                    "W311", doc, ptr, f"properties map to the same field name {a!r}; one is renamed {b!r}"
                ),
                held={wire: name for wire, name in locked.items() if wire in present},
            )
        )
        given = self.ctx.given.fields.setdefault(key, {})
        fields = []
        for prop_doc, prop_ptr, wire, prop in properties:
            field_name = scope.claim(snake_identifier(wire, "field", RESERVED_FIELDS), holder=wire)
            given[wire] = field_name
            hint = LazyHint(functools.partial(_field_hint, name, wire))
            annotation = self._annotation(prop_doc, prop, prop_ptr, hint, depth + 1)
            prop_schema = _described(prop) if isinstance(prop, dict) else {}
            read_only, write_only = self._direction(prop_doc, prop_schema)
            # One model serves both directions: a property the server alone sets (readOnly) is never
            # required, so a request can be built without it (and it is never sent: the runtime leaves
            # ``read_only`` wires out of request bodies); one the client alone sends (writeOnly) is
            # never required, so a response without it parses.
            is_required = wire in required and not (read_only or write_only)
            null_allowed = _nullable(annotation) == annotation
            if not is_required:
                annotation = _nullable(annotation)
            fields.append(
                ir.Field(
                    name=field_name,
                    wire=SpecText(str(wire)),
                    annotation=annotation,
                    required=is_required,
                    default=None if is_required else "None",
                    description=_prose(prop_schema.get("description") or prop_schema.get("title")),
                    deprecated=prop_schema.get("deprecated") is True,
                    read_only=read_only,
                    null_allowed=null_allowed,
                    deprecation=(
                        SpecText(f"{name}.{field_name} is deprecated by the API")
                        if prop_schema.get("deprecated") is True
                        else None
                    ),
                )
            )
        extra_annotation = None
        if isinstance(extra, dict) and extra:
            extra_annotation = self._annotation(
                doc, extra, jp.join(ptr, "additionalProperties"), join_pascal(name, "Value"), depth + 1
            )
        return ir.Model(
            name,
            description,
            tuple(fields),
            _source(self.ctx, doc, ptr),
            allow_extra=extra is not False,
            extra_annotation=extra_annotation,
            open_extra=extra is True or extra == {},
        )

    def _direction(self, doc: str, schema: dict[str, Any]) -> tuple[bool, bool]:
        """(readOnly, writeOnly) of a property, on it or on the schema it refers to."""
        found = [schema]
        if "$ref" in schema:
            try:
                found.append(self.ctx.follow(doc, schema)[2])
            except LookupError:
                pass
        marks = [s for s in found if isinstance(s, dict)]
        return any(s.get("readOnly") is True for s in marks), any(s.get("writeOnly") is True for s in marks)

    def _collect_object(
        self, doc: str, schema: dict[str, Any], ptr: str, depth: int
    ) -> tuple[list[tuple[str, str, str, Any]], set[str], Any]:
        """Properties (with where they come from), required names and additionalProperties, allOf merged."""
        properties: dict[str, tuple[str, str, str, Any]] = {}
        required: set[str] = set()
        extra: Any = None  # not declared (any property is taken, none is expected)
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
                nested, nested_required, nested_extra = (
                    self._collect_object(pdoc, part, pptr, depth + 1) if part.get("allOf") else ([], set(), None)
                )
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
                    self.ctx.warn(
                        "W320",
                        pdoc,
                        jp.join(pptr, key),
                        f"{key} next to properties is not modelled; the listed properties are kept"
                        " and the rest stays as extra fields",
                    )
        return list(properties.values()), required, extra

    def _structural(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, depth: int) -> str:
        """Annotations that need no class of their own: primitives, arrays, maps, unions, consts."""
        nullable = _allows_null(schema)
        if "const" in schema:
            const = schema["const"]
            if const is None or isinstance(const, (str, int, bool)):
                return _maybe_null(f"Literal[{pyrepr_literal(const)}]", nullable and const is not None)
            # typing's Literal takes no float, list or mapping: the value's JSON type, unchecked
            self.ctx.info(
                "I322",
                doc,
                jp.join(ptr, "const"),
                "a const that is a number with a fraction, a list or an object is typed by its JSON type;"
                " its value is not checked",
            )
            kind = (
                "float"
                if isinstance(const, float)
                else f"list[{self._any()}]"
                if isinstance(const, list)
                else f"dict[str, {self._any()}]"
            )
            return _maybe_null(kind, nullable)
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
                    member_hint = LazyHint(functools.partial(_member_hint_of, hint, member, index, schema[key]))
                    members.append(self._annotation(doc, member, jp.join(ptr, key, index), member_hint, depth + 1))
                tagged = self._discriminated(doc, schema, schema[key], members)
                return _maybe_null(tagged or _union(members), nullable)
        if isinstance(schema.get("allOf"), list) and schema["allOf"]:
            narrowed = self._narrowed(doc, schema, ptr, hint, depth)
            if narrowed is not None:
                return narrowed
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

    def _narrowed(self, doc: str, schema: dict[str, Any], ptr: str, hint: Hint, depth: int) -> str | None:
        """An allOf that makes no object (``_is_object``): the type of the member that says what its values
        are, narrowed by the members beside it that only annotate or constrain them. ``{type: string}``
        with ``{nullable: false}`` is a ``str``, ``{$ref: X}`` with ``{description: ...}`` is ``X``,
        ``{type: integer}`` with ``{minimum: 0}`` an ``int``; ``{nullable: true}`` beside a member lets
        null through. Of several members that are not all objects (``{$ref: Id}`` with ``{type:
        string}``), the first reference, else the first: each accepts every value the allOf accepts.
        None where the schema's own type decides (no member says, or several do beside a ``type``)."""
        members = schema["allOf"]
        said = [(i, m) for i, m in enumerate(members) if isinstance(m, dict) and not narrowing_only(m)]
        if not said or (len(said) > 1 and [t for t in _types(schema) if t != "null"]):
            return None
        index, member = next(((i, m) for i, m in said if "$ref" in m), said[0]) if len(said) > 1 else said[0]
        where = jp.join(ptr, "allOf", index)
        narrowing = [m for m in members if isinstance(m, dict) and narrowing_only(m)]
        constraints = sorted({str(k) for m in narrowing for k in m if k in CONSTRAINTS})
        fmt = next((m["format"] for m in narrowing if "format" in m), None)
        if fmt is not None and "$ref" not in member and "format" not in member:
            member = {**member, "format": fmt}
        nullable = _allows_null(schema) or any(m.get("nullable") is True for m in narrowing)
        annotation = _maybe_null(self._annotation(doc, member, where, hint, depth + 1), nullable)
        if len(said) > 1:
            self.ctx.info(
                "I323",
                doc,
                jp.join(ptr, "allOf"),
                f"allOf of {len(said)} schemas that are not all objects is typed as allOf/{index}"
                f" ({annotation}), which accepts every value the allOf accepts",
            )
        elif constraints:
            self.ctx.info(
                "I324",
                doc,
                jp.join(ptr, "allOf"),
                f"allOf members that only constrain values ({', '.join(constraints)}) narrow allOf/{index}:"
                f" typed as {annotation}, not as an object of their own",
            )
        return annotation

    def _discriminated(self, doc: str, schema: dict[str, Any], raw: list[Any], members: list[str]) -> str | None:
        """``Annotated[A | B, Discriminated("kind", {"a": "A", ...})]`` for a union with a discriminator
        whose members are all model classes: a value whose tag names a member is validated as that
        member alone; any other value (a tag this version does not know) as the plain union."""
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            return None
        models = {d.name for d in self.ctx.defs.values() if d.kind == "model"}
        if len(members) < 2 or not all(m in models for m in members):
            return None
        given = discriminator.get("mapping")
        mapping: dict[str, Any] = given if isinstance(given, dict) else {}
        tags: dict[str, str] = {}
        for member, annotation in zip(raw, members, strict=True):
            ref = member.get("$ref") if isinstance(member, dict) else None
            if not isinstance(ref, str):
                return None
            named = [str(t) for t, target in mapping.items() if target in (ref, ref.rsplit("/", 1)[-1])]
            for tag in named or [ref.rsplit("/", 1)[-1]]:  # implicit: the component's name
                tags.setdefault(tag, annotation)
        table = ", ".join(f"{pyrepr_literal(tag)}: {pyrepr_literal(name)}" for tag, name in tags.items())
        wire = pyrepr_literal(discriminator["propertyName"])
        return f"Annotated[{_union([*members, 'UnknownVariant'])}, Discriminated({wire}, {{{table}}})]"

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
                self.ctx.warn(
                    "W323", doc, jp.join(ptr, "prefixItems"), "tuple validation (prefixItems) is typed as a list"
                )
            inner = self._annotation(
                doc, items, jp.join(ptr, "items"), LazyHint(lambda: join_pascal(str(hint), "Item")), depth + 1
            )
            return f"list[{inner}]"
        if type_name == "object":
            extra = schema.get("additionalProperties", True)
            if isinstance(extra, dict) and extra:
                inner = self._annotation(
                    doc,
                    extra,
                    jp.join(ptr, "additionalProperties"),
                    LazyHint(lambda: join_pascal(str(hint), "Value")),
                    depth + 1,
                )
                return f"dict[str, {inner}]"
            return f"dict[str, {self._any()}]"
        self.ctx.warn("W324", doc, jp.join(ptr, "type"), f"unknown type {type_name!r}; typed as Any")
        return self._any()


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


#: Keywords that describe a schema without constraining the values it accepts.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "externalDocs",
        "xml",
    }
)

#: Keywords that narrow the values a schema accepts without changing their Python type: bounds, lengths,
#: patterns, a format, nullability, a default.
CONSTRAINTS = frozenset(
    {
        "nullable",
        "format",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "contentEncoding",
        "contentMediaType",
    }
)


def narrowing_only(member: Any) -> bool:
    """An allOf member that only annotates or constrains (``{description: ...}``, ``{nullable: false}``,
    ``{minimum: 0}``): it narrows the member beside it, and makes no object of its own."""
    return member is True or (
        isinstance(member, dict)
        and all(k in _ANNOTATIONS or k in CONSTRAINTS or str(k).startswith("x-") for k in member)
    )


def _object_like(member: Any) -> bool:
    """An allOf member that can add to an object: a reference, or an inline schema typed object or not
    typed at all (``{properties: ...}``, ``{required: [...]}``)."""
    if not isinstance(member, dict):
        return False
    return "$ref" in member or [t for t in _types(member) if t != "null"] in ([], ["object"])


def _merged_members(schema: dict[str, Any]) -> list[Any]:
    """The members of ``schema``'s allOf that say what its values are (not ``narrowing_only``)."""
    members = schema.get("allOf")
    return [m for m in members if not narrowing_only(m)] if isinstance(members, list) else []


def _is_object(schema: dict[str, Any]) -> bool:
    if "properties" not in schema and "allOf" not in schema:
        return False  # most schemas asked about: what follows cannot hold
    types = [t for t in _types(schema) if t != "null"]
    has_props = isinstance(schema.get("properties"), dict) and bool(schema["properties"])
    merged = _merged_members(schema)
    merges = len(merged) > 1 and all(_object_like(m) for m in merged)
    return (types in ([], ["object"])) and (has_props or merges)


def _described(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``'s annotations (description, title, deprecated, readOnly...) with those of its allOf
    members that only annotate or constrain (``allOf: [{$ref: X}, {description: ..., deprecated: true}]``),
    its own first."""
    found: dict[str, Any] = {}
    members = schema.get("allOf")
    if not members:
        return schema  # nothing to add (callers only read it)
    for member in members if isinstance(members, list) else []:
        if isinstance(member, dict) and narrowing_only(member):
            for key, value in member.items():
                if key in _ANNOTATIONS:
                    found.setdefault(key, value)
    return {**found, **schema}


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


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_WORDS = re.compile(r"\w+")
