"""What calls put on the wire: one case per serialization rule of ``tests/specs/wire31.yaml``, against a
real server on 127.0.0.1, with the exact bytes expected (sync and async clients alike). Every request a
test sends is then judged against the description by an independent validator (openapi-core, in its
own virtualenv: ``tools/judge.py``), and so is every reply the test server gave it."""

from __future__ import annotations

import ast
import email.parser
import email.policy
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import judged, through
from server import Reply

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "wire31"))

from wire31_client import APIStatusError, AsyncWireRules, RetryPolicy, WireRules
from wire31_client.models import (
    Address,
    Employee,
    EmployeesFilter,
    GetReportPoint,
    SearchColor,
    SearchXPoint,
    SendBundleMeta,
    Shipping,
)

MODES = ("sync", "async")
FAST = RetryPolicy(initial_delay=0.01)
SPEC = Path(__file__).resolve().parent / "specs" / "wire31.yaml"
#: What no validator here can judge: deepObject arrays and nested objects (OpenAPI leaves them
#: undefined), and label and matrix path parameters (openapi-core does not read them).
NOT_JUDGED = {("POST", "/charges/ch_1"), ("GET", "/reports/")}
#: Replies the description itself gets wrong: it documents a body on a 204, which HTTP forbids.
REPLY_NOT_JUDGED = {("POST", "/employees")}


@pytest.fixture
def server(server):
    """The recording server; every request sent to it, and its reply, is judged by openapi-core."""
    yield server
    judged_here = [r for r in server.requests if not any(r.method == m and r.path.startswith(p) for m, p in NOT_JUDGED)]
    if judged_here:
        replies = [
            None if (r.method, r.path) in REPLY_NOT_JUDGED else server.routes.get((r.method, r.path))
            for r in judged_here
        ]
        verdicts = judged(SPEC, "https://api.example.com", judged_here, replies)
        assert [v["request"] for v in verdicts] == [None] * len(verdicts), verdicts
        assert [v["response"] for v in verdicts if v["response"] != "not judged"] == [None] * sum(
            v["response"] != "not judged" for v in verdicts
        ), verdicts


def call(server, mode, fn):
    return through(mode, WireRules, AsyncWireRules, {"base_url": server.url, "max_retries": 0}, fn)


@pytest.mark.parametrize("mode", MODES)
def test_form_body_nested_values_in_bracket_form(server, mode):
    server.route("POST", "/charges", Reply(200, {"id": "ch_1", "amount": 1000}))
    charge = call(
        server,
        mode,
        lambda c: c.charges.create(
            amount=1000, currency="usd", metadata={"order": "42"}, tags=["a", "b"], options={"capture": False}
        ),
    )
    assert charge.id == "ch_1"
    request = server.last()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qsl(request.body.decode(), keep_blank_values=True) == [
        ("amount", "1000"),
        ("currency", "usd"),
        ("metadata[order]", "42"),
        ("tags", "a"),
        ("tags", "b"),
        ("options", '{"capture":false}'),  # encoding contentType: application/json
    ]


@pytest.mark.parametrize("mode", MODES)
def test_form_body_arrays_and_nested_objects_in_stripes_bracket_form(server, mode):
    server.route("POST", "/charges/ch_1", Reply(200, {"id": "ch_1"}))
    call(
        server,
        mode,
        lambda c: c.charges.update(
            "ch_1", expand=["customer", "invoice"], shipping=Shipping(name="Ada", address=Address(city="Paris"))
        ),
    )
    assert urllib.parse.parse_qsl(server.last().body.decode()) == [
        ("expand[0]", "customer"),
        ("expand[1]", "invoice"),
        ("shipping[name]", "Ada"),
        ("shipping[address][city]", "Paris"),  # unset line1 left out
    ]


def test_a_form_value_its_style_cannot_carry_is_a_type_error_before_sending(server):
    with WireRules(base_url=server.url, max_retries=0) as c, pytest.raises(TypeError, match="tags"):
        c.charges.create(amount=1, currency="usd", tags=[{"nested": "object"}])  # type: ignore[list-item]
    assert server.requests == []


