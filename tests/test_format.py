"""The format stage keeps what the templates render when black would not change it and runs black on
the rest, chunk by chunk. Held to black itself: every module the suite's specs generate (our three APIs
with their overlays, the golden specs, the vendored corpus and the hostile payloads) must come out
byte-identical to ``black.format_str`` on the whole module."""

from __future__ import annotations

from pathlib import Path

import black
import pytest

from generator.config import ApiConfig, load_project
from generator.core import build_ir, escape, load, render
from generator.core import format as fmt

ROOT = Path(__file__).resolve().parent.parent


def _configs() -> list[ApiConfig]:
    configs = list(load_project(ROOT).apis)
    configs += [ApiConfig(name=p.stem, spec=p) for p in sorted((ROOT / "tests" / "specs").glob("*.yaml"))]
    configs += [
        ApiConfig(name="c" + p.stem.replace("-", "_"), spec=p)
        for p in sorted((ROOT / "tests" / "corpus").rglob("*.json"))
    ]
    return configs


def _hostile_configs(tmp: Path) -> list[ApiConfig]:
    from test_hostile import PAYLOADS, hostile_spec

    out = []
    for i, payload in enumerate(PAYLOADS):
        path = tmp / f"hostile{i}.json"
        path.write_text(hostile_spec(payload), encoding="utf-8")
        out.append(ApiConfig(name=f"hostile{i}", spec=path))
    return out


def _rendered(config: ApiConfig) -> dict[str, str]:
    spec = load.load_spec(config.spec, config.overlays)
    if spec.diagnostics.has_errors:
        return {}  # a hostile document refused at load time renders nothing
    api, _ = build_ir.build(spec, config)
    return {} if api is None else {p: t for p, t in render.render(api).items() if p.endswith(".py")}


def test_chunked_formatting_equals_black_on_every_generated_module(tmp_path):
    checked = 0
    skipped_chunks = 0
    for config in _configs() + _hostile_configs(tmp_path):
        files = _rendered(config)
        ours = fmt.format_files(files)
        for path, text in files.items():
            assert ours[path] == black.format_str(text, mode=fmt.black_mode()), f"{config.name}: {path}"
            checked += 1
            skipped_chunks += sum(1 for c in fmt.split(text) if fmt.stable(c))
    assert checked >= 250 and skipped_chunks > 1000  # the shortcut is taken, and it is exact


def test_unstable_chunks_go_through_black():
    # Chunks are trusted only when they come out of the templates in black's style and fit the line
    # length; a long line sends its chunk to black.
    long_call = "value = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")"
    text = f"import x\n\n\ndef f():\n    {long_call}\n    return value\n"
    sent: list[fmt.Job] = []
    assert fmt.format_python(text, run=lambda jobs: sent.extend(jobs) or fmt.run_jobs(jobs)) == black.format_str(
        text, mode=fmt.black_mode()
    )
    assert [job[0] for job in sent] == ["unit"]  # the long statement alone


def test_invalid_python_black_refuses_names_the_file():
    bad = "def broken(:\n    " + "x" * 120 + "\n"
    with pytest.raises(fmt.FormatError, match=r"pkg/bad\.py"):
        fmt.format_files({"pkg/bad.py": bad, "pkg/good.py": "x = 1\n"})


def test_a_statement_black_refuses_alone_sends_its_chunk_then_its_module_to_black_whole():
    # A header black will not take with a ``pass`` body (here: a decorator-like header the fast path
    # misreads is simulated by a runner that refuses every statement job), and then a chunk it refuses:
    # the fast path falls back to black, never raises where black succeeds.
    long_type = " | ".join(f"SomeVeryLongGeneratedModelNameNumber{i}" for i in range(3))
    text = f"class A:\n    def method(self, *, first: {long_type}, second: int = 1) -> None:\n        return None\n"
    expected = black.format_str(text, mode=fmt.black_mode())

    def no_units(jobs: list[fmt.Job]) -> list[str | None]:
        return [None if job[0] == "unit" else fmt.black_job(job) for job in jobs]

    assert fmt.format_python(text, run=no_units) == expected
    calls: list[list[fmt.Job]] = []

    def whole_module_only(jobs: list[fmt.Job]) -> list[str | None]:
        calls.append(jobs)
        return [fmt.black_job(job) if job[1] == text else None for job in jobs]

    assert fmt.format_files({"pkg/a.py": text}, run=whole_module_only)["pkg/a.py"] == expected
    assert calls[-1] == [("chunk", text, 0, False)]


