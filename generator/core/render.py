"""Render stage: IR -> {relative path: text}. Jinja2 only, no I/O beyond reading the templates.

Spec strings reach generated code only through the filters below, each escaping for the exact place the
string lands: ``pyrepr`` (a string literal), ``docstring`` (inside triple quotes), ``comment`` (after ``#``),
``toml_str`` (a TOML basic string) and ``md_line`` (one line of Markdown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

import jinja2

from ..config import TEMPLATES
from . import ir
from .format import LINE_LENGTH, black_quotes

RUNTIME_FILES = (
    "_runtime.py",
    "_model.py",
    "_auth.py",
    "_files.py",
    "_pagination.py",
    "_streaming.py",
    "errors.py",
)
TOOL = "specgen"


def pyrepr(value: Any) -> str:
    """A Python literal for a JSON scalar or a str; ``repr`` never yields executable code for these."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return _ascii_repr(value) if isinstance(value, str) else repr(value)
    raise TypeError(f"pyrepr takes scalars, not {type(value).__name__}")


def _ascii_repr(text: str) -> str:
    # ascii() escapes every non-ASCII character, so U+2028/U+2029 and friends never reach the source raw;
    # black's own quote choice (double unless that needs more escapes) keeps the line black-stable.
    return black_quotes(ascii(text))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\ufeff]")


def docstring(text: str, indent: int = 4) -> str:
    """Make arbitrary text safe inside a ``\"\"\"...\"\"\"`` docstring and indent continuation lines."""
    if text.isprintable() and "\\" not in text and '"' not in text:
        return text.strip()  # one line with nothing to escape (most of them): what _escaped gives
    return _escaped(text, indent)


def _escaped(text: str, indent: int) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    lines = [line.rstrip() for line in text.split("\n")]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    while collapsed and not collapsed[-1]:
        collapsed.pop()
    if collapsed:
        # black's docstring rules, so the result is already black-stable: the first line is stripped and
        # the common indentation of the others removed before they get the block's own.
        collapsed[0] = collapsed[0].strip()
        common = min((len(line) - len(line.lstrip()) for line in collapsed[1:] if line), default=0)
        collapsed[1:] = [line[common:] for line in collapsed[1:]]
    text = "\n".join((" " * indent + line) if line and i else line for i, line in enumerate(collapsed))
    if text.startswith('"'):
        text = " " + text
    return text


def close_docstring(text: str, indent: int = 4) -> str:
    """Closing quotes after a docstring body, on their own line when black would put them there (a
    multi-line docstring whose last line has no room left for them)."""
    # black pads a final quote (four quotes in a row would end the string early), measures the last line
    # with the padding, and drops the padding again when the closing quotes go on a line of their own.
    padded = text + " " if text.endswith('"') else text
    lines = padded.split("\n")
    if len(lines) > 1 and len(lines[-1]) + 3 > LINE_LENGTH:
        return text + "\n" + " " * indent + '"""'
    return padded + '"""'


def comment(text: str) -> str:
    """One line, safe after ``#``."""
    return _CONTROL.sub(" ", " ".join(str(text).split()))


def toml_str(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=True)


def md_line(text: str) -> str:
    line = comment(text)
    return line.replace("`", "'").replace("<", "&lt;").replace(">", "&gt;")


def first_sentence(text: str) -> str:
    line = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    return (match.group(1) if match else line)[:200]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        class_line=class_line,
        import_from=import_from,
        list_display=list_display,
        pyrepr=pyrepr,
        docstring=docstring,
        close_docstring=close_docstring,
        comment=comment,
        toml_str=toml_str,
        md_line=md_line,
        first_sentence=first_sentence,
    )
    return env


def class_line(name: str, base: str) -> str:
    """A top-level ``class Name(Base):`` line as black writes it: split around its one base when the
    line is too long (the only split black has for it)."""
    line = f"class {name}({base}):"
    return line if len(line) <= LINE_LENGTH else f"class {name}(\n    {base}\n):"


