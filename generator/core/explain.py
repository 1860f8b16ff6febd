"""The validator's findings in plain words, and the problems it words worst found by reading the document.

openapi-spec-validator says what JSON Schema found: "Unevaluated properties are not allowed ('respones'
was unexpected)", "'respones' does not match any of the regexes: '^x-'", "{...} is not valid under any of
the given schemas". ``error`` says each as a person would: which key is unknown in which kind of object
and what it was likely meant to be; which value is not one of those allowed and the closest one; for a
``oneOf`` the document matches no alternative of, what is wrong in the alternative it was meant to be
(the one whose fixed values it has), else which values would make it one. ``unknown_types`` finds every
Schema Object ``type`` that names no JSON type (the validator stops at the first in each schema), and
``canonical`` says where a place the validator reached through ``$ref`` is written.

Only a document the validator found something in comes here: a valid document costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from . import pointer as jp
from .load import DATA_KEYS, Spec
from .names import snake

#: A finding: (JSON pointer, message, inside a Schema Object), or with ``E1xx#`` before the pointer, a
#: finding that is reported under that code.
Finding = tuple[str, str, bool]

#: The code of an unknown key outside Schema Objects, and of a ``type`` that names no JSON type.
UNKNOWN_KEY = "E102"
UNKNOWN_TYPE = "E103"

_JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
#: Keys of a Schema Object whose value is a schema, a list of schemas, or a map of them.
_SUBSCHEMA = frozenset(
    {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
    | {"unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema"}
)
_SUBSCHEMAS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
_ALTERNATIVES = re.compile(r"\^\(([A-Za-z0-9_|-]+)\)\$")


def suggestion(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice ``word`` was most likely meant to be (a typo, another case), or None."""
    import difflib  # only a document with problems comes here

    by_lower = {choice.lower(): choice for choice in reversed(choices)}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def error(found: Any, where: tuple[Any, ...], meta: dict[str, Any], inside: bool) -> list[Finding] | None:
    """One validator error (``where``: the place of the node it was found in, before its own path) in
    plain words, or None to report it as the validator words it. ``meta`` is the OpenAPI meta-schema
    the error came from; ``inside``, whether the error counts as one inside a Schema Object (a warning):
    what explains it counts the same, so the words never change whether a document is accepted."""
    kind = getattr(found, "validator", None)
    if kind in ("additionalProperties", "unevaluatedProperties"):
        return _unknown_keys(found, where, meta, inside)
    if kind == "enum":
        return _not_one_of(found, where, inside)
    if kind in ("oneOf", "anyOf") and getattr(found, "context", None):
        return _no_alternative(found, where, meta, inside)
    return None


def said_once(findings: list[Finding]) -> list[Finding]:
    """``findings`` with each mistake said once: without a "'responses' is a required property" where an
    unknown key of the same object was likely meant to be it (``respones``), nor an "Unevaluated
    properties are not allowed" of keys some form of the object takes, where another finding inside it
    says why it has none of those forms (a security scheme's ``type``)."""
    meant = set()
    for pointer, message, _ in findings:
        if pointer.startswith(UNKNOWN_KEY + "#"):
            found = re.search(r": did you mean ('(?:[^'\\]|\\.)*')\?$", message)
            if found:
                parent = jp.from_parts(jp.split(pointer.partition("#")[2])[:-1])
                meant.add((parent, found.group(1)))
    inside = [pointer.partition("#")[2] if pointer.startswith("E") else pointer for pointer, _, _ in findings]
    kept = []
    for pointer, message, in_schema in findings:
        required = message.endswith(_REQUIRED) and (pointer, message[: -len(_REQUIRED)]) in meant
        unevaluated = message.startswith(_UNEVALUATED) and any(p.startswith(pointer + "/") for p in inside)
        if not (required or unevaluated):
            kept.append((pointer, message, in_schema))
    return kept


_REQUIRED = " is a required property"
_UNEVALUATED = "Unevaluated properties are not allowed"


def _place(where: tuple[Any, ...], found: Any) -> tuple[Any, ...]:
    return (*where, *(getattr(found, "absolute_path", None) or ()))


def _finding(parts: tuple[Any, ...], message: str, inside: bool, code: str | None = None) -> Finding:
    pointer = jp.from_parts(parts)
    return (f"{code}#{pointer}" if code and not inside else pointer, message, inside)


