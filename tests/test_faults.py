"""Fault injection against a real HTTP server on 127.0.0.1: what a caller of the generated clients receives
when the network or the vendor misbehaves. Every test runs the sync and the async client, counts the
attempts the server saw, and checks the outcome the runtime documents."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time

import hrflow_client
import httpx
import kombo_client
import pytest
from helpers import example, through
from hrflow_client import AsyncHrflow, Hrflow
from kombo_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncKombo,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    Kombo,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from kombo_client.models import CandidateAttachmentType, ErrorResponse
from server import Reply, ServerProcess

KEY = "kombo-SECRET-token-4711"
HRFLOW_KEY = "ask_SECRET_hrflow_0815"
ROUTE = "/v1/ats/candidates/c1/attachments"
OK = example("kombo", "/ats/candidates/{candidate_id}/attachments", "get", "200", "example1")
RATE_LIMITED = {
    "status": "error",
    "error": {
        "code": "PLATFORM.RATE_LIMIT_EXCEEDED",
        "title": "Slow down",
        "message": "Too many requests",
        "log_url": None,
    },
}
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    for package in (kombo_client, hrflow_client):
        fast = package._runtime.RetryPolicy(initial_delay=0.01)
        monkeypatch.setattr(package._runtime, "DEFAULT_RETRY_POLICY", fast)


@pytest.fixture(params=["sync", "async"])
def mode(request) -> str:
    return request.param


def kombo_call(mode: str, server, client: dict | None = None, **call):
    """Call ``ats.get_candidate_attachments`` once, through a fresh sync or async client."""
    kwargs = {"api_key": KEY, "integration_id": "int-1", "server_url": server.url + "/v1", **(client or {})}
    return through(
        mode, Kombo, AsyncKombo, kwargs, lambda k: k.ats.get_candidate_attachments(candidate_id="c1", **call)
    )


def timed(fn, *args, **kwargs):
    started = time.monotonic()
    try:
        return fn(*args, **kwargs), time.monotonic() - started
    except Exception as exc:
        return exc, time.monotonic() - started


# -- timeouts ------------------------------------------------------------------------------------


def test_delay_past_the_client_timeout_raises_timeout_after_bounded_retries(server, mode):
    server.route("GET", ROUTE, Reply(200, OK, delay=1.5))
    exc, elapsed = timed(kombo_call, mode, server, client={"timeout": 0.3, "max_retries": 1})
    assert isinstance(exc, APITimeoutError)
    assert server.count("GET", ROUTE) == 2  # first attempt + 1 retry
    assert elapsed < 1.4  # two attempts of 0.3 s plus a short backoff, never the server's 1.5 s


def test_per_call_timeout_and_retries_override_the_client(server, mode):
    server.route("GET", ROUTE, Reply(200, OK, delay=0.6))
    exc, _ = timed(kombo_call, mode, server, client={"timeout": 5.0, "max_retries": 0}, timeout=0.2, max_retries=2)
    assert isinstance(exc, APITimeoutError)
    assert server.count("GET", ROUTE) == 3
    res = kombo_call(mode, server, client={"timeout": 0.2, "max_retries": 0}, timeout=2.0, max_retries=1)
    assert res.status == "success"


def test_body_stalled_after_headers_times_out(server, mode):
    server.route("GET", ROUTE, Reply(200, OK, stall=1.5))
    exc, elapsed = timed(kombo_call, mode, server, client={"timeout": 0.3, "max_retries": 0})
    assert isinstance(exc, APITimeoutError) and elapsed < 1.2


def test_total_timeout_bounds_a_body_that_trickles(server, mode):
    def trickle():
        for _ in range(20):
            time.sleep(0.1)
            yield b" "

    server.route("GET", ROUTE, Reply(200, stream=trickle, length=20))
    exc, elapsed = timed(kombo_call, mode, server, client={"timeout": 0.5, "max_retries": 0})
    # Each read arrives well inside 0.5 s; only a total deadline stops this.
    assert isinstance(exc, APITimeoutError) and elapsed < 1.5


# -- connection failures -------------------------------------------------------------------------


def test_reset_before_the_response_is_retried_then_raises(server, mode):
    server.route("GET", ROUTE, Reply(drop="before"))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, APIConnectionError) and not isinstance(exc, APITimeoutError)
    assert server.count("GET", ROUTE) == 3


def test_reset_before_the_response_recovers_on_retry(server, mode):
    server.route("GET", ROUTE, [Reply(drop="before"), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success"
    assert server.count("GET", ROUTE) == 2


def test_reset_in_the_middle_of_the_body(server, mode):
    server.route("GET", ROUTE, Reply(200, OK, drop="mid-body"))
    exc, _ = timed(kombo_call, mode, server, client={"max_retries": 1})
    assert isinstance(exc, APIConnectionError)
    assert server.count("GET", ROUTE) == 2


def test_body_shorter_than_its_content_length(server, mode):
    server.route("GET", ROUTE, [Reply(200, OK, truncate_to=40), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success"  # the truncated attempt is retried
    server.route("GET", ROUTE, Reply(200, OK, truncate_to=40))
    exc, _ = timed(kombo_call, mode, server, max_retries=0)
    assert isinstance(exc, APIConnectionError)


def test_nothing_listening_is_a_connection_error(mode):
    class Closed:
        url = "http://127.0.0.1:9"

    exc, elapsed = timed(kombo_call, mode, Closed(), client={"max_retries": 1})
    assert isinstance(exc, APIConnectionError) and elapsed < 5


# -- status codes and retries --------------------------------------------------------------------


def test_429_sequence_with_retry_after_then_success(server, mode):
    server.route(
        "GET",
        ROUTE,
        [
            Reply(429, RATE_LIMITED, headers={"Retry-After": "0"}),
            Reply(429, RATE_LIMITED, headers={"retry-after-ms": "50"}),
            Reply(200, OK),
        ],
    )
    res, elapsed = timed(kombo_call, mode, server)
    assert res.status == "success"
    assert server.count("GET", ROUTE) == 3
    assert elapsed >= 0.05  # the 50 ms asked for were waited


def test_429_until_retries_run_out_exposes_the_kombo_error_code(server, mode):
    server.route("GET", ROUTE, Reply(429, RATE_LIMITED, headers={"Retry-After": "0"}))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, RateLimitError)
    assert exc.status_code == 429 and exc.code == "PLATFORM.RATE_LIMIT_EXCEEDED"
    assert isinstance(exc.body, ErrorResponse) and exc.body.error.message == "Too many requests"
    assert exc.headers["retry-after"] == "0" and exc.response.status_code == 429
    assert server.count("GET", ROUTE) == 3


def test_retry_after_as_an_http_date(server, mode):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.route("GET", ROUTE, [Reply(503, None, headers={"Retry-After": when}), Reply(200, OK)])
    res, elapsed = timed(kombo_call, mode, server)
    assert res.status == "success" and 0.9 <= elapsed < 4


def test_retry_after_beyond_the_cap_is_not_waited_out_but_raised_at_once(server, mode):
    # Told to come back in two minutes, the client does not spend its retries inside that window.
    server.route("GET", ROUTE, [Reply(429, RATE_LIMITED, headers={"Retry-After": "120"}), Reply(200, OK)])
    exc, elapsed = timed(kombo_call, mode, server)
    assert isinstance(exc, RateLimitError) and exc.retry_after == 120.0
    assert server.count("GET", ROUTE) == 1 and elapsed < 1


def test_retry_after_within_the_cap_is_waited_for_at_least(server, mode):
    server.route("GET", ROUTE, [Reply(429, RATE_LIMITED, headers={"Retry-After": "1"}), Reply(200, OK)])
    res, elapsed = timed(kombo_call, mode, server)
    assert res.status == "success" and server.count("GET", ROUTE) == 2
    assert 1.0 <= elapsed < 3


def test_x_should_retry_is_obeyed_both_ways(server, mode):
    server.route("GET", ROUTE, Reply(503, None, headers={"x-should-retry": "false"}))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, InternalServerError) and server.count("GET", ROUTE) == 1
    server.requests.clear()
    server.route("GET", ROUTE, [Reply(400, None, headers={"x-should-retry": "true"}), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success" and server.count("GET", ROUTE) == 2


def test_409_is_retried(server, mode):
    server.route("GET", ROUTE, [Reply(409, None), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success" and server.count("GET", ROUTE) == 2


def test_a_retry_policy_on_the_client_and_on_a_call(server, mode):
    from kombo_client import RetryPolicy

    server.route("GET", ROUTE, Reply(503, None))
    no_server_errors = {"retry_policy": RetryPolicy(server_errors=False)}
    exc, _ = timed(kombo_call, mode, server, client=no_server_errors)
    assert isinstance(exc, InternalServerError) and server.count("GET", ROUTE) == 1
    server.requests.clear()
    server.route("GET", ROUTE, [Reply(418, None), Reply(200, OK)])
    teapots = RetryPolicy(statuses=frozenset({418}), initial_delay=0.01)
    assert kombo_call(mode, server, client=no_server_errors, retry_policy=teapots).status == "success"
    assert server.count("GET", ROUTE) == 2


def test_a_retry_never_starts_past_max_elapsed(server, mode):
    from kombo_client import RetryPolicy

    server.route("GET", ROUTE, [Reply(503, None, headers={"Retry-After": "1"}), Reply(200, OK)])
    exc, elapsed = timed(kombo_call, mode, server, retry_policy=RetryPolicy(max_elapsed=0.5))
    assert isinstance(exc, InternalServerError) and exc.retry_after == 1.0
    assert server.count("GET", ROUTE) == 1 and elapsed < 0.9


def test_measured_backoff_doubles_within_its_jitter(server, mode):
    from kombo_client import RetryPolicy

    server.route("GET", ROUTE, [Reply(503, None), Reply(503, None), Reply(200, OK)])
    policy = RetryPolicy(initial_delay=0.2, jitter=0.0)
    res, elapsed = timed(kombo_call, mode, server, retry_policy=policy)
    assert res.status == "success" and 0.6 <= elapsed < 1.5  # 0.2 s, then 0.4 s


def test_503_sequence_then_success(server, mode):
    server.route("GET", ROUTE, [Reply(503, None), Reply(503, None), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success"
    assert server.count("GET", ROUTE) == 3


def test_max_retries_zero_disables_retries(server, mode):
    server.route("GET", ROUTE, Reply(503, None))
    exc, _ = timed(kombo_call, mode, server, client={"max_retries": 0})
    assert isinstance(exc, InternalServerError) and server.count("GET", ROUTE) == 1


def test_html_502_from_a_proxy_is_kept(server, mode):
    server.route("GET", ROUTE, Reply(502, HTML_502, content_type="text/html"))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, InternalServerError)
    assert exc.status_code == 502 and exc.body == HTML_502 and exc.code is None
    assert "502 Bad Gateway" in str(exc)
    assert server.count("GET", ROUTE) == 3


def test_empty_error_body_is_kept(server, mode):
    server.route("GET", ROUTE, Reply(404, None))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, NotFoundError) and exc.body == "" and exc.status_code == 404
    assert server.count("GET", ROUTE) == 1  # 4xx other than 408/429 is final


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_its_error_class(server, status, cls):
    body = {"status": "error", "error": {"code": "INTEGRATION.X", "title": None, "message": "m", "log_url": None}}
    server.route("GET", ROUTE, Reply(status, body))
    exc, _ = timed(kombo_call, "sync", server)
    assert type(exc) is cls and exc.status_code == status and exc.code == "INTEGRATION.X"
    assert server.count("GET", ROUTE) == (3 if status == 409 else 1)  # 409 is retried (a conflict may clear)


@pytest.mark.parametrize("status", [501, 520, 599])
def test_every_5xx_is_retried(server, status):
    server.route("GET", ROUTE, [Reply(status, None), Reply(200, OK)])
    assert kombo_call("sync", server).status == "success" and server.count("GET", ROUTE) == 2


def test_408_is_retried(server, mode):
    server.route("GET", ROUTE, [Reply(408, None), Reply(200, OK)])
    assert kombo_call(mode, server).status == "success" and server.count("GET", ROUTE) == 2


# -- bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['{"status": "success", "data": {"results": [', "<html>maintenance</html>", "null garbage"]
)
def test_malformed_or_truncated_json_raises_response_validation_error(server, mode, text):
    server.route("GET", ROUTE, Reply(200, text))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, ResponseValidationError)
    assert exc.body == text and exc.status_code == 200
    assert "not valid JSON" in str(exc)


def test_schema_mismatch_is_kept_by_default_and_strict_names_the_field(server, mode):
    bad = {**OK, "data": {"results": [{**OK["data"]["results"][0], "file_name": 42}]}}
    server.route("GET", ROUTE, Reply(200, bad))
    tolerated, _ = timed(kombo_call, mode, server)
    assert tolerated.data.results[0].file_name == 42  # kept as received; the rest parsed
    exc, _ = timed(kombo_call, mode, server, strict_responses=True)
    assert isinstance(exc, ResponseValidationError)
    assert "data.results.0.file_name" in str(exc)
    assert exc.errors[0]["loc"] == ("data", "results", 0, "file_name")
    assert exc.body.startswith('{"status"')


def test_a_non_json_content_type_on_success_is_a_validation_error(server, mode):
    server.route("GET", ROUTE, Reply(200, "<html>login</html>", content_type="text/html"))
    exc, _ = timed(kombo_call, mode, server)
    assert isinstance(exc, ResponseValidationError) and exc.body == "<html>login</html>"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;charset=UTF-8", "application/vnd.kombo.v1+json"],
)
def test_json_content_types_with_parameters_and_vendor_suffixes(server, mode, content_type):
    server.route("GET", ROUTE, Reply(200, OK, content_type=content_type))
    assert kombo_call(mode, server).status == "success"


def test_unknown_enum_value_and_unknown_fields_survive_a_round_trip(server, mode):
    item = {**OK["data"]["results"][0], "type": "PORTFOLIO", "page_count": 3}
    body = {**OK, "data": {"results": [item], "cursor": "next"}, "request_id": "r-1"}
    server.route("GET", ROUTE, Reply(200, body))
    res = kombo_call(mode, server)
    attachment = res.data.results[0]
    assert attachment.type.is_unknown and attachment.type.value == "PORTFOLIO" and attachment.type == "PORTFOLIO"
    assert CandidateAttachmentType("CV").is_unknown is False
    assert attachment.page_count == 3  # type: ignore[attr-defined]
    dumped = res.model_dump(mode="json", by_alias=True)
    assert dumped["data"]["results"][0]["type"] == "PORTFOLIO" and dumped["data"]["results"][0]["page_count"] == 3
    assert dumped == body


def test_large_body_of_5000_attachments(server, mode):
    item = OK["data"]["results"][0]
    body = {**OK, "data": {"results": [{**item, "id": f"a{i}"} for i in range(5000)]}}
    server.route("GET", ROUTE, Reply(200, body))
    res = kombo_call(mode, server)
    assert len(res.data.results) == 5000 and res.data.results[-1].id == "a4999"


# -- secrets and logs ------------------------------------------------------------------------------


def hrflow_call(mode: str, server, **call):
    kwargs = {"api_secret": HRFLOW_KEY, "api_user": "me@example.com", "base_url": server.url + "/v1", "max_retries": 1}
    return through(
        mode, Hrflow, AsyncHrflow, kwargs, lambda h: h.profile.attachment.list(source_key="s", key="k", **call)
    )


def test_hrflow_401_echoing_the_key_is_redacted_everywhere(server, mode, caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"code": 401, "message": f"Unauthorized. Invalid secret key: {HRFLOW_KEY}"}
    server.route("GET", "/v1/profile/indexing/attachments", Reply(401, echo))
    exc, _ = timed(hrflow_call, mode, server)
    assert isinstance(exc, hrflow_client.AuthenticationError)
    assert server.last().headers["x-api-key"] == HRFLOW_KEY  # it was sent...
    request = exc.response.request
    captured = [
        str(exc),
        repr(exc),
        str(exc.body),
        repr(exc.body),
        str(request),
        repr(request),
        str(request.url),
        repr(request.headers),
        caplog.text,
    ]
    for text in captured:
        assert HRFLOW_KEY not in text  # ...and appears nowhere a caller or a log can see
    assert "Invalid secret key: ***" in str(exc)


def test_query_credentials_never_reach_logs_or_reprs(server, caplog):
    from crafter_profile_client import CrafterProfile
    from crafter_profile_client import InternalServerError as CrafterError
    from crafter_profile_client import _runtime as crafter_runtime

    token = "e8f5170c-SECRET-4b09772f8e2d"
    caplog.set_level(logging.DEBUG)
    fast = crafter_runtime.RetryPolicy(initial_delay=0.001)
    server.route("GET", "/api/1/profile/p1/attachments", Reply(500, {"message": f"bad token {token}"}))
    with CrafterProfile(access_token_id=token, base_url=server.url, max_retries=1, retry_policy=fast) as cp:
        with pytest.raises(CrafterError) as info:
            cp.profile.attachments.list("p1")
        assert repr(cp) == f"CrafterProfile(base_url={server.url!r})" and token not in repr(cp._credentials)
    assert server.last().query["accessTokenId"] == [token]
    request = info.value.response.request
    for text in (
        str(info.value),
        repr(info.value.body),
        str(request),
        str(request.url),
        repr(request.url),
        caplog.text,
    ):
        assert token not in text
    assert "accessTokenId=***" in str(request.url)
    assert "httpx" in {r.name for r in caplog.records}  # httpx's own INFO line was emitted, redacted


def test_debug_log_lines_for_request_retry_and_response(server, caplog):
    caplog.set_level(logging.DEBUG, logger="kombo_client")
    server.route("GET", ROUTE, [Reply(429, RATE_LIMITED, headers={"Retry-After": "0"}), Reply(200, OK)])
    kombo_call("sync", server)
    lines = [r.getMessage() for r in caplog.records if r.name == "kombo_client"]
    assert any(line.startswith("request GET http://127.0.0.1") and "(attempt 1)" in line for line in lines)
    assert any(line.startswith("retrying in") and "status 429" in line for line in lines)
    assert any(line.startswith("response GET") and "-> 200" in line for line in lines)
    assert KEY not in caplog.text


# -- client injection, redirects, idempotency ----------------------------------------------------------


def test_custom_http_client_with_event_hooks(server):
    seen = []
    server.route("GET", ROUTE, Reply(200, OK))
    http = httpx.Client(
        event_hooks={"request": [lambda r: seen.append(r.headers.get("x-from-hook"))]}, headers={"X-From-Hook": "yes"}
    )
    with Kombo(api_key=KEY, integration_id="i", server_url=server.url + "/v1", http_client=http) as k:
        assert k.ats.get_candidate_attachments("c1").status == "success"
    assert seen == ["yes"] and server.last().headers["x-from-hook"] == "yes"
    assert not http.is_closed  # an injected client belongs to the caller
    http.close()


def test_custom_async_http_client_with_transport(server):
    async def go():
        transport = httpx.AsyncHTTPTransport(retries=0)
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncKombo(api_key=KEY, integration_id="i", server_url=server.url + "/v1", http_client=http) as k,
        ):
            return await k.ats.get_candidate_attachments("c1")

    server.route("GET", ROUTE, Reply(200, OK))
    assert asyncio.run(go()).status == "success"


def test_redirect_on_the_same_origin_keeps_credentials(server, mode):
    server.route("GET", ROUTE, Reply(302, None, headers={"Location": "/v1/moved"}))
    server.route("GET", "/v1/moved", Reply(200, OK))
    assert kombo_call(mode, server).status == "success"
    assert server.last().path == "/v1/moved" and server.last().headers["authorization"] == f"Bearer {KEY}"


def test_redirect_to_another_origin_drops_credentials(server, mode):
    from server import RecordingServer

    with RecordingServer() as other:
        other.route("GET", "/elsewhere", Reply(200, OK))
        server.route("GET", ROUTE, Reply(307, None, headers={"Location": other.url + "/elsewhere"}))
        assert kombo_call(mode, server).status == "success"
        headers = other.last().headers
    assert "authorization" not in headers and headers["x-integration-id"] == "int-1"


def test_post_is_not_retried_unless_marked_retry_safe(server, mode):
    from kombo_client._runtime import Endpoint

    plain = Endpoint("POST", "/things", responses={"200": ("json", dict)})
    safe = Endpoint("POST", "/things", responses={"200": ("json", dict)}, retry_safe=True)
    server.route("POST", "/v1/things", Reply(503, None))

    def post(ep):
        kwargs = {"api_key": KEY, "integration_id": "i", "server_url": server.url + "/v1"}
        return through(mode, Kombo, AsyncKombo, kwargs, lambda k: k._request(ep, body=None))

    assert isinstance(timed(post, plain)[0], InternalServerError) and server.count("POST", "/v1/things") == 1
    assert isinstance(timed(post, safe)[0], InternalServerError) and server.count("POST", "/v1/things") == 4


# -- load ----------------------------------------------------------------------------------------------


def test_1000_concurrent_async_calls_through_one_client(tmp_path):
    # The server runs in a process of its own, so the load is not limited by sharing the client's GIL.
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({f"GET {ROUTE}": {"body": OK}}), encoding="utf-8")
    with ServerProcess(routes) as url:

        async def go():
            async with AsyncKombo(api_key=KEY, integration_id="i", server_url=url + "/v1", max_retries=0) as k:
                return await asyncio.gather(
                    *(k.ats.get_candidate_attachments("c1") for _ in range(1000)), return_exceptions=True
                )

        results, elapsed = timed(asyncio.run, go())
        stats = httpx.get(url + "/__stats").json()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    assert all(r.data.results[0].type is CandidateAttachmentType.CV for r in results)
    assert stats["requests"] == 1000
    assert stats["peak_connections"] <= kombo_client._runtime.MAX_CONNECTIONS  # the pool limit holds under load
    assert stats["total_connections"] <= 2 * kombo_client._runtime.MAX_CONNECTIONS  # connections are reused
    assert elapsed < 30


def test_raw_response_gives_status_headers_and_parsed_body(server, mode):
    server.route("GET", ROUTE, Reply(200, OK, headers={"X-Request-Id": "r-42"}))
    kwargs = {"api_key": KEY, "integration_id": "i", "server_url": server.url + "/v1"}
    raw = through(mode, Kombo, AsyncKombo, kwargs, lambda k: k.with_raw_response.ats.get_candidate_attachments("c1"))
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r-42"
    assert raw.parsed.data.results[0].type is CandidateAttachmentType.CV
    assert raw.http_response.json() == OK


@pytest.mark.parametrize("package", ["kombo_client", "hrflow_client", "crafter_profile_client"])
def test_every_package_exports_the_error_tree(package):
    import importlib

    module = importlib.import_module(package)
    names = [
        "APIError",
        "APIConnectionError",
        "APITimeoutError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "ResponseValidationError",
    ]
    for name in names:
        assert name in module.__all__ and issubclass(getattr(module, name), module.APIError), name
    assert issubclass(module.APITimeoutError, module.APIConnectionError)
    assert issubclass(module.RateLimitError, module.APIStatusError)


# -- tenants -------------------------------------------------------------------------------------


def test_with_options_gives_a_tenant_client_sharing_the_pool(server):
    server.route("GET", ROUTE, Reply(200, OK))
    with Kombo(api_key=KEY, integration_id="int-1", server_url=server.url + "/v1") as first:
        second = first.with_options(integration_id="int-2", api_key="other-SECRET-key", max_retries=0)
        first.ats.get_candidate_attachments(candidate_id="c1")
        second.ats.get_candidate_attachments(candidate_id="c1")
        assert second._http is first._http and second.max_retries == 0 and first.max_retries == 2
        second.close()  # the pool stays with the client that made it
        first.ats.get_candidate_attachments(candidate_id="c1")
        third = first.copy(server_url=server.url + "/v1", timeout=5.0)
        third.ats.get_candidate_attachments(candidate_id="c1")
        assert third.timeout.total == 5.0 and third._http is first._http
    sent = [(r.headers["x-integration-id"], r.headers["authorization"]) for r in server.requests]
    assert sent == [
        ("int-1", f"Bearer {KEY}"),
        ("int-2", "Bearer other-SECRET-key"),
        ("int-1", f"Bearer {KEY}"),
        ("int-1", f"Bearer {KEY}"),
    ]


def test_with_options_on_an_async_client_shares_its_pool_and_slots(server):
    server.route("GET", ROUTE, Reply(200, OK))

    async def go() -> None:
        async with AsyncKombo(api_key=KEY, integration_id="int-1", server_url=server.url + "/v1") as first:
            second = first.with_options(integration_id="int-2")
            await asyncio.gather(
                first.ats.get_candidate_attachments(candidate_id="c1"),
                second.ats.get_candidate_attachments(candidate_id="c1"),
            )
            assert second._http is first._http and second._slots is first._slots
            await second.close()
            await first.ats.get_candidate_attachments(candidate_id="c1")

    asyncio.run(go())
    assert sorted(r.headers["x-integration-id"] for r in server.requests) == ["int-1", "int-1", "int-2"]


def test_with_options_leaves_a_callers_httpx_client_as_it_was(server):
    server.route("GET", ROUTE, Reply(200, OK))
    with httpx.Client(headers={"X-Caller": "yes"}) as http:
        jar = type(http.cookies)
        first = Kombo(api_key=KEY, integration_id="int-1", server_url=server.url + "/v1", http_client=http)
        first.with_options(integration_id="int-2").ats.get_candidate_attachments(candidate_id="c1")
        assert type(http.cookies) is jar and not http.is_closed
    assert server.last().headers["x-caller"] == "yes"  # built through the caller's client, its headers kept
