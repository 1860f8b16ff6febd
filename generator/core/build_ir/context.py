"""What every part of the build shares: the build's state (the definitions made so far and the
class namespace), the lazily named hint for inline definitions, and the spec text helpers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import ir
from ..diagnostics import Diagnostics
from ..escape import EMPTY, SpecText, pyrepr, spec_text
from ..load import Spec, document_name
from ..names import (
    NameScope,
)
from .lock import NO_LOCK, NamesLock, Recorder, schema_key

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


IGNORED_HEADERS = {"accept", "content-type", "authorization"}


#: A header name as RFC 9110 spells one (a token), for the ``x-sdk-*-header`` extensions.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")


JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json(\s*;.*)?$|^\*/\*$", re.I)


@dataclass
class Definition:
    name: str
    kind: str  # model | enum | alias
    value: ir.Model | ir.Enum | ir.Alias | None = None


@dataclass
class Context:
    spec: Spec
    diags: Diagnostics
    names: NameScope
    defs: dict[tuple[str, str], Definition] = field(default_factory=dict)
    order: list[Definition] = field(default_factory=list)
    def_names: set[str] = field(default_factory=set)  # the names of ``defs``
    lock: NamesLock = NO_LOCK  # the names the previous generation gave (``lock``)
    given: Recorder = field(default_factory=Recorder)  # the names this build gives, for the next lock
    displaced: set[str] = field(default_factory=set)  # class holders whose name an x-sdk-name took

    def schema_key(self, doc: str, ptr: str) -> str:
        """How the names lock knows the schema at ``doc#ptr`` (``lock.schema_key``)."""
        return schema_key("" if doc == self.spec.root else document_name(self.spec, doc), ptr)

    def warn(self, code: str, doc: str, ptr: str, message: str) -> None:
        self.diags.warning(code, self.spec.labels.get(doc, doc), ptr, message)

    def info(self, code: str, doc: str, ptr: str, message: str) -> None:
        self.diags.info(code, self.spec.labels.get(doc, doc), ptr, message)

    def error(self, code: str, doc: str, ptr: str, message: str) -> None:
        self.diags.error(code, self.spec.labels.get(doc, doc), ptr, message)

    def follow(self, doc: str, node: Any) -> tuple[str, str | None, Any]:
        return self.spec.follow(doc, node)


class LazyHint:
    """The name an inline definition would get, worked out only when one is defined: most schemas
    (strings, numbers, references) never need theirs, and a large document asks for tens of thousands."""

    __slots__ = ("_make", "_text")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make: Callable[[], str] | None = make
        self._text = ""

    def __str__(self) -> str:
        if self._make is not None:
            self._text, self._make = self._make(), None
        return self._text


Hint = str | LazyHint


def _text_or_empty(value: Any) -> SpecText:
    """Document text as written (empty when not a string)."""
    return spec_text(value)


def _text(value: Any) -> SpecText:
    """Document text without surrounding blanks (empty when not a string)."""
    return spec_text(value, strip=True)


_TAG = re.compile(r"<[^<>]*>", re.S)


def _prose(value: Any) -> SpecText:
    """Documentation text for docstrings: HTML/MDX tags removed, entities decoded, blank runs collapsed."""
    if not isinstance(value, str):
        return EMPTY
    if value.isprintable() and "<" not in value and "&" not in value:
        return SpecText(value.strip())  # one plain line (most of them): what the steps below give

    text = html.unescape(_TAG.sub("", value.strip()))
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1]):
            out.append(line if line.strip() else "")
    return SpecText("\n".join(out).strip())


def _source(ctx: Context, doc: str, ptr: str) -> SpecText:
    return SpecText(f"{ctx.spec.labels.get(doc, doc)}#{ptr}")


#: Python source for a JSON scalar (``escape.pyrepr``: the one way a document value becomes a literal).
pyrepr_literal = pyrepr
