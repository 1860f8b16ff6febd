"""Every string position of a document, filled with payloads that close each kind of quote, docstring
and comment, and Jinja, ``%`` and ``{}`` syntax: the generated package compiles, imports and has every
method called (sync and async, against a server on 127.0.0.1) without a side effect, and its code holds
only what the templates write.

How "only what the templates write" is judged: the same document with a neutral text in every position
is generated too, and the hostile package may use no kind of syntax, no import, no called name and no
dunder attribute that the neutral one does not, and has exactly as many calls in each module. A payload
that escaped its string would add at least a call (``__import__(...)``) and a name. Payload text must
sit only in string and comment tokens. At run time an audit hook (``sys.addaudithook``) watches the
import and every call: no process, no write outside the test's folder, no connection but to 127.0.0.1.

``hostile_document.py`` builds the document; ``test_every_field_of_the_openapi_schema_is_filled`` holds
its positions to the OpenAPI 3.1 schema that ``openapi-spec-validator`` ships.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
import tomllib
from hostile_document import CONSTRAINED, document

from generator import Speed, generate_package
from generator.core import render
from generator.core.write import write_tree

ROOT = Path(__file__).resolve().parent.parent
MARK = "touch PWNED"

PAYLOADS = {
    "docstring": '"""+__import__("os").system("touch PWNED")+"""',
    "docstring-single": "'''+__import__('os').system('touch PWNED')+'''",
    "literal": '"+__import__("os").system("touch PWNED")+"',
    "literal-single": "'+__import__('os').system('touch PWNED')+'",
    "newline": '\n__import__("os").system("touch PWNED")\n#',
    "carriage-return": '\r__import__("os").system("touch PWNED")\r#',
    "backslash": 'a\\"+__import__("os").system("touch PWNED")#\\',
    "f-string": '{__import__("os").system("touch PWNED")}',
    "jinja": '{{ cycler.__init__.__globals__.os.system("touch PWNED") }}{% if 1 %}{# #}{%- raw %}',
    "format": '%(x)s %s %% {0} {x!r} $x ${x} __import__("os").system("touch PWNED")',
    "markdown": '`x` <!-- --> <script>__import__("os").system("touch PWNED")</script> [a](javascript:x) ```',
    "separators": 'a\u2028b\u2029c\x0bd\x0ce\x85f\u202eg\ufeffh\x00i\x1b[31m__import__("os").system("touch PWNED")',
}
NEUTRAL = "neutral text"

#: Names never loaded by generated code, whatever the document says.
DANGEROUS = {"__import__", "eval", "exec", "compile", "open", "globals", "locals", "vars", "breakpoint"}
DANGEROUS |= {"input", "__builtins__", "setattr", "delattr", "os", "sys", "subprocess", "system"}


def _generate(doc: dict[str, object], folder: Path) -> dict[str, str]:
    spec = folder / "hostile.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps(doc), encoding="utf-8")
    result = generate_package(spec, name="hostile", speed=Speed(cache=None, workers=False))
    assert result.ok, "\n".join(map(str, result.diagnostics.errors))
    return result.files


def _rendered(files: dict[str, str]) -> dict[str, str]:
    """The modules the templates render (the runtime modules are copied, checked on their own)."""
    runtime = {*render.RUNTIME_FILES, "_webhooks.py"}
    return {p: t for p, t in files.items() if p.endswith(".py") and p.rsplit("/", 1)[-1] not in runtime}


def _shape(source: str) -> dict[str, object]:
    """What a module's code does, apart from its data: node kinds, imports, called and loaded names,
    dunder attributes, and how many calls."""
    tree = ast.parse(source)
    bound: set[str] = set()
    loads: set[str] = set()
    called: set[str] = set()
    dunders: set[str] = set()
    imports: set[str] = set()
    kinds: set[str] = set()
    relative: set[tuple[int, str]] = set()
    calls = 0
    for node in ast.walk(tree):
        kinds.add(type(node).__name__)
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            prefix = "." * getattr(node, "level", 0)
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
                # names from the package's own modules are its classes (named from the document); what
                # comes from elsewhere is named by the templates alone
                # (and its modules are named from tags: each must be a module of the package, checked apart)
                imports.add(prefix if prefix else f"{module}:{alias.name}" if module else alias.name)
            if prefix:
                relative.add((len(prefix), module or ""))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            dunders.add(node.attr)
        elif isinstance(node, ast.Call):
            calls += 1
            if isinstance(node.func, ast.Name):
                called.add(node.func.id)
    return {
        "kinds": kinds,
        "imports": imports,
        "free": {n for n in loads if n not in bound},
        "called": {n for n in called if n not in bound},
        "dunders": dunders,
        "dangerous": (loads | called) & DANGEROUS,
        "calls": calls,
        "relative": relative,
    }


def _code_tokens_with(source: str, needle: str) -> list[str]:
    """Tokens other than strings and comments that hold ``needle`` (payload text outside a literal)."""
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.STRING, tokenize.COMMENT) and needle in tok.string:
            found.append(f"{tok.start}: {tok.string!r}")
    return found


def _module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    doc, _ = document(NEUTRAL)
    return _generate(doc, tmp_path_factory.mktemp("neutral"))


def test_the_document_fills_every_position(neutral):
    doc, positions = document(NEUTRAL)
    text = json.dumps(doc)
    assert len(positions) >= 200
    assert all(f'"p{n} {NEUTRAL}' in text or f"p{n} {NEUTRAL}" in text for n in range(len(positions)))
    assert len(CONSTRAINED) >= 25


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payloads_in_every_position_stay_text(name, neutral, tmp_path):
    payload = PAYLOADS[name]
    doc, positions = document(payload)
    files = _generate(doc, tmp_path / "spec")
    assert _shape_problems(files, neutral, same_calls=True) == []
    for path, source in files.items():
        name_only = path.rsplit("/", 1)[-1]
        if name_only in {*render.RUNTIME_FILES, "_webhooks.py"}:
            stored = (ROOT / "templates" / "runtime" / name_only).read_text(encoding="utf-8")
            assert source.endswith(stored) and source[: -len(stored)].count("\n") == 1, path

    # The TOML and the Markdown: the title is a TOML string's value, the README's code blocks are Python
    # that compiles with the payload only in literals and comments, and its text opens no tag.
    meta = tomllib.loads(files["pyproject.toml"])
    title = f"p{positions.index('info.title')} {payload}".strip()
    assert meta["project"]["description"] == "Typed Python client for " + title
    readme = files["README.md"]
    fences = re.compile(r"^```(\w*)\n(.*?)^```$", flags=re.S | re.M)  # CommonMark: fences start lines
    for language, block in fences.findall(readme):
        if language == "python":
            compile(block, "<README.md>", "exec")
            assert _code_tokens_with(block, "__import__") == []
    prose = fences.sub("", readme)
    assert "<script" not in prose and "<!-- -->" not in prose
    assert len(positions) >= 200

    out = tmp_path / "out"
    write_tree(out, files)
    events, (report,) = _run_packages(tmp_path, payload, [(out, "hostile_client")])
    print(name, json.dumps(report["outcomes"]))
    assert events == [], events
    assert report["calls"] >= 2 * report["operations"] > 0, report
    callback = (
        f"p{positions.index('operation.operationId')} {payload}.p{positions.index('operation.callbacks')} {payload}"
    )
    assert report["webhooks"] == [f"p{positions.index('webhooks')} {payload}", callback]  # names stay data
    assert not list(tmp_path.rglob("PWNED"))


# -- running the package ------------------------------------------------------------------------------

_RUNNER = r"""
import asyncio, enum, importlib, inspect, json, os, sys, threading, types, typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOME, PAYLOAD, PACKAGES = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3:]
events = []
WATCHED = {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
           "pty.spawn", "os.kill", "os.remove", "os.unlink", "os.rename", "os.rmdir", "shutil.rmtree",
           "os.chmod", "ctypes.dlopen", "webbrowser.open", "urllib.Request", "ftplib.connect", "smtplib.connect"}

