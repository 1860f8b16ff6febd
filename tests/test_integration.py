"""What a real integration needs from the generated client, against a real server on 127.0.0.1:
pages over every scheme (cursor, page, offset, Link header; declared by ``x-sdk-pagination``, by Speakeasy's
and Azure's extensions, or inferred), sync and async. The operations are those of
``tests/specs/integration31.yaml`` (golden package under ``tests/golden/integration31``)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from server import Recorded, Reply

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "integration31"))

from integration31_client import (
    AsyncPage,
    AsyncRecruitingIntegration,
    PaginationError,
    RawResponse,
    RecruitingIntegration,
    SyncPage,
)
from integration31_client.models import Candidate, ListReportsResponse

MODES = ("sync", "async")


def walk(server: Any, mode: str, method: str, **kwargs: Any) -> list[Any]:
    """Every item the method's pages yield, iterated the way each client offers it."""
    if mode == "sync":
        with RecruitingIntegration(base_url=server.url, max_retries=0, oauth="tok") as client:
            resource, name = method.split(".")
            return list(getattr(getattr(client, resource), name)(**kwargs))

    async def go() -> list[Any]:
        async with AsyncRecruitingIntegration(base_url=server.url, max_retries=0, oauth="tok") as client:
            resource, name = method.split(".")
            return [item async for item in getattr(getattr(client, resource), name)(**kwargs)]

    return asyncio.run(go())


def by_query(name: str, pages: dict[str | None, Any]) -> Any:
    """A route answering by the value of one query parameter (None: not sent)."""

    def answer(request: Recorded) -> Reply:
        value = request.query.get(name, [None])[0]
        if value not in pages:
            return Reply(400, {"message": f"unexpected {name}={value}"})
        page = pages[value]
        return page if isinstance(page, Reply) else Reply(200, page)

    return answer


def sent(server: Any, name: str) -> list[str | None]:
    return [r.query.get(name, [None])[0] for r in server.requests]


@pytest.mark.parametrize("mode", MODES)
def test_cursor_pages_are_followed_until_the_cursor_is_null(server, mode):
    server.route(
        "GET",
        "/candidates",
        by_query(
            "cursor",
            {
                None: {"data": [{"id": "c1"}, {"id": "c2"}], "meta": {"next_cursor": "b"}},
                "b": {"data": [{"id": "c3"}], "meta": {"next_cursor": "c"}},
                "c": {"data": [{"id": "c4"}], "meta": {"next_cursor": None}},
            },
        ),
    )
    items = walk(server, mode, "candidates.list", limit=2)
    assert [c.id for c in items] == ["c1", "c2", "c3", "c4"] and all(isinstance(c, Candidate) for c in items)
    assert sent(server, "cursor") == [None, "b", "c"]
    assert sent(server, "limit") == ["2", "2", "2"]  # the call's other arguments go to every page


def test_a_sync_page_offers_its_items_body_and_the_next_page(server):
    server.route(
        "GET",
        "/candidates",
        by_query(
            "cursor",
            {
                None: {"data": [{"id": "c1"}], "meta": {"next_cursor": "b"}},
                "b": {"data": [{"id": "c2"}], "meta": {}},
            },
        ),
    )
    with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
        page = client.candidates.list()
        assert isinstance(page, SyncPage) and [c.id for c in page.items] == ["c1"]
        assert page.body.meta.next_cursor == "b" and page.response.status_code == 200
        assert page.has_next_page()
        second = page.get_next_page()
        assert [c.id for c in second.items] == ["c2"] and not second.has_next_page()
        with pytest.raises(PaginationError, match="last page"):
            second.get_next_page()
        assert [len(p.items) for p in page.iter_pages()] == [1, 1]
    assert sent(server, "cursor") == [None, "b", "b"]  # iter_pages fetched the second page anew


def test_an_async_pager_awaits_to_its_first_page_and_sends_nothing_before(server):
    server.route(
        "GET",
        "/candidates",
        by_query(
            "cursor",
            {
                None: {"data": [{"id": "c1"}], "meta": {"next_cursor": "b"}},
                "b": {"data": [{"id": "c2"}], "meta": {"next_cursor": None}},
            },
        ),
    )

    async def go() -> None:
        async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok") as client:
            pager = client.candidates.list()
            assert server.requests == []  # nothing is sent until awaited or iterated
            page = await pager
            assert isinstance(page, AsyncPage) and [c.id for c in page.items] == ["c1"]
            second = await page.get_next_page()
            assert [c.id for c in second.items] == ["c2"] and not second.has_next_page()
            assert [len(p.items) async for p in page.iter_pages()] == [1, 1]

    asyncio.run(go())


@pytest.mark.parametrize("mode", MODES)
def test_a_cursor_given_again_stops_with_an_error_instead_of_looping(server, mode):
    server.route(
        "GET",
        "/candidates",
        by_query(
            "cursor",
            {
                None: {"data": [{"id": "c1"}], "meta": {"next_cursor": "b"}},
                "b": {"data": [{"id": "c2"}], "meta": {"next_cursor": "b"}},
            },
        ),
    )
    with pytest.raises(PaginationError, match="gave the cursor 'b' again"):
        walk(server, mode, "candidates.list")
    assert sent(server, "cursor") == [None, "b"]