def import_from(names: list[str], module: str, indent: int = 0) -> str:
    """``from MODULE import A, B`` at ``indent`` as black writes it: one line when it fits, else one name
    per line in parentheses with a trailing comma (black always explodes an import it splits)."""
    line = f"from {module} import {', '.join(names)}"
    if indent + len(line) <= LINE_LENGTH:
        return line
    pad = " " * indent
    return f"from {module} import (\n" + "".join(f"{pad}    {name},\n" for name in names) + f"{pad})"


def list_display(items: list[str], head: str) -> str:
    """``HEAD[A, B]`` at the top level (``head`` such as ``__all__ = ``) as black writes it: one line
    when it fits, else one item per line with a trailing comma (black always explodes a list display it
    splits). ``items`` are Python source (see ``pyrepr``)."""
    line = f"{head}[{', '.join(items)}]"
    if len(line) <= LINE_LENGTH:
        return line
    return f"{head}[\n" + "".join(f"    {item},\n" for item in items) + "]"


def header(api: ir.Api, prefix: str = "# ") -> str:
    return f"{prefix}Code generated by {TOOL} from {comment(api.spec_label)}. DO NOT EDIT.\n"


def render(api: ir.Api, only: Collection[str] | None = None) -> dict[str, str]:
    """Every file of the package, keyed by POSIX path relative to the package's distribution folder, in
    the order of ``paths``; ``only`` limits it to those paths, for a caller that splits the work."""
    return {path: make() for path, make in _makers(api).items() if only is None or path in only}


def paths(api: ir.Api) -> list[str]:
    """The files ``render`` gives, in its order."""
    return list(_makers(api))


def render_versioned(api: ir.Api) -> dict[str, str]:
    """The files that show the package version (its metadata, ``__version__``, the User-Agent): all a
    new version changes, so the release step re-renders only these."""
    return render(api, only={"pyproject.toml", f"{api.package}/__init__.py", f"{api.package}/client.py"})


def verbatim(api: ir.Api) -> frozenset[str]:
    """The package's runtime modules: copied as stored (in black's style), so never reformatted."""
    names = (*RUNTIME_FILES, *(("_webhooks.py",) if api.webhooks else ()))
    return frozenset(f"{api.package}/{name}" for name in names)


def _makers(api: ir.Api) -> dict[str, Callable[[], str]]:
    """Each file of the package, in order, with what renders it (nothing is rendered here)."""
    env = environment()
    context = _context(api)
    pkg = api.package

    def template(name: str, **extra: Any) -> Callable[[], str]:
        return lambda: env.get_template(name).render(context, **extra)

    def runtime(name: str) -> Callable[[], str]:
        return lambda: header(api) + (TEMPLATES / "runtime" / name).read_text(encoding="utf-8")

    return {
        "pyproject.toml": template("pyproject.toml.jinja"),
        "README.md": template("README.md.jinja"),
        f"{pkg}/__init__.py": template("package_init.py.jinja"),
        f"{pkg}/py.typed": lambda: "",
        f"{pkg}/models.py": template("models.py.jinja"),
        f"{pkg}/client.py": template("client.py.jinja"),
        **({f"{pkg}/_endpoints.py": template("_endpoints.py.jinja")} if api.root_operations else {}),
        f"{pkg}/resources/__init__.py": template("resources_init.py.jinja"),
        **{f"{pkg}/resources/{m.module}.py": template("resource.py.jinja", module=m) for m in api.resource_modules},
        **(
            {f"{pkg}/webhooks.py": template("webhooks.py.jinja"), f"{pkg}/_webhooks.py": runtime("_webhooks.py")}
            if api.webhooks
            else {}
        ),
        **{f"{pkg}/{name}": runtime(name) for name in RUNTIME_FILES},
    }


def _context(api: ir.Api) -> dict[str, object]:
    return {"api": api, "header": header(api), "tool": TOOL}