def _unknown_keys(found: Any, where: tuple[Any, ...], meta: dict[str, Any], inside: bool) -> list[Finding] | None:
    instance, schema = found.instance, found.schema
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return None
    keys, patterns = _keys(schema, meta)
    unknown = [
        key
        for key in instance
        if isinstance(key, str) and key not in keys and not any(re.search(p, key) for p in patterns)
    ]
    if not unknown:
        return None
    place = _place(where, found)
    what = _kind(schema, meta)
    choices = sorted(keys)
    out = []
    for key in unknown:
        meant = suggestion(key, choices)
        if meant:
            message = f"unknown key {key!r} {what}: did you mean {meant!r}?"
        else:
            shown = ", ".join(repr(k) for k in choices[:20]) + (", ..." if len(choices) > 20 else "")
            message = f"unknown key {key!r} {what} (it takes {shown}; extensions start with 'x-')"
        out.append(_finding((*place, key), message, inside, UNKNOWN_KEY))
    return out


def _not_one_of(found: Any, where: tuple[Any, ...], inside: bool) -> list[Finding] | None:
    allowed = getattr(found, "validator_value", None)
    value = found.instance
    if not isinstance(allowed, list) or not isinstance(value, str):
        return None
    return [_finding(_place(where, found), _one_of_message(value, allowed), inside)]


def _one_of_message(value: Any, allowed: list[Any]) -> str:
    shown = ", ".join(repr(a) for a in allowed)
    meant = suggestion(value, [a for a in allowed if isinstance(a, str)]) if isinstance(value, str) else None
    return f"{value!r} is not one of {shown}" + (f": did you mean {meant!r}?" if meant else "")


def _no_alternative(found: Any, where: tuple[Any, ...], meta: dict[str, Any], inside: bool) -> list[Finding] | None:
    """A value that matches none of a ``oneOf``'s alternatives: what is wrong in the alternative meant,
    every problem of it (the only one that is not a Reference Object, else the only one whose fixed
    values, such as a security scheme's ``type``, and JSON type the value has); where none is, the
    values it could take."""
    branches: dict[Any, list[Any]] = {}
    for inner in found.context:
        path = getattr(inner, "relative_schema_path", None) or [None]
        branches.setdefault(path[0], []).append(inner)
    meant = [errors for errors in branches.values() if not _is_reference_branch(errors)]
    if not meant:
        return None
    here = tuple(getattr(found, "absolute_path", None) or ())
    fitting = [e for e in meant if not any(_rules_out(leaf, here) for each in e for leaf in _leaves(each))]
    chosen = meant[0] if len(meant) == 1 else fitting[0] if len(fitting) == 1 else None
    if chosen is not None:
        out: list[Finding] = []
        for inner in chosen:
            said = error(inner, where, meta, inside)
            out += said if said is not None else [_finding(_place(where, inner), _message(inner), inside)]
        return out
    if fitting:
        return None
    values: dict[tuple[Any, ...], tuple[Any, list[Any]]] = {}
    for errors in meant:
        for inner in errors:
            for leaf in _leaves(inner):
                if _is_fixed(leaf):
                    allowed = leaf.validator_value if leaf.validator == "enum" else [leaf.validator_value]
                    _, merged = values.setdefault(_place(where, leaf), (leaf.instance, []))
                    merged.extend(a for a in allowed if a not in merged)
    if not values:
        return None
    return [_finding(parts, _one_of_message(value, merged), inside) for parts, (value, merged) in values.items()]


def _rules_out(leaf: Any, here: tuple[Any, ...]) -> bool:
    """Whether a problem shows an alternative is not the one meant: a fixed value it does not have, or
    another JSON type for the value itself."""
    if _is_fixed(leaf):
        return True
    return leaf.validator == "type" and tuple(getattr(leaf, "absolute_path", None) or ()) == here


def _message(found: Any) -> str:
    message = str(getattr(found, "message", found))
    return message if len(message) <= 300 else message[:297] + "..."


def _is_fixed(found: Any) -> bool:
    return getattr(found, "validator", None) in ("enum", "const")


def _is_reference_branch(errors: list[Any]) -> bool:
    """The alternative that is a Reference Object: its only complaint is that ``$ref`` is missing."""
    return all(e.validator == "required" and e.validator_value == ["$ref"] for e in errors)


def _leaves(found: Any) -> Iterator[Any]:
    inner = getattr(found, "context", None)
    if inner:
        for each in inner:
            yield from _leaves(each)
    else:
        yield found