@pytest.mark.parametrize("mode", MODES)
def test_a_cursor_the_first_call_was_given_and_is_handed_back_is_caught(server, mode):
    server.route("GET", "/candidates", Reply(200, {"data": [{"id": "c1"}], "meta": {"next_cursor": "x"}}))
    with pytest.raises(PaginationError):
        walk(server, mode, "candidates.list", cursor="x")
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_page_numbers_stop_at_the_page_count(server, mode):
    pages = {None: 1, "2": 2, "3": 3}
    server.route(
        "GET",
        "/jobs",
        by_query("page", {k: {"jobs": [{"id": f"j{v}"}], "total_pages": 3} for k, v in pages.items()}),
    )
    assert [j.id for j in walk(server, mode, "jobs.list")] == ["j1", "j2", "j3"]
    assert sent(server, "page") == [None, "2", "3"]


@pytest.mark.parametrize("mode", MODES)
def test_offsets_advance_by_the_items_received_and_stop_at_the_total(server, mode):
    rows = [{"id": f"a{i}"} for i in range(5)]
    server.route(
        "GET",
        "/applications",
        by_query("offset", {k: {"items": rows[int(k or 0) : int(k or 0) + 2], "total": 5} for k in (None, "2", "4")}),
    )
    assert [a.id for a in walk(server, mode, "applications.list", limit=2)] == [r["id"] for r in rows]
    assert sent(server, "offset") == [None, "2", "4"]


@pytest.mark.parametrize("mode", MODES)
def test_a_short_offset_page_is_the_last_without_a_total(server, mode):
    server.route("GET", "/applications", by_query("offset", {None: {"items": [{"id": "a0"}], "total": 99}}))
    assert [a.id for a in walk(server, mode, "applications.list", limit=2)] == ["a0"]
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_the_link_header_is_followed_with_the_calls_other_parameters(server, mode):
    def answer(request: Recorded) -> Reply:
        page = int(request.query.get("page", ["1"])[0])
        link = {"Link": f'<{server.url}/interviews?page={page + 1}>; rel="next", <{server.url}/x>; rel="first"'}
        return Reply(200, [{"id": f"i{page}"}], headers=link if page < 3 else {})

    server.route("GET", "/interviews", answer)
    assert [i.id for i in walk(server, mode, "interviews.list", per_page=1)] == ["i1", "i2", "i3"]
    assert sent(server, "page") == [None, "2", "3"] and sent(server, "per_page") == ["1", "1", "1"]


@pytest.mark.parametrize("mode", MODES)
def test_a_next_link_off_the_apis_origin_is_refused_and_not_fetched(server, mode):
    server.route(
        "GET",
        "/interviews",
        Reply(200, [{"id": "i1"}], headers={"Link": '<http://127.0.0.2:9/steal>; rel="next"'}),
    )
    with pytest.raises(PaginationError, match="not on the API's origin"):
        walk(server, mode, "interviews.list")
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_speakeasy_and_azure_pagination_extensions_are_read(server, mode):
    server.route(
        "GET",
        "/offers",
        by_query("after", {None: {"data": [{"id": "o1"}], "next": "o1"}, "o1": {"data": [{"id": "o2"}], "next": None}}),
    )
    server.route(
        "GET",
        "/events",
        by_query(
            "skip",
            {
                None: {"value": [{"kind": "a"}], "nextLink": f"{server.url}/events?skip=1"},
                "1": {"value": [{"kind": "b"}]},
            },
        ),
    )
    assert [o.id for o in walk(server, mode, "offers.list")] == ["o1", "o2"]
    assert [e.kind for e in walk(server, mode, "events.list")] == ["a", "b"]


@pytest.mark.parametrize("mode", MODES)
def test_inferred_pages_stripes_starting_after_and_a_page_count(server, mode):
    server.route(
        "GET",
        "/notes",
        by_query(
            "starting_after",
            {
                None: {"object": "list", "data": [{"id": "n1"}, {"id": "n2"}], "has_more": True},
                "n2": {"object": "list", "data": [{"id": "n3"}], "has_more": False},
            },
        ),
    )
    server.route(
        "GET",
        "/tags",
        by_query("page", {None: {"results": ["a"], "total_pages": 2}, "2": {"results": ["b"], "total_pages": 2}}),
    )
    assert [n.id for n in walk(server, mode, "notes.list")] == ["n1", "n2", "n3"]
    assert walk(server, mode, "tags.list") == ["a", "b"]


def test_inference_is_said_and_x_sdk_pagination_false_turns_it_off(server):
    from generator import generate_package

    result = generate_package(Path(__file__).parent / "specs" / "integration31.yaml", name="i31")
    inferred = sorted(d.pointer for d in result.diagnostics if d.code == "I440")
    assert inferred == ["/paths/~1interviews/get", "/paths/~1notes/get", "/paths/~1tags/get"]
    assert all("x-sdk-pagination: false" in d.message for d in result.diagnostics if d.code == "I440")
    server.route("GET", "/reports", Reply(200, {"data": ["r"], "next_cursor": "again"}))
    with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
        assert isinstance(client.reports.list(), ListReportsResponse)  # its body, unpaged


def test_declarations_that_do_not_fit_the_response_are_said_and_ignored(tmp_path):
    import yaml

    from generator import generate_package

    doc = yaml.safe_load((Path(__file__).parent / "specs" / "integration31.yaml").read_text(encoding="utf-8"))
    get = lambda path: doc["paths"][path]["get"]  # noqa: E731
    get("/candidates")["x-sdk-pagination"]["items"] = "/meta"
    get("/jobs")["x-sdk-pagination"]["page-param"] = "p"
    get("/applications")["x-sdk-pagination"] = {"style": "offset", "items": "/items", "offset-param": "offset", "x": 1}
    get("/offers")["x-speakeasy-pagination"]["outputs"]["results"] = "$..data[?(@.id)]"
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = generate_package(spec, name="bad")
    said = {d.pointer: d.message for d in result.diagnostics if d.code == "W440"}
    assert "not a list" in said["/paths/~1candidates/get/x-sdk-pagination"]
    assert "'p', which is not a query parameter" in said["/paths/~1jobs/get/x-sdk-pagination"]
    assert "has no key x" in said["/paths/~1applications/get/x-sdk-pagination"]
    assert "plain $.a.b path" in said["/paths/~1offers/get/x-speakeasy-pagination"]
    resources = result.files["bad_client/resources/candidates.py"]
    assert "Paging(" not in resources and "-> ListCandidatesResponse:" in resources


