"""The spec-driven mock server: real HTTP on 127.0.0.1, answers checked with openapi-schema-validator (not with
our models), each validation error class, each fault mode, and the three generated clients' whole public API."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from generator.core.load import load_spec
from generator.mock.server import MockError, MockOptions, MockServer, Synth

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "kombo": ("specs/kombo.yaml", ("specs/kombo.overlay.yaml",)),
    "hrflow": ("specs/hrflow.yaml", ()),
    "crafter": ("specs/crafter.yaml", ()),
}
KOMBO_URL = "/v1/ats/candidates/x/attachments"
KOMBO_AUTH = {"Authorization": "Bearer key", "X-Integration-Id": "join:abc"}


def schema_check(spec_path: str, overlays: tuple[str, ...], pointer: str, value: Any) -> list[str]:
    """Independent validation of a response body against the spec's schema at ``pointer``."""
    spec = load_spec(ROOT / spec_path, tuple(ROOT / o for o in overlays))
    is_31 = str(spec.data["openapi"]).startswith("3.1")
    registry: Registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec.data, default_specification=DRAFT202012 if is_31 else DRAFT4)
    )
    cls = OAS31Validator if is_31 else OAS30Validator
    validator = cls(
        {"$ref": f"urn:spec#{pointer}"},
        registry=registry,
        format_checker=oas31_format_checker if is_31 else oas30_format_checker,
    )
    return [e.message for e in validator.iter_errors(value)]


def _valid_request(mock: MockServer, route: Any) -> tuple[str, dict[str, Any], dict[str, str], Any]:
    """A request the spec accepts: every required parameter from its schema, credentials for each scheme."""
    synth = Synth(mock.api)
    path = route.template
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for pointer, param in route.params:
        if param.get("required") is not True:
            continue
        value = synth.value(route.doc, pointer + "/schema", param.get("schema", {}))
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", text)
        elif param["in"] == "query":
            query[param["name"]] = value if isinstance(value, list) else text
        elif param["in"] == "header":
            headers[param["name"]] = text
    schemes = mock.api.data.get("components", {}).get("securitySchemes", {})
    for requirement in route.security[:1]:
        for name in requirement:
            scheme = schemes[name]
            if scheme["type"] == "apiKey" and scheme["in"] == "header":
                headers[scheme["name"]] = "secret"
            elif scheme["type"] == "apiKey" and scheme["in"] == "query":
                query[scheme["name"]] = "secret"
            elif scheme["type"] == "http":
                headers["Authorization"] = f"{scheme['scheme'].capitalize()} secret"
    return path, query, headers, None


@pytest.mark.parametrize("api", sorted(SPECS))
def test_every_operation_answers_with_a_schema_valid_body(api):
    spec_path, overlays = SPECS[api]
    with (
        MockServer(ROOT / spec_path, tuple(ROOT / o for o in overlays)) as mock,
        httpx.Client(base_url=mock.url, timeout=10) as http,
    ):
        assert mock.api.routes
        for route in mock.api.routes:
            path, query, headers, _ = _valid_request(mock, route)
            kwargs: dict[str, Any] = {}
            body_node = route.op.get("requestBody")
            if body_node:
                media = next(iter(mock.api.follow(route.doc, route.ptr + "/requestBody", body_node)[2]["content"]))
                kwargs = (
                    {"files": {"attachment": ("cv.pdf", b"%PDF-1.4", "application/pdf")}}
                    if media.startswith("multipart/")
                    else {"json": {}}
                )
            response = http.request(route.method, path, params=query, headers=headers, **kwargs)
            assert 200 <= response.status_code < 300, (route.template, response.status_code, response.text)
            success = next(k for k in route.op["responses"] if str(k).startswith("2"))
            responses_ptr = f"{route.ptr}/responses/{success}"
            _, resolved_ptr, resolved = mock.api.follow(route.doc, responses_ptr, route.op["responses"][success])
            content = resolved.get("content") or {}
            media = next(iter(content), None)
            if media and media.endswith("json"):
                errors = schema_check(
                    spec_path, overlays, f"{resolved_ptr}/content/{media.replace('/', '~1')}/schema", response.json()
                )
                assert not errors, (route.template, errors)
            elif media:
                assert response.content and response.headers["content-type"]


