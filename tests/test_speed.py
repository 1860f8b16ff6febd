"""The speed layer never changes the output.

Every generation here is compared with the same generation run with no cache and no worker process
(``Speed(cache=None, workers=False)``), byte for byte: on every suite document, over a property-based
series of edits, with the caches warm from earlier runs, and after changes to the core itself (the
three regression cases below are edits a maintainer could reasonably make to a template or an IR rule;
a cache that knew less than what the core reads would serve stale text after them). The layer's
parts are tested for what they promise: a worker's value comes back as computed in place, black's
cache gives what black gives, every cache entry corrupted in any way is a miss (never output, never a
crash), compiled templates are never loaded from a cache folder, and ``generator.core`` imports
nothing of ``generator.speed``.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import json
import os
import random
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build_files
from generator.cli import main
from generator.config import ApiConfig, load_project
from generator.core import format, render
from generator.core.write import read_tree
from generator.speed import Speed, formatting
from generator.speed.formatting import Formatter

ROOT = Path(__file__).resolve().parent.parent
PLAIN = Speed(cache=None, workers=False)


def _suite() -> list[ApiConfig]:
    configs = list(load_project(ROOT).apis)
    configs += [ApiConfig(name=p.stem, spec=p) for p in sorted((ROOT / "tests" / "specs").glob("*.yaml"))]
    configs += [
        ApiConfig(name="c" + p.stem.replace("-", "_").replace(".", "_"), spec=p)
        for p in sorted((ROOT / "tests" / "corpus").rglob("*.json"))
    ]
    return configs


def _files(config: ApiConfig, speed: Speed, previous: dict[str, str | None] | None = None) -> dict[str, str]:
    result = build_files(config, previous=previous, speed=speed)
    assert result.ok, [str(d) for d in result.diagnostics.errors]
    return result.files


def _same(warm: dict[str, str], plain: dict[str, str], what: str) -> None:
    assert list(warm) == list(plain), what
    for path in plain:
        assert warm[path] == plain[path], f"{what}: {path} differs with the caches warm"


def test_every_suite_document_generates_the_same_with_warm_caches_as_without(tmp_path):
    speed = Speed(cache=tmp_path / "cache")
    configs = _suite()
    assert len(configs) >= 20
    for config in configs:
        plain = _files(config, PLAIN)
        _same(_files(config, speed), plain, f"{config.name}, cold caches")
        _same(_files(config, Speed(cache=tmp_path / "cache")), plain, f"{config.name}, warm caches")
    assert list((tmp_path / "cache" / "black").rglob("*")), "black's cache was used"


# -- a property-based series of edits ---------------------------------------------------------------

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Edits API", "version": "1.0.0", "description": "A document the edits below change."},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/candidates": {
            "get": {
                "operationId": "listCandidates",
                "tags": ["candidates"],
                "summary": "List candidates.",
                "parameters": [{"name": "page_size", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandidateList"}}},
                    }
                },
            },
            "post": {
                "operationId": "createCandidate",
                "tags": ["candidates"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Candidate"}}},
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Candidate"}}},
                    }
                },
            },
        },
        "/candidates/{candidate_id}/attachments": {
            "get": {
                "operationId": "listAttachments",
                "tags": ["attachments"],
                "parameters": [{"name": "candidate_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}
                            }
                        },
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Candidate": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "email": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
                },
            },
            "CandidateList": {
                "type": "object",
                "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Candidate"}},
                    "next": {"type": ["string", "null"]},
                },
            },
            "Attachment": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "type": {"$ref": "#/components/schemas/AttachmentType"},
                    "size": {"type": "integer"},
                },
            },
            "Status": {"type": "string", "enum": ["ACTIVE", "HIRED"]},
            "AttachmentType": {"type": "string", "enum": ["CV", "COVER_LETTER"]},
        }
    },
}

TYPES = [
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "string", "format": "date-time"},
    {"type": "array", "items": {"type": "string"}},
]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def _objects(doc: dict[str, Any]) -> list[str]:
    return [name for name, schema in _schemas(doc).items() if "properties" in schema]


def _enums(doc: dict[str, Any]) -> list[str]:
    return [name for name, schema in _schemas(doc).items() if "enum" in schema]


def _operations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(path, method) for path, item in doc["paths"].items() for method in item]


@st.composite
def edit(draw: Any, doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One edit of the kinds a vendor makes, applied to a copy of ``doc``."""
    doc = copy.deepcopy(doc)
    kind = draw(
        st.sampled_from(
            [
                "add-schema",
                "remove-schema",
                "rename-schema",
                "add-property",
                "remove-property",
                "retype-property",
                "rename-property",
                "add-enum-value",
                "remove-enum-value",
                "add-operation",
                "remove-operation",
                "retag",
                "retitle",
                "server",
                "describe",
                "summary",
            ]
        )
    )
    word = draw(WORDS)
    objects, enums, ops = _objects(doc), _enums(doc), _operations(doc)
    if kind == "add-schema":
        _schemas(doc)[word.capitalize() + "Extra"] = {
            "type": "object",
            "properties": {word: draw(st.sampled_from(TYPES))},
        }
    elif kind == "remove-schema" and len(objects) > 1:
        name = draw(st.sampled_from(objects))
        text = json.dumps(doc)
        if f'"#/components/schemas/{name}"' not in text:
            del _schemas(doc)[name]
    elif kind == "rename-schema" and objects:
        old = draw(st.sampled_from(objects))
        new = old + word.capitalize()
        if new not in _schemas(doc):
            text = json.dumps(doc).replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
            doc = json.loads(text)
            _schemas(doc)[new] = _schemas(doc).pop(old)
    elif kind in ("add-property", "remove-property", "retype-property", "rename-property") and objects:
        props = _schemas(doc)[draw(st.sampled_from(objects))]["properties"]
        if kind == "add-property" or not props:
            props[word] = draw(st.sampled_from(TYPES))
        else:
            name = draw(st.sampled_from(sorted(props)))
            if kind == "remove-property":
                del props[name]
            elif kind == "retype-property":
                props[name] = draw(st.sampled_from(TYPES))
            else:
                props[name + "_" + word] = props.pop(name)
    elif kind in ("add-enum-value", "remove-enum-value") and enums:
        values = _schemas(doc)[draw(st.sampled_from(enums))]["enum"]
        if kind == "add-enum-value" and word.upper() not in values:
            values.append(word.upper())
        elif len(values) > 1:
            values.pop(draw(st.integers(0, len(values) - 1)))
    elif kind == "add-operation":
        doc["paths"][f"/{word}"] = {
            "get": {
                "operationId": f"get{word.capitalize()}",
                "tags": [draw(st.sampled_from(["candidates", "attachments", word]))],
                "responses": {"204": {"description": "none"}},
            }
        }
    elif kind == "remove-operation" and len(ops) > 1:
        path, method = draw(st.sampled_from(ops))
        del doc["paths"][path][method]
        if not doc["paths"][path]:
            del doc["paths"][path]
    elif kind == "retag" and ops:
        path, method = draw(st.sampled_from(ops))
        doc["paths"][path][method]["tags"] = [word]
    elif kind == "retitle":
        doc["info"]["title"] = word.capitalize() + " API"
    elif kind == "server":
        doc["servers"] = [{"url": f"https://{word}.example.com/v2"}]
    elif kind == "describe" and objects:
        _schemas(doc)[draw(st.sampled_from(objects))]["description"] = f"{word} described."
    elif kind == "summary" and ops:
        path, method = draw(st.sampled_from(ops))
        doc["paths"][path][method]["summary"] = f"{word.capitalize()} things."
    return kind, doc


