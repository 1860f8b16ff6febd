"""Format stage: black-formatted output without running black over everything.

black costs about 1 s per 1,000 lines, which on a large document (GitHub's: 180,000 generated lines) is
most of a generation. So a module is cut into its top-level statements (each class, function or decorated
definition with the comments above it), and each chunk is

- kept as rendered when it is already black-stable: the templates emit black's own style (double quotes
  as black would choose them, magic trailing commas, black's blank lines), and a chunk whose lines all fit
  in the line length has nothing left for black to change;
- otherwise only the statements holding a long line go through black: a model field, a class or ``def``
  header, an ``Endpoint`` declaration. black splits each logical line on its own, so such a statement is
  formatted alone, dedented, with the line length less its indentation, and put back in place (a chunk
  where that cannot be done safely goes through black whole);
- black's results are cached on disk by content (``.cache/specgen/black``) and, when there are many,
  computed in worker processes across the machine's cores.

Chunks are joined with black's two blank lines. ``tests/test_format.py`` holds this to black itself: for
every package the test suite generates, the result is byte-identical to ``black.format_str`` on the whole
module.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from functools import lru_cache
from typing import TYPE_CHECKING

from . import cache

if TYPE_CHECKING:
    import black

LINE_LENGTH = 100
CACHE = cache.ROOT / "black"
#: Worker processes for black pay for themselves (starting them costs about 0.1 s) above this much work,
#: estimated from black's cost per character and per call (about 1.5 ms even for one short statement).
PARALLEL_OVER_SECONDS = 0.3
_SECONDS_PER_CHAR = 7e-6
_SECONDS_PER_CALL = 1.5e-3
_memory: dict[str, str] = {}
_STARTS = ("class ", "def ", "async def ", "@")
_LONE_STRING = re.compile(r'"[^"\\]*",')


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
    """black's version, without importing black (60 ms): a generation whose formatting all comes from
    the caches never imports it."""
    from importlib import metadata

    try:
        return metadata.version("black")
    except metadata.PackageNotFoundError:
        import black

        return str(black.__version__)


@lru_cache(maxsize=None)
def black_mode(line_length: int = LINE_LENGTH) -> black.Mode:
    """black's settings for the generated code (at ``line_length``)."""
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310}, line_length=line_length)


def _key(text: str) -> str:
    return hashlib.sha256(f"{black_version()}\0{LINE_LENGTH}\0{text}".encode()).hexdigest()


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
    for begin, end in zip(starts, starts[1:] + [len(lines)]):
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
        if len(line) > LINE_LENGTH and not (stripped.startswith("#") or _LONE_STRING.fullmatch(stripped)):
            found.append(i)
    return None if in_docstring else found


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
    if any(a[1] >= b[0] for a, b in zip(ordered, ordered[1:])):
        return None  # a header and a statement of its body both long: black does the whole chunk
    return ordered


def _unit_at(body: list[ast.stmt], lineno: int) -> Unit | None:
    for stmt in body:
        if not stmt.lineno <= lineno <= (stmt.end_lineno or stmt.lineno):
            continue
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = stmt.body[0].lineno
            if lineno < first:  # in the header; its decorators are lines of their own
                return (stmt.lineno - 1, first - 2, True)
            return _unit_at(stmt.body, lineno)
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Raise, ast.Assert,
                             ast.Import, ast.ImportFrom, ast.Delete)):
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                return None  # a docstring: black's docstring rules depend on where it stands
            return (stmt.lineno - 1, (stmt.end_lineno or stmt.lineno) - 1, False)
        return None
    return None


_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_MEMBER = rf"{_NAME}(?:\[{_NAME}(?:, {_NAME})?\])?"  # a name, list[Name] or dict[str, Name]
_FIELD = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*): ({_MEMBER}(?: \| {_MEMBER})*)( = None)?\n")


def _union_field(job: tuple[str, int, bool]) -> str | None:
    """black's split of the commonest long statement, written directly: a field ``name: A | B | None``,
    with or without ``= None``, whose members are names, ``list[Name]`` or ``dict[str, Name]`` (nine
    in ten long statements of a large package). black first wraps the default when the line up to
    ``= (`` fits; otherwise it wraps the annotation in parentheses, on one line if it fits, else one
    member per line, where a member too long for its line stays as it is unless it has brackets to
    split at. Anything else (a lone bracketed annotation, which black splits inside its brackets, or a
    long bracketed member) is left to black. ``tests/test_format.py`` holds this to black over
    thousands of generated shapes."""
    text, indent, header = job
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
        lines = [inner + ("| " if i else "") + member for i, member in enumerate(members)]
    else:
        return None
    if any(len(line) > LINE_LENGTH and (len(lines) == 1 or "[" in line) for line in lines):
        return None
    body = "\n".join(line[indent:] for line in lines)
    return f"{name}: (\n{body}\n){default or ''}\n"


