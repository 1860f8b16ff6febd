"""The generated packages type-check under ``mypy --strict``: their users run it against them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    ROOT / "generated" / "kombo": "kombo_client",
    ROOT / "generated" / "hrflow": "hrflow_client",
    ROOT / "generated" / "crafter": "crafter_profile_client",
    ROOT / "tests" / "golden" / "features31": "features31_client",
    ROOT / "tests" / "golden" / "petstore30": "petstore30_client",
    ROOT / "tests" / "golden" / "wire31": "wire31_client",
    ROOT / "tests" / "golden" / "directions30": "directions30_client",
    ROOT / "tests" / "golden" / "integration31": "integration31_client",
}

#: What users write, type-checked against the generated packages: a request body built without its
#: readOnly (server-set) required property, a form body with nested models, a deepObject model.
USAGE = """
from directions30_client import Directions
from directions30_client.models import Employee
from wire31_client import RateLimitError, RetryPolicy, UnknownVariant, WireRules
from wire31_client.models import Address, Cat, EmployeesFilter, SendBundleMeta, Shipping


def use(hris: Directions, wire: WireRules) -> str | None:
    made = hris.employees.create(body=Employee(first_name="Ada", password="pw"))
    wire.charges.update("ch_1", expand=["customer"], shipping=Shipping(address=Address(city="Paris")))
    wire.employees.list(filter=EmployeesFilter(company_id="1"), retry_policy=RetryPolicy(max_elapsed=30.0))
    pet = wire.pets.create(body=Cat(pet_type="cat", name="Tom"))  # constructed by its Python names
    wire.bundles.send(meta=SendBundleMeta(title="cv"), file=("cv.pdf", b"%PDF", "application/pdf", {"X-Checksum": "a"}))
    try:
        WireRules(retry_policy=RetryPolicy(statuses=frozenset({429}), server_errors=False)).locations.list()
    except RateLimitError as exc:
        waited: float | None = exc.retry_after
        del waited
    tenant: WireRules = wire.with_options(base_url="https://eu.example.com", max_retries=0)
    tenant.copy(timeout=5.0).locations.list()
    if isinstance(pet, UnknownVariant):  # a kind of pet this version does not know: its tag
        return pet.tag
    return made.id or pet.name
"""

#: An integration: pages (sync and async), OAuth2 client credentials, a callable credential, hooks, the
#: escape hatch and extra_body; ``reveal``-free, so every line must type-check as written.
INTEGRATION = """
from integration31_client import (
    AsyncPage,
    AsyncRecruitingIntegration,
    HookContext,
    RawResponse,
    RecruitingIntegration,
    SyncPage,
)
from integration31_client.models import Candidate, CandidateCreatedEvent, ListJobsResponse
from integration31_client.webhooks import WebhookEvent, Webhooks

import httpx


class Audit:
    def before_request(self, ctx: HookContext, request: httpx.Request) -> None:
        print(ctx.operation, ctx.attempt, request.method)


def sync_use(token: str) -> list[str]:
    client = RecruitingIntegration(client_id="app", client_secret="s", hooks=[Audit()])
    page: SyncPage[Candidate] = client.candidates.list(limit=50)
    first: list[Candidate] = page.items
    names = [c.name or c.id for c in page]  # every page, fetched as needed
    if page.has_next_page():
        names += [c.id for c in page.get_next_page().items]
    for each in page.iter_pages():
        names += [c.id for c in each.items]
    tenant = client.with_options(oauth=lambda: token)
    jobs: ListJobsResponse = tenant.request("GET", "/jobs", cast_to=ListJobsResponse)
    tenant.candidates.create(body=Candidate(id="c"), extra_body={"source": "referral"})
    event: WebhookEvent = client.webhooks.unwrap(b"{}", {"X-Signature": "sha256=00"})
    if isinstance(event, CandidateCreatedEvent):
        names.append(event.candidate.id)
    Webhooks(secret="s").verify("{}", {})
    raw: RawResponse[Candidate] = client.with_raw_response.candidates.create(body=Candidate(id="c"))
    raw_page: RawResponse[SyncPage[Candidate]] = client.with_raw_response.candidates.list(limit=1)
    names += [raw.parsed.id, *(c.id for c in raw_page.parsed.items), raw.request_id or ""]
    with client.with_streaming_response.exports.export_candidates() as streamed:
        names += list(streamed.iter_lines())
    with client.with_streaming_response.candidates.create(body=Candidate(id="c")) as response:
        created: Candidate = response.parse()
        names.append(created.id)
    return names + [j.id for j in jobs.jobs] + [c.id for c in first]


async def async_use() -> list[str]:
    async with AsyncRecruitingIntegration(oauth="token") as client:
        page: AsyncPage[Candidate] = await client.candidates.list()
        ids = [c.id async for c in client.candidates.list()]
        raw: RawResponse[AsyncPage[Candidate]] = await client.with_raw_response.candidates.list()
        made: RawResponse[Candidate] = await client.with_raw_response.candidates.create(body=Candidate(id="c"))
        ids += [c.id for c in raw.parsed.items] + [made.parsed.id]
        async with client.with_streaming_response.candidates.create(body=Candidate(id="c")) as streamed:
            parsed: Candidate = await streamed.parse()
            ids += [parsed.id] + [chunk.decode() async for chunk in streamed.aiter_bytes()]
        async for each in page.iter_pages():
            ids += [c.id for c in each.items]
        if page.has_next_page():
            ids += [c.id for c in (await page.get_next_page()).items]
        return ids
"""


def test_mypy_strict_accepts_an_integration_and_flags_deprecated_calls(tmp_path):
    deprecated = (
        "from integration31_client import RawResponse, RecruitingIntegration\n\n"
        "RecruitingIntegration().candidates.get_legacy('c1')\n"
        # typed, not Any: a raw response of a Candidate is no raw response of an int
        "wrong: RawResponse[int] = RecruitingIntegration().with_raw_response.candidates.get_legacy('c1')\n"
        "with RecruitingIntegration().with_streaming_response.exports.export_candidates() as streamed:\n"
        "    text: int = streamed.parse()\n"
    )
    (tmp_path / "integration.py").write_text(INTEGRATION, encoding="utf-8")
    (tmp_path / "old.py").write_text(deprecated, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(d) for d in PACKAGES)}
    base = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
    ]
    proc = subprocess.run(
        [*base, str(tmp_path / "integration.py")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    flagged = subprocess.run(
        [*base, "--enable-error-code", "deprecated", str(tmp_path / "old.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert flagged.returncode == 1 and "is deprecated by the API  [deprecated]" in flagged.stdout, flagged.stdout
    assert 'expression has type "RawResponse[Candidate]", variable has type "RawResponse[int]"' in flagged.stdout
    assert 'expression has type "str", variable has type "int"' in flagged.stdout  # parse() gives the CSV text


def test_mypy_strict_accepts_what_users_write(tmp_path):
    (tmp_path / "usage.py").write_text(USAGE, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(d) for d in PACKAGES)}
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
        str(tmp_path / "usage.py"),
    ]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_mypy_strict_on_generated_packages():
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(d) for d in PACKAGES)}
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
    ]
    for package in PACKAGES.values():
        args += ["-p", package]
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert f"in {sum(1 for d in PACKAGES for _ in (d / PACKAGES[d]).rglob('*.py'))} source files" in proc.stdout


def test_mypy_on_the_generator():
    # The generator's own code type-checks (its third-party imports without stubs are taken as Any).
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--ignore-missing-imports",
        "--cache-dir",
        str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
        "generator",
    ]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "no issues found" in proc.stdout