def hook(event, args):
    if event in WATCHED:
        events.append(f"{event}: {args!r}"[:300])
    elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode = str(args[1] or "r")
        path = os.path.realpath(os.fsdecode(args[0]))
        if any(c in mode for c in "wax+") and not path.startswith(HOME):
            events.append(f"open for writing: {path}")
    elif event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            events.append(f"connect: {address!r}")
    elif event == "socket.getaddrinfo" and args[0] not in ("127.0.0.1", "localhost", "::1", None):
        events.append(f"resolve: {args[0]!r}")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _reply(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"id": PAYLOAD, "data": [], "next_cursor": None, PAYLOAD: PAYLOAD}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-hostile", "".join(c for c in PAYLOAD if c.isprintable()) or "x")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _reply

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
sys.addaudithook(hook)
os.chdir(HOME)

def value(hint, depth=0):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint in (str, typing.Any) or hint is inspect.Parameter.empty:
        return PAYLOAD
    if hint is bool: return True
    if hint is int: return 1
    if hint is float: return 1.5
    if hint is bytes: return PAYLOAD.encode("utf-8", "surrogatepass")
    if hint is type(None): return None
    if origin is typing.Literal: return args[0]
    if origin in (types.UnionType, typing.Union):
        for a in args:
            if a is not type(None):
                try:
                    return value(a, depth)
                except Exception:
                    continue
        return None
    if origin in (list, typing.List, tuple) or hint is list: return [value(args[0], depth + 1)] if args and depth < 3 else []
    if origin in (dict, typing.Dict) or hint is dict: return {PAYLOAD: value(args[1], depth + 1)} if args and depth < 3 else {}
    if isinstance(hint, type) and issubclass(hint, enum.Enum): return next(iter(hint))
    if isinstance(hint, type) and hasattr(hint, "model_fields"):
        if depth > 3: return hint.model_construct()
        fields = {n: value(f.annotation, depth + 1) for n, f in hint.model_fields.items() if f.is_required()}
        return hint.model_construct(**fields)
    return PAYLOAD

