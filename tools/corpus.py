"""Corpus run: generate a client for every public spec of the corpus, import it, and round-trip every
example the spec carries through the generated models.

    python tools/corpus.py [--only SUBSTRING] [--no-github] [--deref] [--mypy] [--jobs N]
    python tools/corpus.py --specs tests/corpus --out DIR --table none   # a local folder, no npm

Specs come from npm packages (``@readme/oas-examples``: every JSON spec of its 3.0 and 3.1 folders;
``@octokit/openapi``: GitHub's REST description), fetched once with ``npm pack`` into ``.corpus/npm``.
Generated packages go to ``.corpus/out``; the table goes to ``docs/corpus.md``. Each spec runs in a
worker process of its own, so one spec's memory or crash cannot affect another's result.

Examples checked: component schema ``example``/``examples``, media-type ``example``/``examples`` of JSON
requests and responses, and parameter ``example``/``examples``. An example passes when it validates into
the generated type and ``dump(mode="json", by_alias=True, exclude_unset=True)`` gives the same JSON back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".corpus"
NPM = CACHE / "npm"
OUT = CACHE / "out"
TABLE = ROOT / "docs" / "corpus.md"
PACKAGES = {"@readme/oas-examples": "8.2.2", "@octokit/openapi": "23.0.2"}
WORKER_TIMEOUT = 1800
MYPY_MAX_SCHEMAS = 2000  # --mypy skips bigger packages (GitHub's takes many minutes and gigabytes)


# -- fetching ------------------------------------------------------------------------------------


def fetch(packages: dict[str, str] | None = None) -> dict[str, Path]:
    """Unpacked package folders (of ``packages``, name -> version; default ``PACKAGES``), fetching each
    pinned version once."""
    NPM.mkdir(parents=True, exist_ok=True)
    folders = {}
    for name, version in (packages or PACKAGES).items():
        stem = f"{name.lstrip('@').replace('/', '-')}-{version}"
        folder = NPM / stem
        if not (folder / "package").is_dir():
            tgz = NPM / f"{stem}.tgz"
            if not tgz.exists():
                subprocess.run(
                    ["npm", "pack", f"{name}@{version}", "--silent"],
                    cwd=NPM,
                    check=True,
                    timeout=900,
                    stdout=subprocess.DEVNULL,
                )
            with tarfile.open(tgz) as tar:
                tar.extractall(folder, filter="data")
        folders[name] = folder / "package"
    return folders


def specs(folders: dict[str, Path], github: bool, deref: bool) -> list[tuple[str, Path]]:
    readme = folders["@readme/oas-examples"]
    found = [(f"{v}/{p.stem}", p) for v in ("3.0", "3.1") for p in sorted((readme / v / "json").glob("*.json"))]
    gh = folders["@octokit/openapi"] / "generated"
    if github:
        found.append(("github/api.github.com", gh / "api.github.com.json"))
    if deref:
        found.append(("github/api.github.com.deref", gh / "api.github.com.deref.json"))
    return found


# -- one spec (worker process) ------------------------------------------------------------------


def generate_one(label: str, spec: Path, out: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import resource

    from generator import ApiConfig, build_files
    from generator.core.names import snake
    from generator.core.write import write_tree

    name = snake(label.replace("/", "_").replace(".", "_")) or "api"
    started = time.monotonic()
    result = build_files(ApiConfig(name=name, spec=spec))
    elapsed = time.monotonic() - started
    codes = Counter(d.code for d in result.diagnostics if d.level == "warning")
    report: dict[str, Any] = {
        "spec": label,
        "seconds": round(elapsed, 1),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "warnings": sum(codes.values()),
        "warning_codes": dict(sorted(codes.items())),
        "errors": [str(d) for d in result.diagnostics if d.level == "error"][:5],
        "package": None,
    }
    if not result.ok or result.api is None:
        report["result"] = "failed"
        return report
    api = result.api
    write_tree(out, result.files)
    spec_ops = [
        op
        for item in (result.spec.data.get("paths") or {}).values()
        if isinstance(item, dict)
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace") and isinstance(op, dict)
    ]
    report.update(
        dropped_operations=len(spec_ops) - len(api.operations),
        dropped_responses=sum(len(op.get("responses") or {}) for op in spec_ops)
        - sum(len(op.responses) + len(op.errors) for op in api.operations),
        package=api.package,
        client=api.client_class,
        base_url_param=api.base_url_param,
        operations=len(api.operations),
        responses=sum(len(op.responses) + len(op.errors) for op in api.operations),
        schemas=len(api.models) + len(api.enums) + len(api.aliases),
        examples=judge(result.spec, collect_examples(result.spec, api)),
        fallbacks=sorted(
            {f"{m.name}.{f.name}" for m in api.models for f in m.fields if f.annotation in ("Any", "Any | None")}
        )[:50],
    )
    report["oracle_cases"] = oracle_cases(result.spec, api, report["examples"])
    return report


def collect_examples(spec: Any, api: Any) -> list[tuple[str, str, Any, str | None]]:
    """(pointer, annotation, value, schema pointer) for each example the spec gives for something with a
    generated type: components and their properties, media types, parameters and their schemas."""
    from generator.core import pointer as jp

    data, root = spec.data, spec.root
    found: list[tuple[str, str, Any, str | None]] = []

    def follow(node: Any) -> tuple[str | None, Any]:
        try:
            _, ptr, target = spec.follow(root, node)
        except LookupError:
            return None, None
        return ptr, target

    def add(where: str, annotation: str, holder: Any, schema_ptr: str | None) -> None:
        if not isinstance(holder, dict) or annotation in ("None", ""):
            return
        if "example" in holder:
            found.append((jp.join(where, "example"), annotation, holder["example"], schema_ptr))
        examples = holder.get("examples")
        if isinstance(examples, dict):  # media type / parameter: name -> Example Object
            for key, ex in examples.items():
                _, ex = follow(ex)
                if isinstance(ex, dict) and "value" in ex:
                    found.append((jp.join(where, "examples", key, "value"), annotation, ex["value"], schema_ptr))
        elif isinstance(examples, list):  # 3.1 schema: a list of values
            for index, value in enumerate(examples):
                found.append((jp.join(where, "examples", index), annotation, value, schema_ptr))

    def add_schema(where: str, annotation: str, node: Any) -> None:
        """Examples on a schema itself, when it is written in place (a $ref's target is visited on its own)."""
        if isinstance(node, dict) and "$ref" not in node:
            add(where, annotation, node, where)

    def schema_of(holder_ptr: str, holder: Any) -> str | None:
        schema = holder.get("schema") if isinstance(holder, dict) else None
        if not isinstance(schema, dict):
            return None
        ptr, _ = follow(schema)
        return ptr or jp.join(holder_ptr, "schema")

    for definition in (*api.models, *api.enums, *api.aliases):
        label, _, ptr = definition.source.unescaped.partition("#")
        if label != spec.label:
            continue
        node = jp.resolve(data, ptr)
        add(ptr, definition.name, node, ptr)
        props = node.get("properties") if isinstance(node, dict) else None
        for field in getattr(definition, "fields", ()):
            if isinstance(props, dict) and field.wire in props:
                add_schema(jp.join(ptr, "properties", field.wire.unescaped), field.annotation, props[field.wire])
    for op in api.operations:
        _, _, op_ptr = op.source.unescaped.partition("#")
        op_node = jp.resolve(data, op_ptr)
        for response in (*op.responses, *op.errors):
            if response.kind != "json" or response.model is None or response.media_type is None:
                continue
            rptr, rnode = follow(
                op_node.get("responses", {}).get(response.status)
                or op_node.get("responses", {}).get(response.status.unescaped.lower())
            )
            media = (rnode or {}).get("content", {}).get(response.media_type)
            where = jp.join(
                rptr or jp.join(op_ptr, "responses", response.status.unescaped),
                "content",
                response.media_type.unescaped,
            )
            add(where, response.annotation, media, schema_of(where, media))
        if op.body is not None and op.body.kind == "json" and op.body.fields is None:
            bptr, bnode = follow(op_node.get("requestBody"))
            media = (bnode or {}).get("content", {}).get(op.body.media_type)
            where = jp.join(bptr or jp.join(op_ptr, "requestBody"), "content", op.body.media_type.unescaped)
            # The method's own parameter type: an optional body also takes None (no body).
            annotation = op.body.annotation if op.body.required else f"{op.body.annotation} | None"
            add(where, annotation, media, schema_of(where, media))
        path_ptr = jp.join("/paths", jp.split(op_ptr)[1])
        declared: dict[tuple[str, str], tuple[str, Any]] = {}
        for base, params in (
            (path_ptr, jp.resolve(data, path_ptr).get("parameters")),
            (op_ptr, op_node.get("parameters")),
        ):
            for index, raw in enumerate(params if isinstance(params, list) else []):
                pptr, param = follow(raw)
                if isinstance(param, dict):
                    declared[(str(param.get("in")), str(param.get("name")))] = (
                        pptr or jp.join(base, "parameters", index),
                        param,
                    )
        for p in op.params:
            if (p.location, p.wire) in declared and not p.client_attr:
                pptr, param = declared[(p.location, p.wire)]
                add(pptr, p.annotation, param, schema_of(pptr, param))
                add_schema(jp.join(pptr, "schema"), p.annotation, param.get("schema"))
    return found


def judge(
    spec: Any, examples: list[tuple[str, str, Any, str | None]]
) -> list[tuple[str, str, Any, bool | None, str | None]]:
    """Whether the spec's own schema accepts each example (OpenAPI's JSON Schema dialect, via
    openapi-schema-validator), so a rejection can be told apart from an example the spec got wrong."""
    from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT202012

    is_31 = str(spec.data.get("openapi", "")).startswith("3.1")
    validator_cls = OAS31Validator if is_31 else OAS30Validator
    uri = "urn:specgen:spec"
    resource = Resource.from_contents(spec.data, default_specification=DRAFT202012 if is_31 else DRAFT4)
    registry: Registry = Registry().with_resource(uri, resource)
    out = []
    for pointer, annotation, value, schema_ptr in examples:
        verdict = None
        if schema_ptr is not None:
            try:
                checker = oas31_format_checker if is_31 else oas30_format_checker
                validator = validator_cls({"$ref": f"{uri}#{schema_ptr}"}, registry=registry, format_checker=checker)
                verdict = validator.is_valid(value)
            except Exception:
                verdict = None
        out.append((pointer, annotation, value, verdict, schema_ptr))
    return out


ROUND_TRIP = r"""
import json, socket, subprocess, sys, typing
sys.path.insert(0, sys.argv[1])

def tripwire(*args, **kwargs):
    raise RuntimeError("side effect during import")

real_connect, real_popen = socket.socket.connect, subprocess.Popen
socket.socket.connect, subprocess.Popen = tripwire, tripwire
import importlib
package = importlib.import_module(sys.argv[2])
models = importlib.import_module(sys.argv[2] + ".models")
models = {name: getattr(models, name) for name in models.__all__}  # each module of models/ loads on first use
socket.socket.connect, subprocess.Popen = real_connect, real_popen
with getattr(package, sys.argv[3])(**{sys.argv[5]: "http://127.0.0.1:9"}) as client:  # constructs offline
    assert client.base_url == "http://127.0.0.1:9"

import pydantic
import datetime as _dt
from datetime import date, datetime

def instant(text):
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            return parse(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    return None

def same_instants(a, b):
    # Equal but for how dates and date-times are spelled ("...:36.000Z" and "...:36Z").
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_instants(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_instants(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        return instant(a) is not None and instant(a) == instant(b)
    return a == b

namespace = {**vars(typing), "_dt": _dt, "_t": typing, **models}
examples = json.load(open(sys.argv[4]))
results = []
for pointer, annotation, value, *_ in examples:
    try:
        adapter = pydantic.TypeAdapter(eval(annotation, namespace))
        dumped = adapter.dump_python(adapter.validate_python(value), mode="json", by_alias=True, exclude_unset=True)
        if dumped == value:
            results.append([pointer, "ok", None])
        elif same_instants(dumped, value):
            results.append([pointer, "respelled", json.dumps(dumped, default=str)[:300]])
        else:
            results.append([pointer, "changed", json.dumps(dumped, default=str)[:300]])
    except pydantic.ValidationError as exc:
        results.append([pointer, "rejected", str(exc).splitlines()[0][:300] + " | " + " ".join(str(exc).splitlines()[1:3])[:300]])
    except Exception as exc:
        results.append([pointer, "error", f"{type(exc).__name__}: {exc}"[:300]])
print(json.dumps(results))
"""


def check_one(report: dict[str, Any], out: Path, mypy: bool) -> dict[str, Any]:
    """Import the package with a tripwire on sockets and subprocesses, then round-trip its examples."""
    examples_file = out / ".examples.json"
    examples_text = json.dumps(report.pop("examples"))
    examples_file.write_text(examples_text, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            ROUND_TRIP,
            str(out),
            report["package"],
            report["client"],
            str(examples_file),
            report.pop("base_url_param"),
        ],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
    )
    examples_file.unlink()
    if proc.returncode != 0:
        report["result"] = "import failed"
        report["errors"] = proc.stderr.strip().splitlines()[-3:]
        return report
    checked = json.loads(proc.stdout)
    verdicts = {pointer: valid for pointer, _, _, valid, _ in json.loads(examples_text)}
    valid = [c for c in checked if verdicts.get(c[0]) is not False]
    invalid = [c for c in checked if verdicts.get(c[0]) is False]
    report["examples_found"] = len(valid)
    report["examples_ok"] = sum(1 for _, status, _ in valid if status == "ok")
    report["examples_respelled"] = sum(1 for _, status, _ in valid if status == "respelled")
    report["example_failures"] = [c for c in valid if c[1] not in ("ok", "respelled")][:20]
    # Examples the spec's own schema rejects: we should reject them too (or at least not lose data).
    report["spec_invalid"] = len(invalid)
    report["spec_invalid_rejected"] = sum(1 for _, status, _ in invalid if status == "rejected")
    report["result"] = "ok"
    if mypy and report["schemas"] > MYPY_MAX_SCHEMAS:
        report["mypy"] = "not run (size)"
    elif mypy:
        typed = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", report["package"]],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
        )
        report["mypy"] = "pass" if typed.returncode == 0 else typed.stdout.strip().splitlines()[-1]
    return report


