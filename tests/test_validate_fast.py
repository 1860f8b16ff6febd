"""The structural pass (the whole document against the OpenAPI meta-schema) is decided by the compiled
validator (jsonschema-rs, openapi-spec-validator's own accelerated backend) when it accepts, and by the
Python one otherwise, for the findings' wording. That is only sound while the compiled one never accepts
a document the Python one rejects: held here on every document the suite has and on broken variants."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from generator.core import validate
from generator.core.load import load_spec

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [
        *(p for p in (ROOT / "specs").glob("*.yaml") if "overlay" not in p.name),
        *(ROOT / "tests" / "specs").glob("*.yaml"),
        *(ROOT / "tests" / "corpus").rglob("*.json"),
    ]
)


def _python_valid(version: str, data: Any) -> bool:
    return not any(True for _ in validate._python_structure_validator(version).iter_errors(data))


def _first_operation(data: dict[str, Any]) -> dict[str, Any]:
    for item in data.get("paths", {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                return item[method]
    operation: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    data.setdefault("paths", {})["/added"] = {"get": operation}
    return operation


def _changer(data: dict[str, Any]) -> Any:
    """``broken(name, change)``: ``change`` applied to a copy of ``data``, named."""

    def broken(name: str, change: Any) -> tuple[str, dict[str, Any]]:
        copied = copy.deepcopy(data)
        change(copied)
        return name, copied

    return broken


def _component_schemas(d: dict[str, Any]) -> dict[str, Any]:
    return d.setdefault("components", {}).setdefault("schemas", {})


def _breakages(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Structural errors of the kinds found in the wild, each applied to a copy of the document."""
    broken, schemas = _changer(data), _component_schemas

    return [
        broken("no info.version", lambda d: d["info"].pop("version", None)),
        broken("info.title not a string", lambda d: d["info"].__setitem__("title", 12)),
        broken("a path not starting with /", lambda d: d.setdefault("paths", {}).__setitem__("nope", {})),
        broken("an unknown top-level key", lambda d: d.__setitem__("unknown", 1)),
        broken("servers an object", lambda d: d.__setitem__("servers", {"url": "x"})),
        broken(
            "operation without responses",
            lambda d: _first_operation(d).pop("responses", None) or _first_operation(d).__setitem__("summary", 1),
        ),
        broken(
            "parameter in body",
            lambda d: _first_operation(d).__setitem__("parameters", [{"name": "x", "in": "body", "schema": {}}]),
        ),
        broken(
            "parameter without schema or content",
            lambda d: _first_operation(d).__setitem__("parameters", [{"name": "x", "in": "query"}]),
        ),
        broken("responses a list", lambda d: _first_operation(d).__setitem__("responses", [])),
        broken("schema type a number", lambda d: schemas(d).__setitem__("Broken", {"type": 12})),
        broken("required a string", lambda d: schemas(d).__setitem__("Broken", {"type": "object", "required": "name"})),
        broken("properties a list", lambda d: schemas(d).__setitem__("Broken", {"type": "object", "properties": []})),
        broken("a $ref that is not a string", lambda d: schemas(d).__setitem__("Broken", {"$ref": 3})),
        broken("security requirement a string", lambda d: d.__setitem__("security", ["token"])),
    ]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_and_python_verdicts_agree(path):
    spec = load_spec(path)
    assert not spec.diagnostics.has_errors
    version = str(spec.data["openapi"])
    assert validate._compiled_structure_validator(version) is not None, "jsonschema-rs is a dependency"
    assert validate._structure_accepts(version, spec.data) == _python_valid(version, spec.data)
    for name, data in _breakages(json.loads(json.dumps(spec.data))):
        compiled = validate._structure_accepts(version, data)
        python = _python_valid(version, data)
        assert not (compiled and not python), f"{name}: accepted by the compiled validator, rejected by jsonschema"
        assert compiled == python, name