SKIP = {"with_raw_response", "with_streaming_response", "with_options", "copy", "close", "request", "download",
        "webhooks", "aclose"}

def methods(obj, package, seen):
    for name in dir(obj):
        if name.startswith("_") or name in SKIP:
            continue
        attr = getattr(obj, name)
        if inspect.ismethod(attr) and getattr(attr, "__module__", "").startswith(package):
            yield name, attr
        elif type(attr).__module__.startswith(package + ".resources") and id(attr) not in seen:
            seen.add(id(attr))
            yield from methods(attr, package, seen)

def exercise(out, package):
    sys.path.insert(0, out)
    importlib.import_module(package)
    for folder, _, names in os.walk(os.path.join(out, package)):
        for n in sorted(names):
            if n.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, n), out)[:-3].replace(os.sep, ".").removesuffix(".__init__")
                importlib.import_module(rel)
    models = importlib.import_module(package + ".models")
    client_mod = importlib.import_module(package + ".client")
    sync_cls = next(v for k, v in vars(client_mod).items()
                    if isinstance(v, type) and k in client_mod.__all__ and not k.startswith("Async"))
    async_cls = getattr(client_mod, "Async" + sync_cls.__name__)

    def arguments(method):
        module = importlib.import_module(method.__module__)
        hints = typing.get_type_hints(method, {**{n: getattr(models, n) for n in models.__all__}, **vars(module)})
        args, kwargs = [], {}
        for p in inspect.signature(method).parameters.values():
            if p.default is not inspect.Parameter.empty:
                continue
            v = value(hints.get(p.name, str))
            if p.kind is p.POSITIONAL_OR_KEYWORD:
                args.append(v)
            else:
                kwargs[p.name] = v
        return args, kwargs

    given = {}
    for p in inspect.signature(sync_cls).parameters.values():  # every credential (a token for OAuth2)
        if p.annotation == "str | Callable[[], str] | None":
            given[p.name] = "k"
    base_param = next(n for n in inspect.signature(sync_cls).parameters if n.endswith("base_url") or n == "base_url")
    given.update({base_param: base, "max_retries": 0, "timeout": 5})
    outcomes = {}
    calls = 0
    with sync_cls(**given) as client:
        found = list(methods(client, package, set()))
        for name, method in found:
            args, kwargs = arguments(method)
            try:
                result = method(*args, **kwargs)
                if type(result).__name__ == "SyncPage":
                    list(zip(range(3), result))
                outcome = "ok"
            except Exception as exc:
                outcome = type(exc).__name__
            calls += 1
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    async def run_async():
        nonlocal calls
        async with async_cls(**given) as client:
            for name, method in methods(client, package, set()):
                args, kwargs = arguments(method)
                try:
                    result = method(*args, **kwargs)
                    if inspect.isawaitable(result):
                        await result
                    outcome = "ok"
                except Exception as exc:
                    outcome = type(exc).__name__
                calls += 1
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    asyncio.run(run_async())
    events_of = []
    try:
        webhooks = importlib.import_module(package + ".webhooks")
    except ModuleNotFoundError:
        webhooks = None
    if webhooks is not None:
        try:
            webhooks.Webhooks("secret").unwrap(json.dumps({"id": PAYLOAD}), {"x-signature": PAYLOAD})
        except Exception as exc:
            outcomes["unwrap " + type(exc).__name__] = 1
        events_of = list(webhooks.EVENTS)
    return {"calls": calls, "operations": len(found), "outcomes": outcomes, "webhooks": events_of}