def worker(label: str, spec: Path, mypy: bool, oracle: bool, out_root: Path = OUT) -> dict[str, Any]:
    out = out_root / label.replace("/", "__")
    report = generate_one(label, spec, out)
    if report.get("result") == "failed":
        return report
    oracle_cases = report.pop("oracle_cases")
    report = check_one(report, out, mypy)
    if oracle and report["result"] == "ok" and oracle_cases:
        report["oracle"] = run_oracle(spec, out, report["package"], oracle_cases)
    return report


ORACLE = r"""
import importlib, json, sys, typing
import datetime as _dt
import pydantic
sys.path.insert(0, sys.argv[1])
ours = importlib.import_module(sys.argv[2] + ".models")
theirs = importlib.import_module("dcg_models")
namespace = {**vars(typing), "_dt": _dt, "_t": typing, **{name: getattr(ours, name) for name in ours.__all__}}

def accepts(adapter, value):
    try:
        adapter.validate_python(value)
        return True
    except pydantic.ValidationError:
        return False

agree, disagree, skipped = 0, [], 0
for key, annotation, value, why in json.load(open(sys.argv[3])):
    candidates = ["".join(w[:1].upper() + w[1:] for w in __import__("re").split(r"[^A-Za-z0-9]+", key) if w), annotation]
    cls = next((getattr(theirs, c) for c in candidates if isinstance(getattr(theirs, c, None), type)), None)
    if cls is None:
        skipped += 1
        continue
    a = accepts(pydantic.TypeAdapter(eval(annotation, namespace)), value)
    b = accepts(pydantic.TypeAdapter(cls), value)
    if a == b:
        agree += 1
    else:
        disagree.append([key, why, "ours accepts" if a else "datamodel-code-generator accepts"])
print(json.dumps({"agree": agree, "disagree": disagree[:20], "disagreements": len(disagree), "skipped": skipped}))
"""


