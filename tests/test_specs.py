"""The specs themselves: valid OpenAPI, every example valid against its schema, the vendor file untouched,
every vendor-doc deviation recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator.config import load_project
from generator.core import pointer as jp
from generator.core.load import load_spec
from generator.core.validate import validate

ROOT = Path(__file__).resolve().parent.parent
PROJECT = load_project(ROOT)
APIS = {api.name: api for api in PROJECT.apis}
SEED_KOMBO = ROOT.parent / "shared" / "seeds" / "004_83fab9a20a9ef987.txt"
SCHEMA_KEYS = ("properties", "patternProperties")
SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
SCHEMA_SINGLE = ("items", "additionalProperties", "not", "contains", "if", "then", "else")


def loaded(name: str) -> Any:
    api = APIS[name]
    spec = load_spec(api.spec, api.overlays)
    assert not spec.diagnostics.has_errors, [str(d) for d in spec.diagnostics]
    return spec


@pytest.mark.parametrize("name", sorted(APIS))
def test_spec_passes_openapi_spec_validator(name):
    spec = loaded(name)
    diags = validate(spec)
    assert not diags.has_errors, [str(d) for d in diags]
    assert spec.data["openapi"].startswith("3.1")


def _schema_examples(ptr: str, schema: Any, out: list[tuple[str, str, Any]]) -> None:
    if not isinstance(schema, dict):
        return
    if "example" in schema:
        out.append((jp.join(ptr, "example"), ptr, schema["example"]))
    for index, value in enumerate(schema.get("examples") or [] if isinstance(schema.get("examples"), list) else []):
        out.append((jp.join(ptr, "examples", index), ptr, value))
    for key in SCHEMA_KEYS:
        for prop, sub in (schema.get(key) or {}).items():
            _schema_examples(jp.join(ptr, key, prop), sub, out)
    for key in SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or []):
            _schema_examples(jp.join(ptr, key, index), sub, out)
    for key in SCHEMA_SINGLE:
        if isinstance(schema.get(key), dict):
            _schema_examples(jp.join(ptr, key), schema[key], out)


def collect_examples(doc: Any) -> list[tuple[str, str, Any]]:
    """(pointer of the example, pointer of the schema it must satisfy, value) for every example."""
    out: list[tuple[str, str, Any]] = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        ptr, node = stack.pop()
        if isinstance(node, dict):
            if (
                "schema" in node
                and isinstance(node["schema"], dict)
                and ("in" in node or ptr.split("/")[-2:-1] == ["content"])
            ):
                schema_ptr = jp.join(ptr, "schema")
                if "example" in node:
                    out.append((jp.join(ptr, "example"), schema_ptr, node["example"]))
                for name, ex in (node.get("examples") or {}).items():
                    if isinstance(ex, dict) and "value" in ex:
                        out.append((jp.join(ptr, "examples", name, "value"), schema_ptr, ex["value"]))
                _schema_examples(schema_ptr, node["schema"], out)
            for key, value in node.items():
                if key in ("schema", "examples", "example") or str(key).startswith("x-"):
                    continue
                if ptr == "/components/schemas" or (ptr == "/components" and key == "schemas"):
                    continue
                stack.append((jp.join(ptr, key), value))
        elif isinstance(node, list):
            stack.extend((jp.join(ptr, index), item) for index, item in enumerate(node))
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        _schema_examples(jp.join("/components/schemas", name), schema, out)
    return sorted(out, key=lambda item: item[0])


@pytest.mark.parametrize("name", sorted(APIS))
def test_every_example_validates_against_its_schema(name):
    doc = loaded(name).data
    examples = collect_examples(doc)
    assert examples, "a spec without examples cannot show its examples are right"
    registry = Registry().with_resource("urn:spec", Resource.from_contents(doc, default_specification=DRAFT202012))
    failures = []
    for example_ptr, schema_ptr, value in examples:
        validator = jsonschema.Draft202012Validator(
            {"$ref": "urn:spec#" + schema_ptr},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        for error in validator.iter_errors(value):
            failures.append(f"{example_ptr}: {error.message} at {list(error.absolute_path)}")
    assert not failures, "\n".join(failures)


def test_example_checker_catches_a_bad_example():
    doc = {
        "openapi": "3.1.0",
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["n"],
                                        "properties": {"n": {"type": "integer"}},
                                    },
                                    "examples": {"bad": {"value": {"n": "not a number"}}},
                                }
                            }
                        }
                    }
                }
            }
        },
    }
    examples = collect_examples(doc)
    assert [e[0] for e in examples] == ["/paths/~1a/get/responses/200/content/application~1json/examples/bad/value"]
    registry = Registry().with_resource("urn:spec", Resource.from_contents(doc, default_specification=DRAFT202012))
    validator = jsonschema.Draft202012Validator({"$ref": "urn:spec#" + examples[0][1]}, registry=registry)
    assert list(validator.iter_errors(examples[0][2]))


def test_every_documented_example_is_checked():
    counts = {name: len(collect_examples(loaded(name).data)) for name in APIS}
    # Kombo: 200 example, data example, 2 error examples, parameter example, X-Integration-Id example.
    assert counts["kombo"] >= 6
    assert counts["hrflow"] >= 10
    assert counts["crafter"] >= 3


@pytest.mark.skipif(not SEED_KOMBO.is_file(), reason="vendor seed not beside the checkout")
def test_kombo_spec_is_the_vendor_file_byte_for_byte():
    seed = SEED_KOMBO.read_bytes()
    fence = b"````yaml GET /ats/candidates/{candidate_id}/attachments\n"
    start = seed.index(fence) + len(fence)
    end = seed.index(b"\n````", start)
    assert (ROOT / "specs" / "kombo.yaml").read_bytes() == seed[start : end + 1]


def test_kombo_overlay_actions_all_match():
    from generator.core.diagnostics import Diagnostics
    from generator.core.load import apply_overlay, parse_text

    doc = parse_text((ROOT / "specs/kombo.yaml").read_text(), False)
    overlay = parse_text((ROOT / "specs/kombo.overlay.yaml").read_text(), False)
    diags = Diagnostics()
    assert apply_overlay(doc, overlay, "kombo.overlay.yaml", diags) == []
    assert not diags.items
    assert doc["servers"][1]["x-sdk-server-name"] == "us"


def deviations(doc: Any) -> list[dict[str, Any]]:
    found = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.extend(node.get("x-vendor-doc-deviations") or [])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@pytest.mark.parametrize("name", ["hrflow", "crafter"])
def test_vendor_doc_deviations_are_recorded_completely(name):
    records = deviations(loaded(name).data)
    assert records
    for record in records:
        assert {"vendor", "here", "why"} <= set(record) and ("seed" in record or "source" in record), record


def test_hrflow_records_each_known_vendor_error():
    text = " ".join(str(r) for r in deviations(loaded("hrflow").data))
    for needle in [
        '"country": Scotland',
        '"educations_duration": n',
        "rows of `.`",
        '"id": id',
        "no comma after",
        "no comma between",
        "backslashes",
        "parsing object",
        "profile_id",
    ]:
        assert needle in text, needle
