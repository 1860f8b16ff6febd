"""RFC 6901 JSON pointers: the one place that builds, parses and follows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def token(text: str) -> str:
    """One reference token: ``escape``, without the work for the common token that needs none."""
    return escape(text) if "~" in text or "/" in text else text


def join(base: str, *tokens: object) -> str:
    """``join("/paths", "/a/{b}", "get")`` -> ``/paths/~1a~1{b}/get``."""
    for part in tokens:
        base += "/" + token(str(part))
    return base


def from_parts(parts: Iterable[object]) -> str:
    return join("", *parts)


def split(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return [] if pointer == "" else [""]
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    tokens = pointer[1:].split("/")
    return [unescape(t) for t in tokens] if "~" in pointer else tokens


_MISSING = object()


def resolve(document: Any, pointer: str, default: Any = _MISSING) -> Any:
    """Follow ``pointer`` into ``document``; ``KeyError`` (or ``default``) when it does not exist."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif (
            isinstance(node, list)
            and token.isdigit()
            and int(token) < len(node)
            and (token == "0" or not token.startswith("0"))
        ):
            node = node[int(token)]
        else:
            if default is _MISSING:
                raise KeyError(pointer)
            return default
    return node
