"""Names that do not move when a vendor adds: the stateless rules (a lone untagged operation is a resource
like any other, only version-like leading segments are a prefix) and the names lock (``names.lock.json``:
what the previous release named keeps its name; a newcomer that wants it falls back, W400)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator import build_files
from generator.config import ApiConfig
from generator.core.build_ir import lock as names_lock
from generator.core.build_ir.methods import version_prefix
from generator.core.load import RefPolicy
from generator.core.write import digests
from generator.speed import Speed, inputs

PLAIN = Speed(cache=None, workers=False)
OK = {"204": {"description": "done"}}


def _op(op_id: str | None = None, tags: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"responses": OK, **extra}
    if op_id:
        op["operationId"] = op_id
    if tags:
        op["tags"] = tags
    return op


def _document(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    for path, item in paths.items():
        params = [p.strip("{}") for p in path.split("#")[0].split("/") if p.startswith("{")]
        for op in item.values():
            op.setdefault(
                "parameters",
                [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params],
            )
    doc: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "Vendor", "version": "1"}, "paths": paths}
    if schemas is not None:
        doc["components"] = {"schemas": schemas}
    return doc


class Generations:
    """One API generated again and again from edited documents, each generation reading the previous."""

    def __init__(self, folder: Path) -> None:
        self.spec = folder / "vendor.json"
        self.config = ApiConfig(name="vendor", spec=self.spec)
        self.previous: dict[str, str | None] | None = None

    def generate(self, doc: dict[str, Any], keep: bool = True) -> Any:
        self.spec.write_text(json.dumps(doc), encoding="utf-8")
        result = build_files(self.config, previous=self.previous, speed=PLAIN)
        assert result.ok, [str(d) for d in result.diagnostics.errors]
        if keep:
            self.previous = dict(result.files)
        return result


def _calls(result: Any) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(resource: Any) -> None:
        for op in resource.operations:
            out[f"{op.http_method} {op.path.unescaped}"] = op.call_path
        for child in resource.children:
            walk(child)

    for module in result.api.resource_modules:
        walk(module.resource)
    for op in result.api.root_operations:
        out[f"{op.http_method} {op.path.unescaped}"] = op.call_path
    return out


def _classes(result: Any) -> dict[str, str]:
    """Class name by the schema's place (its ``source`` pointer)."""
    out = {}
    for definition in (*result.api.models, *result.api.enums, *result.api.aliases):
        out[definition.source.unescaped.split("#", 1)[1]] = definition.name
    return out


def _fields(result: Any, model: str) -> dict[str, str]:
    (found,) = [m for m in result.api.models if m.name == model]
    return {f.wire.unescaped: f.name for f in found.fields}


def _grown(doc: dict[str, Any], paths: dict[str, Any], first: bool = True) -> dict[str, Any]:
    grown = copy.deepcopy(doc)
    added = _document(copy.deepcopy(paths))["paths"]
    grown["paths"] = {**added, **grown["paths"]} if first else {**grown["paths"], **added}
    return grown


def test_a_lone_untagged_operation_is_a_resource_and_a_second_moves_nothing(tmp_path):
    runs = Generations(tmp_path)
    lone = _document({"/jobs/{id}": {"patch": _op("updateJob")}})
    before = _calls(runs.generate(lone))
    assert before == {"PATCH /jobs/{id}": "jobs.update"}
    grown = _grown(lone, {"/jobs": {"get": _op("listJobs")}})
    after = _calls(runs.generate(grown))
    assert after == {"PATCH /jobs/{id}": "jobs.update", "GET /jobs": "jobs.list"}
    # and without the lock, from the rules alone
    (tmp_path / "fresh").mkdir()
    assert _calls(Generations(tmp_path / "fresh").generate(grown)) == after