def test_kombo_must_show_example_401_and_422():
    seed_example = (ROOT / "specs/kombo.yaml").read_text()
    with MockServer(ROOT / "specs/kombo.yaml") as mock, httpx.Client(base_url=mock.url) as http:
        ok = http.get(KOMBO_URL, headers=KOMBO_AUTH)
        assert ok.status_code == 200
        assert ok.json()["data"]["results"][0]["file_name"] == "Frank Doe CV.pdf" and "Frank Doe CV.pdf" in seed_example
        for headers in (
            {"X-Integration-Id": "join:abc"},
            {"Authorization": "Basic a2V5", "X-Integration-Id": "join:abc"},
        ):
            denied = http.get(KOMBO_URL, headers=headers)
            assert denied.status_code == 401
            assert (
                denied.json()["status"] == "error"
                and denied.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"
            )  # Kombo's envelope
        invalid = http.get(KOMBO_URL, headers={"Authorization": "Bearer key"})
        assert invalid.status_code == 422
        assert invalid.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
        assert "X-Integration-Id" in invalid.json()["error"]["message"]
        # A header sent empty is present: its schema (a string, no minLength) accepts "", so the mock
        # does, as schemathesis's positive-data check holds it to (tests/test_mock_schemathesis.py).
        assert http.get(KOMBO_URL, headers={"Authorization": "Bearer key", "X-Integration-Id": ""}).status_code == 200


def test_configured_credentials_must_match():
    options = MockOptions(credentials={"ApiKey": "right"})
    with MockServer(ROOT / "specs/kombo.yaml", options=options) as mock, httpx.Client(base_url=mock.url) as http:
        assert http.get(KOMBO_URL, headers={**KOMBO_AUTH, "Authorization": "Bearer wrong"}).status_code == 401
        assert http.get(KOMBO_URL, headers={**KOMBO_AUTH, "Authorization": "Bearer right"}).status_code == 200