@pytest.mark.parametrize("mode", MODES)
def test_with_raw_response_gives_the_first_pages_response_with_the_page_parsed(server, mode):
    server.route(
        "GET",
        "/jobs",
        Reply(200, {"jobs": [{"id": "j1"}], "total_pages": 1}, headers={"x-request-id": "req-7"}),
    )
    if mode == "sync":
        with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
            raw = client.with_raw_response.jobs.list()
    else:

        async def go() -> Any:
            async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok") as client:
                return await client.with_raw_response.jobs.list()

        raw = asyncio.run(go())
    assert isinstance(raw, RawResponse) and raw.status_code == 200 and raw.request_id == "req-7"
    assert [j.id for j in raw.parsed.items] == ["j1"] and not raw.parsed.has_next_page()


# -- credentials: OAuth2 client credentials, callables ---------------------------------------------------


def token_endpoint(server: Any, *tokens: str, expires_in: int | None = 3600) -> None:
    """``POST /oauth/token`` handing out ``tokens`` in turn (the last repeats)."""
    handed: list[str] = []

    def answer(request: Recorded) -> Reply:
        token = tokens[min(len(handed), len(tokens) - 1)]
        handed.append(token)
        body = {"access_token": token, "token_type": "bearer"}
        return Reply(200, body if expires_in is None else {**body, "expires_in": expires_in})

    server.route("POST", "/oauth/token", answer)


def oauth_kwargs(server: Any, **more: Any) -> dict[str, Any]:
    return {
        "base_url": server.url,
        "client_id": "app-1",
        "client_secret": "s3cret-value",
        "token_url": f"{server.url}/oauth/token",
        "max_retries": 0,
        **more,
    }


def jobs(server: Any) -> None:
    server.route("GET", "/jobs", Reply(200, {"jobs": [], "total_pages": 1}))


def api_calls(server: Any) -> list[Recorded]:
    return [r for r in server.requests if r.path != "/oauth/token"]


def token_calls(server: Any) -> list[Recorded]:
    return [r for r in server.requests if r.path == "/oauth/token"]


@pytest.mark.parametrize("mode", MODES)
def test_a_client_credentials_token_is_fetched_once_and_sent_as_a_bearer_token(server, mode):
    import base64
    import urllib.parse

    token_endpoint(server, "tok-1")
    jobs(server)

    def twice(client: Any) -> Any:
        client.jobs.list()
        return client.jobs.list()

    async def twice_async(client: Any) -> Any:
        await client.jobs.list()
        return await client.jobs.list()

    from helpers import through

    through(
        mode,
        RecruitingIntegration,
        AsyncRecruitingIntegration,
        oauth_kwargs(server),
        twice if mode == "sync" else twice_async,
    )
    [fetch] = token_calls(server)
    assert fetch.headers["authorization"] == "Basic " + base64.b64encode(b"app-1:s3cret-value").decode()
    assert urllib.parse.parse_qs(fetch.body.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["candidates:read"],
    }
    assert [r.headers["authorization"] for r in api_calls(server)] == ["Bearer tok-1", "Bearer tok-1"]


def test_a_token_is_fetched_again_shortly_before_it_expires(server):
    import time

    token_endpoint(server, "tok-1", "tok-2", expires_in=1)  # used for 0.9 s: a tenth of its life is kept back
    jobs(server)
    with RecruitingIntegration(**oauth_kwargs(server)) as client:
        client.jobs.list()
        client.jobs.list()
        time.sleep(0.95)
        client.jobs.list()
    assert [r.headers["authorization"] for r in api_calls(server)] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert len(token_calls(server)) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_401_fetches_a_new_token_and_replays_the_request_once(server, mode):
    from helpers import through

    token_endpoint(server, "old", "new")
    server.route("GET", "/jobs", [Reply(401, {"message": "expired"}), Reply(200, {"jobs": [], "total_pages": 1})])
    kwargs = oauth_kwargs(server)
    through(mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, lambda c: c.jobs.list())
    assert [r.headers["authorization"] for r in api_calls(server)] == ["Bearer old", "Bearer new"]
    server.requests.clear()
    server.route("GET", "/jobs", Reply(401, {"message": "no"}))
    from integration31_client import AuthenticationError

    with pytest.raises(AuthenticationError):
        through(mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, lambda c: c.jobs.list())
    assert len(api_calls(server)) == 2 and len(token_calls(server)) == 2  # one replay, never a loop


def test_threads_share_one_token_fetch(server):
    from concurrent.futures import ThreadPoolExecutor

    def slow_token(request: Recorded) -> Reply:
        return Reply(200, {"access_token": "tok", "expires_in": 60}, delay=0.2)

    server.route("POST", "/oauth/token", slow_token)
    jobs(server)
    with RecruitingIntegration(**oauth_kwargs(server)) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.jobs.list(), range(8)))
    assert len(token_calls(server)) == 1 and len(api_calls(server)) == 8


