"""Names come from the spec's own structure: union members are named by what tells them apart, a name
already taken is replaced by one built from the schema's place in the document, and a number is the last
resort. Nullable classes are ``Class | None`` where they are used."""

from __future__ import annotations

import json

from generator import generate_package

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Names", "version": "1"},
    "paths": {
        "/x": {
            "post": {
                "operationId": "send",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/file-commit"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Event": {
                "type": "object",
                "properties": {
                    "body": {
                        "oneOf": [
                            {"type": "object", "title": "Greeting", "properties": {"text": {"type": "string"}}},
                            {"type": "object", "properties": {"kind": {"const": "ping"}, "at": {"type": "string"}}},
                            {"type": "string", "enum": ["low", "high"]},
                            {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}},
                            {"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Audit"}]},
                            {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Base"},
                                    {"$ref": "#/components/schemas/Billing"},
                                ]
                            },
                            {"type": "object", "properties": {"misc": {"type": "integer"}}},
                        ]
                    },
                    "rule": {
                        "anyOf": [
                            {
                                "type": "object",
                                "required": ["id", "name"],
                                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                            },
                            {
                                "type": "object",
                                "required": ["id", "message"],
                                "properties": {"id": {"type": "string"}, "message": {"type": "string"}},
                            },
                        ]
                    },
                    "owner": {"$ref": "#/components/schemas/Owner"},
                    "flag": {"$ref": "#/components/schemas/Anything"},
                },
            },
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Audit": {"type": "object", "properties": {"actor": {"type": "string"}}},
            "Billing": {"type": "object", "properties": {"amount": {"type": "number"}}},
            "Owner": {"type": "object", "nullable": True, "properties": {"login": {"type": "string"}}},
            "Anything": True,
            # "file-commit" has a property "commit" whose inline schema would also be called FileCommit.
            "file-commit": {
                "type": "object",
                "properties": {"commit": {"type": "object", "properties": {"sha": {"type": "string"}}}},
            },
        }
    },
}


def test_names_come_from_structure(tmp_path):
    spec = tmp_path / "names.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    result = generate_package(spec, name="names")
    assert result.ok, [str(d) for d in result.diagnostics]
    models = {m.name: m for m in result.api.models}
    enums = {e.name for e in result.api.enums}
    body = next(f for f in models["Event"].fields if f.name == "body")
    members = [m for m in body.annotation.split(" | ") if m != "None"]
    assert members == [
        "EventBodyGreeting",
        "EventBodyPing",
        "EventBodyLowEtc",
        "EventBodyWithUrl",
        "EventBodyAudit",
        "EventBodyBilling",
        "EventBodyWithMisc",
    ]
    assert "EventBodyLowEtc" in enums
    # Both members require "id": each is named after the property only it requires.
    rule = next(f for f in models["Event"].fields if f.name == "rule")
    assert rule.annotation == "EventRuleWithName | EventRuleWithMessage | None"
    assert not [name for name in models if name[-1].isdigit()]
    # The inline "commit" object cannot take FileCommit (the component has it): it is named from its place.
    assert {"FileCommit", "FileCommitCommit"} <= set(models)
    assert any(d.code == "W300" and "'FileCommit'" in d.message for d in result.diagnostics)
    # A nullable class is "Class | None" where it is used; a $ref to `true` is Any, not a crash.
    fields = {f.name: f.annotation for f in models["Event"].fields}
    assert fields["owner"] == "Owner | None"
    assert fields["flag"] == "Any"


def test_the_client_class_is_the_title_without_a_trailing_api(tmp_path):
    # "Stripe API" -> Stripe, not StripeAPI; a title that is only "API" keeps it; --client wins.
    for title, expected in (
        ("Stripe API", "Stripe"),
        ("Apideck ATS API", "ApideckATS"),
        ("Train Travel API", "TrainTravel"),
        ("OpenAPI Petstore", "OpenAPIPetstore"),
        ("API", "API"),
        ("Things APIs", "Things"),
    ):
        spec = tmp_path / "api.json"
        spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": title, "version": "1"}, "paths": {}}))
        result = generate_package(spec, name="named")
        assert result.api is not None and result.api.client_class == expected, title
        assert result.api.async_client_class == "Async" + expected
    assert generate_package(spec, name="named", client="Mine").api.client_class == "Mine"