def test_an_overload_stub_is_formatted_whole_with_its_decorators():
    # Microsoft Graph's download overloads: ``) -> bytes: ...`` ends the header and holds the body on
    # one line, so the header is no statement of its own (cut before that line it once failed to
    # parse): the whole stub, decorator and all, is. Another body on the header's line is not.
    params = "".join(f"    argument_number_{i}: int | None = None,\n" for i in range(3))
    text = (
        "class Resource:\n"
        "    @overload\n"
        f"    def {'a_very_long_method_name_' * 4}(\n        self,\n{params.replace('    ', '        ')}    ) -> bytes: ...\n"
    )
    chunk = fmt.split(text)[0]
    assert fmt._units(chunk, fmt._unstable_lines(chunk)) == [(1, 7, False)]
    assert fmt.format_python(text) == black.format_str(text, mode=fmt.black_mode())
    other = text.replace(": ...", ": return b''")
    assert fmt._units(fmt.split(other)[0], fmt._unstable_lines(fmt.split(other)[0])) is None
    assert fmt.format_python(other) == black.format_str(other, mode=fmt.black_mode())


def test_a_long_decorator_goes_with_its_header():
    # Microsoft Graph: ``@deprecated("GET /a/very/long/path is deprecated by the API")`` on a method of
    # a 2 MB client class; black alone on the header (with its decorators) decides, not on the class.
    long = "/identity/b2xUserFlows/{b2xIdentityUserFlow-id}/identityProviders/{identityProvider-id}"
    text = (
        "class Client:\n"
        '    @deprecated("GET ' + long + ' is deprecated by the API")\n'
        "    @other\n"
        "    def method(self) -> None:\n"
        "        return None\n"
    )
    chunk = fmt.split(text)[0]
    assert fmt._units(chunk, fmt._unstable_lines(chunk)) == [(1, 3, True)]
    assert fmt.format_python(text) == black.format_str(text, mode=fmt.black_mode())


def test_statements_of_an_if_block_are_formatted_alone():
    # ``if TYPE_CHECKING:`` imports of long names (Graph's client module), and an ``else`` block; the
    # condition, an ``elif`` and a body on the condition's line are not statements of their own.
    names = ",\n".join(f"        {'LongResourceName' * 6}{i}" for i in range(3))
    text = (
        "if TYPE_CHECKING:\n"
        f"    from .resources.{'long_module_name_' * 6} import (\n{names},\n    )\n"
        "else:\n"
        "    value = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"
    )
    chunk = fmt.split(text)[0]
    assert fmt._units(chunk, fmt._unstable_lines(chunk)) == [(1, 5, False), (7, 7, False)]
    assert fmt.format_python(text) == black.format_str(text, mode=fmt.black_mode())
    for other in (
        "if " + " and ".join(f"condition_number_{i}" for i in range(8)) + ":\n    pass\n",
        "if a:\n    pass\nelif " + " and ".join(f"condition_number_{i}" for i in range(8)) + ":\n    pass\n",
        "if a: value = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n",
    ):
        chunk = fmt.split(other)[0]
        assert fmt._units(chunk, fmt._unstable_lines(chunk)) is None, other
        assert fmt.format_python(other) == black.format_str(other, mode=fmt.black_mode())


def test_a_header_black_would_not_keep_apart_from_its_body_is_refused_not_spliced():
    # black_job formats a header with a ``pass`` body; where black does not end with that body as
    # written, the job is refused (and its chunk goes to black whole) rather than cut wrongly.
    assert fmt.black_job(("unit", "def f(x):  # a comment\n", 0, True)) is not None
    assert fmt.black_job(("unit", "def f(x:\n", 0, True)) is None


def test_split_keeps_comments_with_the_definition_below():
    text = "import x\n\n# about A\n@dec\nclass A:\n    pass\n\n\ndef f():\n    pass\n"
    assert fmt.split(text) == ["import x\n", "# about A\n@dec\nclass A:\n    pass\n", "def f():\n    pass\n"]
    assert fmt.join(fmt.split(text)) == black.format_str(text, mode=fmt.black_mode())