def test_validation_errors_as_problem_json(tmp_path):
    spec = tmp_path / "things.yaml"
    spec.write_text(
        """
openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: "http://localhost/api"}]
paths:
  /things/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
        - {name: mode, in: query, required: true, schema: {type: string, enum: [a, b]}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: integer}}}}}}
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 3}, tags: {type: array, items: {type: string}}}}
      responses:
        "201": {description: made, content: {application/json: {schema: {type: object, properties: {id: {type: integer, minimum: 5}}}}}}
        "409": {description: conflict}
""",
        encoding="utf-8",
    )
    with MockServer(spec) as mock, httpx.Client(base_url=mock.base_url) as http:
        assert http.get("/things/7", params={"mode": "a"}).json() == {"id": 1}
        missing = http.get("/nowhere")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        wrong = http.delete("/things/7")
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
        bad = http.get("/things/seven", params={"limit": "50", "mode": "c"})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        where = {(e["in"], e["name"]) for e in bad.json()["errors"]}
        assert where == {("path", "id"), ("query", "limit"), ("query", "mode")}
        assert http.get("/things/7").json()["errors"][0]["message"] == "required query parameter 'mode' is missing"
        body = http.post("/things", json={"name": "toolong", "tags": [1]})
        assert body.status_code == 422
        assert {e["pointer"] for e in body.json()["errors"]} == {"/name", "/tags/0"}
        assert http.post("/things").status_code == 422  # required body missing
        media = http.post("/things", content=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert media.status_code == 415
        made = http.post("/things", json={"name": "ab"})
        assert made.status_code == 201 and made.json() == {"id": 5}  # built from the schema: minimum honoured
        chosen = http.post("/things", json={"name": "ab"}, headers={"Prefer": "code=409"})
        assert chosen.status_code == 409 and chosen.content == b""
        assert [entry["status"] for entry in mock.log] == [200, 404, 405, 422, 422, 422, 422, 415, 201, 409]


def test_named_examples_and_status_choice():
    with MockServer(ROOT / "specs/hrflow.yaml") as mock, httpx.Client(base_url=mock.base_url) as http:
        route = next(r for r in mock.api.routes if r.template.endswith("/profile/attachments"))
        path, query, headers, _ = _valid_request(mock, route)
        examples = route.op["responses"]["200"]["content"]["application/json"].get("examples", {})
        first = http.get(path.removeprefix(mock.api.prefix), params=query, headers=headers)
        assert first.json() == next(iter(examples.values()))["value"]
        for name, example in examples.items():
            picked = http.get(
                path.removeprefix(mock.api.prefix), params=query, headers={**headers, "Prefer": f"example={name}"}
            )
            assert picked.json() == example["value"]
        status = http.get(path.removeprefix(mock.api.prefix), params=query, headers={**headers, "Prefer": "code=400"})
        assert status.status_code == 400


def test_faults_latency_sequence_reset_truncate():
    options = MockOptions(sequences={"GET " + KOMBO_URL: [503, 200]}, retry_after="1")
    with MockServer(ROOT / "specs/kombo.yaml", options=options) as mock, httpx.Client(base_url=mock.url) as http:
        first = http.get(KOMBO_URL, headers=KOMBO_AUTH)
        assert first.status_code == 503 and first.headers["retry-after"] == "1"
        assert http.get(KOMBO_URL, headers=KOMBO_AUTH).status_code == 200
        other = "/v1/ats/candidates/y/attachments"
        seq = [
            http.get(other, headers={**KOMBO_AUTH, "Prefer": 'sequence="429 429 200", retry-after=2'}) for _ in range(4)
        ]
        assert [r.status_code for r in seq] == [429, 429, 200, 200] and seq[0].headers["retry-after"] == "2"
        started = time.perf_counter()
        http.get(KOMBO_URL, headers={**KOMBO_AUTH, "Prefer": "latency=300"})
        assert time.perf_counter() - started >= 0.3
        with pytest.raises(httpx.TransportError):
            http.get(KOMBO_URL, headers={**KOMBO_AUTH, "Prefer": "fault=reset"})
        with pytest.raises(httpx.TransportError):
            http.get(KOMBO_URL, headers={**KOMBO_AUTH, "Prefer": "fault=truncate"})


def test_generated_clients_run_their_public_api_against_the_mock(tmp_path):
    sys.path[:0] = [str(ROOT / "generated" / name) for name in ("kombo", "hrflow", "crafter")]
    from crafter_profile_client import CrafterProfile
    from hrflow_client import Hrflow
    from kombo_client import APIStatusError, Kombo

    with MockServer(ROOT / "specs/kombo.yaml") as mock:
        with Kombo(api_key="key", integration_id="join:abc", server_url=mock.base_url, max_retries=0) as kombo:
            result = kombo.ats.get_candidate_attachments(candidate_id="x")
            assert result.data.results[0].file_name == "Frank Doe CV.pdf"
        with (
            Kombo(api_key="key", integration_id="join:abc", server_url=mock.base_url, max_retries=0) as kombo,
            pytest.raises(APIStatusError) as caught,
        ):
            kombo.ats.get_candidate_attachments(candidate_id="x", extra_headers={"Prefer": "code=422"})
        assert caught.value.status_code == 422
        assert mock.log[0]["operation"] == "GET /v1/ats/candidates/{candidate_id}/attachments"
    with (
        MockServer(ROOT / "specs/hrflow.yaml") as mock,
        Hrflow(api_secret="s", api_user="u@example.com", base_url=mock.base_url) as hr,
    ):
        assert hr.profile.attachment.list(source_key="s", key="k").data
        assert hr.profile.attachment.list_by_id(source_id="s", profile_id="p").data
        assert hr.profile.indexing.get(source_key="s", reference="r").data
        assert {e["status"] for e in mock.log} == {200}
    with (
        MockServer(ROOT / "specs/crafter.yaml") as mock,
        CrafterProfile(access_token_id="t", base_url=mock.base_url) as cp,
    ):
        assert cp.profile.attachments.list("59284659d4c650213cc2f3fc")
        assert cp.profile.attachments.upload("59284659d4c650213cc2f3fc", file=b"%PDF-1.4 cv").file_name
        assert cp.profile.attachments.details("59284659d4c650213cc2f3fc", "cv.pdf")
        assert cp.profile.attachments.download("59284659d4c650213cc2f3fc", "cv.pdf")
        target = tmp_path / "cv.pdf"
        cp.profile.attachments.download("59284659d4c650213cc2f3fc", "cv.pdf", to=target)
        assert target.read_bytes()
        assert {e["status"] for e in mock.log} == {200}


def test_loopback_only_unless_allowed():
    with pytest.raises(MockError, match="loopback"):
        MockServer(ROOT / "specs/kombo.yaml", host="0.0.0.0")
    with pytest.raises(MockError, match="loopback"):
        MockServer(ROOT / "specs/kombo.yaml", host="192.0.2.1")
    with MockServer(ROOT / "specs/kombo.yaml", host="127.0.0.2") as mock, httpx.Client(base_url=mock.url) as http:
        assert mock.url.startswith("http://127.0.0.2:") and http.get(KOMBO_URL, headers=KOMBO_AUTH).status_code == 200


def test_cli_serves_and_logs_json_lines(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "mock", "kombo", "--port", str(port), "--log", str(log)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "serving 1 operation(s)" in proc.stdout.readline()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            assert http.get(KOMBO_URL, headers=KOMBO_AUTH).status_code == 200
            assert http.get(KOMBO_URL).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["status"] for e in entries] == [200, 401]
    assert entries[0]["headers"]["authorization"] == "***"  # credentials never reach the log
    refused = subprocess.run(
        [sys.executable, "-m", "generator", "mock", "specs/kombo.yaml", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "loopback" in refused.stderr


def test_file_metadata_the_mock_serves_describes_the_file_it_serves():
    import hashlib

    with MockServer(ROOT / "specs/crafter.yaml") as mock, httpx.Client(base_url=mock.base_url) as http:
        base, token = "/api/1/profile/p1", {"accessTokenId": "t"}
        details = http.get(f"{base}/attachment/picture1/details", params=token).json()
        listed = http.get(f"{base}/attachments", params=token).json()
        served = http.get(f"{base}/attachment/picture1", params=token).content
    assert served
    for described in (details, *listed):
        assert described["md5"] == hashlib.md5(served).hexdigest()
        assert described["fileSizeBytes"] == len(served)


# -- pages ------------------------------------------------------------------------------------------

INTEGRATION = "tests/specs/integration31.yaml"


def _pages_of(mock: MockServer, path: str, param: str | None, **query: Any) -> list[httpx.Response]:
    """Every page of a list operation, asked for the way its scheme says (bounded at 10)."""
    replies = []
    url: str | None = mock.base_url + path
    params: dict[str, Any] = dict(query)
    for _ in range(10):
        assert url is not None
        reply = httpx.get(url, params=params or None)
        assert reply.status_code == 200, reply.text
        replies.append(reply)
        body = reply.json()
        if param is None:  # a Link header
            url = reply.links.get("next", {}).get("url")
            params = {}
        elif param == "cursor":
            params["cursor"] = body["meta"].get("next_cursor")
            if params["cursor"] is None:
                url = None
        elif param == "page":
            params["page"] = params.get("page", 1) + 1
            if params["page"] > body["total_pages"]:
                url = None
        if url is None:
            return replies
    raise AssertionError("more than 10 pages")


def test_paginated_operations_serve_pages_their_schema_accepts():
    with MockServer(ROOT / INTEGRATION, options=MockOptions(require_credentials=False)) as mock:
        mock.start()
        cursor = _pages_of(mock, "/candidates", "cursor")
        assert [r.json()["meta"].get("next_cursor") for r in cursor] == ["page-1", "page-2", None]
        assert [len(r.json()["data"]) for r in cursor] == [1, 1, 1]
        pages = _pages_of(mock, "/jobs", "page")
        assert len(pages) == 3 and {r.json()["total_pages"] for r in pages} == {3}
        links = _pages_of(mock, "/interviews", None, per_page=5)
        assert len(links) == 3 and "mock_page=1" in str(links[1].request.url)
        assert "per_page=5" in str(links[1].request.url)  # the link keeps the request's own query
        offset = httpx.get(mock.base_url + "/applications", params={"offset": 8, "limit": 4}).json()
        assert len(offset["items"]) == 4 and offset["total"] == 12  # as many items as asked, and the total
        beyond = httpx.get(mock.base_url + "/jobs", params={"page": 7}).json()
        assert beyond["jobs"] == []  # past the last page: no items
        stripe_like = httpx.get(mock.base_url + "/notes").json()
        after = stripe_like["data"][-1]["id"]
        assert stripe_like["has_more"] is True and after == "item-0-0"
        last = httpx.get(mock.base_url + "/notes", params={"starting_after": "item-1-0"}).json()
        assert last["has_more"] is False
        for reply, pointer in (
            *((r, "/paths/~1candidates/get/responses/200/content/application~1json/schema") for r in cursor),
            *((r, "/paths/~1interviews/get/responses/200/content/application~1json/schema") for r in links),
        ):  # held to the schema by a validator of its own, not the mock's
            assert schema_check(INTEGRATION, (), pointer, reply.json()) == []


def test_pages_the_schema_refuses_and_a_single_page_option_serve_the_body_unpaged(tmp_path):
    spec = yaml.safe_load((ROOT / INTEGRATION).read_text())
    meta = spec["paths"]["/candidates"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    meta["properties"]["meta"] = {
        "type": "object",
        "required": ["next_cursor"],
        "properties": {"next_cursor": {"type": ["string", "null"], "pattern": "^[0-9a-f]{8}$"}},
    }
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(spec))
    for source, options in (
        (path, MockOptions(require_credentials=False)),
        (ROOT / INTEGRATION, MockOptions(require_credentials=False, pages=1)),
    ):
        with MockServer(source, options=options) as mock:
            mock.start()
            body = httpx.get(mock.base_url + "/candidates").json()
            again = httpx.get(mock.base_url + "/candidates", params={"cursor": "page-1"}).json()
            assert body == again and "page-1" not in json.dumps(body)


def test_a_cursor_parameter_that_takes_numbers_is_given_numbers(tmp_path):
    # Spotify's recently-played: ``after`` is an integer, the body's next cursor a string.
    spec = yaml.safe_load((ROOT / INTEGRATION).read_text())
    spec["paths"]["/candidates"]["get"]["parameters"][0]["schema"] = {"type": "integer"}
    path = tmp_path / "numeric.yaml"
    path.write_text(yaml.safe_dump(spec))
    with MockServer(path, options=MockOptions(require_credentials=False)) as mock:
        mock.start()
        pages = _pages_of(mock, "/candidates", "cursor")
    assert [r.json()["meta"].get("next_cursor") for r in pages] == ["1", "2", None]
    assert all(r.status_code == 200 for r in pages)  # each cursor sent back was a valid integer


# -- --actual: requests read by the documented description, replies built from the "true" one ----------

HRFLOW_AUTH = {"X-API-KEY": "sk", "X-USER-EMAIL": "me@example.com"}
HRFLOW_QUERY = {"source_key": "s", "key": "k"}


def test_actual_overlay_builds_replies_on_top_of_the_documented_description(tmp_path):
    overlay = tmp_path / "true.overlay.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "overlay": "1.0.0",
                "info": {"title": "what HrFlow really sends", "version": "1"},
                "actions": [
                    {
                        "target": "$.components.schemas.Attachment.properties",
                        "update": {"file_size": {"type": ["integer", "string"]}, "mime_type": {"type": "string"}},
                    },
                    {
                        "target": "$.paths['/profile/indexing/attachments'].get.responses['200'].content"
                        "['application/json'].examples",
                        "remove": True,
                    },
                    {
                        "target": "$.paths['/profile/indexing/attachments'].get.responses['200'].content"
                        "['application/json']",
                        "update": {
                            "example": {
                                "code": 200,
                                "message": "m",
                                "data": [{"file_size": "12", "mime_type": "application/pdf"}],
                            }
                        },
                    },
                ],
            }
        )
    )
    url = "/profile/indexing/attachments"
    with (
        MockServer(ROOT / "specs/hrflow.yaml", actual=overlay) as lying,
        MockServer(ROOT / "specs/hrflow.yaml") as honest,
    ):
        told = httpx.get(lying.base_url + url, params=HRFLOW_QUERY, headers=HRFLOW_AUTH)
        documented = httpx.get(honest.base_url + url, params=HRFLOW_QUERY, headers=HRFLOW_AUTH)
    assert told.status_code == 200
    assert told.json()["data"] == [{"file_size": "12", "mime_type": "application/pdf"}]
    assert schema_check("specs/hrflow.yaml", (), "/components/schemas/ProfileAttachmentsResponse", told.json())
    assert documented.json()["data"][0]["file_size"] == 194094  # the documented example, unchanged


