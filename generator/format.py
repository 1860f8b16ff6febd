"""Format stage: black-formatted output without running black over everything.

black costs about 1 s per 1,000 lines, which on a large document (GitHub's: 180,000 generated lines) is
most of a generation. So a module is cut into its top-level statements (each class, function or decorated
definition with the comments above it), and each chunk is

- kept as rendered when it is already black-stable: the templates emit black's own style (double quotes
  as black would choose them, magic trailing commas, black's blank lines), and a chunk whose lines all fit
  in the line length has nothing left for black to change;
- otherwise formatted by black alone, with the result cached on disk by content (``.cache/specgen/black``),
  and, when there are many, in worker processes across the machine's cores.

Chunks are joined with black's two blank lines. ``tests/test_format.py`` holds this to black itself: for
every package the test suite generates, the result is byte-identical to ``black.format_str`` on the whole
module.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import black

LINE_LENGTH = 100
MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)
CACHE = Path(".cache") / "specgen" / "black"
#: Below this many characters of chunks to format, worker processes cost more than they save.
PARALLEL_OVER = 400_000
_memory: dict[str, str] = {}
_STARTS = ("class ", "def ", "async def ", "@")
_LONE_STRING = re.compile(r'"[^"\\]*",')


@lru_cache(maxsize=1)
def black_version() -> str:
    return black.__version__


def _key(text: str) -> str:
    return hashlib.sha256(f"{black.__version__}\0{LINE_LENGTH}\0{text}".encode()).hexdigest()


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
    """Whether black would leave this chunk as it is. Long code lines are black's business; so are tabs,
    trailing whitespace and backslash continuations, which the templates never emit on purpose. Inside a
    docstring (the templates write them as lines starting with triple quotes) a long line is left alone
    by black too, except the closing one of a multi-line docstring."""
    in_docstring = False
    for line in chunk.split("\n"):
        if line.endswith(" ") or "\t" in line:
            return False
        quotes = line.count('"""')
        if in_docstring:
            if quotes:
                in_docstring = False
                if len(line) > LINE_LENGTH:
                    return False
            continue
        stripped = line.lstrip()
        if stripped.startswith('"""'):
            in_docstring = quotes == 1  # opened here; a one-line docstring may be long
            continue
        if line.endswith("\\"):
            return False
        if len(line) > LINE_LENGTH and not (stripped.startswith("#") or _LONE_STRING.fullmatch(stripped)):
            return False  # black leaves a comment, or a lone string in an exploded collection, as it is
    return not in_docstring


def _black(chunk: str) -> str:
    return black.format_str(chunk, mode=MODE)


def _read_cache(key: str) -> str | None:
    try:
        return (CACHE / key[:2] / key).read_text(encoding="utf-8")
    except OSError:
        return None


def _write_cache(key: str, text: str) -> None:
    target = CACHE / key[:2] / key
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{key}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a cache that cannot be written only costs the next run some time


def format_chunks(chunks: list[str], path: str = "<generated>") -> list[str]:
    """Each chunk black-formatted: kept when stable, else from the memory or disk cache, else black (in
    parallel when there is enough of it)."""
    out: list[str | None] = [c if stable(c) else None for c in chunks]
    todo: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        if out[i] is not None:
            continue
        key = _key(chunk)
        cached = _memory.get(key) or _read_cache(key)
        if cached is not None:
            out[i] = _memory[key] = cached
        else:
            todo.setdefault(key, []).append(i)
    if todo:
        keys = list(todo)
        sources = [chunks[todo[k][0]] for k in keys]
        try:
            if sum(map(len, sources)) > PARALLEL_OVER and (os.cpu_count() or 1) > 1 and len(sources) > 1:
                import multiprocessing

                context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
                with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=context) as pool:
                    results = list(pool.map(_black, sources, chunksize=max(1, len(sources) // (8 * (os.cpu_count() or 1)))))
            else:
                results = [_black(s) for s in sources]
        except black.InvalidInput as exc:
            raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc
        for key, result in zip(keys, results):
            _memory[key] = result
            _write_cache(key, result)
            for i in todo[key]:
                out[i] = result
    return [c for c in out if c is not None]


def format_python(text: str, path: str = "<generated>") -> str:
    """black-format one module (see the module docstring for how)."""
    return join(format_chunks(split(text), path))


def format_files(files: dict[str, str]) -> dict[str, str]:
    """Format every ``.py`` file. A ``black`` failure means the templates produced invalid Python: a bug,
    reported with the file name. All files' chunks go through one pool, so small files share its cost."""
    python = [p for p in files if p.endswith(".py")]
    pieces = {p: split(files[p]) for p in python}
    flat = [c for p in python for c in pieces[p]]
    try:
        formatted = format_chunks(flat, ", ".join(python[:3]))
    except RuntimeError:
        for p in python:  # name the file that is not valid Python
            format_chunks(pieces[p], p)
        raise
    out = dict(files)
    position = 0
    for p in python:
        count = len(pieces[p])
        out[p] = join(formatted[position : position + count]) if count else files[p]
        position += count
    return out
