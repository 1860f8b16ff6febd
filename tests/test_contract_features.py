"""Generic features of generated clients, over real HTTP, using the golden Feature Zoo package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import run
from server import Reply

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "features31"))

from features31_client import AsyncFeatureZoo, FeatureZoo, NotFoundError  # noqa: E402
from features31_client.models import Kind, NewPet, Pet  # noqa: E402

PET = {"id": 7, "name": "Rex", "class": "mammal", "kind": "dog", "birthDate": "2020-01-02", "labels": {"a": 1}, "extra": {"kept": True}}


def client(server) -> FeatureZoo:
    return FeatureZoo(bearer="tok", base_url=server.url, max_retries=0)


def test_query_styles_headers_and_cookies(server):
    server.route("GET", "/pets", Reply(200, [PET]))
    with client(server) as zoo:
        pets = zoo.pets.list_pets(limit=5, tags=["a", "b"], filter={"color": "red"}, ids=[1, 2], x_request_id="rid", session="s 1")
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
        pet = zoo.pets.get_pet(1)
    assert pet.kind.is_unknown and pet.kind.value == "axolotl"
    assert pet.model_dump(mode="json", by_alias=True)["new_field"] == [1]


def test_json_body_and_201(server):
    server.route("POST", "/pets", Reply(201, PET))
    with client(server) as zoo:
        pet = zoo.pets.create_pet(body=NewPet(name="Rex", class_="mammal"))
    assert isinstance(pet, Pet)
    assert json.loads(server.last().body) == {"name": "Rex", "class": "mammal"}
    assert server.last().headers["content-type"] == "application/json"


def test_form_body_without_auth(server):
    server.route("POST", "/login", Reply(200, {"token": "t", "expires_at": "2030-01-01T00:00:00Z"}))
    with FeatureZoo(base_url=server.url) as zoo:
        result = zoo.login(username="u", password="p w")
    assert result.token == "t" and result.expires_at.year == 2030
    assert server.last().body == b"username=u&password=p+w"
    assert "authorization" not in server.last().headers


def test_binary_and_text_responses(server):
    server.route("GET", "/pets/3/photo", Reply(200, b"\x89PNG\r\n", content_type="image/png"))
    server.route("GET", "/health", Reply(200, "ok", content_type="text/plain"))
    with client(server) as zoo:
        assert zoo.pets.photos.download(3) == b"\x89PNG\r\n"
        assert zoo.get_health() == "ok"


def test_documented_empty_404(server):
    server.route("GET", "/pets/9", Reply(404, None))
    with client(server) as zoo, pytest.raises(NotFoundError) as info:
        zoo.pets.get_pet(9)
    assert info.value.body == ""


def test_servers_and_variables():
    assert FeatureZoo(bearer="t").base_url == "https://api.example.com/v2"
    assert FeatureZoo(bearer="t", server="sandbox").base_url == "https://sandbox.example.com/v2"


def test_async_delete_returns_none(server):
    server.route("DELETE", "/pets/4", Reply(204, None))

    async def main():
        async with AsyncFeatureZoo(bearer="tok", base_url=server.url) as zoo:
            return await zoo.pets.delete_pet(4)

    assert run(main()) is None
    assert server.last().method == "DELETE"
