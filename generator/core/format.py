"""Format stage: black-formatted output without running black over everything.

black's cost grows with every line it reads, and a large document generates hundreds of thousands of
lines. So a module is cut into its top-level statements (each class, function or decorated
definition with the comments above it), and each chunk is

- kept as rendered when it is already black-stable: the templates emit black's own style (double quotes
  as black would choose them, magic trailing commas, black's blank lines), and a chunk whose lines all fit
  in the line length has nothing left for black to change;
- otherwise only the statements holding a long line go through black: a model field, a class or ``def``
  header (with its decorators), an ``@overload`` stub, an ``Endpoint`` declaration, a statement in an
  ``if`` block. black splits each logical line on its own, so such a statement is formatted alone,
  dedented, with the line length less its indentation, and put back in place (a chunk where that cannot
  be done safely goes through black whole);
- the runtime modules, copied verbatim and stored in black's style, are not looked at (``prepare``'s
  ``formatted``);
- whatever is left for black goes to it in one batch through a ``Runner``: ``run_jobs`` runs black in
  order; the speed layer's runner (``generator.speed.formatting``) adds a cache by content and worker
  processes, and cannot change a result;
- a statement black will not take alone sends its chunk through black whole, and a chunk black will not
  take sends its module through black whole: the fast path never fails where black succeeds.

Chunks are joined with black's two blank lines. ``tests/test_format.py`` holds this to black itself: for
every package the test suite generates, the result is byte-identical to ``black.format_str`` on the whole
module.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import black

LINE_LENGTH = 100
_STARTS = ("class ", "def ", "async def ", "@")
_LONE_STRING = re.compile(r'"[^"\\]*",')
#: A key and its value, two plain strings, on a line of an exploded dict (``models/__init__``'s table of
#: where each class lives): black has nothing to split there, and leaves a long one as it is.
_STRING_PAIR = re.compile(r'"[^"\\]*": "[^"\\]*",')
#: A name alone on a line of an exploded list (an import of a class whose name is longer than the line):
#: an atom, which black cannot split either.
_LONE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*,")
#: A dotted name alone on a line, inside brackets black has split already (``list[`` over a name longer
#: than the line): joining it to its neighbours cannot make it fit.
_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
#: The opening line of an exploded signature or import whose name alone is longer than the line
#: (``def <a 100-character operation name>(``, ``from ._m_<a long module> import (``): black keeps it.
_DEF_OPEN = re.compile(r"(?:async )?def [A-Za-z_][A-Za-z0-9_]*\(")
_LONE_OPENING = re.compile(rf"{_DEF_OPEN.pattern}|from \.[A-Za-z0-9_.]* import \(")
#: A parameter typed by one name, alone on a line of an exploded signature (a keyword longer than the
#: line, EC2's ``local_gateway_route_table_virtual_interface_group_association_id: str,``): nothing to
#: split there either. (With a default or a union, black wraps the annotation in parentheses.)
_LONE_PARAMETER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*: [A-Za-z_][A-Za-z0-9_.]*,")


def black_quotes(literal: str) -> str:
    """A string literal from ``repr`` or ``ascii`` with black's quote choice (double quotes unless they
    need more escapes), so the line stays black-stable. Such a literal holding no double quote is
    single-quoted around a body with no quote at all, which black only requotes: the common case is
    done here without black's regular expressions."""
    if '"' not in literal:
        return f'"{literal[1:-1]}"'
    from black.strings import normalize_string_quotes

    return str(normalize_string_quotes(literal))


@lru_cache(maxsize=1)
def black_version() -> str:
    """black's version, without importing black: a generation whose formatting all comes from the
    caches never imports it."""
    from importlib import metadata

    try:
        return metadata.version("black")
    except metadata.PackageNotFoundError:
        import black

        return str(black.__version__)


@cache
def black_mode(line_length: int = LINE_LENGTH) -> black.Mode:
    """black's settings for the generated code (at ``line_length``)."""
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310}, line_length=line_length)


def split(text: str) -> list[str]:
    """Top-level chunks: a new one starts at each module-level class, def or decorator (with the
    comment lines right above it). Blank lines between chunks are dropped; ``join`` puts black's back."""
    lines = text.split("\n")
    starts = [0]
    for i, line in enumerate(lines):
        if i and line.startswith(_STARTS) and not lines[i - 1].startswith("@"):
            start = i
            while start > starts[-1] + 1 and lines[start - 1].startswith("#"):
                start -= 1
            if start > starts[-1]:
                starts.append(start)
    chunks = []
    for begin, end in zip(starts, [*starts[1:], len(lines)]):
        chunk = "\n".join(lines[begin:end]).strip("\n")
        if chunk:
            chunks.append(chunk + "\n")
    return chunks


def join(chunks: list[str]) -> str:
    return "\n\n".join(c.rstrip("\n") + "\n" for c in chunks)


def stable(chunk: str) -> bool:
    """Whether black would leave this chunk as it is."""
    return _unstable_lines(chunk) == []


def _unstable_lines(chunk: str) -> list[int] | None:
    """Indices of the code lines black would change: too long for the line length. ``None`` when black
    would change something else: tabs, trailing whitespace and backslash continuations (which the
    templates never emit on purpose) or a long closing line of a multi-line docstring. Inside a
    docstring (the templates write them as lines starting with triple quotes) a long line is left alone
    by black, and so is a long comment or a lone string in an exploded collection."""
    if "\t" in chunk or " \n" in chunk or chunk.endswith(" "):
        return None
    lines = chunk.split("\n")
    if max(map(len, lines)) <= LINE_LENGTH and "\\\n" not in chunk and not chunk.endswith("\\"):
        # Nine chunks in ten: only a docstring left open could still matter, and only lines holding
        # triple quotes move that state.
        return None if _ends_in_docstring(line for line in lines if '"""' in line) else []
    return _scan(lines)