def test_long_statements_are_formatted_alone_and_spliced_back():
    long_type = " | ".join(f"SomeVeryLongGeneratedModelNameNumber{i}" for i in range(3))
    text = (
        "class ShortName(Model):\n"
        '    """A model."""\n'
        "\n"
        "    id: str\n"
        f"    value: {long_type} | None = None\n"
        "    other: int = 0\n"
        "\n"
        "\n"
        f"class {'VeryLong' * 12}Name(OpenStrEnum):\n"
        '    A = "a"\n'
        "\n"
        "\n"
        "class Resource:\n"
        f"    def method(self, *, first: {long_type}, second: int = 1) -> None:\n"
        f"        result: dict[str, {long_type}] = compute(first, second)\n"
        "        return None\n"
        "\n"
        "\n"
        f"_ENDPOINT: Endpoint[{long_type}] = Endpoint(\n"
        '    "GET",\n'
        '    "/path",\n'
        ")\n"
    )
    chunks = fmt.split(text)
    assert [u for c in chunks for u in (fmt._units(c, fmt._unstable_lines(c)) or [])] == [
        (4, 4, False),
        (0, 0, True),
        (1, 1, True),
        (2, 2, False),
        (6, 9, False),
    ]
    assert fmt.format_python(text) == black.format_str(text, mode=fmt.black_mode())


def test_a_chunk_black_must_see_whole_goes_through_black_whole():
    # A long line in a loop, or a long closing docstring line, is not a statement of its own here.
    nested = (
        "def f(x):\n    for y in x:\n        " + "y = call(" + ", ".join(f"argument_{i}" for i in range(12)) + ")\n"
    )
    docstring = 'class A:\n    """First line.\n\n    ' + "word " * 25 + '"""\n'
    for text in (nested, docstring):
        chunk = fmt.split(text)[0]
        assert fmt._units(chunk, fmt._unstable_lines(chunk)) is None
        assert fmt.format_python(text) == black.format_str(text, mode=fmt.black_mode())


def test_union_fields_written_as_black_splits_them():
    # The commonest long statement is written without black; it must be exactly black's split, over
    # the lengths where black switches between wrapping the default, the annotation on one line, and
    # one member per line (and at two depths).
    import random

    rng = random.Random(7)
    written = 0
    for _ in range(2500):
        indent = rng.choice((4, 8))
        name = "f" + "n" * rng.randint(0, 50)
        members = [_member(rng) for _ in range(rng.randint(1, 4))] + (["None"] if rng.random() < 0.7 else [])
        default = rng.random() < 0.8
        line = f"{name}: {' | '.join(members)}" + (" = None" if default else "")
        if indent + len(line) <= fmt.LINE_LENGTH:
            continue
        ours = fmt._union_field(("unit", line + "\n", indent, False))
        if ours is None:
            continue  # left to black
        written += 1
        _assert_black_writes(ours, line, indent)
    assert written > 500


def test_long_constants_written_as_black_splits_them():
    # An enum member bound to a long string: wrapped in parentheses where the literal fits its own line,
    # else kept as it is; held to black at two depths, over names and literals of every length around
    # the switch, and literals with escapes.
    import random

    rng = random.Random(11)
    written = kept = 0
    for _ in range(2000):
        indent = rng.choice((4, 8))
        name = "N" + "X" * rng.randint(0, 95)
        value = "v" * rng.randint(0, 110) + rng.choice(["", "\n", '"', "'", "é", "\\"])
        line = f"{name} = {fmt.black_quotes(ascii(value))}"  # as render.pyrepr writes it
        if indent + len(line) <= fmt.LINE_LENGTH:
            continue
        ours = fmt._long_constant(("unit", line + "\n", indent, False))
        if ours is None:
            continue
        written += 1
        kept += ours == line + "\n"
        _assert_black_writes(ours, line, indent)
    assert written > 500 and 50 < kept < written