def test_a_newcomer_with_a_plainer_path_does_not_take_an_existing_name(tmp_path):
    runs = Generations(tmp_path)
    doc = _document({"/v1/invoices/upcoming/lines": {"get": _op("GetInvoicesUpcomingLines")}})
    assert _calls(runs.generate(doc)) == {"GET /v1/invoices/upcoming/lines": "invoices.list_lines"}
    grown = _grown(doc, {"/v1/invoices/{invoice}/lines": {"get": _op("GetInvoicesInvoiceLines")}})
    result = runs.generate(grown)
    assert _calls(result) == {
        "GET /v1/invoices/upcoming/lines": "invoices.list_lines",  # kept by the lock
        "GET /v1/invoices/{invoice}/lines": "invoices.get_invoices_invoice_lines",  # the newcomer falls back
    }
    (warning,) = [d for d in result.diagnostics if d.code == "W400"]
    assert "'list_lines' is taken in invoices" in warning.message and "~1{invoice}~1lines" in warning.pointer
    # A first generation of the grown document gives the name to the plainer path, as before.
    fresh = Generations(tmp_path / "fresh")
    (tmp_path / "fresh").mkdir()
    assert _calls(fresh.generate(grown))["GET /v1/invoices/{invoice}/lines"] == "invoices.list_lines"


def test_an_operation_added_to_the_same_path_item_renames_nothing(tmp_path):
    runs = Generations(tmp_path)
    doc = _document({"/charges/{charge}/dispute": {"get": _op()}, "/charges": {"get": _op()}})
    assert _calls(runs.generate(doc))["GET /charges/{charge}/dispute"] == "charges.dispute"
    grown = copy.deepcopy(doc)
    grown["paths"]["/charges/{charge}/dispute"]["post"] = copy.deepcopy(
        grown["paths"]["/charges/{charge}/dispute"]["get"]
    )
    after = _calls(runs.generate(grown))
    assert after["GET /charges/{charge}/dispute"] == "charges.dispute"
    assert after["POST /charges/{charge}/dispute"] == "charges.update_dispute"


def test_a_path_outside_every_other_paths_prefix_renames_nothing(tmp_path):
    doc = _document(
        {
            "/api/v1/jobs": {"get": _op(), "post": _op()},
            "/api/v1/jobs/{id}": {"get": _op(), "delete": _op()},
            "/api/v1/applications/{id}/move": {"post": _op()},
        }
    )
    before = _calls(Generations(tmp_path).generate(doc))
    assert before == {
        "GET /api/v1/jobs": "jobs.list",
        "POST /api/v1/jobs": "jobs.create",
        "GET /api/v1/jobs/{id}": "jobs.get",
        "DELETE /api/v1/jobs/{id}": "jobs.delete",
        "POST /api/v1/applications/{id}/move": "applications.move",
    }
    for added in ({"/health": {"get": _op()}}, {"/api/status": {"get": _op()}}, {"/webhooks/x": {"post": _op()}}):
        (folder := tmp_path / str(len(list(tmp_path.iterdir())))).mkdir()
        after = _calls(Generations(folder).generate(_grown(doc, added)))  # no lock: the rules alone
        assert {key: after[key] for key in before} == before, added


def test_version_prefixes_are_read_from_each_path_alone():
    assert version_prefix(["v1", "accounts"]) == 1
    assert version_prefix(["api", "v2beta1", "jobs", "{id}"]) == 2
    assert version_prefix(["rest", "v1.2", "x"]) == 2
    assert version_prefix(["2024-01-01", "things"]) == 1
    assert version_prefix(["v3p1beta1", "{parent}", "jobs"]) == 1
    assert version_prefix(["ats", "jobs"]) == 0  # a word that is not a version is a resource
    assert version_prefix(["v1"]) == 0  # one segment is always left
    assert version_prefix(["vendors", "v1"]) == 0


SCHEMAS_BEFORE = {
    "Foo_Bar": {"type": "object", "properties": {"page_size": {"type": "integer"}, "name": {"type": "string"}}},
}


