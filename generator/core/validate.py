"""Validate stage: openapi-spec-validator plus the toolkit's own checks, as diagnostics with pointers."""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import explain, walk
from . import pointer as jp
from .diagnostics import Diagnostics
from .load import DATA_KEYS, Spec
from .names import MAX_NAME, is_cut

MAX_VALIDATOR_ERRORS = 200
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
SUPPORTED = ("3.0", "3.1")


def validate(spec: Spec) -> Diagnostics:
    """Everything wrong with a loaded document, in one run. A document whose references the load stage
    refused (``spec.diagnostics`` has errors) is still checked against the OpenAPI schema and by our
    own checks; the validator's walk, which follows references, is left for when they are fixed."""
    diags = Diagnostics()
    data = spec.data
    version = str(data.get("openapi", "")) if isinstance(data, dict) else ""
    if not version.startswith(SUPPORTED):
        swagger = isinstance(data, dict) and "swagger" in data and "openapi" not in data
        shown = version or ("swagger " + str(data.get("swagger")) if swagger else "none")
        message = f"unsupported OpenAPI version {shown!r}; 3.0.x and 3.1.x are supported"
        if swagger:
            message += (
                f": convert it to OpenAPI 3.0 first (`npx swagger2openapi {_shown_name(spec.label)} -o"
                " openapi.yaml`, or the Swagger project's converter at converter.swagger.io) and give"
                " specgen the result"
            )
        diags.error("E100", spec.label, "/swagger" if swagger else "/openapi", message)
        return diags
    broken = spec.diagnostics.has_errors
    findings = _validator_findings(spec, version, "structure")
    if not broken:
        findings += _validator_findings(spec, version, "walk")
    types = explain.unknown_types(spec) if findings or broken else []
    _classify(spec, _unexplained(spec, findings, types), diags)
    for doc, pointer, message in types:
        diags.error(explain.UNKNOWN_TYPE, spec.labels.get(doc, doc), pointer, message)
    _own_checks(spec, diags)
    return diags


#: The load stage's errors about references: the document itself was read, and the rest of it can be
#: checked in the same run.
_REFERENCE_ERRORS = frozenset({"E010", "E011", "E012", "E013", "E014", "E015", "E016"})


def checkable(spec: Spec) -> bool:
    """Whether ``validate`` can say more about a spec the load stage refused: its document was read as
    a mapping, with every overlay applied, and what was refused are references."""
    return (
        spec.root in spec.documents
        and isinstance(spec.data, dict)
        and all(d.code in _REFERENCE_ERRORS for d in spec.diagnostics.errors)
    )


def problems(spec: Spec) -> Diagnostics:
    """The load stage's diagnostics, then, where the document was read, validation's: every reason a
    document is refused that one run can tell."""
    diags = Diagnostics()
    diags.extend(spec.diagnostics)
    if not spec.diagnostics.has_errors or checkable(spec):
        diags.extend(validate(spec))
    return diags


def _shown_name(label: str) -> str:
    """A file name as it goes in a command the user may paste: quoted where a shell would split it."""
    return label if re.fullmatch(r"[\w./+-]+", label) else "'" + label.replace("'", "'\\''") + "'"


def _unexplained(spec: Spec, findings: list[Finding], types: list[tuple[str, str, str]]) -> list[Finding]:
    """``findings`` without what the unknown ``types`` (error E103 each) explain, each place reached
    through ``$ref`` counted where it is written: a finding where one is, or inside a Schema Object or
    worded as matching none of its forms at a schema holding one (the validator words a bad type so, at
    the first in each schema)."""
    if not types:
        return findings
    places = {(doc, pointer) for doc, pointer, _ in types}
    kept = []
    for finding in findings:
        pointer, message, in_schema = finding
        where = None if pointer.startswith("E") else explain.canonical(spec, pointer)
        if where is not None:
            doc, at = where
            if (doc, at) in places:
                continue
            whole = in_schema or message.endswith("is not valid under any of the given schemas")
            if whole and any(d == doc and p.startswith(at + "/") for d, p in places):
                continue
        kept.append(finding)
    return kept


