"""Diagnostics: errors as values, each naming a file and a JSON pointer."""

from __future__ import annotations

import collections
import re
import sys
from dataclasses import dataclass, field
from typing import IO, Literal

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Printed as ``file#/json/pointer: level[CODE]: message``."""

    file: str
    pointer: str
    level: Level
    code: str
    message: str

    def __str__(self) -> str:
        pointer = "/".join(_cut(_one_line(token), MAX_SHOWN_TOKEN) for token in self.pointer.split("/"))
        where = f"{_one_line(self.file)}#{pointer}" if self.file else f"#{pointer}"
        return f"{where}: {self.level}[{self.code}]: {_cut(_one_line(self.message), MAX_SHOWN_MESSAGE)}"


#: Printed diagnostics stay readable whatever a spec holds: a pointer token (a name) longer than this is
#: cut, as is a message (the diagnostic itself keeps both whole).
MAX_SHOWN_TOKEN = 120
MAX_SHOWN_MESSAGE = 2_000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 30]}...({len(text):,} characters)"


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d+")


def _shape(message: str) -> str:
    """A message with what it quotes and counts taken out: what problems of one kind share."""
    return _QUOTED.sub("_", message)


def _one_line(text: str) -> str:
    # Messages may quote spec strings; keep every diagnostic on one printable line.
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


@dataclass
class Diagnostics:
    """An ordered, de-duplicated collection that every stage appends to."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)

    def add(self, level: Level, code: str, file: str, pointer: str, message: str) -> None:
        diagnostic = Diagnostic(file, pointer, level, code, message)
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def error(self, code: str, file: str, pointer: str, message: str) -> None:
        self.add("error", code, file, pointer, message)

    def warning(self, code: str, file: str, pointer: str, message: str) -> None:
        self.add("warning", code, file, pointer, message)

    def info(self, code: str, file: str, pointer: str, message: str) -> None:
        """Something the build decided for the user that they may want to undo (never a failure)."""
        self.add("info", code, file, pointer, message)

    def extend(self, other: Diagnostics) -> None:
        for d in other.items:
            self.add(d.level, d.code, d.file, d.pointer, d.message)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(d.level == "error" for d in self.items)

    def print(self, stream: IO[str] | None = None) -> None:
        out = stream or sys.stderr
        for d in self.items:
            print(d, file=out)

    def grouped(self) -> list[tuple[Diagnostic, int]]:
        """Each problem once, with how many places have it: the warnings and infos that say the same
        thing (the same code and message but for the names and numbers they quote, such as one
        enum's 98 colliding values) as the first of them and a count; every error on its own."""
        groups: dict[tuple[str, str, str, str], list[Diagnostic]] = {}
        for d in self.items:
            key = (
                (d.level, d.code, d.file, _shape(d.message))
                if d.level != "error"
                else (d.level, d.code, d.file, d.pointer + d.message)
            )
            groups.setdefault(key, []).append(d)
        return [(found[0], len(found)) for found in groups.values()]

    def summary(self) -> str:
        """``3 warnings (W310 2, W440 1), 97 infos (I440)``; empty when there is nothing to say."""
        parts = []
        for level in ("error", "warning", "info"):
            codes = collections.Counter(d.code for d in self.items if d.level == level)
            if codes:
                total = sum(codes.values())
                detail = ", ".join(f"{code} {n}" if len(codes) > 1 else code for code, n in sorted(codes.items()))
                parts.append(f"{total} {level}{'s' if total != 1 else ''} ({detail})")
        return ", ".join(parts)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