def test_wrapped_methods_written_as_black_splits_them():
    # ``self.name = raw_method(resource.name)`` in the raw and streaming wrapper classes' ``__init__``:
    # held to black for every name length up to far past any line, every wrapper and both owners.
    written = 0
    for wrapper in ("raw_method", "async_raw_method", "stream_method", "async_stream_method"):
        for owner in ("resource", "client"):
            for length in range(1, 161):
                name = "m" + "x" * (length - 1)
                line = f"self.{name} = {wrapper}({owner}.{name})"
                if 8 + len(line) <= fmt.LINE_LENGTH:
                    continue
                ours = fmt._wrapped_method(("unit", line + "\n", 8, False))
                assert ours is not None, line
                written += 1
                context = "class A:\n    def f(self):\n"
                reference = black.format_str(context + " " * 8 + line + "\n", mode=fmt.black_mode())
                assert context + "".join(" " * 8 + row for row in ours.splitlines(keepends=True)) == reference, line
    assert written > 1000


def test_annotated_fields_written_as_black_splits_them():
    # A field declared in its annotation (a wire name, a deprecation or both): split inside Annotated[...]
    # on one line, or one item per line (the type at its "|", the call's arguments on their own line or
    # one per line); held to black over random shapes at two depths.
    import random

    rng = random.Random(3)
    written = exploded = split_call = 0
    for _ in range(4000):
        indent = rng.choice((4, 8))
        name = "f" + "n" * rng.randint(0, 30)
        members = [_member(rng) for _ in range(rng.randint(1, 3))] + (["None"] if rng.random() < 0.7 else [])
        if rng.random() < 0.5:  # most types are short
            members = ["T" + "x" * rng.randint(0, 20)] + (["None"] if rng.random() < 0.7 else [])
        alias = fmt.black_quotes(ascii("_" + "a" * rng.randint(0, 70) + rng.choice(["", '"', "'", "\\"])))
        message = fmt.black_quotes(ascii("M." + "d" * rng.randint(0, 40) + " is deprecated by the API"))
        pick = rng.random()
        arguments = (
            f"alias={alias}"
            if pick < 0.6
            else f"alias={alias}, deprecated={message}"
            if pick < 0.85
            else f"deprecated={message}"
        )
        default = " = None" if "None" in members and rng.random() < 0.9 else ""
        line = f"{name}: Annotated[{' | '.join(members)}, pydantic.Field({arguments})]{default}"
        if indent + len(line) <= fmt.LINE_LENGTH:
            continue
        ours = fmt._annotated_field(("unit", line + "\n", indent, False))
        if ours is None:
            continue
        written += 1
        exploded += ",\n" in ours
        split_call += "pydantic.Field(\n" in ours
        _assert_black_writes(ours, line, indent)
    assert written > 1000 and 200 < exploded < written and split_call > 100


def _assert_black_writes(ours: str, line: str, indent: int) -> None:
    """``ours`` (a statement written at indentation 0) is what black makes of ``line`` inside a class body
    at ``indent``."""
    context = "class A:\n" if indent == 4 else "class A:\n    class B:\n"
    reference = black.format_str(context + " " * indent + line + "\n", mode=fmt.black_mode())
    assert (
        context + "".join(" " * indent + row if row else row for row in ours.splitlines(keepends=True)) == reference
    ), line


def _member(rng) -> str:
    """A union member as the IR writes them: a name (up to too long for any line), a dotted name, or a
    name in ``list[...]`` or ``dict[str, ...]``."""
    name = "T" + "x" * rng.randint(0, 95)
    pick = rng.random()
    if pick < 0.25:
        return f"list[{name}]"
    if pick < 0.35:
        return f"dict[str, {name}]"
    return "_dt.datetime" if pick < 0.4 else name


def test_long_class_headers_black_cannot_split_are_kept():
    for length in range(85, 110):
        name = "C" + "x" * length
        text = f"class {name}(\n    OpenStrEnum\n):\n"
        ours = fmt._class_header(("unit", text, 0, True))
        reference = black.format_str(text + "    pass\n", mode=fmt.black_mode())[: -len("    pass\n")]
        if ours is not None:
            assert ours == reference
        else:
            assert len(f"class {name}(") <= fmt.LINE_LENGTH