def test_actual_full_spec_answers_what_it_has_and_404_for_what_it_lacks(tmp_path):
    true = yaml.safe_load((ROOT / "specs/hrflow.yaml").read_text(encoding="utf-8"))
    del true["paths"]["/profile/attachments"]
    responses = true["paths"]["/profile/indexing/attachments"]["get"]["responses"]
    responses["202"] = {
        "description": "still indexing",
        "content": {"application/vnd.hrflow.v1+json": {"schema": {"type": "object"}, "example": {"code": "202"}}},
    }
    path = tmp_path / "hrflow.true.yaml"
    path.write_text(yaml.safe_dump(true, sort_keys=False))
    with MockServer(ROOT / "specs/hrflow.yaml", actual=path) as mock:
        missing = httpx.get(
            mock.base_url + "/profile/attachments", params={"source_id": "s", "profile_id": "p"}, headers=HRFLOW_AUTH
        )
        accepted = httpx.get(
            mock.base_url + "/profile/indexing/attachments",
            params=HRFLOW_QUERY,
            headers={**HRFLOW_AUTH, "Prefer": "code=202"},
        )
        served = httpx.get(mock.base_url + "/profile/indexing", params=HRFLOW_QUERY, headers=HRFLOW_AUTH)
    assert missing.status_code == 404  # documented, but not in what the vendor really serves
    assert (accepted.status_code, accepted.headers["content-type"], accepted.json()) == (
        202,
        "application/vnd.hrflow.v1+json",
        {"code": "202"},
    )
    assert served.status_code == 200 and served.json()["message"] == "Profile details"


