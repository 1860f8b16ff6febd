"""Contract tests: the generated HrFlow client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from helpers import example, run
from hrflow_client import AsyncHrflow, AuthenticationError, BadRequestError, Hrflow
from hrflow_client.models import ErrorResponse, Profile
from server import Reply

ATTACHMENTS = example("hrflow", "/profile/attachments", "get", "200", "attachments")
INDEXING_ATTACHMENTS = example("hrflow", "/profile/indexing/attachments", "get", "200", "attachments")
PROFILE = example("hrflow", "/profile/indexing", "get", "200", "profile")
UNAUTHORIZED = example("hrflow", "/profile/attachments", "get", "401", "invalidKey")


def client(server) -> Hrflow:
    return Hrflow(api_secret="sk_secret", api_user="me@example.com", base_url=server.url + "/v1", max_retries=0)


def async_client(server) -> AsyncHrflow:
    return AsyncHrflow(api_secret="sk_secret", api_user="me@example.com", base_url=server.url + "/v1", max_retries=0)


def sent(server, path: str, query: dict[str, list[str]], user: bool = True) -> None:
    req = server.last()
    assert (req.method, req.path, req.query) == ("GET", "/v1" + path, query)
    assert req.headers["x-api-key"] == "sk_secret"
    assert req.headers.get("x-user-email") == ("me@example.com" if user else None)


# -- GET /profile/indexing/attachments (seed 001) ----------------------------------------------------


@pytest.mark.parametrize("identifier", ["key", "reference", "email"])
def test_attachment_list_sync(mock_api, identifier):
    mock = mock_api("hrflow", ApiSecret="sk_secret", ApiUser="me@example.com")  # serves the spec's own example
    with Hrflow(api_secret="sk_secret", api_user="me@example.com", base_url=mock.base_url, max_retries=0) as hr:
        res = hr.profile.attachment.list(source_key="s", **{identifier: "x"})
    assert res.data[0].file_name == "resume.pdf"
    assert res.data[0].file_size == 194094
    assert res.model_dump(mode="json", by_alias=True, exclude_unset=True) == INDEXING_ATTACHMENTS
    entry = mock.log[-1]
    assert (entry["path"], entry["query"], entry["status"]) == (
        "/v1/profile/indexing/attachments",
        {"source_key": ["s"], identifier: ["x"]},
        200,
    )


def test_attachment_list_async(server):
    server.route("GET", "/v1/profile/indexing/attachments", Reply(200, INDEXING_ATTACHMENTS))

    async def main():
        async with async_client(server) as hr:
            return await hr.profile.attachment.list(source_key="s", key="k")

    assert run(main()).data[0].public_url.startswith("http://www.hrflow.ai/")
    sent(server, "/profile/indexing/attachments", {"source_key": ["s"], "key": ["k"]})


BY_ID = {"key": "profile_id", "reference": "profile_reference", "email": "profile_email"}


@pytest.mark.parametrize("kwargs", [{}, {"key": "k", "email": "e@x.io"}, {"key": "k", "reference": "r", "email": "e"}])
def test_exactly_one_identifier_or_nothing_is_sent(server, kwargs):
    with client(server) as hr:
        with pytest.raises(TypeError, match="exactly one of key=, reference=, email="):
            hr.profile.attachment.list(source_key="s", **kwargs)
        with pytest.raises(TypeError, match="exactly one of key=, reference=, email="):
            hr.profile.indexing.get(source_key="s", **kwargs)
        with pytest.raises(TypeError, match="exactly one of profile_id=, profile_reference=, profile_email="):
            hr.profile.attachment.list_by_id(source_id="s", **{BY_ID[k]: v for k, v in kwargs.items()})
    assert server.requests == []


def test_exactly_one_identifier_async(server):
    async def main():
        async with async_client(server) as hr:
            await hr.profile.indexing.get(source_key="s")

    with pytest.raises(TypeError):
        run(main())
    assert server.requests == []


# -- GET /profile/indexing (seed 003) -----------------------------------------------------------------


def check_profile(res) -> None:
    profile = res.data
    assert isinstance(profile, Profile)
    assert profile.info.full_name == "Harry Potter"
    assert profile.consent_algorithmic.owner.parsing is True
    assert profile.experiences[0].company == "Banque Nationale"
    assert profile.experiences[0].location.lat == pytest.approx(45.51241)
    assert [s.name for s in profile.skills][-1] == "skill exp"
    assert profile.tags[0].value is False
    assert res.model_dump(mode="json", by_alias=True, exclude_unset=True) == PROFILE


def test_indexing_get_sync(server):
    server.route("GET", "/v1/profile/indexing", Reply(200, PROFILE))
    with client(server) as hr:
        check_profile(hr.profile.indexing.get(source_key="s", reference="r"))
    sent(server, "/profile/indexing", {"source_key": ["s"], "reference": ["r"]})


def test_indexing_get_async(server):
    server.route("GET", "/v1/profile/indexing", Reply(200, PROFILE))

    async def main():
        async with async_client(server) as hr:
            return await hr.profile.indexing.get(source_key="s", email="harry.potter@hrflow.ai")

    check_profile(run(main()))
    sent(server, "/profile/indexing", {"source_key": ["s"], "email": ["harry.potter@hrflow.ai"]})


# -- GET /profile/attachments (seed 000) -------------------------------------------------------------


def test_list_by_id_sync_sends_only_the_documented_key(server):
    server.route("GET", "/v1/profile/attachments", Reply(200, ATTACHMENTS))
    with client(server) as hr:
        res = hr.profile.attachment.list_by_id(source_id="s", profile_id="p")
    assert [a.type for a in res.data] == ["resume", "original"]
    sent(server, "/profile/attachments", {"source_id": ["s"], "profile_id": ["p"]}, user=False)


def test_list_by_id_async(server):
    server.route("GET", "/v1/profile/attachments", Reply(200, ATTACHMENTS))

    async def main():
        async with async_client(server) as hr:
            return await hr.profile.attachment.list_by_id(source_id="s", profile_email="a@b.c")

    assert len(run(main()).data) == 2
    sent(server, "/profile/attachments", {"source_id": ["s"], "profile_email": ["a@b.c"]}, user=False)


# -- documented errors ---------------------------------------------------------------------------------

ERRORS = [
    (
        "/profile/attachments",
        "400",
        "invalidProfile",
        BadRequestError,
        lambda hr: hr.profile.attachment.list_by_id(source_id="s", profile_id="p"),
    ),
    (
        "/profile/attachments",
        "401",
        "invalidKey",
        AuthenticationError,
        lambda hr: hr.profile.attachment.list_by_id(source_id="s", profile_id="p"),
    ),
    (
        "/profile/indexing/attachments",
        "400",
        "invalidSource",
        BadRequestError,
        lambda hr: hr.profile.attachment.list(source_key="s", key="k"),
    ),
    (
        "/profile/indexing/attachments",
        "401",
        "invalidKey",
        AuthenticationError,
        lambda hr: hr.profile.attachment.list(source_key="s", key="k"),
    ),
    (
        "/profile/indexing",
        "400",
        "invalidSourceFields",
        BadRequestError,
        lambda hr: hr.profile.indexing.get(source_key="s", key="k"),
    ),
]


@pytest.mark.parametrize(("path", "status", "name", "error_class", "call"), ERRORS)
def test_documented_errors(server, path, status, name, error_class, call):
    body = example("hrflow", path, "get", status, name)
    server.route("GET", "/v1" + path, Reply(int(status), body))
    with client(server) as hr, pytest.raises(error_class) as info:
        call(hr)
    assert info.value.status_code == int(status)
    assert isinstance(info.value.body, ErrorResponse)
    assert info.value.body.message == body["message"]
    assert body["message"] in str(info.value)


def test_default_base_url_is_the_spec_server():
    assert Hrflow(api_secret="k").base_url == "https://api.hrflow.ai/v1"