def _with_schemas(schemas: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Foo_Bar"}
    body = {"content": {"application/json": {"schema": ref}}}
    return _document({"/things": {"post": _op("createThing", requestBody=body)}}, schemas)


def test_a_schema_or_a_property_added_ahead_of_a_same_named_one_renames_nothing(tmp_path):
    runs = Generations(tmp_path)
    first = runs.generate(_with_schemas(copy.deepcopy(SCHEMAS_BEFORE)))
    assert _classes(first)["/components/schemas/Foo_Bar"] == "FooBar"
    assert _fields(first, "FooBar") == {"page_size": "page_size", "name": "name"}
    grown_schemas = {
        "FooBar": {"type": "object", "properties": {"x": {"type": "string"}}},  # wants FooBar too, and is first
        "Foo_Bar": {
            "type": "object",
            "properties": {"pageSize": {"type": "integer"}, **SCHEMAS_BEFORE["Foo_Bar"]["properties"]},
        },
    }
    grown = _with_schemas(grown_schemas)
    fresh_folder = tmp_path / "fresh"
    fresh_folder.mkdir()
    fresh = Generations(fresh_folder).generate(grown)
    assert _classes(fresh)["/components/schemas/Foo_Bar"] != "FooBar"  # the rules alone would rename it
    after = runs.generate(grown)
    classes = _classes(after)
    assert classes["/components/schemas/Foo_Bar"] == "FooBar"
    assert classes["/components/schemas/FooBar"] not in ("FooBar", "")
    fields = _fields(after, "FooBar")
    assert fields["page_size"] == "page_size" and fields["name"] == "name"
    assert fields["pageSize"] not in ("page_size", "name")
    assert any(d.code == "W311" for d in after.diagnostics)


def test_a_parameter_or_form_property_added_ahead_of_a_same_named_one_renames_no_keyword(tmp_path):
    def query(name: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": {"type": "integer"}}

    form = {"type": "object", "properties": {"file_name": {"type": "string"}}}
    body = {"content": {"application/x-www-form-urlencoded": {"schema": form}}}
    doc = _document(
        {"/things": {"get": _op("listThings", parameters=[query("page_size")]), "post": _op(requestBody=body)}}
    )
    runs = Generations(tmp_path)
    runs.generate(doc)
    grown = copy.deepcopy(doc)
    grown["paths"]["/things"]["get"]["parameters"].insert(0, query("pageSize"))
    grown["paths"]["/things"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"] = {
        "type": "object",
        "properties": {"fileName": {"type": "string"}, "file_name": {"type": "string"}},
    }
    fresh_folder = tmp_path / "fresh"
    fresh_folder.mkdir()
    for result, kept in ((Generations(fresh_folder).generate(grown), False), (runs.generate(grown), True)):
        ops = {f"{op.http_method}": op for op in result.api.resource_modules[0].resource.operations}
        params = {p.wire.unescaped: p.name for p in ops["GET"].params}
        fields = {f.wire.unescaped: f.name for f in ops["POST"].body.fields}
        assert (params["page_size"] == "page_size") is kept and (fields["file_name"] == "file_name") is kept
        assert params["pageSize"] != params["page_size"] and fields["fileName"] != fields["file_name"]
    lock = json.loads(result.files[names_lock.LOCK])["keywords"]
    assert lock["GET /things"] == {"query page_size": "page_size", "query pageSize": params["pageSize"]}
    assert lock["POST /things"] == {"field file_name": "file_name", "field fileName": fields["fileName"]}


def test_an_enum_value_added_ahead_of_a_same_named_one_renames_no_member(tmp_path):
    schemas = {"Status": {"type": "string", "enum": ["in-review", "done"]}}
    ref = {"$ref": "#/components/schemas/Status"}
    doc = _document({"/s": {"get": _op("getS", parameters=[{"name": "s", "in": "query", "schema": ref}])}}, schemas)
    runs = Generations(tmp_path)

    def members(result: Any) -> dict[str, str]:
        (status,) = [e for e in result.api.enums if e.name == "Status"]
        return {m.value: m.name for m in status.members}

    assert members(runs.generate(doc)) == {'"in-review"': "IN_REVIEW", '"done"': "DONE"}
    grown = copy.deepcopy(doc)
    grown["components"]["schemas"]["Status"]["enum"].insert(0, "in_review")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert members(Generations(fresh).generate(grown))['"in-review"'] != "IN_REVIEW"  # the rules alone
    after = members(runs.generate(grown))
    assert after['"in-review"'] == "IN_REVIEW" and after['"in_review"'] not in ("IN_REVIEW", "DONE")


def test_a_removed_holder_frees_its_name_and_x_sdk_name_wins_over_the_lock(tmp_path):
    runs = Generations(tmp_path)
    doc = _document({"/v1/invoices/upcoming/lines": {"get": _op("GetInvoicesUpcomingLines")}})
    runs.generate(doc)
    both = _grown(doc, {"/v1/invoices/{invoice}/lines": {"get": _op("GetInvoicesInvoiceLines")}})
    assert _calls(runs.generate(both))["GET /v1/invoices/{invoice}/lines"] == "invoices.get_invoices_invoice_lines"
    # The newcomer keeps its fallback from now on (it is in the lock too) ...
    assert _calls(runs.generate(both))["GET /v1/invoices/{invoice}/lines"] == "invoices.get_invoices_invoice_lines"
    # ... and an explicit x-sdk-name takes a locked name from its holder.
    renamed = copy.deepcopy(both)
    renamed["paths"]["/v1/invoices/{invoice}/lines"]["get"]["x-sdk-name"] = "list_lines"
    calls = _calls(runs.generate(renamed, keep=False))
    assert calls["GET /v1/invoices/{invoice}/lines"] == "invoices.list_lines"
    assert calls["GET /v1/invoices/upcoming/lines"] != "invoices.list_lines"
    # A class whose schema is gone frees its name for a newcomer in the same generation.
    classes = Generations(tmp_path / "classes")
    (tmp_path / "classes").mkdir()
    classes.generate(_with_schemas(copy.deepcopy(SCHEMAS_BEFORE)))
    moved = _with_schemas({"Foo_Bar2": {"type": "object", "properties": {"a": {"type": "string"}}}})
    moved["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Foo_Bar2"
    }
    moved["components"]["schemas"]["FooBar"] = {"type": "object", "properties": {"x": {"type": "string"}}}
    assert _classes(classes.generate(moved))["/components/schemas/FooBar"] == "FooBar"


def test_generation_twice_with_the_same_inputs_is_byte_identical_and_a_fixed_point(tmp_path):
    runs = Generations(tmp_path)
    doc = _with_schemas(copy.deepcopy(SCHEMAS_BEFORE))
    runs.generate(doc)
    grown = _grown(doc, {"/v1/things/{id}": {"get": _op()}, "/things/{id}/archive": {"post": _op()}})
    previous = runs.previous
    one = runs.generate(grown, keep=False).files
    two = runs.generate(grown, keep=False).files
    assert one == two and runs.previous is previous
    lock = one[names_lock.LOCK]
    assert lock.endswith("\n") and json.loads(lock)["specgen-names"] == 1
    assert lock == names_lock.text(names_lock.parse(lock))  # sorted, one entry a line: its own normal form
    assert '"GET /v1/things/{id}": {"method": "get", "resource": "things"},' in lock
    runs.previous = dict(one)
    assert runs.generate(grown).files == one  # reading its own lock changes nothing: no release, same bytes


def test_a_lock_that_names_nothing_the_rules_could_make_is_ignored():
    hostile = {
        "specgen-names": 1,
        "classes": {"#/components/schemas/A": "A; import os", "#/components/schemas/B": "Good"},
        "fields": {"#/components/schemas/B": {"x": "class", "y": "fine_name", "z": "json"}},
        "operations": {
            "GET /a": {"resource": "a", "method": "drop(1)"},
            "GET /b": {"resource": "x.y z", "method": "ok"},
            "GET /c": {"resource": "c", "method": "get"},
        },
    }
    lock = names_lock.parse(json.dumps(hostile))
    assert dict(lock.classes) == {"#/components/schemas/B": "Good"}
    assert {k: dict(v) for k, v in lock.fields.items()} == {"#/components/schemas/B": {"y": "fine_name"}}
    assert dict(lock.operations) == {"GET /c": ("c", "get")}
    assert not names_lock.parse("not json") and not names_lock.parse('{"specgen-names": 2}')
    # Any section of another shape (the folder is anyone's to edit) is no lock, never a crash.
    for section in ("classes", "fields", "keywords", "members", "operations"):
        for value in ([1], "x", 3, None, {"k": [1]}, {"k": {"h": ["n"]}}):
            assert not names_lock.parse(json.dumps({"specgen-names": 1, section: value})), (section, value)


def test_the_input_cache_keys_on_the_lock_read(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "CACHE", tmp_path / "cache")
    runs = Generations(tmp_path)
    doc = _with_schemas(copy.deepcopy(SCHEMAS_BEFORE))
    first = runs.generate(doc)
    policy = RefPolicy()
    lock = first.files[names_lock.LOCK]
    keys = [inputs.fingerprint(runs.config, policy, first.spec, text) for text in (None, lock, lock + " ")]
    assert all(keys) and len({key[1] for key in keys if key}) == 3
    out = tmp_path / "out"
    files = dict(first.files)
    assert first.names_lock is None  # a first generation reads no lock; the folder then holds one
    # A lock the files' own lock does not give again: the entry stays keyed by the lock it was made with
    # (none), so it is never used for the folder, which holds another.
    real = inputs.build_ir.build_named
    monkeypatch.setattr(inputs.build_ir, "build_named", lambda *a, **k: (None, None, names_lock.NO_LOCK))
    inputs.remember(runs.config, policy, first.spec, out, files, digests(files), first.names_lock)
    assert not inputs.unchanged(runs.config, policy, out, dict(files))
    # The build reading the files' lock gives the same names, so the same files: the entry holds for it.
    monkeypatch.setattr(inputs.build_ir, "build_named", real)
    inputs.remember(runs.config, policy, first.spec, out, files, digests(files), first.names_lock)
    assert inputs.unchanged(runs.config, policy, out, dict(files))
    second = runs.generate(doc)
    assert second.names_lock == lock and second.files == files
    edited = {**files, names_lock.LOCK: lock.replace('"FooBar"', '"FooBar3"')}
    assert edited != files and not inputs.unchanged(runs.config, policy, out, edited)
    # A lock a keep-list keeps is not among the files compared: the entry is checked against the lock
    # generation reads from the folder all the same.
    unlocked = {path: text for path, text in files.items() if path != names_lock.LOCK}
    inputs.remember(runs.config, policy, first.spec, out, files, digests(unlocked), first.names_lock)
    assert inputs.unchanged(runs.config, policy, out, unlocked, lock)
    assert not inputs.unchanged(runs.config, policy, out, unlocked, edited[names_lock.LOCK])
    assert not inputs.unchanged(runs.config, policy, out, unlocked, None)


@pytest.mark.parametrize("lock_text", [None, "", "{}", names_lock.text(names_lock.NO_LOCK)])
def test_no_lock_and_an_empty_lock_name_alike(tmp_path, lock_text):
    runs = Generations(tmp_path)
    doc = _with_schemas(copy.deepcopy(SCHEMAS_BEFORE))
    plain = runs.generate(doc, keep=False)
    runs.previous = {} if lock_text is None else {names_lock.LOCK: lock_text}
    assert _calls(runs.generate(doc, keep=False)) == _calls(plain)
    assert runs.generate(doc, keep=False).files[names_lock.LOCK] == plain.files[names_lock.LOCK]


# --- additions in series to real documents: nothing named moves -----------------------------------------

ROOT = Path(__file__).resolve().parent.parent
REAL = {
    "kombo": ROOT / "specs" / "kombo.yaml",
    "train-travel": ROOT / "tests" / "corpus" / "3.1" / "train-travel.json",
    "petstore": ROOT / "tests" / "corpus" / "3.0" / "petstore.json",
    "crafter": ROOT / "specs" / "crafter.yaml",  # x-sdk-name on a form property
}
_METHODS = ("get", "put", "post", "delete", "patch")


def _named(spec_path: Path, lock: names_lock.NamesLock) -> tuple[names_lock.NamesLock, Any]:
    from generator.core import build_ir, load

    spec = load.load_spec(spec_path)
    api, diags, given = build_ir.build_named(spec, ApiConfig(name="real", spec=spec_path), lock)
    assert api is not None, [str(d) for d in diags.errors]
    return given, api


def _holders(lock: names_lock.NamesLock) -> dict[str, Any]:
    """Every name the lock holds, by what holds it."""
    out: dict[str, Any] = {f"op {k}": v for k, v in lock.operations.items()}
    out.update({f"class {k}": v for k, v in lock.classes.items()})
    out.update({f"field {k} {w}": n for k, names in lock.fields.items() for w, n in names.items()})
    out.update({f"keyword {k} {h}": n for k, names in lock.keywords.items() for h, n in names.items()})
    out.update({f"member {k} {h}": n for k, names in lock.members.items() for h, n in names.items()})
    return out


def _respelled(name: str, rng: Any) -> str:
    """Another spelling of ``name`` that the rules read as the same words."""
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name + "_x"
    return rng.choice(
        [
            "_".join(words).lower(),
            words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:]),
            "-".join(words),
            "".join(w[:1].upper() + w[1:] for w in words),
        ]
    )


