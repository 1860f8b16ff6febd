"""Webhooks received: check the signature over the raw body, then parse the payload into its model.

Four signature schemes (``Signature.scheme``), each an HMAC-SHA256 keyed by the webhook secret:
- ``hmac-sha256``: of the raw body, hex or base64, in one header (after an optional prefix such as
  ``sha256=``). It signs no time: a delivery captured once can be replayed at will;
- ``hmac-sha256-timestamped``: of ``payload`` (``{timestamp}.{body}`` unless declared otherwise) with
  the timestamp from its own header, hex or base64, in one header (after an optional prefix); a
  timestamp further than the tolerance from now is refused;
- ``stripe``: one header ``t=<timestamp>,v1=<hex>,v1=<hex>`` (several ``v1`` while a secret is rotated;
  other versions ignored), signed over ``{t}.{body}`` with the secret as written; tolerance as above;
- ``standard-webhooks`` (standardwebhooks.com): ``webhook-id``, ``webhook-timestamp`` and
  ``webhook-signature`` (``v1,<base64>``, several allowed), signed over ``id.timestamp.body`` with the
  base64 key of a ``whsec_`` secret; tolerance as above.

Each event has its scheme (``_signatures``, else the document's ``_signature``). A webhook's signature is
checked against the scheme of each event it may be (``event=``, else every event), and its payload is
parsed only as an event whose scheme it passed. Signatures are compared in constant time; timestamps
are seconds since the epoch in plain ASCII digits.

A secret (``secret=``, the receiver's, or the environment variable it names) means the caller wants the
webhook checked: where no scheme is documented that is refused, never skipped. ``parse_unverified`` is
the one way to parse a webhook without a check. Hand-written and copied verbatim into each generated
package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Union

import pydantic

from ._model import Model
from ._observations import Finding, Observations, log_once, vocabulary
from .errors import (
    InvalidWebhookPayloadError,
    InvalidWebhookSignatureError,
    MissingCredentialsError,
)

log = logging.getLogger(__name__.rpartition(".")[0] or __name__)


class UnknownEvent(Model):
    """A webhook whose signature passed but which is no event this version of the client knows: its name
    (``event=``) is not one of ``EVENTS``, or, unnamed, its payload fits none of their schemas. Nothing is
    lost: every property is kept as received (``model_extra``, ``model_dump()``)."""

    _event: str | None = pydantic.PrivateAttr(default=None)

    @property
    def event_name(self) -> str | None:
        """The event's name, when the caller gave it (``event=``)."""
        return self._event


__all__ = ["Signature", "UnknownEvent", "WebhookReceiver"]

#: A timestamp: seconds since the epoch in ASCII digits, and no more of them than a date needs
#: (``int()`` would also take signs, spaces, underscores and other scripts' digits).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
#: The placeholders of ``Signature.payload``.
_PLACEHOLDER = re.compile(r"(\{timestamp\}|\{body\})")


@dataclass(frozen=True)
class Signature:
    scheme: str  # hmac-sha256 | hmac-sha256-timestamped | stripe | standard-webhooks
    header: str = "X-Signature"
    encoding: str = "hex"
    prefix: str = ""
    tolerance: float = 300.0
    timestamp_header: str = "X-Timestamp"  # hmac-sha256-timestamped
    payload: str = "{timestamp}.{body}"  # hmac-sha256-timestamped: what is signed