def _keys(schema: dict[str, Any], meta: dict[str, Any]) -> tuple[set[str], list[str]]:
    """Every property name an object may have under ``schema`` (through ``allOf``, ``$ref``, ... of
    the meta-schema), and the patterns of the others (extensions' ``^x-``). A pattern that lists
    names (3.0's ``^(get|put|...)$`` for a path item's methods) gives those names."""
    keys: set[str] = set()
    patterns: list[str] = []
    stack: list[Any] = [schema]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        keys.update(k for k in node.get("properties") or {} if isinstance(k, str))
        for pattern in node.get("patternProperties") or {}:
            listed = _ALTERNATIVES.fullmatch(pattern)
            if listed:
                keys.update(listed.group(1).split("|"))
            else:
                patterns.append(pattern)
        for keyword in ("allOf", "anyOf", "oneOf"):
            stack.extend(node.get(keyword) or [])
        stack.extend((node.get("dependentSchemas") or {}).values())
        stack.extend(node.get(k) for k in ("if", "then", "else") if isinstance(node.get(k), dict))
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            stack.append(jp.resolve(meta, ref[1:], None))
    return keys, patterns


def _kind(schema: dict[str, Any], meta: dict[str, Any]) -> str:
    """Where an object is, by the meta-schema definition it failed: ``in an operation``, ``in a path
    item``, ``at the top level of the document``."""
    if schema is meta:
        return "at the top level of the document"
    definitions = meta.get("$defs") or meta.get("definitions") or {}
    name = next((str(key) for key, value in definitions.items() if value is schema), None)
    if name is None:
        return "here"
    words = snake(name).replace("_", " ")
    first = words.split(" ", 1)[0]
    # "an operation", "a path item"; an initialism by its first letter's sound: "an xml"
    vowel = first[:1] in ("aefhilmnorsx" if not re.search("[aeiouy]", first) else "aeiou")
    return f"in {'an' if vowel else 'a'} {words}"


def canonical(spec: Spec, pointer: str) -> tuple[str, str] | None:
    """Where the node at ``pointer`` (a path from the root document that may pass through ``$ref``s,
    as the validator's walk reports it) is written: (document, pointer). None if it leads nowhere."""
    doc, here, node = spec.root, "", spec.data
    for part in jp.split(pointer):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and part != "$ref":
            try:
                doc, target, node = spec.follow(doc, node)
            except LookupError:
                return None
            here = target if target is not None else here
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
        here = jp.join(here, part)
    return doc, here


def unknown_types(spec: Spec) -> list[tuple[str, str, str]]:
    """Every Schema Object ``type`` that names no JSON type (``strng``), where it is written: (document,
    pointer, message with the type it was likely meant to be), in the order of the documents' walk.
    Schemas are reached from the root document through everything that holds one, and through
    ``$ref`` into the other loaded documents; each is looked at once."""
    found: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    stack: list[tuple[str, str, Any, bool]] = [(spec.root, "", spec.data, False)]
    while stack:
        doc, ptr, node, schema = stack.pop()
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            try:
                doc, target, node = spec.follow(doc, node)
            except LookupError:
                continue
            ptr = target if target is not None else ptr
        if (doc, ptr) in seen:
            continue
        seen.add((doc, ptr))
        children: list[tuple[str, Any, bool]] = []
        if isinstance(node, dict) and schema:
            found += _bad_types(doc, ptr, node.get("type"))
            for key, value in node.items():
                if key in _SUBSCHEMA:
                    children.append((jp.join(ptr, key), value, True))
                elif key in _SUBSCHEMAS and isinstance(value, list):
                    children += [(jp.join(ptr, key, i), sub, True) for i, sub in enumerate(value)]
                elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                    children += [(jp.join(ptr, key, name), sub, True) for name, sub in value.items()]
        elif isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str) or key in DATA_KEYS or key.startswith("x-"):
                    continue
                if key == "schema" or (key == "schemas" and ptr == "/components"):
                    if key == "schema":
                        children.append((jp.join(ptr, key), value, True))
                    elif isinstance(value, dict):
                        children += [(jp.join(ptr, key, n), s, True) for n, s in value.items()]
                elif isinstance(value, (dict, list)):
                    children.append((jp.join(ptr, key), value, False))
        elif isinstance(node, list) and not schema:
            children += [(jp.join(ptr, i), value, False) for i, value in enumerate(node)]
        stack.extend((doc, p, value, inside) for p, value, inside in reversed(children))
    return found


def _bad_types(doc: str, ptr: str, value: Any) -> list[tuple[str, str, str]]:
    names = [(jp.join(ptr, "type"), value)] if isinstance(value, str) else []
    if isinstance(value, list):
        names = [(jp.join(ptr, "type", i), v) for i, v in enumerate(value) if isinstance(v, str)]
    out = []
    for where, name in names:
        if name in _JSON_TYPES:
            continue
        meant = suggestion(name, _JSON_TYPES)
        said = f": did you mean {meant!r}?" if meant else f"; a type is one of {', '.join(map(repr, _JSON_TYPES))}"
        out.append((doc, where, f"unknown type {name!r}{said}"))
    return out
