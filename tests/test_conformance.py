"""Wire conformance over the corpus (``tools/conformance.py``; ``make conformance`` adds public
descriptions): every operation of the configured APIs, the golden feature specs and ``tests/corpus`` is
called through its generated client, sync and async, against the mock server on 127.0.0.1, and every raw
request and every reply the mock served is judged by openapi-core. The bar is zero rejected."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import tool as load_tool

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tool = load_tool("conformance")
    out = tmp_path_factory.mktemp("conformance")
    todo = tool.corpus(directory=False)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        reports = list(pool.map(lambda t: tool.run_worker(t[0], t[1], t[2], out, judged=False), todo))
    tool.judge_reports(reports)  # every spec's exchanges in one judge process
    return tool, reports


def test_every_spec_runs(run):
    _, reports = run
    assert len(reports) >= 25
    assert {r["spec"]: r["result"] for r in reports if r["result"] != "ok"} == {}


def test_no_request_and_no_reply_is_rejected_by_the_judge(run):
    tool, reports = run
    rows = [tool.summary(r) for r in reports]
    assert sum(r["calls"] for r in rows) >= 400
    assert sum(r["accepted"] for r in rows) >= 400
    problems = {r["spec"]: tool.problems(r) for r in reports}
    rejected = {spec: [p for p in found if "rejected" in p or "raised" in p] for spec, found in problems.items()}
    assert {spec: found for spec, found in rejected.items() if found} == {}


def test_every_operation_of_the_configured_and_golden_specs_is_called_both_ways(run):
    tool, reports = run
    for report in reports:
        if report["spec"].startswith(("configured/", "golden/")):
            row = tool.summary(report)
            assert row["skipped"] == row["refused"] == 0, tool.problems(report)
            assert row["calls"] == 2 * row["operations"], report["spec"]


def test_what_is_skipped_is_said_and_bounded(run):
    # Arguments come from the schemas; a few corpus schemas admit no value the synthesizer builds
    # (unions whose members overlap, patterns). Each is named with why, and there are few.
    _, reports = run
    skipped = {k: v for r in reports for k, v in (r.get("skipped") or {}).items()}
    assert all(why for why in skipped.values())
    assert len(skipped) <= 20, skipped


def test_the_judge_tells_a_wrong_request_from_a_right_one(run, tmp_path):
    # The harness's verdicts can fail: the same recorded request, judged again with one query
    # parameter's value made invalid, is rejected.
    tool, reports = run
    report = next(r for r in reports if r["spec"] == "golden/petstore30")
    call = next(c for c in report["details"] if c["raw"] and "limit=" in c["raw"]["query"])
    raw = dict(call["raw"], path_key=call["path_key"])
    raw["path"] = raw["path"].removeprefix("/api")
    spec, server = ROOT / "tests" / "specs" / "petstore30.yaml", "http://petstore.example.com/api"
    good = tool.judge(spec, server, [raw])
    wrong = dict(raw, query=raw["query"].replace("limit=", "limit=x"))
    bad = tool.judge(spec, server, [wrong])
    assert good[0]["request"] is None
    assert bad[0]["request"] is not None
    # The batch the suite judges with (one process, several descriptions) says the same, job by job.
    jobs = [{"spec": str(spec), "server": server, "exchanges": exchanges} for exchanges in ([raw], [wrong, raw])]
    batch = tool._run_judge({"jobs": jobs}, len(jobs))
    assert [v.pop("job") for v in batch] == [0, 1, 1]
    assert batch == [*good, *bad, *good]


def test_every_page_of_a_paginated_call_is_walked_and_judged(run):
    # The mock serves three pages of each paginated operation; the clients walk them all (sync and
    # async) and every page's request and reply goes to the judge, not only the first.
    _, reports = run
    report = next(r for r in reports if r["spec"] == "golden/integration31")
    paged = [c for c in report["details"] if c["requests"] > 1]
    assert len(paged) == 2 * 8 and {c["mode"] for c in paged} == {"sync", "async"}
    assert all(c["requests"] == c["judged"] == 3 for c in paged), paged
    assert all(c["request_verdict"] is None and c["response_verdict"] is None for c in paged)