@st.composite
def edit_series(draw: Any) -> list[tuple[str, dict[str, Any]]]:
    doc, series = BASE, []
    for _ in range(draw(st.integers(1, 4))):
        kind, doc = draw(edit(doc))
        series.append((kind, doc))
    return series


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(series=edit_series())
def test_a_series_of_edits_generates_the_same_with_warm_caches_as_without(tmp_path, series):
    # One cache folder for the whole run of examples: every edit meets caches warmed by other documents.
    spec = tmp_path / "edits.yaml"
    config = ApiConfig(name="edits", spec=spec)
    spec.write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    previous: dict[str, str | None] = dict(_files(config, PLAIN))
    for kind, doc in series:
        spec.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        plain = _files(config, PLAIN, previous)
        _same(_files(config, Speed(cache=tmp_path / "cache"), previous), plain, kind)
        previous = dict(plain)


def test_a_large_document_generates_the_same_with_a_worker_as_in_one_process(tmp_path, monkeypatch):
    # Validation beside the build, the files made in two processes, and black's jobs sent to a pool
    # wherever there is one to send them to (forced here: any amount of work is enough).
    from generator.speed import BACKGROUND_OVER, formatting

    monkeypatch.setattr(formatting, "PARALLEL_OVER_SECONDS", 0.0)
    doc = copy.deepcopy(BASE)
    for i in range(BACKGROUND_OVER + 10):
        doc["paths"][f"/extra{i}"] = {
            "get": {
                "operationId": f"extra{i}",
                "tags": [f"group{i % 7}"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Candidate"}}},
                    }
                },
            }
        }
    for i in range(40):  # long Literal unions: statements only black can format
        consts = [{"const": f"a-rather-long-constant-value-{i}-{j}"} for j in range(5)]
        _schemas(doc)["Candidate"]["properties"][f"field_{i}"] = {"anyOf": consts}
    spec = tmp_path / "large.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    config = ApiConfig(name="large", spec=spec)
    plain = _files(config, PLAIN)
    _same(_files(config, Speed(cache=tmp_path / "cache")), plain, "large, worker and pool")
    _same(_files(config, Speed(cache=tmp_path / "cache")), plain, "large, warm")


