"""Hostile input to the generator itself: recursive aliases, YAML alias bombs, deep nesting, endless and
circular ``$ref`` chains, lone surrogates, names of thousands of characters, and a spec, overlay or
``$ref`` target that is a FIFO, a device or a huge file.

Each bad input runs the real command line in a process whose address space is capped, into an output
folder that already holds a generation: it must end in a diagnostic naming the file and the place (a
JSON pointer, or a line and column), exit 1, never a traceback or a crash, and leave the folder byte for
byte as it was. Broken specs small enough to keep are under ``tests/bad_specs/`` with the exact
diagnostics ``tests/test_diagnostics.py`` holds them to.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Address space each run may use: far above what any of these inputs needs once refused, far below
#: what reading /dev/zero or expanding an alias bomb would take.
ADDRESS_SPACE = 3 * 2**30

GOOD = """\
openapi: 3.1.0
info: {title: Api, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
"""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def cli(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m generator ARGS`` in ``cwd`` (so its caches and the paths it prints are there)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package generated from a good spec: the output folder every refused run must leave alone."""
    work = tmp_path_factory.mktemp("generated")
    (work / "api.yaml").write_text(GOOD)
    proc = cli(work, "generate", "--no-cache", "--spec", "api.yaml", "--name", "api", "--out", "out")
    assert proc.returncode == 0, proc.stderr
    return work / "out"


@pytest.fixture
def out(generated: Path, tmp_path: Path) -> Path:
    shutil.copytree(generated, tmp_path / "out")
    return tmp_path / "out"


def refused(cwd: Path, out: Path, spec: str, *args: str, timeout: float = 60) -> tuple[list[str], float]:
    """Generate ``spec`` into ``out``: it must fail with diagnostics (returned, one per line, with the
    seconds taken), exit 1, and leave ``out`` as it was."""
    before = tree(out)
    started = time.monotonic()
    proc = cli(cwd, "generate", "--spec", spec, "--name", "api", "--out", str(out), *args, timeout=timeout)
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert lines[-1] == f"generate: failed; {out} left unchanged", proc.stderr[-3000:]
    assert tree(out) == before
    return lines[:-1], took


# -- 1. Recursive aliases -------------------------------------------------------------------------------

RECURSIVE = """\
openapi: 3.1.0
info: {title: Rec, version: "1"}
paths:
  /docs:
    get:
      operationId: getDoc
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Document"}
    post:
      operationId: putValue
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/JsonValue"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Tree"}
components:
  schemas:
    JsonValue:
      oneOf:
        - {type: string}
        - {type: number}
        - {type: boolean}
        - {type: "null"}
        - {type: array, items: {$ref: "#/components/schemas/JsonValue"}}
        - {type: object, additionalProperties: {$ref: "#/components/schemas/JsonValue"}}
    Tree:
      type: array
      items: {$ref: "#/components/schemas/Tree"}
    Map:
      type: object
      additionalProperties: {$ref: "#/components/schemas/Map"}
    Even:
      type: array
      items: {$ref: "#/components/schemas/Odd"}
    Odd:
      type: array
      items: {$ref: "#/components/schemas/Even"}
    Forest:
      type: array
      items: {$ref: "#/components/schemas/Trees"}
    Trees:
      type: array
      items: {$ref: "#/components/schemas/Tree"}
    Document:
      type: object
      required: [data]
      properties:
        data: {$ref: "#/components/schemas/JsonValue"}
        tree: {$ref: "#/components/schemas/Tree"}
        map: {$ref: "#/components/schemas/Map"}
        even: {$ref: "#/components/schemas/Even"}
        forest: {$ref: "#/components/schemas/Forest"}
"""

#: What a user writes against the package: real nested data through the models and the client (a
#: transport standing in for the server), checked at run time and by ``mypy --strict``.
RECURSIVE_USE = """\
from __future__ import annotations

import json

import httpx
import pydantic

from rec_client import Rec
from rec_client.models import Document, Even, Forest, JsonValue, Map, Odd, Tree

NESTED: JsonValue = {"a": [1.5, "x", None, {"b": [True, {"c": {}}]}], "deep": [[[[[["leaf"]]]]]]}


def handler(request: httpx.Request) -> httpx.Response:
    if request.method == "GET":
        document = {"data": NESTED, "tree": [[[]], []], "map": {"a": {"b": {}}}, "even": [[[[]]]], "forest": [[[]]]}
        return httpx.Response(200, json=document)
    assert json.loads(request.content) == NESTED
    return httpx.Response(200, json=[[], [[[]]]])


def main() -> None:
    client = Rec(base_url="http://test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    document: Document = client.docs.list()
    assert document.data == NESTED, document.data
    assert document.tree == [[[]], []] and document.map == {"a": {"b": {}}} and document.even == [[[[]]]]
    assert document.forest == [[[]]]
    tree: Tree = client.docs.put_value(body=NESTED)
    assert tree == [[], [[[]]]]
    odd: Odd = [[[]]]
    mapping: Map = {"x": {}}
    forest: Forest = [[tree]]
    assert pydantic.TypeAdapter(Even).validate_python([odd]) == [[[[]]]]
    assert pydantic.TypeAdapter(Map).validate_python(mapping) == mapping and forest
    for wrong in ({"data": 1, "tree": [[1]]}, {"data": 1, "map": {"a": 1}}, {"data": 1, "even": [[1]]}):
        try:
            Document.model_validate(wrong)
        except pydantic.ValidationError:
            continue
        raise AssertionError(f"accepted {wrong}")
    print("parsed")


main()
"""


def _models_text(package: Path) -> str:
    """The modules of a generated package's ``models/``, each after the modules it imports from."""
    texts = {path.stem: path.read_text() for path in (package / "models").glob("_m_*.py")}
    ordered: list[str] = []

    def visit(stem: str) -> None:
        if stem not in ordered:
            for used in re.findall(r"^from \.(_m_\w+) import", texts[stem], re.M):
                visit(used)
            ordered.append(stem)

    for stem in sorted(texts):
        visit(stem)
    return "\n".join(texts[stem] for stem in ordered)


def test_recursive_aliases_generate_packages_that_import_parse_and_type_check(tmp_path):
    (tmp_path / "rec.yaml").write_text(RECURSIVE)
    proc = cli(tmp_path, "generate", "--no-cache", "--spec", "rec.yaml", "--out", "out")
    assert proc.returncode == 0, proc.stderr
    models = _models_text(tmp_path / "out" / "rec_client")
    # Each alias on a cycle is read lazily; one that only uses them (Forest, Trees) stays plain, after them
    # (in its module, or in one that imports them).
    assert 'Tree = TypeAliasType("Tree", "list[Tree]")' in models
    assert (
        'Even = TypeAliasType("Even", "list[Odd]")' in models and 'Odd = TypeAliasType("Odd", "list[Even]")' in models
    )
    assert "Map = TypeAliasType(" in models and "JsonValue = TypeAliasType(" in models
    assert models.index("Tree = TypeAliasType(") < models.index("Trees = list[Tree]") < models.index("Forest = ")
    (tmp_path / "use.py").write_text(RECURSIVE_USE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out")}
    ran = subprocess.run([sys.executable, "use.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and ran.stdout == "parsed\n", ran.stderr[-3000:]
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(ROOT / ".cache" / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))),
            "out/rec_client",
            "use.py",
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout[-5000:] + checked.stderr[-2000:]


# -- 2. YAML alias bombs and deep nesting; deep JSON -----------------------------------------------------


def _bomb(levels: int) -> str:
    lines = ["openapi: 3.1.0", 'info: {title: B, version: "1"}', "paths: {}"]
    lines.append("x-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    lines += [f"x-{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # a billion laughs: 10^9 strings from 400 bytes
            _bomb(9),
            "line 9, column 46: aliases expand the document past 1,000,000 nodes (1,012,328 by here, where it"
            " writes 33); refused as an alias bomb",
        ),
        (  # ten million: a document of that size would be read; its aliases are not
            _bomb(7),
            "line 9, column 46: aliases expand the document past 1,000,000 nodes (1,012,328 by here, where it"
            " writes 33); refused as an alias bomb",
        ),
        (  # a collection that holds itself: infinite
            'openapi: 3.1.0\ninfo: {title: B, version: "1"}\npaths: {}\nx-self: &me [1, *me]\n',
            "line 4, column 17: alias *me refers to a collection it is part of (a document of infinite size)",
        ),
    ],
    ids=["billion", "ten-million", "self"],
)
def test_yaml_alias_bombs_are_refused_before_anything_is_built(tmp_path, out, text, message):
    (tmp_path / "bomb.yaml").write_text(text)
    said, took = refused(tmp_path, out, "bomb.yaml")
    assert said == [f"bomb.yaml#: error[E001]: cannot load spec: {message}", "api: 1 error (E001)"]
    assert took < 20


DEEP_YAML = {
    # 125 KB on one line: PyYAML's C composer recursed once per level and crashed (SIGSEGV).
    "flow-sequences": ("x-deep: " + "[" * 125_000 + "\n", "line 4, column 264"),
    "flow-mappings": ("x-deep: " + "{a: " * 31_000 + "\n", "line 4, column 1029"),
    "complex-keys": ("x-deep:\n  " + "? " * 62_000 + "a\n", "line 5, column 513"),
    "indentation": ("x-deep:\n" + "".join(" " * i + "a:\n" for i in range(1, 400)), "line 260, column 257"),
}


@pytest.mark.parametrize("case", list(DEEP_YAML))
def test_deep_yaml_is_refused_before_the_loader_goes_deeper(tmp_path, out, case):
    text, where = DEEP_YAML[case]
    (tmp_path / "deep.yaml").write_text('openapi: 3.1.0\ninfo: {title: D, version: "1"}\npaths: {}\n' + text)
    said, took = refused(tmp_path, out, "deep.yaml")
    assert said == [
        f"deep.yaml#: error[E001]: cannot load spec: {where}: collections nested deeper than 256 levels",
        "api: 1 error (E001)",
    ]
    assert took < 20


def test_deep_json_is_refused_with_its_place(tmp_path, out):
    head = '{"openapi": "3.1.0", "info": {"title": "D", "version": "1"}, "paths": {}, "x-deep": '
    # A million levels: the standard library gives up (RecursionError); the place is found in the text.
    (tmp_path / "deep.json").write_text(head + "[" * 1_000_000 + "]" * 1_000_000 + "}")
    said, _ = refused(tmp_path, out, "deep.json")
    assert said == [
        "deep.json#: error[E001]: cannot load spec: line 1, column 340: collections nested deeper than 256 levels",
        "api: 1 error (E001)",
    ]
    # Five hundred: every parser reads it, and no later stage should walk it; refused at its pointer.
    (tmp_path / "deep.json").write_text(head + '{"a": ' * 500 + "1" + "}" * 500 + "}")
    said, _ = refused(tmp_path, out, "deep.json")
    assert said == [
        "deep.json#/x-deep" + "/a" * 255 + ": error[E001]: cannot load spec: collections nested deeper than 256 levels",
        "api: 1 error (E001)",
    ]


def test_yaml_values_json_has_no_type_for_are_read_as_json_data(tmp_path):
    # A timestamp key or value, !!binary, !!set and !!omap: PyYAML builds date, bytes, set and tuple
    # objects, which no later stage (nor the spec snapshot, which is JSON) takes.
    (tmp_path / "dates.yaml").write_text(
        textwrap.dedent(
            """\
            openapi: 3.1.0
            info: {title: D, version: 2024-01-01}
            paths:
              /a:
                get:
                  operationId: getA
                  parameters:
                    - {name: since, in: query, schema: {type: string, default: 2024-01-01, enum: [2024-01-01, 2024-02-01]}}
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema: {$ref: "#/components/schemas/M"}
            components:
              schemas:
                M:
                  type: object
                  properties:
                    2024-01-01: {type: string, example: 2024-01-01T00:00:00Z}
                    blob: {type: string, default: !!binary aGVsbG8=}
                    tags: {type: object, default: !!set {a, b}}
                    order: {type: array, default: !!omap [a: 1, b: 2]}
            """
        )
    )
    proc = cli(tmp_path, "generate", "--no-cache", "--spec", "dates.yaml", "--out", "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    models = _models_text(tmp_path / "out" / "dates_client")
    assert "alias='2024-01-01'" in models.replace('"', "'")
    snapshot = json.dumps(json.loads((tmp_path / "out" / "spec-snapshot.json").read_text()))
    assert all(text in snapshot for text in ('"2024-01-01T00:00:00Z"', '"aGVsbG8="', '{"a": null, "b": null}'))


# -- 3. $ref chains ---------------------------------------------------------------------------------------


def _chain(length: int, circular: bool = False) -> dict:
    schemas = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(length - 1)}
    last = {"$ref": "#/components/schemas/S0"} if circular else {"type": "object", "properties": {}}
    schemas[f"S{length - 1}"] = last
    ok = {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "C", "version": "1"},
        "paths": {"/a": {"get": {"responses": ok}}},
        "components": {"schemas": schemas},
    }