def test_tasks_share_one_token_fetch(server):
    server.route("POST", "/oauth/token", Reply(200, {"access_token": "tok", "expires_in": 60}, delay=0.2))
    jobs(server)

    async def go() -> None:
        async with AsyncRecruitingIntegration(**oauth_kwargs(server)) as client:
            await asyncio.gather(*(client.jobs.list() for _ in range(8)))

    asyncio.run(go())
    assert len(token_calls(server)) == 1 and len(api_calls(server)) == 8


def test_a_refused_token_request_is_an_authentication_error_that_hides_the_secret(server):
    from integration31_client import AuthenticationError

    server.route("POST", "/oauth/token", Reply(401, {"error": "invalid_client"}))
    with RecruitingIntegration(**oauth_kwargs(server)) as client, pytest.raises(AuthenticationError) as failed:
        client.jobs.list()
    assert "invalid_client" in str(failed.value) and "s3cret" not in repr(failed.value.__dict__)
    assert api_calls(server) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_callable_credential_is_called_for_each_request_and_its_values_are_redacted(server, mode):
    from helpers import through
    from integration31_client import APIStatusError

    values = iter(["v-1", "v-2"])
    server.route("GET", "/jobs", [Reply(200, {"jobs": [], "total_pages": 1}), Reply(500, {"message": "saw v-2"})])
    kwargs = {"base_url": server.url, "max_retries": 0, "oauth": lambda: next(values)}

    def calls(client: Any) -> Any:
        client.jobs.list()
        return client.jobs.list()

    async def calls_async(client: Any) -> Any:
        await client.jobs.list()
        return await client.jobs.list()

    with pytest.raises(APIStatusError) as failed:
        through(
            mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, calls if mode == "sync" else calls_async
        )
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer v-1", "Bearer v-2"]
    assert "v-2" not in str(failed.value) and "saw ***" in str(failed.value)


# -- hooks ---------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, str, int, Any]] = []

    def before_request(self, ctx: Any, request: Any) -> Any:
        self.seen.append(("before", ctx.operation, ctx.method, ctx.path, ctx.attempt, str(request.url)))
        request.headers["X-Signed"] = f"sig-{ctx.attempt}"
        return None

    def after_response(self, ctx: Any, response: Any) -> None:
        self.seen.append(("after", ctx.operation, ctx.method, ctx.path, ctx.attempt, response.status_code))

    def on_error(self, ctx: Any, error: Any) -> None:
        self.seen.append(("error", ctx.operation, ctx.method, ctx.path, ctx.attempt, type(error).__name__))


class AsyncRecorder(Recorder):
    async def after_response(self, ctx: Any, response: Any) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        super().after_response(ctx, response)


@pytest.mark.parametrize("mode", MODES)
def test_hooks_see_each_attempt_with_its_context_and_the_final_error(server, mode):
    from helpers import through
    from integration31_client import InternalServerError, RetryPolicy

    hook = Recorder() if mode == "sync" else AsyncRecorder()
    server.route("GET", "/jobs", [Reply(503, {}), Reply(200, {"jobs": [], "total_pages": 1})])
    server.route("GET", "/jobs/x", Reply(500, {}))
    kwargs = {
        "base_url": server.url,
        "oauth": "secret-token",
        "max_retries": 1,
        "retry_policy": RetryPolicy(initial_delay=0.01),
        "hooks": [hook, object()],  # an object without hook methods is fine
    }
    through(mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, lambda c: c.jobs.list())
    url = f"{server.url}/jobs"
    assert hook.seen == [
        ("before", "listJobs", "GET", "/jobs", 0, url),
        ("after", "listJobs", "GET", "/jobs", 0, 503),
        ("before", "listJobs", "GET", "/jobs", 1, url),
        ("after", "listJobs", "GET", "/jobs", 1, 200),
    ]
    assert [r.headers["x-signed"] for r in server.requests] == ["sig-0", "sig-1"]  # a hook may change the request
    hook.seen.clear()
    server.route("GET", "/jobs", Reply(500, {}))
    with pytest.raises(InternalServerError):
        through(mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, lambda c: c.jobs.list())
    assert hook.seen[-1] == ("error", "listJobs", "GET", "/jobs", 1, "InternalServerError")


def test_what_hooks_print_is_redacted_like_the_logs(server):
    printed: list[str] = []

    class Printer:
        def before_request(self, ctx: Any, request: Any) -> None:
            printed.append(repr(request.headers))

    jobs(server)
    with RecruitingIntegration(base_url=server.url, oauth="secret-token", hooks=[Printer()]) as client:
        client.jobs.list()
    assert printed and "secret-token" not in printed[0]


# -- escape hatch, extra_body, deprecation ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_extra_body_adds_properties_to_a_json_body_and_makes_one_where_there_is_none(server, mode):
    import json

    from helpers import through

    server.route("POST", "/candidates", Reply(201, {"id": "c1"}))
    jobs(server)
    kwargs = {"base_url": server.url, "oauth": "tok", "max_retries": 0}

    def calls(client: Any) -> Any:
        client.candidates.create(body=Candidate(id="c1", name="Ada"), extra_body={"source": "referral"})
        return client.jobs.list(extra_body={"beta": True})

    async def calls_async(client: Any) -> Any:
        await client.candidates.create(body=Candidate(id="c1", name="Ada"), extra_body={"source": "referral"})
        return await client.jobs.list(extra_body={"beta": True})

    through(mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, calls if mode == "sync" else calls_async)
    post, get = server.requests
    assert json.loads(post.body) == {"id": "c1", "name": "Ada", "source": "referral"}
    assert json.loads(get.body) == {"beta": True} and get.headers["content-type"] == "application/json"


