"""A lying vendor: Kombo (the vendor's file with its overlay) and HrFlow (written by hand), each served by
the mock as a vendor who does not follow its own description (``tests/lying/<api>.overlay.yaml``, the
deviations it seeds listed in ``tests/lying/<api>.deviations.yaml``), and every operation driven through
the client generated from the documented description (docs/observations.md).

In this order, so a partial runtime shows where it stands:

(a) the mock serves each seeded deviation (judged here against the documented description, by jsonschema);
(b) ``diff DOCUMENTED TRUE`` gives each deviation the class the list says;
(c) every call returns, by default, the model its method promises;
(d) ``strict_responses=True`` (client, ``with_options``, per call) raises for each deviating response;
(e) what the client observes is what the traffic touched (at least 95%) and nothing it did not;
(f) ``specgen learn`` classifies each as diff does, and after applying what it learned and regenerating,
    the same traffic gives no finding and strict passes;
(g) honest traffic gives nothing to learn;
(h) the canaries planted in bodies, headers, query strings and credentials never reach an observation
    file, learn's output or a log record.

(c) to (h) need a runtime that observes (the package exports ``Observations``) and (f), (g) ``specgen learn``
(``generator.drift.learn``): each is skipped until that exists and runs by itself once it does. The table
(deviations seeded, touched, observed, learned, classes agreeing) is printed and written to
``build/lying-vendor.md``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator import generate_package
from generator.core.load import Spec, load_spec
from generator.core.write import write_tree
from generator.drift.diff import RULES, diff_specs
from generator.mock.server import MockOptions, MockServer

ROOT = Path(__file__).resolve().parent.parent
LYING = ROOT / "tests" / "lying"
TABLE = ROOT / "build" / "lying-vendor.md"
APIS = ("kombo", "hrflow")

# --- canaries: values that must never reach an observation file or a log ------------------------------

CANARY = re.compile("canary", re.IGNORECASE)
CANARY_KEY = "CANARY-cred-key-6f2a91d0"
CANARY_USER = "canary-cred-user-41be@example.com"
CANARY_HEADER = "CANARY-header-note-c3d8"
CANARY_INTEGRATION = "CANARY-header-integration-77e2"
CANARY_QUERY = "CANARY-query-trace-0a9b"
CANDIDATE = "8Xi6iZrwusZqJmDGXs49GBmJ"

CLIENT = {"kombo": "Kombo", "hrflow": "Hrflow"}
BASE_URL_PARAM = {"kombo": "server_url", "hrflow": "base_url"}
CREDENTIALS = {
    "kombo": {"api_key": CANARY_KEY, "integration_id": CANARY_INTEGRATION},
    "hrflow": {"api_secret": CANARY_KEY, "api_user": CANARY_USER},
}
SCHEMES = {"kombo": {"ApiKey": CANARY_KEY}, "hrflow": {"ApiSecret": CANARY_KEY, "ApiUser": CANARY_USER}}


# --- the deviations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    kind: str
    operation: str  # "GET /profile/indexing": the method and the documented path
    where: str  # "200 application/json", or the status received
    pointer: str  # into the body, "*" for any array item
    spec: str  # where the overlay says it, in the description as loaded
    cls: str | None  # what `diff DOCUMENTED TRUE` calls it
    prefer: str | None = None  # served only to a request sending this Prefer preference
    example: str | None = None  # served only to a request asking for this example

    @property
    def exchange(self) -> tuple[str, str | None, str | None]:
        return (self.operation, self.prefer, self.example)

    @property
    def place(self) -> tuple[str, str, str]:
        return (self.kind, self.operation, self.pointer)


@cache
def case(api: str) -> dict[str, Any]:
    return yaml.safe_load((LYING / f"{api}.deviations.yaml").read_text(encoding="utf-8"))


@cache
def deviations(api: str) -> tuple[Deviation, ...]:
    return tuple(
        Deviation(
            d["kind"],
            d["operation"],
            str(d["where"]),
            d["pointer"],
            d["spec"],
            d["class"],
            d.get("prefer"),
            d.get("example"),
        )
        for d in case(api)["deviations"]
    )


def documented(api: str) -> tuple[Path, tuple[Path, ...]]:
    doc = case(api)["documented"]
    return ROOT / doc["spec"], tuple(ROOT / o for o in doc["overlays"])


def actual(api: str) -> Path:
    return ROOT / case(api)["actual"]


# --- the traffic -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    operation: str
    model: str  # the model the method promises
    invoke: Callable[..., Any]  # (client, **per-call options) -> what the method returns
    prefer: str | None = None

    @property
    def exchange(self) -> tuple[str, str | None, str | None]:
        return (self.operation, self.prefer, None)

    def __call__(self, client: Any, **options: Any) -> Any:
        headers = {"X-Canary-Note": CANARY_HEADER, **({"Prefer": self.prefer} if self.prefer else {})}
        return self.invoke(client, extra_headers=headers, **options)


def _kombo_calls() -> list[Call]:
    op = "GET /ats/candidates/{candidate_id}/attachments"

    def get(c: Any, **kw: Any) -> Any:
        return c.ats.get_candidate_attachments(candidate_id=CANDIDATE, extra_query={"trace": CANARY_QUERY}, **kw)

    return [Call(op, "CandidateAttachmentsResponse", get), Call(op, "CandidateAttachmentsResponse", get, "code=202")]


def _hrflow_calls() -> list[Call]:
    def by_id(param: str) -> Callable[..., Any]:
        value = f"canary-query-{param}@example.com" if param.endswith("email") else f"CANARY-query-{param}"
        return lambda c, **kw: c.profile.attachment.list_by_id(source_id="CANARY-query-source", **{param: value}, **kw)

    def listed(param: str) -> Callable[..., Any]:
        value = "canary-query-email@example.com" if param == "email" else f"CANARY-query-{param}"
        return lambda c, **kw: c.profile.attachment.list(source_key="CANARY-query-source", **{param: value}, **kw)

    def got(param: str) -> Callable[..., Any]:
        value = "canary-query-email@example.com" if param == "email" else f"CANARY-query-{param}"
        return lambda c, **kw: c.profile.indexing.get(source_key="CANARY-query-source", **{param: value}, **kw)

    attachments, indexing = "ProfileAttachmentsResponse", "ProfileResponse"
    return [
        *(
            Call("GET /profile/attachments", attachments, by_id(p))
            for p in ("profile_id", "profile_reference", "profile_email")
        ),
        *(Call("GET /profile/indexing/attachments", attachments, listed(p)) for p in ("key", "reference", "email")),
        Call("GET /profile/indexing/attachments", attachments, listed("key"), "code=202"),
        *(Call("GET /profile/indexing", indexing, got(p)) for p in ("key", "reference", "email")),
    ]


CALLS: dict[str, list[Call]] = {"kombo": _kombo_calls(), "hrflow": _hrflow_calls()}

#: A request the documented description accepts, per operation, for the raw checks of (a).
RAW: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "GET /ats/candidates/{candidate_id}/attachments": (
        f"/ats/candidates/{CANDIDATE}/attachments",
        {},
        {"Authorization": f"Bearer {CANARY_KEY}", "X-Integration-Id": CANARY_INTEGRATION},
    ),
    "GET /profile/attachments": (
        "/profile/attachments",
        {"source_id": "s", "profile_id": "p"},
        {"X-API-KEY": CANARY_KEY},
    ),
    "GET /profile/indexing/attachments": (
        "/profile/indexing/attachments",
        {"source_key": "s", "key": "k"},
        {"X-API-KEY": CANARY_KEY, "X-USER-EMAIL": CANARY_USER},
    ),
    "GET /profile/indexing": (
        "/profile/indexing",
        {"source_key": "s", "key": "k"},
        {"X-API-KEY": CANARY_KEY, "X-USER-EMAIL": CANARY_USER},
    ),
}


def touched(api: str) -> list[Deviation]:
    """The deviations the traffic asked for: the operation called, with the Prefer and example it sent."""
    asked = {call.exchange for call in CALLS[api]}
    return [d for d in deviations(api) if d.exchange in asked]


def deviating(api: str, call: Call) -> bool:
    return any(d.exchange == call.exchange for d in deviations(api))


# --- (a)'s judge: what a reply breaks of the documented description --------------------------------


def _escape(part: Any) -> str:
    return "*" if isinstance(part, int) else str(part).replace("~", "~0").replace("/", "~1")


def _pointer(parts: Any) -> str:
    return "".join("/" + _escape(p) for p in parts)


def _at(data: Any, ptr: str) -> Any:
    for part in ptr.lstrip("/").split("/") if ptr else []:
        part = part.replace("~1", "/").replace("~0", "~")
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _follow(data: Any, ptr: str, node: Any) -> tuple[str, Any]:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        ptr = node["$ref"][1:]
        node = _at(data, ptr)
    return ptr, node


def _unknown_properties(data: Any, schema: Any, value: Any, path: str) -> Iterator[str]:
    """Pointers of properties an object has that its schema does not declare (where the schema declares
    properties and no additionalProperties)."""
    _, schema = _follow(data, "", schema)
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        declared = schema.get("properties")
        for key, item in value.items():
            if isinstance(declared, dict) and key in declared:
                yield from _unknown_properties(data, declared[key], item, f"{path}/{_escape(key)}")
            elif isinstance(declared, dict) and "additionalProperties" not in schema:
                yield f"{path}/{_escape(key)}"
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            yield from _unknown_properties(data, schema["items"], item, f"{path}/*")


def judge(spec: Spec, operation: str, status: int, content_type: str, body: bytes) -> set[tuple[str, str, str]]:
    """(kind, where, pointer) of each way a reply departs from the documented description, found by
    jsonschema and a walk for undeclared properties: nothing of the mock or the generated runtime."""
    data = spec.data
    method, path = operation.split(" ", 1)
    ptr = "/paths/" + _escape(path) + "/" + method.lower()
    responses = data["paths"][path][method.lower()]["responses"]
    found: set[tuple[str, str, str]] = set()
    key = next((k for k in (str(status), f"{str(status)[0]}XX") if k in responses), None)
    if key is None:
        found.add(("undocumented-status", str(status), ""))
        key = next(k for k in responses if k.startswith("2"))  # parsed as the documented success
    rptr, response = _follow(data, f"{ptr}/responses/{_escape(key)}", responses[key])
    content = response.get("content") or {}
    media = content_type.split(";")[0].strip().lower()
    if media not in content:
        found.add(("undocumented-content-type", str(status), ""))
        media = next(m for m in content if m == "application/json" or m.endswith("+json"))
    where = f"{key} {media}"
    value = json.loads(body)
    sptr = f"{rptr}/content/{_escape(media)}/schema"
    registry: Registry = Registry().with_resource(spec.root, Resource.from_contents(data, DRAFT202012))
    validator = Draft202012Validator({"$ref": f"{spec.root}#{sptr}"}, registry=registry, format_checker=FormatChecker())
    for error in validator.iter_errors(value):
        at = _pointer(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    found.add(("missing-required", where, f"{at}/{_escape(name)}"))
        elif error.validator == "type":
            found.add(("unexpected-null" if error.instance is None else "type-mismatch", where, at))
        elif error.validator == "format":
            found.add(("type-mismatch", where, at))
        elif error.validator in ("enum", "const"):
            found.add(("unknown-enum-value", where, at))
        else:
            found.add((f"other ({error.validator})", where, at))
    for at in _unknown_properties(data, _at(data, sptr), value, ""):
        found.add(("unknown-property", where, at))
    return found


# --- the packages, mocks and traffic of the module ----------------------------------------------------


class Capture(logging.Handler):
    """Every record of every logger while the module runs (their messages, with arguments applied)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        self.lines.append((record.name, record.levelno, text))


