"""OAuth2 in generated clients, against a real token endpoint and API on 127.0.0.1 (``tests/server.py``):
the scopes each operation's security requirement names, tokens kept per scope set, client
authentication by ``client_secret_basic`` or ``client_secret_post`` (keyword and ``x-sdk-token-auth``),
extra token parameters (``token_params``, ``x-sdk-token-params``), the authorization code flow (the
authorization URL with PKCE, the code exchange, refresh tokens kept in a per-tenant token store, one
refresh across threads and tasks), schemes of one credential sharing one keyword, natural keyword names,
``mypy --strict`` over a consumer, and README.md's OAuth2 example run as written. Each wire test checks
the bytes of the token requests and runs the sync and the async client. The packages are generated from
the documents below with the templates as they are, so the runtime under test is ``templates/runtime``'s.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from helpers import through
from server import Recorded, RecordingServer, Reply

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the generator, when pytest runs without ``python -m``

#: A recruiting API as a multi-tenant integration meets it: one authorization server with a client
#: credentials and an authorization code flow, a second scheme for the same tokens (as Google's
#: descriptions have ``Oauth2`` and ``Oauth2c``) and an HTTP bearer scheme; scopes per operation.
SPEC = """\
openapi: 3.1.0
info: {title: Hiring API, version: 1.0.0}
servers:
  - url: https://api.hiring.example
security:
  - OAuth2Security: ["jobs:read"]
paths:
  /jobs:
    get:
      operationId: listJobs
      responses:
        "200":
          description: Jobs.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Job"}}
    post:
      operationId: createJob
      security: [{OAuth2Security: ["jobs:write"]}]
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Job"}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Job"}
  /audit:
    get:
      operationId: getAudit
      security: [{Oauth2c: [admin, "jobs:read"]}, {OAuth2Security: [admin]}]
      responses:
        "200":
          description: The audit log.
          content:
            application/json:
              schema: {type: object}
  /me:
    get:
      operationId: getMe
      security: [{OAuth2Security: []}]
      responses:
        "200":
          description: Who the token is for.
          content:
            application/json:
              schema: {type: object}
  /legacy:
    get:
      operationId: getLegacy
      security: [{bearerAuth: []}]
      responses:
        "200":
          description: An older endpoint, documented with a bearer scheme.
          content:
            application/json:
              schema: {type: object}
  /status:
    get:
      operationId: getStatus
      security: []
      responses:
        "200":
          description: Up.
          content:
            application/json:
              schema: {type: object}
components:
  securitySchemes:
    OAuth2Security:
      type: oauth2
      description: OAuth2 access tokens.#TOKEN_AUTH#
      flows:
        clientCredentials:
          tokenUrl: /oauth/token#TOKEN_PARAMS#
          scopes: {"jobs:read": Read jobs., "jobs:write": Change jobs., admin: Administer.}
        authorizationCode:
          authorizationUrl: /oauth/authorize
          tokenUrl: /oauth/token
          scopes: {"jobs:read": Read jobs., "jobs:write": Change jobs., admin: Administer.}
    Oauth2c:
      type: oauth2
      description: The same tokens, documented again.
      flows:
        authorizationCode:
          authorizationUrl: /oauth/authorize
          tokenUrl: /oauth/token
          scopes: {"jobs:read": Read jobs., admin: Administer.}
    bearerAuth:
      type: http
      scheme: bearer
  schemas:
    Job:
      type: object
      required: [id]
      properties:
        id: {type: string}
