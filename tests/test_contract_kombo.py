"""Contract tests: the generated Kombo client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from helpers import example, run
from kombo_client import (
    APIStatusError,
    AsyncKombo,
    AuthenticationError,
    Kombo,
    MissingCredentialsError,
    RateLimitError,
)
from kombo_client.models import CandidateAttachmentType, ErrorResponse
from server import Reply

PATH = "/ats/candidates/{candidate_id}/attachments"
CANDIDATE = "8Xi6iZrwusZqJmDGXs49GBmJ"
INTEGRATION = "join:HWUTwvyx2wLoSUHphiWVrp28"
OK = example("kombo", PATH, "get", "200", "example1")
ERROR_RESPONSE = ("components", "responses", "ErrorResponseATS")


def error_example(name: str):
    from helpers import at, spec

    return at(spec("kombo"), *ERROR_RESPONSE)["content"]["application/json"]["examples"][name]["value"]


def assert_sent(srv, candidate=CANDIDATE):
    req = srv.last()
    assert req.method == "GET"
    assert req.path == f"/v1/ats/candidates/{candidate}/attachments"
    assert req.query == {}
    assert req.headers["authorization"] == "Bearer secret-token"
    assert req.headers["x-integration-id"] == INTEGRATION
    assert req.headers["accept"] == "application/json"


def check_result(res):
    attachment = res.data.results[0]
    assert res.status == "success"
    assert attachment.file_name == "Frank Doe CV.pdf"
    assert attachment.type is CandidateAttachmentType.CV
    assert attachment.application_id is None
    assert attachment.data_url == "https://resources.kombo.dev/EYJjhMQT3LtVKXnTbnRT8s6U"
    assert res.warnings[0].message == "This is an example warning!"
    assert res.model_dump(mode="json", by_alias=True) == OK


def assert_logged(mock, candidate=CANDIDATE):
    # The mock accepted only "Bearer secret-token" (else 401) and checked X-Integration-Id against the spec.
    entry = mock.log[-1]
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == (
        "GET",
        f"/v1/ats/candidates/{candidate}/attachments",
        {},
        200,
    )
    assert entry["headers"]["x-integration-id"] == INTEGRATION
    assert entry["headers"]["accept"] == "application/json"


def test_get_candidate_attachments_sync(mock_api):
    mock = mock_api("kombo", ApiKey="secret-token")  # serves the spec's own example
    with Kombo(api_key="secret-token", integration_id=INTEGRATION, server_url=mock.base_url) as k:
        res = k.ats.get_candidate_attachments(candidate_id=CANDIDATE)
    check_result(res)
    assert_logged(mock)


def test_get_candidate_attachments_async(mock_api):
    mock = mock_api("kombo", ApiKey="secret-token")

    async def main():
        async with AsyncKombo(api_key="secret-token", integration_id=INTEGRATION, server_url=mock.base_url) as k:
            return await k.ats.get_candidate_attachments(candidate_id=CANDIDATE)

    check_result(run(main()))
    assert_logged(mock)


def test_wrong_key_is_an_authentication_error(mock_api):
    mock = mock_api("kombo", ApiKey="secret-token")
    with (
        Kombo(api_key="other", integration_id=INTEGRATION, server_url=mock.base_url, max_retries=0) as k,
        pytest.raises(AuthenticationError) as caught,
    ):
        k.ats.get_candidate_attachments(candidate_id=CANDIDATE)
    assert caught.value.status_code == 401
    assert (
        isinstance(caught.value.body, ErrorResponse) and caught.value.code == "PLATFORM.AUTHENTICATION_INVALID"
    )  # the spec's envelope


def test_path_parameter_is_percent_encoded(server):
    weird = "a/../b c?d#e"
    encoded = "a%2F..%2Fb%20c%3Fd%23e"
    server.route("GET", f"/v1/ats/candidates/{encoded}/attachments", Reply(200, OK))
    with Kombo(api_key="secret-token", integration_id=INTEGRATION, server_url=server.url + "/v1", max_retries=0) as k:
        k.ats.get_candidate_attachments(weird)
    assert server.last().path == f"/v1/ats/candidates/{encoded}/attachments"


@pytest.mark.parametrize("example_name", ["Error Response", "Minimal Error Response"])
@pytest.mark.parametrize(
    ("status", "error_class"), [(401, AuthenticationError), (429, RateLimitError), (404, APIStatusError)]
)
def test_documented_default_error_is_raised_typed(server, example_name, status, error_class):
    body = error_example(example_name)
    server.route("GET", f"/v1/ats/candidates/{CANDIDATE}/attachments", Reply(status, body))
    with Kombo(api_key="secret-token", integration_id=INTEGRATION, server_url=server.url + "/v1", max_retries=0) as k:
        with pytest.raises(error_class) as info:
            k.ats.get_candidate_attachments(CANDIDATE)
    error = info.value
    assert error.status_code == status
    assert isinstance(error.body, ErrorResponse)
    assert error.body.error.message == body["error"]["message"]
    assert error.code == body["error"]["code"]
    assert error.response.status_code == status


def test_default_server_is_eu_and_us_is_selectable():
    assert Kombo(api_key="k", integration_id="i").base_url == "https://api.kombo.dev/v1"
    assert Kombo(api_key="k", integration_id="i", server="us").base_url == "https://api.us.kombo.dev/v1"
    with pytest.raises(ValueError):
        Kombo(api_key="k", server="us", server_url="http://127.0.0.1:1")


def test_missing_integration_id_sends_nothing(server, monkeypatch):
    monkeypatch.delenv("KOMBO_INTEGRATION_ID", raising=False)
    with Kombo(api_key="k", server_url=server.url + "/v1") as k:
        with pytest.raises(MissingCredentialsError, match="integration_id"):
            k.ats.get_candidate_attachments(CANDIDATE)
    assert server.requests == []


def test_credentials_from_environment(server, monkeypatch):
    monkeypatch.setenv("KOMBO_API_KEY", "secret-token")
    monkeypatch.setenv("KOMBO_INTEGRATION_ID", INTEGRATION)
    monkeypatch.setenv("KOMBO_BASE_URL", server.url + "/v1")
    server.route("GET", f"/v1/ats/candidates/{CANDIDATE}/attachments", Reply(200, OK))
    with Kombo() as k:
        check_result(k.ats.get_candidate_attachments(CANDIDATE))
    assert_sent(server)