def _reference_scan(lines: list[str]) -> list[int] | None:
    """``format._unstable_lines`` as first written: every line looked at, in order."""
    found: list[int] = []
    in_docstring = False
    for i, line in enumerate(lines):
        if line.endswith(" ") or "\t" in line:
            return None
        quotes = line.count('"""')
        if in_docstring:
            if quotes:
                in_docstring = False
                if len(line) > fmt.LINE_LENGTH:
                    return None
            continue
        stripped = line.lstrip()
        if stripped.startswith('"""'):
            in_docstring = quotes == 1
            continue
        if line.endswith("\\"):
            return None
        if len(line) > fmt.LINE_LENGTH and not (stripped.startswith("#") or fmt._LONE_STRING.fullmatch(stripped)):
            found.append(i)
    return None if in_docstring else found


def test_the_quick_stability_check_agrees_with_the_line_by_line_scan(tmp_path):
    # The check looks at the whole chunk first and then only at the lines that can matter.
    chunks = [
        c
        for config in _configs()[:8] + _hostile_configs(tmp_path)
        for text in _rendered(config).values()
        for c in fmt.split(text)
    ]
    chunks += [
        '"""Open docstring\n',
        'x = 1\n"""\n',
        'def f():\n    """Doc."""\n',
        "x = 1 \n",
        "x = \\\n    1\n",
        "x = '\t'\n",
    ]
    chunks += [
        'x = 1\n"""' + "w" * 120 + '\n"""\n',
        'class A:\n    """Doc\n    ' + "w" * 120 + '\\\n    """\n',
        "y = " + "1 + " * 40 + "1 \\\n",
    ]
    assert len(chunks) > 500
    for chunk in chunks:
        assert fmt._unstable_lines(chunk) == _reference_scan(chunk.split("\n")), chunk


def _endpoint_declarations() -> list[str]:
    """Every ``_NAME: Endpoint[T] = Endpoint(...)`` statement of the resource modules the suite generates."""
    import ast

    found = []
    for config in _configs():
        for path, text in _rendered(config).items():
            if "/resources/" not in path:
                continue
            lines = text.split("\n")
            for node in ast.parse(text).body:
                if isinstance(node, ast.AnnAssign) and ast.unparse(node.annotation).startswith("Endpoint["):
                    found.append("\n".join(lines[node.lineno - 1 : node.end_lineno]) + "\n")
    return found


def test_endpoint_declarations_written_as_black_splits_them():
    # Real declarations from the suite's packages, renamed to lengths that push the first line past
    # the limit by different amounts, so both of black's shapes (and the fallback) are exercised.
    import random

    rng = random.Random(11)
    declarations = _endpoint_declarations()
    assert len(declarations) > 100
    written = 0
    for statement in declarations:
        name = statement.split(":", 1)[0]
        for _ in range(3):
            longer = "_" + "N" * rng.randint(20, 110)
            text = longer + statement[len(name) :]
            if len(text.split("\n", 1)[0]) <= fmt.LINE_LENGTH:
                continue
            ours = fmt._endpoint_declaration(("unit", text, 0, False))
            if ours is None:
                continue
            written += 1
            assert ours == black.format_str(text, mode=fmt.black_mode()), text
    assert written > 80
    # A multi-line string inside would change if re-indented: left to black.
    text = "_" + "N" * 90 + ': Endpoint[Pet] = Endpoint(\n    """GET\nmore""",\n    "/pets",\n)\n'
    assert fmt._endpoint_declaration(("unit", text, 0, False)) is None


def test_string_literals_get_blacks_quote_choice_without_black():
    # The quick path of black_quotes must agree with black's own normalisation on every literal shape
    # repr and ascii produce: quotes of both kinds, backslashes, escapes, non-ASCII.
    import random

    from black.strings import normalize_string_quotes

    pieces = ["a", " ", '"', "'", "\\", "\n", "\t", "é", "\u2028", "\x00", '"""', "'''", "\\'", '\\"']
    rng = random.Random(7)
    texts = ["", *pieces] + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(20000)]
    for text in texts:
        for literal in (repr(text), ascii(text)):
            assert fmt.black_quotes(literal) == normalize_string_quotes(literal), literal


def test_one_line_docstrings_take_the_quick_path_to_the_same_text():
    import random

    pieces = ["word", " ", "  ", "é", "-", "'", ".", "\u00a0", "x" * 40]
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        for indent in (0, 4, 8):
            assert render.docstring(text, indent) == escape._escaped(text, indent), text