def test_actual_requests_are_still_read_by_the_documented_description(tmp_path):
    true = yaml.safe_load((ROOT / "specs/hrflow.yaml").read_text(encoding="utf-8"))
    get = true["paths"]["/profile/indexing"]["get"]
    # The true description takes no source_key but insists on a tenant, and needs no credentials.
    get["parameters"] = [
        {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}},
        *(p for p in get["parameters"] if p["$ref"] != "#/components/parameters/SourceKey"),
    ]
    get["security"] = []
    path = tmp_path / "hrflow.true.yaml"
    path.write_text(yaml.safe_dump(true, sort_keys=False))
    url = "/profile/indexing"
    with MockServer(ROOT / "specs/hrflow.yaml", actual=path) as mock:
        documented = httpx.get(mock.base_url + url, params=HRFLOW_QUERY, headers=HRFLOW_AUTH)
        as_true_says = httpx.get(mock.base_url + url, params={"tenant": "t", "key": "k"}, headers=HRFLOW_AUTH)
        no_credentials = httpx.get(mock.base_url + url, params=HRFLOW_QUERY)
    assert documented.status_code == 200
    assert as_true_says.status_code == 422 and "source_key" in as_true_says.text
    assert no_credentials.status_code == 401
    assert [e["status"] for e in mock.log] == [200, 422, 401]


def test_actual_is_refused_as_generate_refuses_it(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")  # info.version missing
    with pytest.raises(MockError):
        MockServer(ROOT / "specs/hrflow.yaml", actual=broken)