#: One openapi-spec-validator finding: (pointer, message, inside a Schema Object), or a stop (E19x).
Finding = walk.Finding


def _validator_findings(spec: Spec, version: str, part: str, quick: bool = True) -> list[Finding]:
    """Run one part of openapi-spec-validator on the loaded documents: ``structure`` (the document against
    the OpenAPI meta-schema) or ``walk`` (its keyword validators over paths and components: schemas,
    defaults, parameters, ...).
    Stops are returned as findings with an ``E19x`` pointer of their own. The library is not run where
    a quick reading is certain of what it would find (``_structure_accepts``: nothing; ``_quick_walk``:
    nothing, or only ``default`` mismatches); ``quick=False`` runs the library's walk regardless."""
    if part == "structure" and _structure_accepts(version, spec.data):
        return []
    if part == "walk" and quick:
        quick_found = _quick_walk(spec, version)
        if quick_found is not None:
            return quick_found[: MAX_VALIDATOR_ERRORS + 1]  # where the library's loop stops
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    base = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator

    def from_loaded(uri: str) -> Any:
        # References were checked and loaded by the load stage; the validator reads nothing itself.
        key = uri.partition("#")[0]
        if key in spec.documents:
            return spec.documents[key]
        raise LookupError(f"reference outside the loaded documents: {uri}")

    handlers = {"<all_urls>": from_loaded, "file": from_loaded, "http": from_loaded, "https": from_loaded}
    keywords = {
        name: _keyword_validator(cls, ("default",) if name == "default" else ())
        for name, cls in base.keyword_validators.items()
    }
    members = {
        "resolver_handlers": handlers,
        "keyword_validators": keywords,
        "schema_validator": _python_structure_validator(version),
    }
    validator_cls = type("ConfinedValidator", (base,), members)
    found: list[Finding] = []
    try:
        validator = validator_cls(spec.data, base_uri=spec.root)
        errors = (
            validator.schema_validator.iter_errors(validator.schema)
            if part == "structure"
            else validator.root_validator(validator.schema_path)
        )
        meta = _meta_schema(version)
        for error in errors:
            if len(found) > MAX_VALIDATOR_ERRORS:
                break
            where: tuple[Any, ...] = getattr(error, "_specgen_where", ())
            inside = walk.in_schema(where or tuple(getattr(error, "absolute_path", ())))
            plain = None if "default" in where else explain.error(error, where, meta, inside)
            if plain is not None:
                found += plain
                continue
            pointer = jp.from_parts([*where, *(getattr(error, "absolute_path", None) or [])])
            found.append((pointer, walk.message_of(error), inside))
    except RecursionError as exc:
        found.append(
            (
                "E198#" + _nesting_start(exc, spec.data),
                "schemas nest too deeply below here (inline or through $ref) for the validator to follow",
                False,
            )
        )
    except Exception as exc:
        found.append(("E197", f"validator failed: {type(exc).__name__}: {exc}", False))
    return explain.said_once(found)


def _nesting_start(exc: BaseException, document: Any) -> str:
    """Where the library's walk entered the schema it then went too deep in: the first Schema Object on
    the path it took (read from the frames the error went through), as far as that path is a pointer
    into the document (the walk's path also goes through ``$ref``s)."""
    parts: tuple[Any, ...] = ()
    frame = exc.__traceback__
    for _ in range(1_000_000):  # the frames of one RecursionError: bounded by the recursion limit
        if frame is None:
            break
        node = frame.tb_frame.f_locals.get("node")
        found = getattr(node, "parts", None)
        if isinstance(found, tuple) and walk.in_schema(found):
            parts = found
            break
        frame = frame.tb_next
    names = [str(p) for p in parts]
    first = next((i for i, p in enumerate(names) if p == "schema" or (p == "schemas" and i == 1)), len(names))
    names = names[: first + (1 if names[first : first + 1] == ["schema"] else 2)]
    while names and jp.resolve(document, jp.from_parts(names), None) is None:
        names.pop()
    return jp.from_parts(names)


