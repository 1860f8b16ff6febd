"""Generic features of generated clients, over real HTTP, using the golden Feature Zoo package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import run
from server import Reply

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "features31"))

from features31_client import AsyncFeatureZoo, FeatureZoo, NotFoundError
from features31_client.models import Kind, NewPet, Pet

PET = {
    "id": 7,
    "name": "Rex",
    "class": "mammal",
    "kind": "dog",
    "birthDate": "2020-01-02",
    "labels": {"a": 1},
    "extra": {"kept": True},
}


def client(server) -> FeatureZoo:
    return FeatureZoo(bearer="tok", base_url=server.url, max_retries=0)


def test_query_styles_headers_and_cookies(server):
    server.route("GET", "/pets", Reply(200, [PET]))
    with client(server) as zoo:
        pets = zoo.pets.list(
            limit=5, tags=["a", "b"], filter={"color": "red"}, ids=[1, 2], x_request_id="rid", session="s 1"
        )
    req = server.last()
    assert req.query == {"limit": ["5"], "tags": ["a", "b"], "filter[color]": ["red"], "ids": ["1|2"]}
    assert req.headers["x-request-id"] == "rid"
    assert req.headers["cookie"] == "session=s%201"
    assert req.headers["authorization"] == "Bearer tok"
    assert pets[0].kind is Kind.DOG and pets[0].class_ == "mammal"
    assert pets[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == PET


def test_unknown_enum_value_and_fields_are_kept(server):
    server.route("GET", "/pets/1", Reply(200, {**PET, "kind": "axolotl", "new_field": [1]}))
    with client(server) as zoo:
        pet = zoo.pets.get(1)
    assert pet.kind.is_unknown and pet.kind.value == "axolotl"
    assert pet.model_dump(mode="json", by_alias=True)["new_field"] == [1]


def test_json_body_and_201(server):
    server.route("POST", "/pets", Reply(201, PET))
    with client(server) as zoo:
        pet = zoo.pets.create(body=NewPet(name="Rex", class_="mammal"))
    assert isinstance(pet, Pet)
    assert json.loads(server.last().body) == {"name": "Rex", "class": "mammal"}
    assert server.last().headers["content-type"] == "application/json"


def test_form_body_without_auth(server):
    server.route("POST", "/login", Reply(200, {"token": "t", "expires_at": "2030-01-01T00:00:00Z"}))
    with FeatureZoo(base_url=server.url) as zoo:
        result = zoo.login.login(username="u", password="p w")
    assert result.token == "t" and result.expires_at.year == 2030
    assert server.last().body == b"username=u&password=p+w"
    assert "authorization" not in server.last().headers


def test_binary_and_text_responses(server):
    server.route("GET", "/pets/3/photo", Reply(200, b"\x89PNG\r\n", content_type="image/png"))
    server.route("GET", "/health", Reply(200, "ok", content_type="text/plain"))
    with client(server) as zoo:
        assert zoo.pets.photos.download(3) == b"\x89PNG\r\n"
        assert zoo.health.get() == "ok"


def test_documented_empty_404(server):
    server.route("GET", "/pets/9", Reply(404, None))
    with client(server) as zoo, pytest.raises(NotFoundError) as info:
        zoo.pets.get(9)
    assert info.value.body == ""


def test_servers_and_variables():
    assert FeatureZoo(bearer="t").base_url == "https://api.example.com/v2"
    assert FeatureZoo(bearer="t", server="sandbox").base_url == "https://sandbox.example.com/v2"


def test_async_delete_returns_none(server):
    server.route("DELETE", "/pets/4", Reply(204, None))

    async def main():
        async with AsyncFeatureZoo(bearer="tok", base_url=server.url) as zoo:
            return await zoo.pets.delete(4)

    with pytest.warns(DeprecationWarning, match="DELETE /pets/{petId} is deprecated by the API"):
        assert run(main()) is None
    assert server.last().method == "DELETE"


def test_multipart_with_a_list_of_files_and_a_json_part(server, tmp_path):
    from email.parser import BytesParser
    from email.policy import HTTP

    doc = tmp_path / "vaccination.pdf"
    doc.write_bytes(b"%PDF-1.7 ...")
    server.route("POST", "/pets/3/documents", Reply(200, {"stored": 2}))
    with client(server) as zoo:
        result = zoo.pets.documents.upload(
            3, files=[doc, ("notes.txt", b"good dog", "text/plain")], metadata={"title": "T"}, replace=True
        )
    assert result.stored == 2
    req = server.last()
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {req.headers['content-type']}\r\n\r\n".encode() + req.body
    )
    got = [
        (p.get_param("name", header="content-disposition"), p.get_filename(), p.get_payload(decode=True))
        for p in message.iter_parts()
    ]
    assert got == [  # the schema's order; an object is one JSON part
        ("files", "vaccination.pdf", b"%PDF-1.7 ..."),
        ("files", "notes.txt", b"good dog"),
        ("metadata", None, b'{"title":"T"}'),
        ("replace", None, b"true"),
    ]
    assert [p.get_content_type() for p in message.iter_parts()][2] == "application/json"


def test_retry_safe_post_is_retried_and_octet_stream_body_streams_a_path(server, tmp_path):
    server.route("POST", "/pets/3/documents", [Reply(503, None), Reply(200, {"stored": 1})])
    with FeatureZoo(bearer="tok", base_url=server.url, max_retries=1) as zoo:
        assert zoo.pets.documents.upload(3, files=[b"x"]).stored == 1
        assert server.count("POST", "/pets/3/documents") == 2  # x-sdk-retry-safe: a POST that may be resent
        raw = tmp_path / "raw.bin"
        raw.write_bytes(b"\x00\x01raw")
        server.route("PUT", "/pets/3/documents", Reply(204, None))
        assert zoo.pets.documents.put_raw(3, body=raw) is None
    assert server.last().body == b"\x00\x01raw"
    assert server.last().headers["content-type"] == "application/octet-stream"


def test_cookies_a_response_sets_are_kept_by_the_client_it_owns(server):
    # The owned httpx client skips cookie extraction for responses that set none (a per-call saving);
    # one that sets a cookie still lands in the jar and goes back with the next request.
    server.route(
        "GET",
        "/pets",
        [Reply(200, [PET]), Reply(200, [PET], headers={"Set-Cookie": "track=abc; Path=/"}), Reply(200, [PET])],
    )
    with client(server) as zoo:
        zoo.pets.list()
        assert "cookie" not in server.last().headers
        zoo.pets.list()
        zoo.pets.list()
    assert server.last().headers["cookie"] == "track=abc"
