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