@lru_cache(maxsize=2)
def _meta_schema(version: str) -> dict[str, Any]:
    """openapi-spec-validator's OpenAPI meta-schema for ``version``, read from its package data without
    importing it (a document the compiled validator accepts never needs the import)."""
    loaded = _package_json(
        "openapi_spec_validator", "resources", "schemas", "v3.1" if version.startswith("3.1") else "v3.0", "schema.json"
    )
    assert isinstance(loaded, dict), "openapi-spec-validator is a dependency"
    return loaded


@lru_cache(maxsize=2)
def _python_structure_validator(version: str) -> Any:
    """The pure-Python (jsonschema) validator for the OpenAPI meta-schema: its messages are the ones
    reported, whichever backend openapi-spec-validator would pick."""
    from openapi_spec_validator.schemas.backend.jsonschema import create_validator

    return create_validator(_meta_schema(version))


@lru_cache(maxsize=2)
def _compiled_structure_validator(version: str) -> Any:
    """openapi-spec-validator's accelerated backend for the same meta-schema (jsonschema-rs), or None
    when it is not installed. Its references are all inside the meta-schema; anything else is refused,
    so it never fetches."""
    try:
        import jsonschema_rs
    except ImportError:
        return None

    def refuse(uri: str) -> Any:
        raise LookupError(f"not fetched: {uri}")

    return jsonschema_rs.validator_for(_meta_schema(version), retriever=refuse)


def _quick_walk(spec: Spec, version: str) -> list[Finding] | None:
    """What the library's walk finds, where ``walk.findings`` (much faster) is certain of it; None
    otherwise. A document split over several files is left to the library."""
    return walk.findings(spec.data, version, _schema_accepts) if len(spec.documents) == 1 else None


def _structure_accepts(version: str, data: Any) -> bool:
    """Whether the compiled validator finds the whole document valid against the OpenAPI meta-schema:
    a small fraction of the Python one's time on a large document. It is at least as strict (it also
    checks formats), so a document it accepts has no structural findings; one it rejects goes through
    the Python validator for the findings and their wording. ``tests/test_validate_fast.py`` holds the two
    verdicts together."""
    compiled = _compiled_structure_validator(version)
    if compiled is None:
        return False
    try:
        return bool(compiled.is_valid(data))
    except Exception:
        return False


def _classify(spec: Spec, findings: list[Finding], diags: Diagnostics) -> None:
    """Findings inside Schema Objects (a ``default`` that does not match its type, a 3.0-style boolean
    ``exclusiveMaximum`` in a 3.1 document, an unknown ``$schema`` dialect) are warnings: common in
    published specs, and the generated models do not depend on them; ``--strict`` fails on them.
    Structural findings (a missing ``responses``, a parameter without ``in``) are errors."""
    seen: set[tuple[str, str]] = set()
    count = 0
    for pointer, message, in_schema in findings:
        code = "W101" if in_schema else "E101"
        if pointer.startswith("E"):  # a finding with a code of its own: ``E102#/paths/...``
            code, _, pointer = pointer.partition("#")
            if code in ("E197", "E198"):
                diags.error(code, spec.label, pointer, message)
                continue
        if count >= MAX_VALIDATOR_ERRORS:
            diags.error("E199", spec.label, "", f"more than {MAX_VALIDATOR_ERRORS} validation errors; stopped")
            break
        count += 1
        if (pointer, message) in seen:
            continue
        seen.add((pointer, message))
        if code == "W101":
            diags.warning(code, spec.label, pointer, f"not valid here: {message}")
        else:
            diags.error(code, spec.label, pointer, message)