# -- the core changed under warm caches -------------------------------------------------------------


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A copy of the templates that the renderer reads from for the test's length."""
    from generator import config as config_module

    copied = tmp_path / "templates"
    shutil.copytree(config_module.TEMPLATES, copied)
    monkeypatch.setattr(render, "TEMPLATES", copied)
    render.environment.cache_clear()
    yield copied
    render.environment.cache_clear()


def _edited(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer has {old!r}: update the regression case"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _retitled(tmp_path: Path, title: str) -> ApiConfig:
    doc = copy.deepcopy(BASE)
    doc["info"]["title"] = title
    spec = tmp_path / "core.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    return ApiConfig(name="core", spec=spec)


def test_a_resource_header_naming_the_title_follows_a_retitle_with_warm_caches(tmp_path, templates):
    # A resource module's header changed to name api.title: after a retitle, every resource module must
    # carry the new title, with caches warmed before the retitle.
    _edited(templates / "resource.py.jinja", "{{ header }}", "{{ header }}# {{ api.title | comment }}\n")
    warm = Speed(cache=tmp_path / "cache")
    _files(_retitled(tmp_path, "Before API"), warm)
    config = _retitled(tmp_path, "After API")
    plain = _files(config, PLAIN)
    assert all(
        "# After API" in text
        for path, text in plain.items()
        if "/resources/" in path and not path.endswith("__init__.py")
    )
    _same(_files(config, Speed(cache=tmp_path / "cache")), plain, "header with the title")


def test_models_importing_only_the_enum_bases_they_use_import_after_an_edit_with_warm_caches(tmp_path, templates):
    # A module of models/ changed to import only the enum base classes its enums use: after an edit that
    # adds an integer enum, its module must import OpenIntEnum, with caches warmed before the edit.
    _edited(
        templates / "models.py.jinja",
        '{{ module.runtime_imports | import_from(".._runtime") }}',
        '{% set bases = module.enums | map(attribute="base") | unique | list %}'
        "{% set unused = ([] if 'int' in bases else ['OpenIntEnum']) + ([] if 'str' in bases else ['OpenStrEnum']) %}"
        '{{ module.runtime_imports | reject("in", unused) | list | import_from(".._runtime") }}',
    )
    warm = Speed(cache=tmp_path / "cache")
    config = ApiConfig(name="enums", spec=tmp_path / "enums.json")
    doc = copy.deepcopy(BASE)
    config.spec.write_text(json.dumps(doc), encoding="utf-8")
    _files(config, warm)
    _schemas(doc)["Priority"] = {"type": "integer", "enum": [1, 2, 3]}
    _schemas(doc)["Candidate"]["properties"]["priority"] = {"$ref": "#/components/schemas/Priority"}
    config.spec.write_text(json.dumps(doc), encoding="utf-8")
    plain = _files(config, PLAIN)
    _same(_files(config, Speed(cache=tmp_path / "cache")), plain, "enum bases")
    module = next(text for path, text in plain.items() if "/models/_m_" in path and "class Priority(" in text)
    assert "class Priority(OpenIntEnum)" in module and "OpenIntEnum" in module.split("class ")[0]


def test_small_enums_inlined_as_literals_follow_an_edit_with_warm_caches(tmp_path, monkeypatch):
    # An IR rule changed to inline small referenced enums as Literal[...] without going through any
    # bookkeeping: after an enum value is added, every annotation that inlined it must show the value.
    from generator.core import build_ir

    original = build_ir.types.Types._ref

    def inlined(self: Any, doc: str, schema: dict[str, Any], ptr: str, hint: Any, depth: int) -> str:
        target = self.ctx.spec.follow(doc, schema)[2]
        if isinstance(target, dict) and isinstance(target.get("enum"), list) and len(target["enum"]) <= 4:
            return "Literal[" + ", ".join(build_ir.context.pyrepr_literal(v) for v in target["enum"]) + "]"
        return original(self, doc, schema, ptr, hint, depth)

    monkeypatch.setattr(build_ir.types.Types, "_ref", inlined)
    config = ApiConfig(name="inline", spec=tmp_path / "inline.json")
    doc = copy.deepcopy(BASE)
    config.spec.write_text(json.dumps(doc), encoding="utf-8")
    _files(config, Speed(cache=tmp_path / "cache"))
    _schemas(doc)["Status"]["enum"].append("REJECTED")
    config.spec.write_text(json.dumps(doc), encoding="utf-8")
    plain = _files(config, PLAIN)
    models = "".join(text for path, text in sorted(plain.items()) if "/models/" in path)
    assert "Literal['ACTIVE', 'HIRED', 'REJECTED']" in models.replace('"', "'")
    _same(_files(config, Speed(cache=tmp_path / "cache")), plain, "inlined enums")


# -- the parts of the layer ---------------------------------------------------------------------------


def test_the_formatter_gives_what_black_gives_from_its_cache_and_its_pool(tmp_path):
    long_call = "value = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")"
    jobs: list[format.Job] = [
        ("chunk", f"def f{i}():\n    {long_call}\n    return value\n", 0, False) for i in range(60)
    ]
    jobs.append(("chunk", "def broken(:\n", 0, False))
    expected = format.run_jobs(jobs)
    assert expected[-1] is None and all(expected[:-1])
    cold = Formatter(tmp_path / "black", parallel=True)
    cold._map = lambda todo: format.run_jobs(todo) if len(todo) < 2 else Formatter._map(cold, todo)  # type: ignore[method-assign]
    assert cold.run(jobs) == expected
    assert len([p for p in (tmp_path / "black").rglob("*") if p.is_file()]) == len(jobs)
    from_disk = Formatter(tmp_path / "black", parallel=False)
    from_disk._map = lambda todo: pytest.fail(f"{len(todo)} jobs ran again")  # type: ignore[method-assign]
    assert from_disk.run(jobs) == expected
    assert Formatter(None, parallel=False).run(jobs) == expected
    assert not list((tmp_path / "black").glob("*.tmp"))


