"""OAuth2 tokens (RFC 6749): the client credentials grant (section 4.4), and the tokens of the
authorization code grant (section 4.1), kept in a store the application gives (one per tenant) and
refreshed (section 6) when they expire or the API answers 401.

A token is asked for with the scopes the operation's security requirement names, and kept by the scopes
it was granted: a call needing scopes no token held has carries gets a token for them. Tokens are used
until shortly before they expire, and fetched again once when the API answers 401 to one. One token
request at a time per client, across threads (sync) and tasks (async): calls that find no good token
wait for the one request and use what it gave.

The client authenticates to the token endpoint with ``client_secret_basic`` (HTTP Basic, the default
every server must accept) or ``client_secret_post`` (``client_id`` and ``client_secret`` in the form);
``token_params`` adds fields such as ``audience`` to every token request.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import httpx

from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    MissingCredentialsError,
    status_error_class,
)

__all__ = [
    "AsyncTokenStore",
    "AuthorizationRequest",
    "MemoryTokenStore",
    "OAuthTokens",
    "TokenAuth",
    "TokenSource",
    "TokenStore",
    "client_credentials",
    "oauth2_tokens",
]

#: A token is not used in the last part of its life: 10% of it, at most this many seconds.
EXPIRY_MARGIN = 30.0

#: How the client authenticates to the token endpoint (RFC 6749 section 2.3.1).
TokenAuth = Literal["client_secret_basic", "client_secret_post"]
TOKEN_AUTHS = ("client_secret_basic", "client_secret_post")

#: Token request fields the client writes itself: ``token_params`` cannot replace them.
RESERVED_TOKEN_PARAMS = frozenset(
    {"grant_type", "client_id", "client_secret", "code", "redirect_uri", "code_verifier"}
    | {"refresh_token"}
)
#: Authorization request fields ``authorization_url`` writes itself.
RESERVED_AUTHORIZATION_PARAMS = frozenset(
    {"response_type", "client_id", "redirect_uri", "scope", "state"}
    | {"code_challenge", "code_challenge_method"}
)


@dataclass(frozen=True)
class OAuthTokens:
    """Tokens the authorization server issued (RFC 6749 section 5.1), as a token store keeps them:
    ``to_dict()`` and ``OAuthTokens.from_dict()`` turn them into JSON-ready values and back."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # seconds since the epoch (``time.time()``); None: not said
    scope: str | None = None  # space-separated, as granted
    token_type: str = "Bearer"

    def expired(self) -> bool:
        """Whether the access token's lifetime is over (a token without one never is)."""
        return self.expires_at is not None and time.time() >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthTokens:
        expires_at = data.get("expires_at")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=(
                str(data["refresh_token"]) if data.get("refresh_token") is not None else None
            ),
            expires_at=float(expires_at) if expires_at is not None else None,
            scope=str(data["scope"]) if data.get("scope") is not None else None,
            token_type=str(data.get("token_type") or "Bearer"),
        )


class TokenStore(Protocol):
    """Where one tenant's tokens live between calls and processes (a database row, a secret manager):
    ``load`` gives them (None: none yet), ``save`` keeps those a refresh or ``exchange_code`` issued.
    """

    def load(self) -> OAuthTokens | None: ...

    def save(self, tokens: OAuthTokens) -> None: ...


class AsyncTokenStore(Protocol):
    """A ``TokenStore`` whose methods are coroutines (an async client awaits them)."""

    async def load(self) -> OAuthTokens | None: ...

    async def save(self, tokens: OAuthTokens) -> None: ...


