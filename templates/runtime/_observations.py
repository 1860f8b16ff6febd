"""What a client saw that its API description did not say: the ``Observations`` a client records into
(``observe=``), in the ``specgen-observations/1`` format that ``specgen learn`` turns into an Overlay.

A finding is a place (operation, response, JSON pointer into the body) and a kind (an unknown property,
a type the schema does not allow, ...); it never holds a value the server sent, except an enum value or
discriminator tag that looks like vocabulary, a status, a media type or an event name. Bounded in
memory, safe to share between threads and tasks.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Finding", "Observations"]

FORMAT = "specgen-observations/1"

#: Kinds of finding, as docs/observations.md of the generator lists them.
KINDS = frozenset(
    {
        "unknown-property",
        "unknown-enum-value",
        "type-mismatch",
        "missing-required",
        "unexpected-null",
        "unknown-discriminator",
        "undocumented-status",
        "undocumented-content-type",
        "unknown-event",
    }
)
#: Kinds whose ``observed`` may be the value itself (when it looks like vocabulary).
_VALUED = frozenset(
    {
        "unknown-enum-value",
        "unknown-discriminator",
        "unknown-event",
        "undocumented-status",
        "undocumented-content-type",
    }
)

MAX_VALUES = 20  # distinct values kept per finding; the rest are counted under "…"
MAX_PER_OPERATION = 200  # places per operation
MAX_FINDINGS = 20_000  # places in all
MAX_KEYS = 2_000  # operations and webhook events
MAX_FILE_BYTES = 64 * 1024 * 1024  # an observations file read back (merge, load)
_OTHERS = "…"

_VOCABULARY = re.compile(r"[A-Za-z0-9_.:/ -]{1,64}")


def vocabulary(value: Any) -> str | None:
    """``value`` as text when it looks like a word of the API's vocabulary (an enum value, an event name),
    else None: anything else might be data, and data is never recorded."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if _VOCABULARY.fullmatch(text) else None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Finding:
    """One difference between a response (or a webhook delivery) and the description."""

    kind: str
    where: str  # the response as documented ("200 application/json"), or the status received
    pointer: str  # RFC 6901 pointer into the body, "*" for any array item
    expected: str | None = None
    observed: str | None = None  # a JSON type and format; a value only for the kinds in _VALUED
    value: str | None = None  # the vocabulary value counted in ``values``

    def message(self, operation: str) -> str:
        """What the log says: no value, only the place and the kinds of thing."""
        said = f"{operation}: {self.kind} at {self.pointer or '/'} ({self.where})"
        if self.expected and self.kind not in ("unknown-enum-value", "unknown-discriminator"):
            said += f", documented {self.expected}"
        if self.observed and self.kind not in _VALUED:
            said += f", received {self.observed}"
        return said


class _Entry:
    __slots__ = (
        "kind",
        "where",
        "pointer",
        "expected",
        "observed",
        "values",
        "count",
        "first",
        "last",
    )

    def __init__(self, finding: Finding, when: str) -> None:
        self.kind = finding.kind
        self.where = finding.where
        self.pointer = finding.pointer
        self.expected = finding.expected
        self.observed = finding.observed
        self.values: dict[str, int] = {}
        self.count = 0
        self.first = when
        self.last = when

    def add_value(self, value: str, times: int) -> None:
        if value in self.values or len(self.values) < MAX_VALUES:
            self.values[value] = self.values.get(value, 0) + times
        else:
            self.values[_OTHERS] = self.values.get(_OTHERS, 0) + times

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "where": self.where, "pointer": self.pointer}
        if self.expected is not None:
            out["expected"] = self.expected
        if self.observed is not None:
            out["observed"] = self.observed
        if self.values:
            out["values"] = dict(sorted(self.values.items()))
        out.update(count=self.count, first_seen=self.first, last_seen=self.last)
        return out


class _Place:
    """An operation's (or a webhook event's) calls and findings."""

    __slots__ = ("calls", "statuses", "findings", "dropped")

    def __init__(self) -> None:
        self.calls = 0
        self.statuses: dict[str, int] = {}
        self.findings: dict[tuple[str, str, str], _Entry] = {}
        self.dropped = 0


