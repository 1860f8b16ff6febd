"""One component schema changed: ``build_ir.rebuild`` redoes only the definitions that depend on it, from
a memo of the last build. It must give exactly what a full build gives (the IR, the diagnostics in their
order, and the memo for the next time), or decline. Held here on every document of the suite, each of
its component schemas edited in the ways specs change, one after another as a maintainer would."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from generator import build_ir
from generator.config import ApiConfig
from generator.load import Spec, load_spec, part_digests

ROOT = Path(__file__).resolve().parent.parent


def _with_schemas() -> list[Path]:
    """The suite's documents with component schemas in one file (the ones a memo is kept for)."""
    found = []
    for path in sorted([*(p for p in (ROOT / "specs").glob("*.yaml") if "overlay" not in p.name), *(ROOT / "tests" / "specs").glob("*.yaml"), *(ROOT / "tests" / "corpus").rglob("*.json")]):
        spec = load_spec(path)
        if (spec.data.get("components") or {}).get("schemas") and len(spec.documents) == 1:
            found.append(path)
    return found


DOCUMENTS = _with_schemas()


def _edits(schema: Any, others: list[str]) -> list[tuple[str, Any]]:
    """The kinds of change a component schema goes through between two releases of a spec."""
    if not isinstance(schema, dict):
        return [("replaced by an object", {"type": "object", "properties": {"id": {"type": "integer"}}})]
    edited = []

    def edit(name: str, change: Any) -> None:
        copied = copy.deepcopy(schema)
        change(copied)
        edited.append((name, copied))

    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else None
    edit("description changed", lambda s: s.__setitem__("description", "Changed: " + str(s.get("description", ""))))
    edit("nullable property added", lambda s: s.setdefault("properties", {}).__setitem__("zz_added", {"type": "string", "nullable": True, "description": "Added."}))
    edit("object property added", lambda s: s.setdefault("properties", {}).__setitem__("zz_inline", {"type": "object", "properties": {"a": {"type": "integer"}}}))
    if others:
        edit("reference added", lambda s: s.setdefault("properties", {}).__setitem__("zz_ref", {"$ref": f"#/components/schemas/{others[-1]}"}))
    if props:
        first = next(iter(props))
        edit("property removed", lambda s: s["properties"].pop(first))
        edit("property made required", lambda s: s.__setitem__("required", [*s.get("required", []), first]))
        edit("property type changed", lambda s: s["properties"].__setitem__(first, {"type": "array", "items": {"type": "number"}}))
    if isinstance(schema.get("enum"), list):
        edit("enum value added", lambda s: s["enum"].append("zz_added" if all(isinstance(v, str) for v in s["enum"] if v is not None) else 999))
    edit("made nullable", lambda s: s.__setitem__("nullable", True))
    edit("renamed by x-sdk-name", lambda s: s.__setitem__("x-sdk-name", "RenamedThing"))
    edit("made a string", lambda s: (s.clear(), s.__setitem__("type", "string")))
    return edited


def _variant(spec: Spec, key: str, schema: Any) -> Spec:
    data = dict(spec.data)
    data["components"] = {**data["components"], "schemas": {**data["components"]["schemas"], key: schema}}
    return dataclasses.replace(spec, documents={**spec.documents, spec.root: data})


def _built(spec: Spec, config: ApiConfig) -> tuple[Any, Any, build_ir.Memo]:
    """A full build and its memo, made whole as when it is kept."""
    api, diags, memo = build_ir.build_with_memo(spec, config, None, part_digests(spec))
    assert memo is not None
    return api, diags, memo


def _memo_view(memo: build_ir.Memo) -> tuple[Any, ...]:
    return (memo.parts, memo.signatures, memo.api, [(d.name, d.kind, d.value, d.trace) for d in memo.order], memo.reads, memo.said)


