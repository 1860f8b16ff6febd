"""Responses that do not follow the API's description, parsed all the same, and what differed.

A body is first validated strictly (``_runtime``): when it matches, nothing here runs unless the client
observes (``observe=``) or is strict (``strict_responses=True``), and then ``inspect`` walks the parsed
value for what validation accepts but the description does not say (a property it does not declare, an
enum value or a union member it does not list). When it does not match, ``build`` parses it against the
same types by hand: every value that fits is parsed as validation would, every value that does not is
kept as received, a required property missing or a null where none is allowed is let be, and each
difference is a ``Finding`` at its JSON pointer. Findings never hold a value the server sent, except an
enum value or a tag that looks like vocabulary.

Loaded on the first response that needs it; hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import collections.abc
import datetime as _dt
import decimal
import enum
import json
import re
import sys
import types
import typing
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pydantic

from ._model import UnknownVariant
from ._observations import Finding, vocabulary
from ._runtime import Discriminated, _OpenEnum

__all__ = ["Walk", "build", "expected", "inspect", "observed"]

_SCALARS = (str, int, float, bool, type(None))
_STRING_FORMATS = (
    (
        "uuid",
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    ),
    (
        "date-time",
        re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:?\d\d)?"),
    ),
    ("date", re.compile(r"\d{4}-\d\d-\d\d")),
    ("email", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    ("uri", re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")),
)
#: Property names recorded as sent; any other (a key that may be data: an e-mail, a sentence) is "*".
_PROPERTY_NAME = re.compile(r"[A-Za-z_$@][A-Za-z0-9_.$-]{0,63}")
_LEAVES: dict[Any, pydantic.TypeAdapter[Any]] = {}
_UNION_TYPES: tuple[Any, ...] = (Union, types.UnionType)


def observed(value: Any) -> str:
    """A value's JSON type, and for a string the format it looks like: ``string (date)``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        for name, pattern in _STRING_FORMATS:
            if pattern.fullmatch(value):
                return f"string ({name})"
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def expected(tp: Any) -> str:
    """What the description says a value is, from the type the client parses it as."""
    origin = get_origin(tp)
    if origin is Annotated:
        return expected(get_args(tp)[0])
    if origin in _UNION_TYPES:
        parts = [expected(a) for a in get_args(tp) if a is not UnknownVariant]
        return " | ".join(dict.fromkeys(parts))
    if origin is Literal:
        return " | ".join(dict.fromkeys(observed(a) for a in get_args(tp)))
    if origin in (list, tuple, set, frozenset, collections.abc.Sequence):
        return "array"
    if origin in (dict, collections.abc.Mapping):
        return "object"
    if tp is type(None) or tp is None:
        return "null"
    if not isinstance(tp, type):
        return "any"
    if issubclass(tp, enum.Enum):
        return "integer" if issubclass(tp, int) else "string"
    if issubclass(tp, pydantic.BaseModel):
        return "object"
    return _LEAF_NAMES.get(tp, "any")


_LEAF_NAMES: dict[Any, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    decimal.Decimal: "number",
    _dt.datetime: "string (date-time)",
    _dt.date: "string (date)",
    _dt.time: "string (time)",
    _dt.timedelta: "string (duration)",
    uuid.UUID: "string (uuid)",
    bytes: "string (binary)",
}


