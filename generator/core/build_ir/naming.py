"""Naming rules: the class name an inline schema gets, the variant name of a union member, and the raw
resource and method names ``methods`` starts from. Each rule is a function of its own; collisions are
resolved by ``NameScope``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .. import pointer as jp
from ..names import (
    KEYWORDS,
    join_pascal,
    pascal,
    pascal_identifier,
    snake,
    snake_identifier,
)
from .context import Hint


def _ref_name(target: dict[str, Any], ptr: str | None) -> str:
    if isinstance(target, dict) and isinstance(target.get("x-sdk-name"), str):
        return target["x-sdk-name"]
    return jp.split(ptr)[-1] if ptr else "Model"


#: Pointer segments that say how a schema is nested, not what it is.
_STRUCTURAL = frozenset(
    {
        "components",
        "schemas",
        "properties",
        "items",
        "allOf",
        "oneOf",
        "anyOf",
        "additionalProperties",
        "paths",
        "content",
        "schema",
        "responses",
        "requestBody",
        "parameters",
        "get",
        "put",
        "post",
        "delete",
        "patch",
        "head",
        "options",
        "trace",
    }
)


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


def _member_hint_of(hint: Hint, member: Any, index: int, siblings: Sequence[Any]) -> str:
    """``_member_hint`` once the name is wanted (``hint`` may itself be worked out lazily)."""
    return _member_hint(str(hint), member, index, siblings)


def _member_hint(hint: str, member: Any, index: int, siblings: Sequence[Any] = ()) -> str:
    """Name a oneOf/anyOf member from what it is: the first of ``MEMBER_RULES`` that finds a name part
    for it, joined to ``hint``. A position number is the last resort."""
    if isinstance(member, dict):
        for rule in MEMBER_RULES:
            part = rule(member, siblings)
            if part:
                return join_pascal(hint, part)
    return f"{hint}Variant{index + 1}"


def _by_title(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    title = member.get("title")
    return pascal(title) if isinstance(title, str) else None


def _by_enum_values(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    """Its own enum values: the first, with ``Etc`` when there are more."""
    values = [v for v in member.get("enum") or [] if isinstance(v, (str, int)) and not isinstance(v, bool)]
    if values and pascal(str(values[0])):
        return pascal(str(values[0])) + ("Etc" if len(values) > 1 else "")
    return None


def _properties(member: dict[str, Any]) -> dict[Any, Any]:
    props = member.get("properties")
    return props if isinstance(props, dict) else {}


def _required(member: dict[str, Any]) -> list[str]:
    return [r for r in member.get("required") or [] if isinstance(r, str) and pascal(r)]


def _named_properties(member: dict[str, Any]) -> list[str]:
    return [k for k in _properties(member) if isinstance(k, str) and pascal(k)]


def _by_tag(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    """The value that tells it apart: a ``const`` or single-value enum property."""
    for prop in _properties(member).values():
        tag = _tag_value(prop)
        if tag is not None and pascal(str(tag)):
            return pascal(str(tag))
    return None


def _by_unique_property(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    """A property only this member requires, or else only it has."""
    others = [s for s in siblings if s is not member and isinstance(s, dict)]
    for candidates, key in ((_required(member), "required"), (_named_properties(member), "properties")):
        taken = [o[key] for o in others if isinstance(o.get(key), (list, dict))]
        unique = [n for n in candidates if not any(n in t for t in taken)]
        if unique:
            return "With" + pascal(unique[0])
    return None


def _by_specific_reference(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    """allOf of references: the reference the other members do not share (the specific part)."""
    ref_sets = [set(_allof_refs(s)) for s in siblings if _allof_refs(s)]
    shared = set.intersection(*ref_sets) if len(ref_sets) > 1 else set()
    refs = [r for r in _allof_refs(member) if r not in shared and pascal(r.rsplit("/", 1)[-1])]
    return pascal(refs[0].rsplit("/", 1)[-1]) if refs else None


def _by_any_property(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    """Its first required property, or else its first property."""
    found = _required(member) or _named_properties(member)
    return "With" + pascal(found[0]) if found else None


def _by_array(member: dict[str, Any], siblings: Sequence[Any]) -> str | None:
    return "List" if member.get("type") == "array" else None


#: The rules that name a union member, in the order they are tried.
MEMBER_RULES: tuple[Callable[[dict[str, Any], Sequence[Any]], str | None], ...] = (
    _by_title,
    _by_enum_values,
    _by_tag,
    _by_unique_property,
    _by_specific_reference,
    _by_any_property,
    _by_array,
)


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


#: Attributes of the generated client classes: operations and resources at the top level avoid them.
CLIENT_ATTRS = frozenset(
    {
        "with_raw_response",
        "with_options",
        "copy",
        "download",
        "close",
        "base_url",
        "timeout",
        "max_retries",
        "retry_policy",
        "max_response_bytes",
        "strict_responses",
        "observe",
        "observations",
        "request",
        "webhooks",
        "authorization_url",
        "exchange_code",
    }
)


_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _module_name(attr: str) -> str:
    """File stem for a resource module: a valid identifier that is a legal file name on every OS."""
    stem = attr.rstrip("_") or attr
    return stem + "_" if stem in _DEVICE_NAMES or stem in KEYWORDS else stem
