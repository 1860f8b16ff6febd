"""Names come from the spec's own structure: union members are named by what tells them apart, a name
already taken is replaced by one built from the schema's place in the document, and a number is the last
resort. Nullable classes are ``Class | None`` where they are used."""

from __future__ import annotations

import json
import re
from typing import Any

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


def _op(operation_id: str | None = None, tags: list[str] | None = None) -> dict[str, object]:
    op: dict[str, object] = {"responses": {"204": {"description": "done"}}}
    if operation_id:
        op["operationId"] = operation_id
    if tags:
        op["tags"] = tags
    return op


def _with_path_params(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with each path template's parameters declared on its path item."""
    for path, item in spec["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path)
        item["parameters"] = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
    return spec


def _call_paths(result) -> dict[str, str]:
    """``{"GET /v1/accounts": "accounts.list", ...}`` of a generated package."""
    api = result.api
    assert api is not None, [str(d) for d in result.diagnostics]
    found = {f"{op.http_method} {op.wire_path.unescaped}": op.call_path for op in api.root_operations}
    for module in api.resource_modules:
        for resource in module.resource.walk():
            found |= {f"{op.http_method} {op.wire_path.unescaped}": op.call_path for op in resource.operations}
    return found


STRIPE_LIKE = {
    "openapi": "3.0.3",
    "info": {"title": "Payments API", "version": "1"},
    "servers": [{"url": "https://api.payments.example/"}],
    "paths": {
        "/v1/accounts": {"get": _op("GetAccounts"), "post": _op("PostAccounts")},
        "/v1/accounts/{account}": {
            "get": _op("GetAccountsAccount"),
            "post": _op("PostAccountsAccount"),
            "delete": _op("DeleteAccountsAccount"),
        },
        "/v1/accounts/{account}/bank_accounts": {"post": _op("PostAccountsAccountBankAccounts")},
        "/v1/accounts/{account}/bank_accounts/{id}": {"get": _op("GetAccountsAccountBankAccountsId")},
        "/v1/accounts/{account}/reject": {"post": _op("PostAccountsAccountReject")},
        "/v1/charges/{charge}/dispute": {
            "get": _op("GetChargesChargeDispute"),
            "post": _op("PostChargesChargeDispute"),
        },
        "/v1/charges/{charge}/capture": {"post": _op()},
        "/v1/invoices/{invoice}/lines": {"get": _op("GetInvoicesInvoiceLines")},
        "/v1/invoices/upcoming/lines": {"get": _op("GetInvoicesUpcomingLines")},
        "/v1/balance": {"get": _op("GetBalance")},
    },
}


def test_untagged_operations_are_grouped_by_path_and_named_by_shape(tmp_path):
    spec = tmp_path / "payments.json"
    spec.write_text(json.dumps(_with_path_params(STRIPE_LIKE)))
    result = generate_package(spec, name="payments")
    assert _call_paths(result) == {
        "GET /v1/accounts": "accounts.list",
        "POST /v1/accounts": "accounts.create",
        "GET /v1/accounts/{account}": "accounts.get",
        "POST /v1/accounts/{account}": "accounts.update",
        "DELETE /v1/accounts/{account}": "accounts.delete",
        "POST /v1/accounts/{account}/bank_accounts": "accounts.create_bank_account",
        "GET /v1/accounts/{account}/bank_accounts/{id}": "accounts.get_bank_account",
        "POST /v1/accounts/{account}/reject": "accounts.reject",
        "GET /v1/charges/{charge}/dispute": "charges.get_dispute",  # GET and POST on one path: no clash
        "POST /v1/charges/{charge}/dispute": "charges.update_dispute",
        "POST /v1/charges/{charge}/capture": "charges.capture",
        "GET /v1/invoices/{invoice}/lines": "invoices.list_lines",  # the plainer path keeps the name
        "GET /v1/invoices/upcoming/lines": "invoices.list_upcoming_lines",
        "GET /v1/balance": "balance.get",  # alone under its segment: a resource all the same
    }
    renamed = [d for d in result.diagnostics if d.code == "W400"]
    assert len(renamed) == 1 and "'list_lines' is taken in invoices" in renamed[0].message
    assert "'list_upcoming_lines'" in renamed[0].message and renamed[0].pointer.endswith("~1lines/get")
    assert [s.name for s in result.api.servers] == ["payments"]


def test_tagged_operation_ids_lose_their_resource_words_where_a_plain_verb_is_left(tmp_path):
    spec = tmp_path / "ats.json"
    apideck = ["Applicants"]
    spec.write_text(
        json.dumps(
            _with_path_params(
                {
                    "openapi": "3.0.3",
                    "info": {"title": "ATS API", "version": "1"},
                    "servers": [
                        {"url": "https://unify.ats.example", "description": "ATS production API"},
                        {"url": "https://sandbox.ats.example", "description": "ATS sandbox API"},
                    ],
                    "paths": {
                        "/ats/applicants": {
                            "get": _op("applicantsAll", apideck),
                            "post": _op("applicantsAdd", apideck),
                        },
                        "/ats/applicants/{id}": {
                            "get": _op("applicantsOne", apideck),
                            "patch": _op("applicantsUpdate", apideck),
                            "delete": _op("applicantsDelete", apideck),
                        },
                        "/pets": {"get": _op("listPets", ["pets"]), "put": _op("listAll", ["pets"])},
                        "/pets/{petId}": {"get": _op("getPetById", ["pets"])},
                        "/albums/{id}": {"get": _op("get-an-album", ["albums"])},
                        "/albums": {"delete": _op("removeAlbumsUser", ["albums"])},
                        "/exports/candidates": {"post": _op("exportCandidates", ["exports"])},
                        "/legacy/candidates/{id}": {"get": _op("getLegacyCandidate", ["candidates"])},
                        "/candidates/{id}": {"get": {**_op("fetchCandidate", ["candidates"]), "x-sdk-name": "fetch"}},
                    },
                }
            )
        )
    )
    result = generate_package(spec, name="ats")
    assert _call_paths(result) == {
        "GET /ats/applicants": "applicants.list",
        "POST /ats/applicants": "applicants.create",
        "GET /ats/applicants/{id}": "applicants.get",
        "PATCH /ats/applicants/{id}": "applicants.update",
        "DELETE /ats/applicants/{id}": "applicants.delete",
        "GET /pets": "pets.list",
        "PUT /pets": "pets.list_all",  # says list, is a PUT: not plainly a list
        "GET /pets/{petId}": "pets.get",
        "GET /albums/{id}": "albums.get_an_album",  # dropping the word would leave "get_an"
        "DELETE /albums": "albums.remove_albums_user",
        "POST /exports/candidates": "exports.export_candidates",
        "GET /legacy/candidates/{id}": "candidates.get_legacy",
        "GET /candidates/{id}": "candidates.fetch",  # x-sdk-name as written
    }
    assert not [d for d in result.diagnostics if d.code == "W400"]
    assert [s.name for s in result.api.servers] == ["production", "sandbox"]


def test_a_wanted_name_two_operations_share_goes_to_the_plainer_path_and_the_other_is_warned(tmp_path):
    spec = tmp_path / "clash.json"
    spec.write_text(
        json.dumps(
            _with_path_params(
                {
                    "openapi": "3.0.3",
                    "info": {"title": "Clash", "version": "1"},
                    "paths": {
                        "/people/{id}": {"get": _op("GetPeopleId")},
                        "/people/{id}/x": {"get": {**_op("other"), "x-sdk-group": "people", "x-sdk-name": "get"}},
                        "/people": {"get": _op("GetPeople")},
                    },
                }
            )
        )
    )
    result = generate_package(spec, name="clash")
    paths = _call_paths(result)
    assert paths["GET /people/{id}/x"] == "people.get"  # pinned by x-sdk-name: always wins
    assert paths["GET /people/{id}"] == "people.get_people_id"
    assert paths["GET /people"] == "people.list"
    (warning,) = [d for d in result.diagnostics if d.code == "W400"]
    assert "'get' is taken in people; this operation is 'get_people_id'" in warning.message


def test_servers_are_named_from_their_description_or_host():
    from generator.core.build_ir.security import server_names

    assert server_names(
        [({"description": "Kombo EU API"}, "https://api.kombo.dev/v1"), ({"description": "Kombo US API"}, "https://x")],
        "Kombo API",
    ) == ["eu", "us"]
    assert server_names([({}, "https://api.kombo.dev/v1"), ({}, "https://api.us.kombo.dev/v1")], "Kombo") == [
        "kombo",
        "us",
    ]
    assert server_names([({}, "https://server.api.mailchimp.com/3.0")], "Mailchimp Marketing API") == ["mailchimp"]
    assert server_names([({}, "http://localhost:8080/v1")], "") == ["local"]
    assert server_names([({}, "https://x.example/a"), ({}, "http://x.example/a")], "") == ["https", "http"]
    # a description that is a sentence, not a name, leaves the host to name it
    sentence = {"description": "The endpoint used by every customer outside of the European Union"}
    assert server_names([(sentence, "https://global.acme.example")], "Acme") == ["global"]
    assert server_names([({"x-sdk-server-name": "prod", "description": "Sandbox"}, "https://x")], "") == ["prod"]


def test_paths_that_name_nothing_are_grouped_by_the_noun_of_their_action(tmp_path):
    # AWS's query protocol (EC2: every path is "/#Action=..."): the action's noun is the resource, its
    # verb the method; GET and POST of one action meet, and the POST falls back to a longer name.
    def action(name: str) -> dict[str, Any]:
        return {"get": _op(f"GET_{name}"), "post": _op(f"POST_{name}")}

    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Compute", "version": "1"},
        "paths": {
            "/#Action=DescribeInstances": action("DescribeInstances"),
            "/#Action=RunInstances": action("RunInstances"),
            "/#Action=CreateVpc": action("CreateVpc"),
            "/#Action=DescribeVpcs": action("DescribeVpcs"),
            "/#Action=ImportImage": action("ImportImage"),
            "/#Action=AcceptVpcPeeringConnection": action("AcceptVpcPeeringConnection"),
            "/#Action=DescribeAddresses": {"get": {**_op("GET_DescribeAddresses"), "x-sdk-group": "networking"}},
        },
    }
    spec = tmp_path / "compute.json"
    spec.write_text(json.dumps(doc))
    api = generate_package(spec, name="compute").api
    assert api is not None and not api.root_operations
    found = {
        f"{op.http_method} {op.path.unescaped}": op.call_path
        for module in api.resource_modules
        for resource in module.resource.walk()
        for op in resource.operations
    }
    assert found == {
        "GET /#Action=DescribeInstances": "instances.describe",
        "POST /#Action=DescribeInstances": "instances.describe_post",
        "GET /#Action=RunInstances": "instances.run",
        "POST /#Action=RunInstances": "instances.run_post",
        "GET /#Action=CreateVpc": "vpcs.create",
        "POST /#Action=CreateVpc": "vpcs.create_post",
        "GET /#Action=DescribeVpcs": "vpcs.describe",
        "POST /#Action=DescribeVpcs": "vpcs.describe_post",
        "GET /#Action=ImportImage": "images.import_",
        "POST /#Action=ImportImage": "images.import_post",
        "GET /#Action=AcceptVpcPeeringConnection": "vpc_peering_connections.accept",
        "POST /#Action=AcceptVpcPeeringConnection": "vpc_peering_connections.accept_post",
        "GET /#Action=DescribeAddresses": "networking.get_describe_addresses",  # x-sdk-group still wins
    }