"""

#: The same document with ``x-sdk-token-auth`` on the scheme and ``x-sdk-token-params`` on the flow.
VARIANT = SPEC.replace("#TOKEN_AUTH#", "\n      x-sdk-token-auth: client_secret_post").replace(
    "#TOKEN_PARAMS#", "\n          x-sdk-token-params: {audience: https://api.hiring.example}"
)
SPEC = SPEC.replace("#TOKEN_AUTH#", "").replace("#TOKEN_PARAMS#", "")

SECRET = "s3cr:et+/%"  # each half is form-encoded before Basic's base64 (RFC 6749 section 2.3.1)
MODES = ["sync", "async"]


def _generate(root: Path, name: str, text: str) -> tuple[Any, Any]:
    from generator import generate_package
    from generator.speed import Speed

    spec = root / f"{name}.yaml"
    spec.write_text(text, encoding="utf-8")
    result = generate_package(spec, name=name, speed=Speed(cache=None, workers=False))
    assert result.ok, [str(d) for d in result.diagnostics.errors]
    from generator.core.write import write_tree

    write_tree(root / name, result.files)
    sys.path.insert(0, str(root / name))
    return importlib.import_module(f"{name}_client"), result


def _forget(root: Path, name: str) -> None:
    sys.path.remove(str(root / name))
    for module in [m for m in sys.modules if m.split(".")[0] == f"{name}_client"]:
        del sys.modules[module]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Any:
    root = tmp_path_factory.mktemp("oauth")
    made = {name: _generate(root, name, text) for name, text in (("hiring", SPEC), ("hiring_post", VARIANT))}
    made["root"] = root  # type: ignore[assignment]
    yield made
    for name in ("hiring", "hiring_post"):
        _forget(root, name)


@pytest.fixture(scope="module")
def package(generated) -> Any:
    return generated["hiring"][0]


@pytest.fixture(scope="module")
def variant(generated) -> Any:
    return generated["hiring_post"][0]


@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param


# -- the server: a token endpoint and the API ----------------------------------------------------------


class Tokens:
    """The token endpoint: for each grant, a token named after the grant, the scope asked for and a
    count; records each request's form as sent."""

    def __init__(self, delay: float = 0.0, expires_in: int = 3600, scope: str | None = None) -> None:
        self.count = 0
        self.delay = delay
        self.expires_in = expires_in
        self.scope = scope  # granted, when the server says (else as asked)
        self.lock = threading.Lock()

    def __call__(self, request: Recorded) -> Reply:
        form = parse_qs(request.body.decode())
        with self.lock:
            self.count += 1
            n = self.count
        grant = form["grant_type"][0]
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": self.expires_in}
        if grant == "client_credentials":
            body["access_token"] = f"cc-{form.get('scope', ['none'])[0]}-{n}"
        elif grant == "authorization_code":
            body.update(access_token=f"at-{n}", refresh_token=f"rt-{n}")
        else:
            body["access_token"] = f"at-{n}"
            if form["refresh_token"][0] != "keep":
                body["refresh_token"] = f"rt-{n}"
        if self.scope is not None:
            body["scope"] = self.scope
        return Reply(200, body, delay=self.delay)


def serve(server: RecordingServer, tokens: Tokens | None = None) -> Tokens:
    tokens = tokens or Tokens()
    server.route("POST", "/oauth/token", tokens)
    server.route("GET", "/jobs", Reply(200, [{"id": "j1"}]))
    server.route("POST", "/jobs", Reply(201, {"id": "j2"}))
    for path in ("/audit", "/me", "/legacy", "/status"):
        server.route("GET", path, Reply(200, {"ok": True}))
    return tokens


def token_requests(server: RecordingServer) -> list[Recorded]:
    return [r for r in server.requests if r.path == "/oauth/token"]


def api_requests(server: RecordingServer) -> list[Recorded]:
    return [r for r in server.requests if r.path != "/oauth/token"]


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def run(mode: str, package: Any, kwargs: dict[str, Any], *calls: Callable[[Any], Any]) -> list[Any]:
    """Each of ``calls`` on one fresh client, sync or async, in order; their results."""

    def sync(client: Any) -> list[Any]:
        return [call(client) for call in calls]

    async def asynchronous(client: Any) -> list[Any]:
        return [await call(client) for call in calls]

    return through(mode, package.Hiring, package.AsyncHiring, kwargs, sync if mode == "sync" else asynchronous)


