"""Webhooks received: check the signature over the raw body, then parse the payload into its model.

Two signature schemes:
- ``hmac-sha256``: HMAC-SHA256 of the raw body with the secret, hex or base64, in one header (after an
  optional prefix such as ``sha256=``);
- ``standard-webhooks`` (standardwebhooks.com): ``webhook-id``, ``webhook-timestamp`` and
  ``webhook-signature`` (``v1,<base64>``, several allowed), signed over ``id.timestamp.body`` with the
  base64 key of a ``whsec_`` secret; a timestamp further than the tolerance from now is refused.

Signatures are compared in constant time. Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Union

import pydantic

from .errors import (
    InvalidWebhookPayloadError,
    InvalidWebhookSignatureError,
    MissingCredentialsError,
)

__all__ = ["Signature", "WebhookReceiver"]

#: A Standard Webhooks timestamp: seconds since the epoch in ASCII digits, and no more of them than a
#: date needs (``int()`` would also take signs, spaces, underscores and other scripts' digits).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Signature:
    scheme: str  # hmac-sha256 | standard-webhooks
    header: str = "X-Signature"
    encoding: str = "hex"
    prefix: str = ""
    tolerance: float = 300.0


class WebhookReceiver:
    """The base of a package's ``Webhooks``: ``_events`` (name -> payload type) and ``_signature`` are set
    by the generated subclass."""

    _events: ClassVar[Mapping[str, Any]] = {}
    _signature: ClassVar[Signature | None] = None
    _env: ClassVar[str] = ""
    _adapters: ClassVar[dict[str | None, pydantic.TypeAdapter[Any]]]

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._adapters = {}

    def verify(
        self, body: bytes | str, headers: Mapping[str, str], *, secret: str | None = None
    ) -> None:
        """Raise ``InvalidWebhookSignatureError`` unless ``body`` (the raw bytes received) carries a good
        signature in ``headers`` for the secret (``secret=``, else the one given at construction).
        """
        scheme = self._signature
        if scheme is None:
            return  # the API documents no signature: there is nothing to check
        key = secret if secret is not None else self.secret
        if not key:
            raise MissingCredentialsError(
                f"checking a webhook's signature needs its secret: pass secret= or set {self._env}"
            )
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        lower = {k.lower(): v for k, v in headers.items()}
        if scheme.scheme == "hmac-sha256":
            _check_hmac(raw, lower, key, scheme)
        else:
            _check_standard(raw, lower, key, scheme.tolerance)

    def _unwrap(
        self, body: bytes | str, headers: Mapping[str, str], secret: str | None, event: str | None
    ) -> Any:
        self.verify(body, headers, secret=secret)
        if event is not None and event not in self._events:
            raise ValueError(f"unknown event {event!r}; the events are {sorted(self._events)}")
        adapter = self._adapters.get(event)
        if adapter is None:
            kinds = (
                [self._events[event]]
                if event is not None
                else list(dict.fromkeys(self._events.values()))
            )
            kind: Any = (
                kinds[0] if len(kinds) == 1 else Union[tuple(kinds)]
            )  # types known at run time only
            adapter = self._adapters[event] = pydantic.TypeAdapter(kind)
        try:
            return adapter.validate_json(body)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            first: Mapping[str, Any] = errors[0] if errors else {}
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise InvalidWebhookPayloadError(
                f"the webhook payload does not match {event or 'any event'}'s schema"
                f" ({where}: {first.get('msg', 'invalid')}; {len(errors)} error(s))",
                errors=errors,
            ) from None


def _check_hmac(raw: bytes, headers: Mapping[str, str], secret: str, scheme: Signature) -> None:
    given = headers.get(scheme.header.lower())
    if given is None:
        raise InvalidWebhookSignatureError(f"no {scheme.header} header: the webhook is not signed")
    if scheme.prefix:
        if not given.startswith(scheme.prefix):
            raise InvalidWebhookSignatureError(
                f"the {scheme.header} header does not start with {scheme.prefix!r}"
            )
        given = given[len(scheme.prefix) :]
    digest = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).digest()
    if scheme.encoding == "hex":
        expected, given = digest.hex(), given.strip().lower()
    else:
        expected, given = base64.b64encode(digest).decode("ascii"), given.strip()
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
        raise InvalidWebhookSignatureError("the webhook's signature does not match its body")


def _check_standard(raw: bytes, headers: Mapping[str, str], secret: str, tolerance: float) -> None:
    msg_id, stamp, signatures = (
        headers.get(f"webhook-{name}") for name in ("id", "timestamp", "signature")
    )
    if not (msg_id and stamp and signatures):
        raise InvalidWebhookSignatureError(
            "a Standard Webhooks message needs webhook-id, webhook-timestamp and webhook-signature"
        )
    if not _TIMESTAMP.fullmatch(stamp):
        raise InvalidWebhookSignatureError(
            f"webhook-timestamp {stamp[:40]!r} is not a number of seconds"
        )
    if abs(time.time() - int(stamp)) > tolerance:
        raise InvalidWebhookSignatureError(
            f"the webhook's timestamp is more than {tolerance:g} s from now: stale or replayed"
        )
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidWebhookSignatureError(
            "the secret is not a Standard Webhooks secret (whsec_ and base64)"
        ) from None
    signed = msg_id.encode("utf-8", "replace") + b"." + stamp.encode("ascii") + b"." + raw
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(expected, value.encode("utf-8", "replace")):
            return
    raise InvalidWebhookSignatureError("none of the webhook's signatures matches its body")
