"""What a real integration needs from the generated client, against a real server on 127.0.0.1:
pages over every scheme (cursor, page, offset, Link header; declared by ``x-sdk-pagination``, by Speakeasy's
and Azure's extensions, or inferred), sync and async. The operations are those of
``tests/specs/integration31.yaml`` (golden package under ``tests/golden/integration31``)."""

from __future__ import annotations

import asyncio
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
        with RecruitingIntegration(base_url=server.url, max_retries=0) as client:
            resource, name = method.split(".")
            return list(getattr(getattr(client, resource), name)(**kwargs))

    async def go() -> list[Any]:
        async with AsyncRecruitingIntegration(base_url=server.url, max_retries=0) as client:
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
    items = walk(server, mode, "candidates.list_candidates", limit=2)
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
    with RecruitingIntegration(base_url=server.url) as client:
        page = client.candidates.list_candidates()
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
        async with AsyncRecruitingIntegration(base_url=server.url) as client:
            pager = client.candidates.list_candidates()
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
        walk(server, mode, "candidates.list_candidates")
    assert sent(server, "cursor") == [None, "b"]


@pytest.mark.parametrize("mode", MODES)
def test_a_cursor_the_first_call_was_given_and_is_handed_back_is_caught(server, mode):
    server.route("GET", "/candidates", Reply(200, {"data": [{"id": "c1"}], "meta": {"next_cursor": "x"}}))
    with pytest.raises(PaginationError):
        walk(server, mode, "candidates.list_candidates", cursor="x")
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_page_numbers_stop_at_the_page_count(server, mode):
    pages = {None: 1, "2": 2, "3": 3}
    server.route(
        "GET",
        "/jobs",
        by_query("page", {k: {"jobs": [{"id": f"j{v}"}], "total_pages": 3} for k, v in pages.items()}),
    )
    assert [j.id for j in walk(server, mode, "jobs.list_jobs")] == ["j1", "j2", "j3"]
    assert sent(server, "page") == [None, "2", "3"]


@pytest.mark.parametrize("mode", MODES)
def test_offsets_advance_by_the_items_received_and_stop_at_the_total(server, mode):
    rows = [{"id": f"a{i}"} for i in range(5)]
    server.route(
        "GET",
        "/applications",
        by_query("offset", {k: {"items": rows[int(k or 0) : int(k or 0) + 2], "total": 5} for k in (None, "2", "4")}),
    )
    assert [a.id for a in walk(server, mode, "applications.list_applications", limit=2)] == [r["id"] for r in rows]
    assert sent(server, "offset") == [None, "2", "4"]


@pytest.mark.parametrize("mode", MODES)
def test_a_short_offset_page_is_the_last_without_a_total(server, mode):
    server.route("GET", "/applications", by_query("offset", {None: {"items": [{"id": "a0"}], "total": 99}}))
    assert [a.id for a in walk(server, mode, "applications.list_applications", limit=2)] == ["a0"]
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_the_link_header_is_followed_with_the_calls_other_parameters(server, mode):
    def answer(request: Recorded) -> Reply:
        page = int(request.query.get("page", ["1"])[0])
        link = {"Link": f'<{server.url}/interviews?page={page + 1}>; rel="next", <{server.url}/x>; rel="first"'}
        return Reply(200, [{"id": f"i{page}"}], headers=link if page < 3 else {})

    server.route("GET", "/interviews", answer)
    assert [i.id for i in walk(server, mode, "interviews.list_interviews", per_page=1)] == ["i1", "i2", "i3"]
    assert sent(server, "page") == [None, "2", "3"] and sent(server, "per_page") == ["1", "1", "1"]


@pytest.mark.parametrize("mode", MODES)
def test_a_next_link_off_the_apis_origin_is_refused_and_not_fetched(server, mode):
    server.route(
        "GET",
        "/interviews",
        Reply(200, [{"id": "i1"}], headers={"Link": '<http://127.0.0.2:9/steal>; rel="next"'}),
    )
    with pytest.raises(PaginationError, match="not on the API's origin"):
        walk(server, mode, "interviews.list_interviews")
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
    assert [o.id for o in walk(server, mode, "offers.list_offers")] == ["o1", "o2"]
    assert [e.kind for e in walk(server, mode, "events.list_events")] == ["a", "b"]


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
    assert [n.id for n in walk(server, mode, "notes.list_notes")] == ["n1", "n2", "n3"]
    assert walk(server, mode, "tags.list_tags") == ["a", "b"]


def test_inference_is_said_and_x_sdk_pagination_false_turns_it_off(server):
    from generator import generate_package

    result = generate_package(Path(__file__).parent / "specs" / "integration31.yaml", name="i31")
    inferred = sorted(d.pointer for d in result.diagnostics if d.code == "I440")
    assert inferred == ["/paths/~1interviews/get", "/paths/~1notes/get", "/paths/~1tags/get"]
    assert all("x-sdk-pagination: false" in d.message for d in result.diagnostics if d.code == "I440")
    server.route("GET", "/reports", Reply(200, {"data": ["r"], "next_cursor": "again"}))
    with RecruitingIntegration(base_url=server.url) as client:
        assert isinstance(client.reports.list_reports(), ListReportsResponse)  # its body, unpaged


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
        with RecruitingIntegration(base_url=server.url) as client:
            raw = client.with_raw_response.jobs.list_jobs()
    else:

        async def go() -> Any:
            async with AsyncRecruitingIntegration(base_url=server.url) as client:
                return await client.with_raw_response.jobs.list_jobs()

        raw = asyncio.run(go())
    assert isinstance(raw, RawResponse) and raw.status_code == 200 and raw.request_id == "req-7"
    assert [j.id for j in raw.parsed.items] == ["j1"] and not raw.parsed.has_next_page()