def _segment(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _key(name: Any) -> str:
    """An unknown property's name as a pointer segment: as sent when it looks like a name, else "*"."""
    return _segment(name) if isinstance(name, str) and _PROPERTY_NAME.fullmatch(name) else "*"


#: Findings a walk keeps (a body of a hundred thousand items that each say more keeps this many; the
#: rest are counted, so union members are still told apart by them).
MAX_WALK_FINDINGS = 10_000
_SOFT = ("unknown-property", "unknown-enum-value")


class Walk:
    """The findings of one body, and the response they are in. ``tried``: each union member's result for
    each value (by identity, at its place; the entry holds the value, so no other takes its id), shared
    by the walk and its trials, so a union nested in a union's members is tried once per member and
    value, not once per path through the members above it."""

    __slots__ = ("where", "findings", "pinned", "held", "dropped", "tried")

    def __init__(
        self, where: str, tried: dict[tuple[int, str, int], tuple[Any, Any, Walk]] | None = None
    ) -> None:
        self.where = where
        self.findings: list[Finding] = []
        self.pinned = 0  # values that differ from a constant (a member's or an event's own tag)
        self.held = 0  # values equal to a constant
        self.dropped = 0  # findings past MAX_WALK_FINDINGS that say the value does not fit
        self.tried = {} if tried is None else tried

    def add(
        self,
        kind: str,
        pointer: str,
        expected: str | None = None,
        observed: str | None = None,
        value: str | None = None,
    ) -> None:
        if len(self.findings) >= MAX_WALK_FINDINGS:
            self.dropped += kind not in _SOFT
            return
        self.findings.append(Finding(kind, self.where, pointer, expected, observed, value))

    def hard(self) -> int:
        """How many findings say the value does not fit (not merely that it says more): a constant that
        differs counts, since it tells union members (and events) apart."""
        return self.pinned + self.dropped + sum(f.kind not in _SOFT for f in self.findings)

    def take(self, other: Walk) -> None:
        """``other``'s findings and counts added to this walk's (a trial chosen)."""
        self.pinned += other.pinned
        self.held += other.held
        self.dropped += other.dropped
        room = MAX_WALK_FINDINGS - len(self.findings)
        self.findings += other.findings[:room]
        self.dropped += sum(f.kind not in _SOFT for f in other.findings[room:])


@dataclass(frozen=True)
class _Plan:
    """How to walk a model class: its fields (Python name, wire name, type, required), the type of the
    properties it declares as a map (None when it declares none), and whether it takes any property.
    """

    fields: tuple[tuple[str, str, Any, bool], ...]
    extra: Any
    open: bool
    not_null: frozenset[str]  # Python names of optional fields whose schema does not take null


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[pydantic.BaseModel]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    module = sys.modules.get(cls.__module__)
    hints = typing.get_type_hints(
        cls, globalns=vars(module) if module else None, include_extras=True
    )
    fields = tuple(
        (name, info.alias or name, hints.get(name, Any), info.is_required())
        for name, info in cls.model_fields.items()
    )
    extra_hint = hints.get("__pydantic_extra__")
    extra = get_args(extra_hint)[1] if get_args(extra_hint) else None
    is_open = bool(getattr(cls, "__wire_open__", False)) or issubclass(cls, UnknownVariant)
    wires: frozenset[str] = getattr(cls, "__wire_not_null__", frozenset())
    not_null = frozenset(name for name, wire, _, _ in fields if wire in wires)
    plan = _PLANS[cls] = _Plan(fields, extra, is_open, not_null)
    return plan


def _allows_none(tp: Any) -> bool:
    origin = get_origin(tp)
    if origin is Annotated:
        return _allows_none(get_args(tp)[0])
    if origin in _UNION_TYPES:
        return any(_allows_none(a) for a in get_args(tp))
    if origin is Literal:
        return None in get_args(tp)
    return tp is None or tp is type(None) or tp is Any or tp is object


def _leaf(tp: Any) -> pydantic.TypeAdapter[Any]:
    adapter = _LEAVES.get(tp)
    if adapter is None:
        adapter = _LEAVES[tp] = pydantic.TypeAdapter(tp)
    return adapter


# -- parsing what does not match ----------------------------------------------------------------------


def build(tp: Any, value: Any, pointer: str, walk: Walk) -> Any:
    """``value`` (decoded JSON) parsed as ``tp`` as far as it fits, each difference added to ``walk``."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        tagged = next((m for m in meta if isinstance(m, Discriminated)), None)
        if tagged is not None and value is not None:
            return _discriminated(base, tagged, value, pointer, walk)
        return build(base, value, pointer, walk)
    if tp is Any or tp is object:
        return value
    if value is None:
        if not _allows_none(tp):
            walk.add("unexpected-null", pointer, expected(tp), "null")
        return None
    if origin in _UNION_TYPES:
        return _union([a for a in get_args(tp) if a is not type(None)], value, pointer, walk)
    if origin is Literal:
        allowed = get_args(tp)
        if any(value == a and type(value) is type(a) for a in allowed):
            walk.held += 1
            return value
        word = vocabulary(value)
        walk.add("unknown-enum-value", pointer, expected(tp), word or observed(value), word)
        walk.pinned += 1
        return value
    if origin in (list, tuple, set, frozenset, collections.abc.Sequence):
        if not isinstance(value, list):
            walk.add("type-mismatch", pointer, "array", observed(value))
            return value
        args = get_args(tp)
        item = args[0] if args else Any
        inner = f"{pointer}/*"
        return [build(item, v, inner, walk) for v in value]
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            walk.add("type-mismatch", pointer, "object", observed(value))
            return value
        args = get_args(tp)
        item = args[1] if len(args) == 2 else Any
        inner = f"{pointer}/*"
        return {k: build(item, v, inner, walk) for k, v in value.items()}
    if isinstance(tp, type):
        if issubclass(tp, pydantic.BaseModel):
            return _model(tp, value, pointer, walk)
        if issubclass(tp, enum.Enum):
            return _enum(tp, value, pointer, walk)
    try:
        return _leaf(tp).validate_json(json.dumps(value), strict=True)
    except (pydantic.ValidationError, TypeError, ValueError):
        walk.add("type-mismatch", pointer, expected(tp), observed(value))
        return value


def _enum(tp: type[enum.Enum], value: Any, pointer: str, walk: Walk) -> Any:
    wanted: type = int if issubclass(tp, int) else str
    if isinstance(value, bool) or not isinstance(value, wanted):
        walk.add("type-mismatch", pointer, expected(tp), observed(value))
        return value
    try:
        member = tp(value)
    except ValueError:  # a closed enum
        member = None
    if member is None or getattr(member, "is_unknown", False):
        word = vocabulary(value)
        walk.add("unknown-enum-value", pointer, expected(tp), word or observed(value), word)
    return member if member is not None else value


def _union(members: list[Any], value: Any, pointer: str, walk: Walk) -> Any:
    if len(members) == 1:
        return build(members[0], value, pointer, walk)
    best: tuple[tuple[int, int], Any, Walk] | None = None
    for member in members:
        if member is UnknownVariant:
            continue
        key = (id(value), pointer, id(member))
        if key not in walk.tried:  # each member once for each value (see ``Walk``)
            trial = Walk(walk.where, walk.tried)
            walk.tried[key] = (value, build(member, value, pointer, trial), trial)
        _, made, trial = walk.tried[key]  # the value is held there, so its id names it throughout
        score = (trial.hard(), len(trial.findings))
        if score == (0, 0):
            return made
        if best is None or score < best[0]:
            best = (score, made, trial)
    if best is None:
        return value
    _, made, trial = best
    if not trial.dropped and all(
        f.kind == "type-mismatch" and f.pointer == pointer for f in trial.findings
    ):
        # none of the members' types: say so once, naming them all
        walk.pinned += trial.pinned
        walk.held += trial.held
        walk.add("type-mismatch", pointer, expected(Union[tuple(members)]), observed(value))
        return value
    walk.take(trial)
    return made


def _discriminated(base: Any, tagged: Discriminated, value: Any, pointer: str, walk: Walk) -> Any:
    members = {getattr(m, "__name__", ""): m for m in get_args(base)}
    known = [m for m in get_args(base) if m is not UnknownVariant]
    tag = value.get(tagged.wire) if isinstance(value, dict) else None
    if isinstance(tag, str) and tag in tagged.tags and tagged.tags[tag] in members:
        return build(members[tagged.tags[tag]], value, pointer, walk)
    if isinstance(tag, str) and tag and UnknownVariant in members.values():
        word = vocabulary(tag)
        walk.add(
            "unknown-discriminator",
            pointer,
            " | ".join(sorted(tagged.tags)),
            word or observed(tag),
            word,
        )
        return _unknown_variant(value, tagged.wire)
    return _union(known, value, pointer, walk)


def _unknown_variant(value: dict[str, Any], wire: str) -> UnknownVariant:
    made = UnknownVariant.model_construct(_fields_set=set())
    object.__setattr__(made, "__pydantic_extra__", dict(value))
    made._wire = wire
    return made


def _model(cls: type[pydantic.BaseModel], value: Any, pointer: str, walk: Walk) -> Any:
    if not isinstance(value, dict):
        walk.add("type-mismatch", pointer, "object", observed(value))
        return value
    plan = _plan(cls)
    values: dict[str, Any] = {}
    present: set[str] = set()
    used: set[str] = set()
    for name, wire, tp, required in plan.fields:
        here = f"{pointer}/{_segment(wire)}"
        if wire in value:
            used.add(wire)
            present.add(name)
            if value[wire] is None and name in plan.not_null:
                walk.add("unexpected-null", here, expected(tp).removesuffix(" | null"), "null")
            values[name] = build(tp, value[wire], here, walk)
        elif required:
            walk.add("missing-required", here, wire)
            values[name] = None
    extra = {k: v for k, v in value.items() if k not in used}
    if extra:
        if plan.extra is not None:
            inner = f"{pointer}/*"
            extra = {k: build(plan.extra, v, inner, walk) for k, v in extra.items()}
        elif not plan.open:
            for k, v in extra.items():
                walk.add("unknown-property", f"{pointer}/{_key(k)}", None, observed(v))
    made = cls.model_construct(_fields_set=present, **values)
    object.__setattr__(made, "__pydantic_extra__", extra)
    return made


# -- what a matching body says more than the description ----------------------------------------------


def inspect(value: Any, pointer: str, walk: Walk) -> None:
    """Add to ``walk`` what a validated ``value`` holds that its description does not list: properties
    it does not declare, enum values and union members it does not know."""
    if isinstance(value, _SCALARS):
        if isinstance(value, _OpenEnum) and value.is_unknown:
            word = vocabulary(value.value)
            walk.add(
                "unknown-enum-value",
                pointer,
                expected(type(value)),
                word or observed(value.value),
                word,
            )
        return
    if isinstance(value, UnknownVariant):
        tag = value.tag
        word = vocabulary(tag)
        walk.add("unknown-discriminator", pointer, None, word or observed(tag), word)
        return
    if isinstance(value, pydantic.BaseModel):
        plan = _plan(type(value))
        held = value.__dict__
        for name, wire, tp, _ in plan.fields:
            item = held.get(name)
            if item is None:
                if name in plan.not_null and name in value.model_fields_set:
                    here = f"{pointer}/{_segment(wire)}"
                    walk.add("unexpected-null", here, expected(tp).removesuffix(" | null"), "null")
            elif not isinstance(item, _SCALARS) or isinstance(item, enum.Enum):
                inspect(item, f"{pointer}/{_segment(wire)}", walk)
        extra = value.__pydantic_extra__
        if extra:
            if plan.extra is not None:
                for item in extra.values():
                    inspect(item, f"{pointer}/*", walk)
            elif not plan.open:
                for k, v in extra.items():
                    walk.add("unknown-property", f"{pointer}/{_key(k)}", None, observed(v))
        return
    if isinstance(value, (list, tuple)):
        inner = f"{pointer}/*"
        for item in value:
            if not isinstance(item, _SCALARS) or isinstance(item, enum.Enum):
                inspect(item, inner, walk)
    elif isinstance(value, dict):
        inner = f"{pointer}/*"
        for item in value.values():
            if isinstance(item, (pydantic.BaseModel, enum.Enum, list, dict)):
                inspect(item, inner, walk)
