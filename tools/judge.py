"""An independent judge of what went over the wire: openapi-core validates recorded raw requests (and,
where given, responses) against a description.

    .venv-judges/bin/python tools/judge.py EXCHANGES.json

It runs in its own virtualenv (``.venv-judges``, from ``requirements-judges.txt``): openapi-core pins
other versions of the validators than the generator's, and a judge that shared the generator's code or
versions would not be independent. ``EXCHANGES.json`` is ``{"spec": path, "server": url, "exchanges":
[{"method", "path", "query" (raw), "headers", "body" (base64), "response": {"status", "headers",
"body"} (optional)}]}``; each request is judged as sent to ``server`` (the description's own server
URL: the test server's address is not the API's). Prints one JSON verdict per exchange, in order:
``{"request": null | "error text", "response": null | "error text" | "not judged"}``. An exchange may
name the description's ``path_key`` (``/tags#resourceArn``) it was sent for, and a ``server`` of its own
(an operation's own ``servers``). ``{"jobs": [EXCHANGES, ...]}`` judges several documents in one
process, each verdict with the index of its job.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.deserializing.media_types.util import data_form_loads, plain_loads
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response


def _headers(raw: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in raw.items() if k.lower() not in ("host", "content-length")]


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return repr(getattr(error, "args", ()))


def _verdict(check: Any) -> str | None:
    try:
        check()
    except KeyError as exc:
        if exc.args == ("responses",):
            return "not judged"  # an operation without responses (3.1 allows it): openapi-core cannot judge
        raise
    except Exception as exc:
        causes = []
        inner: BaseException | None = exc
        while inner is not None and len(causes) < 4:
            causes.append(f"{type(inner).__name__}: {_text(inner)}")
            inner = inner.__cause__ or (getattr(inner, "schema_errors", None) or [None])[0]
        return " <- ".join(causes)
    return None


@functools.lru_cache(maxsize=8)
def _data(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


@functools.lru_cache(maxsize=64)
def _description(path: Path, path_key: str | None = None) -> OpenAPI:
    """The description, with paths that carry a ``#...`` suffix (AWS's way of telling operations on one
    path apart, never sent) routed by the path before it, as no validator routes by fragments; given
    ``path_key``, that path's operations take precedence over any other at the same path."""
    data = copy.deepcopy(_data(path))
    paths = data.get("paths") or {}
    chosen = paths.get(path_key) if path_key else None
    for key in [k for k in paths if "#" in k]:
        item = paths.pop(key)
        target = paths.setdefault(key.split("#", 1)[0], {})
        for method, operation in item.items():
            target.setdefault(method, operation)
    if isinstance(chosen, dict) and path_key is not None:
        paths[path_key.split("#", 1)[0]].update(chosen)
    _ignore_reserved_headers(data)
    objects = _media_objects(data)
    is_31 = str(data.get("openapi", "")).startswith("3.1")
    for media, holder in objects:
        _read_as_openapi_says(media, holder, is_31)
    # Media types of bodies and of their parts (an encoding's ``contentType``).
    media_types = {m for m, _ in objects} | {
        part.strip()
        for _, holder in objects
        for rule in (holder.get("encoding") or {}).values()
        if isinstance(rule, dict) and isinstance(rule.get("contentType"), str)
        for part in rule["contentType"].split(",")
        if part.strip()
    }
    # JSON under a structured suffix (``application/vnd.example+json``) is JSON; openapi-core reads only
    # the types it lists unless told.
    deserializers: dict[str, Any] = {
        m: json.loads for m in media_types if m.split(";")[0].strip().lower().endswith("+json")
    }
    # Raw bytes (``application/octet-stream``, ``image/png``, ...) are what a binary string schema means;
    # openapi-core hands them to a 3.1 validator as bytes, which no ``type: string`` accepts, so the judge
    # reads them as text, byte for byte.
    for media in media_types:
        bare = media.split(";")[0].strip().lower()
        if bare.startswith("multipart/") and bare != "multipart/form-data":
            # multipart/mixed and its kin: parts named as form-data's are (RFC 7578's disposition), which
            # openapi-core reads only under multipart/form-data.
            deserializers[media] = data_form_loads
        if bare.startswith("text/") and bare not in ("text/plain", "text/html"):
            # Any text/* body is text (text/csv, text/markdown, ...); openapi-core decodes only text/plain
            # and text/html and hands the rest to the validator as bytes, which no ``type: string`` accepts.
            deserializers.setdefault(media, plain_loads)
        elif bare not in _READ_BY_OPENAPI_CORE and not bare.endswith("+json") and not bare.startswith("text/"):
            deserializers.setdefault(media, _latin1)
    deserializers.setdefault("application/octet-stream", _latin1)
    # The document's own validity is not the judge's question (the generator reports it), and a document
    # openapi-spec-validator refuses would otherwise leave all its requests unjudged.
    config = Config(extra_media_type_deserializers=deserializers, spec_validator_cls=None)
    return OpenAPI.from_dict(data, base_uri=path.resolve().as_uri(), config=config)