def cc(server: RecordingServer, **more: Any) -> dict[str, Any]:
    return {"base_url": server.url, "client_id": "app-1", "client_secret": SECRET, "max_retries": 0, **more}


# -- scopes: each operation's own, a token per scope set -------------------------------------------------


def test_each_operation_asks_for_the_scopes_its_security_names(server, package, mode):
    serve(server)
    run(
        mode,
        package,
        cc(server),
        lambda c: c.jobs.list(),  # the document's requirement: jobs:read
        lambda c: c.jobs.create(body={"id": "j2"}),  # its own: jobs:write
        lambda c: c.jobs.list(),  # the jobs:read token again: no token request
        lambda c: c.audit.get(),  # its first alternative: admin and jobs:read (of Oauth2c, the same tokens)
        lambda c: c.me.get(),  # no scope named: any token held
        lambda c: c.status.get(),  # no security: no token
    )
    assert [r.body for r in token_requests(server)] == [
        b"grant_type=client_credentials&scope=jobs%3Aread",
        b"grant_type=client_credentials&scope=jobs%3Awrite",
        b"grant_type=client_credentials&scope=admin+jobs%3Aread",
    ]
    assert [(r.method, r.path, r.headers.get("authorization")) for r in api_requests(server)] == [
        ("GET", "/jobs", "Bearer cc-jobs:read-1"),
        ("POST", "/jobs", "Bearer cc-jobs:write-2"),
        ("GET", "/jobs", "Bearer cc-jobs:read-1"),
        ("GET", "/audit", "Bearer cc-admin jobs:read-3"),
        ("GET", "/me", "Bearer cc-admin jobs:read-3"),
        ("GET", "/status", None),
    ]


def test_a_token_granted_more_scopes_than_asked_serves_calls_needing_them(server, package, mode):
    serve(server, Tokens(scope="jobs:read jobs:write admin"))  # the server grants everything at once
    run(mode, package, cc(server), lambda c: c.jobs.list(), lambda c: c.jobs.create(body={"id": "j"}))
    assert len(token_requests(server)) == 1
    assert {r.headers["authorization"] for r in api_requests(server)} == {"Bearer cc-jobs:read-1"}


def test_a_401_gets_a_token_for_the_same_scopes_and_replays_once(server, package, mode):
    serve(server)
    server.route("POST", "/jobs", [Reply(401, {"message": "expired"}), Reply(201, {"id": "j2"})])
    run(mode, package, cc(server), lambda c: c.jobs.create(body={"id": "j2"}))
    assert [r.body for r in token_requests(server)] == [b"grant_type=client_credentials&scope=jobs%3Awrite"] * 2
    assert [r.headers["authorization"] for r in api_requests(server)] == [
        "Bearer cc-jobs:write-1",
        "Bearer cc-jobs:write-2",
    ]


# -- client authentication and extra token parameters ---------------------------------------------------


def test_client_secret_basic_is_the_default(server, package, mode):
    serve(server)
    run(mode, package, cc(server), lambda c: c.jobs.list())
    [fetch] = token_requests(server)
    assert fetch.headers["authorization"] == basic("app-1", SECRET)
    assert fetch.body == b"grant_type=client_credentials&scope=jobs%3Aread"  # no credentials in the form


def test_client_secret_post_puts_the_credentials_in_the_form(server, package, mode):
    serve(server)
    run(mode, package, cc(server, token_auth="client_secret_post"), lambda c: c.jobs.list())
    [fetch] = token_requests(server)
    assert "authorization" not in fetch.headers
    assert (
        fetch.body
        == b"grant_type=client_credentials&scope=jobs%3Aread&client_id=app-1&client_secret=s3cr%3Aet%2B%2F%25"
    )