def _keyword_validator(keyword_cls: Any, suffix: tuple[str, ...]) -> type:
    """openapi-spec-validator's keyword validator, changed where its own behaviour falls short:

    - each error it yields is stamped with where it was found (the innermost validator stamps first):
      the library reports schema findings without a path;
    - its seen-schema lists test membership through a set (``_SeenIds``);
    - a 3.0 Schema Object's meta-schema check is accepted by the compiled checker (``_schema_accepts``)."""

    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    def call(self: Any, node: Any, *args: Any, **kwargs: Any) -> Any:
        for error in keyword_cls.__call__(self, node, *args, **kwargs):
            if not isinstance(error, OpenAPIValidationError):
                error = OpenAPIValidationError.create_from(error)  # what the validator would do, later
            if not hasattr(error, "_specgen_where"):
                error._specgen_where = (*getattr(node, "parts", ()), *suffix)
            yield error

    def schema_checker(self: Any, schema: Any, schema_value: Any) -> Any:
        checker = keyword_cls._get_schema_checker(self, schema, schema_value)
        return lambda value: None if _schema_accepts(value) else checker(value)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        keyword_cls.__init__(self, *args, **kwargs)
        for name in ("visited_schema_ids", "meta_checked_schema_ids"):
            if isinstance(getattr(self, name, None), list):
                setattr(self, name, _SeenIds())

    from openapi_spec_validator.validation.keywords import OpenAPIV30SchemaValidator

    members: dict[str, Any] = {"__call__": call, "__init__": init}
    if issubclass(keyword_cls, OpenAPIV30SchemaValidator):
        members["_get_schema_checker"] = schema_checker
    return type(keyword_cls.__name__, (keyword_cls,), members)


@lru_cache(maxsize=1)
def _compiled_schema_checker() -> Any:
    """The check openapi-spec-validator's walk makes of each Schema Object in a 3.0 document (against the
    draft-04 meta-schema, with the ``regex`` format), compiled by jsonschema-rs; None when it is not
    installed. Its ``regex`` format is ECMA's; the Python check's is openapi-schema-validator's, so that
    one is handed to the compiled checker in place of its own. The meta-schema is read from
    jsonschema-specifications' package data (what openapi-schema-validator's ``OAS30Validator`` takes)
    and openapi-schema-validator's regex check is imported only when a ``pattern`` is checked."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    meta_schema = _package_json("jsonschema_specifications", "schemas", "draft4", "metaschema.json")
    if meta_schema is None:
        return None

    return jsonschema_rs.Draft4Validator(meta_schema, validate_formats=True, formats={"regex": _valid_regex})


def _valid_regex(pattern: str) -> bool:
    from openapi_schema_validator._regex import is_valid_regex

    return bool(is_valid_regex(pattern))


def _package_json(package: str, *parts: str) -> Any:
    """A JSON file of an installed package's data, read without importing the package; None when it is
    not there."""
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        return None
    try:
        return json.loads(
            Path(next(iter(found.submodule_search_locations))).joinpath(*parts).read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None


def _schema_accepts(value: Any) -> bool:
    """Whether a Schema Object of a 3.0 document passes the walk's meta-schema check, decided by the
    compiled checker when it accepts. A schema not accepted goes through the Python check for its
    finding."""
    compiled = _compiled_schema_checker()
    if compiled is None:
        return False
    try:
        return bool(compiled.is_valid(value))
    except Exception:
        return False


class _SeenIds(list[int]):
    """openapi-spec-validator's schema walk keeps the ids of the schemas it has seen in lists and tests
    each new schema against them: quadratic in the number of schemas. The same
    list, with a set beside it for the membership test."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set[int] = set()

    def append(self, item: int) -> None:
        self._ids.add(item)
        super().append(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids


def _own_checks(spec: Spec, diags: Diagnostics) -> None:
    """Checks the OpenAPI schema cannot express."""
    _long_names(spec, diags)
    paths = spec.data.get("paths") or {}
    seen_ids: dict[str, str] = {}
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace") or not isinstance(
                op, dict
            ):
                continue
            ptr = jp.join("/paths", path, method)
            op_id = op.get("operationId")
            if isinstance(op_id, str):
                if op_id in seen_ids:
                    diags.error(
                        "E110",
                        spec.label,
                        jp.join(ptr, "operationId"),
                        f"operationId {op_id!r} is also used at {seen_ids[op_id]}",
                    )
                else:
                    seen_ids[op_id] = ptr
            templated = set(_TEMPLATE.findall(str(path)))
            declared = set()
            for params in (item.get("parameters") or [], op.get("parameters") or []):
                for param in params if isinstance(params, list) else []:
                    try:
                        _, _, param = spec.follow(spec.root, param)
                    except LookupError:
                        continue
                    if isinstance(param, dict) and param.get("in") == "path":
                        declared.add(param.get("name"))
            for missing in sorted(templated - declared):
                diags.error("E111", spec.label, ptr, f"path parameter {{{missing}}} is not declared")