reports = [exercise(*entry.split(":", 1)) for entry in PACKAGES]
server.shutdown()
print(json.dumps({"events": events, "reports": reports}))
"""


def _run_packages(
    home: Path, payload: str, packages: list[tuple[Path, str]]
) -> tuple[list[str], list[dict[str, object]]]:
    """Import each package and call each of its methods, sync and async, in one process watched by an
    audit hook: (what the hook saw, a report per package)."""
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(home), payload.replace("\x00", ""), *(f"{o}:{p}" for o, p in packages)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=home,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_PROXY": "*"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    found = json.loads(done.stdout.splitlines()[-1])
    return found["events"], found["reports"]


CONSTRAINED_PAYLOADS = ("docstring", "literal", "newline")


def _shape_problems(files: dict[str, str], reference: dict[str, str], same_calls: bool) -> list[str]:
    """How a package's rendered modules do more than the reference package's: syntax, imports, names,
    calls or dunder attributes the templates did not write, payload text outside literals and comments,
    a relative import of no module of its own. Resource modules are named after tags, so the two
    packages' modules pair up in sorted order (every tag starts with its position's number)."""
    mine, theirs = _rendered(files), _rendered(reference)
    if len(mine) != len(theirs):
        return [f"{len(mine)} modules, {len(theirs)} in the reference"]
    problems = []
    for path, twin in zip(sorted(mine), sorted(theirs)):
        compile(mine[path], path, "exec")
        shape, expected = _shape(mine[path]), _shape(theirs[twin])
        if shape["dangerous"]:
            problems.append(f"{path}: loads {shape['dangerous']}")
        for key in ("kinds", "imports", "free", "called", "dunders"):
            extra = shape[key] - expected[key]  # type: ignore[operator]
            if extra:
                problems.append(f"{path}: {key} the templates do not write: {sorted(extra)}")
        if same_calls and shape["calls"] != expected["calls"]:
            problems.append(f"{path}: {shape['calls']} calls, {expected['calls']} in the reference")
        for level, module in shape["relative"]:  # type: ignore[attr-defined]
            base = path.split("/")[:-level]
            target = "/".join([*base, *module.split(".")]) if module else "/".join(base)
            if f"{target}.py" not in files and f"{target}/__init__.py" not in files:
                problems.append(f"{path}: imports {'.' * level}{module}, no module of the package")
        problems += [f"{path}: payload in code at {t}" for t in _code_tokens_with(mine[path], "__import__")]
    return problems


def _attempt(doc: dict[str, object], folder: Path, name: str) -> tuple[dict[str, str] | None, list[str]]:
    spec = folder / "spec.json"
    folder.mkdir(parents=True)
    spec.write_text(json.dumps(doc), encoding="utf-8")
    result = generate_package(spec, name=name, speed=Speed(cache=None, workers=False))
    return (result.files if result.ok else None), [str(d) for d in result.diagnostics.errors]


def test_constrained_positions_are_refused_with_a_pointer_or_stay_text(tmp_path):
    """Each position OpenAPI constrains, with each payload alone there: the generator refuses the
    document with a diagnostic naming the file and a pointer, or generates a package held to the same
    checks as above, imported and called in one watched process."""
    table: dict[str, list[str]] = {}
    for payload_name in CONSTRAINED_PAYLOADS:
        payload = PAYLOADS[payload_name]
        packages: list[tuple[Path, str]] = []
        for index, (where, build) in enumerate(sorted(CONSTRAINED.items())):
            folder = tmp_path / payload_name / str(index)
            files, errors = _attempt(build(payload), folder, f"c{index}")
            if files is None:
                assert errors and all(e.startswith(str(folder / "spec.json") + "#") for e in errors), (where, errors)
                table.setdefault(where, []).append(f"{payload_name}: refused")
                continue
            # the reference: the payload with its quotes, line breaks, backslashes and comment signs
            # written as letters (its dots and slashes, which shape resources, kept)
            twin = re.sub(r"[\"'\\\n\r#`]", "x", payload)
            reference, _ = _attempt(build(twin), folder / "neutral", f"c{index}")
            same = reference is not None
            if reference is None:
                reference, _ = _attempt(build("plain"), folder / "plain", f"c{index}")
            if reference is None:
                from hostile_document import _base

                reference, _ = _attempt(_base(), folder / "base", f"c{index}")
            assert reference is not None
            assert _shape_problems(files, reference, same) == [], where
            write_tree(folder / "out", files)
            packages.append((folder / "out", f"c{index}_client"))
            table.setdefault(where, []).append(f"{payload_name}: generated")
        events, reports = _run_packages(tmp_path, payload, packages)
        assert events == [], events
        assert all(r["calls"] >= 2 * r["operations"] for r in reports)
    assert sorted(table) == sorted(CONSTRAINED)
    print("\n".join(f"{where}: {', '.join(v)}" for where, v in sorted(table.items())))
    assert not list(tmp_path.rglob("PWNED"))


# -- every field of OpenAPI's own schema --------------------------------------------------------------

#: The schema's name for a field -> ours, where they differ (the schema splits security schemes and
#: flows into sub-definitions, and names its maps by their holder).
ALIASES = {
    "type-apikey.name": "security-scheme.name",
    "type-apikey.in": "security-scheme.in",
    "type-http.scheme": "security-scheme.scheme",
    "type-http-bearer.scheme": "security-scheme.scheme",
    "type-http-bearer.bearerFormat": "security-scheme.bearerFormat",
    "type-oidc.openIdConnectUrl": "security-scheme.openIdConnectUrl",
    "oauth-flows.authorizationUrl": "authorization-code.authorizationUrl",
    "oauth-flows.tokenUrl": "client-credentials.tokenUrl",
    "oauth-flows.refreshUrl": "client-credentials.refreshUrl",
    "oauth-flows.scopes": "client-credentials.scopes",
    "root.webhooks": "webhooks",
    "examples.example": "parameter.example",
    "examples.examples": "parameter.examples",
    **{f"components.{k}": f"components.{k} (key)" for k in ("schemas", "securitySchemes", "responses", "parameters")},
    **{f"components.{k}": f"components.{k} (key)" for k in ("examples", "requestBodies", "headers", "links")},
    **{f"components.{k}": f"components.{k} (key)" for k in ("callbacks", "pathItems")},
    "content": "content (media type)",
    "responses": "responses (status)",
    "reference.$ref": "schema.$ref",
    "styles-for-path.style": "parameter.style",
    "styles-for-query.style": "parameter.style",
    "styles-for-header.style": "parameter.style",
    "styles-for-cookie.style": "parameter.style",
    "styles-for-form.style": "parameter.style",
}


def _openapi_string_fields() -> set[str]:
    """``definition.property`` for every field of the OpenAPI 3.1 schema that holds a string (or a list
    or map of them, or anything), and ``definition`` for every map whose keys a document names."""
    import openapi_spec_validator

    schema_file = Path(openapi_spec_validator.__file__).parent / "resources/schemas/v3.1/schema.json"
    root = json.loads(schema_file.read_text(encoding="utf-8"))
    found: set[str] = set()

    def stringy(node: object) -> bool:
        if node is True:
            return True
        if not isinstance(node, dict):
            return False
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            return True
        if kind == "array" and stringy(node.get("items", {})):
            return True
        if isinstance(node.get("enum"), list) and all(isinstance(e, str) for e in node["enum"]):
            return True
        return str(node.get("$ref", "")).endswith("/map-of-strings")

    def walk(name: str, node: object, top: bool) -> None:
        if not isinstance(node, dict):
            return
        for key, sub in (node.get("properties") or {}).items():
            is_map = isinstance(sub, dict) and ("additionalProperties" in sub or "patternProperties" in sub)
            if stringy(sub) or is_map:
                found.add(f"{name}.{key}")
            walk(name, sub, False)
        keyed = isinstance(node.get("additionalProperties"), dict) or any(
            not pattern.startswith("^x-") for pattern in (node.get("patternProperties") or {})
        )
        if top and keyed and name != "components":
            found.add(name)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                walk(name, sub, False)
        for key in ("if", "then", "else"):
            walk(name, node.get(key), False)
        for sub in (node.get("dependentSchemas") or {}).values():
            walk(name, sub, False)
        for key, sub in (node.get("$defs") or {}).items():
            walk("root" if name == "root" and key == "root" else key, sub, True)

    walk("root", root, True)
    return {ALIASES.get(f, f) for f in found if f not in ("root", "specification-extensions", "map-of-strings")}


def test_every_field_of_the_openapi_schema_is_filled():
    """The document's positions and the constrained cases, held to the OpenAPI 3.1 schema that
    openapi-spec-validator validates with: a string field the schema has and the test forgets fails."""
    _, positions = document(NEUTRAL)
    covered = set(positions) | set(CONSTRAINED) | {"map-of-strings"}
    wanted = _openapi_string_fields()
    assert len(wanted) > 90
    assert sorted(wanted - covered) == []


def test_header_and_cookie_names_no_client_can_send_are_said_and_skipped(tmp_path):
    doc = CONSTRAINED["parameter.name (header)"](PAYLOADS["newline"])
    doc["paths"]["/things/{id}"]["get"]["parameters"].append(  # type: ignore[index]
        {"name": "bad cookie", "in": "cookie", "schema": {"type": "string"}}
    )
    doc["components"]["securitySchemes"]["key"]["name"] = "X Key"  # type: ignore[index]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    result = generate_package(spec, name="named", speed=Speed(cache=None, workers=False))
    assert result.ok
    said = [str(d) for d in result.diagnostics if d.code in ("W405", "W502")]
    assert [s.split(": ")[0] for s in said] == [
        f"{spec}#/paths/~1things~1{{id}}/get/parameters/1",
        f"{spec}#/paths/~1things~1{{id}}/get/parameters/2",
        f"{spec}#/components/securitySchemes/key/name",
    ]
    assert "not a token" in said[0] and "X Key" in said[2]
    client = result.files.get("named_client/resources/things.py", "")
    assert "bad cookie" not in client and "X Key" not in result.files["named_client/client.py"]