def test_x_sdk_token_auth_and_params_are_the_documents_defaults(server, variant, mode):
    serve(server)
    through(
        mode, variant.Hiring, variant.AsyncHiring, cc(server), lambda c: c.jobs.list()
    )  # the document says client_secret_post, with an audience
    through(
        mode,
        variant.Hiring,
        variant.AsyncHiring,
        cc(server, token_auth="client_secret_basic", token_params={"audience": "urn:other", "resource": "urn:r"}),
        lambda c: c.jobs.list(),
    )
    first, second = token_requests(server)
    assert "authorization" not in first.headers
    assert first.body == (
        b"grant_type=client_credentials&scope=jobs%3Aread&audience=https%3A%2F%2Fapi.hiring.example"
        b"&client_id=app-1&client_secret=s3cr%3Aet%2B%2F%25"
    )
    assert second.headers["authorization"] == basic("app-1", SECRET)
    assert second.body == b"grant_type=client_credentials&scope=jobs%3Aread&audience=urn%3Aother&resource=urn%3Ar"


def test_token_params_sends_an_audience(server, package, mode):
    serve(server)
    run(mode, package, cc(server, token_params={"audience": "https://api.hiring.example"}), lambda c: c.jobs.list())
    [fetch] = token_requests(server)
    assert fetch.body == b"grant_type=client_credentials&scope=jobs%3Aread&audience=https%3A%2F%2Fapi.hiring.example"


def test_a_scope_in_token_params_is_the_scope_of_every_token(server, package, mode):
    serve(server)
    run(
        mode,
        package,
        cc(server, token_params={"scope": "https://graph.example/.default"}),
        lambda c: c.jobs.list(),
        lambda c: c.jobs.create(body={"id": "j2"}),
    )
    [fetch] = token_requests(server)  # one token, whatever scopes the operations name
    assert fetch.body == b"grant_type=client_credentials&scope=https%3A%2F%2Fgraph.example%2F.default"


def test_token_params_and_token_auth_are_checked_before_anything_is_sent(server, package):
    serve(server)
    with pytest.raises(ValueError, match="token_params cannot set grant_type"):
        package.Hiring(**cc(server, token_params={"grant_type": "password"}))
    with pytest.raises(ValueError, match="token_auth must be one of"):
        package.Hiring(**cc(server, token_auth="private_key_jwt"))
    assert server.requests == []


# -- the authorization code flow ------------------------------------------------------------------------


class Store:
    """A token store that records what it was asked: a tenant's row in a real application."""

    def __init__(self, tokens: Any = None) -> None:
        self.tokens = tokens
        self.loads = 0
        self.saved: list[Any] = []

    def load(self) -> Any:
        self.loads += 1
        return self.tokens

    def save(self, tokens: Any) -> None:
        self.saved.append(tokens)
        self.tokens = tokens


class AsyncStore(Store):
    """The same, with coroutine methods (``AsyncTokenStore``)."""

    async def load(self) -> Any:  # type: ignore[override]
        await asyncio.sleep(0)
        return Store.load(self)

    async def save(self, tokens: Any) -> None:  # type: ignore[override]
        await asyncio.sleep(0)
        Store.save(self, tokens)


def code_client(server: RecordingServer, **more: Any) -> dict[str, Any]:
    return {"base_url": server.url, "client_id": "app-1", "client_secret": SECRET, "max_retries": 0, **more}