@dataclass
class Lab:
    root: Path
    capture: Capture
    packages: dict[str, Any] = field(default_factory=dict)
    mocks: dict[tuple[str, bool], MockServer] = field(default_factory=dict)
    traffic: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)  # observation files, learned overlays, learn's output
    table: dict[str, dict[str, Any]] = field(default_factory=lambda: {api: {} for api in APIS})

    def package(self, api: str, name: str | None = None, overlays: tuple[Path, ...] = ()) -> Any:
        """The package generated from the documented description (plus ``overlays``) as ``<name>_client``."""
        name = name or f"lying_{api}"
        if name not in self.packages:
            spec, documented_overlays = documented(api)
            result = generate_package(
                spec,
                name=name,
                overlays=documented_overlays + overlays,
                package=f"{name}_client",
                client=CLIENT[api],
                base_url_param=BASE_URL_PARAM[api],
            )
            assert result.ok, [str(d) for d in result.diagnostics.errors]
            out = self.root / name
            write_tree(out, result.files)
            sys.path.insert(0, str(out))
            self.packages[name] = importlib.import_module(f"{name}_client")
            logging.getLogger(f"{name}_client").setLevel(logging.DEBUG)
        return self.packages[name]

    def runtime(self, api: str, name: str | None = None, overlays: tuple[Path, ...] = ()) -> Any:
        package = self.package(api, name, overlays)
        if not hasattr(package, "Observations"):
            pytest.skip("the generated runtime does not observe yet (no Observations in the package)")
        return package

    def mock(self, api: str, lying: bool = True) -> MockServer:
        if (api, lying) not in self.mocks:
            spec, overlays = documented(api)
            mock = MockServer(
                spec,
                overlays,
                options=MockOptions(credentials=SCHEMES[api]),
                actual=actual(api) if lying else None,
            )
            self.mocks[api, lying] = mock.start()
        return self.mocks[api, lying]

    def client(self, api: str, package: Any, mock: MockServer, **options: Any) -> Any:
        cls = getattr(package, CLIENT[api])
        return cls(**CREDENTIALS[api], **{BASE_URL_PARAM[api]: mock.base_url}, max_retries=0, **options)

    def drive(
        self, api: str, package: Any, mock: MockServer, calls: list[Call] | None = None, **options: Any
    ) -> list[tuple[Call, Any]]:
        """Each call of the traffic through one client: [(call, what it returned)]; the client closed."""
        with self.client(api, package, mock, **options) as client:
            return [(call, call(client)) for call in (CALLS[api] if calls is None else calls)]

    def adrive(self, api: str, package: Any, mock: MockServer, **options: Any) -> list[tuple[Call, Any]]:
        """``drive`` through the async client."""
        cls = getattr(package, "Async" + CLIENT[api])

        async def go() -> list[tuple[Call, Any]]:
            async with cls(
                **CREDENTIALS[api], **{BASE_URL_PARAM[api]: mock.base_url}, max_retries=0, **options
            ) as client:
                return [(call, await call(client)) for call in CALLS[api]]

        return asyncio.run(go())

    def observed(self, api: str) -> dict[str, Any]:
        """The tolerant traffic against the lying mock, observed: {"results", "observations", "file"}."""
        if api not in self.traffic:
            package = self.runtime(api)
            observations = package.Observations()
            results = self.drive(api, package, self.mock(api), observe=observations)
            file = self.root / f"{api}.observations.json"
            observations.save(file)
            self.files.append(file)
            self.traffic[api] = {"results": results, "observations": observations.to_dict(), "file": file}
        return self.traffic[api]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    capture = Capture()
    root_logger = logging.getLogger()
    level = root_logger.level
    root_logger.addHandler(capture)
    root_logger.setLevel(logging.DEBUG)
    made = Lab(tmp_path_factory.mktemp("lying"), capture)
    try:
        yield made
    finally:
        root_logger.removeHandler(capture)
        root_logger.setLevel(level)
        for mock in made.mocks.values():
            mock.stop()
        for name in made.packages:
            logging.getLogger(f"{name}_client").setLevel(logging.NOTSET)
            sys.path.remove(str(made.root / name))
            for module in [m for m in sys.modules if m.split(".")[0] == f"{name}_client"]:
                del sys.modules[module]


