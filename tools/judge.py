"""An independent judge of what went over the wire: openapi-core validates recorded raw requests (and,
where given, responses) against a description.

    .venv-judges/bin/python tools/judge.py EXCHANGES.json

It runs in its own virtualenv (``.venv-judges``, from ``requirements-judges.txt``): openapi-core pins
other versions of the validators than the generator's, and a judge that shared the generator's code or
versions would not be independent. ``EXCHANGES.json`` is ``{"spec": path, "server": url, "exchanges":
[{"method", "path", "query" (raw), "headers", "body" (base64), "response": {"status", "headers",
"body"} (optional)}]}``; each request is judged as sent to ``server`` (the description's own server
URL: the test server's address is not the API's). Prints one JSON verdict per exchange, in order:
``{"request": null | "error text", "response": null | "error text" | "not judged"}``.
"""

from __future__ import annotations

import base64
import functools
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
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
    except Exception as exc:
        causes = []
        inner: BaseException | None = exc
        while inner is not None and len(causes) < 4:
            causes.append(f"{type(inner).__name__}: {_text(inner)}")
            inner = inner.__cause__ or (getattr(inner, "schema_errors", None) or [None])[0]
        return " <- ".join(causes)
    return None


def _description(path: Path) -> OpenAPI:
    """The description, with paths that carry a ``#...`` suffix (AWS's way of telling operations on one
    path apart, never sent) routed by the path before it, as no validator routes by fragments."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    paths = data.get("paths") or {}
    for key in [k for k in paths if "#" in k]:
        item = paths.pop(key)
        target = paths.setdefault(key.split("#", 1)[0], {})
        for method, operation in item.items():
            target.setdefault(method, operation)
    # JSON under a structured suffix (``application/vnd.example+json``) is JSON; openapi-core reads only
    # the types it lists unless told.
    suffixed = {m for m in _media_types(data) if m.split(";")[0].strip().lower().endswith("+json")}
    config = Config(extra_media_type_deserializers=dict.fromkeys(suffixed, json.loads))
    return OpenAPI.from_dict(data, base_uri=path.resolve().as_uri(), config=config)


def _media_types(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                found.update(str(k) for k in value)
            found |= _media_types(value)
    elif isinstance(node, list):
        for value in node:
            found |= _media_types(value)
    return found


def judge(document: dict[str, Any]) -> list[dict[str, str | None]]:
    openapi = _description(Path(document["spec"]))
    server = document["server"].rstrip("/")
    out: list[dict[str, str | None]] = []
    for exchange in document["exchanges"]:
        body = base64.b64decode(exchange.get("body") or "")
        builder = EnvironBuilder(
            method=exchange["method"],
            base_url=server,
            path=exchange["path"],
            query_string=exchange.get("query") or "",
            headers=_headers(exchange.get("headers") or {}),
            data=body,
        )
        request = WerkzeugOpenAPIRequest(Request(builder.get_environ()))
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
    document = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for verdict in judge(document):
        print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
