"""Shared test helpers: spec examples by JSON pointer, and async runners."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


@cache
def spec(name: str) -> Any:
    return yaml.safe_load((ROOT / "specs" / f"{name}.yaml").read_text(encoding="utf-8"))


def at(document: Any, *keys: Any) -> Any:
    for key in keys:
        document = document[key]
    return document


def example(name: str, path: str, method: str, status: str, example_name: str) -> Any:
    """The value of a named media-type example of a response (following a response $ref)."""
    response = at(spec(name), "paths", path, method, "responses", status)
    if "$ref" in response:
        response = at(spec(name), *response["$ref"].lstrip("#/").split("/"))
    return response["content"]["application/json"]["examples"][example_name]["value"]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def through(mode: str, sync_cls: Any, async_cls: Any, kwargs: dict[str, Any], call: Any) -> Any:
    """``call(client)`` through a fresh client: ``sync_cls`` when ``mode`` is "sync", else ``async_cls``,
    awaiting what the call returns. The same test body thus checks both clients."""
    if mode == "sync":
        with sync_cls(**kwargs) as client:
            return call(client)

    async def go() -> Any:
        async with async_cls(**kwargs) as client:
            return await call(client)

    return asyncio.run(go())


def tool(name: str) -> Any:
    """A script of ``tools/`` loaded as a module (``tool("conformance").judge``)."""
    import importlib.util

    found = importlib.util.spec_from_file_location(f"{name}_tool", ROOT / "tools" / f"{name}.py")
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def judged(
    spec: Path, server_url: str, recorded: list[Any], replies: list[Any] | None = None, strip: str = ""
) -> list[dict[str, Any]]:
    """openapi-core's verdict on each recorded request (``tests/server.py``'s ``Recorded``), and on the
    reply it got where ``replies`` gives one (a ``Reply``), each judged as sent to ``server_url`` (the
    description's server) with ``strip`` (the test server's base path) taken off its path. The judge runs
    in its own virtualenv (``tools/judge.py``, through ``tools/conformance.judge``; ``make test`` makes it)."""
    import base64

    exchanges = []
    for index, request in enumerate(recorded):
        exchange: dict[str, Any] = {
            "method": request.method,
            "path": request.path[len(strip) :] if strip and request.path.startswith(strip) else request.path,
            "query": request.raw_query,
            "headers": request.headers,
            "body": base64.b64encode(request.body).decode(),
        }
        reply = replies[index] if replies is not None and index < len(replies) else None
        if reply is not None:
            exchange["response"] = {
                "status": reply.status,
                "headers": {"Content-Type": reply.content_type, **reply.headers} if reply.encode() else reply.headers,
                "body": base64.b64encode(reply.encode()).decode(),
            }
        exchanges.append(exchange)
    return list(_conformance().judge(spec, server_url, exchanges))


@cache
def _conformance() -> Any:
    return tool("conformance")