class Observations:
    """Findings a client recorded, per operation and place, with counts and first and last seen.

    ``Observations()`` is shared by any number of clients (``observe=``), threads and tasks;
    ``to_dict()`` gives the ``specgen-observations/1`` document, ``save(path)`` merges it into a file,
    ``Observations.load(path)`` reads one back. A client given a path instead merges into that file
    when it closes.
    """

    def __init__(self, api: str = "", api_version: str = "", generator: str = "") -> None:
        self.api = api
        self.api_version = api_version
        self.generator = generator
        self._lock = threading.Lock()
        self._operations: dict[str, _Place] = {}
        self._webhooks: dict[str, _Place] = {}
        self._total = 0
        self._dropped = 0

    def __repr__(self) -> str:
        return f"Observations({self.api or 'api'}: {self._total} place(s))"

    def __bool__(self) -> bool:
        return True  # an empty record is still a record to write into

    # -- recording ----------------------------------------------------------------------------

    def _place(self, table: dict[str, _Place], key: str) -> _Place | None:
        place = table.get(key)
        if place is None:
            if len(table) >= MAX_KEYS:
                self._dropped += 1
                return None
            place = table[key] = _Place()
        return place

    def record_call(
        self,
        operation: str,
        status: int | str | None,
        findings: Iterable[Finding] = (),
        *,
        webhook: bool = False,
    ) -> None:
        """One response (or webhook delivery) of ``operation`` and what was found in it. A place found
        several times in one response (every item of an array) counts once."""
        when = _now()
        with self._lock:
            place = self._place(self._webhooks if webhook else self._operations, operation)
            if place is None:
                return
            place.calls += 1
            if status is not None:
                key = str(status)
                if key in place.statuses or len(place.statuses) < MAX_VALUES:
                    place.statuses[key] = place.statuses.get(key, 0) + 1
            seen: set[tuple[str, str, str]] = set()
            for finding in findings:
                self._add(place, finding, when, seen)

    def _add(
        self, place: _Place, finding: Finding, when: str, seen: set[tuple[str, str, str]]
    ) -> None:
        key = (finding.kind, finding.where, finding.pointer)
        entry = place.findings.get(key) or self._new(place, finding, when)
        if entry is None:
            return
        if key not in seen:
            seen.add(key)
            entry.count += 1
            entry.last = when
        if finding.value is not None:
            entry.add_value(finding.value, 1)

    # -- the document -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The ``specgen-observations/1`` document (docs/observations.md of the generator)."""
        with self._lock:
            out: dict[str, Any] = {
                "format": FORMAT,
                "api": self.api,
                "api_version": self.api_version,
                "generator": self.generator,
                "operations": {
                    k: _place_dict(p, "calls") for k, p in sorted(self._operations.items())
                },
            }
            if self._webhooks:
                out["webhooks"] = {
                    k: _place_dict(p, "deliveries") for k, p in sorted(self._webhooks.items())
                }
            if self._dropped:
                out["dropped"] = self._dropped
            return out

    def merge(self, other: Observations | Mapping[str, Any]) -> None:
        """Add ``other``'s records to these: counts added, values united (within the bounds), the earliest
        first and the latest last seen kept."""
        data = other.to_dict() if isinstance(other, Observations) else other
        _check_format(data, "observations")
        with self._lock:
            self.api = self.api or str(data.get("api") or "")
            self.api_version = self.api_version or str(data.get("api_version") or "")
            self.generator = self.generator or str(data.get("generator") or "")
            for section, table, counter in (
                ("operations", self._operations, "calls"),
                ("webhooks", self._webhooks, "deliveries"),
            ):
                given = data.get(section)
                if not isinstance(given, Mapping):
                    continue
                for key, record in given.items():
                    if isinstance(record, Mapping):
                        self._merge_place(table, str(key), record, counter)
            dropped = data.get("dropped")
            if isinstance(dropped, int) and dropped > 0:
                self._dropped += dropped

    def _merge_place(
        self, table: dict[str, _Place], key: str, record: Mapping[str, Any], counter: str
    ) -> None:
        place = self._place(table, key)
        if place is None:
            return
        place.calls += _count(record.get(counter))
        statuses = record.get("statuses")
        if isinstance(statuses, Mapping):
            for status, times in statuses.items():
                if str(status) in place.statuses or len(place.statuses) < MAX_VALUES:
                    place.statuses[str(status)] = place.statuses.get(str(status), 0) + _count(times)
        place.dropped += _count(record.get("dropped"))
        for item in record.get("findings") or ():
            if not isinstance(item, Mapping) or item.get("kind") not in KINDS:
                continue
            finding = Finding(
                str(item["kind"]),
                str(item.get("where", "")),
                str(item.get("pointer", "")),
                _text(item.get("expected")),
                _text(item.get("observed")),
            )
            key3 = (finding.kind, finding.where, finding.pointer)
            first = _text(item.get("first_seen")) or _now()
            last = _text(item.get("last_seen")) or first
            entry = place.findings.get(key3) or self._new(place, finding, first)
            if entry is None:
                continue
            entry.first = min(entry.first, first)
            entry.last = max(entry.last, last)
            entry.count += _count(item.get("count"))
            values = item.get("values")
            if isinstance(values, Mapping):
                for value, times in values.items():
                    entry.add_value(str(value), _count(times))

    def _new(self, place: _Place, finding: Finding, when: str) -> _Entry | None:
        """A new place for ``finding``, within the bounds; None (and counted as dropped) past them."""
        if len(place.findings) >= MAX_PER_OPERATION or self._total >= MAX_FINDINGS:
            place.dropped += 1
            return None
        entry = place.findings[(finding.kind, finding.where, finding.pointer)] = _Entry(
            finding, when
        )
        self._total += 1
        return entry

    def save(self, path: str | os.PathLike[str]) -> None:
        """Merge these records into the file at ``path`` (created when missing), written atomically."""
        target = Path(path)
        merged = Observations(self.api, self.api_version, self.generator)
        if target.exists():
            merged.merge(_read(target))
        merged.merge(self)
        text = json.dumps(merged.to_dict(), indent=2, ensure_ascii=False) + "\n"
        import tempfile  # only a client that saves pays for it

        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _drain(self) -> Observations:
        """These records, moved into a new object: this one starts empty (a client given a path saves
        what it recorded since it last saved)."""
        moved = Observations(self.api, self.api_version, self.generator)
        with self._lock:
            moved._operations, self._operations = self._operations, {}
            moved._webhooks, self._webhooks = self._webhooks, {}
            moved._total, self._total = self._total, 0
            moved._dropped, self._dropped = self._dropped, 0
        return moved

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Observations:
        """The records of a ``specgen-observations/1`` file."""
        made = cls()
        made.merge(_read(Path(path)))
        return made