@pytest.mark.parametrize("mode", MODES)
def test_request_calls_any_path_with_the_clients_auth_retries_and_typed_errors(server, mode):
    from helpers import through
    from integration31_client import NotFoundError, RetryPolicy
    from integration31_client.models import ListJobsResponse

    server.route("GET", "/v2/jobs", [Reply(503, {}), Reply(200, {"jobs": [{"id": "j1"}], "total_pages": 1})])
    server.route("POST", "/v2/notes", Reply(200, {"ok": True}))
    server.route("DELETE", "/v2/notes/%7Bx%7D", Reply(204))
    server.route("GET", "/v2/missing", Reply(404, {"message": "gone"}))
    kwargs = {"base_url": server.url, "oauth": "tok", "max_retries": 1, "retry_policy": RetryPolicy(initial_delay=0.01)}

    def calls(client: Any) -> Any:
        typed = client.request("GET", "/v2/jobs", cast_to=ListJobsResponse, query={"page": 1})
        plain = client.request("POST", "/v2/notes", json={"text": "hi"}, headers={"X-Trace": "t"})
        gone = client.request("DELETE", "/v2/notes/{x}")
        with pytest.raises(NotFoundError):
            client.request("GET", "/v2/missing")
        return typed, plain, gone

    async def calls_async(client: Any) -> Any:
        typed = await client.request("GET", "/v2/jobs", cast_to=ListJobsResponse, query={"page": 1})
        plain = await client.request("POST", "/v2/notes", json={"text": "hi"}, headers={"X-Trace": "t"})
        gone = await client.request("DELETE", "/v2/notes/{x}")
        with pytest.raises(NotFoundError):
            await client.request("GET", "/v2/missing")
        return typed, plain, gone

    typed, plain, gone = through(
        mode, RecruitingIntegration, AsyncRecruitingIntegration, kwargs, calls if mode == "sync" else calls_async
    )
    assert isinstance(typed, ListJobsResponse) and typed.jobs[0].id == "j1"
    assert plain == {"ok": True} and gone is None
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer tok"] * 5
    assert server.requests[0].query == {"page": ["1"]} and server.requests[2].headers["x-trace"] == "t"
    assert server.requests[3].path == "/v2/notes/%7Bx%7D"  # sent as given: no placeholder filled


def test_request_takes_only_paths_under_the_base_url():
    with RecruitingIntegration(base_url="http://127.0.0.1:9", oauth="tok") as client:
        with pytest.raises(ValueError, match="path under the base URL"):
            client.request("GET", "http://127.0.0.2/steal")


def test_a_deprecated_operation_and_parameter_warn_at_the_callers_line(server):
    import warnings

    server.route("GET", "/legacy/candidates/c1", Reply(200, {"id": "c1"}))
    jobs(server)
    with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
        with pytest.warns(DeprecationWarning, match=r"GET /legacy/candidates/\{id\} is deprecated") as op:
            client.candidates.get_legacy("c1")
        with pytest.warns(DeprecationWarning, match="query parameter 'department' of GET /jobs is deprecated") as param:
            client.jobs.list(department="eng")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            client.jobs.list()  # not given: no warning
    assert [w.filename for w in op] == [__file__] and [w.filename for w in param] == [__file__]


def test_an_async_deprecated_parameter_warns_at_the_callers_line(server):
    jobs(server)

    async def go() -> Any:
        async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok") as client:
            return await client.jobs.list(department="eng")

    with pytest.warns(DeprecationWarning) as caught:
        asyncio.run(go())
    assert [w.filename for w in caught] == [__file__]


def test_a_relative_token_url_is_relative_to_the_base_url_the_client_uses(server, tmp_path, monkeypatch):
    import importlib

    import yaml

    from generator import generate_package
    from generator.core.write import write_tree

    doc = yaml.safe_load((Path(__file__).parent / "specs" / "integration31.yaml").read_text(encoding="utf-8"))
    doc["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"]["tokenUrl"] = "oauth/token"
    spec = tmp_path / "relative.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    write_tree(tmp_path / "out", generate_package(spec, name="relative_token").files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    package = importlib.import_module("relative_token_client")
    token_endpoint(server, "tok-r")
    jobs(server)
    with package.RecruitingIntegration(base_url=server.url, client_id="a", client_secret="b") as client:
        client.jobs.list()
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/oauth/token"), ("GET", "/jobs")]
    with pytest.raises(ValueError, match="http or https"):
        package.RecruitingIntegration(base_url=server.url, client_id="a", client_secret="b", token_url="ftp://x/t")