def test_a_rejected_document_reports_the_python_validators_findings(tmp_path):
    document = {
        "openapi": "3.0.3",
        "info": {"title": "T"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    diags = validate.validate(load_spec(path))
    assert [(d.code, d.pointer, d.message) for d in diags.items] == [
        ("E101", "/info", "'version' is a required property")
    ]


def test_the_compiled_validator_never_fetches(monkeypatch):
    # Only the meta-schema is compiled; a reference it does not hold is refused, not downloaded.
    monkeypatch.setattr(validate, "_meta_schema", lambda version: {"$ref": "http://127.0.0.1:9/elsewhere.json"})
    validate._compiled_structure_validator.cache_clear()
    try:
        with pytest.raises(Exception, match=r"not fetched: http://127\.0\.0\.1:9/elsewhere\.json"):
            validate._compiled_structure_validator("3.0.3")
    finally:
        validate._compiled_structure_validator.cache_clear()


SCHEMA_CASES = [
    {"type": "string", "maxLength": 10},
    {"maxLength": 10.0},
    {"maxLength": True},
    {"type": "string", "pattern": "^[a-z]+$"},
    {"type": "string", "pattern": "\\p{L}"},  # ECMA accepts it, Python's re does not
    {"pattern": "(?<name>x)"},
    {"pattern": "(?P<name>x)"},  # Python accepts it, ECMA does not
    {"properties": {"a": {"type": "string", "pattern": "[unclosed"}}},
    {"enum": [1, True]},
    {"enum": [1, 1.0]},
    {"required": ["a", "a"]},
    {"required": []},
    {"type": ["string", "string"]},
    {"exclusiveMinimum": True},
    {"properties": {"a": {"type": "strin"}}},
    {"items": [{}]},
    {"multipleOf": 0},
    {"additionalProperties": 3},
    {"nullable": True, "discriminator": {"propertyName": "kind"}, "x-anything": {"pattern": 3}},
]


def _python_schema_valid(schema: Any) -> bool:
    from openapi_schema_validator import OAS30Validator
    from openapi_schema_validator.validators import check_openapi_schema

    try:
        check_openapi_schema(OAS30Validator, schema)
    except Exception:
        return False
    return True


def _schemas(document: Any) -> list[Any]:
    found = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "schema" or (key == "schemas" and isinstance(value, dict)):
                    found.extend([value] if key == "schema" else value.values())
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_schema_checks_of_the_walk_agree_with_the_python_check():
    # In a 3.0 document the walk checks each Schema Object against the draft-04 meta-schema with the
    # regex format; a schema the compiled check accepts must pass the Python one.
    schemas = list(SCHEMA_CASES)
    for path in DOCUMENTS:
        spec = load_spec(path)
        if str(spec.data.get("openapi")).startswith("3.0"):
            schemas += _schemas(spec.data)
    assert len(schemas) > 300
    accepted = 0
    for schema in schemas:
        if validate._schema_accepts(schema):
            accepted += 1
            assert _python_schema_valid(schema), schema
    assert accepted > 0.9 * len(schemas)  # the shortcut is taken


def test_the_walk_finds_the_same_with_and_without_the_compiled_check(tmp_path, monkeypatch):
    document = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}},
                        }
                    }
                }
            }
        },
        "components": {"schemas": {f"S{i}": schema for i, schema in enumerate(SCHEMA_CASES)}},
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    spec = load_spec(path)
    fast = validate._validator_findings(spec, "3.0.3", "walk")
    monkeypatch.setattr(validate, "_compiled_schema_checker", lambda: None)
    slow = validate._validator_findings(spec, "3.0.3", "walk")
    assert fast == slow
    assert len(slow) >= 10


def test_the_compiled_schema_check_takes_openapi_schema_validators_meta_schema():
    from openapi_schema_validator import OAS30Validator

    assert (
        validate._package_json("jsonschema_specifications", "schemas", "draft4", "metaschema.json")
        == OAS30Validator.META_SCHEMA
    )


def test_the_meta_schema_is_openapi_spec_validators_own():
    from openapi_spec_validator.schemas import schema_v30, schema_v31

    assert validate._meta_schema("3.0.3") == dict(schema_v30)
    assert validate._meta_schema("3.1.0") == dict(schema_v31)


def _walk_documents(tmp_path: Path) -> list[Path]:
    """Every document of the suite, the bad specs that load, a document of every Schema Object case,
    and one split over two files (a ``$ref`` into another document)."""
    extra = tmp_path / "split"
    extra.mkdir()
    (extra / "shared.json").write_text(
        json.dumps(
            {
                "components": {
                    "schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "integer", "default": "x"}}}}
                }
            }
        ),
        encoding="utf-8",
    )
    root = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/a/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "default": "y"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "shared.json#/components/schemas/Thing"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": {f"S{i}": schema for i, schema in enumerate(SCHEMA_CASES)}},
    }
    (extra / "root.json").write_text(json.dumps(root), encoding="utf-8")
    return [*DOCUMENTS, *sorted((ROOT / "tests" / "bad_specs").glob("*.yaml")), extra / "root.json"]