def _scan(lines: list[str]) -> list[int] | None:
    """``_unstable_lines`` line by line, for lines without trailing whitespace or tabs. Only lines that
    hold triple quotes, are too long or end in a backslash can change the docstring state or the
    answer, so only those are looked at."""
    notable = [i for i, line in enumerate(lines) if len(line) > LINE_LENGTH or '"""' in line or line.endswith("\\")]
    found: list[int] = []
    in_docstring = False
    for i in notable:
        line = lines[i]
        quotes = line.count('"""')
        if in_docstring:
            if quotes:
                in_docstring = False
                if len(line) > LINE_LENGTH:
                    return None
            continue
        stripped = line.lstrip()
        if stripped.startswith('"""'):
            in_docstring = quotes == 1  # opened here; a one-line docstring may be long
            continue
        if line.endswith("\\"):
            return None
        if len(line) > LINE_LENGTH and not black_keeps(stripped):
            found.append(i)
    return None if in_docstring else found


def black_keeps(stripped: str) -> bool:
    """Whether black keeps this line (without its indentation) as it is however long: a comment, or an
    atom alone that it has nothing to split at (see the patterns above)."""
    return (
        stripped.startswith("#")
        or _LONE_STRING.fullmatch(stripped) is not None
        or _STRING_PAIR.fullmatch(stripped) is not None
        or _LONE_NAME.fullmatch(stripped) is not None
        or _BARE_NAME.fullmatch(stripped) is not None
        or _LONE_PARAMETER.fullmatch(stripped) is not None
        or _LONE_OPENING.fullmatch(stripped) is not None
    )


def _ends_in_docstring(quoted: Iterable[str]) -> bool:
    """Whether a docstring is still open after these lines (the ones holding triple quotes), read as
    ``_unstable_lines`` reads them."""
    open_ = False
    for line in quoted:
        if open_:
            open_ = False
        elif line.lstrip().startswith('"""'):
            open_ = line.count('"""') == 1
    return open_


#: A statement black must reformat: (first line, last line) of the chunk, 0-based and inclusive, and
#: whether it is the header of a class or function (formatted with a ``pass`` body, then dropped).
Unit = tuple[int, int, bool]


def _units(chunk: str, long_lines: list[int] | None) -> list[Unit] | None:
    """The statements holding the chunk's long lines (its ``_unstable_lines``), or ``None`` when the
    chunk should go through black whole (anything but a long simple statement or a long class or
    function header)."""
    if long_lines is None:
        return None
    if not long_lines:
        return []
    try:
        tree = ast.parse(chunk)
    except SyntaxError:
        return None  # black reports it, with the file
    units: set[Unit] = set()
    for index in long_lines:
        unit = _unit_at(tree.body, index + 1)
        if unit is None:
            return None
        units.add(unit)
    ordered = sorted(units)
    if any(a[1] >= b[0] for a, b in itertools.pairwise(ordered)):
        return None  # a header and a statement of its body both long: black does the whole chunk
    return ordered