class WebhookReceiver:
    """The base of a package's ``Webhooks``: ``_events`` (name -> payload type), ``_signature`` (the
    document's scheme) and ``_signatures`` (the events that declare their own) are set by the generated
    subclass."""

    _events: ClassVar[Mapping[str, Any]] = {}
    _signature: ClassVar[Signature | None] = None
    _signatures: ClassVar[Mapping[str, Signature]] = {}
    _env: ClassVar[str] = ""
    _adapters: ClassVar[dict[tuple[str, ...], pydantic.TypeAdapter[Any]]]

    def __init__(
        self,
        secret: str | None = None,
        *,
        strict: bool = False,
        observe: Observations | None = None,
    ) -> None:
        self.secret = secret
        self.strict = strict  # a payload that differs from its event's schema raises
        self.observations = observe  # where deliveries that differ are recorded

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._adapters = {}

    def signature_of(self, event: str) -> Signature | None:
        """How ``event`` (a name of ``EVENTS``) is signed: its own scheme, else the document's; None
        when neither documents one."""
        self._known(event)
        return self._signatures.get(event, self._signature)

    def verify(
        self,
        body: bytes | str,
        headers: Mapping[str, str],
        *,
        secret: str | None = None,
        event: str | None = None,
    ) -> tuple[str, ...]:
        """The events (names of ``EVENTS``, ``event`` alone when given) whose scheme the signature in
        ``headers`` passes for ``body`` (the raw bytes received) and the secret (``secret=``, else the
        receiver's, else the environment variable's).

        Raises ``InvalidWebhookSignatureError`` when no scheme passes, or when no scheme is documented
        for these events (nothing can be checked), and ``MissingCredentialsError`` without a secret.
        """
        verified = self._verified(body, headers, secret, event)
        if verified is None:
            raise _undocumented(event, given=False)
        return verified

    def _unwrap(
        self, body: bytes | str, headers: Mapping[str, str], secret: str | None, event: str | None
    ) -> Any:
        verified = self._verified(body, headers, secret, event)
        if verified is None:  # no scheme documented and no secret given: parsed unchecked
            return self._parse(body, event)
        return self._parse(body, event, verified)

    def _parse_unverified(self, body: bytes | str, event: str | None) -> Any:
        return self._parse(body, event)

    def _known(self, event: str) -> None:
        if event not in self._events:
            raise ValueError(f"unknown event {event!r}; the events are {sorted(self._events)}")

    def _verified(
        self,
        body: bytes | str,
        headers: Mapping[str, str],
        secret: str | None,
        event: str | None,
    ) -> tuple[str, ...] | None:
        """The events whose scheme the webhook's signature passes; None when no scheme is documented
        for the events it may be and no secret is given (with a secret, that is refused)."""
        names = [event] if event is not None else list(self._events)
        by_scheme: dict[Signature, list[str]] = {}
        unsigned: list[str] = []
        for name in names:
            schemes = self._schemes(name)
            if not schemes:
                unsigned.append(name)
            for scheme in schemes:
                by_scheme.setdefault(scheme, []).append(name)
        key = next(
            (k for k in (secret, self.secret, os.environ.get(self._env)) if k is not None), ""
        )
        if not by_scheme:
            if key:
                raise _undocumented(event, given=True)
            return None
        if not key:
            raise MissingCredentialsError(
                f"checking a webhook's signature needs its secret: pass secret= or set {self._env}"
            )
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        lower = {k.lower(): v for k, v in headers.items()}
        verified: list[str] = []
        refusals: list[tuple[str, InvalidWebhookSignatureError]] = []
        for scheme, events in by_scheme.items():
            try:
                _check(raw, lower, key, scheme)
            except InvalidWebhookSignatureError as exc:
                refusals.append((f"{scheme.scheme} ({', '.join(map(repr, events))})", exc))
            else:
                verified += events
        if verified:
            return tuple(verified)
        if len(refusals) == 1 and not unsigned:
            raise refusals[0][1]
        said = [f"{label}: {exc}" for label, exc in refusals]
        if unsigned:
            said.append(f"no scheme documented ({', '.join(map(repr, unsigned))})")
        raise InvalidWebhookSignatureError(
            "the webhook passes the signature scheme of none of the events it may be: "
            + "; ".join(said)
            + ". Name the event with event= to check its scheme alone"
        )

    def _schemes(self, name: str) -> list[Signature]:
        """How ``name`` may be signed: a known event's scheme; for a name no event has, the scheme the
        document gives, else every scheme its events use (it is taken when one of them passes). An
        unknown event is only ever taken when it passes a signature check, unless the document documents
        none at all."""
        if name in self._events:
            known = self._signatures.get(name, self._signature)
            return [] if known is None else [known]
        if self._signature is not None:
            return [self._signature]
        return list(
            dict.fromkeys(s for n in self._events if (s := self._signatures.get(n)) is not None)
        )

    def _parse(
        self, body: bytes | str, event: str | None, among: tuple[str, ...] | None = None
    ) -> Any:
        if event is not None and event not in self._events:
            return self._unknown(body, event)
        names = (
            (event,) if event is not None else among if among is not None else tuple(self._events)
        )
        adapter = self._adapters.get(names)
        if adapter is None:
            kinds = list(dict.fromkeys(self._events[name] for name in names))
            kind: Any = (
                kinds[0] if len(kinds) == 1 else Union[tuple(kinds)]
            )  # types known at run time only
            adapter = self._adapters[names] = pydantic.TypeAdapter(kind)
        try:
            value = adapter.validate_json(body, strict=True)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            tolerated = self._tolerated(body, names, errors)
            if tolerated is not None:
                return tolerated
            first: Mapping[str, Any] = errors[0] if errors else {}
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            what = event or (names[0] if len(names) == 1 else "any event")
            raise InvalidWebhookPayloadError(
                f"the webhook payload does not match {what}'s schema"
                f" ({where}: {first.get('msg', 'invalid')}; {len(errors)} error(s))",
                errors=errors,
            ) from None
        if self.strict or self.observations is not None:
            from ._tolerant import Walk, inspect

            walk = Walk("payload")
            inspect(value, "", walk)
            name = next((n for n in names if self._events[n] is type(value)), "*")
            self._found(name, walk.findings)
        return value

    def _tolerated(
        self, body: bytes | str, names: tuple[str, ...], errors: list[Any]
    ) -> Any | None:
        """A payload that does not match: parsed all the same as the one event it can be, or, of several,
        as the one whose schema it fits but for values it adds (properties, enum values); else an
        ``UnknownEvent``. None when it is not JSON or the receiver is strict (the caller raises)."""
        if self.strict or (errors and errors[0].get("type") == "json_invalid"):
            return None
        from ._tolerant import Walk, build

        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return None
        tried: list[tuple[str, Any, Walk]] = []
        for name in names:
            walk = Walk("payload")
            tried.append((name, build(self._events[name], decoded, "", walk), walk))
        # The one event it can be; of several, the one whose constants (a ``type`` tag) it matches
        # where the others' differ, else the one it fits but for values it adds.
        named = [t for t in tried if t[2].pinned == 0 and t[2].held]
        if len(tried) == 1:
            fits = tried
        elif len(named) == 1:
            fits = named
        else:
            fits = [t for t in tried if t[2].hard() == 0]
        if len(fits) == 1 and isinstance(decoded, dict):
            name, made, walk = fits[0]
            self._found(name, walk.findings)
            return made
        if not isinstance(decoded, dict):
            return None
        return self._unknown(body, None, decoded, names)

    def _unknown(
        self,
        body: bytes | str,
        event: str | None,
        decoded: Any = None,
        names: tuple[str, ...] = (),
    ) -> UnknownEvent:
        if decoded is None:
            try:
                decoded = json.loads(body)
            except (ValueError, RecursionError):
                decoded = None
        if not isinstance(decoded, dict):
            raise InvalidWebhookPayloadError(
                "the webhook payload is not a JSON object", errors=[]
            ) from None
        word = vocabulary(event) if event is not None else None
        finding = Finding(
            "unknown-event",
            "payload",
            "",
            " | ".join(sorted(names or self._events)),
            word or ("event" if event is None else "string"),
            word,
        )
        if self.strict:
            raise InvalidWebhookPayloadError(
                f"the webhook is no event of this API ({finding.message('webhook')})", errors=[]
            )
        self._found("*", [finding])
        made = UnknownEvent.model_construct(_fields_set=set())
        object.__setattr__(made, "__pydantic_extra__", dict(decoded))
        made._event = event
        return made

    def _found(self, name: str, findings: list[Finding]) -> None:
        """Record a delivery and what differed in it; raise when strict."""
        if self.observations is not None:
            self.observations.record_call(name, None, findings, webhook=True)
        if not findings:
            return
        if self.strict:
            raise InvalidWebhookPayloadError(
                f"the webhook payload differs from {name}'s schema"
                f" ({findings[0].message(name)}; {len(findings)} difference(s))",
                errors=[
                    {"type": f.kind, "loc": f.pointer, "msg": f.message(name)} for f in findings
                ],
            )
        log_once(log, f"webhook {name}", findings)