def test_docstrings_ending_in_a_quote_are_black_stable_at_every_length():
    # black pads a final quote, measures the last line with the padding, and moves the closing quotes to a
    # line of their own (without the padding) when they do not fit: the templates write the same.
    for indent, context in ((0, ""), (4, "class A:\n"), (8, "class A:\n    class B:\n")):
        for length in range(85, 105):
            for end in ('"', '."', "x", "'"):
                doc = render.close_docstring(render.docstring("First line.\n\n" + "w" * length + end, indent), indent)
                text = f'{context}{" " * indent}"""{doc}\n'
                assert black.format_str(text, mode=fmt.black_mode()) == text
                assert fmt.stable(text)


def test_imports_and_list_displays_are_written_as_black_writes_them():
    # One line when it fits, else exploded one item per line with a trailing comma: at every length
    # around the limit, at the indentations the templates use.
    for length in range(30, 60):
        names = ["N" + "x" * length, "AsyncN" + "x" * length]
        for indent, context in ((0, ""), (4, "if X:\n"), (8, "class A:\n    def f(self):\n")):
            for chosen in (names, names[1:]):
                text = context + " " * indent + render.import_from(chosen, ".resources.some_module", indent) + "\n"
                assert black.format_str(text, mode=fmt.black_mode()) == text
        text = render.list_display([render.pyrepr(n) for n in names] + ['"SERVERS"'], "__all__ = ") + "\n"
        assert black.format_str(text, mode=fmt.black_mode()) == text


def test_runtime_modules_are_stored_as_black_writes_them():
    # The pipeline copies them unformatted (``render.verbatim``), so each must already be black's text,
    # header included, in every package (with webhooks: ``_webhooks.py`` too).
    config = ApiConfig(name="integration31", spec=ROOT / "tests" / "specs" / "integration31.yaml")
    spec = load.load_spec(config.spec, config.overlays)
    api, _ = build_ir.build(spec, config)
    assert api is not None
    files = render.render(api)
    kept = render.verbatim(api)
    assert f"{api.package}/_webhooks.py" in kept and f"{api.package}/_runtime.py" in kept
    for path in kept:
        assert black.format_str(files[path], mode=fmt.black_mode()) == files[path], path
    prepared = fmt.prepare(files, kept)
    assert not kept & set(prepared.python)
    assert fmt.finish(prepared, fmt.run_jobs(prepared.plan.jobs)) == fmt.format_files(files)


# -- the templates on the fast path ----------------------------------------------------------------------

#: A document whose every name and text is long: what a template line makes of them must still be
#: formatted statement by statement (a template line black must take whole costs seconds on EC2's 15,000-
#: line ``_endpoints.py``, which is one chunk).
LONG = "Amazon Elastic Compute Cloud Extraordinarily Long Service Name For Testing"
LONG_DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": LONG, "version": "1", "description": "word " * 80},
    "servers": [{"url": "https://ec2.example.com/", "description": "x " * 70}],
    "paths": {
        "/": {
            "get": {
                "operationId": "DescribeInstanceCreditSpecificationsAndSomethingElseVeryLong",
                "summary": "s " * 90,
                "description": "d " * 120,
                "parameters": [
                    {
                        "name": "Action",
                        "in": "query",
                        "required": True,
                        "description": "p " * 80,
                        "schema": {"type": "string", "enum": ["DescribeInstanceCreditSpecificationsAndSomethingElse"]},
                    },
                    {
                        "name": "VeryLongParameterNameThatGoesOnAndOnAndOnForeverAndEverMore",
                        "in": "query",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "r " * 70,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "$ref": "#/components/schemas/LongResultOfDescribingInstanceCreditSpecificationsAndMore"
                                }
                            }
                        },
                    }
                },
            }
        },
        "/#Action=RunInstances": {"post": {"operationId": "RunInstances", "responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {
            "LongResultOfDescribingInstanceCreditSpecificationsAndMore": {
                "type": "object",
                "description": "c " * 90,
                "properties": {
                    "instanceCreditSpecificationSetWithAVeryLongPropertyNameIndeed": {
                        "type": "array",
                        "description": "q " * 90,
                        "items": {"type": "string"},
                    }
                },
            }
        }
    },
}