def model(package: Any, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def findings(observations: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(kind, operation, pointer, where) of every finding of a specgen-observations/1 document."""
    return [
        (f["kind"], operation, f.get("pointer", ""), str(f.get("where", "")))
        for operation, entry in sorted(observations.get("operations", {}).items())
        for f in entry.get("findings", [])
    ]


def learn(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "learn", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def spec_args(api: str) -> list[str | Path]:
    spec, overlays = documented(api)
    return ["--spec", spec, *(a for o in overlays for a in ("--overlay", o))]


def changes(old: Spec, new: Spec) -> set[tuple[str, str]]:
    """(pointer in ``new``, rule) of every change diff finds from ``old`` to ``new``."""
    return {((c.new or c.old or "").partition("#")[2], c.rule) for c in diff_specs(old, new).changes}


# --- (a) the mock serves each seeded deviation --------------------------------------------------------


def test_every_kind_is_seeded_or_said_why_not():
    kinds = {
        "unknown-property",
        "unknown-enum-value",
        "type-mismatch",
        "missing-required",
        "unexpected-null",
        "unknown-discriminator",
        "undocumented-status",
        "undocumented-content-type",
    }
    for api in APIS:
        seeded = {d.kind for d in deviations(api)}
        assert len(deviations(api)) >= 20, api
        assert kinds - seeded <= set(case(api)["not_seeded"]), (api, kinds - seeded)
        assert not seeded & set(case(api)["not_seeded"]), api
        assert {d.kind for d in touched(api)} == seeded, f"{api}: every seeded kind is touched by the traffic"
        assert touched(api) != list(deviations(api)), f"{api}: one deviation is left untouched, to be never observed"


@pytest.mark.parametrize("api", APIS)
def test_a_mock_serves_each_deviation(lab, api):
    """Each exchange the deviations (or the traffic) name, asked of the lying mock by plain httpx and
    judged against the documented description: exactly the deviations listed for it, nothing else."""
    spec, overlays = documented(api)
    loaded = load_spec(spec, overlays)
    mock = lab.mock(api)
    exchanges = sorted({d.exchange for d in deviations(api)} | {c.exchange for c in CALLS[api]}, key=str)
    for operation, prefer, example in exchanges:
        path, query, headers = RAW[operation]
        asked = ", ".join(p for p in (prefer, example and f"example={example}") if p)
        reply = httpx.get(
            mock.base_url + path, params=query, headers={**headers, **({"Prefer": asked} if asked else {})}
        )
        assert reply.status_code < 300, (operation, asked, reply.text)
        got = judge(loaded, operation, reply.status_code, reply.headers["content-type"], reply.content)
        want = {(d.kind, d.where, d.pointer) for d in deviations(api) if d.exchange == (operation, prefer, example)}
        assert got == want, f"{operation} ({asked or 'nothing asked'}): missing {want - got}, unlisted {got - want}"
    lab.table[api]["seeded"] = len(deviations(api))
    lab.table[api]["touched"] = len(touched(api))


# --- (b) diff DOCUMENTED TRUE classifies each as listed ------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_b_diff_gives_each_deviation_its_class(api):
    spec, overlays = documented(api)
    old, new = load_spec(spec, overlays), load_spec(spec, (*overlays, actual(api)))
    assert not [*new.diagnostics.errors, *new.diagnostics.warnings], [str(d) for d in new.diagnostics]
    for d in deviations(api):
        _at(new.data, d.spec)  # each deviation is said where the list says
    got = changes(old, new)
    want = {(d.spec, d.cls) for d in deviations(api) if d.cls is not None}
    assert got == want, f"missing {want - got}, unlisted {got - want}"
    assert {d.cls for d in deviations(api)} - {None} <= set(RULES)


# --- (c) every call returns, by default, the model it promises -----------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_c_every_call_returns_by_default(lab, api):
    package = lab.runtime(api)
    for call, result in lab.observed(api)["results"]:
        assert result is not None, call
        assert isinstance(result, model(package, call.model)), (call, type(result))
    # A client that observes nothing returns too, and so does the async client.
    for call, result in lab.drive(api, package, lab.mock(api)):
        assert isinstance(result, model(package, call.model)), (call, type(result))
    observations = package.Observations()
    for call, result in lab.adrive(api, package, lab.mock(api), observe=observations):
        assert isinstance(result, model(package, call.model)), (call, type(result))
    assert {f[:3] for f in findings(observations.to_dict())} == {
        f[:3] for f in findings(lab.observed(api)["observations"])
    }


# --- (d) strict raises for each deviating response -----------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_d_strict_raises_for_each_deviating_response(lab, api):
    package = lab.runtime(api)
    error = package.ResponseValidationError
    mock = lab.mock(api)
    with lab.client(api, package, mock, strict_responses=True) as strict:
        for call in CALLS[api]:
            assert deviating(api, call), call  # every exchange of this traffic deviates
            with pytest.raises(error) as raised:
                call(strict)
            assert raised.value.body, call  # the raw body is kept
            assert isinstance(call(strict, strict_responses=False), model(package, call.model))
    with lab.client(api, package, mock) as tolerant:
        for call in CALLS[api]:
            with pytest.raises(error):
                call(tolerant, strict_responses=True)
            with pytest.raises(error):
                call(tolerant.with_options(strict_responses=True))
            assert call(tolerant) is not None


# --- (e) observed == touched ---------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_e_observed_is_what_the_traffic_touched(lab, api):
    traffic = lab.observed(api)
    document = traffic["observations"]
    assert document["format"] == "specgen-observations/1"
    assert json.loads(traffic["file"].read_text(encoding="utf-8"))["format"] == "specgen-observations/1"
    calls: dict[str, int] = {}
    for call in CALLS[api]:
        calls[call.operation] = calls.get(call.operation, 0) + 1
    assert {op: entry["calls"] for op, entry in document["operations"].items()} == calls
    seen = findings(document)
    observed = {(kind, op, ptr) for kind, op, ptr, _ in seen}
    hit = {d.place for d in touched(api)}
    untouched = {d.place for d in deviations(api)} - hit
    lab.table[api]["observed"] = len(observed & hit)
    assert not observed & untouched, f"observed what the traffic never asked for: {observed & untouched}"
    assert not observed - hit, f"observed what was not seeded: {observed - hit}"
    assert len(observed & hit) >= 0.95 * len(hit), f"not observed: {sorted(hit - observed)}"
    wheres = {d.place: d.where for d in touched(api)}
    assert [f for f in seen if wheres.get(f[:3], f[3]) != f[3]] == [], "each finding in the response it was in"

    # observe= a path: merged into when the client closes, the same findings.
    package = lab.runtime(api)
    path = lab.root / f"{api}.by-path.observations.json"
    lab.drive(api, package, lab.mock(api), observe=path)
    lab.drive(api, package, lab.mock(api), observe=str(path))
    lab.files.append(path)
    merged = json.loads(path.read_text(encoding="utf-8"))
    assert {f[:3] for f in findings(merged)} == observed
    assert {op: entry["calls"] for op, entry in merged["operations"].items()} == {k: 2 * v for k, v in calls.items()}
    assert package.Observations.load(path).to_dict()["operations"].keys() == merged["operations"].keys()


# --- (f) learn, apply, regenerate, replay ---------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_f_learned_then_regenerated_observes_nothing(lab, api):
    pytest.importorskip("generator.drift.learn")
    traffic = lab.observed(api)
    learned = lab.root / f"{api}.learned.overlay.yaml"
    ran = learn(traffic["file"], *spec_args(api), "--out", learned)
    assert ran.returncode == 0, ran.stderr
    log = lab.root / f"{api}.learn.log"
    log.write_text(ran.stdout + ran.stderr, encoding="utf-8")
    lab.files += [learned, log]

    # Its printed classes, and the diff of what it wrote, are the classes diff gives DOCUMENTED TRUE.
    hit = touched(api)
    printed = {rule for rule in RULES if re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", ran.stdout)}
    assert printed == {d.cls for d in hit} - {None}, ran.stdout
    spec, overlays = documented(api)
    got = changes(load_spec(spec, overlays), load_spec(spec, (*overlays, learned)))
    agreeing = [d for d in hit if {rule for ptr, rule in got if ptr == d.spec} == ({d.cls} if d.cls else set())]
    lab.table[api]["agreeing"] = len(agreeing)
    assert got == {(d.spec, d.cls) for d in hit if d.cls is not None}, ran.stdout

    # Applied and regenerated, the same traffic observes nothing and passes strict.
    package = lab.runtime(api, f"learned_{api}", (learned,))
    observations = package.Observations()
    results = lab.drive(api, package, lab.mock(api), observe=observations)
    file = lab.root / f"{api}.learned.observations.json"
    observations.save(file)
    lab.files.append(file)
    left = findings(observations.to_dict())
    lab.table[api]["learned"] = len([d for d in hit if d.place not in {f[:3] for f in left}])
    assert left == [], left
    assert all(isinstance(r, model(package, c.model)) for c, r in results)
    lab.drive(api, package, lab.mock(api), strict_responses=True)
    again = learn(file, *spec_args(api), "--overlay", learned, "--out", lab.root / "nothing.yaml", "--check")
    assert again.returncode == 0, again.stdout + again.stderr


# --- (g) honest traffic gives nothing to learn -----------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_g_honest_traffic_gives_nothing_to_learn(lab, api):
    package = lab.runtime(api)
    honest = [call for call in CALLS[api] if call.prefer is None]
    observations = package.Observations()
    lab.drive(api, package, lab.mock(api, lying=False), honest, observe=observations)
    lab.drive(api, package, lab.mock(api, lying=False), honest, strict_responses=True)
    file = lab.root / f"{api}.honest.observations.json"
    observations.save(file)
    lab.files.append(file)
    assert findings(json.loads(file.read_text(encoding="utf-8"))) == []
    pytest.importorskip("generator.drift.learn")
    ran = learn(file, *spec_args(api), "--out", lab.root / f"{api}.honest.overlay.yaml", "--check")
    assert ran.returncode == 0, ran.stdout + ran.stderr


# --- (h) canaries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_h_no_canary_in_observations_or_logs(lab, api, caplog):
    package = lab.runtime(api)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger=package.__name__):
        observations = package.Observations()
        lab.drive(api, package, lab.mock(api), observe=observations)
        with lab.client(api, package, lab.mock(api), strict_responses=True) as strict:
            for call in CALLS[api]:
                with pytest.raises(package.ResponseValidationError):
                    call(strict)
    warned = [line for line in lab.capture.lines if line[0].startswith(package.__name__) and line[1] == logging.WARNING]
    assert warned, "each finding is logged at WARNING by the package's logger"
    leaked = [(r.name, r.getMessage()) for r in caplog.records if CANARY.search(r.getMessage())]
    leaked += [(name, text) for name, _, text in lab.capture.lines if CANARY.search(text)]
    where = sorted(
        {(name, token) for name, text in leaked for token in re.findall(r"[\w.@-]*canary[\w.@-]*", text, re.I)}
    )
    assert leaked == [], f"canaries in log records (logger, value): {where}; first record: {leaked[:1]}"
    assert not CANARY.search(json.dumps(observations.to_dict()))
    for file in lab.files:
        assert not CANARY.search(file.read_text(encoding="utf-8")), file


# --- the table -----------------------------------------------------------------------------------------


def test_z_table(lab):
    """Deviations seeded, touched, observed, learned and classes agreeing, per API: printed, and written
    to build/lying-vendor.md (git ignores build/)."""
    columns = ("seeded", "touched", "observed", "learned", "agreeing")
    lines = [
        "| API | deviations seeded | touched | observed | learned | classes agreeing |",
        "|---|---|---|---|---|---|",
        *(f"| {api} | " + " | ".join(str(lab.table[api].get(c, "—")) for c in columns) + " |" for api in APIS),
    ]
    text = "\n".join(lines) + "\n"
    TABLE.parent.mkdir(exist_ok=True)
    TABLE.write_text(text, encoding="utf-8")
    print("\n" + text)
