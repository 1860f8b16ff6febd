"""``python -m generator diff``: one spec pair per rule (old, new, expected class and pointers on both sides)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.core.load import load_spec
from generator.drift.diff import RULES, _Unchanged, as_json, as_markdown, as_text, diff_specs

ROOT = Path(__file__).resolve().parent.parent

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1.0"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"key": []}],
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "tags": ["things"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean", "default": False}},
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    {
                        "name": "fields",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {
                            "X-Rate-Limit": {"required": True, "schema": {"type": "integer"}},
                            "X-Note": {"schema": {"type": "string"}},
                        },
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "404": {"description": "missing"},
                },
            },
            "delete": {
                "operationId": "deleteThing",
                "tags": ["things"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "gone"}},
            },
        },
        "/things": {
            "post": {
                "operationId": "createThing",
                "tags": ["things"],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewThing"}}}},
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            },
            "get": {
                "operationId": "listThings",
                "tags": ["things"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                            }
                        },
                    }
                },
            },
        },
    },
    "webhooks": {
        "thingCreated": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {"200": {"description": "received"}},
            }
        }
    },
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "kind"],
                "properties": {
                    "id": {"type": "string"},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "size": {"type": "integer"},
                    "label": {"type": "string", "maxLength": 20},
                    "meta": {"description": "anything"},
                    "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
                },
            },
            "NewThing": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "maxLength": 10, "minLength": 1, "pattern": "^[a-z]+$"},
                    "mode": {"type": "string", "enum": ["x", "y"]},
                    "count": {"type": "integer", "minimum": 0, "maximum": 100},
                    "note": {"type": "string", "nullable": True},
                    "weight": {"type": "integer"},
                    "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
                },
            },
            "Cat": {"type": "object", "properties": {"meow": {"type": "boolean"}}},
            "Dog": {"type": "object", "properties": {"bark": {"type": "boolean"}}},
            "Bird": {"type": "object", "properties": {"tweet": {"type": "boolean"}}},
        },
    },
}

GET = "/paths/~1things~1{id}/get"
POST = "/paths/~1things/post"
THING = "/components/schemas/Thing"
NEW = "/components/schemas/NewThing"
HEADERS = GET + "/responses/200/headers"


def _at(d: Any, pointer: str) -> Any:
    if not pointer:
        return d
    for token in pointer.strip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        d = d[int(token)] if isinstance(d, list) else d[token]
    return d


def _param(d: Any, name: str) -> dict[str, Any]:
    return next(p for p in _at(d, GET)["parameters"] if p["name"] == name)


def _set(pointer: str, value: Any) -> Callable[[Any], None]:
    def mutate(d: Any) -> None:
        parent, _, key = pointer.rpartition("/")
        _at(d, parent)[key.replace("~1", "/")] = value

    return mutate


def _delete(pointer: str) -> Callable[[Any], None]:
    def mutate(d: Any) -> None:
        parent, _, key = pointer.rpartition("/")
        target = _at(d, parent)
        if isinstance(target, list):
            del target[int(key)]
        else:
            del target[key.replace("~1", "/")]

    return mutate


def _do(*steps: Callable[[Any], None]) -> Callable[[Any], None]:
    def mutate(d: Any) -> None:
        for step in steps:
            step(d)

    return mutate


def _add_param(param: dict[str, Any]) -> Callable[[Any], None]:
    return lambda d: _at(d, GET)["parameters"].append(param)


def _param_set(name: str, key: str, value: Any) -> Callable[[Any], None]:
    return lambda d: _param(d, name).__setitem__(key, value)


def _enum(pointer: str, values: list[Any]) -> Callable[[Any], None]:
    return _set(pointer + "/enum", values)


# (rule, mutation, old pointer or None, new pointer or None)
CASES: list[tuple[str, Callable[[Any], None], str | None, str | None]] = [
    ("path-removed", _delete("/paths/~1things~1{id}"), "/paths/~1things~1{id}", None),
    ("operation-removed", _delete("/paths/~1things~1{id}/delete"), "/paths/~1things~1{id}/delete", None),
    ("operation-id-changed", _set(GET + "/operationId", "fetchThing"), GET, GET),
    ("operation-tag-changed", _set(GET + "/tags", ["stuff"]), GET, GET),
    ("parameter-removed", _delete(GET + "/parameters/1"), GET + "/parameters/1", None),
    (
        "required-parameter-added",
        _add_param({"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}),
        None,
        GET + "/parameters/4",
    ),
    ("parameter-made-required", _param_set("verbose", "required", True), GET + "/parameters/1", GET + "/parameters/1"),
    ("parameter-location-changed", _param_set("verbose", "in", "header"), GET + "/parameters/1", GET + "/parameters/1"),
    ("parameter-style-changed", _param_set("fields", "explode", False), GET + "/parameters/3", GET + "/parameters/3"),
    (
        "request-body-added-required",
        _set(
            "/paths/~1things~1{id}/delete/requestBody",
            {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        ),
        None,
        "/paths/~1things~1{id}/delete/requestBody",
    ),
    (
        "request-body-made-required",
        _set(POST + "/requestBody/required", True),
        POST + "/requestBody",
        POST + "/requestBody",
    ),
    ("request-body-removed", _delete(POST + "/requestBody"), POST + "/requestBody", None),
    (
        "request-media-type-removed",
        _set(POST + "/requestBody/content", {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}),
        POST + "/requestBody/content/application~1json",
        None,
    ),
    ("request-property-removed", _delete(NEW + "/properties/note"), NEW + "/properties/note", None),
    (
        "request-property-added-required",
        _do(_set(NEW + "/properties/tenant", {"type": "string"}), _set(NEW + "/required", ["name", "tenant"])),
        None,
        NEW + "/properties/tenant",
    ),
    (
        "request-property-made-required",
        _set(NEW + "/required", ["name", "mode"]),
        NEW + "/properties/mode",
        NEW + "/properties/mode",
    ),
    (
        "request-type-changed",
        _set(NEW + "/properties/weight/type", "string"),
        NEW + "/properties/weight",
        NEW + "/properties/weight",
    ),
    (
        "request-enum-value-removed",
        _enum(NEW + "/properties/mode", ["x"]),
        NEW + "/properties/mode",
        NEW + "/properties/mode",
    ),
    (
        "request-constraint-tightened",
        _set(NEW + "/properties/name/maxLength", 5),
        NEW + "/properties/name/maxLength",
        NEW + "/properties/name/maxLength",
    ),
    (
        "request-union-member-removed",
        _set(NEW + "/properties/pet/oneOf", [{"$ref": "#/components/schemas/Cat"}]),
        NEW + "/properties/pet/oneOf/1",
        None,
    ),
    ("request-additional-properties-restricted", _set(NEW + "/additionalProperties", False), NEW, NEW),
    ("response-property-removed", _delete(THING + "/properties/size"), THING + "/properties/size", None),
    (
        "response-property-made-optional",
        _set(THING + "/required", ["id"]),
        THING + "/properties/kind",
        THING + "/properties/kind",
    ),
    (
        "response-became-nullable",
        _set(THING + "/properties/size/nullable", True),
        THING + "/properties/size",
        THING + "/properties/size",
    ),
    (
        "response-type-changed",
        _set(THING + "/properties/size/type", "string"),
        THING + "/properties/size",
        THING + "/properties/size",
    ),
    (
        "response-enum-value-removed",
        _enum(THING + "/properties/kind", ["a"]),
        THING + "/properties/kind",
        THING + "/properties/kind",
    ),
    (
        "response-union-member-added",
        _set(
            THING + "/properties/pet/oneOf",
            [
                {"$ref": "#/components/schemas/Cat"},
                {"$ref": "#/components/schemas/Dog"},
                {"$ref": "#/components/schemas/Bird"},
            ],
        ),
        None,
        THING + "/properties/pet/oneOf/2",
    ),
    (
        "success-status-removed",
        _set(GET + "/responses", {"404": {"description": "missing"}}),
        GET + "/responses/200",
        None,
    ),
    (
        "response-media-type-removed",
        _set(GET + "/responses/200/content", {"application/xml": {"schema": {"type": "object"}}}),
        GET + "/responses/200/content/application~1json",
        None,
    ),
    (
        "security-scheme-added",
        _set("/components/securitySchemes/token", {"type": "http", "scheme": "bearer"}),
        None,
        "/components/securitySchemes/token",
    ),
    (
        "security-scheme-changed",
        _set("/components/securitySchemes/key/name", "X-Api-Key"),
        "/components/securitySchemes/key",
        "/components/securitySchemes/key",
    ),
    (
        "security-scheme-removed",
        _do(_delete("/components/securitySchemes/key"), _set("/security", [])),
        "/components/securitySchemes/key",
        None,
    ),
    (
        "security-requirement-changed",
        _do(
            _set("/components/securitySchemes/token", {"type": "http", "scheme": "bearer"}),
            _set(GET + "/security", [{"token": []}]),
        ),
        GET,
        GET,
    ),
    ("server-removed", _set("/servers", [{"url": "https://eu.example.com/v1"}]), "/servers/0", None),
    (
        "operation-server-removed",  # the operation leaves the document's server for one of its own
        _set(GET + "/servers", [{"url": "https://upload.example.com/v1"}]),
        "/servers/0",
        None,
    ),
    ("schema-removed", _delete("/components/schemas/Bird"), "/components/schemas/Bird", None),
    (
        "request-enum-value-added",
        _enum(NEW + "/properties/mode", ["x", "y", "z"]),
        NEW + "/properties/mode",
        NEW + "/properties/mode",
    ),
    ("operation-deprecated", _set(GET + "/deprecated", True), GET, GET),
    ("success-status-added", _set(GET + "/responses/202", {"description": "later"}), None, GET + "/responses/202"),
    ("error-status-removed", _delete(GET + "/responses/404"), GET + "/responses/404", None),
    (
        "parameter-default-changed",
        _set(GET + "/parameters/1/schema/default", True),
        GET + "/parameters/1",
        GET + "/parameters/1",
    ),
    (
        "response-enum-value-added",
        _enum(THING + "/properties/kind", ["a", "b", "c"]),
        THING + "/properties/kind",
        THING + "/properties/kind",
    ),
    (
        "response-constraint-changed",
        _set(THING + "/properties/label/maxLength", 10),
        THING + "/properties/label/maxLength",
        THING + "/properties/label/maxLength",
    ),
    (
        "request-constraint-relaxed",
        _set(NEW + "/properties/count/maximum", 1000),
        NEW + "/properties/count/maximum",
        NEW + "/properties/count/maximum",
    ),
    (
        "request-type-widened",
        _set(NEW + "/properties/weight/type", "number"),
        NEW + "/properties/weight",
        NEW + "/properties/weight",
    ),
    (
        "response-type-narrowed",
        _set(THING + "/properties/meta/type", "object"),
        THING + "/properties/meta",
        THING + "/properties/meta",
    ),
    (
        "path-added",
        _set("/paths/~1widgets", {"get": {"operationId": "listWidgets", "responses": {"200": {"description": "ok"}}}}),
        None,
        "/paths/~1widgets",
    ),
    (
        "operation-added",
        _set("/paths/~1things~1{id}/patch", {"operationId": "patchThing", "responses": {"200": {"description": "ok"}}}),
        None,
        "/paths/~1things~1{id}/patch",
    ),
    (
        "optional-parameter-added",
        _add_param({"name": "lang", "in": "query", "schema": {"type": "string"}}),
        None,
        GET + "/parameters/4",
    ),
    ("parameter-made-optional", _param_set("fields", "required", False), GET + "/parameters/3", GET + "/parameters/3"),
    (
        "request-body-added",
        _set(
            "/paths/~1things~1{id}/delete/requestBody",
            {"content": {"application/json": {"schema": {"type": "object"}}}},
        ),
        None,
        "/paths/~1things~1{id}/delete/requestBody",
    ),
    (
        "request-media-type-added",
        _set(POST + "/requestBody/content/application~1x-www-form-urlencoded", {"schema": {"type": "object"}}),
        None,
        POST + "/requestBody/content/application~1x-www-form-urlencoded",
    ),
    ("request-property-added", _set(NEW + "/properties/color", {"type": "string"}), None, NEW + "/properties/color"),
    ("request-property-made-optional", _set(NEW + "/required", []), NEW + "/properties/name", NEW + "/properties/name"),
    (
        "request-union-member-added",
        _set(
            NEW + "/properties/pet/oneOf",
            [
                {"$ref": "#/components/schemas/Cat"},
                {"$ref": "#/components/schemas/Dog"},
                {"$ref": "#/components/schemas/Bird"},
            ],
        ),
        None,
        NEW + "/properties/pet/oneOf/2",
    ),
    (
        "response-property-added",
        _set(THING + "/properties/color", {"type": "string"}),
        None,
        THING + "/properties/color",
    ),
    (
        "response-property-made-required",
        _set(THING + "/required", ["id", "kind", "size"]),
        THING + "/properties/size",
        THING + "/properties/size",
    ),
    (
        "response-union-member-removed",
        _set(THING + "/properties/pet/oneOf", [{"$ref": "#/components/schemas/Cat"}]),
        THING + "/properties/pet/oneOf/1",
        None,
    ),
    (
        "response-media-type-added",
        _set(GET + "/responses/200/content/application~1xml", {"schema": {"type": "object"}}),
        None,
        GET + "/responses/200/content/application~1xml",
    ),
    ("error-status-added", _set(GET + "/responses/429", {"description": "slow down"}), None, GET + "/responses/429"),
    ("security-scheme-unused-removed", _set(GET + "/security", [{"key": []}, {}]), GET, GET),
    (
        "server-added",
        _set("/servers", [{"url": "https://api.example.com/v1"}, {"url": "https://eu.example.com/v1"}]),
        None,
        "/servers/1",
    ),
    (
        "operation-server-added",
        _set(GET + "/servers", [{"url": "https://api.example.com/v1"}, {"url": "https://upload.example.com/v1"}]),
        None,
        GET + "/servers/1",
    ),
    ("schema-added", _set("/components/schemas/Fish", {"type": "object"}), None, "/components/schemas/Fish"),
    ("response-header-removed", _delete(GET + "/responses/200/headers/X-Rate-Limit"), HEADERS + "/X-Rate-Limit", None),
    ("response-optional-header-removed", _delete(HEADERS + "/X-Note"), HEADERS + "/X-Note", None),
    (
        "response-header-made-optional",
        _set(HEADERS + "/X-Rate-Limit/required", False),
        HEADERS + "/X-Rate-Limit",
        HEADERS + "/X-Rate-Limit",
    ),
    (
        "response-header-made-required",
        _set(HEADERS + "/X-Note/required", True),
        HEADERS + "/X-Note",
        HEADERS + "/X-Note",
    ),
    (
        "response-header-added",
        _set(HEADERS + "/X-Request-Id", {"schema": {"type": "string"}}),
        None,
        HEADERS + "/X-Request-Id",
    ),
    ("webhook-removed", _delete("/webhooks/thingCreated"), "/webhooks/thingCreated", None),
    (
        "response-constraint-loosened",
        _set(THING + "/properties/label/maxLength", 40),
        THING + "/properties/label/maxLength",
        THING + "/properties/label/maxLength",
    ),
    (
        "request-pattern-changed",
        _do(_set(NEW + "/properties/name/pattern", "^[0-9]+$")),
        NEW + "/properties/name/pattern",
        NEW + "/properties/name/pattern",
    ),
    (
        "webhook-added",
        _set("/webhooks/thingDeleted", {"post": {"responses": {"200": {"description": "ok"}}}}),
        None,
        "/webhooks/thingDeleted",
    ),
    ("description-changed", _set(GET + "/summary", "Fetch one thing."), GET + "/summary", GET + "/summary"),
    ("version-changed", _set("/info/version", "1.1"), "/info/version", "/info/version"),
]


def _load(tmp_path: Path, name: str, data: Any):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    spec = load_spec(path)
    assert not spec.diagnostics.has_errors, spec.diagnostics.items
    return spec


def _pair(tmp_path: Path, mutate: Callable[[Any], None]):
    new = copy.deepcopy(BASE)
    mutate(new)
    return _load(tmp_path, "old", BASE), _load(tmp_path, "new", new)


def test_every_rule_has_a_case():
    assert sorted(rule for rule, *_ in CASES) == sorted(RULES)


@pytest.mark.parametrize(("rule", "mutate", "old_ptr", "new_ptr"), CASES, ids=[c[0] for c in CASES])
def test_rule(rule, mutate, old_ptr, new_ptr, tmp_path):
    old, new = _pair(tmp_path, mutate)
    result = diff_specs(old, new)
    found = [c for c in result.changes if c.rule == rule]
    assert found, f"{rule} not reported; got {[(c.rule, c.message) for c in result.changes]}"
    change = found[0]
    assert change.level == RULES[rule].level
    assert (change.old.partition("#")[2] if change.old else None) == old_ptr
    assert (change.new.partition("#")[2] if change.new else None) == new_ptr
    assert (
        change.old is None or change.old.startswith(str(tmp_path / "old.json").lstrip("/")) or "old.json#" in change.old
    )
    if RULES[rule].level != "breaking":  # a non-breaking change is not over-classified somewhere else
        assert not [c for c in result.changes if c.level == "breaking"], result.changes


def test_identical_specs_have_no_changes(tmp_path):
    old, new = _pair(tmp_path, lambda d: None)
    result = diff_specs(old, new)
    assert result.changes == [] and result.bump is None and not result.fails("warning")


def test_bump_follows_the_most_severe_change(tmp_path):
    assert diff_specs(*_pair(tmp_path, _delete(GET + "/parameters/1"))).bump == "major"
    assert diff_specs(*_pair(tmp_path, _set(THING + "/properties/color", {"type": "string"}))).bump == "minor"
    assert diff_specs(*_pair(tmp_path, _set(GET + "/summary", "Fetch."))).bump == "patch"
    assert diff_specs(*_pair(tmp_path, _set("/info/x-logo", "logo.png"))).bump == "patch"  # anything else: docs


def test_recursive_schemas_terminate(tmp_path):
    old = copy.deepcopy(BASE)
    old["components"]["schemas"]["Thing"]["properties"]["children"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Thing"},
    }
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "string"}
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", new))
    assert [(c.rule, c.where) for c in result.changes] == [("response-property-added", "schema Thing")]


def test_a_path_items_servers_are_its_operations_servers(tmp_path):
    item = "/paths/~1things~1{id}"
    two = [{"url": "https://upload.example.com/v1"}, {"url": "https://files.example.com/v1"}]
    old = copy.deepcopy(BASE)
    old["paths"]["/things/{id}"]["servers"] = two
    new = copy.deepcopy(old)
    new["paths"]["/things/{id}"]["servers"] = two[1:]
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", new))
    assert [(c.rule, c.where, c.old.partition("#")[2] if c.old else None) for c in result.changes] == [
        ("operation-server-removed", "DELETE /things/{id}", item + "/servers/0"),
        ("operation-server-removed", "GET /things/{id}", item + "/servers/0"),
    ]
    # an operation's own servers win over its path item's: a change to the path item's is not its change
    old["paths"]["/things/{id}"]["get"]["servers"] = new["paths"]["/things/{id}"]["get"]["servers"] = two
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", new))
    assert [(c.rule, c.where) for c in result.changes] == [("operation-server-removed", "DELETE /things/{id}")]
    # the document's servers changing is the document's rule, not each operation's
    result = diff_specs(*_pair(tmp_path, _set("/servers", [{"url": "https://eu.example.com/v1"}])))
    assert {c.rule for c in result.changes} == {"server-removed", "server-added"}


def test_renamed_path_parameter_is_the_same_path(tmp_path):
    def rename(d: Any) -> None:
        d["paths"]["/things/{thing_id}"] = d["paths"].pop("/things/{id}")
        for op in d["paths"]["/things/{thing_id}"].values():
            op["parameters"][0]["name"] = "thing_id"

    result = diff_specs(*_pair(tmp_path, rename))
    assert "path-removed" not in {c.rule for c in result.changes}
    assert {"parameter-removed", "required-parameter-added"} <= {c.rule for c in result.changes}  # the keyword changes


def test_output_formats(tmp_path):
    result = diff_specs(*_pair(tmp_path, _do(_delete(GET + "/parameters/1"), _set(GET + "/summary", "x"))))
    text = as_text(result)
    assert "breaking parameter-removed: GET /things/{id}: query parameter 'verbose' removed" in text
    assert "old: " in text and "2 change(s): 1 breaking, 0 warning, 1 safe; version bump: major" in text
    payload = json.loads(as_json(result))
    assert list(payload) == ["schema", "summary", "changes", "api"] and payload["schema"] == "specgen-diff/1"
    assert all(list(c) == ["level", "rule", "where", "message", "old", "new"] for c in payload["changes"])
    assert payload["summary"] == {
        "breaking": 1,
        "warning": 0,
        "safe": 1,
        "bump": "major",
        "api_breaking": 0,
        "api_added": 0,
    }
    assert payload["api"] == []
    assert payload["changes"][0]["rule"] == "parameter-removed" and payload["changes"][0]["old"].endswith(
        "#" + GET + "/parameters/1"
    )
    markdown = as_markdown(result)
    assert markdown.startswith("### API changes") and "| 🔴 breaking | `parameter-removed` |" in markdown


def test_cli_exit_codes_and_git_sides(tmp_path):
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    old.write_text(json.dumps(BASE), encoding="utf-8")
    changed = copy.deepcopy(BASE)
    _enum(NEW + "/properties/mode", ["x", "y", "z"])(changed)
    new.write_text(json.dumps(changed), encoding="utf-8")

    def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", "diff", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )

    assert cli(str(old), str(new)).returncode == 0  # a warning does not fail by default
    assert cli(str(old), str(new), "--fail-on", "warning").returncode == 1
    assert cli(str(new), str(old), "--fail-on", "never").returncode == 0
    assert cli(str(new), str(old)).returncode == 1  # the enum value removed again: breaking
    # git:REV:path reads the committed file
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, timeout=60)  # noqa: E731
    git("init", "-q")
    (repo / "specs" / "api.json").write_text(json.dumps(BASE), encoding="utf-8")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    (repo / "specs" / "api.json").write_text(json.dumps(changed), encoding="utf-8")
    proc = cli("git:HEAD:specs/api.json", "specs/api.json", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    change = json.loads(proc.stdout)["changes"][0]
    assert change["rule"] == "request-enum-value-added" and change["old"].startswith("HEAD:specs/api.json#")
    bad = cli("git:NOPE:specs/api.json", "specs/api.json", cwd=repo)
    assert bad.returncode == 2 and "NOPE" in bad.stderr


def test_readme_lists_every_rule_with_its_class():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule, spec in RULES.items():
        assert f"| `{rule}` | {spec.level} | {spec.summary} |" in readme, rule


def test_ci_and_pre_commit_files_run_the_check():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/spec-drift.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["check"]["steps"]
    assert any(step.get("run") == "make check" for step in steps)
    assert any("--format markdown" in str(step.get("run", "")) for step in steps)
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert hooks["specgen-check"]["entry"] == "python -m generator check"
    assert "generator diff" in hooks["specgen-diff"]["entry"]


def test_snapshot_json_is_the_standard_librarys_indented_json_byte_for_byte():
    # history.indented_json stands in for json.dumps(indent=1, ensure_ascii=False, default=str).
    import datetime
    import json
    from pathlib import Path

    from generator.core.load import load_spec
    from generator.drift.history import indented_json

    root = Path(__file__).resolve().parent.parent
    shared = {"x": [1, {}]}
    values: list[object] = [
        {},
        [],
        (),
        {"a": {}, "b": []},
        (1, [2, ()]),
        "s",
        1,
        None,
        True,
        [shared, shared],
        {1: "int", True: "bool", None: "null", 1.5: "float"},  # noqa: F601 - the keys json.dumps folds together
        {'é\u2028\x00"\\\t': 'é\u2028\x00"\\ \ud800'},
        [1.0, 1e-07, -0.0, 10**30, float("nan"), float("inf"), datetime.date(2020, 1, 2)],
    ]
    values += [
        load_spec(p).documents
        for p in sorted((root / "specs").glob("*.yaml")) + sorted((root / "tests" / "corpus").rglob("*.json"))
    ]
    for value in values:
        assert indented_json(value) == json.dumps(value, indent=1, ensure_ascii=False, default=str)
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        indented_json(cycle)
    with pytest.raises(TypeError):
        indented_json({datetime.date(2020, 1, 1): 1})


def _mutations(data: dict[str, Any]) -> list[Callable[[Any], None]]:
    """Edits of the kinds a vendor makes, to a component schema (and so to everything that reaches it),
    an operation, and the document's security."""
    schemas = sorted(data.get("components", {}).get("schemas", {}))

    def in_schema(index: int, change: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
        def mutate(d: Any) -> None:
            if schemas:
                change(d["components"]["schemas"][schemas[index % len(schemas)]])

        return mutate

    def first_operation(d: Any) -> dict[str, Any]:
        for item in d.get("paths", {}).values():
            for method in ("get", "post", "put", "patch", "delete"):
                if isinstance(item, dict) and method in item:
                    return item[method]
        return {}

    return [
        lambda d: None,
        in_schema(0, lambda s: s.setdefault("properties", {}).__setitem__("added", {"type": "string"})),
        in_schema(len(schemas) // 2, lambda s: s.__setitem__("description", "changed")),
        in_schema(len(schemas) - 1, lambda s: s.setdefault("required", []).append("added")),
        in_schema(
            len(schemas) // 3,
            lambda s: s.__setitem__("type", "array") if "type" in s else s.__setitem__("nullable", True),
        ),
        lambda d: first_operation(d).__setitem__("summary", "changed"),
        lambda d: (
            first_operation(d)
            .setdefault("parameters", [])
            .append({"name": "added", "in": "query", "required": True, "schema": {"type": "integer"}})
        ),
        lambda d: d.__setitem__("security", [{"other": []}]),
    ]


def test_pruned_diff_finds_exactly_what_the_full_comparison_finds(tmp_path):
    # diff_specs skips what is unchanged together with everything it reaches; the full comparison is the
    # oracle. Both directions, on every rule's case, on the suite's documents under each kind of edit
    # (the old side read back from a snapshot, as a generation diffs it), and with component names that
    # extend each other ("a" and "a-b": their pointers interleave when sorted).
    from generator.drift.history import from_snapshot, snapshot

    pairs = [_pair(tmp_path, mutate) for _, mutate, _, _ in CASES]
    near = copy.deepcopy(BASE)
    near["components"]["schemas"]["Thing-list"] = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    near["components"]["schemas"]["Thing"]["properties"]["owner"] = {
        "allOf": [{"$ref": "#/components/schemas/NewThing"}]
    }
    changed = copy.deepcopy(near)
    changed["components"]["schemas"]["NewThing"]["properties"] = {"extra": {"type": "string"}}
    pairs.append((_load(tmp_path, "near-old", near), _load(tmp_path, "near-new", changed)))
    documents = (
        sorted((ROOT / "specs").glob("*.yaml"))
        + sorted((ROOT / "tests" / "specs").glob("*.yaml"))
        + sorted((ROOT / "tests" / "corpus").rglob("*.json"))
    )
    for path in documents:
        if "overlay" in path.name:
            continue
        base = load_spec(path)
        if base.diagnostics.has_errors:
            continue
        old = from_snapshot(snapshot(base), "spec-snapshot.json")
        for index, mutate in enumerate(_mutations(base.data)):
            data = copy.deepcopy(base.data)
            mutate(data)
            pairs.append((old, _load(tmp_path, f"{path.stem}-{index}", data)))
    for side, version in (("old", "1"), ("new", "2")):  # a schema in a second document changes
        folder = tmp_path / f"split-{side}"
        folder.mkdir()
        (folder / "shared.json").write_text(
            json.dumps(
                {"Part": {"type": "object", "properties": {"v": {"type": "string" if version == "1" else "integer"}}}}
            ),
            encoding="utf-8",
        )
        split = copy.deepcopy(BASE)
        split["components"]["schemas"]["Thing"]["properties"]["part"] = {"$ref": "shared.json#/Part"}
        (folder / "api.json").write_text(json.dumps(split), encoding="utf-8")
    pairs.append((load_spec(tmp_path / "split-old" / "api.json"), load_spec(tmp_path / "split-new" / "api.json")))
    pairs.append((from_snapshot(snapshot(pairs[-1][0]), "spec-snapshot.json"), pairs[-1][1]))
    compared = pruned = 0
    for old, new in pairs:
        for a, b in ((old, new), (new, old)):
            assert diff_specs(a, b) == diff_specs(a, b, prune=False), (a.label, b.label)
            compared += 1
            unchanged = _Unchanged(a, b)
            pruned += bool(unchanged._dirty < {t for _, r in unchanged._refs.values() for t in r if t})
    assert compared > 300 and pruned > 100  # and the pruning did skip something in most of them


def _rules(tmp_path: Path, mutate: Callable[[Any], None]) -> list[tuple[str, str | None, str | None]]:
    result = diff_specs(*_pair(tmp_path, mutate))
    return [
        (c.rule, c.old.partition("#")[2] if c.old else None, c.new.partition("#")[2] if c.new else None)
        for c in result.changes
    ]


KEYWORD_VALUES: dict[str, Any] = {
    "contains": {"type": "string"},
    "if": {"required": ["a"]},
    "then": {"required": ["b"]},
    "else": {"required": ["c"]},
    "dependentRequired": {"a": ["b"]},
    "dependentSchemas": {"a": {"required": ["b"]}},
    "prefixItems": [{"type": "string"}],
    "propertyNames": {"pattern": "^[a-z]+$"},
    "patternProperties": {"^x-": {"type": "string"}},
    "unevaluatedItems": False,
    "unevaluatedProperties": False,
    "contentSchema": {"type": "object"},
    "contentMediaType": "application/json",
    "contentEncoding": "base64",
    "not": {"type": "null"},
}


@pytest.mark.parametrize("keyword", sorted(KEYWORD_VALUES))
def test_json_schema_2020_keywords_in_their_own_direction(keyword, tmp_path):
    from generator.drift.diff import SCHEMA_KEYWORDS

    assert set(KEYWORD_VALUES) == set(SCHEMA_KEYWORDS)
    # Added to a request: tightened; removed: relaxed. Removed from a response: loosened (a warning);
    # added: safe. prefixItems the other way round (without it, ``items`` covers every position).
    value = KEYWORD_VALUES[keyword]
    inverted = keyword == "prefixItems"
    request, response = NEW + "/properties/weight", THING + "/properties/size"
    added = "request-constraint-relaxed" if inverted else "request-constraint-tightened"
    assert _rules(tmp_path, _set(request + "/" + keyword, value)) == [(added, request, request + "/" + keyword)]
    for where, rule in (
        (request, "request-constraint-tightened" if inverted else "request-constraint-relaxed"),
        (response, "response-constraint-changed" if inverted else "response-constraint-loosened"),
    ):
        with_it = copy.deepcopy(BASE)
        _set(where + "/" + keyword, value)(with_it)
        removed = diff_specs(_load(tmp_path, "old", with_it), _load(tmp_path, "new", BASE))
        assert [(c.rule, c.level) for c in removed.changes] == [(rule, RULES[rule].level)]
    response_added = "response-constraint-loosened" if inverted else "response-constraint-changed"
    assert _rules(tmp_path, _set(response + "/" + keyword, value)) == [
        (response_added, response, response + "/" + keyword)
    ]


def test_contains_counts_are_bounds(tmp_path):
    weight = NEW + "/properties/weight"
    base = copy.deepcopy(BASE)
    _set(weight + "/minContains", 2)(base)
    for value, rule in ((3, "request-constraint-tightened"), (1, "request-constraint-relaxed")):
        other = copy.deepcopy(base)
        _set(weight + "/minContains", value)(other)
        result = diff_specs(_load(tmp_path, "old", base), _load(tmp_path, "new", other))
        assert [c.rule for c in result.changes] == [rule]


def test_every_keyword_changed_is_its_own_change(tmp_path):
    both = _do(_set(NEW + "/properties/name/maxLength", 5), _set(NEW + "/properties/name/minLength", 2))
    name = NEW + "/properties/name"
    assert sorted(_rules(tmp_path, both)) == [
        ("request-constraint-tightened", name + "/maxLength", name + "/maxLength"),
        ("request-constraint-tightened", name + "/minLength", name + "/minLength"),
    ]


def test_a_pattern_that_matches_everything_is_relaxed(tmp_path):
    name = NEW + "/properties/name"
    strict = copy.deepcopy(BASE)
    _set(name + "/pattern", "^[a-z]+$")(strict)
    loose = copy.deepcopy(strict)
    _set(name + "/pattern", "")(loose)
    result = diff_specs(_load(tmp_path, "old", strict), _load(tmp_path, "new", loose))
    assert [(c.rule, c.level) for c in result.changes] == [("request-constraint-relaxed", "safe")]


def test_a_property_a_direction_never_carries_is_not_removed_from_it(tmp_path):
    # A writeOnly property is never in a response; removing it is no response change (and readOnly
    # likewise in a request).
    old = copy.deepcopy(BASE)
    _set(THING + "/properties/secret", {"type": "string", "writeOnly": True})(old)
    _set(NEW + "/properties/created", {"type": "string", "readOnly": True})(old)
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", BASE))
    assert [c.rule for c in result.changes if c.level == "breaking"] == []


def test_an_operation_that_needs_no_credentials_now_is_safe(tmp_path):
    result = diff_specs(*_pair(tmp_path, _set(GET + "/security", [])))
    assert [(c.rule, c.level, c.message) for c in result.changes] == [
        ("security-scheme-unused-removed", "safe", "no credentials needed now")
    ]


def test_x_extensible_enum_values_in_their_own_direction(tmp_path):
    old = copy.deepcopy(BASE)
    _param(old, "X-Trace")["schema"]["x-extensible-enum"] = ["alpha", "beta"]
    _set(THING + "/properties/label/x-extensible-enum", ["red", "blue"])(old)
    param = GET + "/parameters/2/schema"
    fewer = copy.deepcopy(old)
    _param(fewer, "X-Trace")["schema"]["x-extensible-enum"] = ["alpha"]
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", fewer))
    assert [(c.rule, c.level, c.new.partition("#")[2]) for c in result.changes] == [
        ("request-enum-value-removed", "breaking", param + "/x-extensible-enum")
    ]
    more = copy.deepcopy(old)
    _set(THING + "/properties/label/x-extensible-enum", ["red", "blue", "green"])(more)
    result = diff_specs(_load(tmp_path, "old", old), _load(tmp_path, "new", more))
    assert [(c.rule, c.level) for c in result.changes] == [("response-enum-value-added", "safe")]


def test_a_response_headers_type_is_compared_as_a_response(tmp_path):
    assert _rules(tmp_path, _set(HEADERS + "/X-Rate-Limit/schema", {"type": ["integer", "string"]})) == [
        ("response-type-changed", HEADERS + "/X-Rate-Limit/schema", HEADERS + "/X-Rate-Limit/schema")
    ]
    assert _rules(tmp_path, _delete(HEADERS + "/X-Rate-Limit")) == [
        ("response-header-removed", HEADERS + "/X-Rate-Limit", None)
    ]


def test_webhook_payloads_and_callbacks_are_compared(tmp_path):
    hook = "/webhooks/thingCreated/post/requestBody/content/application~1json/schema"
    inline = copy.deepcopy(BASE)
    _set(hook, {"type": "object", "properties": {"id": {"type": "string"}, "at": {"type": "string"}}})(inline)
    callback = {
        "{$request.body#/url}": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"done": {"type": "boolean"}}}}
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    }
    _set(POST + "/callbacks", {"onDone": callback})(inline)
    dropped = copy.deepcopy(inline)
    del _at(dropped, hook)["properties"]["at"]
    del _at(dropped, POST + "/callbacks")["onDone"]
    result = diff_specs(_load(tmp_path, "old", inline), _load(tmp_path, "new", dropped))
    assert sorted((c.rule, c.where) for c in result.changes) == [
        ("response-property-removed", "webhook thingCreated POST"),
        ("webhook-removed", "POST /things callback onDone"),
    ]
    changed = copy.deepcopy(inline)
    body = POST + "/callbacks/onDone/{$request.body#~1url}/post/requestBody/content/application~1json/schema"
    del _at(changed, body)["properties"]["done"]
    result = diff_specs(_load(tmp_path, "old", inline), _load(tmp_path, "new", changed))
    assert [(c.rule, c.level) for c in result.changes] == [("response-property-removed", "breaking")]