def _add(doc: dict[str, Any], rng: Any) -> str:
    """One purely additive edit, chosen to collide with what is there where it can."""
    paths = doc.setdefault("paths", {})
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    kind = rng.choice(["operation-beside", "plainer-path", "new-path", "schema", "property", "parameter", "enum"])
    existing = [p for p in paths if isinstance(paths[p], dict)]
    if kind == "operation-beside" and existing:
        path = rng.choice(existing)
        free = [m for m in _METHODS if m not in paths[path]]
        if free:
            paths[path][rng.choice(free)] = {"responses": OK}
            return kind
    if kind == "plainer-path" and existing:
        segments = rng.choice(existing).split("/")
        shorter = "/".join(segments[:-1]) or "/x"
        params = [s.strip("{}") for s in shorter.split("/") if s.startswith("{")]
        item = paths.setdefault(shorter, {})
        free = [m for m in _METHODS if m not in item]
        if free:
            item[rng.choice(free)] = {
                "responses": OK,
                "parameters": [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
                ],
            }
            return kind
    if kind == "schema" and schemas:
        name = _respelled(rng.choice(list(schemas)), rng)
        if name not in schemas:
            entry = {"type": "object", "properties": {"added": {"type": "string"}}}
            doc["components"]["schemas"] = {name: entry, **schemas} if rng.random() < 0.5 else {**schemas, name: entry}
            paths[f"/added_{len(paths)}"] = {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                        }
                    }
                }
            }
            return kind
    if kind == "property":
        objects = [s for s in schemas.values() if isinstance(s, dict) and isinstance(s.get("properties"), dict)]
        if objects:
            target = rng.choice(objects)
            wire = _respelled(rng.choice(list(target["properties"]) or ["x"]), rng)
            if wire not in target["properties"]:
                target["properties"] = {wire: {"type": "integer"}, **target["properties"]}
                return kind
    if kind == "parameter" and existing:
        path = rng.choice(existing)
        ops = [op for m, op in paths[path].items() if m in _METHODS and isinstance(op, dict)]
        if ops:
            op = rng.choice(ops)
            params = op.setdefault("parameters", [])
            names = [p.get("name") for p in params if isinstance(p, dict) and isinstance(p.get("name"), str)]
            wire = _respelled(rng.choice(names), rng) if names else "page_size"
            if wire not in names:
                params.insert(0, {"name": wire, "in": "query", "schema": {"type": "integer"}})
                return kind
    if kind == "enum":
        enums = _enums(doc)
        if enums:
            values = rng.choice(enums)["enum"]
            strings = [v for v in values if isinstance(v, str)]
            value = _respelled(rng.choice(strings), rng) if strings else None
            if value is not None and value not in values:
                values.insert(0, value)
                return kind
    paths[f"/added/v{len(paths)}/things"] = {"get": {"responses": OK}}
    return "new-path"