def test_the_authorization_url_asks_for_every_scope_with_state_and_pkce(server, package):
    client = package.Hiring(**code_client(server))
    request = client.authorization_url("https://app.example/callback")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{server.url}/oauth/authorize"  # relative: on the API's
    query = parse_qs(url.query)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(request.code_verifier.encode()).digest()).rstrip(b"=")
    assert query == {
        "response_type": ["code"],
        "client_id": ["app-1"],
        "redirect_uri": ["https://app.example/callback"],
        "scope": ["admin jobs:read jobs:write"],  # what the operations ask for, all of it
        "state": [request.state],
        "code_challenge": [challenge.decode()],
        "code_challenge_method": ["S256"],
    }
    assert len(request.state) >= 32 and 43 <= len(request.code_verifier) <= 128  # RFC 7636 section 4.1
    assert request.code_from(f"https://app.example/callback?code=abc&state={request.state}") == "abc"
    with pytest.raises(ValueError, match="state"):
        request.code_from("https://app.example/callback?code=abc&state=forged")
    with pytest.raises(ValueError, match="access_denied"):
        request.code_from(f"https://app.example/callback?error=access_denied&state={request.state}")
    narrow = client.authorization_url("https://app.example/cb", scopes=["jobs:read"], state="s1", pkce=False)
    assert parse_qs(urlsplit(narrow.url).query) == {
        "response_type": ["code"],
        "client_id": ["app-1"],
        "redirect_uri": ["https://app.example/cb"],
        "scope": ["jobs:read"],
        "state": ["s1"],
    }
    assert server.requests == []  # nothing is sent to build it


def test_exchange_code_posts_the_code_and_saves_the_tokens_the_client_then_uses(server, package, mode):
    serve(server)
    store = Store()
    results = run(
        mode,
        package,
        code_client(server, token_store=store),
        lambda c: c.exchange_code("code-1", redirect_uri="https://app.example/cb", code_verifier="v" * 43),
        lambda c: c.jobs.list(),
        lambda c: c.jobs.create(body={"id": "j2"}),
    )
    [exchange] = token_requests(server)
    assert exchange.headers["authorization"] == basic("app-1", SECRET)
    assert exchange.body == (
        b"grant_type=authorization_code&code=code-1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier="
        + b"v" * 43
    )
    tokens = results[0]
    assert isinstance(tokens, package.OAuthTokens) and store.saved == [tokens]
    assert (tokens.access_token, tokens.refresh_token) == ("at-1", "rt-1")
    assert tokens.expires_at is not None and abs(tokens.expires_at - (time.time() + 3600)) < 60
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1", "Bearer at-1"]
    assert "at-1" not in repr(tokens) and "rt-1" not in repr(tokens)


def test_a_public_client_sends_its_id_in_the_form(server, package, mode):
    serve(server)
    kwargs = {"base_url": server.url, "client_id": "public-app"}
    through(
        mode,
        package.Hiring,
        package.AsyncHiring,
        kwargs,
        lambda c: c.exchange_code("c", redirect_uri="https://app.example/cb", code_verifier="v" * 43),
    )
    [exchange] = token_requests(server)
    assert "authorization" not in exchange.headers
    assert exchange.body == (
        b"grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier="
        + b"v" * 43
        + b"&client_id=public-app"
    )


def expired(package: Any, refresh: str | None = "rt-0") -> Any:
    return package.OAuthTokens("at-0", refresh, expires_at=time.time() - 10, scope="jobs:read")


def test_an_expired_token_is_refreshed_saved_and_used(server, package, mode):
    serve(server)
    store = Store(expired(package))
    run(
        mode,
        package,
        code_client(server, token_store=store, token_params={"audience": "urn:api"}),
        lambda c: c.jobs.list(),
        lambda c: c.jobs.list(),
    )
    [refresh] = token_requests(server)
    assert refresh.headers["authorization"] == basic("app-1", SECRET)
    assert refresh.body == b"grant_type=refresh_token&refresh_token=rt-0&audience=urn%3Aapi"
    [saved] = store.saved
    assert (saved.access_token, saved.refresh_token, saved.scope) == ("at-1", "rt-1", "jobs:read")
    assert store.loads == 1  # loaded once; the refreshed tokens are kept in memory too
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1", "Bearer at-1"]


