"""Contract tests: the generated Crafter Profile client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from crafter_profile_client import AsyncCrafterProfile, CrafterProfile, InternalServerError, MissingCredentialsError
from crafter_profile_client.models import Attachment, Error
from helpers import example, run
from server import Reply

PATH = "/api/1/profile/{id}/attachments"
PROFILE_ID = "59284659d4c650213cc2f3fc"
OK = example("crafter", PATH, "get", "200", "attachments")
TOKEN = "e8f5170c-877b-416f-b70f-4b09772f8e2d"


def route(server, reply: Reply) -> None:
    server.route("GET", f"/crafter-profile/api/1/profile/{PROFILE_ID}/attachments", reply)


def check(result) -> None:
    assert isinstance(result, list) and isinstance(result[0], Attachment)
    assert result[0].file_size_bytes == 23193
    assert result[0].content_type == "image/jpeg"
    assert result[0].md5 == "498a1e16be56873ef53a1a61295d1781"
    assert [a.model_dump(by_alias=True, exclude_unset=True) for a in result] == OK


def check_sent(server) -> None:
    req = server.last()
    assert req.method == "GET"
    assert req.path == f"/crafter-profile/api/1/profile/{PROFILE_ID}/attachments"
    assert req.query == {"accessTokenId": [TOKEN]}


def test_list_sync(server):
    route(server, Reply(200, OK))
    with CrafterProfile(access_token_id=TOKEN, base_url=server.url + "/crafter-profile") as cp:
        check(cp.profile.attachments.list(PROFILE_ID))
    check_sent(server)


def test_list_async(server):
    route(server, Reply(200, OK))

    async def main():
        async with AsyncCrafterProfile(access_token_id=TOKEN, base_url=server.url + "/crafter-profile") as cp:
            return await cp.profile.attachments.list(PROFILE_ID)

    check(run(main()))
    check_sent(server)


def test_documented_500(server):
    body = example("crafter", PATH, "get", "500", "internal")
    route(server, Reply(500, body))
    with CrafterProfile(access_token_id=TOKEN, base_url=server.url + "/crafter-profile", max_retries=0) as cp:
        with pytest.raises(InternalServerError) as info:
            cp.profile.attachments.list(PROFILE_ID)
    assert info.value.status_code == 500
    assert isinstance(info.value.body, Error) and info.value.body.message == "Internal server error"
    assert TOKEN not in str(info.value)


def test_missing_token_sends_nothing(server, monkeypatch):
    monkeypatch.delenv("CRAFTER_ACCESS_TOKEN_ID", raising=False)
    with CrafterProfile(base_url=server.url + "/crafter-profile") as cp:
        with pytest.raises(MissingCredentialsError, match="access_token_id"):
            cp.profile.attachments.list(PROFILE_ID)
    assert server.requests == []


def test_default_base_url_is_the_spec_server():
    assert CrafterProfile(access_token_id="t").base_url == "http://localhost:8080/crafter-profile"
