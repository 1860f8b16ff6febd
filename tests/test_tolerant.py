"""Tolerant clients (docs/observations.md): a response that differs from the description is parsed all the
same, each difference is logged once and recorded in ``Observations``, strict mode raises, and nothing a
server sent (but vocabulary) reaches a log or an observations file.

Unit tests through a package generated from a small document, with mock transports; the lying-vendor
suite (tests/test_lying_vendor.py) drives real HTTP against the mock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import importlib
import json
import logging
import sys
import threading
from typing import Any

import httpx
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import generate_package
from generator.core.write import write_tree
from generator.speed import Speed

CANARY = "CANARY-7f3a"
SECRET = "whsec-tolerant-0001"

PET = {
    "type": "object",
    "required": ["id", "name", "shape"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "born": {"type": "string", "format": "date"},
        "seen": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "enum": ["cat", "dog"]},
        "nickname": {"type": "string"},
        "note": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "scores": {"type": "object", "additionalProperties": {"type": "integer"}},
        "meta": {"type": "object", "additionalProperties": True},
        "shape": {"$ref": "#/components/schemas/Shape"},
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Zoo", "version": "2.0.0"},
    "servers": [{"url": "https://zoo.example.com"}],
    "x-sdk-webhook-signature": {"scheme": "hmac-sha256", "header": "X-Signature"},
    "paths": {
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "A pet.", "content": {"application/json": {"schema": PET}}},
                    "404": {"description": "Not found."},
                },
            }
        },
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "Pets.",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                            }
                        },
                    }
                },
            }
        },
    },
    "webhooks": {
        "pet.born": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Born"}}}},
                "responses": {"200": {"description": "Received."}},
            }
        },
        "pet.gone": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}},
                "responses": {"200": {"description": "Received."}},
            }
        },
    },
    "components": {
        "schemas": {
            "Pet": PET,
            "Circle": {
                "type": "object",
                "required": ["kind", "radius"],
                "properties": {"kind": {"const": "circle"}, "radius": {"type": "number"}},
            },
            "Square": {
                "type": "object",
                "required": ["kind", "side"],
                "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
            },
            "Shape": {
                "oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"circle": "#/components/schemas/Circle", "square": "#/components/schemas/Square"},
                },
            },
            "Born": {
                "type": "object",
                "required": ["event", "pet_id"],
                "properties": {"event": {"const": "pet.born"}, "pet_id": {"type": "integer"}},
            },
            "Gone": {
                "type": "object",
                "required": ["event", "pet_id", "reason"],
                "properties": {
                    "event": {"const": "pet.gone"},
                    "pet_id": {"type": "integer"},
                    "reason": {"type": "string"},
                },
            },
        }
    },
}

GOOD: dict[str, Any] = {
    "id": 7,
    "name": "Tom",
    "born": "2020-01-02",
    "seen": "2026-12-05T10:00:00Z",
    "kind": "cat",
    "note": None,
    "tags": ["a"],
    "scores": {"speed": 3},
    "meta": {"anything": [1, 2]},
    "shape": {"kind": "circle", "radius": 1.5},
}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("tolerant")
    spec = root / "zoo.json"
    spec.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    result = generate_package(spec, name="zootolerant", speed=Speed(cache=None, workers=False))
    assert result.ok, [f"{d.code} {d.pointer}: {d.message}" for d in result.diagnostics.errors]
    write_tree(root / "out", result.files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("zootolerant_client")
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == "zootolerant_client"]:
            del sys.modules[name]


def client(zoo: Any, body: Any, *, status: int = 200, content_type: str = "application/json", **kwargs: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=raw, headers={"content-type": content_type})

    return zoo.Zoo(
        base_url="https://zoo.example.com",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
        **kwargs,
    )


def findings(observations: Any) -> dict[tuple[str, str], dict[str, Any]]:
    data = observations.to_dict()
    return {(f["kind"], f["pointer"]): f for op in data["operations"].values() for f in op["findings"]}


def test_a_matching_body_is_parsed_strictly_and_records_only_the_call(zoo):
    seen = zoo.Observations()
    pet = client(zoo, GOOD, observe=seen, strict_responses=True).pets.get("7")
    assert pet.id == 7 and pet.shape.radius == 1.5 and pet.born.isoformat() == "2020-01-02"
    data = seen.to_dict()
    assert data["format"] == "specgen-observations/1" and data["api_version"] == "2.0.0"
    assert data["operations"] == {"GET /pets/{id}": {"calls": 1, "statuses": {"200": 1}, "findings": []}}


DEVIATIONS: list[tuple[str, Any, str, str, str | None]] = [
    # (what, body change, kind, pointer, observed)
    ("unknown property", {"colour": "red"}, "unknown-property", "/colour", "string"),
    ("unknown enum value", {"kind": "parrot"}, "unknown-enum-value", "/kind", "parrot"),
    ("integer as string", {"id": "87"}, "type-mismatch", "/id", "string"),
    ("date-time for a date", {"born": "2020-01-02T00:00:00Z"}, "type-mismatch", "/born", "string (date-time)"),
    ("unix time for a date-time", {"seen": 1700000000}, "type-mismatch", "/seen", "integer"),
    ("null where required", {"name": None}, "unexpected-null", "/name", "null"),
    ("null for an optional non-nullable", {"nickname": None}, "unexpected-null", "/nickname", "null"),
    ("item of another type", {"tags": ["a", 5]}, "type-mismatch", "/tags/*", "integer"),
    ("map value of another type", {"scores": {"speed": "fast"}}, "type-mismatch", "/scores/*", "string"),
    ("unknown tag", {"shape": {"kind": "hexagon", "sides": 6}}, "unknown-discriminator", "/shape", "hexagon"),
    ("member drifted", {"shape": {"kind": "square", "side": "2"}}, "type-mismatch", "/shape/side", "string"),
]


@pytest.mark.parametrize(("what", "change", "kind", "pointer", "observed"), DEVIATIONS, ids=[d[0] for d in DEVIATIONS])
def test_each_deviation_returns_is_recorded_and_strict_raises(zoo, what, change, kind, pointer, observed):
    body = {**GOOD, **change}
    seen = zoo.Observations()
    pet = client(zoo, body, observe=seen).pets.get("7")
    assert type(pet).__name__ == "GetPetResponse" or isinstance(pet, zoo.models.Pet)
    found = findings(seen)
    assert list(found) == [(kind, pointer)], found
    entry = found[(kind, pointer)]
    assert entry["count"] == 1 and entry["where"] == "200 application/json"
    if kind in ("unknown-enum-value", "unknown-discriminator"):
        assert entry["values"] == {observed: 1}
    elif observed is not None:
        assert entry["observed"] == observed
    with pytest.raises(zoo.ResponseValidationError) as raised:
        client(zoo, body).pets.get("7", strict_responses=True)
    field = pointer.split("/")[1]
    assert (kind in str(raised.value) or f"({field}" in str(raised.value)) and raised.value.body == json.dumps(body)


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_values_that_do_not_fit_are_kept_as_received_and_the_rest_parsed(zoo):
    body = {**GOOD, "id": "87", "born": "2020-01-02T00:00:00Z", "kind": "parrot", "colour": "red"}
    del body["name"]
    pet = client(zoo, body).pets.get("7")
    assert pet.id == "87"  # not coerced to 87: the description is wrong, and the caller sees what was sent
    assert pet.born == "2020-01-02T00:00:00Z" and pet.name is None
    assert pet.kind.value == "parrot" and pet.kind.is_unknown
    assert pet.seen.year == 2026 and pet.shape.radius == 1.5  # what fits is parsed as usual
    assert pet.model_extra == {"colour": "red"}
    assert pet.model_dump(by_alias=True, exclude_unset=True)["colour"] == "red"


def test_an_unknown_tag_is_an_unknown_variant_never_a_member(zoo):
    pet = client(zoo, {**GOOD, "shape": {"kind": "hexagon", "radius": 2}}).pets.get("7")
    assert type(pet.shape) is zoo.UnknownVariant and pet.shape.tag == "hexagon"
    assert pet.shape.model_dump() == {"kind": "hexagon", "radius": 2}  # a Circle would have taken it


def test_array_items_fold_into_one_place_counted_once_per_response(zoo):
    seen = zoo.Observations()
    api = client(zoo, [{**GOOD, "id": "1"}, {**GOOD, "id": "2"}, GOOD], observe=seen)
    pets = api.pets.list()
    api.pets.list()
    assert [p.id for p in pets] == ["1", "2", 7]
    entry = findings(seen)[("type-mismatch", "/*/id")]
    assert entry["count"] == 2 and seen.to_dict()["operations"]["GET /pets"]["calls"] == 2


def test_an_undocumented_success_status_parses_as_the_documented_success(zoo):
    seen = zoo.Observations()
    pet = client(zoo, GOOD, status=203, observe=seen).pets.get("7")
    assert pet is not None and pet.id == 7
    entry = findings(seen)[("undocumented-status", "")]
    assert entry["where"] == "203" and entry["values"] == {"203": 1}
    with pytest.raises(zoo.ResponseValidationError):
        client(zoo, GOOD, status=203, strict_responses=True).pets.get("7")


def test_an_undocumented_json_media_type_is_recorded(zoo):
    seen = zoo.Observations()
    pet = client(zoo, GOOD, content_type="application/vnd.zoo.v2+json; charset=utf-8", observe=seen).pets.get("7")
    assert pet.id == 7
    entry = findings(seen)[("undocumented-content-type", "")]
    assert entry["values"] == {"application/vnd.zoo.v2+json": 1} and entry["expected"] == "application/json"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Bad gateway</body></html>", "text/html"),
        (b'{"id": 7, "name": ', "application/json"),
        (b'[{"id": 7}]', "application/json"),
        (b'"just a string"', "application/json"),
    ],
    ids=["html", "truncated-json", "array-for-object", "string-for-object"],
)
def test_a_body_that_cannot_be_read_still_raises_with_the_raw_text(zoo, body, content_type):
    with pytest.raises(zoo.ResponseValidationError) as raised:
        client(zoo, body, content_type=content_type).pets.get("7")
    assert raised.value.body == body.decode()


def test_strict_is_taken_from_the_constructor_with_options_and_the_call(zoo):
    body = {**GOOD, "colour": "red"}
    assert client(zoo, body).pets.get("7").id == 7
    with pytest.raises(zoo.ResponseValidationError):
        client(zoo, body, strict_responses=True).pets.get("7")
    with pytest.raises(zoo.ResponseValidationError):
        client(zoo, body).with_options(strict_responses=True).pets.get("7")
    assert client(zoo, body, strict_responses=True).pets.get("7", strict_responses=False).id == 7


def test_each_place_is_logged_once_at_warning_without_values(zoo, caplog):
    from zootolerant_client import _observations

    _observations._LOGGED.clear()  # once per process: forget what other tests logged
    body = {**GOOD, "name": 404, "kind": "parrot", "nickname": None, "canary": CANARY, "shape": {"kind": CANARY}}
    body["tags"] = [CANARY, 3]
    with caplog.at_level(logging.DEBUG):
        api = client(zoo, body)
        api.pets.get("7")
        api.pets.get("7")
    records = [r for r in caplog.records if r.name == "zootolerant_client" and r.levelno == logging.WARNING]
    places = [r.getMessage() for r in records]
    assert len(places) == len(set(places)) >= 5
    assert any("/name" in p and "documented string, received integer" in p for p in places)
    assert CANARY not in caplog.text and "parrot" not in caplog.text


def test_observations_with_a_path_merge_into_the_file_on_close(zoo, tmp_path):
    path = tmp_path / "obs" / "zoo.json"
    for _ in range(2):
        with client(zoo, {**GOOD, "colour": "red"}, observe=path) as api:
            api.pets.get("7")
            api.with_options(timeout=5).pets.get("7")  # a derived client records into the same file
    data = json.loads(path.read_text())
    op = data["operations"]["GET /pets/{id}"]
    assert op["calls"] == 4 and op["findings"][0]["count"] == 4
    assert zoo.Observations.load(path).to_dict()["operations"] == data["operations"]
    path.write_text(json.dumps({"format": "something-else/9"}))
    with pytest.raises(ValueError, match="specgen-observations/1"):
        zoo.Observations.load(path)


def test_observations_are_bounded_and_thread_safe(zoo):
    from zootolerant_client import _observations

    seen = zoo.Observations()
    wide = {**GOOD, **{f"extra_{i}": i for i in range(_observations.MAX_PER_OPERATION + 50)}}
    client(zoo, wide, observe=seen).pets.get("7")
    op = seen.to_dict()["operations"]["GET /pets/{id}"]
    assert len(op["findings"]) == _observations.MAX_PER_OPERATION and op["dropped"] == 50

    shared = zoo.Observations()
    api = client(zoo, {**GOOD, "kind": "parrot"}, observe=shared)

    def calls() -> None:
        for _ in range(25):
            api.pets.get("7")

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    entry = findings(shared)[("unknown-enum-value", "/kind")]
    assert entry["count"] == 200 and entry["values"] == {"parrot": 200}


def test_enum_values_that_do_not_look_like_vocabulary_are_never_recorded(zoo):
    seen = zoo.Observations()
    client(zoo, {**GOOD, "kind": "Ms. Jane Doe <jane@example.com>"}, observe=seen).pets.get("7")
    entry = findings(seen)[("unknown-enum-value", "/kind")]
    assert "values" not in entry and entry["observed"] == "string"
    assert "jane" not in json.dumps(seen.to_dict())


def test_async_clients_tolerate_and_observe_alike(zoo):
    seen = zoo.Observations()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**GOOD, "id": "x"})

    async def main() -> Any:
        async with zoo.AsyncZoo(
            base_url="https://zoo.example.com",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
            observe=seen,
        ) as api:
            return await api.pets.get("7")

    assert asyncio.run(main()).id == "x"
    assert ("type-mismatch", "/id") in findings(seen)


# -- webhooks ------------------------------------------------------------------------------------------


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


def test_an_unknown_webhook_event_is_typed_only_after_its_signature_passed(zoo):
    from zootolerant_client.webhooks import Webhooks

    seen = zoo.Observations()
    hooks = Webhooks(SECRET, observe=seen)
    body, headers = signed({"event": "pet.adopted", "pet_id": 3})
    adopted = hooks.unwrap(body, headers, event="pet.adopted")
    assert type(adopted).__name__ == "UnknownEvent" and adopted.event_name == "pet.adopted"
    assert adopted.model_dump() == {"event": "pet.adopted", "pet_id": 3}
    unnamed = hooks.unwrap(body, headers)  # fits neither event's schema (its const says otherwise)
    assert type(unnamed).__name__ == "UnknownEvent" and unnamed.event_name is None
    with pytest.raises(zoo.InvalidWebhookSignatureError):
        hooks.unwrap(body, {"X-Signature": "0" * 64}, event="pet.adopted")
    record = seen.to_dict()["webhooks"]["*"]
    assert record["deliveries"] == 2 and record["findings"][0]["values"] == {"pet.adopted": 1}
    with pytest.raises(zoo.InvalidWebhookPayloadError):
        Webhooks(SECRET, strict=True).unwrap(body, headers, event="pet.adopted")


def test_a_known_event_that_drifted_is_parsed_and_recorded(zoo):
    from zootolerant_client.webhooks import Webhooks

    seen = zoo.Observations()
    body, headers = signed({"event": "pet.gone", "pet_id": "3", "reason": "adopted", "by": "shelter"})
    gone = Webhooks(SECRET, observe=seen).unwrap(body, headers, event="pet.gone")
    assert type(gone).__name__ == "Gone" and gone.pet_id == "3" and gone.reason == "adopted"
    kinds = {(f["kind"], f["pointer"]) for f in seen.to_dict()["webhooks"]["pet.gone"]["findings"]}
    assert kinds == {("type-mismatch", "/pet_id"), ("unknown-property", "/by")}
    with pytest.raises(zoo.InvalidWebhookPayloadError):
        Webhooks(SECRET, strict=True).unwrap(body, headers, event="pet.gone")
    exact, headers = signed({"event": "pet.born", "pet_id": 3})
    assert Webhooks(SECRET, strict=True).unwrap(exact, headers).pet_id == 3


# -- any value in any field ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20).map(lambda t: CANARY + t),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from([*sorted(PET["properties"]), "undeclared"]), value=JSON)
def test_any_value_in_any_field_returns_and_records_no_value(zoo, field, value):
    seen = zoo.Observations()
    pet = client(zoo, {**GOOD, field: value}, observe=seen).pets.get("7")
    assert pet is not None and (field == "id" or pet.id == 7)
    if field not in ("kind", "shape"):  # an enum value or a tag is recorded when it looks like a word
        assert CANARY not in json.dumps(seen.to_dict())
    again = client(zoo, {**GOOD, field: value}, strict_responses=True)
    if findings(seen):
        with pytest.raises(zoo.ResponseValidationError):
            again.pets.get("7")
    else:
        assert again.pets.get("7") == pet


def test_the_observations_file_names_the_generator_and_no_secret(zoo, tmp_path):
    path = tmp_path / "o.json"
    token = base64.b64encode(b"secret").decode()
    with client(zoo, {**GOOD, "colour": token}, observe=path) as api:
        api.pets.get("7")
    text = path.read_text()
    assert token not in text and json.loads(text)["generator"] == "specgen"


def test_query_values_never_reach_a_log(zoo, caplog):
    with caplog.at_level(logging.DEBUG):
        client(zoo, [GOOD]).pets.list(q=CANARY)
    assert CANARY not in caplog.text and "q=***" in caplog.text


@pytest.mark.parametrize("depth", [100, 1_000, 50_000])
def test_a_deeply_nested_value_is_bounded_never_a_recursion_error(zoo, depth):
    # Strict validation, the tolerant walk and the observing walk all meet it: each either parses it or
    # says the body cannot be read, and the call never fails with a RecursionError or hangs.
    nested = "[" * depth + "]" * depth
    for body in (
        json.dumps({**GOOD, "meta": None})[:-1] + f', "deep": {nested}}}',
        json.dumps({**GOOD, "id": "x"})[:-1] + f', "deep": {nested}}}',
    ):
        for observe in (None, zoo.Observations()):
            try:
                pet = client(zoo, body.encode(), observe=observe).pets.get("7")
            except zoo.ResponseValidationError as exc:
                assert exc.body == body
            else:
                assert pet.name == "Tom"


class NestA(pydantic.BaseModel):
    a: int
    kids: list[NestA | NestB | NestC] | None = None


class NestB(pydantic.BaseModel):
    b: int
    kids: list[NestA | NestB | NestC] | None = None


class NestC(pydantic.BaseModel):
    c: int
    kids: list[NestA | NestB | NestC] | None = None


def test_a_union_nested_in_its_own_members_is_repaired_in_time_linear_in_the_body(zoo, monkeypatch):
    # A recursive oneOf (each member holds a list of the same union) with one value of the wrong type at
    # the bottom: no member fits anywhere, so every union tries every member. Each member is tried once
    # per place, not once per path through the members above it (3^depth builds, a hang a server could
    # cause at depth 12).
    tolerant = importlib.import_module("zootolerant_client._tolerant")
    calls = 0
    real = tolerant.build

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(tolerant, "build", counted)
    depth = 14
    body: dict[str, Any] = {"a": "not a number"}
    for _ in range(depth):
        body = {"a": 1, "kids": [body]}
    walk = tolerant.Walk("GET /x 200")
    made = tolerant.build(NestA | NestB | NestC, body, "", walk)
    assert calls < 60 * depth, calls  # about 3^14 = 4.8 million before
    leaf = "/kids/*" * depth + "/a"  # array items fold into one place
    assert any(f.pointer == leaf and f.kind == "type-mismatch" for f in walk.findings), walk.findings
    for _ in range(depth):
        assert isinstance(made, NestA)
        made = made.kids[0]
    # Items at one place are each their own value: two siblings, one of each member, stay apart.
    walk = tolerant.Walk("GET /x 200")
    pair = tolerant.build(NestA, {"a": 1, "kids": [{"b": 2}, {"c": "x"}, {"b": 3}]}, "", walk)
    assert [type(kid).__name__ for kid in pair.kids] == ["NestB", "NestC", "NestB"]
    assert [kid.b for kid in (pair.kids[0], pair.kids[2])] == [2, 3]


def test_a_walk_keeps_a_bounded_number_of_findings_and_counts_the_rest(zoo):
    tolerant = importlib.import_module("zootolerant_client._tolerant")
    walk = tolerant.Walk("GET /x 200")
    for i in range(tolerant.MAX_WALK_FINDINGS + 500):
        walk.add("type-mismatch", f"/{i}")
        walk.add("unknown-property", f"/{i}/x")
    assert len(walk.findings) == tolerant.MAX_WALK_FINDINGS
    assert walk.hard() == tolerant.MAX_WALK_FINDINGS + 500  # the dropped ones still tell members apart