_CLASS_HEADER = re.compile(r"class ([A-Za-z_][A-Za-z0-9_]*)\(\n    ([A-Za-z_][A-Za-z0-9_.]*)\n\):\n")


def _class_header(job: tuple[str, int, bool]) -> str | None:
    """A top-level class header already split around its one base (``render.class_line``) whose
    ``class Name(`` alone is too long: black has no other split, so it stays as it is."""
    text, indent, header = job
    match = _CLASS_HEADER.fullmatch(text)
    if not header or indent or match is None or len(f"class {match.group(1)}(") <= LINE_LENGTH:
        return None
    return text


_ENDPOINT = re.compile(r"(_[A-Za-z0-9_]*): Endpoint\[(.+)\] = Endpoint\(")


def _endpoint_declaration(job: tuple[str, int, bool]) -> str | None:
    """black's split of a resource module's long ``_NAME: Endpoint[T] = Endpoint(`` declaration (its
    call already exploded, one argument per line), written directly. When the line up to ``= (`` fits,
    black wraps the call in parentheses and indents it; otherwise it splits the subscript, with ``T`` on
    one line or, for a union of plain names, one member per line. Anything else, or any line still too
    long, is left to black. ``tests/test_format.py`` holds this to black."""
    text, indent, header = job
    lines = text.rstrip("\n").split("\n")
    match = _ENDPOINT.fullmatch(lines[0])
    if header or indent or match is None or lines[-1] != ")" or not lines[-2].endswith(","):
        return None  # not the exploded call the templates write
    if any('"""' in line or "'''" in line for line in lines):
        return None  # re-indenting would change a multi-line string
    name, annotation = match.groups()
    if len(f"{name}: Endpoint[{annotation}] = (") <= LINE_LENGTH:
        out = [f"{name}: Endpoint[{annotation}] = (", "    Endpoint(", *("    " + line if line else line for line in lines[1:]), ")"]
    else:
        members = annotation.split(" | ")
        if len("    " + annotation) <= LINE_LENGTH:
            middle = ["    " + annotation]
        elif len(members) > 1 and all(_IDENTIFIER.fullmatch(m) for m in members):
            middle = ["    " + ("| " if i else "") + member for i, member in enumerate(members)]
        else:
            return None
        out = [f"{name}: Endpoint[", *middle, "] = Endpoint(", *lines[1:]]
    if any(len(line) > LINE_LENGTH for line in out):
        return None
    return "\n".join(out) + "\n"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _black(chunk: str) -> str:
    import black

    return str(black.format_str(chunk, mode=black_mode()))


def _black_unit(job: tuple[str, int, bool]) -> str:
    """One statement, dedented, formatted with the line length less its indentation (black measures a
    nested line with its indentation, so this is the same test). A header gets a ``pass`` body to parse,
    dropped again."""
    import black

    text, indent, header = job
    out = str(black.format_str(text + ("    pass\n" if header else ""), mode=black_mode(LINE_LENGTH - indent)))
    if header:
        out = out[: out.rindex("    pass\n")]
    return out


def _map(work: Callable[[Any], str], items: list[Any], sizes: list[int], parallel: bool = True) -> list[str]:
    """``work`` over ``items`` (of about ``sizes`` characters each), in worker processes when black's
    estimated time pays for starting them (and ``parallel``)."""
    estimate = sum(sizes) * _SECONDS_PER_CHAR + len(items) * _SECONDS_PER_CALL
    if parallel and estimate > PARALLEL_OVER_SECONDS and (os.cpu_count() or 1) > 1 and len(items) > 1:
        import multiprocessing

        from .workers import can_fork

        context = multiprocessing.get_context("fork") if can_fork() else None
        order = sorted(range(len(items)), key=lambda i: -sizes[i])  # the largest first: even shares
        with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=context) as pool:
            done = dict(zip(order, pool.map(work, [items[i] for i in order])))
        return [done[i] for i in range(len(items))]
    return [work(item) for item in items]


def read_cache(key: str, folder: Path | None = None) -> str | None:
    """A text cached under ``key`` (a hex digest) in ``folder`` (black's results by default), or None."""
    try:
        return ((folder or CACHE) / key[:2] / key).read_text(encoding="utf-8")
    except OSError:
        return None