class MemoryTokenStore:
    """Tokens kept in this process only: for a script, a test, or a first step."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self.tokens = tokens

    def load(self) -> OAuthTokens | None:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user (``url``), and what to keep until they come back to ``redirect_uri``:
    ``state``, which ``code_from`` checks, and the PKCE ``code_verifier`` ``exchange_code`` sends.
    """

    url: str
    state: str = field(repr=False)
    code_verifier: str | None = field(default=None, repr=False)
    redirect_uri: str = ""

    def code_from(self, callback_url: str) -> str:
        """The authorization code in the URL the user came back on, once its ``state`` is this
        request's. An ``error`` there (the user declined, RFC 6749 section 4.1.2.1), another state or no
        code raises ValueError."""
        query = parse_qs(urlsplit(callback_url).query)
        if "error" in query:
            described = query.get("error_description", [""])[0]
            raise ValueError(
                f"the authorization server answered {query['error'][0]!r}"
                + (f": {described}" if described else "")
            )
        state = query.get("state", [""])[0]
        if not hmac.compare_digest(state.encode(), self.state.encode()):
            raise ValueError("the callback's state is not this request's: not exchanged")
        code = query.get("code", [""])[0]
        if not code:
            raise ValueError("the callback holds no authorization code")
        return code


@dataclass
class _Held:
    """A token in memory: what it was asked for with, what it was granted, until when it is used."""

    tokens: OAuthTokens
    asked: frozenset[str]
    granted: frozenset[str]
    until: float | None  # time.monotonic()


