"""Unit tests of the shared runtime (through the generated Kombo and Crafter packages) with mock transports."""

from __future__ import annotations

import logging

import httpx
import pytest
from crafter_profile_client import CrafterProfile, InternalServerError
from helpers import example, run
from kombo_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncKombo,
    Kombo,
    RateLimitError,
    ResponseValidationError,
    _runtime,
)

OK = example("kombo", "/ats/candidates/{candidate_id}/attachments", "get", "200", "example1")


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(_runtime, "DEFAULT_RETRY_POLICY", _runtime.RetryPolicy(initial_delay=0.001))


def kombo(handler, **kwargs) -> Kombo:
    return Kombo(
        api_key="tok-SECRET",
        integration_id="i",
        server_url="http://127.0.0.1:9/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


def test_retries_429_then_succeeds_and_honours_retry_after():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(
                429,
                headers={"Retry-After": "0"},
                json={
                    "status": "error",
                    "error": {
                        "code": "PLATFORM.RATE_LIMIT_EXCEEDED",
                        "title": None,
                        "message": "slow down",
                        "log_url": None,
                    },
                },
            )
        return httpx.Response(200, json=OK)

    res = kombo(handler).ats.get_candidate_attachments("c")
    assert res.status == "success" and len(calls) == 3


def test_retries_are_bounded_and_max_retries_per_call():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            429,
            json={
                "status": "error",
                "error": {"code": "PLATFORM.RATE_LIMIT_EXCEEDED", "title": None, "message": "slow", "log_url": None},
            },
        )

    with pytest.raises(RateLimitError) as info:
        kombo(handler).ats.get_candidate_attachments("c")
    assert len(calls) == 3  # first attempt + 2 retries (default)
    assert info.value.code == "PLATFORM.RATE_LIMIT_EXCEEDED"
    calls.clear()
    with pytest.raises(RateLimitError):
        kombo(handler).ats.get_candidate_attachments("c", max_retries=0)
    assert len(calls) == 1


def test_connection_error_is_typed_and_retried():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(APIConnectionError):
        kombo(handler, max_retries=1).ats.get_candidate_attachments("c")
    assert len(calls) == 2


def test_timeout_is_typed():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(APITimeoutError):
        kombo(handler, max_retries=0).ats.get_candidate_attachments("c")


def test_body_not_matching_schema_keeps_raw_body():
    bad = {**OK, "data": {"results": [{"id": 5}]}}

    kept = kombo(lambda r: httpx.Response(200, json=bad)).ats.get_candidate_attachments("c")
    assert kept.data.results[0].id == 5 and kept.data.results[0].file_name is None  # tolerated by default
    with pytest.raises(ResponseValidationError) as info:
        kombo(lambda r: httpx.Response(200, json=bad), strict_responses=True).ats.get_candidate_attachments("c")
    assert '"id": 5' in info.value.body or '"id":5' in info.value.body
    assert "data.results.0" in str(info.value)


def test_non_json_2xx_is_a_validation_error():
    with pytest.raises(ResponseValidationError, match="text/html"):
        kombo(
            lambda r: httpx.Response(200, text="<html>proxy</html>", headers={"content-type": "text/html"})
        ).ats.get_candidate_attachments("c")


def test_json_with_charset_parameter_is_json():
    res = kombo(
        lambda r: httpx.Response(
            200,
            content=httpx.Response(200, json=OK).content,
            headers={"content-type": "application/json; charset=utf-8"},
        )
    ).ats.get_candidate_attachments("c")
    assert res.status == "success"


def test_html_error_body_is_kept_and_secret_query_value_redacted(caplog):
    token = "e8f5170c-SECRET"

    def handler(request):
        assert request.url.params["accessTokenId"] == token
        return httpx.Response(
            502, text=f"<html>Bad gateway for accessTokenId={token}</html>", headers={"content-type": "text/html"}
        )

    cp = CrafterProfile(
        access_token_id=token,
        base_url="http://127.0.0.1:9/cp",
        max_retries=1,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with caplog.at_level(logging.DEBUG, logger="crafter_profile_client"), pytest.raises(InternalServerError) as info:
        cp.profile.attachments.list("p")
    assert "<html>Bad gateway" in info.value.body
    assert token not in info.value.body and token not in str(info.value)
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)
    assert any("retrying" in r.getMessage() for r in caplog.records)


def test_with_raw_response():
    raw = kombo(
        lambda r: httpx.Response(200, json=OK, headers={"x-req": "1"})
    ).with_raw_response.ats.get_candidate_attachments("c")
    assert raw.status_code == 200 and raw.headers["x-req"] == "1" and raw.parsed.status == "success"


def test_async_retry_then_success():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503 if len(calls) == 1 else 200, json=OK)

    async def main():
        async with AsyncKombo(
            api_key="k",
            integration_id="i",
            server_url="http://127.0.0.1:9/v1",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        ) as k:
            return await k.ats.get_candidate_attachments("c")

    assert run(main()).status == "success" and len(calls) == 2
