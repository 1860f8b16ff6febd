"""Broken specs and the exact diagnostics they print: file, JSON pointer, code, message; exit code 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = sorted((ROOT / "tests" / "bad_specs").glob("*.yaml"))


@pytest.mark.parametrize("spec", BAD, ids=[s.stem for s in BAD])
def test_bad_spec_prints_exact_diagnostics(spec):
    rel = spec.relative_to(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(rel)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("validate: failed")]
    *said, summary = lines  # the diagnostics, then a count per code
    assert said == spec.with_suffix(".expected").read_text().splitlines()
    assert all(line.startswith(f"{rel.as_posix()}#") for line in said)
    errors = [line.split(": error[", 1)[1].split("]", 1)[0] for line in said if ": error[" in line]
    assert summary.startswith(f"{spec.stem}: {len(errors)} error{'s' if len(errors) != 1 else ''} (")


def test_failed_generate_writes_nothing(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--spec",
            "tests/bad_specs/dangling_ref.yaml",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "left unchanged" in proc.stderr
    assert not out.exists()


def test_usage_error_exits_2():
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "frobnicate"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2


def test_strict_turns_warnings_into_failure(tmp_path):
    spec = tmp_path / "warn.yaml"
    spec.write_text(
        'openapi: 3.1.0\ninfo: {title: W, version: "1"}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: Accept, in: header, schema: {type: string}}\n      responses: {"200": {description: ok}}\n'
    )
    ok = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    strict = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--strict", "--spec", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "warning[W402]" in ok.stderr
    assert strict.returncode == 1


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    import time

    from generator.core.load import load_spec

    lines = ["openapi: 3.1.0", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 10)]
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    loaded = load_spec(spec)
    assert time.monotonic() - started < 10
    assert [d.code for d in loaded.diagnostics.errors] == ["E001"]
    assert "aliases expand" in loaded.diagnostics.errors[0].message


def test_deep_nesting_is_a_diagnostic(tmp_path):
    from generator.core.load import load_spec

    spec = tmp_path / "deep.json"
    spec.write_text('{"openapi": "3.1.0", "x": ' + "[" * 10000 + "]" * 10000 + "}")
    loaded = load_spec(spec)
    assert [d.code for d in loaded.diagnostics.errors] == ["E001"]
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("openapi: 3.1.0\nx: " + "[" * 10000 + "]" * 10000 + "\n")
    assert [d.code for d in load_spec(deep_yaml).diagnostics.errors] == ["E001"]


def test_refs_under_properties_named_like_data_keys_are_checked(tmp_path):
    from generator.core.load import load_spec

    spec = tmp_path / "names.yaml"
    spec.write_text(
        'openapi: 3.1.0\ninfo: {title: N, version: "1"}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n'
        '      properties:\n        default: {$ref: "#/components/schemas/Missing"}\n        value: {$ref: "#/components/schemas/A"}\n'
        '      example: {$ref: "not a reference, just data"}\n'
    )
    errors = load_spec(spec).diagnostics.errors
    assert [(d.code, d.pointer) for d in errors] == [("E014", "/components/schemas/A/properties/default")]


def test_schema_content_problems_are_warnings_with_pointers_and_fail_only_under_strict(tmp_path):
    spec = tmp_path / "lenient.yaml"
    spec.write_text(
        'openapi: 3.1.0\ninfo: {title: L, version: "1"}\npaths:\n  /a:\n    get:\n      parameters:\n'
        '        - {name: n, in: query, schema: {type: integer, default: "ten"}}\n'
        "        - {name: m, in: query, schema: {type: number, maximum: 5, exclusiveMaximum: true}}\n"
        "      responses: {'200': {description: ok}}\n"
        "  /b/{id}:\n    get:\n      responses: {'200': {description: ok}}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.splitlines()
    assert (
        f"{spec}#/paths/~1a/get/parameters/0/schema/default: warning[W101]: not valid here: 'ten' is not of type 'integer'"
        in lines
    )
    assert any(
        line.startswith(f"{spec}#/paths/~1a/get/parameters/1/schema/exclusiveMaximum: warning[W101]") for line in lines
    )
    # A structural problem stays an error: /b/{id} declares no parameter id.
    assert f"{spec}#/paths/~1b~1{{id}}/get: error[E111]: path parameter {{id}} is not declared" in lines
    assert proc.returncode == 1
    spec.write_text(spec.read_text().replace("  /b/{id}:", "  /b:"))
    assert (
        subprocess.run(
            [sys.executable, "-m", "generator", "validate", "--spec", str(spec)],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    assert (
        subprocess.run(
            [sys.executable, "-m", "generator", "validate", "--spec", str(spec), "--strict"],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        ).returncode
        == 1
    )


def test_path_templates_inside_a_segment(tmp_path):
    spec = tmp_path / "compare.yaml"
    spec.write_text(
        'openapi: 3.0.3\ninfo: {title: C, version: "1"}\npaths:\n  /compare/{base}...{head}:\n    get:\n      parameters:\n'
        "        - {name: base, in: path, required: true, schema: {type: string}}\n"
        "        - {name: head, in: path, required: true, schema: {type: string}}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_links_and_xml_get_a_warning_not_a_crash(tmp_path):
    spec = tmp_path / "links.yaml"
    spec.write_text(
        'openapi: 3.0.3\ninfo: {title: L, version: "1"}\npaths:\n  /u:\n    get:\n      operationId: getU\n      responses:\n'
        "        '200':\n          description: ok\n          content: {application/xml: {schema: {type: string}}}\n"
        "          links:\n            self: {operationId: getU}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        f"{spec}#/paths/~1u/get/responses/200/links: warning[W602]: links are not followed; the response is returned as documented"
        in proc.stderr
    )
    assert (
        f"{spec}#/paths/~1u/get/responses/200/content: warning[W603]: XML is not parsed into models; the body is passed as text or bytes"
        in proc.stderr
    )


def test_background_validation_of_a_large_document_equals_validate(tmp_path):
    """Large documents are validated in a forked worker (meta-schema pass, then keyword walk) while the
    pipeline runs; the diagnostics must be exactly those of a plain ``validate``, in the same order."""
    import json

    from generator import ApiConfig, build_files
    from generator.core import validate as stage
    from generator.core.load import load_spec
    from generator.speed import BACKGROUND_OVER, Speed

    paths = {
        f"/things{i}": {
            "get": {
                "operationId": f"get{i}",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"type": "integer", "default": "x" if i % 50 == 0 else 1}}
                        },
                    }
                },
            }
        }
        for i in range(BACKGROUND_OVER + 20)
    }
    paths["/broken"] = {"get": {"operationId": "broken"}}  # no responses: a structural error
    document = {"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    spec = load_spec(path)
    plain = stage.validate(spec)
    assert Speed(cache=None).beside(True, stage.validate, spec).result().items == plain.items
    generated = build_files(ApiConfig(name="big", spec=path), speed=Speed(cache=None))
    assert generated.diagnostics.items == plain.items
    assert {d.code for d in plain.items} == {"E101", "W101"}


@pytest.mark.parametrize("name", ["swagger2", "typos_31", "all_at_once"])
def test_the_mock_refuses_what_generate_refuses_with_the_same_diagnostics(tmp_path, name):
    rel = f"tests/bad_specs/{name}.yaml"
    expected = (ROOT / "tests" / "bad_specs" / f"{name}.expected").read_text().splitlines()
    for command in (["generate", "--spec", rel, "--out", str(tmp_path / name)], ["mock", rel, "--port", "0"]):
        proc = subprocess.run(
            [sys.executable, "-m", "generator", *command], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        said = [line for line in proc.stderr.splitlines() if line.startswith(f"{rel}#")]
        assert said == expected, command
        assert f"{name}: " in proc.stderr  # the count per code closes the list, as generate's does
    assert "mock: failed" in proc.stderr and "serving" not in proc.stdout


def test_the_mock_server_as_a_library_refuses_with_the_diagnostics():
    from generator.mock import MockError, MockServer, MockSpecError

    with pytest.raises(MockSpecError) as refused:
        MockServer(ROOT / "tests" / "bad_specs" / "typos_30.yaml")
    assert isinstance(refused.value, MockError)
    assert [d.code for d in refused.value.diagnostics.errors] == [
        "E102",
        "E101",
        "E102",
        "E102",
        "E101",
        "E102",
        "E103",
    ]
    assert "did you mean 'responses'?" in str(refused.value)


def test_a_document_the_validator_accepts_is_never_read_for_explanations(monkeypatch):
    # The plain words cost a valid document nothing: no walk for unknown types, no error explained.
    from generator.core import explain
    from generator.core import validate as stage
    from generator.core.load import load_spec

    def never(*args, **kwargs):
        raise AssertionError("a valid document was read for explanations")

    monkeypatch.setattr(explain, "unknown_types", never)
    monkeypatch.setattr(explain, "error", never)
    checked = 0
    specs = [p for p in sorted((ROOT / "specs").glob("*.yaml")) if not p.name.endswith(".overlay.yaml")]
    for path in sorted((ROOT / "tests" / "specs").glob("*.yaml")) + specs:
        diags = stage.validate(load_spec(path))
        assert not diags.has_errors, path
        checked += 1
    assert checked >= 5


def test_a_yaml_tab_is_named_wherever_it_stops_the_parser(tmp_path):
    from generator.core.load import load_spec

    for text in (
        'openapi: 3.1.0\ninfo:\n\ttitle: T\n  version: "1"\npaths: {}\n',
        'openapi: 3.1.0\ninfo: {title: T, version: "1"}\npaths:\n  /a:\n    get:\n      tags:\n\t- a\n',
    ):
        spec = tmp_path / "tabs.yaml"
        spec.write_text(text)
        (error,) = load_spec(spec).diagnostics.errors
        assert error.code == "E001" and "a tab character: YAML indents with spaces only" in error.message