#: Maps whose keys become Python names (classes, fields, webhook events), and the string values that do.
_NAMED_KEYS = {
    "properties": "property name",
    "schemas": "schema name",
    "securitySchemes": "security scheme name",
    "webhooks": "webhook name",
}
_NAME_VALUES = frozenset({"operationId", "x-sdk-name", "x-speakeasy-name-override", "x-sdk-group", "x-sdk-server-name"})
_NAME_LISTS = {"tags": "tag", "enum": "enum value", "x-enum-varnames": "enum member name"}


def _long_names(spec: Spec, diags: Diagnostics) -> None:
    """W130 for each name longer than ``names.MAX_NAME`` once made a Python name (a schema, property,
    tag, operationId, parameter or enum value of thousands of characters): the name is cut to its start
    and a digest of the whole, so it stays unique and a module named after it stays a legal file name.
    Only strings longer than the limit are looked at; reported in the order of their pointers."""
    # Pointers are made only for what is found: each node carries its place as (parent's place, part).
    # Nearly every name is short, so the loop tests the length first and looks closer only then.
    found: list[tuple[Any, str, str]] = []  # (place, what, name)
    stack: list[tuple[Any, Any, str]] = [((), spec.data, "")]
    pop, push, limit = stack.pop, stack.append, MAX_NAME
    while stack:
        place, node, key = pop()
        if type(node) is dict:
            for name, value in node.items():
                kind = type(value)
                if kind is str:
                    if len(value) > limit and type(name) is str:
                        what = _long_value(node, key, name)
                        if what is not None:
                            found.append(((place, name), what, value))
                elif kind is dict or kind is list:
                    if type(name) is not str or (name in DATA_KEYS and name != "enum" and key not in _NAMED_KEYS):
                        continue
                    if name.startswith("x-") and name not in _NAME_LISTS:
                        continue
                    push(((place, name), value, name))
                if type(name) is str and len(name) > limit:
                    if key in _NAMED_KEYS:
                        found.append(((place, name), _NAMED_KEYS[key], name))
                    elif key == "paths":
                        segment = max(name.split("/"), key=len)
                        if len(segment) > limit:
                            found.append(((place, name), "path segment", segment))
        elif type(node) is list:
            for index, value in enumerate(node):
                kind = type(value)
                if kind is str:
                    if len(value) > limit and key in _NAME_LISTS:
                        found.append(((place, index), _NAME_LISTS[key], value))
                elif kind is dict or kind is list:
                    push(((place, index), value, key))
    named = [(_pointer_of(place), what, text) for place, what, text in found]
    for ptr, what, text in sorted(named, key=lambda item: jp.split(item[0])):
        if is_cut(text):
            diags.warning(
                "W130",
                spec.label,
                ptr,
                f"{what} of {len(text):,} characters: its Python name is cut to {MAX_NAME} characters (its start"
                " and a digest of the whole name)",
            )


def _long_value(node: dict[str, Any], key: str, name: str) -> str | None:
    """What a long string value names, if it becomes a Python name."""
    if name in _NAME_VALUES:
        return name
    if name == "name" and ("in" in node or key == "tags"):
        return "tag name" if key == "tags" else "parameter name"
    return None


def _pointer_of(place: Any) -> str:
    """The JSON pointer of a place kept as nested (parent's place, part) pairs."""
    parts: list[Any] = []
    while place:
        place, part = place
        parts.append(part)
    return jp.from_parts(reversed(parts))