def _told(spec: Path | str, name: str) -> list[str]:
    from generator import generate_package
    from generator.speed import Speed

    result = generate_package(spec, name=name, speed=Speed(cache=None, workers=False))
    assert result.ok and result.api is not None
    return fmt.prepare(render.render(result.api), render.verbatim(result.api)).told()


@pytest.mark.parametrize("spec", sorted((ROOT / "tests" / "specs").glob("*.yaml")), ids=lambda p: p.stem)
def test_no_template_line_sends_a_chunk_to_black_whole(spec):
    assert _told(spec, spec.stem) == []


def test_long_names_and_texts_keep_every_module_on_the_fast_path(tmp_path):
    import json

    path = tmp_path / "long.json"
    path.write_text(json.dumps(LONG_DOCUMENT), encoding="utf-8")
    assert _told(path, "long") == []


def test_a_chunk_black_takes_whole_is_told_with_why():
    chunk = 'X = 1\n"""' + " ".join(["w"] * 30) + "\n" + "z" * 99 + '"""\n'
    todo = fmt.plan([chunk])
    assert todo.wholes == [(0, "a docstring's closing line of 102 columns (line 3): black moves its quotes")]
    prepared = fmt.Prepared({"m.py": chunk}, ["m.py"], [1], todo)
    assert prepared.told() == [
        "m.py: `X = 1` went to black whole: a docstring's closing line of 102 columns (line 3): black moves its quotes"
    ]
    assert fmt.why_whole("if x:\n    y = 1  \n") == "trailing whitespace"
    assert fmt.why_whole("for x in y:\n    z = " + "a" * 100 + "\n").startswith("a statement of 108 columns (line 2)")


def test_what_went_to_black_whole_reaches_the_generation_result():
    from generator.speed import Speed

    chunk = 'X = 1\n"""' + " ".join(["w"] * 30) + "\n" + "z" * 99 + '"""\n'
    told: list[str] = []
    made = Speed(cache=None, workers=False).formatted(
        False, lambda paths: fmt.prepare({"pkg/m.py": chunk}), ["pkg/m.py"], frozenset(), told
    )
    assert made["pkg/m.py"] == black.format_str(chunk, mode=fmt.black_mode())
    assert told == [
        "pkg/m.py: `X = 1` went to black whole: a docstring's closing line of 102 columns (line 3): black moves its quotes"
    ]


def test_long_self_headers_written_as_black_splits_them():
    checked = 0
    for indent in (0, 4):
        for size in range(40, 140, 3):
            for prefix, returned in (("", "R" * 30), ("async ", "Pkg.Resource" + "x" * 20), ("", "Y" * 97)):
                name = "n" * size
                header = f"@cached_property\n{prefix}def {name}(self) -> {returned}:\n"
                if len(header.split("\n")[1]) + indent <= fmt.LINE_LENGTH:
                    continue
                job = ("unit", header, indent, True)
                written = fmt._self_header(job)
                if written is not None:
                    assert written == fmt.black_job(job), header
                    checked += 1
    assert checked > 50


def test_wire_name_sets_written_as_black_splits_them():
    checked = 0
    for indent in (0, 4, 8):
        for count in range(1, 30):
            for width in (2, 9, 31):
                names = [f'"{chr(97 + i % 26) * width}{i}"' for i in range(count)] + ['"a, b"']
                text = "__wire_not_null__ = frozenset({" + ", ".join(names) + "})\n"
                if len(text) - 1 + indent <= fmt.LINE_LENGTH:
                    continue
                job = ("unit", text, indent, False)
                written = fmt._wire_set(job)
                assert written is not None and written == fmt.black_job(job), text
                checked += 1
    assert checked > 100
    alone = ("unit", '__wire_not_null__ = frozenset({"' + "f" * 120 + '"})\n', 4, False)
    assert fmt._wire_set(alone) is None  # black's own split of one long name: no trailing comma