class TokenSource:
    """The OAuth2 side of one client: where tokens come from (``grant``: ``client_credentials``,
    ``refresh_token`` from a token store, or None: only the authorization helpers), which it holds,
    and the authorization code flow's two steps (``authorization_request``, ``exchange``)."""

    def __init__(
        self,
        *,
        grant: Literal["client_credentials", "refresh_token"] | None,
        client_id: str | None,
        client_secret: str | None,
        token_url: str | None,
        code_token_url: str | None,
        refresh_url: str | None,
        authorization_url: str | None,
        token_auth: str,
        token_params: Mapping[str, str],
        token_store: Any,
        scopes: tuple[str, ...],
        authorization_scopes: tuple[str, ...],
    ) -> None:
        from ._runtime import _check_credential

        if token_auth not in TOKEN_AUTHS:
            raise ValueError(
                f"token_auth must be one of {', '.join(TOKEN_AUTHS)}, not {token_auth!r}"
            )
        reserved = sorted(RESERVED_TOKEN_PARAMS.intersection(token_params))
        if reserved:
            raise ValueError(
                f"token_params cannot set {', '.join(reserved)}: the client writes them"
            )
        self._client_id = _check_credential(client_id, "client_id=") if client_id else None
        self._client_secret = (
            _check_credential(client_secret, "client_secret=") if client_secret else None
        )
        self._grant = grant
        self.token_url = token_url  # client credentials
        self._code_token_url = code_token_url
        self._refresh_url = refresh_url
        self._authorization_url = authorization_url
        self._token_auth = token_auth
        self._params = {str(k): str(v) for k, v in token_params.items()}
        self._store = token_store
        self._scopes = scopes  # asked for when a call names none
        self._authorization_scopes = authorization_scopes
        self._held: tuple[_Held, ...] = ()
        self._latest: OAuthTokens | None = None  # the store's tokens as last loaded or saved
        self._refused: str | None = None  # the access token the API last answered 401 to
        self._base: str | None = None  # the client's base URL, which relative URLs are relative to
        self._lock = threading.Lock()
        self._async_lock: Any = None
        self.fetched = 0  # token responses accepted so far

    @property
    def active(self) -> TokenSource | None:
        """This source, when it can give tokens (a grant to run), else None."""
        return self if self._grant is not None else None

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._client_secret,) if self._client_secret else ()

    def resolve(self, base_url: str) -> None:
        """Take the client's base URL, which a relative URL is relative to (OpenAPI's rule for URLs);
        the token URL of the grant the source runs is checked now, the others when they are used."""
        self._base = base_url
        if self._grant == "client_credentials":
            self._at(self.token_url, "token_url")
        elif self._grant == "refresh_token":
            self._at(self._refresh_url or self._code_token_url or self.token_url, "token_url")

    def _at(self, written: str | None, what: str) -> str:
        """``written`` resolved against the base URL; a ValueError unless it is http or https."""
        url = httpx.URL((self._base or "") + "/").join(written or "")
        if url.scheme not in ("http", "https"):
            raise ValueError(f"{what} must be an http or https URL, not {written!r}")
        return str(url)

    # -- tokens held ---------------------------------------------------------------------------

    def current(self, scopes: Sequence[str] | None = None) -> str | None:
        """A token good to use for a call needing ``scopes`` (any held token when None or empty)."""
        need = frozenset(scopes or ())
        any_token = not need or self._grant == "refresh_token" or "scope" in self._params
        now = time.monotonic()
        for held in self._held:
            if held.until is not None and now >= held.until:
                continue
            if any_token or held.asked == need or need <= held.granted:
                return held.tokens.access_token
        return None

    def discard(self, token: str) -> None:
        """The API refused ``token``: the next ``get`` gets another (unless another caller already did)."""
        self._refused = token
        self._held = tuple(h for h in self._held if h.tokens.access_token != token)

    def _keep(self, tokens: OAuthTokens, asked: frozenset[str]) -> str:
        until = None
        if tokens.expires_at is not None:
            left = tokens.expires_at - time.time()
            until = time.monotonic() + left - min(EXPIRY_MARGIN, max(left, 0.0) / 10)
        granted = frozenset(tokens.scope.split()) if tokens.scope is not None else asked
        kept = _Held(tokens, asked, granted, until)
        others = () if self._grant != "client_credentials" else self._held
        self._held = (kept, *(h for h in others if h.asked != asked))
        return tokens.access_token

    def _loaded(self, stored: Any) -> str | None:
        """The store's tokens, taken as the latest; their access token when it is good to use."""
        if stored is None:
            return None
        if not isinstance(stored, OAuthTokens):
            raise TypeError(
                f"token_store.load() must return OAuthTokens or None, not {type(stored).__name__}"
            )
        self._latest = stored
        if stored.access_token == self._refused or stored.expired():
            return None
        return self._keep(stored, frozenset())

    # -- getting one ---------------------------------------------------------------------------

    def get(
        self,
        http: httpx.Client,
        limit: int | None = None,
        total: float | None = None,
        scopes: Sequence[str] = (),
    ) -> str:
        """A token for a call needing ``scopes``, asked for when none held is good to use; its
        response's body is held to ``limit`` bytes (the client's ``max_response_bytes``) and the whole
        exchange to ``total`` seconds (the client's total timeout), as a call's is."""
        token = self.current(scopes)
        if token is not None:
            return token
        with self._lock:
            token = self.current(scopes)  # another thread may have got one meanwhile
            if token is None and self._grant == "refresh_token":
                token = self._loaded(self._store.load())
            if token is None:
                url, form, asked, previous = self._plan(scopes)
                response = self._send(http, url, form, limit, total)
                tokens = self._accept(response, asked, previous)
                if self._grant == "refresh_token":
                    self._store.save(tokens)
                    self._latest = tokens
                token = self._keep(tokens, asked)
            return token

    async def aget(
        self,
        http: httpx.AsyncClient,
        limit: int | None = None,
        total: float | None = None,
        scopes: Sequence[str] = (),
    ) -> str:
        token = self.current(scopes)
        if token is not None:
            return token
        async with self._alock():
            token = self.current(scopes)
            if token is None and self._grant == "refresh_token":
                token = self._loaded(await _maybe_await(self._store.load()))
            if token is None:
                url, form, asked, previous = self._plan(scopes)
                response = await self._asend(http, url, form, limit, total)
                tokens = self._accept(response, asked, previous)
                if self._grant == "refresh_token":
                    await _maybe_await(self._store.save(tokens))
                    self._latest = tokens
                token = self._keep(tokens, asked)
            return token

    def _plan(
        self, scopes: Sequence[str]
    ) -> tuple[str, dict[str, str], frozenset[str], OAuthTokens | None]:
        """The token request to send: its URL, its form, the scopes it asks for, the tokens it renews."""
        if self._grant == "client_credentials":
            asked = frozenset(scopes or self._scopes)
            form = {"grant_type": "client_credentials"}
            if asked:
                form["scope"] = " ".join(sorted(asked))
            return self._at(self.token_url, "token_url"), {**form, **self._params}, asked, None
        previous = self._latest
        if previous is None:
            raise MissingCredentialsError(
                "token_store= holds no tokens yet: send the user to authorization_url() and give"
                " exchange_code() the code they come back with"
            )
        if not previous.refresh_token:
            raise MissingCredentialsError(
                "the stored access token has expired or was refused, and there is no refresh token"
                " to renew it: the user must authorize again (authorization_url, exchange_code)"
            )
        form = {"grant_type": "refresh_token", "refresh_token": previous.refresh_token}
        url = self._at(self._refresh_url or self._code_token_url or self.token_url, "token_url")
        return url, {**form, **self._params}, frozenset(), previous

    # -- the authorization code flow -------------------------------------------------------------

    def authorization_request(
        self,
        redirect_uri: str,
        scopes: Sequence[str] | None = None,
        state: str | None = None,
        pkce: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> AuthorizationRequest:
        """The authorization request's URL (RFC 6749 section 4.1.1), with a random ``state`` and, with
        ``pkce``, an S256 code challenge (RFC 7636) whose verifier the result keeps."""
        if self._authorization_url is None:
            raise ValueError("this API documents no authorization code flow")
        if not self._client_id:
            raise MissingCredentialsError("authorization_url() needs client_id= on the client")
        extra = dict(params or {})
        reserved = sorted(RESERVED_AUTHORIZATION_PARAMS.intersection(extra))
        if reserved:
            raise ValueError(
                f"params cannot set {', '.join(reserved)}: authorization_url writes them"
            )
        state = state or secrets.token_urlsafe(32)
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
        }
        asked = self._authorization_scopes if scopes is None else tuple(scopes)
        if asked:
            query["scope"] = " ".join(asked)
        query["state"] = state
        verifier = None
        if pkce:
            verifier = secrets.token_urlsafe(64)
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            query["code_challenge"] = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
            query["code_challenge_method"] = "S256"
        base = self._at(self._authorization_url, "the authorization URL")
        url = base + ("&" if "?" in base else "?") + urlencode({**query, **extra})
        return AuthorizationRequest(url, state, verifier, redirect_uri)

    def _exchange_plan(
        self, code: str, redirect_uri: str, code_verifier: str | None
    ) -> tuple[str, dict[str, str]]:
        written = self._code_token_url or self.token_url
        if written is None:
            raise ValueError("this API documents no authorization code flow")
        url = self._at(written, "token_url")
        if not self._client_id:
            raise MissingCredentialsError("exchange_code() needs client_id= on the client")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return url, {**form, **self._params}

    def exchange(
        self,
        http: httpx.Client,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
        limit: int | None = None,
        total: float | None = None,
    ) -> OAuthTokens:
        """The tokens ``code`` is exchanged for (RFC 6749 section 4.1.3), saved to the token store and
        used from now on when the client has one."""
        url, form = self._exchange_plan(code, redirect_uri, code_verifier)
        with self._lock:
            response = self._send(http, url, form, limit, total)
            tokens = self._accept(response, frozenset(), None, (code, code_verifier or ""))
            if self._store is not None:
                self._store.save(tokens)
                self._took(tokens)
            return tokens

    async def aexchange(
        self,
        http: httpx.AsyncClient,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
        limit: int | None = None,
        total: float | None = None,
    ) -> OAuthTokens:
        url, form = self._exchange_plan(code, redirect_uri, code_verifier)
        async with self._alock():
            response = await self._asend(http, url, form, limit, total)
            tokens = self._accept(response, frozenset(), None, (code, code_verifier or ""))
            if self._store is not None:
                await _maybe_await(self._store.save(tokens))
                self._took(tokens)
            return tokens

    def _took(self, tokens: OAuthTokens) -> None:
        self._latest = tokens
        self._refused = None
        if self._grant == "refresh_token":
            self._keep(tokens, frozenset())

    # -- the token endpoint ----------------------------------------------------------------------

    def _alock(self) -> Any:
        if self._async_lock is None:
            import anyio

            self._async_lock = anyio.Lock()
        return self._async_lock

    def _send(
        self,
        http: httpx.Client,
        url: str,
        form: dict[str, str],
        limit: int | None,
        total: float | None,
    ) -> httpx.Response:
        from ._runtime import _DEADLINE, _HELD, Endpoint, _hold_to_deadline, _on_trace, _read_body

        deadline = None if total is None else time.monotonic() + total
        held = _DEADLINE.set(deadline)
        try:
            request = self._request(http, url, form)
            if http not in _HELD:
                request.extensions.setdefault("trace", _on_trace)
            response = http.send(request, follow_redirects=False, stream=True)
            _hold_to_deadline(response.extensions.get("network_stream"))
            try:
                _read_body(response, deadline, limit, Endpoint("POST", url))
            finally:
                response.close()
        except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
            raise _fetch_error(exc) from None
        finally:
            _DEADLINE.reset(held)
        return response

    async def _asend(
        self,
        http: httpx.AsyncClient,
        url: str,
        form: dict[str, str],
        limit: int | None,
        total: float | None,
    ) -> httpx.Response:
        import anyio

        from ._runtime import Endpoint, _aread_body

        try:
            with anyio.fail_after(total):
                response = await http.send(
                    self._request(http, url, form), follow_redirects=False, stream=True
                )
                try:
                    await _aread_body(response, limit, Endpoint("POST", url))
                finally:
                    await response.aclose()
        except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
            raise _fetch_error(exc) from None
        return response

    def _request(
        self, http: httpx.Client | httpx.AsyncClient, url: str, form: dict[str, str]
    ) -> httpx.Request:
        headers = {"Accept": "application/json"}
        form = dict(form)
        if self._client_secret and self._token_auth == "client_secret_basic":
            # RFC 6749 section 2.3.1: each half form-encoded, then joined and base64-encoded.
            pair = f"{quote_plus(self._client_id or '')}:{quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        elif self._client_id:
            # client_secret_post, or a public client identifying itself (section 4.1.3)
            form["client_id"] = self._client_id
            if self._client_secret:
                form["client_secret"] = self._client_secret
        return http.build_request("POST", url, data=form, headers=headers)

    def _accept(
        self,
        response: httpx.Response,
        asked: frozenset[str],
        previous: OAuthTokens | None,
        also_secret: tuple[str, ...] = (),
    ) -> OAuthTokens:
        """The tokens of a token response (RFC 6749 section 5.1), or its error raised (section 5.2),
        with the client's secrets masked in what the error shows."""
        from ._runtime import _UNPRINTABLE, _redact_json, _redact_text

        hidden = tuple(
            s
            for s in (*self.secrets, *also_secret, previous.refresh_token if previous else "")
            if s
        )
        body: Any = None
        try:
            body = _redact_json(response.json(), hidden)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
            body = _redact_text(response.text[:200], hidden)
        if (
            not response.is_success
            or not isinstance(body, Mapping)
            or not isinstance(body.get("access_token"), str)
            or _UNPRINTABLE.search(body["access_token"])
        ):
            status = response.status_code if not response.is_success else 401
            message = f"the token endpoint answered {response.status_code}" + (
                f": {body.get('error_description') or body.get('error')}"
                if isinstance(body, Mapping)
                and (body.get("error_description") or body.get("error"))
                else (
                    ": its access_token is not printable ASCII"
                    if isinstance(body, Mapping) and isinstance(body.get("access_token"), str)
                    else ""
                )
            )
            error: APIStatusError = status_error_class(status)(
                message, response=response, body=body
            )
            raise error
        expires_in = body.get("expires_in")
        if isinstance(expires_in, str) and expires_in.isdigit():  # some servers send a string
            expires_in = int(expires_in)
        refresh = body.get("refresh_token")
        scope = body.get("scope")
        token_type = body.get("token_type")
        self.fetched += 1
        return OAuthTokens(
            access_token=body["access_token"],
            # section 6: a new refresh token may be issued; else the one sent stays good
            refresh_token=(
                refresh
                if isinstance(refresh, str) and refresh
                else (previous.refresh_token if previous else None)
            ),
            expires_at=(
                time.time() + float(expires_in)
                if isinstance(expires_in, (int, float))
                and not isinstance(expires_in, bool)
                and expires_in > 0
                else None
            ),
            # section 5.1: no scope in the response means the scope asked for (or held before)
            scope=(
                scope
                if isinstance(scope, str)
                else (previous.scope if previous else " ".join(sorted(asked)) or None)
            ),
            token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
        )