def _undocumented(event: str | None, *, given: bool) -> InvalidWebhookSignatureError:
    what = f"event {event!r}" if event is not None else "this API's webhooks"
    return InvalidWebhookSignatureError(
        f"no signature scheme is documented for {what}: "
        + ("the secret given cannot check this webhook" if given else "nothing can check it")
        + ". Declare one with x-sdk-webhook-signature (at the document's root or on the event's"
        " operation; an overlay adds it to a document you do not control) and generate again, or"
        " parse the webhook without any check with parse_unverified()"
    )


def _check(raw: bytes, headers: Mapping[str, str], secret: str, scheme: Signature) -> None:
    if scheme.scheme == "hmac-sha256":
        _check_hmac(headers, secret, scheme, raw)
    elif scheme.scheme == "hmac-sha256-timestamped":
        stamp = _fresh(
            headers.get(scheme.timestamp_header.lower()), scheme.timestamp_header, scheme
        )
        signed = _filled(scheme.payload, stamp, raw)
        _check_hmac(headers, secret, scheme, signed)
    elif scheme.scheme == "stripe":
        _check_stripe(raw, headers, secret, scheme)
    elif scheme.scheme == "standard-webhooks":
        _check_standard(raw, headers, secret, scheme.tolerance)
    else:
        raise InvalidWebhookSignatureError(f"unknown signature scheme {scheme.scheme!r}")