def test_a_401_refreshes_the_stored_token_and_replays_once(server, package, mode):
    serve(server)
    store = Store(package.OAuthTokens("at-0", "keep", expires_at=time.time() + 3600))

    def jobs(request: Recorded) -> Reply:
        revoked = request.headers.get("authorization") == "Bearer at-0"
        return Reply(401, {"message": "revoked"}) if revoked else Reply(200, [{"id": "j1"}])

    server.route("GET", "/jobs", jobs)
    run(mode, package, code_client(server, token_store=store, token_auth="client_secret_post"), lambda c: c.jobs.list())
    [refresh] = token_requests(server)
    assert (
        refresh.body == b"grant_type=refresh_token&refresh_token=keep&client_id=app-1&client_secret=s3cr%3Aet%2B%2F%25"
    )
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-0", "Bearer at-1"]
    [saved] = store.saved
    assert (saved.access_token, saved.refresh_token) == ("at-1", "keep")  # no new one issued: the old stays


def test_an_async_token_store_is_awaited(server, package):
    serve(server)
    store = AsyncStore(expired(package))

    async def go() -> None:
        async with package.AsyncHiring(**code_client(server, token_store=store)) as client:
            await client.jobs.list()

    asyncio.run(go())
    assert store.loads == 1 and [t.access_token for t in store.saved] == ["at-1"]
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1"]


def test_an_expired_token_without_a_refresh_token_is_refused_before_anything_is_sent(server, package, mode):
    serve(server)
    for store in (Store(expired(package, refresh=None)), Store(None)):
        with pytest.raises(package.MissingCredentialsError, match="authoriz"):
            run(mode, package, code_client(server, token_store=store), lambda c: c.jobs.list())
    assert server.requests == []


def test_threads_with_an_expired_token_make_one_refresh(server, package):
    tokens = serve(server, Tokens(delay=0.3))
    store = Store(expired(package))
    with package.Hiring(**code_client(server, token_store=store)) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.jobs.list(), range(8)))
    assert tokens.count == 1 and len(store.saved) == 1
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1"] * 8


def test_tasks_with_an_expired_token_make_one_refresh(server, package):
    tokens = serve(server, Tokens(delay=0.3))
    store = Store(expired(package))

    async def go() -> None:
        async with package.AsyncHiring(**code_client(server, token_store=store)) as client:
            await asyncio.gather(*(client.jobs.list() for _ in range(8)))

    asyncio.run(go())
    assert tokens.count == 1 and len(store.saved) == 1
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1"] * 8


@pytest.mark.parametrize("mode", MODES)
def test_concurrent_401s_make_one_refresh(server, package, mode):
    tokens = serve(server, Tokens(delay=0.3))
    store = Store(package.OAuthTokens("at-0", "rt-0", expires_at=time.time() + 3600))
    arrived = threading.Barrier(8, timeout=10)

    def jobs(request: Recorded) -> Reply:
        if request.headers.get("authorization") == "Bearer at-0":
            arrived.wait()  # all eight sent the revoked token before any is answered
            return Reply(401, {"message": "revoked"})
        return Reply(200, [{"id": "j1"}])

    server.route("GET", "/jobs", jobs)
    kwargs = code_client(server, token_store=store)
    if mode == "sync":
        with package.Hiring(**kwargs) as client, ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: client.jobs.list(), range(8)))
    else:

        async def go() -> None:
            async with package.AsyncHiring(**kwargs) as client:
                await asyncio.gather(*(client.jobs.list() for _ in range(8)))

        asyncio.run(go())
    assert tokens.count == 1 and [t.access_token for t in store.saved] == ["at-1"]
    sent = [r.headers["authorization"] for r in api_requests(server)]
    assert sorted(sent) == ["Bearer at-0"] * 8 + ["Bearer at-1"] * 8


def test_each_tenant_has_its_own_store_on_one_connection_pool(server, package):
    serve(server)
    stores = {name: Store(package.OAuthTokens(f"at-{name}", f"rt-{name}")) for name in ("acme", "globex")}
    with package.Hiring(base_url=server.url, client_id="app-1", client_secret=SECRET) as app:
        for store in stores.values():
            app.with_options(token_store=store).jobs.list()
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-acme", "Bearer at-globex"]
    assert token_requests(server) == []


