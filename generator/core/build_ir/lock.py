"""The names lock: the names a generation gave, read by the next one so that what a vendor adds never
renames what is there.

Each generated package holds ``names.lock.json`` (beside ``spec-snapshot.json``): by operation
(``"PATCH /jobs/{id}"``) its resource and method, by schema (a JSON pointer, ``#/components/schemas/Job``;
another document's name before the ``#``) its class, and by model its fields (wire name -> field). The
next generation reads the lock of the previous release (the package as last committed, else the folder
as it is; none for a first generation) and honours it (``build_ir.build``). Its keywords are kept by
operation too (what holds one -> the keyword: ``query page_size``, ``body``, a form body's
``field name``).

- an operation still in the resource the lock names keeps its method name, before any rule is asked;
  a newcomer that wants the name falls back to its longer name (W400);
- a class keeps its name for the schema at the same place; a newcomer that wants it takes its next name;
- a field keeps its name for the same wire name in the same model, a keyword for the same parameter
  (location and wire name) or form property of the same operation, an enum member for the same value
  of the same enum (``members``: by the value as a Python literal).

A holder that is gone frees its name. ``x-sdk-name`` and ``x-sdk-group`` win over the lock: an explicit
rename is the maintainer's choice. The lock is text from a folder anyone may have edited: an entry that
is not a name the rules could have made (an identifier, not reserved) is ignored, never printed.

The build is a pure function of the spec, the configuration and the lock: the same three give the same
bytes (the input cache keys on the lock read, ``speed.inputs``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..names import RESERVED_FIELDS, NameScope, enum_member, pascal_identifier, snake_identifier

#: The lock's file name in a generated package.
LOCK = "names.lock.json"
_FORMAT = 1


@dataclass(frozen=True)
class NamesLock:
    """What a generation named. ``operations``: ``"METHOD /path"`` -> (resource, dotted, ``""`` for the
    client; method name). ``classes``: schema key (``schema_key``) -> class name. ``fields``: model's
    schema key -> wire name -> field name. ``keywords``: ``"METHOD /path"`` -> holder (``query page``,
    ``body``, ``field name``) -> keyword.

    ``settled`` (not part of the lock's text, nor of its equality): given by a build in which every name
    scope that reads the lock kept to the rules under which a build reading these very names gives them
    again (``Recorder.lock``); False where that is not known without building again."""

    operations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    keywords: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    members: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    settled: bool = field(default=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.operations or self.classes or self.fields or self.keywords or self.members)


NO_LOCK = NamesLock()


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def schema_key(document: str, ptr: str) -> str:
    """``#/components/schemas/Job`` for the root document (``document`` empty), ``common.yaml#/...`` for
    another (its name relative to the root's folder)."""
    return f"{document}#{ptr}"


def _snake_name(name: Any, reserved: frozenset[str] | None = None) -> bool:
    if not isinstance(name, str) or not name:
        return False
    made = snake_identifier(name, "", reserved) if reserved is not None else snake_identifier(name, "")
    return made == name


def _member_name(name: Any) -> bool:
    return isinstance(name, str) and bool(name) and enum_member(name, "") == name


def _class_name(name: Any) -> bool:
    return isinstance(name, str) and bool(name) and pascal_identifier(name, "") == name


def parse(text: str | None) -> NamesLock:
    """The lock in ``text`` (``NO_LOCK`` for None or anything that is not a lock); entries whose names the
    rules could not have made are left out."""
    if not text:
        return NO_LOCK
    try:
        data = json.loads(text)
    except ValueError:
        return NO_LOCK
    if not isinstance(data, dict) or data.get("specgen-names") != _FORMAT:
        return NO_LOCK
    operations: dict[str, tuple[str, str]] = {}
    raw_ops = data.get("operations")
    for key, value in raw_ops.items() if isinstance(raw_ops, dict) else ():
        if not isinstance(value, dict):
            continue
        resource, method = value.get("resource"), value.get("method")
        if not isinstance(resource, str) or not _snake_name(method):
            continue
        if resource and not all(_snake_name(part) for part in resource.split(".")):
            continue
        operations[str(key)] = (resource, str(method))
    raw_classes = data.get("classes")
    classes = (
        {str(key): value for key, value in raw_classes.items() if _class_name(value)}
        if isinstance(raw_classes, dict)
        else {}
    )
    fields = _nested(data.get("fields"), lambda name: _snake_name(name, RESERVED_FIELDS))
    keywords = _nested(data.get("keywords"), _snake_name)
    members = _nested(data.get("members"), _member_name)
    return NamesLock(operations, classes, fields, keywords, members)


def _nested(raw: Any, valid: Callable[[Any], bool]) -> dict[str, dict[str, str]]:
    """``{key: {holder: name}}`` from ``raw``, keeping the names ``valid`` accepts."""
    out: dict[str, dict[str, str]] = {}
    for key, names in raw.items() if isinstance(raw, dict) else ():
        if isinstance(names, dict):
            kept = {str(holder): name for holder, name in names.items() if valid(name)}
            if kept:
                out[str(key)] = kept
    return out


def text(lock: NamesLock) -> str:
    """The lock as the file holds it: sorted, one entry a line, so a change of names is a readable diff."""

    def entries(title: str, items: Mapping[str, Any], last: bool = False) -> list[str]:
        if not items:
            return [f' "{title}": {{}}' + ("" if last else ",")]
        lines = [f' "{title}": {{']
        ordered = sorted(items)
        for index, key in enumerate(ordered):
            value = items[key]
            comma = "," if index + 1 < len(ordered) else ""
            lines.append(f"  {_dump(key)}: {_dump(value)}{comma}")
        lines.append(" }" + ("" if last else ","))
        return lines

    operations = {key: {"method": method, "resource": resource} for key, (resource, method) in lock.operations.items()}
    fields = {key: dict(sorted(names.items())) for key, names in lock.fields.items() if names}
    keywords = {key: dict(sorted(names.items())) for key, names in lock.keywords.items() if names}
    members = {key: dict(sorted(names.items())) for key, names in lock.members.items() if names}
    lines = [
        "{",
        f' "specgen-names": {_FORMAT},',
        *entries("classes", lock.classes),
        *entries("fields", fields),
        *entries("keywords", keywords),
        *entries("members", members),
        *entries("operations", operations, last=True),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass
class Recorder:
    """The names a build gives, as it gives them (``Context.given``), and the name scopes that read the
    lock (``watch``)."""

    operations: dict[str, tuple[str, str]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    keywords: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    scopes: list[NameScope] = field(default_factory=list)

    def watch(self, scope: NameScope) -> NameScope:
        """``scope``, counted among those that read the lock."""
        self.scopes.append(scope)
        return scope

    def lock(self) -> NamesLock:
        """The names given, ``settled`` where a build reading them gives them again by construction.

        A scope holding the names given hands each holder its own name back, and every other claim the
        very name it got here: what it got was free then, what is taken besides then is a name held for
        another holder, which got another name here. That holds unless a holder claimed twice (its name
        is recorded once), gave up its kept name for an explicit one (``release``), or a name kept for a
        holder was never claimed (it blocked others here and would not there); the build also reports a
        class name taken by an ``x-sdk-name`` or a gone holder (``build_named``). ``speed.inputs`` builds
        again only when this says it does not know."""
        settled = not any(scope.irregular or scope.unclaimed() for scope in self.scopes)
        return NamesLock(
            dict(self.operations),
            dict(self.classes),
            {k: dict(v) for k, v in self.fields.items()},
            {k: dict(v) for k, v in self.keywords.items()},
            {k: dict(v) for k, v in self.members.items()},
            settled=settled,
        )