def test_an_api_that_neither_pages_nor_runs_oauth_never_imports_those_modules():
    import subprocess

    root = Path(__file__).resolve().parent.parent
    script = (
        "import sys\n"
        "from kombo_client import Kombo\n"
        "Kombo(api_key='k', integration_id='i')\n"
        "assert not {'kombo_client._pagination', 'kombo_client._auth'} & set(sys.modules), sorted(sys.modules)\n"
        "from kombo_client import SyncPage, AsyncPager\n"
        "from kombo_client._runtime import Paging, client_credentials\n"
        "assert SyncPage.__module__ == 'kombo_client._pagination' and callable(client_credentials)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root / "generated" / "kombo",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]


# -- webhooks ------------------------------------------------------------------------------------------

WEBHOOK_SECRET = "whk-secret"


def deliver(server: Any, payload: dict[str, Any], headers: dict[str, str]) -> Recorded:
    """POST a webhook to the real server as a sender would, and return what it received (raw body, headers)."""
    import httpx

    server.route("POST", "/hooks", Reply(200, {}))
    httpx.post(f"{server.url}/hooks", content=json_bytes(payload), headers=headers, timeout=10)
    return server.requests[-1]


def json_bytes(payload: Any) -> bytes:
    import json

    return json.dumps(payload, separators=(", ", ": ")).encode()  # not compact: the raw bytes must be signed


def hmac_hex(secret: str, body: bytes) -> str:
    import hashlib
    import hmac

    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_signed_webhook_unwraps_to_its_event_and_a_bad_or_missing_signature_is_refused(server):
    from integration31_client import InvalidWebhookPayloadError, InvalidWebhookSignatureError
    from integration31_client.models import CandidateCreatedEvent, InterviewScheduledEvent

    payload = {"type": "candidate.created", "candidate": {"id": "c1", "name": "Ada"}}
    body = json_bytes(payload)
    received = deliver(server, payload, {"X-Signature": "sha256=" + hmac_hex(WEBHOOK_SECRET, body)})
    with RecruitingIntegration(oauth="tok", webhook_secret=WEBHOOK_SECRET) as client:
        event = client.webhooks.unwrap(received.body, received.headers)
        assert isinstance(event, CandidateCreatedEvent) and event.candidate.name == "Ada"
        other = {"type": "interview.scheduled", "interview": {"id": "i1"}}
        raw = json_bytes(other)
        got = deliver(server, other, {"x-signature": "sha256=" + hmac_hex(WEBHOOK_SECRET, raw).upper()})
        assert isinstance(client.webhooks.unwrap(got.body, got.headers), InterviewScheduledEvent)
        with pytest.raises(InvalidWebhookSignatureError, match="does not match"):
            client.webhooks.unwrap(received.body.replace(b"Ada", b"Eve"), received.headers)  # body changed
        with pytest.raises(InvalidWebhookSignatureError, match="does not match"):
            client.webhooks.unwrap(received.body, received.headers, secret="another")
        with pytest.raises(InvalidWebhookSignatureError, match="no X-Signature header"):
            client.webhooks.unwrap(received.body, {})
        with pytest.raises(InvalidWebhookSignatureError, match="does not start with 'sha256='"):
            client.webhooks.unwrap(received.body, {"X-Signature": hmac_hex(WEBHOOK_SECRET, body)})
        wrong = {"type": "candidate.created"}  # its candidate left out
        raw = json_bytes(wrong)
        signed = {"X-Signature": "sha256=" + hmac_hex(WEBHOOK_SECRET, raw)}
        tolerated = client.webhooks.unwrap(raw, signed)  # the event its constant names, parsed all the same
        assert isinstance(tolerated, CandidateCreatedEvent) and tolerated.candidate is None
        with pytest.raises(InvalidWebhookPayloadError):
            client.with_options(strict_responses=True).webhooks.unwrap(raw, signed)


def test_a_webhook_check_needs_the_secret_and_an_event_can_be_named(server, monkeypatch):
    import hashlib
    import hmac
    import time

    from integration31_client import InvalidWebhookSignatureError, MissingCredentialsError
    from integration31_client.models import CreateCandidateScreenedEvent
    from integration31_client.webhooks import EVENTS, Webhooks

    raw = json_bytes({"candidate_id": "c1", "passed": True})
    stamp = int(time.time())
    # the callback declares its own scheme (stripe); the webhooks keep the document's (hmac-sha256)
    v1 = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    headers = {"Stripe-Signature": f"t={stamp},v1={v1}"}
    monkeypatch.delenv("INTEGRATION31_WEBHOOK_SECRET", raising=False)
    with pytest.raises(MissingCredentialsError, match="INTEGRATION31_WEBHOOK_SECRET"):
        Webhooks().unwrap(raw, headers)
    monkeypatch.setenv("INTEGRATION31_WEBHOOK_SECRET", WEBHOOK_SECRET)
    with RecruitingIntegration(oauth="tok") as client:  # the secret from the environment
        event = client.webhooks.unwrap(raw, headers, event="createCandidate.screened")  # a callback's event
        assert isinstance(client.webhooks.unwrap(raw, headers), CreateCandidateScreenedEvent)
        with pytest.raises(InvalidWebhookSignatureError, match="no Stripe-Signature header"):
            client.webhooks.unwrap(
                raw, {"X-Signature": "sha256=" + hmac_hex(WEBHOOK_SECRET, raw)}, event="createCandidate.screened"
            )
    assert isinstance(event, CreateCandidateScreenedEvent) and event.passed is True
    assert sorted(EVENTS) == ["candidate.created", "createCandidate.screened", "interview.scheduled"]
    # An event this version does not know is checked with the document's scheme, then kept whole.
    with pytest.raises(InvalidWebhookSignatureError, match="no X-Signature header"):
        Webhooks(WEBHOOK_SECRET).unwrap(raw, headers, event="nope")
    signed = {"X-Signature": "sha256=" + hmac_hex(WEBHOOK_SECRET, raw)}
    unknown = Webhooks(WEBHOOK_SECRET).unwrap(raw, signed, event="nope")
    assert type(unknown).__name__ == "UnknownEvent" and unknown.event_name == "nope"
    assert unknown.model_dump() == json.loads(raw)


@pytest.fixture
def standard_webhooks(tmp_path, monkeypatch):
    """integration31 with the Standard Webhooks scheme (tolerance 60 s), generated and imported."""
    import importlib

    import yaml

    from generator import generate_package
    from generator.core.write import write_tree

    doc = yaml.safe_load((Path(__file__).parent / "specs" / "integration31.yaml").read_text(encoding="utf-8"))
    doc["x-sdk-webhook-signature"] = {"scheme": "standard-webhooks", "tolerance": 60}
    spec = tmp_path / "standard.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    write_tree(tmp_path / "out", generate_package(spec, name="standard_hooks").files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    return importlib.import_module("standard_hooks_client.webhooks")


def standard_headers(key: bytes, msg_id: str, stamp: int, body: bytes, *extra: str) -> dict[str, str]:
    import base64
    import hashlib
    import hmac

    signed = f"{msg_id}.{stamp}.".encode() + body
    good = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": " ".join([*extra, good])}


def test_standard_webhooks_good_bad_and_stale_signatures(server, standard_webhooks):
    import base64
    import time

    errors = importlib_errors(standard_webhooks)
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    hooks = standard_webhooks.Webhooks(secret)
    payload = {"type": "candidate.created", "candidate": {"id": "c1"}}
    body = json_bytes(payload)
    now = int(time.time())
    # a rotated secret: the first signature is the old key's, the second the current one's
    received = deliver(server, payload, standard_headers(key, "msg_1", now, body, "v1,b2xkLWtleS1zaWduYXR1cmU="))
    assert hooks.unwrap(received.body, received.headers).candidate.id == "c1"
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the webhook's signatures"):
        hooks.unwrap(received.body + b" ", received.headers)
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the webhook's signatures"):
        hooks.unwrap(body, {**standard_headers(key, "msg_1", now, body), "webhook-id": "msg_2"})
    for stamp in (now - 120, now + 120):  # replayed, or from a clock far ahead
        with pytest.raises(errors.InvalidWebhookSignatureError, match="more than 60 s from now"):
            hooks.unwrap(body, standard_headers(key, "msg_3", stamp, body))
    with pytest.raises(errors.InvalidWebhookSignatureError, match="needs webhook-id"):
        hooks.unwrap(body, {"webhook-id": "m"})
    with pytest.raises(errors.InvalidWebhookSignatureError, match="not a Standard Webhooks secret"):
        standard_webhooks.Webhooks("whsec_not base64!").unwrap(body, standard_headers(key, "m", now, body))


def importlib_errors(webhooks_module: Any) -> Any:
    import importlib

    return importlib.import_module(webhooks_module.__name__.rpartition(".")[0] + ".errors")


def test_a_webhook_signature_declaration_that_does_not_fit_fails_the_generation(tmp_path):
    import yaml

    from generator import generate_package

    doc = yaml.safe_load((Path(__file__).parent / "specs" / "integration31.yaml").read_text(encoding="utf-8"))
    doc["x-sdk-webhook-signature"] = {"scheme": "hmac-sha256", "encoding": "rot13"}
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = generate_package(spec, name="bad_sig")
    # an error, not a warning: generating anyway would give an unwrap() that checks no signature at all
    assert not result.ok
    assert [(d.code, d.pointer) for d in result.diagnostics.errors] == [("E604", "/x-sdk-webhook-signature")]
    assert "encoding takes hex or base64" in str(result.diagnostics.errors[0])


# -- typed raw and streamed responses ------------------------------------------------------------------


def slow_csv(pause: float) -> Reply:
    """A CSV body sent in two parts with ``pause`` seconds between them."""
    first, second = b"id,name\nc1,Ada\n", b"c2,Grace\n"

    def chunks() -> Any:
        import time

        yield first
        time.sleep(pause)
        yield second

    return Reply(
        200, stream=chunks, length=len(first) + len(second), content_type="text/csv", headers={"x-request-id": "r-1"}
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_streamed_response_is_read_as_it_arrives_and_closed_after_the_block(server, mode):
    import time

    server.route("GET", "/exports/candidates", slow_csv(0.6))
    seen: list[tuple[float, str]] = []
    started = time.monotonic()
    if mode == "sync":
        with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
            with client.with_streaming_response.exports.export_candidates() as response:
                assert response.status_code == 200 and response.request_id == "r-1"
                seen += [(time.monotonic() - started, line) for line in response.iter_lines()]
            assert response.http_response.is_closed
    else:

        async def go() -> Any:
            async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok") as client:
                async with client.with_streaming_response.exports.export_candidates() as response:
                    async for line in response.aiter_lines():
                        seen.append((time.monotonic() - started, line))
                return response

        assert asyncio.run(go()).http_response.is_closed
    assert [line for _, line in seen] == ["id,name", "c1,Ada", "c2,Grace"]
    assert seen[1][0] < 0.5 <= seen[2][0]  # the first lines were read before the rest was sent


@pytest.mark.parametrize("mode", MODES)
def test_a_streamed_response_parses_to_what_the_method_returns_and_a_failure_raises_before_the_block(server, mode):
    from integration31_client import NotFoundError

    server.route("POST", "/candidates", Reply(201, {"id": "c7", "name": "Ada"}))
    server.route("GET", "/legacy/candidates/none", Reply(404, {"message": "no such candidate"}))
    entered = []
    if mode == "sync":
        with RecruitingIntegration(base_url=server.url, oauth="tok", max_retries=0) as client:
            with client.with_streaming_response.candidates.create(body=Candidate(id="c7")) as response:
                parsed = response.parse()
            with pytest.raises(NotFoundError, match="no such candidate"), pytest.warns(DeprecationWarning):
                with client.with_streaming_response.candidates.get_legacy("none"):
                    entered.append(True)
    else:

        async def go() -> Any:
            async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok", max_retries=0) as client:
                async with client.with_streaming_response.candidates.create(body=Candidate(id="c7")) as r:
                    found = await r.parse()
                with pytest.raises(NotFoundError, match="no such candidate"), pytest.warns(DeprecationWarning):
                    async with client.with_streaming_response.candidates.get_legacy("none"):
                        entered.append(True)
                return found

        parsed = asyncio.run(go())
    assert isinstance(parsed, Candidate) and parsed.name == "Ada" and entered == []


@pytest.mark.parametrize("mode", MODES)
def test_raw_responses_of_root_and_resource_methods_carry_status_headers_and_the_parsed_result(server, mode):
    server.route("POST", "/candidates", Reply(201, {"id": "c8"}, headers={"x-request-id": "r-8"}))
    if mode == "sync":
        with RecruitingIntegration(base_url=server.url, oauth="tok") as client:
            raw = client.with_raw_response.candidates.create(body=Candidate(id="c8"))
            plain = client.candidates.create(body=Candidate(id="c8"))  # the client itself is unchanged
    else:

        async def go() -> Any:
            async with AsyncRecruitingIntegration(base_url=server.url, oauth="tok") as client:
                made = await client.with_raw_response.candidates.create(body=Candidate(id="c8"))
                return made, await client.candidates.create(body=Candidate(id="c8"))

        raw, plain = asyncio.run(go())
    assert raw.status_code == 201 and raw.request_id == "r-8" and raw.parsed == plain == Candidate(id="c8")


def test_an_api_key_in_the_authorization_header_says_it_is_the_whole_header(server, tmp_path, monkeypatch):
    # Apideck-style: an apiKey scheme named for the Authorization header, described as a bearer token.
    import importlib

    from generator import generate_package
    from generator.core.write import write_tree

    spec = tmp_path / "keyed.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "Keyed", "version": "1"},
                "servers": [{"url": "https://api.example.com"}],
                "security": [{"apiKey": []}],
                "paths": {"/jobs": {"get": {"operationId": "listJobs", "responses": {"204": {"description": "ok"}}}}},
                "components": {
                    "securitySchemes": {
                        "apiKey": {
                            "type": "apiKey",
                            "in": "header",
                            "name": "Authorization",
                            "description": "Your Bearer token.",
                        }
                    }
                },
            }
        )
    )
    files = generate_package(spec, name="keyed").files
    assert (
        'api_key="Bearer ...",  # the whole Authorization header, scheme included; or set KEYED_API_KEY'
        in files["README.md"]
    )
    assert (
        'The whole ``Authorization`` value, its scheme included (``"Bearer <key>"``).'
        in files["keyed_client/client.py"]
    )
    write_tree(tmp_path / "out", files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    package = importlib.import_module("keyed_client")
    server.route("GET", "/jobs", Reply(204, None))
    with package.Keyed(base_url=server.url, api_key="Bearer k-1") as client:
        client.jobs.list()
    assert server.last().headers["authorization"] == "Bearer k-1"  # sent as given, whole


def _app_id_spec(path: Path, opt_out: bool) -> None:
    header: dict[str, Any] = {"name": "X-App-Id", "in": "header", "required": True, "schema": {"type": "string"}}
    if opt_out:
        header["x-sdk-client-param"] = False
    ops = {
        f"/{name}": {
            "get": {"operationId": f"list_{name}", "parameters": [header], "responses": {"204": {"description": "ok"}}}
        }
        for name in ("jobs", "candidates")
    }
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Apps", "version": "1"}, "paths": ops}))


def test_a_required_header_on_every_operation_is_set_once_on_the_client(server, tmp_path, monkeypatch):
    # Apideck's x-apideck-app-id: one keyword on the client (and APPS_APP_ID), said as an info with the
    # overlay that turns it off, instead of a keyword on every method.
    import importlib
    import inspect

    from generator import generate_package
    from generator.core.write import write_tree

    spec = tmp_path / "apps.json"
    _app_id_spec(spec, opt_out=False)
    result = generate_package(spec, name="apps")
    said = [d for d in result.diagnostics if d.code == "I450"]
    assert (
        len(said) == 1 and "set x-sdk-client-param: false on it" in said[0].message and "APPS_APP_ID" in said[0].message
    )
    write_tree(tmp_path / "out", result.files)
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    package = importlib.import_module("apps_client")
    assert "app_id" in inspect.signature(package.Apps).parameters
    jobs = importlib.import_module("apps_client.resources.jobs")
    assert "x_app_id" not in inspect.signature(jobs.JobsResource.list).parameters
    server.route("GET", "/jobs", Reply(204, None))
    server.route("GET", "/candidates", Reply(204, None))
    with package.Apps(base_url=server.url, app_id="app-7") as client:
        client.jobs.list()
        client.candidates.list()
    assert [r.headers["x-app-id"] for r in server.requests] == ["app-7", "app-7"]
    monkeypatch.setenv("APPS_APP_ID", "from-env")
    with package.Apps(base_url=server.url) as client:
        client.jobs.list()
    assert server.last().headers["x-app-id"] == "from-env"

    kept = tmp_path / "kept.json"
    _app_id_spec(kept, opt_out=True)
    result = generate_package(kept, name="kept")
    assert not [d for d in result.diagnostics if d.code == "I450"]
    for resource in ("jobs", "candidates"):  # a keyword of each method (each in its resource now), as declared
        assert "x_app_id: str," in result.files[f"kept_client/resources/{resource}.py"]
