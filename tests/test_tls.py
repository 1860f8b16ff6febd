"""TLS as the generated clients make it: httpx's own default context, its certificate authorities loaded
when the first TLS connection is made (``_runtime._DeferredTrust``). Against a real HTTPS server on
127.0.0.1 with a certificate from a throwaway authority (trustme): refused until that authority is
trusted, through ``SSL_CERT_FILE`` as httpx reads it; settings equal to httpx's context on this Python;
and a client that only speaks ``http://`` never loads an authority."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
import trustme
from helpers import example
from kombo_client import APIConnectionError, AsyncKombo, Kombo, _runtime
from server import RecordingServer, Reply

PATH = "/v1/ats/candidates/c1/attachments"
OK = example("kombo", "/ats/candidates/{candidate_id}/attachments", "get", "200", "example1")


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https(authority):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with RecordingServer(tls=context) as srv:
        srv.route("GET", PATH, Reply(200, OK))
        yield srv


@pytest.fixture(autouse=True)
def no_trust_from_the_environment(monkeypatch):
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        monkeypatch.delenv(name, raising=False)


def _kombo(url: str, cls=Kombo):
    return cls(api_key="k", integration_id="i", server_url=f"{url}/v1", max_retries=0)


def test_a_certificate_from_an_unknown_authority_is_refused_sync_and_async(https):
    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        _kombo(https.url).ats.get_candidate_attachments(candidate_id="c1")

    async def call() -> None:
        async with _kombo(https.url, AsyncKombo) as client:
            await client.ats.get_candidate_attachments(candidate_id="c1")

    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(call())
    assert https.requests == []  # nothing reached the server


def test_the_authority_named_by_ssl_cert_file_is_trusted_at_the_first_connection(https, authority, monkeypatch):
    with authority.cert_pem.tempfile() as path:
        client = _kombo(https.url)  # built before the variable is set: read when the first TLS call is made
        monkeypatch.setenv("SSL_CERT_FILE", path)
        assert client.ats.get_candidate_attachments(candidate_id="c1").status == "success"

        async def call() -> str:
            async with _kombo(https.url, AsyncKombo) as client:
                return (await client.ats.get_candidate_attachments(candidate_id="c1")).status

        assert asyncio.run(call()) == "success"
    assert len(https.requests) == 2


def test_a_host_name_the_certificate_does_not_name_is_refused(authority, monkeypatch):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("other.example").configure_cert(context)
    with authority.cert_pem.tempfile() as path, RecordingServer(tls=context) as srv:
        monkeypatch.setenv("SSL_CERT_FILE", path)
        srv.route("GET", PATH, Reply(200, OK))
        with pytest.raises(APIConnectionError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            _kombo(srv.url).ats.get_candidate_attachments(candidate_id="c1")


def test_the_context_is_httpx_s_own_default_on_this_python():
    ours, theirs = _runtime._DeferredTrust(), httpx.create_ssl_context()
    for setting in ("protocol", "options", "verify_mode", "check_hostname", "verify_flags"):
        assert getattr(ours, setting) == getattr(theirs, setting), setting
    assert (ours.minimum_version, ours.maximum_version) == (theirs.minimum_version, theirs.maximum_version)
    assert ours.get_ciphers() == theirs.get_ciphers()
    assert ours.cert_store_stats()["x509_ca"] == 0  # nothing trusted before a connection
    ours._trust()
    assert ours.cert_store_stats() == theirs.cert_store_stats()  # then certifi's authorities, as httpx's


def test_a_client_that_only_calls_http_never_loads_an_authority(server):
    server.route("GET", PATH, Reply(200, OK))
    client = _kombo(server.url)
    assert client.ats.get_candidate_attachments(candidate_id="c1").status == "success"
    context = client._http._transport._pool._ssl_context
    assert isinstance(context, _runtime._DeferredTrust) and not context._trusted
