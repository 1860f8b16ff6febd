"""Webhook signatures as a receiver meets them: each scheme ``x-sdk-webhook-signature`` declares
(``hmac-sha256-timestamped``, ``stripe``, with ``standard-webhooks`` and ``hmac-sha256`` beside them),
declared for the whole document or per event, checked against deliveries signed here with real HMACs and
received through a server on 127.0.0.1; an API that documents no scheme, where a secret must not be
taken for a check; the declarations that do not fit (``E604``); and ``mypy --strict`` over a receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from server import Recorded, Reply

from generator import generate_package
from generator.core.write import write_tree
from generator.speed import Speed

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"billing-webhook-signing-key-0001").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"billing-webhook-signing-key-0000").decode()
BODY = b'{"id": "in_1", "amount": 120}'  # as sent: the bytes are signed, not the JSON they hold


def event(summary: str, signature: dict[str, Any] | None = None) -> dict[str, Any]:
    """A path item whose POST carries an invoice (``{"id"}``: every event's payload fits every event's
    schema, so only the signature's scheme can tell which event a webhook is)."""
    operation: dict[str, Any] = {
        "summary": summary,
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": {"type": "string"}, "amount": {"type": "integer"}},
                    }
                }
            }
        },
        "responses": {"200": {"description": "Received."}},
    }
    if signature is not None:
        operation["x-sdk-webhook-signature"] = signature
    return {"post": operation}


def document(
    root: dict[str, Any] | None = None,
    *,
    paid: dict[str, Any] | None = None,
    voided: dict[str, Any] | None = None,
    settled: dict[str, Any] | None = None,
    sent_item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Three webhooks and a callback (``createInvoice.settled``); each ``x-sdk-webhook-signature`` given
    lands on the event's operation, ``sent_item``'s on the path item of ``invoice.sent``."""
    sent = event("An invoice was sent.")
    if sent_item is not None:
        sent["x-sdk-webhook-signature"] = sent_item
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Billing", "version": "1.0.0"},
        "servers": [{"url": "https://billing.example.com"}],
        "paths": {
            "/invoices": {
                "post": {
                    "operationId": "createInvoice",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"callback_url": {"type": "string"}}}
                            }
                        }
                    },
                    "responses": {"201": {"description": "Created."}},
                    "callbacks": {"settled": {"{$request.body#/callback_url}": event("It was settled.", settled)}},
                }
            }
        },
        "webhooks": {
            "invoice.paid": event("An invoice was paid.", paid),
            "invoice.voided": event("An invoice was voided.", voided),
            "invoice.sent": sent,
        },
    }
    if root is not None:
        doc["x-sdk-webhook-signature"] = root
    return doc


def generated(tmp_path: Path, doc: dict[str, Any], name: str, *overlays: str) -> tuple[Any, list[str]]:
    folder = tmp_path / name
    folder.mkdir()
    spec = folder / "spec.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    paths = []
    for index, overlay in enumerate(overlays):
        paths.append(folder / f"overlay{index}.yaml")
        paths[-1].write_text(overlay, encoding="utf-8")
    result = generate_package(spec, name=name, overlays=tuple(paths), speed=Speed(cache=None, workers=False))
    return result, [f"{d.code} {d.pointer}: {d.message}" for d in result.diagnostics.errors]


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``package(doc, name)``: the document generated, written and its ``webhooks`` module imported."""
    names: list[str] = []

    def make(doc: dict[str, Any], name: str, *overlays: str) -> ModuleType:
        result, errors = generated(tmp_path, doc, name, *overlays)
        assert result.ok, errors
        write_tree(tmp_path / "out" / name, result.files)
        monkeypatch.syspath_prepend(str(tmp_path / "out" / name))
        names.append(f"{name}_client")
        return importlib.import_module(f"{name}_client.webhooks")

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in names]:
        del sys.modules[module]


def errors_of(webhooks: ModuleType) -> ModuleType:
    return importlib.import_module(webhooks.__name__.rpartition(".")[0] + ".errors")