# -- one keyword per credential, natural names -----------------------------------------------------------


def test_schemes_of_one_credential_share_one_keyword(server, package, mode, monkeypatch):
    import inspect

    keywords = inspect.signature(package.Hiring).parameters
    assert "oauth2" in keywords and not {"oauth2_c", "oauth2c", "bearer_auth", "o_auth2_security"} & set(keywords)
    serve(server)
    run(
        mode,
        package,
        {"base_url": server.url, "oauth2": "user-token"},
        lambda c: c.audit.get(),  # Oauth2c's alternative
        lambda c: c.jobs.list(),  # OAuth2Security's
        lambda c: c.legacy.get(),  # bearerAuth's
    )
    monkeypatch.setenv("HIRING_OAUTH2", "env-token")
    run(mode, package, {"base_url": server.url}, lambda c: c.me.get())
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer user-token"] * 3 + ["Bearer env-token"]


def test_the_generator_says_which_schemes_share_a_keyword_and_how_it_named_it(generated):
    said = {(d.code, d.pointer): d.message for d in generated["hiring"][1].diagnostics}
    assert said[("I504", "/components/securitySchemes/OAuth2Security")].startswith("constructor keyword oauth2=")
    assert (
        "'Oauth2c' is the same credential as 'OAuth2Security'" in said[("I503", "/components/securitySchemes/Oauth2c")]
    )
    assert "one keyword, oauth2=" in said[("I503", "/components/securitySchemes/bearerAuth")]
    assert ("I505", "/components/securitySchemes/OAuth2Security") in said
    assert not [d for d in generated["hiring"][1].diagnostics if d.code == "W500"]


def test_oauth_is_one_word_in_snake_case_and_no_configured_name_changes():
    from generator.core import names

    assert names.snake("OAuth2Security") == "oauth2_security"
    assert names.snake("oAuthToken") == "oauth_token" and names.snake("GoogleOAuth2") == "google_oauth2"
    assert names.pascal("oAuthToken") == "OAuthToken"  # class names as before
    assert names.snake("OAuthentication") == "o_authentication"  # another word, left alone
    # Every string of the configured APIs' documents snake-cases as it did before: their names stay.
    import yaml

    before = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")
    seen = 0
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        stack = [yaml.safe_load(path.read_text(encoding="utf-8"))]
        while stack:
            node = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, value in items:
                for text in (key, value):
                    if isinstance(text, str) and text.isascii():
                        seen += 1
                        now = [w.lower() for w in names.ascii_words(text)]
                        assert now == [w.lower() for w in before.findall(text)], text
                if isinstance(value, (dict, list)):
                    stack.append(value)
    assert seen > 1000


def test_a_second_authorization_server_is_a_token_keyword_with_a_warning(tmp_path):
    from generator import generate_package
    from generator.speed import Speed

    spec = tmp_path / "two.yaml"
    spec.write_text(
        SPEC.replace(
            "    Oauth2c:\n      type: oauth2\n      description: The same tokens, documented again.\n"
            "      flows:\n        authorizationCode:\n          authorizationUrl: /oauth/authorize\n"
            "          tokenUrl: /oauth/token\n",
            "    Oauth2c:\n      type: oauth2\n      description: Another server.\n"
            "      flows:\n        authorizationCode:\n          authorizationUrl: https://other.example/authorize\n"
            "          tokenUrl: https://other.example/token\n",
        ),
        encoding="utf-8",
    )
    result = generate_package(spec, name="two", speed=Speed(cache=None, workers=False))
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.code == "W500"]
    assert warning.pointer == "/components/securitySchemes/Oauth2c"
    assert "one authorization server ('OAuth2Security''s)" in warning.message and "oauth2_c=" in warning.message
    client = result.files["two_client/client.py"]
    assert "oauth2_c: str | Callable[[], str] | None = None" in client and "oauth2: str |" in client