def _place_dict(place: _Place, counter: str) -> dict[str, Any]:
    out: dict[str, Any] = {counter: place.calls}
    if place.statuses:
        out["statuses"] = dict(sorted(place.statuses.items()))
    out["findings"] = [
        entry.as_dict() for _, entry in sorted(place.findings.items(), key=lambda kv: kv[0][::-1])
    ]
    if place.dropped:
        out["dropped"] = place.dropped
    return out


def _read(path: Path) -> Mapping[str, Any]:
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: an observations file larger than {MAX_FILE_BYTES} bytes")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    _check_format(data, str(path))
    return data  # type: ignore[no-any-return]


def _check_format(data: Any, where: str) -> None:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        raise ValueError(f"{where}: not a {FORMAT} document (format {found!r})")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- the client's side: logging each place once -----------------------------------------------------

_LOGGED: set[tuple[str, str, str, str]] = set()
_LOGGED_MAX = 10_000
_LOGGED_LOCK = threading.Lock()


def log_once(log: logging.Logger, operation: str, findings: Iterable[Finding]) -> None:
    """Log each finding at WARNING, once per operation and place for the life of the process."""
    for finding in findings:
        key = (operation, finding.kind, finding.where, finding.pointer)
        with _LOGGED_LOCK:
            if key in _LOGGED or len(_LOGGED) >= _LOGGED_MAX:
                continue
            _LOGGED.add(key)
        log.warning("response differs from the API description: %s", finding.message(operation))