def deliver(server: Any, body: bytes, headers: dict[str, str]) -> Recorded:
    """POST a webhook to a real server on 127.0.0.1 as its sender would, and return what it received."""
    import httpx

    server.route("POST", "/hooks", Reply(200, {}))
    httpx.post(f"{server.url}/hooks", content=body, headers=headers, timeout=10)
    return server.requests[-1]


def mac(secret: str, signed: bytes) -> bytes:
    return hmac.new(secret.encode(), signed, hashlib.sha256).digest()


def stripe_header(stamp: int | str, body: bytes, *secrets: str, extra: str = "") -> dict[str, str]:
    """``Stripe-Signature: t=<stamp>,v1=<hex>,...``: one ``v1`` per secret, in order."""
    v1 = [f"v1={mac(s, f'{stamp}.'.encode() + body).hex()}" for s in secrets]
    return {"Stripe-Signature": ",".join([f"t={stamp}", *v1, *([extra] if extra else [])])}


def standard_headers(stamp: int, body: bytes) -> dict[str, str]:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"msg_1.{stamp}.".encode() + body
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode(),
    }


# -- hmac-sha256-timestamped: a timestamp signed with the body --------------------------------------------

#: Slack's layout, declared: ``X-Slack-Signature: v0=<hex of "v0:<timestamp>:<body>">``.
TIMESTAMPED = {
    "scheme": "hmac-sha256-timestamped",
    "header": "X-Slack-Signature",
    "prefix": "v0=",
    "timestamp-header": "X-Slack-Request-Timestamp",
    "payload": "v0:{timestamp}:{body}",
    "tolerance": 60,
}