def _dict_at(node: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _ignore_reserved_headers(data: dict[str, Any]) -> None:
    """OpenAPI: a header parameter named Accept, Content-Type or Authorization "SHALL be ignored" (the
    request's media types and security schemes say those); openapi-core requires it all the same."""
    for item in (data.get("paths") or {}).values():
        holders = [item] + [op for op in item.values() if isinstance(op, dict)] if isinstance(item, dict) else []
        for holder in holders:
            if isinstance(holder.get("parameters"), list):
                holder["parameters"] = [p for p in holder["parameters"] if not _reserved_header(data, p)]


def _reserved_header(data: dict[str, Any], param: Any) -> bool:
    if isinstance(param, dict) and isinstance(param.get("$ref"), str) and param["$ref"].startswith("#/"):
        for key in param["$ref"][2:].split("/"):
            param = param.get(key.replace("~1", "/").replace("~0", "~"), {}) if isinstance(param, dict) else {}
    return (
        isinstance(param, dict)
        and param.get("in") == "header"
        and str(param.get("name", "")).lower() in ("accept", "content-type", "authorization")
    )


_READ_BY_OPENAPI_CORE = {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}


def _latin1(value: bytes | str, **_: Any) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")


def _media_objects(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every Media Type Object of the document (under any ``content``), with its media type."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                found += [(str(m), media) for m, media in value.items() if isinstance(media, dict)]
            found += _media_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _media_objects(value)
    return found


def _read_as_openapi_says(media: str, holder: dict[str, Any], is_31: bool) -> None:
    """Where openapi-core departs from OpenAPI in reading one media type's bodies, the description is
    told what OpenAPI says; each change still rejects a value that is wrong.

    - 3.0 multipart: an encoding's style, explode and allowReserved "SHALL be ignored" unless the body is
      application/x-www-form-urlencoded; openapi-core applies them to multipart parts all the same.
    - multipart: openapi-core reads a part of a boolean, integer or number property as text and never
      casts it. The parts are text as OpenAPI says (``true``, ``3``); they are read as JSON, which gives
      their type.
    - form: deepObject is defined for objects alone; on an array property (Stripe's ``expand``)
      openapi-core refuses the whole body, even one without that property. Such encodings are dropped: a
      request that sends one of those properties is not judged (``tools/conformance.py`` says so), and
      one that does not is judged on the rest.
    """
    bare = media.split(";")[0].strip().lower()
    encoding = holder.get("encoding") if isinstance(holder.get("encoding"), dict) else {}
    properties = _dict_at(holder, "schema", "properties")
    if bare.startswith("multipart/"):
        if not is_31:
            for rule in (r for r in encoding.values() if isinstance(r, dict)):
                for word in ("style", "explode", "allowReserved"):
                    rule.pop(word, None)
        for name, prop in properties.items():
            scalar = isinstance(prop, dict) and prop.get("type") in ("boolean", "integer", "number")
            if scalar and name not in encoding:
                encoding[name] = {"contentType": "application/json"}
        if encoding:
            holder["encoding"] = encoding
    elif bare == "application/x-www-form-urlencoded":
        for name in list(encoding):
            rule, prop = encoding[name], properties.get(name)
            deep = isinstance(rule, dict) and rule.get("style") == "deepObject"
            if deep and not (isinstance(prop, dict) and prop.get("type") == "object"):
                del encoding[name]


def judge(document: dict[str, Any]) -> list[dict[str, str | None]]:
    spec = Path(document["spec"])
    server = document["server"].rstrip("/")
    out: list[dict[str, str | None]] = []
    for exchange in document["exchanges"]:
        key = exchange.get("path_key")
        openapi = _description(spec, key if key and "#" in key else None)
        body = base64.b64decode(exchange.get("body") or "")
        builder = EnvironBuilder(
            method=exchange["method"],
            base_url=(exchange.get("server") or server).rstrip("/"),
            path=exchange["path"],
            query_string=exchange.get("query") or "",
            headers=_headers(exchange.get("headers") or {}),
            data=body,
        )
        request = WerkzeugOpenAPIRequest(Request(builder.get_environ()))
        # Header names as sent: through WSGI's environ an underscore would come back as a dash
        # (``api_key`` as ``Api-Key``), and a header parameter named with one would look absent.
        request.parameters.header = Headers(_headers(exchange.get("headers") or {}))
        verdict: dict[str, str | None] = {"request": _verdict(functools.partial(openapi.validate_request, request))}
        reply = exchange.get("response")
        if reply is None:
            verdict["response"] = "not judged"
        else:
            response = WerkzeugOpenAPIResponse(
                Response(
                    base64.b64decode(reply.get("body") or ""),
                    status=reply["status"],
                    headers=_headers(reply.get("headers") or {}),
                )
            )
            verdict["response"] = _verdict(functools.partial(openapi.validate_response, request, response))
        out.append(verdict)
    return out


def main() -> int:
    """One document judged, or ``{"jobs": [document, ...]}``: each verdict then names its job, and one
    process (openapi-core imported once) judges many descriptions' exchanges."""
    document = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if "jobs" not in document:
        for verdict in judge(document):
            print(json.dumps(verdict))
        return 0
    for index, job in enumerate(document["jobs"]):
        for verdict in judge(job):
            print(json.dumps({**verdict, "job": index}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