def test_statements_the_templates_lay_out_are_black_stable_as_rendered():
    # The templates write some long statements in black's layout themselves (``format.lay_out``, the
    # ``wire_set`` and ``deprecated`` macros), so that a class of hundreds of them is black-stable as
    # rendered and never parsed for formatting: each, at every length around the limit, is what black
    # makes of it, or is left as one line for the formatter where no rule says how.
    from types import SimpleNamespace

    env = render.environment()
    macros = env.from_string('{% import "_macros.jinja" as m %}{{ m.wire_set(name, wires) }}')
    deprecated = env.from_string('{% import "_macros.jinja" as m %}{{ m.deprecated(op) -}}')
    mode = fmt.black_mode()
    checked = {"wrapped": 0, "wire set": 0, "deprecated": 0, "field": 0}
    for length in range(1, 130):
        name = "m" + "x" * (length - 1)
        for wrapper in ("raw_method", "async_stream_method"):
            line = render.wrapped_call(name, wrapper, "resource")
            text = "class A:\n    def f(self):\n        " + line + "\n"
            if fmt.stable(text):
                assert black.format_str(text, mode=mode) == text, line
                checked["wrapped"] += 1
        message = escape.SpecText(f"GET /{'p' * length} is deprecated by the API")
        text = (
            "class A:\n" + deprecated.render(op=SimpleNamespace(deprecation=message)) + "    def f(self) -> None: ...\n"
        )
        if fmt.stable(text):
            assert black.format_str(text, mode=mode) == text, message
            checked["deprecated"] += 1
        field = fmt.lay_out(f"{name}: Alpha{name} | Beta{name} | None = None", 4)
        text = "class A:\n    " + field + "\n"
        if fmt.stable(text):
            assert black.format_str(text, mode=mode) == text, field
            checked["field"] += 1
    for count in range(1, 30):
        for width in (2, 9, 31):
            wires = [escape.SpecText(f"{chr(97 + i % 26) * width}{i}") for i in range(count)] + [
                escape.SpecText('a "b"')
            ]
            text = "class A:\n" + macros.render(name="__wire_not_null__", wires=wires)
            if fmt.stable(text):
                assert black.format_str(text, mode=mode) == text, text
                checked["wire set"] += 1
    assert all(n > 50 for n in checked.values()), checked


def test_returned_calls_written_as_black_splits_them():
    # ``return XResourceWithRawResponse(self._client.x)`` in a client's resource accessors: held to black
    # for every name and attribute length up to far past any line, at three depths.
    contexts = {
        4: "def f(self):\n",
        8: "class A:\n    def f(self):\n",
        12: "class A:\n    def f(self):\n        if x:\n",
    }
    written = 0
    for indent, context in contexts.items():
        for length in range(1, 140, 3):
            for attribute in range(1, 100, 7):
                line = f"return N{'x' * length}(self._client.{'y' * attribute})"
                if indent + len(line) <= fmt.LINE_LENGTH:
                    continue
                ours = fmt._returned_call(("unit", line + "\n", indent, False))
                assert ours is not None, line
                written += 1
                pad = " " * indent
                reference = black.format_str(context + pad + line + "\n", mode=fmt.black_mode())
                assert context + "".join(pad + row for row in ours.splitlines(keepends=True)) == reference, line
    assert written > 1000


def test_a_parameter_typed_by_one_name_is_kept_long_as_black_keeps_it():
    # A keyword longer than the line (EC2's) in an exploded signature: black has nothing to split, so the
    # chunk stays as rendered; with a union and a default black does split, and the line is not kept.
    mode = fmt.black_mode()
    kept = 0
    for annotation in ("str", "int", "GETModifyClientVpnEndpointAction", "_dt.datetime"):
        for length in range(60, 130, 3):
            for head in ("def f(", "async def f("):
                line = f"        p{'x' * length}: {annotation},"
                text = f"class A:\n    {head}\n        self,\n        *,\n{line}\n        other: int,\n    ) -> None:\n        pass\n"
                if len(line) <= fmt.LINE_LENGTH:
                    continue
                assert fmt.stable(text)
                assert black.format_str(text, mode=mode) == text, line
                kept += 1
    text = (
        f"class A:\n    def f(\n        self,\n        p{'x' * 100}: str | None = None,\n    ) -> None:\n        pass\n"
    )
    assert not fmt.stable(text) and black.format_str(text, mode=mode) != text
    assert kept > 100