def test_work_beside_a_large_document_runs_in_a_worker_and_in_place_otherwise():
    speed = Speed(cache=None)
    assert speed.beside(True, os.getpid).result() != os.getpid()
    assert speed.beside(False, os.getpid).result() == os.getpid()
    assert Speed(cache=None, workers=False).beside(True, os.getpid).result() == os.getpid()
    with pytest.raises(ZeroDivisionError):
        speed.beside(True, divmod, 1, 0).result()


def test_compiled_templates_in_a_cache_folder_are_never_run(tmp_path):
    # jinja2's bytecode cache would run whatever code its folder holds, and no digest kept beside it
    # tells this project's entries from ones someone else put there, so compiled templates are not kept
    # between runs. Here a compiled template for each of ours, valid for jinja2 and for each template's
    # source, waits where that cache would look: it must neither run nor change the output.
    import jinja2
    from jinja2.bccache import FileSystemBytecodeCache

    config = next(a for a in load_project(ROOT).apis if a.name == "kombo")
    plain = _files(config, PLAIN)
    ran = tmp_path / "ran"
    cache = tmp_path / "cache"
    folder = cache / f"templates-jinja2-{jinja2.__version__}"
    folder.mkdir(parents=True)
    render.environment.cache_clear()
    try:
        env = render.environment()
        planted = FileSystemBytecodeCache(str(folder))
        for name in env.list_templates(filter_func=lambda n: n.endswith(".jinja")):
            source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            bucket = planted.get_bucket(env, name, filename, source)
            code = f"open({str(ran)!r}, 'a').close()\n" + env.compile(source, name, filename, raw=True)
            bucket.code = compile(code, filename or name, "exec")
            planted.set_bucket(bucket)
        render.environment.cache_clear()
        _same(_files(config, Speed(cache=cache)), plain, "planted compiled templates")
        assert not ran.exists(), "a compiled template from the cache folder ran"
        assert render.environment().bytecode_cache is None
        assert [p.name for p in cache.iterdir() if p.name.startswith("templates")] == [folder.name]
    finally:
        render.environment.cache_clear()


