"""openapi-spec-validator's keyword walk, read over plain dicts, where it is certain of the outcome.

The library's walk (``RootValidator`` and the keyword validators under it) goes through jsonschema-path's
``SchemaPath`` at every step, and spends most of its time there rather than on checks. ``findings``
takes the same steps in the same order over the loaded dicts (the same references followed, the same
schemas visited and skipped, the same meta-schema and ``default`` checks made by the same functions,
the same path kept to each schema) and gives what the walk would find: nothing, or ``default`` values
that do not match their schema, each at the place and in the words the library reports it. Wherever the
walk would find anything else, raise, or do something this reading does not follow (a reference into
another document, an ``$id`` that moves the base URI, a schema nested deeper than the library's
recursion would survive), it gives up, and the library's own walk runs. So it may say "not sure" where
it could have answered (a little time lost), never anything but what the library says:
``tests/test_validate_fast.py`` holds it to that on every document of the suite and on broken variants
of them.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from . import pointer

#: The library's ``PathValidator.OPERATIONS`` (3.0 and 3.1).
OPERATIONS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

#: How deep this reading follows nesting (schemas in schemas, ``$ref`` chains, ``allOf`` properties).
#: The library recurses through several Python frames per level, so far deeper nesting would end in a
#: RecursionError there (a finding); this bound stays well inside what it survives.
MAX_DEPTH = 40

#: First keys of a local reference that jsonschema-path looks up without entering a subresource (none
#: of them is a JSON Schema keyword, so an ``$id`` below cannot change the base URI on the way).
_ROOT_KEYS = frozenset({"components", "paths", "webhooks", "info", "servers", "tags", "security", "externalDocs"})


class _Unsure(Exception):
    """The walk might find something here (or this reading does not follow it): ask the library."""


#: A finding as ``validate`` takes it: (JSON pointer, message, inside a Schema Object).
Finding = tuple[str, str, bool]


def findings(data: Any, version: str, accepts: Callable[[Any], bool] = lambda schema: False) -> list[Finding] | None:
    """What openapi-spec-validator's walk over ``data`` (an OpenAPI ``version`` document, already loaded)
    finds, in its order, where this reading is certain of it: nothing at all, or only ``default`` values
    that do not match their schema (the commonest finding in published specs), reported as the library
    reports them. None means "not certain": ask the library. ``accepts`` is a quick check of a 3.0
    Schema Object against its meta-schema (``validate`` hands over its compiled one): a schema it
    accepts needs no slower check."""
    if not isinstance(data, dict) or not version.startswith(("3.0", "3.1")):
        return None
    walk = _Walk(data, version, accepts)
    try:
        walk.root()
    except (_Unsure, RecursionError):
        return None
    except Exception:
        return None
    return walk.found


#: The path the walk took to a node, as jsonschema-path's ``SchemaPath.parts``.
_Parts = tuple[Any, ...]


def in_schema(parts: _Parts) -> bool:
    """Whether a place lies inside a Schema Object (below a ``schema`` or ``schemas`` key)."""
    return any(part in ("schema", "schemas") for part in parts if isinstance(part, str))


def message_of(error: Any) -> str:
    """A finding's message as reported: the error's own, cut at 300 characters."""
    message = str(getattr(error, "message", error))
    return message if len(message) <= 300 else message[:297] + "..."


class _Walk:
    def __init__(self, data: dict[str, Any], version: str, accepts: Callable[[Any], bool]) -> None:
        self.data = data
        self.v31 = version.startswith("3.1")
        self.accepts = accepts
        self.operation_ids: set[str | None] = set()
        self.visited: set[int] = set()
        self.meta_checked: set[int] = set()
        self.collected: dict[int, frozenset[str]] = {}
        self.targets: dict[str, Any] = {}
        self.found: list[Finding] = []

    # -- references ------------------------------------------------------------------------------

    def deref(self, node: Any) -> Any:
        """jsonschema-path's ``_resolve_node``: follow ``$ref`` (a string) until a node without one."""
        hops = 0
        while isinstance(node, dict) and "$ref" in node and isinstance(node["$ref"], str):
            hops += 1
            if hops > MAX_DEPTH:
                raise _Unsure("reference chain")
            ref = node["$ref"]
            target = self.targets.get(ref, self)
            if target is self:
                target = self.targets[ref] = self._lookup(ref)
            node = target
        return node

    def _lookup(self, ref: str) -> Any:
        """referencing's lookup of a local JSON pointer from the root document (percent-decoded, then
        ``~1``/``~0``); anything else (another document, an anchor, the root itself) is not followed."""
        if not ref.startswith("#/"):
            raise _Unsure(ref)
        segments = unquote(ref[1:]).split("/")[1:]
        if not segments or (segments[0] not in _ROOT_KEYS and not segments[0].startswith("x-")):
            raise _Unsure(ref)
        node: Any = self.data
        for segment in segments:
            if isinstance(node, list):
                node = node[int(segment)]
            elif isinstance(node, dict):
                node = node[segment.replace("~1", "/").replace("~0", "~")]
            else:
                raise _Unsure(ref)
            if isinstance(node, dict) and "$id" in node:
                raise _Unsure("$id")
        return node

    def mapping(self, node: Any, text_keys: bool = False) -> dict[str, Any]:
        """A mapping the walk steps into; ``text_keys`` where it asserts that every key is a string."""
        node = self.deref(node)
        if not isinstance(node, dict) or (text_keys and not all(type(key) is str for key in node)):
            raise _Unsure("not a mapping")
        return node

    def sequence(self, node: Any) -> list[Any]:
        node = self.deref(node)
        if not isinstance(node, list):
            raise _Unsure("not a list")
        return node

    def text(self, node: dict[str, Any], key: str) -> str:
        value = self.deref(node.get(key))
        if not isinstance(value, str):
            raise _Unsure(key)
        return value

    # -- RootValidator and what it calls ---------------------------------------------------------

    def root(self) -> None:
        data = self.data
        if "$id" in data or "$schema" in data:
            raise _Unsure("root dialect")
        if "tags" in data:
            names = [self.text(self.mapping(tag), "name") for tag in self.sequence(data["tags"])]
            if len(set(names)) != len(names):
                raise _Unsure("duplicate tag")
        if "paths" in data:
            for url, item in self.mapping(data["paths"], True).items():
                self.path(url, self.mapping(item, True))
        if "components" in data:
            components = self.mapping(data["components"])
            if "schemas" in components:
                for name, schema in self.mapping(components["schemas"]).items():
                    self.schema(schema, ("components", "schemas", name))

    def path(self, url: str, item: dict[str, Any]) -> None:
        shared = None
        if "parameters" in item:
            shared = self.sequence(item["parameters"])
            self.parameters(shared, ("paths", url, "parameters"))
        for name, operation in item.items():
            if name in OPERATIONS:
                self.operation(url, self.mapping(operation), shared, ("paths", url, name))

    def operation(self, url: str, operation: dict[str, Any], shared: list[Any] | None, parts: _Parts) -> None:
        if "operationId" in operation:
            operation_id = self.deref(operation["operationId"])
            if operation_id is not None and not isinstance(operation_id, str):
                raise _Unsure("operationId")
            if operation_id is not None and operation_id in self.operation_ids:
                raise _Unsure("duplicate operationId")
            self.operation_ids.add(operation_id)
        if "responses" in operation:
            for status, response in self.mapping(operation["responses"], True).items():
                response = self.mapping(response)
                if "content" in response:
                    for media_type, media in self.mapping(response["content"], True).items():
                        media = self.mapping(media)
                        if "schema" in media:
                            self.schema(media["schema"], (*parts, "responses", status, "content", media_type, "schema"))
        names: list[str] = []
        if "parameters" in operation:
            own = self.sequence(operation["parameters"])
            self.parameters(own, (*parts, "parameters"))
            names += self.path_names(own)
        if shared is not None:
            names += self.path_names(shared)
        in_url = {field for _, field, _, _ in string.Formatter().parse(url) if field}
        if set(names) != in_url:
            raise _Unsure("path parameters")

    def parameters(self, parameters: list[Any], parts: _Parts) -> None:
        seen = set()
        for index, parameter in enumerate(parameters):
            parameter = self.mapping(parameter)
            if "schema" in parameter:
                self.schema(parameter["schema"], (*parts, index, "schema"))
            key = (self.text(parameter, "name"), self.text(parameter, "in"))
            if key in seen:
                raise _Unsure("duplicate parameter")
            seen.add(key)

    def path_names(self, parameters: list[Any]) -> list[str]:
        found = []
        for parameter in parameters:
            parameter = self.mapping(parameter)
            if self.text(parameter, "in") == "path":
                found.append(self.text(parameter, "name"))
        return found

    # -- SchemaValidator -------------------------------------------------------------------------

    def schema(
        self, node: Any, parts: _Parts, require_properties: bool = True, meta_checked: bool = False, depth: int = 0
    ) -> None:
        """``SchemaValidator`` on the schema at ``parts`` (the path the walk took to it, through any
        ``$ref``: where the library reports what it finds there)."""
        if depth > MAX_DEPTH:
            raise _Unsure("nested too deeply")
        value = self.deref(node)
        if not isinstance(value, (dict, bool)) and not isinstance(value, Mapping):
            raise _Unsure("schema type")
        key = id(value)
        if not meta_checked and key not in self.meta_checked:
            self.meta_checked.add(key)
            self.meta_check(value)
        if key in self.visited:
            return
        self.visited.add(key)
        if not isinstance(value, dict):
            return
        if "$id" in value:
            raise _Unsure("$id")
        nested: set[str] = set()
        if "allOf" in value:
            for index, inner in enumerate(self.sequence(value["allOf"])):
                self.schema(inner, (*parts, "allOf", index), False, True, depth + 1)
                nested |= self.properties_of(inner, 0, ())
        for keyword in ("anyOf", "oneOf"):
            if keyword in value:
                for index, inner in enumerate(self.sequence(value[keyword])):
                    self.schema(inner, (*parts, keyword, index), False, True, depth + 1)
        for keyword in ("not", "items"):
            if keyword in value:
                self.schema(value[keyword], (*parts, keyword), False, True, depth + 1)
        own = self.mapping(value["properties"]) if "properties" in value else {}
        for name, inner in own.items():
            self.schema(inner, (*parts, "properties", name), False, True, depth + 1)
        required = self.deref(value["required"]) if "required" in value else []
        if "allOf" in value and require_properties:
            if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
                raise _Unsure("required")
            if set(required) - set(own) - nested:
                raise _Unsure("required names no property")
        if "default" in value:
            default = self.deref(value["default"])
            nullable = self.deref(value["nullable"]) if "nullable" in value else False
            if default is not None or nullable is not True:
                self.default_check(value, default, parts)

    def properties_of(self, node: Any, depth: int, active: tuple[int, ...]) -> frozenset[str]:
        """``SchemaValidator._collect_properties``: every property name reachable through allOf, anyOf,
        oneOf, items and not. A cycle there is endless recursion in the library: not followed."""
        if depth > MAX_DEPTH:
            raise _Unsure("nested too deeply")
        value = self.deref(node)
        if not isinstance(value, dict):
            return frozenset()
        key = id(value)
        if key in active:
            raise _Unsure("cycle")
        known = self.collected.get(key)
        if known is not None:
            return known
        names = set(self.mapping(value["properties"])) if "properties" in value else set()
        inside = (*active, key)
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                for sub in self.sequence(value[keyword]):
                    names |= self.properties_of(sub, depth + 1, inside)
        for keyword in ("items", "not"):
            if keyword in value:
                names |= self.properties_of(value[keyword], depth + 1, inside)
        found = self.collected[key] = frozenset(names)
        return found

    def meta_check(self, value: Any) -> None:
        """The walk's check of a Schema Object against its dialect's meta-schema, made the same way."""
        if not self.v31 and self.accepts(value):
            return  # the compiled check (jsonschema and openapi-schema-validator are not even imported)
        from jsonschema.exceptions import SchemaError, ValidationError

        try:
            if self.v31:
                self._meta_check_31(value)
            else:
                from openapi_schema_validator import OAS30Validator

                OAS30Validator.check_schema(value)
        except (SchemaError, ValidationError, ValueError) as exc:
            raise _Unsure("meta-schema") from exc

    def _meta_check_31(self, value: Any) -> None:
        from jsonschema.validators import validator_for
        from openapi_schema_validator import OAS31_BASE_DIALECT_ID, oas31_format_checker

        dialect = (
            value.get("$schema")
            if isinstance(value, dict) and "$schema" in value
            else self.data.get("jsonSchemaDialect", OAS31_BASE_DIALECT_ID)
        )
        if not isinstance(dialect, str):
            raise _Unsure("dialect")
        checker = validator_for({"$schema": dialect}, default=None)
        if checker is None:
            raise _Unsure("dialect")
        checker.check_schema(value, format_checker=oas31_format_checker)

    def default_check(self, schema: dict[str, Any], default: Any, parts: _Parts) -> None:
        """``ValueValidator``: the default against its (resolved) schema, each error found as the library
        reports it (at the schema's path and ``default``, then the error's own path, inside a Schema
        Object). The library hands the validator the root document's resolver; a schema that refers to
        nothing never uses it, and one that does is left to the library."""
        if _refers(schema):
            raise _Unsure("default under a reference")
        if self.v31:
            from openapi_schema_validator import OAS31Validator as Validator
            from openapi_schema_validator import oas31_format_checker as formats
        else:
            from openapi_schema_validator import OAS30Validator as Validator
            from openapi_schema_validator import oas30_format_checker as formats
        where = (*parts, "default")
        for error in Validator(schema, format_checker=formats).iter_errors(default):
            self.found.append((pointer.from_parts([*where, *error.absolute_path]), message_of(error), in_schema(where)))


def _refers(node: Any) -> bool:
    """Whether a ``$ref``, ``$dynamicRef`` or ``$recursiveRef`` key appears anywhere under ``node``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "$ref" in item or "$dynamicRef" in item or "$recursiveRef" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