def timestamped(stamp: int | str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    signed = b"v0:" + str(stamp).encode() + b":" + body
    return {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": "v0=" + mac(secret, signed).hex()}


def test_a_timestamped_hmac_signs_its_timestamp_and_refuses_wrong_missing_stale_and_future_ones(server, package):
    webhooks = package(document(TIMESTAMPED), "stamped")
    errors = errors_of(webhooks)
    hooks = webhooks.Webhooks(SECRET)
    now = int(time.time())
    received = deliver(server, BODY, timestamped(now, BODY))
    assert hooks.unwrap(received.body, received.headers, event="invoice.paid").id == "in_1"
    assert hooks.verify(received.body, received.headers) == (
        "invoice.paid",
        "invoice.voided",
        "invoice.sent",
        "createInvoice.settled",
    )
    refused = {
        "body changed": (BODY.replace(b"120", b"999"), timestamped(now, BODY)),
        "another secret": (BODY, timestamped(now, BODY, OLD_SECRET)),
        # the timestamp is signed: moving it forward (to pass the tolerance) breaks the signature
        "timestamp moved": (BODY, {**timestamped(now - 3600, BODY), "X-Slack-Request-Timestamp": str(now)}),
        "plain HMAC of the body": (
            BODY,
            {**timestamped(now, BODY), "X-Slack-Signature": "v0=" + mac(SECRET, BODY).hex()},
        ),
    }
    for why, (body, headers) in refused.items():
        with pytest.raises(errors.InvalidWebhookSignatureError, match="does not match its body"):
            hooks.unwrap(body, headers)
            pytest.fail(why)
    for stamp in (
        now - 61,
        now - 86_400,
        now + 90,
    ):  # ahead: a margin for the test's own time  # stale or replayed, or from a clock far ahead
        with pytest.raises(errors.InvalidWebhookSignatureError, match="more than 60 s from now"):
            hooks.unwrap(BODY, timestamped(stamp, BODY))  # rightly signed, at the wrong time
    for stamp in (f" {now}", f"+{now}", f"{now}.0", "".join(chr(0x0660 + int(d)) for d in str(now)), "9" * 400):
        with pytest.raises(errors.InvalidWebhookSignatureError, match="is not a number of seconds"):
            hooks.unwrap(BODY, timestamped(stamp, BODY))
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no X-Slack-Request-Timestamp"):
        hooks.unwrap(BODY, {"X-Slack-Signature": timestamped(now, BODY)["X-Slack-Signature"]})
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no X-Slack-Signature header"):
        hooks.unwrap(BODY, {"X-Slack-Request-Timestamp": str(now)})


def test_a_timestamped_hmac_by_default_signs_timestamp_dot_body(package):
    webhooks = package(document({"scheme": "hmac-sha256-timestamped", "encoding": "base64"}), "stamped_default")
    sig = webhooks.Webhooks(SECRET).signature_of("invoice.paid")
    assert (sig.header, sig.timestamp_header, sig.payload, sig.tolerance) == (
        "X-Signature",
        "X-Timestamp",
        "{timestamp}.{body}",
        300,
    )
    now = int(time.time())
    good = base64.b64encode(mac(SECRET, f"{now}.".encode() + BODY)).decode()
    hooks = webhooks.Webhooks(SECRET)
    assert hooks.unwrap(BODY, {"x-timestamp": str(now), "x-signature": good}).id == "in_1"
    with pytest.raises(errors_of(webhooks).InvalidWebhookSignatureError, match="more than 300 s"):
        hooks.unwrap(BODY, {"X-Timestamp": str(now - 301), "X-Signature": good})


# -- stripe: t=...,v1=...,v1=... ----------------------------------------------------------------------------


def test_stripe_signatures_good_rotated_wrong_and_stale(server, package):
    webhooks = package(document({"scheme": "stripe", "tolerance": 120}), "striped")
    errors = errors_of(webhooks)
    hooks = webhooks.Webhooks(SECRET)
    now = int(time.time())
    received = deliver(server, BODY, stripe_header(now, BODY, SECRET))
    assert hooks.unwrap(received.body, received.headers, event="invoice.voided").id == "in_1"
    # while a secret is rotated the sender signs with both: either order, and other versions, pass
    for headers in (
        stripe_header(now, BODY, OLD_SECRET, SECRET),
        stripe_header(now, BODY, SECRET, OLD_SECRET),
        stripe_header(now, BODY, OLD_SECRET, SECRET, extra="v0=" + "0" * 64),
    ):
        assert hooks.unwrap(BODY, deliver(server, BODY, headers).headers, event="invoice.paid").id == "in_1"
    # a receiver still on the old secret accepts the same deliveries; one with neither refuses them
    assert webhooks.Webhooks(OLD_SECRET).unwrap(BODY, stripe_header(now, BODY, OLD_SECRET, SECRET)).id == "in_1"
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the webhook's signatures"):
        webhooks.Webhooks("whsec_another").unwrap(BODY, stripe_header(now, BODY, OLD_SECRET, SECRET))
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the webhook's signatures"):
        hooks.unwrap(BODY + b" ", stripe_header(now, BODY, SECRET))
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the webhook's signatures"):
        hooks.unwrap(
            BODY, {"Stripe-Signature": f"t={now + 1}," + stripe_header(now, BODY, SECRET)["Stripe-Signature"][13:]}
        )
    # a v0 (or any other version) signature is no v1 signature, however right
    v0 = stripe_header(now, BODY, SECRET)["Stripe-Signature"].replace("v1=", "v0=")
    with pytest.raises(errors.InvalidWebhookSignatureError, match="at least one v1= signature"):
        hooks.unwrap(BODY, {"Stripe-Signature": v0})
    twice = f"t={now}," + stripe_header(now, BODY, SECRET)["Stripe-Signature"]
    with pytest.raises(errors.InvalidWebhookSignatureError, match="one t= timestamp"):
        hooks.unwrap(BODY, {"Stripe-Signature": twice})
    for stamp in (now - 121, now + 150):
        with pytest.raises(errors.InvalidWebhookSignatureError, match="more than 120 s from now"):
            hooks.unwrap(BODY, stripe_header(stamp, BODY, SECRET))
    for stamp in ("-5", f"{now}e0", "٣"):
        with pytest.raises(errors.InvalidWebhookSignatureError, match="is not a number of seconds"):
            hooks.unwrap(BODY, stripe_header(stamp, BODY, SECRET))
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no Stripe-Signature header"):
        hooks.unwrap(BODY, {"X-Signature": "sha256=" + mac(SECRET, BODY).hex()})


# -- each event by its own scheme ---------------------------------------------------------------------------

PER_EVENT = document(
    {"scheme": "hmac-sha256", "header": "X-Signature", "prefix": "sha256="},  # invoice.paid's, the default
    voided={"scheme": "stripe"},  # on the webhook's operation
    settled={"scheme": "hmac-sha256-timestamped", "timestamp-header": "X-Settled-At"},  # a callback's
    sent_item={"scheme": "standard-webhooks", "tolerance": 60},  # on the webhook's path item
)


def root_headers(body: bytes) -> dict[str, str]:
    return {"X-Signature": "sha256=" + mac(SECRET, body).hex()}


def settled_headers(stamp: int, body: bytes) -> dict[str, str]:
    return {"X-Settled-At": str(stamp), "X-Signature": mac(SECRET, f"{stamp}.".encode() + body).hex()}


def test_each_event_is_checked_by_its_own_scheme_and_parsed_only_as_an_event_whose_scheme_passed(server, package):
    webhooks = package(PER_EVENT, "per_event")
    models = importlib.import_module("per_event_client.models")
    errors = errors_of(webhooks)
    hooks = webhooks.Webhooks(SECRET)
    assert [hooks.signature_of(e).scheme for e in webhooks.EVENTS] == [
        "hmac-sha256",
        "stripe",
        "standard-webhooks",
        "hmac-sha256-timestamped",
    ]
    now = int(time.time())
    # the same bytes, signed four ways: the scheme that passes says which event they are
    for headers, kind in (
        (root_headers(BODY), models.InvoicePaidEvent),
        (stripe_header(now, BODY, SECRET), models.InvoiceVoidedEvent),
        (standard_headers(now, BODY), models.InvoiceSentEvent),
        (settled_headers(now, BODY), models.CreateInvoiceSettledEvent),
    ):
        received = deliver(server, BODY, headers)
        assert type(hooks.unwrap(received.body, received.headers)) is kind
        name = next(n for n, t in webhooks.EVENTS.items() if t is kind)
        assert hooks.verify(received.body, received.headers) == (name,)
        assert type(hooks.unwrap(received.body, received.headers, event=name)) is kind
    # named, an event is checked by its scheme alone: another event's signature does not pass for it
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no X-Signature header"):
        hooks.unwrap(BODY, stripe_header(now, BODY, SECRET), event="invoice.paid")
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no Stripe-Signature header"):
        hooks.unwrap(BODY, root_headers(BODY), event="invoice.voided")
    with pytest.raises(errors.InvalidWebhookSignatureError, match="no X-Settled-At timestamp"):
        hooks.unwrap(BODY, root_headers(BODY), event="createInvoice.settled")  # plain HMAC: no timestamp
    # the stale stripe delivery does not pass as any event, though its signature is right
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the events it may be") as refused:
        hooks.unwrap(BODY, stripe_header(now - 3600, BODY, SECRET))
    said = str(refused.value)
    assert "stripe ('invoice.voided'): the webhook's timestamp is more than 300 s from now" in said
    assert "hmac-sha256 ('invoice.paid'): no X-Signature header" in said
    assert "standard-webhooks ('invoice.sent')" in said and "hmac-sha256-timestamped" in said
    with pytest.raises(errors.InvalidWebhookSignatureError, match="more than 60 s"):  # its own tolerance
        hooks.unwrap(BODY, standard_headers(now - 100, BODY), event="invoice.sent")
    with pytest.raises(errors_of(webhooks).MissingCredentialsError, match="PER_EVENT_WEBHOOK_SECRET"):
        webhooks.Webhooks().unwrap(BODY, root_headers(BODY))


# -- no scheme documented: a secret is never taken for a check ------------------------------------------------


def test_a_secret_for_an_api_with_no_documented_scheme_is_refused_and_parse_unverified_is_explicit(
    package, monkeypatch
):
    webhooks = package(document(), "unsigned")
    errors = errors_of(webhooks)
    client_module = importlib.import_module("unsigned_client")
    forged = {"X-Signature": "sha256=" + "0" * 64}
    monkeypatch.delenv("UNSIGNED_WEBHOOK_SECRET", raising=False)
    for unwrap in (
        lambda: webhooks.Webhooks(SECRET).unwrap(BODY, forged),
        lambda: webhooks.Webhooks().unwrap(BODY, forged, secret=SECRET),
        lambda: webhooks.Webhooks(SECRET).unwrap(BODY, forged, event="invoice.paid"),
        lambda: client_module.Billing(webhook_secret=SECRET).webhooks.unwrap(BODY, forged),
    ):
        with pytest.raises(errors.InvalidWebhookSignatureError, match="no signature scheme is documented") as refused:
            unwrap()
        assert "x-sdk-webhook-signature" in str(refused.value) and "overlay" in str(refused.value)
        assert "parse_unverified()" in str(refused.value)
    monkeypatch.setenv("UNSIGNED_WEBHOOK_SECRET", SECRET)  # a secret from the environment is a secret given
    for receiver in (webhooks.Webhooks(), client_module.Billing().webhooks):
        with pytest.raises(errors.InvalidWebhookSignatureError, match="the secret given cannot check"):
            receiver.unwrap(BODY, forged)
    with pytest.raises(errors.InvalidWebhookSignatureError, match="nothing can check it"):
        webhooks.Webhooks().verify(BODY, forged, secret="")  # verify() never passes what it cannot check
    # the explicit way: parsed, and nothing checked
    hooks = webhooks.Webhooks(SECRET)
    assert hooks.parse_unverified(BODY).id == "in_1"
    assert type(hooks.parse_unverified(BODY, event="invoice.voided")).__name__ == "InvoiceVoidedEvent"
    # a payload that differs from its event's schema is parsed all the same, unless the receiver is strict
    assert hooks.parse_unverified(b'{"amount": 1}', event="invoice.paid").id is None
    with pytest.raises(errors.InvalidWebhookPayloadError):
        webhooks.Webhooks(SECRET, strict=True).parse_unverified(b'{"amount": 1}', event="invoice.paid")
    # without a secret anywhere nothing is claimed, and unwrap parses as documented
    monkeypatch.delenv("UNSIGNED_WEBHOOK_SECRET")
    assert webhooks.Webhooks().unwrap(BODY, {}).id == "in_1"


def test_an_overlay_declares_the_scheme_of_a_document_you_do_not_control(package):
    overlay = """overlay: 1.0.0
info: {title: webhook signatures, version: 1.0.0}
actions:
  - target: $
    update:
      x-sdk-webhook-signature: {scheme: hmac-sha256-timestamped, header: X-Signature, timestamp-header: X-Timestamp}
  - target: $.webhooks['invoice.voided'].post
    update:
      x-sdk-webhook-signature: {scheme: stripe}
"""
    webhooks = package(document(), "overlaid", overlay)
    hooks = webhooks.Webhooks(SECRET)
    now = int(time.time())
    stamped = {"X-Timestamp": str(now), "X-Signature": mac(SECRET, f"{now}.".encode() + BODY).hex()}
    assert type(hooks.unwrap(BODY, stamped)).__name__ == "InvoicePaidEvent"
    assert type(hooks.unwrap(BODY, stripe_header(now, BODY, SECRET))).__name__ == "InvoiceVoidedEvent"
    with pytest.raises(errors_of(webhooks).InvalidWebhookSignatureError):
        hooks.unwrap(BODY, {"X-Signature": "sha256=" + "0" * 64})


def test_events_without_a_scheme_beside_signed_ones_are_never_passed_unchecked_with_a_secret(package, monkeypatch):
    monkeypatch.delenv("MIXED_WEBHOOK_SECRET", raising=False)
    webhooks = package(document(voided={"scheme": "stripe"}), "mixed")  # the other events: no scheme
    errors = errors_of(webhooks)
    hooks = webhooks.Webhooks(SECRET)
    now = int(time.time())
    assert type(hooks.unwrap(BODY, stripe_header(now, BODY, SECRET))).__name__ == "InvoiceVoidedEvent"
    with pytest.raises(errors.InvalidWebhookSignatureError, match="none of the events it may be") as refused:
        hooks.unwrap(BODY, {})
    assert "no scheme documented ('invoice.paid', 'invoice.sent', 'createInvoice.settled')" in str(refused.value)
    with pytest.raises(errors.InvalidWebhookSignatureError, match=r"documented for event 'invoice\.paid'"):
        hooks.unwrap(BODY, {}, event="invoice.paid")
    with pytest.raises(errors.MissingCredentialsError):  # without a secret, the signed event is not skipped
        webhooks.Webhooks().unwrap(BODY, stripe_header(now, BODY, SECRET))
    assert type(webhooks.Webhooks().unwrap(BODY, {}, event="invoice.paid")).__name__ == "InvoicePaidEvent"
    assert type(hooks.parse_unverified(BODY, event="invoice.sent")).__name__ == "InvoiceSentEvent"


def test_an_unknown_event_is_checked_by_every_scheme_the_events_use_when_the_document_gives_none(package, monkeypatch):
    # No scheme for the whole document, two for two events: an event this version does not know may be
    # signed either way. It is taken (as an UnknownEvent) only when one of them passes, and never
    # without a secret.
    monkeypatch.delenv("SPLIT_WEBHOOK_SECRET", raising=False)
    doc = document(
        paid={"scheme": "hmac-sha256", "header": "X-Signature", "prefix": "sha256="}, voided={"scheme": "stripe"}
    )
    webhooks = package(doc, "split")
    errors = errors_of(webhooks)
    now = int(time.time())
    with pytest.raises(errors.MissingCredentialsError):
        webhooks.Webhooks().unwrap(BODY, {}, event="invoice.refunded")
    hooks = webhooks.Webhooks(SECRET)
    for headers in (root_headers(BODY), stripe_header(now, BODY, SECRET)):
        assert type(hooks.unwrap(BODY, headers, event="invoice.refunded")) is webhooks.UnknownEvent
    with pytest.raises(errors.InvalidWebhookSignatureError):
        hooks.unwrap(BODY, {"X-Signature": "sha256=" + "0" * 64}, event="invoice.refunded")
    with pytest.raises(errors.InvalidWebhookSignatureError):
        hooks.unwrap(BODY, stripe_header(now, BODY, "another secret"), event="invoice.refunded")


# -- declarations that do not fit ---------------------------------------------------------------------------

CALLBACK_OP = "/paths/~1invoices/post/callbacks/settled/{$request.body#~1callback_url}/post"


@pytest.mark.parametrize(
    ("doc", "pointer", "message"),
    [
        (
            document({"scheme": "hmac-sha256-timestamped", "payload": "{body}"}),
            "/x-sdk-webhook-signature",
            "payload takes a template holding {timestamp} and {body} once each",
        ),
        (
            document({"scheme": "hmac-sha256-timestamped", "payload": "{timestamp}.{body}.{id}"}),
            "/x-sdk-webhook-signature",
            "payload has no placeholder but {timestamp} and {body}",
        ),
        (
            document({"scheme": "hmac-sha256-timestamped", "header": "X-Sig", "timestamp-header": "x-sig"}),
            "/x-sdk-webhook-signature",
            "timestamp-header takes a header of its own",
        ),
        (
            document({"scheme": "hmac-sha256-timestamped", "timestamp-header": "X Time"}),
            "/x-sdk-webhook-signature",
            "timestamp-header takes a header name",
        ),
        (
            document({"scheme": "stripe", "encoding": "hex"}),
            "/x-sdk-webhook-signature",
            "has no key encoding for scheme stripe (it takes header, scheme, tolerance)",
        ),
        (
            document({"scheme": "hmac-sha256", "tolerance": 300}),
            "/x-sdk-webhook-signature",
            "has no key tolerance for scheme hmac-sha256 (it takes encoding, header, prefix, scheme); hmac-sha256"
            " signs no time, hmac-sha256-timestamped does",
        ),
        (document({"scheme": "stripe", "tolerance": 0}), "/x-sdk-webhook-signature", "tolerance takes"),
        (document({"scheme": "stripe", "tolerance": 10**9}), "/x-sdk-webhook-signature", "from 1 to 86400"),
        (
            document(paid={"scheme": "hmac-sha256-timestamp"}),
            "/webhooks/invoice.paid/post/x-sdk-webhook-signature",
            "takes a mapping with scheme hmac-sha256, hmac-sha256-timestamped, stripe or standard-webhooks",
        ),
        (
            document(settled={"scheme": "stripe", "prefix": "v1="}),
            CALLBACK_OP + "/x-sdk-webhook-signature",
            "has no key prefix for scheme stripe",
        ),
        (
            document(sent_item={"scheme": "standard-webhooks", "tolerance": "5m"}),
            "/webhooks/invoice.sent/x-sdk-webhook-signature",
            "tolerance takes a number of seconds",
        ),
    ],
)
def test_a_declaration_that_does_not_fit_is_an_error_with_its_pointer(tmp_path, doc, pointer, message):
    result, errors = generated(tmp_path, doc, "bad_declaration")
    # an error, not a warning: generating anyway would give a receiver that checks nothing
    assert not result.ok
    assert len(errors) == 1 and errors[0].startswith(f"E604 {pointer}: x-sdk-webhook-signature "), errors
    assert message in errors[0]


# -- what a type checker sees ---------------------------------------------------------------------------------

RECEIVER = """
from per_event_client import InvalidWebhookSignatureError
from per_event_client.models import InvoiceVoidedEvent
from per_event_client.webhooks import EVENTS, UnknownEvent, WebhookEvent, Webhooks


def receive(body: bytes, headers: dict[str, str]) -> str:
    hooks = Webhooks("whsec_c2VjcmV0")
    names: tuple[str, ...] = hooks.verify(body, headers, event="invoice.voided")
    try:
        event: WebhookEvent = hooks.unwrap(body, headers, secret="whsec_c2VjcmV0", event=names[0])
    except InvalidWebhookSignatureError as exc:
        return str(exc)
    if isinstance(event, InvoiceVoidedEvent):
        return event.id
    scheme = hooks.signature_of("invoice.voided")
    stored: WebhookEvent = hooks.parse_unverified(body, event="invoice.paid")
    if isinstance(stored, UnknownEvent):  # an event this version does not know: its name, if given
        return stored.event_name or ""
    return f"{scheme.scheme if scheme else ''} {stored.id} {sorted(EVENTS)}"
"""


def test_mypy_strict_accepts_a_receiver_using_per_event_schemes_and_parse_unverified(tmp_path, package):
    package(PER_EVENT, "per_event")
    out = tmp_path / "out" / "per_event"
    (tmp_path / "receiver.py").write_text(RECEIVER, encoding="utf-8")
    (tmp_path / "wrong.py").write_text(
        "from per_event_client.webhooks import Webhooks\n\n"
        "unchecked: int = Webhooks().parse_unverified(b'{}')\n"  # typed: the events' union, not Any
        "Webhooks().parse_unverified(b'{}', 'invoice.paid')\n",  # the event is named, never positional
        encoding="utf-8",
    )
    env = {**os.environ, "MYPYPATH": str(out)}
    base = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy")]
    done = subprocess.run([*base, "receiver.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    wrong = subprocess.run([*base, "wrong.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert wrong.returncode == 1, wrong.stdout
    assert 'variable has type "int"' in wrong.stdout and "Too many positional arguments" in wrong.stdout