# -- the walk's quick reading (generator/walk.py) -----------------------------------------------------


def _library_walk_findings(path: Path, data: dict[str, Any]) -> list[Any]:
    """What openapi-spec-validator's own walk finds in ``data`` (saved next to ``path``)."""
    target = path.with_name(f"variant-{path.name}")
    target.write_text(json.dumps(data), encoding="utf-8")
    spec = load_spec(target)
    return validate._validator_findings(spec, str(data.get("openapi", "")), "walk", quick=False)


def _walk_breakages(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """What the walk reports, or trips over, each applied to a copy of the document."""
    broken, schemas = _changer(data), _component_schemas

    def add_path(d: dict[str, Any], url: str, operation: dict[str, Any], item: dict[str, Any] | None = None) -> None:
        d.setdefault("paths", {})[url] = {
            **(item or {}),
            "get": {"responses": {"200": {"description": "ok"}}, **operation},
        }

    def response_schema(schema: dict[str, Any]) -> dict[str, Any]:
        return {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}

    def param(name: str, where: str = "query", **schema: Any) -> dict[str, Any]:
        return {"name": name, "in": where, "required": where == "path", "schema": {"type": "string", **schema}}

    parent = {"type": "object", "properties": {"id": {"type": "integer"}}}
    return [
        broken(
            "duplicate operationId",
            lambda d: (add_path(d, "/w1", {"operationId": "twice"}), add_path(d, "/w2", {"operationId": "twice"})),
        ),
        broken("path parameter not declared", lambda d: add_path(d, "/w/{id}", {})),
        broken(
            "declared path parameter not in the url", lambda d: add_path(d, "/w", {"parameters": [param("id", "path")]})
        ),
        broken(
            "path parameter declared on the path item",
            lambda d: add_path(d, "/w/{id}", {}, {"parameters": [param("id", "path")]}),
        ),
        broken("duplicate parameter", lambda d: add_path(d, "/w", {"parameters": [param("q"), param("q")]})),
        broken("unbalanced brace in a url", lambda d: add_path(d, "/w/{id", {})),
        broken(
            "parameter without in",
            lambda d: add_path(d, "/w", {"parameters": [{"name": "q", "schema": {"type": "string"}}]}),
        ),
        broken("default of the wrong type", lambda d: schemas(d).__setitem__("W", {"type": "integer", "default": "x"})),
        broken(
            "default of the wrong type, nested",
            lambda d: schemas(d).__setitem__(
                "W",
                {
                    "type": "object",
                    "properties": {"a": {"type": "array", "items": {"type": "integer", "default": "x"}}},
                },
            ),
        ),
        broken(
            "default of the wrong type in a parameter",
            lambda d: add_path(d, "/w", {"parameters": [param("q", type="integer", default="x")]}),
        ),
        broken(
            "default null, not nullable", lambda d: schemas(d).__setitem__("W", {"type": "string", "default": None})
        ),
        broken(
            "default null, nullable",
            lambda d: schemas(d).__setitem__("W", {"type": "string", "nullable": True, "default": None}),
        ),
        broken(
            "default that breaks a format",
            lambda d: schemas(d).__setitem__("W", {"type": "string", "format": "date-time", "default": "yesterday"}),
        ),
        broken(
            "default under a $ref",
            lambda d: (
                schemas(d).__setitem__("P", parent),
                schemas(d).__setitem__("W", {"allOf": [{"$ref": "#/components/schemas/P"}], "default": {"id": "x"}}),
            ),
        ),
        broken(
            "default given by a $ref",
            lambda d: schemas(d).__setitem__("W", {"type": "integer", "default": {"$ref": "#/info/title"}}),
        ),
        broken(
            "allOf required names no property",
            lambda d: schemas(d).__setitem__("W", {"allOf": [parent], "required": ["nope"]}),
        ),
        broken(
            "allOf required met by a referenced parent",
            lambda d: (
                schemas(d).__setitem__("P", parent),
                schemas(d).__setitem__("W", {"allOf": [{"$ref": "#/components/schemas/P"}], "required": ["id"]}),
            ),
        ),
        broken(
            "allOf required, schema reached nested first",
            lambda d: (
                schemas(d).__setitem__(
                    "A", {"type": "object", "properties": {"w": {"$ref": "#/components/schemas/W"}}}
                ),
                schemas(d).__setitem__("W", {"allOf": [parent], "required": ["nope"]}),
            ),
        ),
        broken(
            "allOf properties in a cycle",
            lambda d: (
                schemas(d).__setitem__("C1", {"allOf": [{"$ref": "#/components/schemas/C2"}]}),
                schemas(d).__setitem__("C2", {"allOf": [{"$ref": "#/components/schemas/C1"}]}),
            ),
        ),
        broken(
            "a $ref loop",
            lambda d: (
                schemas(d).__setitem__("L1", {"$ref": "#/components/schemas/L2"}),
                schemas(d).__setitem__("L2", {"$ref": "#/components/schemas/L1"}),
            ),
        ),
        broken(
            "a dangling $ref",
            lambda d: schemas(d).__setitem__(
                "W", {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Nowhere"}}}
            ),
        ),
        broken(
            "a $ref with escapes",
            lambda d: (
                schemas(d).__setitem__("a/b c", {"type": "integer", "default": "x"}),
                add_path(d, "/w", response_schema({"$ref": "#/components/schemas/a~1b%20c"})),
            ),
        ),
        broken("a $ref to the document", lambda d: add_path(d, "/w", response_schema({"$ref": "#"}))),
        broken(
            "a $ref into a list",
            lambda d: (
                schemas(d).__setitem__("W", {"anyOf": [{"type": "integer", "default": "x"}]}),
                add_path(d, "/w", response_schema({"$ref": "#/components/schemas/W/anyOf/0"})),
            ),
        ),
        broken("a schema that is not a schema", lambda d: schemas(d).__setitem__("W", {"type": 12})),
        broken("a schema that is a list", lambda d: add_path(d, "/w", response_schema([]))),  # type: ignore[arg-type]
        broken(
            "a pattern Python cannot compile",
            lambda d: schemas(d).__setitem__("W", {"type": "string", "pattern": "\\p{L}"}),
        ),
        broken(
            "an $id",
            lambda d: schemas(d).__setitem__(
                "W", {"$id": "https://example.com/w", "type": "object", "properties": {"a": {"$ref": "#/x"}}}
            ),
        ),
        broken("duplicate tags", lambda d: d.__setitem__("tags", [{"name": "t"}, {"name": "t"}])),
        broken("a tag without a name", lambda d: d.__setitem__("tags", [{"description": "t"}])),
        broken(
            "a $schema dialect nobody knows",
            lambda d: schemas(d).__setitem__("W", {"$schema": "https://example.com/dialect", "type": "string"}),
        ),
        broken(
            "deep nesting",
            lambda d: schemas(d).__setitem__(
                "W",
                functools.reduce(
                    lambda inner, _: {"type": "object", "properties": {"a": inner}},
                    range(60),
                    {"type": "string", "default": 1},
                ),
            ),
        ),
    ]


def test_the_quick_walk_reports_exactly_what_the_library_finds_or_declines(tmp_path):
    # Sound: where the quick walk answers, its findings are the library's, in order and word for word
    # (none for an accepted document). Useful: it accepts every clean document of the suite, it reports
    # the default mismatches itself, and the broken variants have findings to miss.
    from generator.core import walk

    clean = found = reported = 0
    for path in _walk_documents(tmp_path):
        spec = load_spec(path)
        if spec.diagnostics.has_errors or not str(spec.data.get("openapi", "")).startswith(validate.SUPPORTED):
            continue
        version = str(spec.data["openapi"])
        library = validate._validator_findings(spec, version, "walk", quick=False)
        quick = validate._quick_walk(spec, version)
        assert quick is None or quick == library, path
        if not library and len(spec.documents) == 1:
            assert quick == [], f"{path}: clean, yet not accepted"
            clean += 1
        for name, data in _walk_breakages(json.loads(json.dumps(spec.data))):
            copy_path = tmp_path / "variants" / path.name.replace(".yaml", ".json")
            copy_path.parent.mkdir(exist_ok=True)
            finds = _library_walk_findings(copy_path, data)
            found += bool(finds)
            quick = walk.findings(data, version, validate._schema_accepts)
            assert quick is None or quick == finds, (
                f"{path.name}: {name}: the quick walk says {quick}, the library {finds}"
            )
            reported += bool(quick)
    assert clean >= 20
    assert found >= 20 * 20
    assert reported >= 20  # default mismatches reported without the library