def _built_and_edited(path: Path, count: int) -> tuple[Spec, ApiConfig, Any, Any, build_ir.Memo, list[tuple[str, str, Spec]]]:
    """The document at ``path`` built in full (its spec, configuration, IR, diagnostics and memo), and
    the edits of its first ``count`` component schemas: (schema, kind of edit, edited spec)."""
    spec = load_spec(path)
    schemas = spec.data["components"]["schemas"]
    config = ApiConfig(name="api", spec=path)
    api, diags, memo = _built(spec, config)
    assert api is not None
    keys = list(schemas)
    edited = [(key, name, _variant(spec, key, schema)) for key in keys[:count] for name, schema in _edits(schemas[key], [k for k in keys if k != key])]
    return spec, config, api, diags, memo, edited


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_rebuild_gives_what_a_full_build_gives_or_declines(path):
    spec, config, api, diags, memo, edited = _built_and_edited(path, 12)
    redone = declined = 0
    for key, name, variant in edited:
        parts = part_digests(variant)
        assert parts is not None
        quick = build_ir.rebuild(variant, config, memo, parts)
        full_api, full_diags, full_memo = _built(variant, config)
        if quick is None:
            declined += 1
            continue
        redone += 1
        assert quick[0] == full_api, f"{key}: {name}"
        assert quick[1].items == full_diags.items, f"{key}: {name}"
        assert _memo_view(quick[2]) == _memo_view(full_memo), f"{key}: {name}"
        # The next change starts from the rebuilt memo, as the next run would.
        back = build_ir.rebuild(spec, config, quick[2], part_digests(spec))
        if back is not None:
            assert back[0] == api and back[1].items == diags.items, f"{key}: {name}, then back"
    assert redone >= 3, (redone, declined)  # the quick way is taken


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_models_py_from_kept_classes_is_the_module_rendered_whole(path):
    # models_text finds each class's text in the last models.py (by where it lies) and, after a
    # rebuild, takes it for every definition the new IR shares with the memo's; the module must be
    # exactly what rendering and formatting it whole gives (format_files over render), and so must
    # where its classes lie, for the next time.
    from generator import format, models_text, render

    _, config, api, _, memo, edited = _built_and_edited(path, 8)
    module = f"{api.package}/models.py"
    text, spans = models_text.whole(api)
    assert text == format.format_files(render.render(api, only={module}))[module]
    if len(api.enums) + len(api.models) < 2:
        return
    texts = models_text.texts_in(text, spans)
    assert [t.split("(")[0] for t in texts[1:]] == [f"class {d.name}" for d in [*api.enums, *api.models][:-1]]
    assert texts[0].startswith("# Code generated by")  # the head
    assert models_text.reusing(api, memo.api, texts[:-1]) is None  # not the memo's texts
    reused = 0
    for key, name, variant in edited:
        quick = build_ir.rebuild(variant, config, memo, part_digests(variant))
        if quick is None:
            continue
        made = models_text.reusing(quick[0], memo.api, texts)
        assert made is not None, f"{key}: {name}"
        assert made == models_text.whole(quick[0]), f"{key}: {name}"
        assert made[0] == format.format_files(render.render(quick[0], only={module}))[module], f"{key}: {name}"
        reused += len({id(d) for d in [*quick[0].enums, *quick[0].models]} & {id(d) for d in [*memo.api.enums, *memo.api.models]})
    assert reused > 0


def test_the_suite_has_documents_to_hold_it_to():
    assert len(DOCUMENTS) >= 15


def test_nothing_changed_gives_the_memo_back_and_anything_else_builds_in_full():
    spec = load_spec(ROOT / "specs" / "kombo.yaml", (ROOT / "specs" / "kombo.overlay.yaml",))
    config = ApiConfig(name="kombo", spec=ROOT / "specs" / "kombo.yaml")
    api, diags, memo = _built(spec, config)
    same = build_ir.rebuild(spec, config, memo, part_digests(spec))
    assert same is not None and same[0] == api and same[2] is memo
    # An operation changed, two schemas changed, another configuration: a full build decides.
    data = copy.deepcopy(spec.data)
    data["info"]["title"] = "Renamed"
    retitled = dataclasses.replace(spec, documents={spec.root: data})
    assert build_ir.rebuild(retitled, config, memo, part_digests(retitled)) is None
    data = copy.deepcopy(spec.data)
    for schema in list(data["components"]["schemas"].values())[:2]:
        schema["description"] = "Changed."
    two = dataclasses.replace(spec, documents={spec.root: data})
    assert build_ir.rebuild(two, config, memo, part_digests(two)) is None
    assert build_ir.rebuild(spec, dataclasses.replace(config, client="Other"), memo, part_digests(spec)) is None