def oauth2_tokens(
    *,
    client_id: str | None,
    client_secret: str | None,
    token_url: str | None = None,
    token_auth: str | None = None,
    token_params: Mapping[str, str] | None = None,
    token_store: Any = None,
    client_credentials_url: str | None = None,
    code_token_url: str | None = None,
    refresh_url: str | None = None,
    authorization_url: str | None = None,
    scopes: tuple[str, ...] = (),
    authorization_scopes: tuple[str, ...] = (),
    default_token_auth: str = "client_secret_basic",
    default_token_params: Mapping[str, str] | None = None,
) -> TokenSource:
    """The OAuth2 side of a client, from what it was given (``client_id``, ``client_secret``, and
    ``token_url``, ``token_auth``, ``token_params``, ``token_store``, each None when not given) and
    what the document says (its flows' URLs, the scopes asked for when a call names none, its
    ``x-sdk-token-auth`` and ``x-sdk-token-params``). With a token store it runs the authorization code
    flow's tokens; else, with both client credentials and a client credentials flow, that grant;
    else it only builds authorization URLs and exchanges codes (``active`` is None)."""
    if token_store is not None and not (
        callable(getattr(token_store, "load", None))
        and callable(getattr(token_store, "save", None))
    ):
        raise TypeError("token_store must have load() and save() methods")
    grant: Literal["client_credentials", "refresh_token"] | None = None
    if token_store is not None:
        if not (token_url or refresh_url or code_token_url or client_credentials_url):
            raise ValueError("token_store= needs a token URL: pass token_url=")
        grant = "refresh_token"
    elif client_id and client_secret and client_credentials_url:
        grant = "client_credentials"
    return TokenSource(
        grant=grant,
        client_id=client_id,
        client_secret=client_secret,
        token_url=token_url or client_credentials_url,
        code_token_url=token_url or code_token_url,
        refresh_url=token_url or refresh_url,
        authorization_url=authorization_url,
        token_auth=token_auth or default_token_auth,
        token_params={**(default_token_params or {}), **(token_params or {})},
        token_store=token_store,
        scopes=scopes,
        authorization_scopes=authorization_scopes,
    )


def client_credentials(
    token_url: str | None, client_id: str | None, client_secret: str | None, scopes: tuple[str, ...]
) -> TokenSource | None:
    """A client credentials token source when both halves of the credentials are known, else None."""
    return oauth2_tokens(
        client_id=client_id,
        client_secret=client_secret,
        client_credentials_url=token_url,
        scopes=scopes,
    ).active


async def _maybe_await(value: Any) -> Any:
    """What a token store method gave, awaited when it is a coroutine (an ``AsyncTokenStore``)."""
    return await value if inspect.isawaitable(value) else value


def _fetch_error(exc: Exception) -> APIConnectionError:
    """What a token request that got no usable answer raises (never the exception's text: it may hold
    the token URL's query)."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return APITimeoutError(f"Timed out fetching a token: {type(exc).__name__}")
    return APIConnectionError(f"Connection error fetching a token: {type(exc).__name__}")