_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _is_stub(stmt: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A definition whose one statement is ``...`` (an ``@overload``)."""
    body = stmt.body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value is Ellipsis
    )


def _first_line(stmt: ast.stmt) -> int:
    decorators = stmt.decorator_list if isinstance(stmt, _DEFINITIONS) else []
    return decorators[0].lineno if decorators else stmt.lineno


def _unit_at(body: list[ast.stmt], lineno: int) -> Unit | None:
    # The first statement ending at or after ``lineno`` (a class body can hold thousands).
    at = bisect.bisect_left(body, lineno, key=lambda stmt: stmt.end_lineno or stmt.lineno)
    for stmt in body[at : at + 1]:
        start = _first_line(stmt)  # a definition's decorators are lines of its header
        if lineno < start:
            return None  # between statements: a comment
        if isinstance(stmt, _DEFINITIONS):
            first = _first_line(stmt.body[0])
            if stmt.body[0].col_offset != stmt.col_offset + 4:
                if _is_stub(stmt):  # ``) -> T: ...`` (an overload): the whole definition is the statement
                    return (start - 1, (stmt.end_lineno or stmt.lineno) - 1, False)
                return None  # another body on the header's last line: no header alone
            if lineno < first:  # in the header (with its decorators)
                return (start - 1, first - 2, True)
            return _unit_at(stmt.body, lineno)
        if isinstance(stmt, ast.If):  # such as ``if TYPE_CHECKING:``: a statement of a block, at its depth
            for block in (stmt.body, stmt.orelse):
                if block and _first_line(block[0]) <= lineno <= (block[-1].end_lineno or block[-1].lineno):
                    if block[0].col_offset != stmt.col_offset + 4 or block[0].lineno == stmt.lineno:
                        return None  # ``elif``, or a block on the condition's line
                    return _unit_at(block, lineno)
            return None  # the condition, or the ``else:`` line
        if isinstance(
            stmt,
            (
                ast.Expr,
                ast.Assign,
                ast.AnnAssign,
                ast.AugAssign,
                ast.Return,
                ast.Raise,
                ast.Assert,
                ast.Import,
                ast.ImportFrom,
                ast.Delete,
            ),
        ):
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                return None  # a docstring: black's docstring rules depend on where it stands
            return (stmt.lineno - 1, (stmt.end_lineno or stmt.lineno) - 1, False)
        return None
    return None


_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_MEMBER = rf"{_NAME}(?:\[{_NAME}(?:, {_NAME})?\])?"  # a name, list[Name] or dict[str, Name]
_FIELD = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*): ({_MEMBER}(?: \| {_MEMBER})*)( = None)?\n")


def _union_field(job: Job) -> str | None:
    """black's split of the commonest long statement, written directly: a field ``name: A | B | None``,
    with or without ``= None``, whose members are names, ``list[Name]`` or ``dict[str, Name]`` (nine
    in ten long statements of a large package). black first wraps the default when the line up to
    ``= (`` fits; otherwise it wraps the annotation in parentheses, on one line if it fits, else one
    member per line, where a member too long for its line stays as it is unless it has brackets to
    split at; a lone name too long even for its own line, with no default, is left as it is (black
    finds no split worth making). Anything else (a lone bracketed annotation, which black splits inside
    its brackets, or a long bracketed member) is left to black. ``tests/test_format.py`` holds this to black over
    thousands of generated shapes."""
    _, text, indent, header = job
    match = _FIELD.fullmatch(text)
    if header or match is None:
        return None
    name, annotation, default = match.groups()
    members = annotation.split(" | ")
    if len(members) == 1 and "[" in annotation:
        return None
    inner = " " * (indent + 4)
    if default and indent + len(f"{name}: {annotation} = (") <= LINE_LENGTH:
        return f"{name}: {annotation} = (\n    None\n)\n"
    if len(inner + annotation) <= LINE_LENGTH:
        lines = [inner + annotation]
    elif len(members) > 1:
        lines = _one_per_line(members, inner)
    elif not default:
        return text
    else:
        return None
    if any(len(line) > LINE_LENGTH and (len(lines) == 1 or "[" in line) for line in lines):
        return None
    body = "\n".join(line[indent:] for line in lines)
    return f"{name}: (\n{body}\n){default or ''}\n"


_LIST_UNION_FIELD = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*): list\[([A-Za-z_][A-Za-z0-9_.]*(?: \| [A-Za-z_][A-Za-z0-9_.]*)+)\] \| None( = None)?\n"
)


def _list_union_field(job: Job) -> str | None:
    """black's split of an optional field holding a list of a union (``name: list[A | B] | None = None``,
    Mailchimp's segment conditions), written directly: the default wrapped where the line up to ``= (``
    fits; else the annotation in parentheses, on one line where it fits, else ``list[...]`` and
    ``| None`` on lines of their own, and ``list[`` split in turn where it does not fit: the union on one
    line inside, or one member per line. ``tests/test_format.py`` holds this to black over thousands of
    shapes."""
    _, text, indent, header = job
    match = _LIST_UNION_FIELD.fullmatch(text)
    if header or match is None:
        return None
    name, inner, default = match.groups()
    annotation = f"list[{inner}] | None"
    if default and indent + len(f"{name}: {annotation} = (") <= LINE_LENGTH:
        return f"{name}: {annotation} = (\n    None\n)\n"
    if indent + 4 + len(annotation) <= LINE_LENGTH:
        body = [f"    {annotation}"]
    elif indent + 4 + len(f"list[{inner}]") <= LINE_LENGTH:
        body = [f"    list[{inner}]", "    | None"]
    else:
        members = inner.split(" | ")
        if indent + 8 + len(inner) <= LINE_LENGTH:
            union = [f"        {inner}"]
        else:
            union = _one_per_line(members, " " * 8)
        body = ["    list[", *union, "    ]", "    | None"]
    return f"{name}: (\n" + "\n".join(body) + f"\n){default or ''}\n"


def _one_per_line(members: list[str], pad: str) -> list[str]:
    """A union split as black splits it at its ``|``: one member a line, each after the first led by
    ``| ``, at ``pad``."""
    return [pad + ("| " if index else "") + member for index, member in enumerate(members)]


_STRING = r'"(?:[^"\\\n]|\\.)*"'
_ANNOTATED_FIELD = re.compile(
    rf"([A-Za-z_][A-Za-z0-9_]*): Annotated\[({_MEMBER}(?: \| {_MEMBER})*), pydantic\.Field\("
    rf"(?:(alias={_STRING})(?:, (deprecated={_STRING}))?|(deprecated={_STRING}))\)\]( = None)?\n"
)


def _annotated_field(job: Job) -> str | None:
    """black's split of a field declared in its annotation (``name: Annotated[A | None,
    pydantic.Field(alias="...")] = None``, a deprecation beside or instead of the alias), written
    directly. black wraps the default where the line up to ``= (`` fits; otherwise it splits inside
    ``Annotated[...]``: the two items on a line of their own where they
    fit, else one per line with a trailing comma, the type split at its ``|`` (as ``_union_field``
    splits it) and the call's arguments on a line of their own, or one per line with a trailing comma
    when there are two and they do not fit; an argument or bare name too long for any line stays as it
    is. A bracketed type black would split inside, or a name too long for ``name: Annotated[``, is left
    to black. ``tests/test_format.py`` holds this to black over thousands of generated shapes."""
    _, text, indent, header = job
    match = _ANNOTATED_FIELD.fullmatch(text)
    if header or match is None:
        return None
    name, annotation, alias, deprecated_too, deprecated, default = match.groups()
    parts = [part for part in (alias, deprecated_too, deprecated) if part]
    arguments = ", ".join(parts)
    call = f"pydantic.Field({arguments})"
    if default and indent + len(f"{name}: Annotated[{annotation}, {call}] = (") <= LINE_LENGTH:
        return f"{name}: Annotated[{annotation}, {call}] = (\n    None\n)\n"
    head = f"{name}: Annotated["
    if indent + len(head) > LINE_LENGTH:
        return None
    tail = f"]{default or ''}\n"
    if indent + 4 + len(annotation) + 2 + len(call) <= LINE_LENGTH:
        return f"{head}\n    {annotation}, {call}\n{tail}"
    members = annotation.split(" | ")
    if indent + 4 + len(annotation) + 1 <= LINE_LENGTH:
        kind = [f"    {annotation},"]
    elif len(members) > 1:
        kind = _one_per_line(members, "    ")
        kind[-1] += ","
    else:
        kind = [f"    {annotation},"]
    if any(indent + len(line) > LINE_LENGTH and "[" in line for line in kind):
        return None  # black splits inside the brackets
    if indent + 4 + len(call) + 1 <= LINE_LENGTH:
        field = [f"    {call},"]
    else:
        if len(parts) == 1 or indent + 8 + len(arguments) <= LINE_LENGTH:
            field = ["    pydantic.Field(", f"        {arguments}", "    ),"]
        else:
            field = ["    pydantic.Field(", *(f"        {part}," for part in parts), "    ),"]
    return "\n".join([head, *kind, *field, tail])


_CONSTANT = re.compile(r'([A-Za-z_][A-Za-z0-9_]*) = ("(?:[^"\\\n]|\\.)*")\n')


def _long_constant(job: Job) -> str | None:
    """black's split of a name bound to one string literal (an enum member), written directly: the
    literal wrapped in parentheses on a line of its own where it fits there, else the line as it is
    (black finds no split worth making). A name too long for ``NAME = (`` is left to black.
    ``tests/test_format.py`` holds this to black over thousands of lengths."""
    _, text, indent, header = job
    match = _CONSTANT.fullmatch(text)
    if header or match is None:
        return None
    name, literal = match.groups()
    if indent + len(name) + len(" = (") > LINE_LENGTH:
        return None
    if indent + 4 + len(literal) <= LINE_LENGTH:
        return f"{name} = (\n    {literal}\n)\n"
    return text


_WRAPPED = re.compile(r"(self\.[A-Za-z_][A-Za-z0-9_]*) = ([A-Za-z_][A-Za-z0-9_]*)\(([A-Za-z_][A-Za-z0-9_.]*)\)\n")


def _wrapped_method(job: Job) -> str | None:
    """black's split of ``self.name = wrapper(owner.name)`` in an ``__init__`` (the ``with_raw_response``
    and ``with_streaming_response`` classes), written directly. Where ``self.name = wrapper(`` fits, the
    argument goes on a line of its own; where it does not, the call is wrapped in parentheses and split
    again, as long as the argument then fits; past that black keeps the first form, lines too long and
    all. ``tests/test_format.py`` holds this to black for every name length and wrapper."""
    _, text, indent, header = job
    match = _WRAPPED.fullmatch(text)
    if header or indent != 8 or match is None:
        return None
    target, wrapper, argument = match.groups()
    head = f"{target} = {wrapper}("
    if indent + len(head) <= LINE_LENGTH:
        return f"{head}\n    {argument}\n)\n" if indent + 4 + len(argument) <= LINE_LENGTH else None
    if indent + 8 + len(argument) <= LINE_LENGTH:
        return f"{target} = (\n    {wrapper}(\n        {argument}\n    )\n)\n"
    return f"{head}\n    {argument}\n)\n"


_RETURNED = re.compile(r"return ([A-Za-z_][A-Za-z0-9_]*)\(([A-Za-z_][A-Za-z0-9_.]*)\)\n")


def _returned_call(job: Job) -> str | None:
    """black's split of ``return Name(owner.attribute)`` (a client's resource accessors: ``return
    XResourceWithRawResponse(self._client.x)``), written directly: the argument on a line of its own;
    where ``return Name(`` is too long but ``Name(`` and the argument fit one level deeper, the call
    wrapped in parentheses and split again. ``tests/test_format.py`` holds this to black."""
    _, text, indent, header = job
    match = _RETURNED.fullmatch(text)
    if header or match is None:
        return None
    callee, argument = match.groups()
    head = f"return {callee}("
    wrapped = indent + 4 + len(callee) + 1 <= LINE_LENGTH and indent + 8 + len(argument) <= LINE_LENGTH
    if indent + len(head) > LINE_LENGTH and wrapped:
        return f"return (\n    {callee}(\n        {argument}\n    )\n)\n"
    return f"{head}\n    {argument}\n)\n"


_CLASS_HEADER = re.compile(r"class ([A-Za-z_][A-Za-z0-9_]*)\(\n    ([A-Za-z_][A-Za-z0-9_.]*)\n\):\n")


def _class_header(job: Job) -> str | None:
    """A top-level class header already split around its one base (``render.class_line``) whose
    ``class Name(`` alone is too long: black has no other split, so it stays as it is."""
    _, text, indent, header = job
    match = _CLASS_HEADER.fullmatch(text)
    if not header or indent or match is None or len(f"class {match.group(1)}(") <= LINE_LENGTH:
        return None
    return text


_ENDPOINT = re.compile(r"(_[A-Za-z0-9_]*): Endpoint\[(.+)\] = Endpoint\(")


def _endpoint_declaration(job: Job) -> str | None:
    """black's split of a resource module's long ``_NAME: Endpoint[T] = Endpoint(`` declaration (its
    call already exploded, one argument per line), written directly. When the line up to ``= (`` fits,
    black wraps the call in parentheses and indents it; otherwise it splits the subscript, with ``T`` on
    one line or, for a union of plain names, one member per line (where ``NAME: Endpoint[`` is too long
    but ``NAME: (`` fits, black may wrap the annotation in parentheses instead: left to black); where
    the first line fits, the declaration keeps its shape. A response entry too long for its line
    (``"200": ("json", lambda: _models.Name),``) is exploded as black explodes it, its lambda's union
    split at ``|`` where that does not fit either; a line black cannot split (a string argument, a
    keyword bound to one, a name of an exploded entry, ``NAME: Endpoint[`` itself) stays long. Anything
    else still too long is left to black. ``tests/test_format.py`` holds this to black."""
    _, text, indent, header = job
    lines = text.rstrip("\n").split("\n")
    match = _ENDPOINT.fullmatch(lines[0])
    if header or indent or match is None or lines[-1] != ")" or not lines[-2].endswith(","):
        return None  # not the exploded call the templates write
    if any('"""' in line or "'''" in line for line in lines):
        return None  # re-indenting would change a multi-line string
    name, annotation = match.groups()
    head = f"{name}: Endpoint["
    if len(lines[0]) <= LINE_LENGTH:
        out = list(lines)  # only a line of the call is long: the declaration keeps its shape
    elif len(f"{name}: Endpoint[{annotation}] = (") <= LINE_LENGTH:
        out = [
            f"{name}: Endpoint[{annotation}] = (",
            "    Endpoint(",
            *("    " + line if line else line for line in lines[1:]),
            ")",
        ]
    elif len(head) > LINE_LENGTH and len(f"{name}: (") <= LINE_LENGTH:
        return None  # black's choice between the two splits of the annotation is its own here
    else:
        members = annotation.split(" | ")
        if len("    " + annotation) <= LINE_LENGTH:
            middle = ["    " + annotation]
        elif len(members) > 1 and all(_IDENTIFIER.fullmatch(m) for m in members):
            middle = _one_per_line(members, "    ")
        else:
            return None
        out = [head, *middle, "] = Endpoint(", *lines[1:]]
    pieces = [_exploded_entry(line) for line in out]
    if any(piece is None for piece in pieces):
        return None
    entries = {row for piece in pieces if piece is not None and len(piece) > 1 for row in piece}
    out = [row for piece in pieces if piece is not None for row in piece]
    if any(len(row) > LINE_LENGTH and not (row in entries or _UNSPLITTABLE.fullmatch(row)) for row in out[1:]):
        return None
    if len(out[0]) > LINE_LENGTH and out[0] != head:
        return None
    return "\n".join(out) + "\n"


#: A response entry of an ``Endpoint`` declaration: ``"200": ("json", lambda: _models.Name | None),``.
_ENTRY_MEMBER = r"[A-Za-z_][A-Za-z0-9_.]*(?:\[[A-Za-z0-9_., ]*\])?"
_ENTRY = re.compile(rf'( *)("[^"\\]*"): \(("[^"\\]*"), lambda: ({_ENTRY_MEMBER}(?: \| {_ENTRY_MEMBER})*)\),')
#: What black cannot split in a declaration: a string argument, or a keyword bound to one.
_UNSPLITTABLE = re.compile(r' *(?:[a-z_]+=)?"[^"\\]*",')


def _exploded_entry(line: str) -> list[str] | None:
    """A response entry too long for its line as black explodes it: one item a line and a trailing comma,
    the lambda's union split at its ``|`` where it does not fit either (a name too long for its line
    stays so); None where a line would still hold brackets black splits inside."""
    match = _ENTRY.fullmatch(line)
    if len(line) <= LINE_LENGTH or match is None:
        return [line]
    pad, key, kind, value = match.groups()
    inner = pad + "    "
    if len(f"{inner}lambda: {value},") <= LINE_LENGTH:
        body = [f"{inner}lambda: {value},"]
    else:
        members = value.split(" | ")
        body = _one_per_line(members, inner)
        body[0] = f"{inner}lambda: {members[0]}"
        body[-1] += ","
        if any(len(row) > LINE_LENGTH and "[" in row for row in body):
            return None
    return [f"{pad}{key}: (", f"{inner}{kind},", *body, f"{pad}),"]


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_LIST_OF_NAME = re.compile(r"list\[([A-Za-z_][A-Za-z0-9_.]*)\]")


def _parameter_rows(line: str, indent: int) -> list[str] | None:
    """One parameter line of an exploded signature (``name: A | B = None,``, at ``indent``) as black lays
    it out, in rows relative to ``indent``: as it is where it fits or is one name black cannot split;
    else its annotation in parentheses, on one line where it fits, else one member a line; None where
    black would do otherwise (a bracket to split inside, a default of another kind)."""
    if indent + len(line) <= LINE_LENGTH:
        return [line]
    match = _PARAMETER.fullmatch(line)
    if match is None:
        return None
    name, annotation, default = match.groups()
    members = annotation.split(" | ")
    if len(members) == 1:
        return None if default or "[" in annotation else [line]  # one name: nothing black splits
    if indent + 4 + len(annotation) <= LINE_LENGTH:
        body = [f"    {annotation}"]
    else:
        body = _one_per_line(members, "    ")
        first = _LIST_OF_NAME.fullmatch(members[0])
        if first is not None and indent + len(body[0]) > LINE_LENGTH:  # black splits inside its brackets
            body[:1] = ["    list[", f"        {first.group(1)}", "    ]"]
    if any(indent + len(row) > LINE_LENGTH and "[" in row for row in body):
        return None
    return [f"{name}: (", *body, f"){default or ''},"]


def lay_out_parameter(line: str, indent: int) -> str:
    """A parameter line (without its trailing comma) at ``indent`` as black lays it out
    (``_parameter_rows``), the rows after the first indented; as it is where black is needed. The
    templates write their signatures' parameters with it."""
    rows = _parameter_rows(line + ",", indent)
    if rows is None or any(indent + len(row) > LINE_LENGTH and not black_keeps(row.lstrip()) for row in rows):
        return line + ","
    return "\n".join([rows[0], *(" " * indent + row for row in rows[1:])])


_PARAMETER = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*): ({_MEMBER}(?: \| {_MEMBER})*)( = None)?,")
_INIT_HEADER = re.compile(r"def __init__\(self, ([A-Za-z_][A-Za-z0-9_]*): ([A-Za-z_][A-Za-z0-9_.]*)\) -> None:")


def _signature(job: Job) -> str | None:
    """black's split of a method header the templates write exploded (``def name(``, one parameter a
    line with a trailing comma, ``) -> T:``, decorators above) whose long lines are parameters typed by
    a union of names, ``list[Name]`` or ``dict[str, Name]`` (Microsoft Graph's ``select: list[...] |
    None = None``), written directly: the annotation wrapped in parentheses, on one line where it fits,
    else one member a line, the default after the parenthesis. A ``def name(`` too long for any line
    stays so, as black keeps it; and a wrapper class's ``def __init__(self, resource: Name) -> None:``
    is split as black splits it. Anything else is left to black. ``tests/test_format.py`` holds this to
    black."""
    _, text, indent, header = job
    lines = text.rstrip("\n").split("\n")
    init = _INIT_HEADER.fullmatch(lines[-1])
    if (
        header
        and init is not None
        and all(line.startswith("@") and len(line) + indent <= LINE_LENGTH for line in lines[:-1])
    ):
        name, annotation = init.groups()
        one = f"    self, {name}: {annotation}"
        middle = [one] if indent + len(one) <= LINE_LENGTH else ["    self,", f"    {name}: {annotation},"]
        return "\n".join([*lines[:-1], "def __init__(", *middle, ") -> None:"]) + "\n"
    opening = next((i for i, line in enumerate(lines) if not line.startswith("@")), None)
    if not header or opening is None or not _DEF_OPEN.fullmatch(lines[opening]) or not lines[-1].startswith(") -> "):
        return None
    out = lines[: opening + 1]
    for line in lines[opening + 1 : -1]:
        rows = _parameter_rows(line[4:], indent + 4) if line.startswith("    ") else None
        if rows is None:
            return None
        out += ["    " + row for row in rows]
    out.append(lines[-1])
    if any(indent + len(line) > LINE_LENGTH for line in out[:opening]) or any(
        indent + len(line) > LINE_LENGTH and ("[" in line or line.startswith(")")) for line in out[opening + 1 :]
    ):
        return None
    return "\n".join(out) + "\n"


_SELF_HEADER = re.compile(r"((?:async )?def [A-Za-z_][A-Za-z0-9_]*\()self\) -> ([A-Za-z_][A-Za-z0-9_.]*):")
_WIRE_SET = re.compile(r"(__wire_[a-z_]+__) = frozenset\(\{(.+)\}\)\n")


def _self_header(job: Job) -> str | None:
    """black's split of a long ``def name(self) -> Name:`` header (a client's resource properties, their
    decorators above), written directly: ``self`` on a line of its own with a magic trailing comma, where
    ``def name(`` and ``) -> Name:`` each fit. A return type with brackets, or anything else, is left to
    black. ``tests/test_format.py`` holds this to black."""
    _, text, indent, header = job
    lines = text.rstrip("\n").split("\n")
    match = _SELF_HEADER.fullmatch(lines[-1])
    width = LINE_LENGTH - indent
    if not header or match is None or any(not line.startswith("@") or len(line) > width for line in lines[:-1]):
        return None
    opening, returned = match.groups()
    closing = f") -> {returned}:"
    if len(opening) > width or len(closing) > width:
        return None
    return "\n".join([*lines[:-1], opening, "    self,", closing]) + "\n"


def _wire_set(job: Job) -> str | None:
    """black's split of a model's long ``__wire_...__ = frozenset({"a", "b"})`` (the wire names it reads
    at run time), written directly (``set_layout``). ``tests/test_format.py`` holds this to black."""
    _, text, indent, header = job
    match = _WIRE_SET.fullmatch(text)
    if header or match is None:
        return None
    name, _ = match.groups()
    try:
        node = ast.parse(text).body[0]
    except SyntaxError:
        return None
    value = node.value if isinstance(node, ast.Assign) else None
    if not (isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Set)):
        return None
    elements = value.args[0].elts
    if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements):
        return None
    items = _segments(text, elements)
    layout = set_layout(f"{name} = frozenset(", items, indent)
    if layout == "inner":
        return f"{name} = frozenset(\n    {{{', '.join(items)}}}\n)\n"
    if layout == "exploded":
        return f"{name} = frozenset(\n    {{\n" + "".join(f"        {item},\n" for item in items) + "    }\n)\n"
    return None


def set_layout(head: str, items: list[str], indent: int) -> str:
    """How black lays out ``HEAD{ITEMS})`` (a set of literals, the only argument of a call) at ``indent``:
    ``"line"`` where it fits, else ``"inner"`` (the set on a line of its own inside the call) where that
    fits, else ``"exploded"`` (one item per line, with a trailing comma); ``"black"`` for what is left to
    black: a lone item (black adds no trailing comma to it) or a head too long for its line. The
    templates lay out a model's wire-name sets with it (so a model class is black-stable as rendered),
    and ``_wire_set`` a set they did not."""
    one = ", ".join(items)
    if indent + len(head) + len(one) + 3 <= LINE_LENGTH:
        return "line"
    if len(items) < 2 or indent + len(head) > LINE_LENGTH:
        return "black"
    if indent + 4 + len(one) + 2 <= LINE_LENGTH:
        return "inner"
    return "exploded"


def _segments(text: str, nodes: list[ast.expr]) -> list[str]:
    """The source text of each of ``nodes`` (parsed from ``text``): ``ast.get_source_segment`` without
    splitting the text again for each node (a set of a thousand names is one statement)."""
    lines = text.encode("utf-8").split(b"\n")
    out = []
    for node in nodes:
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        if first == last:
            piece = lines[first][node.col_offset : node.end_col_offset]
        else:
            piece = b"\n".join(
                [lines[first][node.col_offset :], *lines[first + 1 : last], lines[last][: node.end_col_offset]]
            )
        out.append(piece.decode("utf-8"))
    return out


#: What black is asked to do: ("chunk", text, 0, False) formats a whole chunk; ("unit", text, indent,
#: header) one statement, dedented from ``indent`` (a class or function header when ``header``).
Job = tuple[str, str, int, bool]

#: Runs jobs through black, in order; None for a job black refuses. ``run_jobs`` is the plain one; the
#: speed layer's adds a cache and worker processes (``generator.speed.formatting``).
Runner = Callable[[list[Job]], list[str | None]]


def black_job(job: Job) -> str | None:
    """One job through black (see ``Job``); None when black refuses the text. A statement is formatted
    with the line length less its indentation (black measures a nested line with its indentation, so
    this is the same test); a header gets a ``pass`` body to parse, dropped again."""
    import black

    kind, text, indent, header = job
    try:
        if kind == "chunk":
            return str(black.format_str(text, mode=black_mode()))
        out = str(black.format_str(text + ("    pass\n" if header else ""), mode=black_mode(LINE_LENGTH - indent)))
    except black.InvalidInput:
        return None
    if header:
        if not out.endswith("    pass\n"):
            return None  # black moved the body: the statement is not a plain header
        out = out[: -len("    pass\n")]
    return out


def run_jobs(jobs: list[Job]) -> list[str | None]:
    return [black_job(job) for job in jobs]


def lay_out(statement: str, indent: int) -> str:
    """One simple statement (a line, without its newline, at ``indent``) as black lays it out, where a rule
    here says how and every line then fits, with the lines after the first indented; else as it is, for
    the formatter. The templates call this (``render.wrapped_call``) so that a chunk of many such statements is
    black-stable as rendered and never parsed for formatting."""
    if indent + len(statement) <= LINE_LENGTH:
        return statement
    text = _written(("unit", statement + "\n", indent, False))
    pad = " " * indent
    if text is None or any(indent + len(line) > LINE_LENGTH for line in text.split("\n")):
        # A line still too long would leave the chunk to be parsed, and this statement, laid out already,
        # no longer matches its rule: as one line, the formatter writes it by the same rule.
        return statement
    first, *rest = text.rstrip("\n").split("\n")
    return "\n".join([first, *(pad + line if line else line for line in rest)])


def _written(job: Job) -> str | None:
    """The statement of ``job`` as black would format it, where a rule here says how; else None."""
    for rule in (
        _union_field,
        _list_union_field,
        _annotated_field,
        _long_constant,
        _endpoint_declaration,
        _class_header,
        _wrapped_method,
        _returned_call,
        _self_header,
        _signature,
        _wire_set,
    ):
        text = rule(job)
        if text is not None:
            return text
    return None


#: How one statement of a chunk is put back: (first line, last line, indentation, text written directly
#: or None, index of its black job or None).
Step = tuple[int, int, int, str | None, int | None]


@dataclass(frozen=True)
class Plan:
    """What formatting some chunks needs from black (``jobs``), and how each chunk that is not kept as it
    is gets put back (``steps``: by chunk, the index of its whole-chunk job or its statements' steps)."""

    chunks: list[str]
    steps: dict[int, int | list[Step]]
    jobs: list[Job]
    wholes: list[tuple[int, str]] = field(default_factory=list)  # (chunk, why black takes it whole)


def plan(chunks: list[str]) -> Plan:
    """A stable chunk is kept as it is; for the others the statements to reformat are found and written
    directly where a rule says how black splits them, and only what is left becomes a job for black. A
    chunk whose statements cannot all be done alone is one job, whole."""
    steps: dict[int, int | list[Step]] = {}
    jobs: list[Job] = []
    wholes: list[tuple[int, str]] = []
    for i, chunk in enumerate(chunks):
        verdict = _unstable_lines(chunk)
        if verdict == []:
            continue
        own = _unit_jobs(chunk, verdict)
        if own is None:
            steps[i] = len(jobs)
            jobs.append(("chunk", chunk, 0, False))
            wholes.append((i, why_whole(chunk)))
            continue
        mine: list[Step] = []
        for first, last, job in own:
            text = _written(job)
            mine.append((first, last, job[2], text, None if text is not None else len(jobs)))
            if text is None:
                jobs.append(job)
        steps[i] = mine
    return Plan(chunks, steps, jobs, wholes)


def why_whole(chunk: str) -> str:
    """Why black takes ``chunk`` whole rather than the statements of its long lines alone (``plan``), in
    words, with the line (1-based, in the chunk): what a template or a spec string did to cost the fast
    path. Run only for chunks that go whole."""
    if "\t" in chunk:
        return "a tab"
    if " \n" in chunk or chunk.endswith(" "):
        return "trailing whitespace"
    lines = chunk.split("\n")
    for n, line in enumerate(lines, 1):
        if line.endswith("\\"):
            return f"a backslash continuation (line {n})"
    try:
        tree = ast.parse(chunk)
    except SyntaxError as exc:
        return f"not valid Python alone (line {exc.lineno})"
    docstrings = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    for node in docstrings:
        n = node.end_lineno or node.lineno
        if n > node.lineno and len(lines[n - 1]) > LINE_LENGTH:
            return f"a docstring's closing line of {len(lines[n - 1])} columns (line {n}): black moves its quotes"
    strings = {n for node in docstrings for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    long = [n for n, line in enumerate(lines, 1) if len(line) > LINE_LENGTH]
    for n in long:
        if n in strings:
            return f"a docstring line of {len(lines[n - 1])} columns (line {n}) where it cannot be formatted alone"
    if long:
        n = long[0]
        return f"a statement of {len(lines[n - 1])} columns (line {n}) that cannot be formatted alone"
    return "a docstring left open or closed on a long line"


def apply(plan: Plan, done: list[str | None], run: Runner = run_jobs) -> list[str] | None:
    """The chunks of ``plan`` formatted, given black's results for its jobs (``done``); None when black
    refuses a chunk as a whole. A chunk with a statement black refuses alone goes through black whole
    (through ``run``)."""
    out = list(plan.chunks)
    retry: list[int] = []
    for i, step in plan.steps.items():
        if isinstance(step, int):
            whole = done[step]
            if whole is None:
                return None
            out[i] = whole
            continue
        if any(unit is not None and done[unit] is None for _, _, _, _, unit in step):
            retry.append(i)
            continue
        lines = plan.chunks[i].split("\n")
        for first, last, indent, text, unit in reversed(step):
            written = done[unit] if unit is not None else text
            pad = " " * indent
            lines[first : last + 1] = [
                pad + line if line else line for line in (written or "").rstrip("\n").split("\n")
            ]
        out[i] = "\n".join(lines)
    if retry:
        again = run([("chunk", plan.chunks[i], 0, False) for i in retry])
        for i, whole in zip(retry, again):
            if whole is None:
                return None
            out[i] = whole
    return out


def format_chunks(chunks: list[str], run: Runner = run_jobs) -> list[str] | None:
    """Each chunk black-formatted (``plan``, then ``apply`` with black's results for the plan's jobs,
    all in one call of ``run``); None when black refuses a chunk as a whole."""
    todo = plan(chunks)
    return apply(todo, run(todo.jobs), run)


def _unit_jobs(chunk: str, long_lines: list[int] | None) -> list[tuple[int, int, Job]] | None:
    """(first line, last line, black job) for each statement of the chunk to format alone, or ``None``
    when the chunk goes through black whole."""
    units = _units(chunk, long_lines)
    if units is None:
        return None
    lines = chunk.split("\n")
    own = []
    for first, last, header in units:
        indent = len(lines[first]) - len(lines[first].lstrip(" "))
        body = lines[first : last + 1]
        if any(line and not line.startswith(" " * indent) for line in body):
            return None  # a multi-line string below the statement's indentation
        own.append((first, last, ("unit", "\n".join(line[indent:] for line in body) + "\n", indent, header)))
    return own


def format_python(text: str, path: str = "<generated>", run: Runner = run_jobs) -> str:
    """One module black-formatted (see the module docstring for how): by chunks where that can be done,
    else by black whole. Raises ``FormatError`` when black refuses the module (a template bug)."""
    chunks = format_chunks(split(text), run)
    if chunks is not None:
        return join(chunks)
    whole = run([("chunk", text, 0, False)])[0]
    if whole is None:
        raise FormatError(f"generated {path} is not valid Python")
    return whole


class FormatError(RuntimeError):
    """black refused a generated module: the templates produced invalid Python (a bug)."""


@dataclass(frozen=True)
class Prepared:
    """Files rendered and planned for formatting (``prepare``): black's jobs for all of them are
    ``plan.jobs``, and ``finish`` puts the files together from black's results."""

    files: dict[str, str]
    python: list[str]  # the .py files, in order
    counts: list[int]  # how many chunks of ``plan`` each has
    plan: Plan

    def told(self) -> list[str]:
        """Each chunk black takes whole, as ``path: `first line` whole: why`` (``generate -v``)."""
        owner: list[str] = [path for path, count in zip(self.python, self.counts) for _ in range(count)]
        out = []
        for i, why in self.plan.wholes:
            head = next((line.strip() for line in self.plan.chunks[i].split("\n") if line.strip()), "")
            out.append(f"{owner[i]}: `{head[:60]}` went to black whole: {why}")
        return out


def prepare(files: dict[str, str], formatted: Collection[str] = ()) -> Prepared:
    """``files`` planned for formatting; the paths in ``formatted`` are black's style already (the
    runtime modules, stored formatted: ``tests/test_format.py`` holds them to black) and kept as
    they are."""
    python = [p for p in files if p.endswith(".py") and p not in formatted]
    pieces = [split(files[p]) for p in python]
    return Prepared(files, python, [len(c) for c in pieces], plan([c for chunks in pieces for c in chunks]))


def finish(prepared: Prepared, done: list[str | None], run: Runner = run_jobs) -> dict[str, str]:
    """The files of ``prepared``, formatted with black's results for its jobs (``done``). Should black
    refuse a chunk as a whole, each file is formatted on its own (``format_python``: by chunks where
    that can be done, else by black whole)."""
    formatted = apply(prepared.plan, done, run)
    out = dict(prepared.files)
    position = 0
    for path, count in zip(prepared.python, prepared.counts):
        if formatted is None:
            out[path] = format_python(prepared.files[path], path, run)
        elif count:
            out[path] = join(formatted[position : position + count])
        position += count
    return out


def format_files(files: dict[str, str], run: Runner = run_jobs) -> dict[str, str]:
    """Every ``.py`` file formatted (``prepare``, then ``finish`` with black's results for all the files'
    jobs at once, so a runner with worker processes shares them out across files)."""
    prepared = prepare(files)
    return finish(prepared, run(prepared.plan.jobs), run)