def oracle_cases(
    spec: Any, api: Any, examples: list[tuple[str, str, Any, bool | None, str | None]]
) -> list[tuple[str, str, Any, str]]:
    """Values to ask both generators' models about: every example whose schema is a component (its own
    examples, and request and response examples of operations that use it), and each object example
    with one required property removed."""
    from generator.core import pointer as jp

    names = {
        d.source.unescaped.partition("#")[2]: d.name
        for d in (*api.models, *api.enums, *api.aliases)
        if d.source.unescaped.partition("#")[0] == spec.label
    }
    cases = []
    for _pointer, _annotation, value, _, schema_ptr in examples:
        if (
            schema_ptr is None
            or schema_ptr not in names
            or jp.split(schema_ptr)[:2] != ["components", "schemas"]
            or len(jp.split(schema_ptr)) != 3
        ):
            continue
        component = schema_ptr
        key = jp.split(schema_ptr)[2]
        cases.append((key, names[component], value, "example"))
        schema = jp.resolve(spec.data, component)
        required = schema.get("required") if isinstance(schema, dict) else None
        if isinstance(value, dict) and isinstance(required, list):
            for prop in required[:3]:
                if prop in value:
                    cases.append(
                        (
                            key,
                            names[component],
                            {k: v for k, v in value.items() if k != prop},
                            f"example without required {prop!r}",
                        )
                    )
    return cases