def _parts(request, headers: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """(name, part content type, text, *the values of ``headers``) of each part of a multipart request."""
    raw = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + request.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    out = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        explicit = part.get("content-type")
        kind = None if explicit is None else part.get_content_type()
        out.append((name, kind, part.get_payload(decode=True).decode(), *(part.get(h) for h in headers)))
    return out


@pytest.mark.parametrize("mode", MODES)
def test_multipart_without_a_file_stays_multipart_with_json_and_repeated_parts(server, mode):
    server.route("POST", "/uploads", Reply(204))
    assert call(server, mode, lambda c: c.uploads.upload(name="report", meta={"size": 3}, labels=["x", "y"])) is None
    request = server.last()
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert _parts(request) == [
        ("name", None, "report"),
        ("meta", "application/json", '{"size":3}'),
        ("labels", None, "x"),
        ("labels", None, "y"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_multipart_mixed_keeps_its_media_type_and_a_file_part_carries_its_own_headers(server, mode):
    server.route("POST", "/bundles", Reply(204))
    part = ("cv.pdf", b"%PDF-1.7", "application/pdf", {"X-Checksum": "abc"})
    call(server, mode, lambda c: c.bundles.send(meta=SendBundleMeta(title="cv"), file=part))
    request = server.last()
    assert request.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert _parts(request, ("x-checksum",)) == [
        ("meta", "application/json", '{"title":"cv"}', None),
        ("file", "application/pdf", "%PDF-1.7", "abc"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_deep_object_query_parameter_given_as_a_model_sends_only_what_was_set(server, mode):
    server.route("GET", "/employees", Reply(200, []))
    call(server, mode, lambda c: c.employees.list(filter=EmployeesFilter(company_id="1")))
    assert server.last().query == {"filter[company_id]": ["1"]}


@pytest.mark.parametrize("mode", MODES)
def test_json_array_of_models_leaves_unset_fields_out_at_every_depth_and_204_is_not_parsed(server, mode):
    server.route("POST", "/employees", Reply(204, headers={"Content-Type": "application/json"}))
    fetched = Employee.model_validate({"id": "e1", "first_name": "Grace"})  # id: readOnly, never sent
    body = [Employee(first_name="Ada", manager=fetched), Employee(first_name="Alan")]
    assert call(server, mode, lambda c: c.employees.create(body=body)) is None
    assert json.loads(server.last().body) == [
        {"first_name": "Ada", "manager": {"first_name": "Grace"}},
        {"first_name": "Alan"},
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_path_fragment_never_swallows_the_query(server, mode):
    server.route("GET", "/tags", Reply(200, {"env": "prod"}))
    tags = call(server, mode, lambda c: c.tags.list(resource_arn="arn:aws:x"))
    assert tags == {"env": "prod"}  # TagKey is allOf [a string, a description]: a string
    assert server.last().path == "/tags" and server.last().query == {"resourceArn": ["arn:aws:x"]}


@pytest.mark.parametrize("mode", MODES)
def test_accept_names_the_media_type_the_operation_produces(server, mode):
    server.route("GET", "/locations", Reply(200, ["Paris"], content_type="application/vnd.example+json"))
    assert call(server, mode, lambda c: c.locations.list()) == ["Paris"]
    assert server.last().headers["accept"] == "application/vnd.example+json"


@pytest.mark.parametrize("mode", MODES)
def test_path_parameters_in_label_matrix_and_exploded_simple_style(server, mode):
    server.route("GET", "/reports/.daily/;range=1,2/x=3,y=4", Reply(200, {}))
    call(server, mode, lambda c: c.reports.get("daily", [1, 2], GetReportPoint(x=3, y=4)))
    assert server.last().path == "/reports/.daily/;range=1,2/x=3,y=4"


def test_a_path_value_is_percent_encoded_inside_its_style(server):
    server.route("GET", "/reports/.a%2Fb/;range=1/x=3", Reply(200, {}))
    with WireRules(base_url=server.url, max_retries=0) as c:
        c.reports.get("a/b", [1], {"x": 3})  # type: ignore[arg-type]
    assert server.last().path == "/reports/.a%2Fb/;range=1/x=3"


@pytest.mark.parametrize("mode", MODES)
def test_query_header_and_cookie_styles_allow_reserved_and_json_content(server, mode):
    server.route("GET", "/search", Reply(200, ["hit"]))
    hits = call(
        server,
        mode,
        lambda c: c.search.search(
            path="/docs/a:b",
            where={"age": 3},
            ids=[1, 2],
            words=["a", "b"],
            color=SearchColor(R=100, G=200),
            x_point=SearchXPoint(x=1, y=2),
            x_tags=["t1", "t2"],
            prefs=["dark", "wide"],
        ),
    )
    assert hits == ["hit"]
    request = server.last()
    assert request.raw_query == (
        "path=/docs/a:b"  # allowReserved: "/" and ":" as they are
        "&where=%7B%22age%22%3A3%7D"  # content application/json
        "&ids=1%7C2&words=a+b"  # pipeDelimited, spaceDelimited
        "&color=R%2C100%2CG%2C200"  # form, not exploded: an object as k,v,k,v
    )
    assert request.headers["x-point"] == "x=1,y=2"  # simple, exploded
    assert request.headers["x-tags"] == "t1,t2"
    assert request.headers["cookie"] == "prefs=dark,wide"


def test_a_header_value_its_style_cannot_carry_is_a_type_error_before_sending(server):
    with WireRules(base_url=server.url, max_retries=0) as c, pytest.raises(TypeError, match="X-Tags"):
        c.search.search(x_tags=[["nested"]])  # type: ignore[list-item]
    assert server.requests == []


def test_the_judge_rejects_what_the_description_does_not_allow(server):
    # The judge can fail: a JSON property sent as a Python repr, a missing required property, and an
    # AWS-style request whose query went into the path's fragment (as an older runtime sent them).
    from server import Recorded

    def form(body: str) -> Recorded:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return Recorded("POST", "/charges", {}, headers, body.encode())

    bad = [
        form("amount=1000&currency=usd&options=%7B%27capture%27%3A+False%7D"),  # a JSON part sent as a repr
        form("currency=usd"),
        Recorded("GET", "/tags", {}, {}, b"", raw_query=""),  # the query lost in a fragment
    ]
    verdicts = judged(SPEC, "https://api.example.com", bad)
    assert all(v["request"] for v in verdicts), verdicts


def test_a_body_documented_on_a_no_body_status_is_said_and_ignored():
    from generator import generate_package

    result = generate_package(Path(__file__).resolve().parent / "specs" / "wire31.yaml", name="wire31")
    said = [(d.code, d.pointer) for d in result.diagnostics.warnings]
    assert ("W421", "/paths/~1employees/post/responses/204/content") in said
    # GET /tags now lives in the tags resource (the first path segment names it), and its endpoint there
    # carries the path the runtime sends: "/tags", never the documented "/tags#resourceArn" (kept aside
    # as documented_path, for messages only).
    endpoints = result.files["wire31_client/resources/tags.py"]
    (endpoint,) = [
        node
        for node in ast.walk(ast.parse(endpoints))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Endpoint"
    ]
    sent_path = endpoint.args[1]
    assert '"/tags"' in endpoints and isinstance(sent_path, ast.Constant) and sent_path.value == "/tags"


@pytest.mark.parametrize("mode", MODES)
def test_read_only_and_write_only_apply_to_one_direction_each(server, mode):
    # OpenAPI 3.0: a required readOnly property is required in responses only, a required writeOnly one
    # in requests only. One model serves both: building a request needs no id (mypy accepts it, see
    # tests/test_typecheck.py), a model read off a response is sent without its id, and a response
    # without the password parses. Request and reply are judged against the description.
    sys.path.insert(0, str(Path(__file__).resolve().parent / "golden" / "directions30"))
    from directions30_client import AsyncDirections, Directions
    from directions30_client.models import Employee as Person

    spec = Path(__file__).resolve().parent / "specs" / "directions30.yaml"
    reply = Reply(201, {"id": "e1", "first_name": "Ada"})
    server.route("POST", "/employees", reply)
    boss = Person.model_validate({"id": "e0", "first_name": "Grace", "password": "g"})
    made = through(
        mode,
        Directions,
        AsyncDirections,
        {"base_url": server.url, "max_retries": 0},
        lambda c: c.employees.create(body=Person(first_name="Ada", password="pw", manager=boss)),
    )
    assert made.id == "e1" and made.password is None
    sent = json.loads(server.last().body)
    assert sent == {"first_name": "Ada", "password": "pw", "manager": {"first_name": "Grace", "password": "g"}}
    verdicts = judged(spec, "https://hris.example.com", [server.last()], [reply])
    assert verdicts == [{"request": None, "response": None}]
    server.requests.clear()  # judged against its own description above


@pytest.mark.parametrize("mode", MODES)
def test_a_discriminated_union_parses_by_its_tag_and_sends_by_alias(server, mode):
    from wire31_client.models import Cat, Dog

    server.route("POST", "/pets", Reply(200, {"petType": "dog", "name": "Rex", "goodBoy": True}))
    stored = call(server, mode, lambda c: c.pets.create(body=Cat(pet_type="cat", name="Tom")))
    assert isinstance(stored, Dog) and stored.good_boy is True
    assert json.loads(server.last().body) == {"petType": "cat", "name": "Tom"}


def test_a_discriminated_union_reports_only_the_tagged_member_and_keeps_unknown_tags():
    import pydantic
    from wire31_client.models import Cat, Dog, Pet

    adapter = pydantic.TypeAdapter(Pet)
    assert isinstance(adapter.validate_python({"petType": "cat", "name": "Tom", "goodBoy": 1}), Cat)
    with pytest.raises(pydantic.ValidationError) as failed:
        adapter.validate_python({"petType": "dog"})  # a dog without a name
    assert [e["loc"] for e in failed.value.errors()] == [("dog", "name")]  # the Dog's error alone
    # A kind this version does not know is an UnknownVariant keeping what was sent, never a member the
    # tag does not name (a plain union would take Dog here, had it not pinned its tag).
    from wire31_client import UnknownVariant

    parrot = adapter.validate_python({"petType": "parrot", "name": "Polly"})
    assert type(parrot) is UnknownVariant and parrot.tag == "parrot"
    assert parrot.model_dump() == {"petType": "parrot", "name": "Polly"}
    # Without a tag, each member is tried as a plain union would (both pin their tag: both refuse it).
    with pytest.raises(pydantic.ValidationError) as untagged:
        adapter.validate_python({"name": "Polly"})
    assert {e["loc"][1] for e in untagged.value.errors()} == {"Cat", "Dog"}
    assert isinstance(Dog(pet_type="dog", name="Rex"), Dog)


@pytest.mark.parametrize("mode", MODES)
def test_the_request_id_header_the_api_names_is_on_errors_and_raw_responses(server, mode):
    from wire31_client import APIStatusError

    server.route("GET", "/locations", Reply(503, {"message": "down"}, headers={"X-Trace-Id": "tr-42"}))
    with pytest.raises(APIStatusError) as failed:
        call(server, mode, lambda c: c.locations.list(max_retries=0))
    assert failed.value.request_id == "tr-42" and "(request id tr-42)" in str(failed.value)
    server.route(
        "GET",
        "/locations",
        Reply(200, ["Paris"], content_type="application/vnd.example+json", headers={"X-Trace-Id": "tr-43"}),
    )
    raw = call(server, mode, lambda c: c.with_raw_response.locations.list())
    assert raw.request_id == "tr-43" and raw.parsed == ["Paris"]
    server.requests.clear()  # the 503 is not a reply the description documents


def test_a_request_id_header_that_is_no_header_name_is_said_and_the_default_read(tmp_path):
    from generator import generate_package

    doc = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    doc["x-sdk-request-id-header"] = "X-Trace-Id\nX-Injected: 1"
    spec = tmp_path / "request-id.yaml"
    spec.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = generate_package(spec, name="rid")
    assert ("W433", "/x-sdk-request-id-header") in [(d.code, d.pointer) for d in result.diagnostics.warnings]
    assert "    _request_id_header = " not in result.files["rid_client/client.py"]


@pytest.mark.parametrize("mode", MODES)
def test_an_idempotency_key_is_made_once_per_call_and_kept_across_its_retries(server, mode):
    server.route("POST", "/charges", [Reply(503, {}), Reply(503, {}), Reply(200, {"id": "ch_1"})])
    kwargs = {"base_url": server.url, "max_retries": 2, "retry_policy": FAST}
    through(mode, WireRules, AsyncWireRules, kwargs, lambda c: c.charges.create(amount=1, currency="usd"))
    keys = [r.headers["idempotency-key"] for r in server.requests]
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0].startswith("specgen-")  # a POST, retried with it
    server.requests.clear()  # the 503s are not replies the description documents


def test_a_key_given_per_call_is_sent_and_a_post_without_one_is_not_retried(server):
    server.route("POST", "/charges", Reply(200, {"id": "ch_1"}))
    server.route("POST", "/uploads", Reply(503, {}))
    with WireRules(base_url=server.url, max_retries=2, retry_policy=FAST) as c:
        c.charges.create(amount=1, currency="usd", idempotency_key="order-42")
        c.charges.create(amount=1, currency="usd")
        with pytest.raises(APIStatusError):
            c.uploads.upload(name="x")
    charges = [r.headers.get("idempotency-key") for r in server.requests if r.path == "/charges"]
    assert charges[0] == "order-42" and charges[1] not in (None, "order-42")
    assert sum(r.path == "/uploads" for r in server.requests) == 1  # no key, not idempotent: sent once
    assert "idempotency-key" not in next(r for r in server.requests if r.path == "/uploads").headers
    server.requests.clear()