def _filled(template: str, stamp: str, raw: bytes) -> bytes:
    """``template`` with its ``{timestamp}`` and ``{body}`` in place (its literal text as UTF-8)."""
    values = {"{timestamp}": stamp.encode("ascii"), "{body}": raw}
    return b"".join(values.get(part, part.encode("utf-8")) for part in _PLACEHOLDER.split(template))


def _fresh(stamp: str | None, header: str, scheme: Signature) -> str:
    """``stamp`` when it is a plain number of seconds within the tolerance of now."""
    if not stamp:
        raise InvalidWebhookSignatureError(f"no {header} timestamp: the webhook is not signed")
    if not _TIMESTAMP.fullmatch(stamp):
        raise InvalidWebhookSignatureError(f"{header} {stamp[:40]!r} is not a number of seconds")
    if abs(time.time() - int(stamp)) > scheme.tolerance:
        raise InvalidWebhookSignatureError(
            f"the webhook's timestamp is more than {scheme.tolerance:g} s from now: stale or replayed"
        )
    return stamp


def _check_hmac(headers: Mapping[str, str], secret: str, scheme: Signature, signed: bytes) -> None:
    given = headers.get(scheme.header.lower())
    if given is None:
        raise InvalidWebhookSignatureError(f"no {scheme.header} header: the webhook is not signed")
    if scheme.prefix:
        if not given.startswith(scheme.prefix):
            raise InvalidWebhookSignatureError(
                f"the {scheme.header} header does not start with {scheme.prefix!r}"
            )
        given = given[len(scheme.prefix) :]
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
    if scheme.encoding == "hex":
        expected, given = digest.hex(), given.strip().lower()
    else:
        expected, given = base64.b64encode(digest).decode("ascii"), given.strip()
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
        raise InvalidWebhookSignatureError("the webhook's signature does not match its body")


def _check_stripe(raw: bytes, headers: Mapping[str, str], secret: str, scheme: Signature) -> None:
    given = headers.get(scheme.header.lower())
    if not given:
        raise InvalidWebhookSignatureError(f"no {scheme.header} header: the webhook is not signed")
    stamps: list[str] = []
    signatures: list[str] = []
    for item in given.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            stamps.append(value)
        elif name == "v1":
            signatures.append(value)
    if len(stamps) != 1 or not signatures:
        raise InvalidWebhookSignatureError(
            f"the {scheme.header} header needs one t= timestamp and at least one v1= signature"
        )
    stamp = _fresh(stamps[0], f"{scheme.header} t=", scheme)
    signed = stamp.encode("ascii") + b"." + raw
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest().encode("ascii")
    found = False
    for candidate in signatures:  # every one compared: the time taken says nothing of which matched
        found |= hmac.compare_digest(expected, candidate.strip().lower().encode("utf-8", "replace"))
    if not found:
        raise InvalidWebhookSignatureError("none of the webhook's signatures matches its body")


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
