"""One run-time measurement in a fresh process: ``python benchmarks/_calls.py CASE PORT N`` prints the mean
seconds per call over N calls after a warm-up. CASE is one of CASES below."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for name in ("kombo", "hrflow"):
    sys.path.insert(0, str(ROOT / "generated" / name))

KOMBO_HEADERS = {"Authorization": "Bearer key", "X-Integration-Id": "join:abc", "Accept": "application/json"}


def ours_kombo(base: str, candidate: str, observe: bool = False):
    from kombo_client import Kombo, Observations

    client = Kombo(
        api_key="key",
        integration_id="join:abc",
        server_url=base + "/v1",
        observe=Observations() if observe else None,
    )
    return lambda: client.ats.get_candidate_attachments(candidate_id=candidate)


def ours_kombo_observed(base: str, candidate: str):
    return ours_kombo(base, candidate, observe=True)


def raw_kombo(base: str, candidate: str):
    import httpx
    from kombo_client.models import CandidateAttachmentsResponse

    client = httpx.Client()
    url = f"{base}/v1/ats/candidates/{candidate}/attachments"

    def call():
        response = client.get(url, headers=KOMBO_HEADERS)
        response.raise_for_status()
        return CandidateAttachmentsResponse.model_validate_json(response.content)

    return call


def ours_kombo_async(base: str, candidate: str):
    from kombo_client import AsyncKombo

    client = AsyncKombo(api_key="key", integration_id="join:abc", server_url=base + "/v1")
    return lambda: client.ats.get_candidate_attachments(candidate_id=candidate)


def raw_kombo_async(base: str, candidate: str):
    import httpx
    from kombo_client.models import CandidateAttachmentsResponse

    client = httpx.AsyncClient()
    url = f"{base}/v1/ats/candidates/{candidate}/attachments"

    async def call():
        response = await client.get(url, headers=KOMBO_HEADERS)
        response.raise_for_status()
        return CandidateAttachmentsResponse.model_validate_json(response.content)

    return call


def sdk_kombo(base: str, candidate: str):
    from kombo import Kombo

    client = Kombo(api_key="key", integration_id="join:abc", server_url=base + "/v1")
    return lambda: client.ats.get_candidate_attachments(candidate_id=candidate)


def ours_hrflow(base: str, _: str):
    from hrflow_client import Hrflow

    client = Hrflow(api_secret="key", api_user="me@example.com", base_url=base + "/v1")
    return lambda: client.profile.indexing.get(source_key="s", reference="r")


def sdk_hrflow(base: str, _: str):
    from hrflow import Hrflow

    client = Hrflow(api_url=base + "/v1/", api_secret="key", api_user="me@example.com")
    return lambda: client.profile.storing.get(source_key="s", reference="r")


CASES = {
    "ours-kombo-small": (ours_kombo, "small"),
    "ours-observed-kombo-small": (ours_kombo_observed, "small"),
    "raw-kombo-small": (raw_kombo, "small"),
    # A vendor who drifted: a date where a date-time is documented and a property not documented (lax
    # pydantic takes both: the raw baseline parses it; ours validates strictly, then tolerates).
    "ours-kombo-drift": (ours_kombo, "drift"),
    "ours-observed-kombo-drift": (ours_kombo_observed, "drift"),
    "raw-kombo-drift": (raw_kombo, "drift"),
    "sdk-kombo-small": (sdk_kombo, "small"),
    # Async: each call awaited in one event loop (an async client is built inside it).
    "ours-async-kombo-small": (ours_kombo_async, "small"),
    "raw-async-kombo-small": (raw_kombo_async, "small"),
    "ours-kombo-5000": (ours_kombo, "many"),
    "raw-kombo-5000": (raw_kombo, "many"),
    "ours-hrflow-profile": (ours_hrflow, ""),
    "sdk-hrflow-profile": (sdk_hrflow, ""),
}


def main() -> None:
    case, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    factory, arg = CASES[case]
    if "-async-" in case:
        import asyncio

        async def timed() -> float:
            call = factory(f"http://127.0.0.1:{port}", arg)
            for _ in range(max(5, count // 10)):
                await call()
            started = time.perf_counter()
            for _ in range(count):
                await call()
            return (time.perf_counter() - started) / count

        print(asyncio.run(timed()))
        return
    call = factory(f"http://127.0.0.1:{port}", arg)
    for _ in range(max(5, count // 10)):
        call()
    started = time.perf_counter()
    for _ in range(count):
        call()
    print((time.perf_counter() - started) / count)


if __name__ == "__main__":
    main()