def _enums(node: Any) -> list[dict[str, Any]]:
    """Every schema with a list of string values in ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            found.append(node)
        for value in node.values():
            found += _enums(value)
    elif isinstance(node, list):
        for value in node:
            found += _enums(value)
    return found


@pytest.mark.parametrize("document", list(REAL))
def test_additions_in_series_to_a_real_document_move_no_name(tmp_path, document):
    import random

    import yaml

    source = REAL[document]
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    spec = tmp_path / "real.json"
    counts = {
        "edits": 0,
        "names kept": 0,
        "edits that move a name without the lock": 0,
        "settled without building again": 0,
    }
    for seed in range(6):
        rng = random.Random(f"{document}-{seed}")
        grown = copy.deepcopy(doc)
        spec.write_text(json.dumps(grown), encoding="utf-8")
        lock, _ = _named(spec, names_lock.NO_LOCK)
        for _ in range(4):
            kind = _add(grown, rng)
            spec.write_text(json.dumps(grown), encoding="utf-8")
            after, _ = _named(spec, lock)
            before, now = _holders(lock), _holders(after)
            moved = {k: (v, now.get(k)) for k, v in before.items() if now.get(k) != v}
            assert not moved, (document, seed, kind, moved)
            # reading its own lock, a build gives the same names again (what the input cache relies on),
            # which the build that gave them says by itself where it can (``settled``)
            assert names_lock.text(_named(spec, after)[0]) == names_lock.text(after)
            counts["settled without building again"] += after.settled
            fresh = _holders(_named(spec, names_lock.NO_LOCK)[0])
            counts["edits that move a name without the lock"] += any(fresh.get(k) != v for k, v in before.items())
            counts["edits"] += 1
            counts["names kept"] += len(before)
            lock = after
    assert counts["edits"] == 24 and counts["names kept"] > 24
    assert counts["settled without building again"] > 0, counts
    assert counts["edits that move a name without the lock"] > 0, counts  # the edits do reach collisions


def test_a_method_added_with_the_name_of_a_sub_resource_does_not_rename_it(tmp_path):
    runs = Generations(tmp_path)
    doc = _document(
        {
            "/ats/jobs": {"get": _op("listJobs", ["ats"], **{"x-sdk-group": "ats.jobs"})},
            "/ats/ping": {"get": _op("ping", ["ats"])},
        }
    )
    assert _calls(runs.generate(doc)) == {"GET /ats/jobs": "ats.jobs.list", "GET /ats/ping": "ats.ping"}
    grown = _grown(doc, {"/ats/things/{id}/jobs": {"post": _op("jobs", ["ats"])}})
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _calls(Generations(fresh).generate(grown))["GET /ats/jobs"] == "ats.jobs_.list"  # the rules alone: W405
    result = runs.generate(grown)
    calls = _calls(result)
    assert calls["GET /ats/jobs"] == "ats.jobs.list" and calls["POST /ats/things/{id}/jobs"] != "ats.jobs"
    assert any(d.code == "W400" and "'jobs' is taken in ats" in d.message for d in result.diagnostics)


def test_a_build_for_names_alone_gives_the_names_of_a_full_build():
    # ``names_settled`` builds with ``names_only`` (no imports, no cut of models/): it must give the very
    # names, for a first generation and for one reading the lock that gave them.
    from generator.config import load_project
    from generator.core import build_ir, load

    root = Path(__file__).resolve().parent.parent
    configs = list(load_project(root).apis)
    configs += [ApiConfig(name=p.stem, spec=p) for p in sorted((root / "tests" / "specs").glob("*.yaml"))[:6]]
    for config in configs:
        spec = load.load_spec(config.spec, config.overlays)
        full = build_ir.build_named(spec, config)
        alone = build_ir.build_named(spec, config, names_only=True)
        assert full[0] is not None and alone[0] is not None
        assert names_lock.text(alone[2]) == names_lock.text(full[2]), config.name
        again = build_ir.build_named(spec, config, full[2], names_only=True)
        assert names_lock.text(again[2]) == names_lock.text(full[2]), config.name


def test_a_lock_is_called_settled_only_where_a_build_reading_it_gives_it_again(tmp_path):
    # ``settled`` spares the check that builds again (``inputs.names_settled``): over every document the
    # suite generates (our APIs, the golden specs, the vendored corpus, the hostile payloads), a first
    # build's lock said settled is one a build reading it gives again; and where a holder gives its kept
    # name up for an explicit one, the build does not say so.
    from test_format import _configs, _hostile_configs

    from generator.core import build_ir, load

    certified = 0
    for config in [*_configs(), *_hostile_configs(tmp_path)]:
        spec = load.load_spec(config.spec, config.overlays)
        if spec.diagnostics.has_errors:
            continue
        api, _, given = build_ir.build_named(spec, config)
        if api is None or not given.settled:
            continue
        certified += 1
        assert inputs.names_settled(config, spec, names_lock.text(given)), config.name
    assert certified > 20
    runs = Generations(tmp_path)
    enum = {"type": "string", "enum": ["a-b", "a_b"]}
    doc = _document({"/things": {"post": _op("create")}}, {"Kind": enum})
    first = runs.generate(doc)
    assert first.api is not None
    doc["components"]["schemas"]["Kind"]["x-enum-varnames"] = ["FIRST", "A_B"]
    from generator.core import build_ir, load

    runs.spec.write_text(json.dumps(doc), encoding="utf-8")
    spec = load.load_spec(runs.spec)
    lock = names_lock.parse(first.files[names_lock.LOCK])
    _, _, given = build_ir.build_named(spec, runs.config, lock)
    assert not given.settled  # x-enum-varnames took a member's kept name: not known without building


def test_an_enum_value_listed_twice_is_one_member_and_keeps_its_name(tmp_path):
    # Stripe lists an api_version value twice: two claims for one holder gave the lock one of two names,
    # and a generation reading it named the member another way.
    runs = Generations(tmp_path)
    values = [f"2025-10-{day:02d}" for day in range(1, 4)] + ["2025-10-01", "2025_10_01"]
    doc = _document({"/things": {"post": _op("create")}}, {"Version": {"type": "string", "enum": values}})
    first = runs.generate(doc)
    enum = next(e for e in first.api.enums if e.name == "Version")
    assert [m.value for m in enum.members] == ['"2025-10-01"', '"2025-10-02"', '"2025-10-03"', '"2025_10_01"']
    second = runs.generate(doc)
    assert second.files == first.files
    lock = names_lock.parse(first.files[names_lock.LOCK])
    from generator.core import build_ir, load

    _, _, given = build_ir.build_named(load.load_spec(runs.spec), runs.config)
    assert given.settled and names_lock.text(given) == names_lock.text(lock)