# -- what users write, type-checked ----------------------------------------------------------------------

CONSUMER = """
import json

from hiring_client import AsyncHiring, AuthorizationRequest, Hiring, MemoryTokenStore, OAuthTokens
from hiring_client.models import Job


class RowStore:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.row: str | None = None

    def load(self) -> OAuthTokens | None:
        return OAuthTokens.from_dict(json.loads(self.row)) if self.row else None

    def save(self, tokens: OAuthTokens) -> None:
        self.row = json.dumps(tokens.to_dict())


class AsyncRowStore:
    async def load(self) -> OAuthTokens | None:
        return None

    async def save(self, tokens: OAuthTokens) -> None:
        print(tokens.expires_at)


def sync_use(callback_url: str) -> list[Job]:
    app = Hiring(client_id="app", client_secret="s", token_auth="client_secret_post")
    request: AuthorizationRequest = app.authorization_url("https://app/cb", scopes=["jobs:read"], state="x")
    tenant = app.with_options(token_store=RowStore("acme"), token_params={"audience": "urn:api"})
    tokens: OAuthTokens = tenant.exchange_code(
        request.code_from(callback_url), redirect_uri=request.redirect_uri, code_verifier=request.code_verifier
    )
    print(tokens.refresh_token)
    Hiring(oauth2="token", token_store=MemoryTokenStore(tokens))
    return tenant.jobs.list()


async def async_use() -> list[Job]:
    async with AsyncHiring(client_id="app", token_store=AsyncRowStore(), token_auth="client_secret_basic") as client:
        tokens: OAuthTokens = await client.exchange_code("c", redirect_uri="https://app/cb")
        print(tokens.scope)
        return await client.with_options(token_store=MemoryTokenStore()).jobs.list()
"""

WRONG = """
from hiring_client import AsyncHiring, Hiring

Hiring(token_auth="private_key_jwt")
Hiring(token_params={"audience": 1})
Hiring(oauth2_c="token")


class AsyncOnly:
    async def load(self) -> None:
        return None

    async def save(self, tokens: object) -> None:
        return None


Hiring(token_store=AsyncOnly())  # a sync client cannot await its store
AsyncHiring(token_store=AsyncOnly())  # an async one can
"""


def test_mypy_strict_accepts_a_consumer_of_the_oauth_keywords_and_flags_misuse(generated, tmp_path):
    root = generated["root"]
    (tmp_path / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    (tmp_path / "wrong.py").write_text(WRONG, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(root / "hiring")}
    base = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy")]
    proc = subprocess.run(
        [*base, str(tmp_path / "consumer.py")],  # and the package it imports, followed
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    flagged = subprocess.run(
        [*base, str(tmp_path / "wrong.py")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    errors = [line for line in flagged.stdout.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in errors] == [4, 5, 6, 17], flagged.stdout


# -- README.md's example, run as written -----------------------------------------------------------------

BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_the_readme_oauth_example_runs_against_a_real_server(server, generated, tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- oauth:start -->", 1)[1].split("<!-- oauth:end -->", 1)[0]
    blocks = BLOCK.findall(section)
    assert len(blocks) == 1
    serve(server)
    monkeypatch.setenv("HIRING_BASE_URL", server.url)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(blocks[0], "README.md (oauth)", "exec"), {"__name__": "readme"})
    out = printed.getvalue().splitlines()
    assert out[0] == f"authorize at: {server.url}/oauth/authorize"
    assert out[1:] == ["jobs: ['j1']", "saved: True"]
    [exchange] = token_requests(server)
    assert exchange.body.startswith(b"grant_type=authorization_code&code=c-123&redirect_uri=")
    assert [r.headers["authorization"] for r in api_requests(server)] == ["Bearer at-1"]
    assert json.loads((tmp_path / "acme-tokens.json").read_text())["refresh_token"] == "rt-1"
