"""An OpenAPI 3.1 document with a hostile payload in every string position it has.

``document(payload)`` fills every string the OpenAPI 3.1 schema (and the JSON Schema keywords of its
Schema Object, and our own ``x-sdk-*`` extensions) lets a document hold: every field, every map key
(paths, properties, responses' headers, callbacks, webhooks, security requirements, server variables,
examples, encodings, links) and every value (descriptions, titles, examples, defaults, enum values,
URLs, token URLs, scopes, tags, extension values). Each position gets ``p<N> <payload>``: the number
tells which position a leak came from, and the payload comes last so an unescaped use would run it.

Positions where OpenAPI itself constrains the string (``openapi``, a parameter's ``in``, a schema's
``type``, a response's status code, a component's key, a ``$ref``; a path parameter's name, which the
path template must repeat) cannot take arbitrary text in a valid document: ``CONSTRAINED`` lists them,
each with a small document that puts the payload there alone (the generator must refuse it with a
diagnostic or generate inert code).

``COVERED`` names, for each position, the OpenAPI schema definition and property it stands for
(``info.title``, ``schema.description``); ``tests/test_hostile_positions.py`` holds that list to the
OpenAPI 3.1 schema itself, so a field the schema has and this document forgets fails the test.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any


class Filler:
    """Hands out tagged payloads and records what each stands for."""

    def __init__(self, payload: str) -> None:
        self.payload = payload
        self.positions: list[str] = []  # "definition.property" per position, in order

    def __call__(self, field: str) -> str:
        self.positions.append(field)
        return f"p{len(self.positions) - 1} {self.payload}"

    def path(self) -> str:
        """A path's own text: braces there are template syntax (``CONSTRAINED`` puts a payload in a
        template parameter), so they are written as parentheses."""
        return self("paths").replace("{", "(").replace("}", ")")


def _schema_keywords(t: Filler, prefix: str = "schema") -> dict[str, Any]:
    """The string-holding JSON Schema keywords of a Schema Object (annotations, format, pattern...)."""
    return {
        "title": t(f"{prefix}.title"),
        "description": t(f"{prefix}.description"),
        "$comment": t(f"{prefix}.$comment"),
        "format": t(f"{prefix}.format"),
        "examples": [t(f"{prefix}.examples")],
        "example": t(f"{prefix}.example"),
        "x-ext": t(f"{prefix}.x-extension"),
    }


def document(payload: str) -> tuple[dict[str, Any], list[str]]:
    """The document, and what each position stands for (index N is ``p<N>``)."""
    t = Filler(payload)
    string_schema = {"type": "string", **_schema_keywords(t, "schema"), "default": t("schema.default")}
    enum_schema = {
        "type": "string",
        "description": t("schema.description"),
        "enum": [t("schema.enum"), t("schema.enum"), "plain"],
        "x-enum-varnames": [t("schema.x-enum-varnames"), t("schema.x-enum-varnames"), "PLAIN"],
        "x-enum-descriptions": [t("schema.x-enum-descriptions"), "", ""],
    }
    thing = {
        "type": "object",
        **_schema_keywords(t, "schema"),
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "description": t("schema.properties.description")},
            t("schema.properties"): string_schema,
            t("schema.properties"): enum_schema,
            t("schema.properties"): {"const": t("schema.const")},
            t("schema.properties"): {
                "type": "string",
                "contentMediaType": t("schema.contentMediaType"),
                "contentEncoding": t("schema.contentEncoding"),
            },
            t("schema.properties"): {"type": "string", "pattern": "^[a-z]*$", "description": t("schema.pattern")},
            t("schema.properties"): {
                "type": "array",
                "items": {"type": "string", "enum": [t("schema.items.enum"), "b"]},
                "description": t("schema.items"),
            },
            t("schema.properties"): {
                "type": "object",
                "additionalProperties": {"type": "string", "description": t("schema.additionalProperties")},
                "xml": {"name": t("xml.name"), "namespace": t("xml.namespace"), "prefix": t("xml.prefix")},
            },
            t("schema.properties"): {
                "type": "integer",
                "enum": [1, 2],
                "x-enum-varnames": [t("schema.x-enum-varnames"), t("schema.x-enum-varnames")],
            },
            t("schema.properties"): {
                "type": "string",
                "deprecated": True,
                "readOnly": True,
                "description": t("schema.deprecated"),
                "externalDocs": {"description": t("external-documentation.description"), "url": "https://x.test/"},
            },
            t("schema.properties"): {
                "oneOf": [
                    {
                        "type": "object",
                        "title": t("schema.title"),
                        "properties": {"kind": {"const": t("schema.const")}},
                    },
                    {
                        "type": "object",
                        "title": t("schema.title"),
                        "properties": {"kind": {"const": t("schema.const")}},
                    },
                ],
                "description": t("schema.oneOf"),
            },
        },
        "dependentRequired": {t("schema.dependentRequired"): ["id"]},
        "patternProperties": {"^x-": {"type": "string", "description": t("schema.patternProperties")}},
        "additionalProperties": {"description": t("schema.additionalProperties")},
    }
    pet = {
        "type": "object",
        "description": t("schema.description"),
        "required": ["kind"],
        "properties": {"kind": {"type": "string"}, "name": {"type": "string", "description": t("schema.description")}},
        "discriminator": {"propertyName": "kind", "mapping": {t("discriminator.mapping"): "#/components/schemas/Cat"}},
    }
    cat = {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "description": t("schema.allOf")}]}
    tree = {
        "type": "object",
        "description": t("schema.description"),
        "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
    }
    examples = {
        t("media-type.examples"): {
            "summary": t("example.summary"),
            "description": t("example.description"),
            "value": {"id": t("example.value")},
        },
        t("media-type.examples"): {"summary": t("example.summary"), "externalValue": t("example.externalValue")},
    }
    header = {
        "description": t("header.description"),
        "required": False,
        "schema": {"type": "string", "example": t("header.schema")},
        "example": t("header.example"),
    }
    json_content = {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"},
            "example": {"id": t("media-type.example")},
            "examples": examples,
        }
    }
    link = {
        "operationId": t("link.operationId"),
        "description": t("link.description"),
        "parameters": {t("link.parameters"): t("map-of-strings")},
        "requestBody": t("link.requestBody"),
    }
    responses = {
        "200": {
            "description": t("response.description"),
            "headers": {t("response.headers"): header, "X-Rate": {"$ref": "#/components/headers/Rate"}},
            "content": json_content,
            "links": {
                t("response.links"): link,
                "ref": {"$ref": "#/components/links/Next"},
                "other": {"operationRef": t("link.operationRef"), "description": t("link.description")},
            },
        },
        "404": {
            "description": t("response.description"),
            "content": {"application/json": {"schema": {"type": "object", "description": t("schema.description")}}},
        },
        "default": {"description": t("response.description")},
    }
    parameters = [
        {
            "name": "thing_id",
            "in": "path",
            "required": True,
            "description": t("parameter.description"),
            "schema": string_schema,
        },
        {
            "name": t("parameter.name"),
            "in": "query",
            "description": t("parameter.description"),
            "schema": {"type": "string", "default": t("schema.default"), "enum": [t("schema.enum"), "b"]},
            "example": t("parameter.example"),
            "examples": {t("parameter.examples"): {"summary": t("example.summary"), "value": t("example.value")}},
            "deprecated": True,
        },
        {
            "name": t("parameter.name"),
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "schema": {"type": "object", "properties": {t("schema.properties"): {"type": "string"}}},
        },
        # header and cookie names are tokens (RFC 9110, RFC 6265): CONSTRAINED holds a payload there
        {"name": "X-Hostile", "in": "header", "schema": {"type": "string", "default": t("schema.default")}},
        {"name": "hostile", "in": "cookie", "schema": {"type": "string", "description": t("parameter.description")}},
        {
            "name": t("parameter.name"),
            "in": "query",
            "content": {"application/json": {"schema": {"type": "object", "description": t("schema.description")}}},
        },
        {"name": t("parameter.name"), "in": "query", "required": True, "schema": {"type": "integer", "default": 3}},
        {
            "$ref": "#/components/parameters/Shared",
            "description": t("reference.description"),
            "summary": t("reference.summary"),
        },
    ]
    multipart = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    t("schema.properties"): {
                        "type": "string",
                        "format": "binary",
                        "description": t("schema.description"),
                    },
                    t("schema.properties"): {"type": "object", "description": t("schema.description")},
                },
            },
            "encoding": {
                t("media-type.encoding"): {
                    "contentType": t("encoding.contentType"),
                    "headers": {
                        t("encoding.headers"): {"description": t("header.description"), "schema": {"type": "string"}}
                    },
                    "style": "form",
                }
            },
        }
    }
    operation = {
        "tags": [t("operation.tags")],
        "summary": t("operation.summary"),
        "description": t("operation.description"),
        "externalDocs": {
            "description": t("external-documentation.description"),
            "url": t("external-documentation.url"),
        },
        "operationId": t("operation.operationId"),
        "parameters": parameters,
        "requestBody": {"description": t("request-body.description"), "required": True, "content": json_content},
        "responses": responses,
        "callbacks": {
            t("operation.callbacks"): {
                t("callbacks"): {
                    "post": {
                        "summary": t("operation.summary"),
                        "requestBody": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                        },
                        "responses": {"200": {"description": t("response.description")}},
                    }
                }
            }
        },
        "deprecated": True,
        "security": [{"key": []}, {"oauth": [t("security-requirement")]}, {}],
        "servers": [{"url": "https://upload.x.test/" + t("server.url"), "description": t("server.description")}],
        "x-sdk-name": t("x-sdk-name"),
        "x-ext": {"nested": t("specification-extensions")},
    }
    form_operation = {
        "tags": [t("operation.tags")],
        "operationId": t("operation.operationId"),
        "summary": t("operation.summary"),
        "requestBody": {"content": multipart},
        "responses": {
            "201": {
                "description": t("response.description"),
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "204": {"description": t("response.description")},
        },
    }
    download_operation = {
        "operationId": t("operation.operationId"),
        "description": t("operation.description"),
        "parameters": [
            {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": t("parameter.description")}
        ],
        "responses": {
            "200": {
                "description": t("response.description"),
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    }
    list_operation = {
        "operationId": t("operation.operationId"),
        "tags": [t("operation.tags")],
        "parameters": [
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
        ],
        "responses": {
            "200": {
                "description": t("response.description"),
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                                "next_cursor": {"type": "string", "description": t("schema.description")},
                            },
                        }
                    }
                },
            }
        },
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": t("info.title"),
            "summary": t("info.summary"),
            "description": t("info.description"),
            "termsOfService": t("info.termsOfService"),
            "contact": {"name": t("contact.name"), "url": t("contact.url"), "email": t("contact.email")},
            "license": {"name": t("license.name"), "identifier": t("license.identifier")},
            "version": t("info.version"),
            "x-ext": t("specification-extensions"),
        },
        "servers": [
            {
                "url": "https://{region}.x.test/" + t("server.url"),
                "description": t("server.description"),
                "variables": {
                    "region": {
                        "default": "eu",
                        "enum": ["eu", t("server-variable.enum")],
                        "description": t("server-variable.description"),
                    },
                    t("server.variables"): {"default": t("server-variable.default")},
                },
                "x-sdk-server-name": t("x-sdk-server-name"),
            },
            {"url": "https://x.test/" + t("server.url"), "description": t("server.description")},
        ],
        "tags": [
            {
                "name": t("tag.name"),
                "description": t("tag.description"),
                "externalDocs": {
                    "description": t("external-documentation.description"),
                    "url": t("external-documentation.url"),
                },
            }
        ],
        "externalDocs": {
            "description": t("external-documentation.description"),
            "url": t("external-documentation.url"),
        },
        "paths": {
            "/things/{thing_id}/" + t.path(): {
                "summary": t("path-item.summary"),
                "description": t("path-item.description"),
                "servers": [{"url": "https://item.x.test/" + t("server.url"), "description": t("server.description")}],
                "parameters": [
                    {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": t("parameter.name"),
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": t("parameter.description"),
                    },
                ],
                "get": operation,
                "post": form_operation,
            },
            "/downloads/" + t.path(): {"get": download_operation},
            "/pets": {"get": list_operation},
        },
        "webhooks": {
            t("webhooks"): {
                "post": {
                    "summary": t("operation.summary"),
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    },
                    "responses": {"200": {"description": t("response.description")}},
                }
            },
        },
        "components": {
            "schemas": {
                "Thing": thing,
                "Pet": pet,
                "Cat": cat,
                "Tree": tree,
                "Alias": {"type": "array", "items": {"type": "string"}, "description": t("schema.description")},
                "Level": enum_schema,
            },
            "responses": {
                "Gone": {"description": t("response.description")},
            },
            "parameters": {
                "Shared": {
                    "name": t("parameter.name"),
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": t("parameter.description"),
                },
            },
            "examples": {"Ex": {"summary": t("example.summary"), "value": t("example.value")}},
            "requestBodies": {
                "Body": {"description": t("request-body.description"), "content": json_content},
            },
            "headers": {"Rate": header},
            "securitySchemes": {
                "key": {
                    "type": "apiKey",
                    "in": "query",
                    "name": t("security-scheme.name"),
                    "description": t("security-scheme.description"),
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": t("security-scheme.bearerFormat"),
                    "description": t("security-scheme.description"),
                },
                "oauth": {
                    "type": "oauth2",
                    "description": t("security-scheme.description"),
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": t("client-credentials.tokenUrl"),
                            "refreshUrl": t("client-credentials.refreshUrl"),
                            "scopes": {t("client-credentials.scopes"): t("map-of-strings")},
                        },
                        "authorizationCode": {
                            "authorizationUrl": t("authorization-code.authorizationUrl"),
                            "tokenUrl": t("authorization-code.tokenUrl"),
                            "refreshUrl": t("authorization-code.refreshUrl"),
                            "scopes": {t("authorization-code.scopes"): t("map-of-strings")},
                        },
                        "implicit": {
                            "authorizationUrl": t("implicit.authorizationUrl"),
                            "refreshUrl": t("implicit.refreshUrl"),
                            "scopes": {t("implicit.scopes"): t("map-of-strings")},
                        },
                        "password": {
                            "tokenUrl": t("password.tokenUrl"),
                            "refreshUrl": t("password.refreshUrl"),
                            "scopes": {t("password.scopes"): t("map-of-strings")},
                        },
                    },
                },
                "oidc": {"type": "openIdConnect", "openIdConnectUrl": t("security-scheme.openIdConnectUrl")},
            },
            "links": {"Next": link},
            "callbacks": {
                "Hook": {t("callbacks"): {"post": {"responses": {"200": {"description": t("response.description")}}}}},
            },
            "pathItems": {
                "Item": {
                    "summary": t("path-item.summary"),
                    "get": {"responses": {"200": {"description": t("response.description")}}},
                },
            },
        },
        "security": [{"key": []}],
        "x-ext": t("specification-extensions"),
        "x-sdk-request-id-header": "x-request-id",
    }
    return doc, t.positions


def _base() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Base", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}},
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        },
        "security": [{"key": []}],
    }


def _set(make: Callable[[dict[str, Any], str], object]) -> Callable[[str], dict[str, Any]]:
    def build(payload: str) -> dict[str, Any]:
        doc = copy.deepcopy(_base())
        make(doc, "p0 " + payload)
        return doc

    return build


def _op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things/{id}"]["get"]  # type: ignore[no-any-return]


def _rename_key(mapping: dict[str, Any], old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


def _signed(doc: dict[str, Any], root: dict[str, Any] | None = None, own: dict[str, Any] | None = None) -> None:
    """A webhook (its signature declared at the root, or on its own operation): a declaration is read
    only for a document with events."""
    operation: dict[str, Any] = {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {"200": {"description": "ok"}},
    }
    if own is not None:
        operation["x-sdk-webhook-signature"] = own
    doc["webhooks"] = {"thing.changed": {"post": operation}}
    if root is not None:
        doc["x-sdk-webhook-signature"] = root


#: Positions OpenAPI constrains, each as a document with the payload there alone.
CONSTRAINED: dict[str, Callable[[str], dict[str, Any]]] = {
    "root.openapi": _set(lambda d, p: d.__setitem__("openapi", p)),
    "root.jsonSchemaDialect": _set(lambda d, p: d.__setitem__("jsonSchemaDialect", p)),
    "license.url": _set(lambda d, p: d["info"].__setitem__("license", {"name": "x", "url": p})),
    "paths (a template parameter)": _set(
        lambda d, p: (
            _rename_key(d["paths"], "/things/{id}", "/things/{" + p + "}"),
            d["paths"]["/things/{" + p + "}"]["get"]["parameters"][0].__setitem__("name", p),
        ),
    ),
    "paths (not starting with /)": _set(lambda d, p: _rename_key(d["paths"], "/things/{id}", p)),
    "parameter.name (header)": _set(
        lambda d, p: _op(d)["parameters"].append({"name": p, "in": "header", "schema": {"type": "string"}})
    ),
    "parameter.name (cookie)": _set(
        lambda d, p: _op(d)["parameters"].append({"name": p, "in": "cookie", "schema": {"type": "string"}})
    ),
    "security-scheme.name (header)": _set(
        lambda d, p: d["components"]["securitySchemes"]["key"].__setitem__("name", p)
    ),
    "parameter.in": _set(
        lambda d, p: _op(d)["parameters"].append({"name": "q", "in": p, "schema": {"type": "string"}})
    ),
    "parameter.style": _set(
        lambda d, p: _op(d)["parameters"].append({"name": "q", "in": "query", "style": p, "schema": {"type": "string"}})
    ),
    "encoding.style": _set(
        lambda d, p: _op(d).__setitem__(
            "requestBody",
            {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                        "encoding": {"a": {"style": p}},
                    }
                }
            },
        ),
    ),
    "schema.type": _set(lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__("t", {"type": p})),
    "schema.$ref": _set(lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__("r", {"$ref": p})),
    "schema.pattern": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__(
            "s", {"type": "string", "pattern": p}
        )
    ),
    "schema.required": _set(lambda d, p: d["components"]["schemas"]["Thing"].__setitem__("required", [p])),
    "discriminator.propertyName": _set(
        lambda d, p: d["components"]["schemas"]["Thing"].__setitem__("discriminator", {"propertyName": p})
    ),
    "responses (status)": _set(lambda d, p: _op(d)["responses"].__setitem__(p, {"description": "x"})),
    "content (media type)": _set(
        lambda d, p: _op(d)["responses"]["200"]["content"].__setitem__(p, {"schema": {"type": "string"}})
    ),
    "components.schemas (key)": _set(
        lambda d, p: (
            _rename_key(d["components"]["schemas"], "Thing", p),
            _op(d)["responses"]["200"]["content"]["application/json"]["schema"].__setitem__(
                "$ref", "#/components/schemas/" + p.replace("~", "~0").replace("/", "~1")
            ),
        ),
    ),
    **{
        f"components.{kind} (key)": _set(
            lambda d, p, kind=kind, value=value: d["components"].setdefault(kind, {}).__setitem__(p, value)
        )
        for kind, value in (
            ("responses", {"description": "x"}),
            ("parameters", {"name": "q", "in": "query", "schema": {"type": "string"}}),
            ("examples", {"value": 1}),
            ("requestBodies", {"content": {"text/plain": {"schema": {"type": "string"}}}}),
            ("headers", {"schema": {"type": "string"}}),
            ("links", {"operationId": "getThing"}),
            ("callbacks", {}),
            ("pathItems", {}),
        )
    },
    "components.securitySchemes (key)": _set(
        lambda d, p: (_rename_key(d["components"]["securitySchemes"], "key", p), d.__setitem__("security", [{p: []}])),
    ),
    "security-scheme.in": _set(lambda d, p: d["components"]["securitySchemes"]["key"].__setitem__("in", p)),
    "security-scheme.type": _set(lambda d, p: d["components"]["securitySchemes"]["key"].__setitem__("type", p)),
    "security-scheme.scheme": _set(
        lambda d, p: d["components"]["securitySchemes"].__setitem__("http", {"type": "http", "scheme": p})
    ),
    "security-requirement (an undeclared scheme)": _set(lambda d, p: d.__setitem__("security", [{p: []}])),
    "x-sdk-request-id-header": _set(lambda d, p: d.__setitem__("x-sdk-request-id-header", p)),
    "x-sdk-idempotency-header": _set(lambda d, p: d.__setitem__("x-sdk-idempotency-header", p)),
    "x-sdk-webhook-signature.header": _set(lambda d, p: _signed(d, root={"scheme": "hmac-sha256", "header": p})),
    "x-sdk-webhook-signature.prefix": _set(lambda d, p: _signed(d, root={"scheme": "hmac-sha256", "prefix": p})),
    "x-sdk-webhook-signature.scheme": _set(lambda d, p: _signed(d, root={"scheme": p})),
    "x-sdk-webhook-signature.timestamp-header": _set(
        lambda d, p: _signed(d, root={"scheme": "hmac-sha256-timestamped", "timestamp-header": p})
    ),
    "x-sdk-webhook-signature.payload": _set(
        lambda d, p: _signed(d, root={"scheme": "hmac-sha256-timestamped", "payload": p + "{timestamp}.{body}"})
    ),
    "x-sdk-webhook-signature (an event's own)": _set(
        lambda d, p: _signed(
            d, own={"scheme": "hmac-sha256-timestamped", "prefix": p, "payload": "{timestamp}" + p + "{body}"}
        )
    ),
    "x-sdk-pagination": _set(
        lambda d, p: _op(d).__setitem__(
            "x-sdk-pagination", {"style": "cursor", "items": p, "param": p, "next": p, "has-more": p}
        ),
    ),
    "x-sdk-group": _set(lambda d, p: _op(d).__setitem__("x-sdk-group", p)),
    "x-sdk-client-param": _set(
        lambda d, p: _op(d)["parameters"].append(
            {
                "name": "X-Tenant",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "x-sdk-client-param": p,
            }
        ),
    ),
    "x-sdk-exactly-one-of": _set(lambda d, p: _op(d).__setitem__("x-sdk-exactly-one-of", [p, p])),
    "schema.const (a list)": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__("l", {"const": [p, 1.5, None]})
    ),
    "schema.const (an object)": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__("o", {"const": {p: [p]}})
    ),
    "schema.enum (mixed values)": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__("m", {"enum": [p, 1.5, [p]]})
    ),
    "schema.enum (integer schema)": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__(
            "e", {"type": "integer", "enum": [p]}
        )
    ),
    "schema.default (integer schema)": _set(
        lambda d, p: d["components"]["schemas"]["Thing"]["properties"].__setitem__(
            "n", {"type": "integer", "default": p}
        ),
    ),
}