SCHEMA = "/paths/~1a/get/responses/200/content/application~1json/schema"


def test_ref_chains_of_any_length_are_refused_at_their_start(tmp_path, out):
    (tmp_path / "chain.json").write_text(json.dumps(_chain(100_000)))
    said, took = refused(tmp_path, out, "chain.json")
    assert said == [
        f"chain.json#{SCHEMA}: error[E016]: $ref chain of 100,000 references, each to the next; at most 64 are"
        " followed: point the reference at the schema itself",
        "api: 1 error (E016)",
    ]
    (tmp_path / "cycle.json").write_text(json.dumps(_chain(10_000, circular=True)))
    said, _ = refused(tmp_path, out, "cycle.json")
    assert said == [
        "cycle.json#/components/schemas/S0: error[E015]: circular $ref chain: #/components/schemas/S1 ->"
        " #/components/schemas/S2 -> #/components/schemas/S3 -> ... (10,000 references) and back here; it never"
        " reaches a schema",
        "api: 1 error (E015)",
    ]
    assert took < 60


def test_ref_chains_across_files(tmp_path, out):
    spec = json.loads(json.dumps(_chain(1)))
    spec["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "c0.json#/S"}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    for i in range(80):
        (tmp_path / f"c{i}.json").write_text(json.dumps({"S": {"$ref": f"c{i + 1}.json#/S"}}))
    (tmp_path / "c80.json").write_text(json.dumps({"S": {"type": "string"}}))
    said, _ = refused(tmp_path, out, "spec.json")
    assert said == [
        f"spec.json#{SCHEMA}: error[E016]: $ref chain of 81 references, each to the next; at most 64 are followed:"
        " point the reference at the schema itself",
        "api: 1 error (E016)",
    ]
    (tmp_path / "c80.json").write_text(json.dumps({"S": {"$ref": "c0.json#/S"}}))
    said, _ = refused(tmp_path, out, "spec.json")
    assert said == [
        "c0.json#/S: error[E015]: circular $ref chain: c1.json#/S -> c2.json#/S -> c3.json#/S -> ... (81"
        " references) and back here; it never reaches a schema",
        "api: 1 error (E015)",
    ]


def test_ref_chain_checks_take_linear_time(tmp_path):
    from generator.core.load import load_spec

    took = {}
    for length in (1_000, 10_000, 100_000):
        path = tmp_path / f"chain{length}.json"
        path.write_text(json.dumps(_chain(length)))
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            loaded = load_spec(path)
            runs.append(time.perf_counter() - started)
        assert [d.code for d in loaded.diagnostics.errors] == ["E016"]
        took[length] = min(runs)
    print({n: f"{t:.3f} s" for n, t in took.items()})
    assert took[100_000] < 40 * took[10_000] + 0.2  # linear: about 10x; quadratic would be 100x


def test_schemas_nested_too_deep_through_refs_name_where_they_start(tmp_path, out):
    schemas = {f"S{i}": {"type": "array", "items": {"$ref": f"#/components/schemas/S{i + 1}"}} for i in range(2000)}
    schemas["S2000"] = {"type": "string"}
    document = _chain(1)
    document["components"]["schemas"] = schemas
    (tmp_path / "nested.json").write_text(json.dumps(document))
    said, _ = refused(tmp_path, out, "nested.json")
    assert said == [
        f"nested.json#{SCHEMA}: error[E198]: schemas nest too deeply below here (inline or through $ref) for the"
        " validator to follow",
        "api: 1 error (E198)",
    ]


# -- 4. Lone surrogates, names of thousands of characters ---------------------------------------------------


def _named(tag: str = "pets", op: str = "listPets", schema: str = "Pet", prop: str = "name", param: str = "limit"):
    return {
        "openapi": "3.1.0",
        "info": {"title": "N", "version": "1"},
        "paths": {
            "/pets": {
                "get": {
                    "tags": [tag],
                    "operationId": op,
                    "parameters": [{"name": param, "in": "query", "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {schema: {"type": "object", "properties": {prop: {"type": "string"}}}}},
    }


SURROGATE = (
    "a string holds a lone surrogate (an escape such as \\ud800 without its pair), which no file can hold:"
    " write the character itself or its full surrogate pair"
)


@pytest.mark.parametrize(
    ("document", "pointer", "more"),
    [
        ({**_named(), "info": {"title": "N", "version": "1", "description": "ok \ud800"}}, "/info/description", ""),
        (_named(prop="na\udc00me"), "/components/schemas/Pet/properties/na\\udc00me", ""),
        (_named(tag="\udfff"), "/paths/~1pets/get/tags/0", ""),
        (_named(op="list\ud800", param="\ud800"), "/paths/~1pets/get/operationId", " (2 places; this is the first)"),
    ],
    ids=["description", "property", "tag", "two-places"],
)
def test_lone_surrogates_are_refused_where_they_are(tmp_path, out, document, pointer, more):
    # json.dumps writes each lone surrogate as a \ud800-style escape, as a hostile document would.
    (tmp_path / "spec.json").write_text(json.dumps(document))
    said, _ = refused(tmp_path, out, "spec.json")
    assert said == [f"spec.json#{pointer}: error[E001]: cannot load spec: {SURROGATE}{more}", "api: 1 error (E001)"]


def test_a_lone_surrogate_in_a_referenced_document_names_both_places(tmp_path, out):
    document = _named()
    document["components"]["schemas"]["Pet"]["properties"]["name"] = {"$ref": "other.json#/Name"}
    (tmp_path / "spec.json").write_text(json.dumps(document))
    (tmp_path / "other.json").write_text(json.dumps({"Name": {"type": "string", "description": "\ud800"}}))
    said, _ = refused(tmp_path, out, "spec.json")
    assert said == [
        "spec.json#/components/schemas/Pet/properties/name: error[E012]: $ref 'other.json#/Name': cannot load"
        f" other.json: {SURROGATE} (at #/Name/description)",
        "api: 1 error (E012)",
    ]


def test_names_of_thousands_of_characters_are_cut_with_a_warning(tmp_path):
    document = _named(tag="t" * 10_000, op="o" * 100_000, schema="S" * 100_000, prop="p" * 100_000, param="q" * 100_000)
    (tmp_path / "long.json").write_text(json.dumps(document))
    proc = cli(tmp_path, "generate", "--no-cache", "--spec", "long.json", "--name", "api", "--out", "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    cut = "characters: its Python name is cut to 100 characters (its start and a digest of the whole name)"
    shown = "...(100,000 characters)"
    assert proc.stderr.splitlines() == [
        f"long.json#/components/schemas/{'S' * 90}{shown}: warning[W130]: schema name of 100,000 {cut}",
        f"long.json#/components/schemas/{'S' * 90}{shown}/properties/{'p' * 90}{shown}: warning[W130]: property"
        f" name of 100,000 {cut}",
        f"long.json#/paths/~1pets/get/operationId: warning[W130]: operationId of 100,000 {cut}",
        f"long.json#/paths/~1pets/get/parameters/0/name: warning[W130]: parameter name of 100,000 {cut}",
        f"long.json#/paths/~1pets/get/tags/0: warning[W130]: tag of 10,000 {cut}",
        "api: 5 warnings (W130)",
    ]
    written = tree(tmp_path / "out")
    assert all(len(part.encode()) <= 110 for rel in written for part in rel.split("/")), sorted(written)
    assert any(rel.startswith("api_client/resources/" + "t" * 91 + "_") for rel in written)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "out")}
    imported = subprocess.run(
        [sys.executable, "-c", "import api_client, api_client.models as m; getattr(m, m.__all__[0])"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
    # --strict makes the warnings fail, and nothing is written.
    before = tree(tmp_path / "out")
    strict = cli(tmp_path, "generate", "--strict", "--spec", "long.json", "--name", "api", "--out", "out")
    assert strict.returncode == 1 and tree(tmp_path / "out") == before


# -- 5. FIFOs, devices, huge files ----------------------------------------------------------------------------


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return path.name


def _sparse(path: Path) -> str:
    """A file of 1 GiB that takes no room on disk."""
    with path.open("wb") as handle:
        handle.truncate(2**30)
    return path.name


DEVICE = "not read: it is a character device, not a regular file"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: "/dev/zero", f"/dev/zero#: error[E001]: cannot load spec: {DEVICE}"),
        (lambda d: "/dev/urandom", f"/dev/urandom#: error[E001]: cannot load spec: {DEVICE}"),
        (
            lambda d: _fifo(d / "spec.yaml"),
            "spec.yaml#: error[E001]: cannot load spec: not read: it is a FIFO, not a regular file",
        ),
        (lambda d: ".", ".#: error[E001]: cannot load spec: not read: it is a directory, not a regular file"),
        (
            lambda d: _sparse(d / "huge.yaml"),
            "huge.yaml#: error[E001]: cannot load spec: not read: 1,073,741,824 bytes, larger than 256 MiB",
        ),
    ],
    ids=["dev-zero", "dev-urandom", "fifo", "directory", "sparse-1GB"],
)
def test_a_spec_that_is_no_regular_file_is_refused_unread(tmp_path, out, make, expected):
    said, took = refused(tmp_path, out, make(tmp_path), timeout=30)
    assert said == [expected, "api: 1 error (E001)"]
    assert took < 20


@pytest.mark.parametrize("overlay", ["/dev/zero", "fifo"])
def test_an_overlay_that_is_no_regular_file_is_refused_unread(tmp_path, out, overlay):
    (tmp_path / "api.yaml").write_text(GOOD)
    if overlay == "fifo":
        overlay = _fifo(tmp_path / "overlay.yaml")
    kind = "a character device" if overlay.startswith("/dev/") else "a FIFO"
    said, _ = refused(tmp_path, out, "api.yaml", "--overlay", overlay, timeout=30)
    assert said == [
        f"{overlay}#: error[E020]: cannot load overlay: not read: it is {kind}, not a regular file",
        "api: 1 error (E020)",
    ]


def test_an_overlay_read_for_the_input_cache_is_refused_unread(tmp_path):
    # A generation records its inputs; the next one hashes them again before anything else, to skip
    # the work when they did not change. That read, too, refuses what is no regular file.
    (tmp_path / "api.yaml").write_text(GOOD)
    (tmp_path / "overlay.yaml").write_text(
        "overlay: 1.0.0\ninfo: {title: o, version: '1'}\nactions:\n  - {target: '$.info', update: {x-o: 1}}\n"
    )
    first = cli(tmp_path, "generate", "--spec", "api.yaml", "--overlay", "overlay.yaml", "--out", "out")
    assert first.returncode == 0, first.stderr
    said, took = refused(tmp_path, tmp_path / "out", "api.yaml", "--overlay", "/dev/zero", timeout=30)
    assert said[0] == f"/dev/zero#: error[E020]: cannot load overlay: {DEVICE}"
    (tmp_path / "api.yaml").unlink()
    _fifo(tmp_path / "api.yaml")
    said, _ = refused(tmp_path, tmp_path / "out", "api.yaml", "--overlay", "overlay.yaml", timeout=30)
    assert said[0] == "api.yaml#: error[E001]: cannot load spec: not read: it is a FIFO, not a regular file"
    assert took < 20


def test_a_ref_target_that_is_no_regular_file_is_refused_unread(tmp_path, out):
    document = _named()
    document["components"]["schemas"]["Pet"]["properties"]["name"] = {"$ref": "pipe.json#/Name"}
    (tmp_path / "spec.json").write_text(json.dumps(document))
    _fifo(tmp_path / "pipe.json")
    where = "spec.json#/components/schemas/Pet/properties/name"
    said, _ = refused(tmp_path, out, "spec.json", timeout=30)
    assert said == [
        f"{where}: error[E012]: $ref 'pipe.json#/Name': cannot load pipe.json: not read: it is a FIFO, not a"
        " regular file",
        "api: 1 error (E012)",
    ]
    (tmp_path / "pipe.json").unlink()
    (tmp_path / "pipe.json").symlink_to("/dev/zero")
    said, _ = refused(tmp_path, out, "spec.json", "--allow-outside-refs", timeout=30)
    assert said == [
        f"{where}: error[E012]: $ref 'pipe.json#/Name': cannot load {tmp_path / 'pipe.json'}: {DEVICE}",
        "api: 1 error (E012)",
    ]


UNRESOLVABLE = "refused: its path cannot be resolved (a symlink loop, or a name no file system takes)"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("loop.json#/S", f"error[E011]: $ref 'loop.json#/S' {UNRESOLVABLE}"),
        ("x\x00y.json#/S", f"error[E011]: $ref 'x\\x00y.json#/S' {UNRESOLVABLE}"),
        ("http://[::1/x", "error[E010]: $ref 'http://[::1/x' is not a URI reference: Invalid IPv6 URL"),
    ],
    ids=["symlink-loop", "nul-byte", "bad-uri"],
)
def test_refs_no_file_system_or_uri_parser_takes_are_diagnostics(tmp_path, out, ref, expected):
    (tmp_path / "loop.json").symlink_to("loop.json")
    document = _named()
    document["components"]["schemas"]["Pet"]["properties"]["name"] = {"$ref": ref}
    (tmp_path / "spec.json").write_text(json.dumps(document))
    said, _ = refused(tmp_path, out, "spec.json")
    assert said == [
        f"spec.json#/components/schemas/Pet/properties/name: {expected}",
        f"api: 1 error ({expected[6:10]})",
    ]
    said, _ = refused(tmp_path, out, "loop.json")
    assert said == [
        "loop.json#: error[E001]: cannot load spec: Too many levels of symbolic links",
        "api: 1 error (E001)",
    ]


def test_read_document_reads_no_more_than_its_limit(tmp_path):
    from generator.core.load import read_document

    (tmp_path / "f").write_bytes(b"x" * 1000)
    assert read_document(tmp_path / "f", limit=1000) == b"x" * 1000
    with pytest.raises(ValueError, match="larger than"):
        read_document(tmp_path / "f", limit=999)


def test_every_diagnostic_line_is_printable_whatever_the_spec_holds():
    from generator.core.diagnostics import Diagnostic

    line = str(Diagnostic("a\nb.yaml", "/x/" + "k" * 500 + "/\ud800\n", "error", "E001", "m\x00" * 2000))
    assert line.isprintable() and len(line) < 2_200
    line.encode("utf-8")  # no lone surrogate left to refuse encoding
    assert line.startswith("a\\nb.yaml#/x/" + "k" * 90 + "...(500 characters)/\\ud800\\n: error[E001]: m\\x00m")