def test_a_schema_merged_into_another_is_redone_with_it():
    # A parent merged by allOf into a child model: the child is redone too (a deep read), and a schema
    # that an operation's form body reads field by field is left to a full build.
    parent = {"type": "object", "properties": {"id": {"type": "integer"}}}
    data = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {"/c": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Child"}}}}}}},
                  "/f": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Form"}}}}, "responses": {"204": {"description": "ok"}}}}},
        "components": {"schemas": {
            "Parent": parent,
            "Child": {"allOf": [{"$ref": "#/components/schemas/Parent"}, {"type": "object", "properties": {"name": {"type": "string"}}}]},
            "Form": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        }},
    }
    spec = Spec(root="file:///t.json", documents={"file:///t.json": data}, labels={"file:///t.json": "t.json"})
    config = ApiConfig(name="t", spec=Path("t.json"))
    _, _, memo = _built(spec, config)
    changed = _variant(spec, "Parent", {**parent, "properties": {**parent["properties"], "extra": {"type": "string"}}})
    quick = build_ir.rebuild(changed, config, memo, part_digests(changed))
    full = build_ir.build(changed, config)[0]
    assert quick is not None and quick[0] == full
    child = next(m for m in full.models if m.name == "Child")  # type: ignore[union-attr]
    assert [f.wire for f in child.fields] == ["id", "extra", "name"]
    form = _variant(spec, "Form", {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}}})
    assert build_ir.rebuild(form, config, memo, part_digests(form)) is None


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_snapshot_put_together_from_the_last_one_is_the_snapshot(path, tmp_path):
    # history.SnapshotTexts finds the text around the component schemas and each schema's own text in
    # the last snapshot, by an index it keeps; one call after another, as runs follow each other (each
    # given the snapshot the last one wrote), each must give exactly history.snapshot, and take the
    # texts it can from the last one.
    from generator import history

    spec = load_spec(path)
    schemas = spec.data["components"]["schemas"]
    keys = list(schemas)
    kept = tmp_path / "kept.pickle"
    variants = [spec]
    for key in keys[:4]:
        variants += [_variant(spec, key, schema) for _, schema in _edits(schemas[key], [k for k in keys if k != key])[:3]]
    reordered = dict(reversed(list(schemas.items())))
    variants.append(dataclasses.replace(spec, documents={spec.root: {**spec.data, "components": {**spec.data["components"], "schemas": reordered}}}))
    fewer = {k: v for k, v in schemas.items() if k != keys[0]}
    variants.append(dataclasses.replace(spec, documents={spec.root: {**spec.data, "components": {**spec.data["components"], "schemas": fewer}}}))
    variants.append(dataclasses.replace(spec, documents={spec.root: {**spec.data, "info": {**spec.data["info"], "title": "Retitled ✓"}}}))
    last = None
    found = 0
    for variant in [*variants, spec]:
        texts = history.SnapshotTexts(kept, "v1", last)
        found += texts.found
        last = texts.snapshot(variant, part_digests(variant))
        assert last == history.snapshot(variant)
    assert found >= len(variants) - 1  # each run but the first finds the last snapshot's texts
    assert history.SnapshotTexts(kept, "v1", last).found
    assert not history.SnapshotTexts(kept, "v1", last.replace("{", "{ ", 1)).found  # another text than the one indexed
    assert not history.SnapshotTexts(kept, "v2", last).found  # kept by other code: not used
    kept.write_bytes(b"not a pickle")
    texts = history.SnapshotTexts(kept, "v1", last)
    assert not texts.found and texts.snapshot(spec, part_digests(spec)) == history.snapshot(spec)


def _as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)  # YAML dates and integer keys as JSON has them


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_previous_snapshot_rebuilt_from_kept_texts_diffs_as_the_parsed_one(path, tmp_path):
    # SnapshotTexts.previous gives the release diff its old side without parsing the old snapshot: the
    # new document's own objects where a schema is unchanged, the kept text where it changed, and the
    # $refs found in the new document spliced likewise. It must equal from_snapshot's Spec (documents,
    # labels, refs) and give the same diff, or decline; each schema edited in turn, as runs follow.
    from generator import history
    from generator.diff import diff_specs
    from generator.load import iter_refs

    file = tmp_path / "api.json"
    base = json.loads(_as_json(load_spec(path).data))
    file.write_text(_as_json(base), encoding="utf-8")
    spec = load_spec(file)
    assert spec.round_trips
    kept = tmp_path / "kept.pickle"
    previous = history.SnapshotTexts(kept, "v1", None).snapshot(spec, part_digests(spec))
    keys = list(base["components"]["schemas"])
    taken = 0
    for key in keys[:6]:
        for _, schema in _edits(base["components"]["schemas"][key], [k for k in keys if k != key])[:5]:
            data = copy.deepcopy(base)
            data["components"]["schemas"][key] = schema
            file.write_text(_as_json(data), encoding="utf-8")
            new = load_spec(file)
            texts = history.SnapshotTexts(kept, "v1", previous)
            old = texts.previous(new, part_digests(new), "spec-snapshot.json")
            parsed = history.from_snapshot(previous, "spec-snapshot.json")
            assert parsed is not None
            if old is not None:
                taken += 1
                assert (old.root, old.documents, old.labels) == (parsed.root, parsed.documents, parsed.labels)
                assert old.refs(old.root) == iter_refs(parsed.data)
                assert diff_specs(old, new) == diff_specs(parsed, new)
            previous = texts.snapshot(new, part_digests(new))
            assert previous == history.snapshot(new)
    assert taken > 0  # a schema's edit is what it serves

    texts = history.SnapshotTexts(kept, "v1", previous)
    retitled = copy.deepcopy(base)
    retitled["info"]["title"] = "Retitled"
    file.write_text(_as_json(retitled), encoding="utf-8")
    new = load_spec(file)
    assert texts.previous(new, part_digests(new), "spec-snapshot.json") is None  # more than schemas changed
    file.write_text(_as_json(base), encoding="utf-8")
    new = load_spec(file)
    assert history.SnapshotTexts(kept, "v1", previous + " ").previous(new, part_digests(new), "spec-snapshot.json") is None  # another snapshot on disk
    assert texts.previous(new, part_digests(new), "spec-snapshot.json") is not None
    file.write_text(_as_json(base)[:-1] + ', "x-nan": NaN}', encoding="utf-8")
    assert not load_spec(file).round_trips  # NaN reads back unequal to itself
    copied = dataclasses.replace(new, documents={new.root: dict(new.data)})
    assert not copied.round_trips and copied.refs(copied.root) == new.refs(new.root)  # a copy is walked afresh
