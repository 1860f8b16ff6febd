"""OAuth2 client credentials: an access token fetched on first use, kept until shortly before it expires,
and fetched again once when the API answers 401 to it. One fetch at a time per client, across threads
(sync) and tasks (async).

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import httpx

from .errors import APIConnectionError, APIStatusError, APITimeoutError, status_error_class

__all__ = ["ClientCredentials", "client_credentials"]

#: A token is not used in the last part of its life: 10% of it, at most this many seconds.
EXPIRY_MARGIN = 30.0


class ClientCredentials:
    """The token source of one client: ``client_id`` and ``client_secret`` exchanged at ``token_url``
    (HTTP Basic authentication, ``grant_type=client_credentials``, RFC 6749 section 4.4)."""

    def __init__(
        self, token_url: str, client_id: str, client_secret: str, scopes: tuple[str, ...]
    ) -> None:
        from ._runtime import _check_credential

        self.token_url = token_url
        self._client_id = _check_credential(client_id, "client_id=")
        self._client_secret = _check_credential(client_secret, "client_secret=")
        self._scopes = scopes
        self._token: str | None = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()
        self._async_lock: Any = None
        self.fetched = 0  # tokens fetched so far

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._client_secret,)

    def resolve(self, base_url: str) -> None:
        """A relative token URL is relative to the base URL the client uses (OpenAPI's rule for URLs)."""
        url = httpx.URL(base_url + "/").join(self.token_url)
        if url.scheme not in ("http", "https"):
            raise ValueError(f"token_url must be an http or https URL, not {self.token_url!r}")
        self.token_url = str(url)

    def current(self) -> str | None:
        """The token, while it is good to use."""
        token = self._token
        if token is None or (self._expires_at is not None and time.monotonic() >= self._expires_at):
            return None
        return token

    def discard(self, token: str) -> None:
        """The API refused ``token``: the next ``get`` fetches another (unless another caller already did)."""
        if self._token == token:
            self._token = None

    def get(self, http: httpx.Client, limit: int | None = None, total: float | None = None) -> str:
        """The token, fetched when there is none good to use; its response's body is held to ``limit``
        bytes (the client's ``max_response_bytes``) and the whole exchange to ``total`` seconds (the
        client's total timeout), as a call's is."""
        from ._runtime import _DEADLINE, _HELD, Endpoint, _hold_to_deadline, _on_trace, _read_body

        token = self.current()
        if token is not None:
            return token
        with self._lock:
            token = self.current()  # another thread may have fetched it meanwhile
            if token is None:
                deadline = None if total is None else time.monotonic() + total
                held = _DEADLINE.set(deadline)
                try:
                    request = self._request(http)
                    if http not in _HELD:
                        request.extensions.setdefault("trace", _on_trace)
                    response = http.send(request, follow_redirects=False, stream=True)
                    _hold_to_deadline(response.extensions.get("network_stream"))
                    try:
                        _read_body(response, deadline, limit, Endpoint("POST", self.token_url))
                    finally:
                        response.close()
                except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
                    raise _fetch_error(exc) from None
                finally:
                    _DEADLINE.reset(held)
                token = self._accept(response)
            return token

    async def aget(
        self, http: httpx.AsyncClient, limit: int | None = None, total: float | None = None
    ) -> str:
        import anyio

        from ._runtime import Endpoint, _aread_body

        token = self.current()
        if token is not None:
            return token
        if self._async_lock is None:
            self._async_lock = anyio.Lock()
        async with self._async_lock:
            token = self.current()
            if token is None:
                try:
                    with anyio.fail_after(total):
                        response = await http.send(
                            self._request(http), follow_redirects=False, stream=True
                        )
                        try:
                            await _aread_body(response, limit, Endpoint("POST", self.token_url))
                        finally:
                            await response.aclose()
                except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
                    raise _fetch_error(exc) from None
                token = self._accept(response)
            return token

    def _request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self._scopes:
            form["scope"] = " ".join(self._scopes)
        # RFC 6749 section 2.3.1: each half form-encoded, then joined and base64-encoded.
        pair = f"{quote_plus(self._client_id)}:{quote_plus(self._client_secret)}"
        basic = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        return http.build_request(
            "POST",
            self.token_url,
            data=form,
            headers={"Accept": "application/json", "Authorization": f"Basic {basic}"},
        )

    def _accept(self, response: httpx.Response) -> str:
        from ._runtime import _UNPRINTABLE, _redact_json, _redact_text

        body: Any = None
        try:
            body = _redact_json(response.json(), self.secrets)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
            body = _redact_text(response.text[:200], self.secrets)
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
        token: str = body["access_token"]
        expires_in = body.get("expires_in")
        self._expires_at = (
            time.monotonic() + float(expires_in) - min(EXPIRY_MARGIN, float(expires_in) / 10)
            if isinstance(expires_in, (int, float))
            and not isinstance(expires_in, bool)
            and expires_in > 0
            else None
        )
        self._token = token
        self.fetched += 1
        return token


def client_credentials(
    token_url: str | None, client_id: str | None, client_secret: str | None, scopes: tuple[str, ...]
) -> ClientCredentials | None:
    """A token source when both halves of the client credentials are known, else None."""
    if not (client_id and client_secret and token_url):
        return None
    return ClientCredentials(token_url, client_id, client_secret, scopes)


def _fetch_error(exc: Exception) -> APIConnectionError:
    """What a token fetch that got no usable answer raises (never the exception's text: it may hold
    the token URL's query)."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return APITimeoutError(f"Timed out fetching a token: {type(exc).__name__}")
    return APIConnectionError(f"Connection error fetching a token: {type(exc).__name__}")