# -- corrupted cache entries --------------------------------------------------------------------------


def _reshaped(path: Path, data: bytes) -> bytes:
    """A JSON entry with every field kept but the files' hashes as a list; any other entry cut short."""
    start = data.find(b"{")
    try:
        recorded = json.loads(data[start:])
        recorded["files"] = sorted(recorded["files"])
    except (ValueError, KeyError, TypeError):
        return data[: len(data) // 2]
    return data[:start] + json.dumps(recorded).encode()


def _replace(path: Path, make: Callable[[], None]) -> None:
    path.unlink()
    make()


#: Ways an entry goes bad: each takes the entry and the content of another entry of the same cache.
CORRUPTIONS: dict[str, Callable[[Path, bytes], None]] = {
    "truncated": lambda p, other: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "a byte flipped": lambda p, other: p.write_bytes(
        (lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 1]) + b[len(b) // 2 + 1 :])(p.read_bytes())
    ),
    "another entry's content": lambda p, other: p.write_bytes(other),
    "empty": lambda p, other: p.write_bytes(b""),
    "garbage": lambda p, other: p.write_bytes(random.Random(p.name).randbytes(200)),
    "reshaped": lambda p, other: p.write_bytes(_reshaped(p, p.read_bytes())),
    "a folder in its place": lambda p, other: _replace(p, lambda: (p.mkdir(), (p / "entry").write_bytes(other))),
    # Unreadable: a file without permissions (no obstacle to root), a pipe (whose opening would wait
    # for a writer for ever), a link to another entry (never followed).
    "unreadable": lambda p, other: p.chmod(0),
    "a pipe in its place": lambda p, other: _replace(p, lambda: os.mkfifo(p)),
    "a link in its place": lambda p, other: _replace(p, lambda: p.symlink_to(p.with_name(p.name + ".other"))),
}


def _corrupt(folder: Path, kind: str) -> int:
    """Every entry under ``folder`` corrupted as ``kind`` says; how many there were."""
    entries = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    contents = [p.read_bytes() for p in entries]
    for i, path in enumerate(entries):
        if kind == "a link in its place":
            path.with_name(path.name + ".other").write_bytes(contents[(i + 1) % len(entries)])
        CORRUPTIONS[kind](path, contents[(i + 1) % len(entries)])
    return len(entries)


class Stalled(BaseException):
    """A block ran past its time (not an OSError, which code reading a cache may take for a miss)."""


@contextlib.contextmanager
def _within(seconds: int) -> Iterator[None]:
    """Fail, rather than wait for ever, when the block takes longer than ``seconds``."""

    def late(signum: int, frame: Any) -> None:
        raise Stalled(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _literal_unions(name: str, path: Path) -> ApiConfig:
    """A document whose models hold long Literal unions: statements only black formats, so black's cache
    holds one entry each."""
    doc = copy.deepcopy(BASE)
    for i in range(12):
        consts = [{"const": f"a-rather-long-constant-value-{i}-{j}"} for j in range(5)]
        _schemas(doc)["Candidate"]["properties"][f"field_{i}"] = {"anyOf": consts}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return ApiConfig(name=name, spec=path)


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_a_corrupted_black_cache_entry_is_a_miss_recomputed_and_written_again(tmp_path, monkeypatch, kind):
    names = {"cdiscriminators", "cpolymorphism", "cschema_additional_properties", "cschema_enums"}
    configs = [c for c in _suite() if c.name in names] + [_literal_unions("unions", tmp_path / "unions.json")]
    assert len(configs) == len(names) + 1
    plain = {c.name: _files(c, PLAIN) for c in configs}
    cache = tmp_path / "cache"
    for config in configs:
        _same(_files(config, Speed(cache=cache)), plain[config.name], f"{config.name}, cold")
    assert _corrupt(cache / "black", kind) >= 30
    with _within(120):
        for config in configs:
            _same(_files(config, Speed(cache=cache)), plain[config.name], f"{config.name}, entries {kind}")
    # Each entry was written again, whole: a third run asks black nothing.
    monkeypatch.setattr(Formatter, "_map", lambda self, jobs: pytest.fail(f"{len(jobs)} job(s) not cached"))
    for config in configs:
        _same(_files(config, Speed(cache=cache)), plain[config.name], f"{config.name}, rewritten")


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_every_cache_corrupted_generates_what_no_cache_generates(tmp_path, monkeypatch, kind):
    # Through the command line, where the input cache answers a regeneration whose inputs did not change.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(formatting, "PARALLEL_OVER_SECONDS", 0.0)  # the pool too
    spec = tmp_path / "unions.json"
    _literal_unions("unions", spec)

    def generate(out: str, *extra: str) -> dict[str, str | None]:
        with _within(120):
            assert main(["generate", "--spec", str(spec), "--out", out, "-q", *extra]) == 0
        return read_tree(tmp_path / out)

    plain = generate("plain", "--no-cache")
    generate("out")
    assert generate("out") == plain  # from the input cache
    cache = tmp_path / ".cache" / "specgen"
    assert _corrupt(cache / "inputs", kind) == 1 and _corrupt(cache / "black", kind) >= 10
    assert generate("out") == plain
    doc = json.loads(spec.read_text(encoding="utf-8"))
    _schemas(doc)["Status"]["enum"].append("REJECTED")
    spec.write_text(json.dumps(doc), encoding="utf-8")
    plain = generate("plain", "--no-cache")
    _corrupt(cache / "inputs", kind)
    _corrupt(cache / "black", kind)
    assert generate("out") == plain


def test_the_core_imports_nothing_of_the_speed_layer():
    core = ROOT / "generator" / "core"
    found = []
    for path in sorted(core.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        depth = len(path.relative_to(core).parts)  # 1: core/x.py, 2: core/build_ir/x.py
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                absolute = node.module or ""
                if node.level:
                    parents = ["generator", "core", *path.relative_to(core).parts[:-1]]
                    base = parents[: len(parents) - node.level + 1] if node.level <= depth + 1 else []
                    absolute = ".".join([*base, *([node.module] if node.module else [])])
                names = [absolute] + [f"{absolute}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(
                n == "generator.speed"
                or n.startswith("generator.speed.")
                or n.startswith(("generator.drift", "generator.mock", "generator.cli", "generator.pipeline"))
                for n in names
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"core imports outside itself: {found}"
    assert len(list(core.rglob("*.py"))) >= 10
