"""The keep-list: ``.specgenignore`` files in a generated folder, in gitignore syntax, name paths that
generation never writes, deletes or refuses. A kept file that exists stays exactly as it is (carried into
the new tree as the same file); a kept path that does not exist is not created; a file added by hand that
the list keeps is not refused.

Only the keep-list (the user's own file, read from the output folder) chooses what is kept: a spec cannot
write a ``.specgenignore`` (no generated path part starts with a dot, ``write.check_relative_path``), and
keeping only ever stops a write, so no spec string can make generation write anywhere new.

Syntax, as git reads ``.gitignore``: one pattern a line; blank lines and lines starting with ``#`` are
ignored (``\\#`` for a literal one); trailing spaces are dropped unless escaped; ``!`` re-includes what an
earlier pattern kept (``\\!`` for a literal one); a pattern ending in ``/`` names only folders; a pattern
with a ``/`` before its end is anchored to the folder of its ``.specgenignore``, one without matches a
name at any depth below it; ``*`` and ``?`` match within a path part, ``[...]`` a character of a set,
``**/`` any folders (none included), ``/**`` everything inside. A path inside a kept folder is kept, and
``!`` cannot take it back (as git cannot re-include a file of an ignored folder). Later patterns win, and
a ``.specgenignore`` deeper down is read after the ones above it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The keep-list's file name; each one applies to the folder it is in and everything below it.
KEEP_FILE = ".specgenignore"


class KeepListError(ValueError):
    """A keep-list that cannot be read (not UTF-8 text)."""


@dataclass(frozen=True)
class _Rule:
    base: str  # the folder of its keep-list, "" or ending in "/"
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool


def _translate(pattern: str) -> str:
    """A regular expression for one gitignore pattern (without ``!`` and trailing ``/``), matching a path
    relative to the keep-list's folder."""
    anchored = "/" in pattern
    pattern = pattern.removeprefix("/")
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            stars = j - i
            at_start = i == 0 or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if stars >= 2 and at_start and at_end:
                if j == n:  # "**" at the end: everything below (or, alone, everything)
                    out.append(".*")
                    i = j
                else:  # "**/": zero or more folders
                    out.append("(?:.*/)?")
                    i = j + 1
                continue
            out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:  # no closing bracket: a literal "["
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1 : j]
            negate = body[:1] in ("!", "^")
            if negate:
                body = body[1:]
            body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"(?!/)[{'^' if negate else ''}{body}]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    return body if anchored else f"(?:.*/)?{body}"


def _rules(base: str, text: str) -> list[_Rule]:
    rules: list[_Rule] = []
    for raw in text.splitlines():
        line = raw
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated or line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        folders_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        try:
            regex = re.compile(_translate(line), re.DOTALL)
        except re.error:  # a character set Python reads differently: match the text as written
            regex = re.compile(re.escape(line), re.DOTALL)
        rules.append(_Rule(base, regex, negated, folders_only))
    return rules


class KeepList:
    """The paths a tree's keep-lists keep. Paths are POSIX, relative to the tree's root."""

    def __init__(self, rules: list[_Rule], lists: int = 0) -> None:
        self._rules = rules
        self._lists = lists  # how many keep-list files there are (each is kept, even an empty one)
        self._folders: dict[str, bool] = {}

    @classmethod
    def from_tree(cls, tree: Mapping[str, str | None]) -> KeepList:
        """The keep-lists of a tree (``write.read_tree``'s ``{path: text}``), shallow ones first."""
        lists = sorted((p for p in tree if p == KEEP_FILE or p.endswith("/" + KEEP_FILE)), key=_depth_then_name)
        rules: list[_Rule] = []
        for path in lists:
            text = tree[path]
            if text is None:
                raise KeepListError(f"{path} is not UTF-8 text; a keep-list is one gitignore pattern a line")
            rules.extend(_rules(path[: -len(KEEP_FILE)], text))
        return cls(rules, len(lists))

    @classmethod
    def from_folder(cls, root: Path) -> KeepList:
        """The keep-lists under the folder ``root``, read from disk (only they are read)."""
        tree: dict[str, str | None] = {}
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            if KEEP_FILE in names:
                path = Path(folder) / KEEP_FILE
                rel = path.relative_to(root).as_posix()
                try:
                    tree[rel] = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    tree[rel] = None
                except OSError:
                    continue
        return cls.from_tree(tree)

    def __bool__(self) -> bool:
        """Whether there is a keep-list at all (an empty one still keeps itself)."""
        return bool(self._rules or self._lists)

    def keeps(self, path: str) -> bool:
        """Whether generation leaves ``path`` alone: a keep-list itself, a path a pattern keeps, or one
        inside a kept folder."""
        if path == KEEP_FILE or path.endswith("/" + KEEP_FILE):
            return True
        if not self._rules:
            return False
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self._folder_kept("/".join(parts[:depth])):
                return True
        return self._match(path, folder=False)

    def _folder_kept(self, folder: str) -> bool:
        known = self._folders.get(folder)
        if known is None:
            known = self._folders[folder] = self._match(folder, folder=True)
        return known

    def _match(self, path: str, folder: bool) -> bool:
        kept = False
        for rule in self._rules:
            if rule.negated != kept or (rule.folders_only and not folder):
                continue  # it cannot change the answer
            if not path.startswith(rule.base):
                continue
            if rule.regex.fullmatch(path[len(rule.base) :]):
                kept = not rule.negated
        return kept

    def unkept(self, tree: Mapping[str, str | None]) -> dict[str, str | None]:
        """``tree`` without what this list keeps."""
        return {p: t for p, t in tree.items() if not self.keeps(p)}


def _depth_then_name(path: str) -> tuple[int, str]:
    return path.count("/"), path