# --- one truth: diff's release is generate's, judged by the generated public API ----------------------

INTERVIEWS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Hiring", "version": "1.0"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/interviews/{id}": {
            "get": {
                "operationId": "getInterview",
                "tags": ["interviews"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Interview"}}},
                    }
                },
            }
        },
        "/notes": {
            "get": {
                "operationId": "listNotes",
                "tags": ["notes"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {"Interview": {"type": "object", "properties": {"id": {"type": "string"}, "at": {"type": "string"}}}}
    },
}

JOBS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Jobs", "version": "1.0"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/jobs/{id}": {
            "patch": {
                "operationId": "updateJob",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string"}}}}
                    }
                },
                "responses": {"204": {"description": "updated"}},
            }
        }
    },
}


def _releases(tmp_path: Path, old: Any, new: Any) -> tuple[dict[str, Any], str | None]:
    """``diff OLD NEW --format json`` (the command line), and the bump ``generate`` releases when the spec
    goes from ``old`` to ``new`` in a package folder (generated twice: the first is the previous release)."""
    old_path, new_path = tmp_path / "old" / "api.json", tmp_path / "new" / "api.json"
    for path, data in ((old_path, old), (new_path, new)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )

    proc = cli("diff", str(old_path), str(new_path), "--format", "json", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    diffed = json.loads(proc.stdout)
    spec = tmp_path / "spec" / "api.json"
    spec.parent.mkdir()
    versions = []
    for data in (old, new):
        spec.write_text(json.dumps(data), encoding="utf-8")
        proc = cli("generate", "--spec", str(spec), "--out", str(tmp_path / "pkg"), "--no-cache", "-q")
        assert proc.returncode == 0, proc.stderr
        pyproject = (tmp_path / "pkg" / "pyproject.toml").read_text(encoding="utf-8")
        versions.append(re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1))  # type: ignore[union-attr]
    entry = (tmp_path / "pkg" / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.search(rf"^## {re.escape(versions[1])} \((\w+);", entry, re.M)
    return diffed, (released.group(1) if released and versions[1] != versions[0] else None)


def test_an_operation_id_respelled_with_the_same_method_is_not_major(tmp_path):
    new = copy.deepcopy(INTERVIEWS)
    new["paths"]["/interviews/{id}"]["get"]["operationId"] = "retrieveInterview"
    diffed, generated = _releases(tmp_path, INTERVIEWS, new)
    assert [c["rule"] for c in diffed["changes"]] == ["operation-id-changed"]
    assert diffed["changes"][0]["level"] == "safe"
    assert diffed["api"] == [] and diffed["summary"]["bump"] == "patch"
    assert generated == "patch"


def test_a_tag_whose_case_changed_with_the_same_resource_is_not_major(tmp_path):
    new = copy.deepcopy(INTERVIEWS)
    new["paths"]["/notes"]["get"]["tags"] = ["Notes"]
    diffed, generated = _releases(tmp_path, INTERVIEWS, new)
    assert [(c["rule"], c["level"]) for c in diffed["changes"]] == [("operation-tag-changed", "safe")]
    assert diffed["summary"]["bump"] in ("patch", None) and not diffed["summary"]["api_breaking"]
    assert generated == diffed["summary"]["bump"]


def test_diff_releases_what_generate_releases_when_an_operation_joins_a_lone_one(tmp_path):
    new = copy.deepcopy(JOBS)
    new["paths"]["/jobs"] = {
        "get": {
            "operationId": "listJobs",
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
                }
            },
        }
    }
    diffed, generated = _releases(tmp_path, JOBS, new)
    assert diffed["summary"]["bump"] == generated, (diffed, generated)
    assert "path-added" in {c["rule"] for c in diffed["changes"]}


def test_a_method_renamed_by_x_sdk_name_is_a_major_release_naming_the_rename(tmp_path):
    new = copy.deepcopy(INTERVIEWS)
    new["paths"]["/interviews/{id}"]["get"]["x-sdk-name"] = "fetch"
    diffed, generated = _releases(tmp_path, INTERVIEWS, new)
    assert diffed["summary"]["bump"] == generated == "major"
    texts = [a["text"] for a in diffed["api"] if a["level"] == "breaking"]
    assert any("renamed to" in t and "fetch()" in t for t in texts), texts