def write_cache(key: str, text: str, folder: Path | None = None) -> None:
    cache.store((folder or CACHE) / key[:2] / key, text.encode("utf-8"))


#: What black is asked to do: a whole chunk (``_black``) or one statement (``_black_unit``).
BlackJob = tuple[Callable[[Any], str], Any]


def _run(job: BlackJob) -> str:
    work, argument = job
    return work(argument)


def _through_black(jobs: dict[str, BlackJob], parallel: bool) -> dict[str, str]:
    """Each job's result by its cache key: from the memory or disk cache, else from black (in worker
    processes when there is enough of it), then cached."""
    results: dict[str, str] = {}
    missing: list[str] = []
    for key in jobs:
        cached = _memory.get(key) or read_cache(key)
        if cached is None:
            missing.append(key)
        else:
            results[key] = cached
    work = [jobs[key] for key in missing]
    sizes = [len(argument if isinstance(argument, str) else argument[0]) for _, argument in work]
    for key, text in zip(missing, _map(_run, work, sizes, parallel)):
        write_cache(key, text)
        results[key] = text
    _memory.update(results)
    return results


def format_chunks(chunks: list[str], path: str = "<generated>", parallel: bool = True) -> list[str]:
    """Each chunk black-formatted (see the module docstring). A stable chunk is kept as it is; for the
    others the statements to reformat are found and written directly where a rule says how black splits
    them, and only what is left goes to black: one pass over the work, so worker processes are started
    only when black's own share is worth it (and ``parallel``)."""
    verdicts = [_unstable_lines(chunk) for chunk in chunks]
    todo = [i for i, verdict in enumerate(verdicts) if verdict != []]
    # Per chunk: the cache key of its whole-chunk job, or its statements as (first line, last line,
    # indentation, text written directly or None, cache key of its black job or None).
    plans: dict[int, str | list[tuple[int, int, int, str | None, str | None]]] = {}
    jobs: dict[str, BlackJob] = {}
    for i in todo:
        own = _unit_jobs(chunks[i], verdicts[i])
        if own is None:  # the whole chunk through black
            whole = _key(repr(chunks[i]))
            plans[i] = whole
            jobs[whole] = (_black, chunks[i])
            continue
        steps: list[tuple[int, int, int, str | None, str | None]] = []
        for first, last, job in own:
            text = _union_field(job) or _endpoint_declaration(job) or _class_header(job)
            unit = None if text is not None else _key(repr(job))
            if unit is not None:
                jobs[unit] = (_black_unit, job)
            steps.append((first, last, job[1], text, unit))
        plans[i] = steps
    try:
        done = _through_black(jobs, parallel)
    except Exception as exc:
        import black

        if isinstance(exc, black.InvalidInput):
            raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc
        raise
    out = list(chunks)
    for i, plan in plans.items():
        if isinstance(plan, str):
            out[i] = done[plan]
            continue
        lines = chunks[i].split("\n")
        for first, last, indent, text, unit in reversed(plan):
            written = done[unit] if unit is not None else text or ""
            pad = " " * indent
            lines[first : last + 1] = [pad + line if line else line for line in written.rstrip("\n").split("\n")]
        out[i] = "\n".join(lines)
    return out


def _unit_jobs(chunk: str, long_lines: list[int] | None) -> list[tuple[int, int, tuple[str, int, bool]]] | None:
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
        own.append((first, last, ("\n".join(line[indent:] for line in body) + "\n", indent, header)))
    return own


def format_python(text: str, path: str = "<generated>") -> str:
    """black-format one module (see the module docstring for how)."""
    return join(format_chunks(split(text), path))


def format_files(files: dict[str, str], parallel: bool = True) -> dict[str, str]:
    """Format every ``.py`` file. A ``black`` failure means the templates produced invalid Python: a bug,
    reported with the file name. All files' chunks go through one pool, so small files share its cost;
    ``parallel=False`` in a process that is itself a worker."""
    python = [p for p in files if p.endswith(".py")]
    pieces = {p: split(files[p]) for p in python}
    flat = [c for p in python for c in pieces[p]]
    try:
        formatted = format_chunks(flat, ", ".join(python[:3]), parallel)
    except RuntimeError:
        for p in python:  # name the file that is not valid Python
            format_chunks(pieces[p], p, parallel=False)
        raise
    out = dict(files)
    position = 0
    for p in python:
        count = len(pieces[p])
        out[p] = join(formatted[position : position + count]) if count else files[p]
        position += count
    return out
