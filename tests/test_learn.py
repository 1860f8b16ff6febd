"""``specgen learn``: observations (docs/observations.md) into Overlay actions, classified by ``diff``."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli
from generator.core.load import load_spec
from generator.core.validate import validate
from generator.drift import learn as learning
from generator.drift.diff import diff_specs

ROOT = Path(__file__).resolve().parent.parent
OP = "GET /things/{id}"
SCHEMA = "#/components/schemas/Thing"


def document(version: str) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Things", "version": "1.0"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": SCHEMA}}},
                        },
                        "default": {"description": "error"},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id", "name", "kind"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "created": {"type": "string", "format": "date-time"},
                        "count": {"type": "integer"},
                        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                        "pet": {"$ref": "#/components/schemas/Pet"},
                        "meta": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object"}]},
                    },
                },
                "Tag": {"type": "object", "properties": {"label": {"type": "string"}}},
                "Base": {"type": "object", "properties": {"origin": {"type": "string"}}},
                "Pet": {
                    "type": "object",
                    "required": ["petType"],
                    "properties": {"petType": {"type": "string", "enum": ["cat", "dog"]}},
                    "discriminator": {"propertyName": "petType"},
                },
            }
        },
    }


def finding(kind: str, pointer: str = "", where: str = "200 application/json", count: int = 3, **more: Any) -> dict:
    return {
        "kind": kind,
        "where": where,
        "pointer": pointer,
        "count": count,
        "first_seen": "2026-12-05T20:30:00Z",
        "last_seen": "2026-12-05T20:41:07Z",
        **more,
    }


#: One finding of each kind, with what learn must print for it.
EVERY_KIND: list[tuple[dict[str, Any], str]] = [
    (finding("undocumented-status", where="202", observed="202"), "success-status-added"),
    (
        finding("undocumented-content-type", where="200", observed="application/xml; charset=utf-8"),
        "response-media-type-added",
    ),
    (finding("unknown-property", "/extra", observed="string (uri)"), "response-property-added"),
    (finding("unknown-property", "/tags/*/color", observed="integer"), "response-property-added"),
    (finding("unknown-property", "/meta/level", observed="array"), "response-property-added"),
    (finding("unknown-enum-value", "/kind", expected="string", values={"c": 2}), "response-enum-value-added"),
    (finding("type-mismatch", "/count", expected="integer", observed="string"), "response-type-changed"),
    (finding("type-mismatch", "/created", expected="string (date-time)", observed="string (date)"), "(no diff rule)"),
    (finding("missing-required", "/name", expected="name"), "response-property-made-optional"),
    (finding("unexpected-null", "/id", expected="string", observed="null"), "response-became-nullable"),
    (
        finding("unknown-discriminator", "/pet", expected=["cat", "dog"], values={"bird": 1}),
        "response-enum-value-added",
    ),
]


def observations(findings: list[dict[str, Any]], webhooks: dict | None = None) -> dict[str, Any]:
    return {
        "format": "specgen-observations/1",
        "api": "things",
        "api_version": "1.0",
        "generator": "specgen 0.2.0",
        "operations": {OP: {"calls": 12, "statuses": {"200": 11, "202": 1}, "findings": findings}},
        "webhooks": webhooks or {},
    }


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2) if path.suffix == ".json" else yaml.safe_dump(data, sort_keys=False))
    return path


def run_cli(*argv: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def printed_rules(out: str) -> list[tuple[str, str]]:
    """(level, rule) of each change line learn printed."""
    found = []
    for line in out.splitlines():
        match = re.match(r"(breaking|warning|safe|-)\s+(\(no diff rule\)|[a-z-]+): ", line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


@pytest.fixture(params=["3.1.0", "3.0.3"])
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_each_kind_is_learned_and_classified_by_diff(tmp_path: Path, version: str, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document(version))
    obs = write(tmp_path / "obs.json", observations([f for f, _ in EVERY_KIND]))
    out_file = tmp_path / "learned.yaml"
    status, out, err = run_cli("learn", obs, "--spec", spec, "--out", out_file, capsys=capsys)
    assert status == 0, err
    # Each finding's line carries the rule diff gives its change.
    for raw, rule in EVERY_KIND:
        head = f"{OP} [{raw['where']}]" + (f" {raw['pointer']}" if raw["pointer"] else "") + ":"
        assert any(f"{rule}: {head}" in line for line in out.splitlines()), (rule, head, out)
    assert "breaking response-type-changed" in out and "warning  success-status-added" in out

    base = load_spec(spec)
    learned = load_spec(spec, (out_file,))
    assert not learned.diagnostics.items
    assert not validate(learned).errors, [str(d) for d in validate(learned).errors]
    data, schemas = learned.data, learned.data["components"]["schemas"]
    thing = schemas["Thing"]
    # unknown-property: declared with its type and format, never required
    assert thing["properties"]["extra"] == {"type": "string", "format": "uri"}
    assert schemas["Tag"]["properties"]["color"] == {"type": "integer"}  # the referenced component, not the use
    assert schemas["Base"]["properties"]["level"] == {"type": "array", "items": {}}  # allOf: the first object member
    assert "extra" not in thing["required"]
    assert thing["properties"]["kind"]["enum"] == ["a", "b", "c"]
    assert schemas["Pet"]["properties"]["petType"]["enum"] == ["cat", "dog", "bird"]
    assert thing["properties"]["created"]["format"] == "date"
    assert "name" not in thing["required"]
    if version.startswith("3.1"):
        assert thing["properties"]["count"]["type"] == ["integer", "string"]
        assert thing["properties"]["id"]["type"] == ["string", "null"]
    else:
        assert thing["properties"]["count"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
        assert thing["properties"]["id"] == {"type": "string", "nullable": True}
    responses = data["paths"]["/things/{id}"]["get"]["responses"]
    assert responses["202"]["content"] == {"application/json": {"schema": {"$ref": SCHEMA}}}
    assert responses["200"]["content"]["application/xml"] == {"schema": {"$ref": SCHEMA}}
    # Each action names its evidence.
    overlay = yaml.safe_load(out_file.read_text())
    assert overlay["overlay"] == "1.0.0" and overlay["extends"] == "things.yaml"
    for action in overlay["actions"]:
        evidence = action["x-specgen-evidence"]
        assert {"kind", "where", "pointer", "count", "first_seen", "last_seen"} <= set(evidence)
        assert action["description"]
    # What diff says of the whole overlay is what learn printed, change by change.
    whole = {(c.level, c.rule) for c in diff_specs(base, learned).changes}
    assert whole == {r for r in printed_rules(out) if r[1] != "(no diff rule)"}


def test_unknown_event_and_discriminator_without_enum_are_left(tmp_path: Path, capsys) -> None:
    doc = document("3.1.0")
    del doc["components"]["schemas"]["Pet"]["properties"]["petType"]["enum"]
    spec = write(tmp_path / "things.yaml", doc)
    hooks = {"*": {"deliveries": 1, "findings": [{"kind": "unknown-event", "values": {"thing.merged": 1}, "count": 1}]}}
    obs = write(
        tmp_path / "obs.json", observations([finding("unknown-discriminator", "/pet", values={"bird": 1})], hooks)
    )
    status, out, _ = run_cli("learn", obs, "--spec", spec, "--check", capsys=capsys)
    assert status == 0  # nothing an action could learn
    assert "left     unknown-discriminator" in out and "needs a schema" in out
    assert "left     unknown-event: webhook *" in out


def test_already_allowed_learns_nothing(tmp_path: Path, version: str, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document(version))
    allowed = [
        finding("unknown-property", "/name", observed="string"),
        finding("unknown-enum-value", "/kind", values={"a": 4}),
        finding("type-mismatch", "/count", observed="integer"),
        finding("type-mismatch", "/name", observed="string (uuid)"),  # no format documented: any string
        finding("missing-required", "/created", expected="created"),
        finding("undocumented-status", where="200", observed="200"),
        finding("undocumented-content-type", where="200", observed="application/json"),
    ]
    obs = write(tmp_path / "obs.json", observations(allowed))
    status, out, _ = run_cli("learn", obs, "--spec", spec, "--out", tmp_path / "o.yaml", "-v", capsys=capsys)
    assert status == 0
    assert "nothing to learn" in out and not (tmp_path / "o.yaml").exists()
    assert out.count("allowed  ") == len(allowed)
    # And what was learned once is allowed the second time.
    obs2 = write(tmp_path / "obs2.json", observations([f for f, _ in EVERY_KIND]))
    assert run_cli("learn", obs2, "--spec", spec, "--out", tmp_path / "l.yaml", capsys=capsys)[0] == 0
    status, out, _ = run_cli("learn", obs2, "--spec", spec, "--overlay", tmp_path / "l.yaml", "--check", capsys=capsys)
    assert status == 0 and "0 finding(s) to learn" in out


def test_check_writes_nothing_and_exits_1_when_something_is_left_to_learn(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document("3.1.0"))
    before = spec.read_bytes()
    obs = write(tmp_path / "obs.json", observations([finding("unknown-enum-value", "/kind", values={"c": 2})]))
    status, out, _ = run_cli("learn", obs, "--spec", spec, "--out", tmp_path / "o.yaml", "--check", capsys=capsys)
    assert status == 1 and "safe     response-enum-value-added" in out
    assert not (tmp_path / "o.yaml").exists() and spec.read_bytes() == before
    assert run_cli("learn", obs, "--spec", spec, "--patch", "--check", capsys=capsys)[0] == 1
    assert spec.read_bytes() == before


def test_min_count_skips_rare_findings_and_values(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document("3.1.0"))
    obs = write(
        tmp_path / "obs.json",
        observations(
            [
                finding("unknown-property", "/rare", observed="string", count=1),
                finding("unknown-property", "/often", observed="string", count=5),
                finding("unknown-enum-value", "/kind", count=6, values={"c": 5, "d": 1}),
            ]
        ),
    )
    out_file = tmp_path / "o.yaml"
    status, out, _ = run_cli("learn", obs, "--spec", spec, "--out", out_file, "--min-count", "2", capsys=capsys)
    assert status == 0 and "1 seen fewer than 2 times" in out
    thing = load_spec(spec, (out_file,)).data["components"]["schemas"]["Thing"]
    assert "often" in thing["properties"] and "rare" not in thing["properties"]
    assert thing["properties"]["kind"]["enum"] == ["a", "b", "c"]


def test_files_are_merged(tmp_path: Path) -> None:
    one = finding("unknown-enum-value", "/kind", count=2, values={"c": 2})
    two = finding("unknown-enum-value", "/kind", count=3, values={"c": 1, "d": 2})
    two["first_seen"], two["last_seen"] = "2026-12-01T00:00:00Z", "2026-12-09T00:00:00Z"
    a = write(tmp_path / "a.json", observations([one]))
    b = write(tmp_path / "b.json", observations([two, finding("missing-required", "/name", expected="name")]))
    merged = learning.read_observations([a, b])
    assert len(merged.findings) == 2
    enum = next(f for f in merged.findings.values() if f.kind == "unknown-enum-value")
    assert enum.count == 5 and enum.values == {"c": 3, "d": 2}
    assert (enum.first_seen, enum.last_seen) == ("2026-12-01T00:00:00Z", "2026-12-09T00:00:00Z")
    # Values stay bounded: 20 distinct, the rest counted under "…".
    many = [finding("unknown-enum-value", "/kind", values={f"v{i}": 1 for i in range(j, j + 15)}) for j in (0, 15)]
    files = [write(tmp_path / f"m{i}.json", observations([f])) for i, f in enumerate(many)]
    values = next(iter(learning.read_observations(files).findings.values())).values
    assert len(values) == 21 and values["…"] == 10


def test_bad_input_names_file_and_pointer(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document("3.1.0"))
    other = write(tmp_path / "other.json", {**observations([]), "format": "something-else/2"})
    status, _, err = run_cli("learn", other, "--spec", spec, "--check", capsys=capsys)
    assert status == 2 and "other.json#/format: error[E802]" in err and "specgen-observations/1" in err
    unknown = observations([])
    unknown["operations"] = {"GET /nowhere": {"findings": []}}
    bad_op = write(tmp_path / "op.json", unknown)
    status, _, err = run_cli("learn", bad_op, "--spec", spec, "--check", capsys=capsys)
    assert status == 2 and "op.json#/operations/GET ~1nowhere: error[E804]" in err
    status, _, err = run_cli("learn", tmp_path / "missing.json", "--spec", spec, "--check", capsys=capsys)
    assert status == 2 and "missing.json#: error[E801]" in err
    broken = observations([{"kind": "unknown-property", "count": "many"}])
    status, _, err = run_cli("learn", write(tmp_path / "b.json", broken), "--spec", spec, "--check", capsys=capsys)
    assert status == 2 and "b.json#/operations/GET ~1things~1{id}/findings/0/count: error[E803]" in err
    assert run_cli("learn", bad_op, capsys=capsys)[0] == 2  # neither --spec nor --api


def test_api_appends_to_the_configured_overlay(tmp_path: Path, capsys) -> None:
    write(tmp_path / "things.yaml", document("3.1.0"))
    overlay = tmp_path / "things.overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo:\n  title: naming\n  version: 1.0.0\n# what this project adds\nactions:\n"
        "  - target: $.components.schemas.Thing\n    # a comment kept\n    update:\n      x-sdk-name: Item\n\n"
        "# trailing comment\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.generator]\noutput = "generated"\n\n[[tool.generator.apis]]\nname = "things"\n'
        'spec = "things.yaml"\noverlays = ["things.overlay.yaml"]\n'
    )
    obs = write(tmp_path / "obs.json", observations([f for f, _ in EVERY_KIND]))
    status, _, err = run_cli("learn", obs, "--api", "things", "--project", tmp_path, capsys=capsys)
    assert status == 0, err
    text = overlay.read_text()
    assert text.startswith("overlay: 1.0.0\ninfo:\n  title: naming\n  version: 1.0.0\n# what this project adds\n")
    assert "    # a comment kept\n" in text and text.endswith("# trailing comment\n")
    actions = yaml.safe_load(text)["actions"]
    assert actions[0]["update"] == {"x-sdk-name": "Item"} and len(actions) > 10
    learned = load_spec(tmp_path / "things.yaml", (overlay,))
    assert not learned.diagnostics.items and not validate(learned).errors
    assert learned.data["components"]["schemas"]["Thing"]["x-sdk-name"] == "Item"
    assert "c" in learned.data["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"]
    # Learned once: nothing is left.
    assert run_cli("learn", obs, "--api", "things", "--project", tmp_path, "--check", capsys=capsys)[0] == 0
    # An API without an overlay needs --out.
    status, _, err = run_cli("learn", obs, "--api", "nope", "--project", tmp_path, capsys=capsys)
    assert status == 2 and "no API 'nope'" in err


HAND_WRITTEN = """\
# A hand-written description: every comment must survive learn --patch.
openapi: 3.0.3
info: {title: Things, version: "1.0"}   # flow style kept
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':   # the status
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: string}   # the id
                  name:
                    type: string
                  kind:
                    type: string
                    enum: [a, b]