def run_oracle(spec: Path, out: Path, package: str, cases: list[tuple[str, str, Any, str]]) -> dict[str, Any]:
    """datamodel-code-generator as a differential oracle: its models and ours must agree on accept/reject."""
    target = out / "dcg_models.py"
    gen = subprocess.run(
        [
            sys.executable,
            "-m",
            "datamodel_code_generator",
            "--input",
            str(spec),
            "--input-file-type",
            "openapi",
            "--output",
            str(target),
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--formatters",
            "builtin",
            "--disable-timestamp",
            "--strict-nullable",
        ],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
    )
    if gen.returncode != 0:
        return {"error": "datamodel-code-generator failed: " + (gen.stderr.strip().splitlines() or ["?"])[-1][:200]}
    cases_file = out / ".oracle.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", ORACLE, str(out), package, str(cases_file)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
        cwd=out,
    )
    cases_file.unlink()
    target.unlink()
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(proc.stdout)


# -- driver --------------------------------------------------------------------------------------


def local_specs(folder: Path) -> list[tuple[str, Path]]:
    """Every JSON spec under a folder, labelled by its path there (``3.0/petstore``)."""
    return [(p.relative_to(folder).with_suffix("").as_posix(), p) for p in sorted(folder.rglob("*.json"))]


def run_worker(label: str, spec: Path, mypy: bool, no_oracle: bool, out_root: Path) -> dict[str, Any]:
    args = [sys.executable, __file__, "--worker", label, str(spec), "--out", str(out_root)]
    args += (["--mypy"] if mypy else []) + (["--no-oracle"] if no_oracle else [])
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"spec": label, "result": f"timeout after {WORKER_TIMEOUT} s"}
    if proc.returncode != 0:
        return {"spec": label, "result": "crashed", "errors": proc.stderr.strip().splitlines()[-5:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(reports: list[dict[str, Any]]) -> str:
    lines = [
        "# Corpus results",
        "",
        f"Written by `make corpus` (`tools/corpus.py --mypy`) with {', '.join(f'{k}@{v}' for k, v in PACKAGES.items())}.",
        "Examples: component, media-type and parameter examples that validate into the generated type and dump",
        'back to the same JSON (`model_dump(mode="json", by_alias=True, exclude_unset=True)`).',
        "",
        "| spec | operations | responses | dropped | schemas | warnings | examples | invalid in spec | oracle agrees | seconds | peak MB | mypy | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in reports:
        respelled = f" (+{r['examples_respelled']} date-times respelled)" if r.get("examples_respelled") else ""
        examples = f"{r.get('examples_ok', 0)}/{r.get('examples_found', 0)}{respelled}" if "examples_found" in r else ""
        invalid = f"{r['spec_invalid_rejected']}/{r['spec_invalid']} rejected" if r.get("spec_invalid") else ""
        o = r.get("oracle") or {}
        dropped = (
            f"{r['dropped_operations']} ops, {r['dropped_responses']} responses" if "dropped_operations" in r else ""
        )
        oracle = o.get("error", "")[:40] or (f"{o['agree']}/{o['agree'] + o['disagreements']}" if "agree" in o else "")
        lines.append(
            f"| {r['spec']} | {r.get('operations', '')} | {r.get('responses', '')} | {dropped} | {r.get('schemas', '')} | {r.get('warnings', '')} "
            f"| {examples} | {invalid} | {oracle} | {r.get('seconds', '')} | {r.get('peak_mb', '')} | {r.get('mypy', '')} | {r['result']} |"
        )
    ok = sum(1 for r in reports if r["result"] == "ok")
    found = sum(r.get("examples_found", 0) for r in reports)
    good = sum(r.get("examples_ok", 0) for r in reports)
    respelled = sum(r.get("examples_respelled", 0) for r in reports)
    bad = sum(r.get("spec_invalid", 0) for r in reports)
    lines += [
        "",
        f"**{ok} of {len(reports)} specs generate and import; {good} of {found} examples round-trip losslessly.**",
        f"{respelled} more come back with the same data but a date or date-time spelled differently (`.000Z` as `Z`,",
        "`.123-08:00` as `.123000-08:00`): models parse them into `datetime`, which keeps the instant, not the text.",
        f"{bad} further examples do not match their own schema in the spec (checked with openapi-schema-validator);",
        "the column shows how many of those the generated models reject as well.",
        "",
    ]
    codes: Counter[str] = Counter()
    for r in reports:
        codes.update(r.get("warning_codes", {}))
    if codes:
        lines += ["Warnings by code: " + ", ".join(f"{c} × {n}" for c, n in sorted(codes.items())), ""]
    failures = [(r["spec"], f) for r in reports for f in r.get("example_failures", [])]
    if failures:
        lines += [
            "## Examples that do not round-trip",
            "",
            "| spec | pointer | outcome | detail |",
            "|---|---|---|---|",
        ]
        lines += [f"| {spec} | `{f[0]}` | {f[1]} | {(f[2] or '').replace('|', '/')[:160]} |" for spec, f in failures]
        lines.append("")
    disagreements = [(r["spec"], d) for r in reports for d in (r.get("oracle") or {}).get("disagree", [])]
    if disagreements:
        lines += [
            "## Where datamodel-code-generator's models decide differently",
            "",
            "| spec | schema | value | who accepts |",
            "|---|---|---|---|",
        ]
        lines += [f"| {spec} | `{d[0]}` | {d[1]} | {d[2]} |" for spec, d in disagreements]
        lines.append("")
    fallbacks = [(r["spec"], f) for r in reports for f in r.get("fallbacks", [])]
    if fallbacks:
        lines += (
            ["## Fields typed `Any`", "", "| spec | field |", "|---|---|"]
            + [f"| {s} | `{f}` |" for s, f in fallbacks]
            + [""]
        )
    errors = [(r["spec"], e) for r in reports for e in r.get("errors", [])]
    if errors:
        lines += ["## Errors", ""] + [f"- {s}: `{e}`" for s, e in errors] + [""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=2, metavar=("LABEL", "SPEC"), help=argparse.SUPPRESS)
    parser.add_argument("--only", help="run the specs whose label contains this")
    parser.add_argument("--no-github", action="store_true", help="skip GitHub's 13 MB description")
    parser.add_argument("--deref", action="store_true", help="also GitHub's 73 MB dereferenced description")
    parser.add_argument("--mypy", action="store_true", help="also mypy --strict each generated package")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-oracle", action="store_true", help="skip the datamodel-code-generator comparison")
    parser.add_argument("--specs", type=Path, help="run every JSON spec under this folder instead of the npm packages")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"where generated packages go (default: {OUT.relative_to(ROOT)})"
    )
    parser.add_argument(
        "--table", default=str(TABLE), help=f"markdown table to write, or 'none' (default: {TABLE.relative_to(ROOT)})"
    )
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), args.mypy, not args.no_oracle, args.out)))
        return 0
    found = local_specs(args.specs) if args.specs else specs(fetch(), not args.no_github, args.deref)
    todo = [(label, path) for label, path in found if not args.only or args.only in label]
    # The big ones first, so they overlap with the many small ones.
    todo.sort(key=lambda item: -item[1].stat().st_size)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(lambda item: run_worker(item[0], item[1], args.mypy, args.no_oracle, args.out), todo))
    reports.sort(key=lambda r: r["spec"])
    for r in reports:
        print(
            f"{r['spec']:45} {r['result']:14} examples {r.get('examples_ok', '-')}/{r.get('examples_found', '-')} warnings {r.get('warnings', '-')}"
        )
    if args.table != "none":
        target = Path(args.table)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(table(reports), encoding="utf-8")
        print(f"wrote {target}")
    return 0 if all(r["result"] == "ok" for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
