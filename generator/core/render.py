"""Render stage: IR -> {relative path: text}. Jinja2 only, no I/O beyond reading the templates.

Document text (``escape.SpecText``) reaches generated code only through the escaping filters of
``core/escape.py``: the environment's ``finalize`` refuses to print it otherwise, and every template is
checked by ``core/template_check.py`` when it is compiled (each filter used where its output belongs), so
a template that would print document text unescaped, or escaped for another place, fails the
generation instead of reaching a user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

import jinja2

from ..config import TEMPLATES
from . import ir, template_check
from .escape import (
    SpecText,
    close_docstring,
    comment,
    docstring,
    first_line,
    first_sentence,
    md_line,
    pyrepr,
    toml_str,
)
from .format import LINE_LENGTH, lay_out, lay_out_parameter, set_layout

RUNTIME_FILES = (
    "_runtime.py",
    "_model.py",
    "_observations.py",
    "_tolerant.py",
    "_auth.py",
    "_files.py",
    "_pagination.py",
    "_streaming.py",
    "errors.py",
)
TOOL = "specgen"


class UnescapedText(Exception):
    """A template printed document text without escaping it, or escaped it for another place: a bug in
    the templates, which fails the generation instead of reaching generated code."""


def _finalize(value: object) -> object:
    """What every ``{{ }}`` prints passes here: document text must have gone through a filter."""
    if isinstance(value, SpecText):
        raise UnescapedText(f"a template printed document text without an escaping filter: {value!r}")
    return value


class _Environment(jinja2.Environment):
    """Compiling a template first checks where its escaping filters sit (``template_check``). Compiled
    templates are not kept between runs (no bytecode cache), so every template a run uses was checked
    in that run."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if name is not None and template_check.renders_file(name):
            problems = template_check.check_template(self, name, tree)
            if problems:
                raise UnescapedText("templates print document text unescaped:\n" + "\n".join(problems))
        return tree


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
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
        first_line=first_line,
        wrapped_call=_code_only(wrapped_call),
        laid_out=_code_only(lay_out),
        parameter=_code_only(lay_out_parameter),
    )
    env.globals.update(call_fits=call_fits, literal_set_layout=literal_set_layout)
    return env


def _code_only(layout: Callable[..., str]) -> Callable[..., str]:
    """A layout filter that takes generator text only: it re-lays code out, it escapes nothing, so
    document text handed to it (which a regular expression would give back as plain ``str``) fails the
    generation as printing it unescaped does."""

    def checked(*args: Any) -> str:
        if any(isinstance(arg, SpecText) for arg in args):
            raise UnescapedText(f"a template passed document text to a layout filter ({layout.__name__})")
        return layout(*args)

    return checked


def wrapped_call(name: str, wrapper: str, owner: str, indent: int = 8) -> str:
    """``self.NAME = WRAPPER(OWNER.NAME)`` in an ``__init__`` at ``indent``, as black lays it out
    (``format.lay_out``): a class of hundreds of them is then black-stable as rendered."""
    return lay_out(f"self.{name} = {wrapper}({owner}.{name})", indent)


def literal_set_layout(head: str, texts: list[SpecText], indent: int) -> str:
    """How black lays out ``HEAD{<texts as literals>})`` at ``indent`` (``format.set_layout``): the
    templates write a model's wire-name sets that way, each literal still printed by ``pyrepr``; on one
    line where a line would still be too long (the formatter then writes it by the same rule)."""
    items = [pyrepr(text) for text in texts]
    layout = set_layout(head, items, indent)
    if layout == "exploded" and any(indent + 8 + len(item) + 1 > LINE_LENGTH for item in items):
        return "line"  # a name too long for its own line: left whole, for the formatter's rule
    return layout


def call_fits(callee: str, text: SpecText, indent: int) -> bool:
    """Whether ``CALLEE(<text as a literal>)`` fits on one line at ``indent``; black puts a lone argument
    that does not on a line of its own (the templates' ``@deprecated(...)``)."""
    return indent + len(callee) + len(pyrepr(text)) + 2 <= LINE_LENGTH


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


__all__ = [
    "UnescapedText",
    "close_docstring",
    "comment",
    "docstring",
    "environment",
    "md_line",
    "pyrepr",
    "render",
    "toml_str",
]


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
        f"{pkg}/models/__init__.py": template("models_init.py.jinja"),
        **{f"{pkg}/models/{m.module}.py": template("models.py.jinja", module=m) for m in api.model_modules},
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