components: {}
"""


def test_patch_edits_the_spec_keeping_comments_and_order(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "things.yaml"
    spec.write_text(HAND_WRITTEN)
    obs = write(
        tmp_path / "obs.json",
        observations(
            [
                finding("unknown-property", "/extra", observed="string (date-time)"),
                finding("unknown-enum-value", "/kind", values={"c": 1}),
                finding("missing-required", "/name", expected="name"),
                finding("unexpected-null", "/id", observed="null"),
            ]
        ),
    )
    status, _, err = run_cli("learn", obs, "--spec", spec, "--patch", capsys=capsys)
    assert status == 0, err
    text = spec.read_text()
    for line in HAND_WRITTEN.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in text, line
    assert text.index("openapi") < text.index("info") < text.index("paths") < text.index("components")
    changed = [line for line in text.splitlines() if line not in HAND_WRITTEN.splitlines()]
    assert len(changed) <= 8, changed  # the lines learned, and nothing else rewritten
    schema = load_spec(spec).data["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert schema["required"] == ["id"]
    assert schema["properties"]["extra"] == {"type": "string", "format": "date-time"}
    assert schema["properties"]["kind"]["enum"] == ["a", "b", "c"]
    assert schema["properties"]["id"] == {"type": "string", "nullable": True}
    assert not validate(load_spec(spec)).errors
    assert run_cli("learn", obs, "--spec", spec, "--check", capsys=capsys)[0] == 0


def test_no_observed_value_reaches_the_overlay_but_enum_values_statuses_and_media_types(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path / "things.yaml", document("3.1.0"))
    canary = "CANARY-7f3a"
    findings = [
        finding("unknown-property", "/extra", observed=f"string ({canary})", value=canary),
        finding("unknown-property", "/other", observed="string", expected=canary, value=canary),
        finding("type-mismatch", "/count", observed="string", values={canary: 1}, sample=canary),
        finding("unexpected-null", "/id", observed="null", first_seen=canary, last_seen=canary),
        finding("unknown-enum-value", "/kind", values={"c": 1, f"{canary} <b>\n": 1}),
        finding("undocumented-content-type", where="200", observed=f"{canary}"),
        finding("unknown-enum-value", "/pet/petType", values={"PORTFOLIO": 2}),
    ]
    hooks = {canary: {"deliveries": 1, "findings": [{"kind": "unknown-event", "values": {canary: 1}, "count": 1}]}}
    data = observations(findings, hooks)
    data["api"] = data["generator"] = canary
    obs = write(tmp_path / "obs.json", data)
    out_file = tmp_path / "o.yaml"
    status, _, err = run_cli("learn", obs, "--spec", spec, "--out", out_file, capsys=capsys)
    assert status == 0, err
    text = out_file.read_text()
    assert canary not in text
    assert "PORTFOLIO" in text  # an enum value the file holds: the one thing learned from values


def test_learn_as_a_command(tmp_path: Path) -> None:
    spec = write(tmp_path / "things.yaml", document("3.0.3"))
    obs = write(tmp_path / "obs.json", observations([f for f, _ in EVERY_KIND]))
    out_file = tmp_path / "o.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "learn", str(obs), "--spec", str(spec), "--out", str(out_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "learn: wrote" in done.stdout and out_file.exists()
    rules = printed_rules(done.stdout)
    assert ("breaking", "response-property-made-optional") in rules and ("-", "(no diff rule)") in rules
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "learn",
            str(obs),
            "--spec",
            str(spec),
            "--overlay",
            str(out_file),
            "--check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_learned_steps_leave_the_loaded_description_untouched(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path / "things.yaml", document("3.1.0")))
    before = copy.deepcopy(spec.data)
    obs = learning.read_observations([write(tmp_path / "obs.json", observations([f for f, _ in EVERY_KIND]))])
    outcome = learning.learn(spec, obs)
    assert spec.data == before and outcome.after != before
