"""Every escaping filter sits where its output belongs: checked from the templates' own text.

``escape`` makes document text safe for one lexical place each (a literal in code, the inside of a
triple-quoted string, a comment, a line of Markdown). Whether a ``{{ x | comment }}`` really is inside a
comment is decided by the template's text around it, so that is what this module reads: it lexes each
template's literal text as the language of the file it generates (Python, TOML, Markdown with Python
code blocks), following every branch, loop and macro call, and keeps the set of places the output can be
in at each ``{{ }}``. A use is accepted when its filter's place holds on every path:

- ``pyrepr`` in Python code, ``toml_str`` in TOML code (a complete literal: it must not be inside a string);
- ``docstring`` inside a ``\"\"\"`` string (not an f-string);
- ``comment`` inside a comment;
- ``md_line`` in Markdown text (not in a code block).

An escaping filter must be the last filter of its ``{{ }}`` (``close_docstring`` after ``docstring``
aside); ``first_sentence`` and ``first_line`` only under a text filter; none may feed ``set``, a loop, a
macro's arguments or another filter's input, where its output would be printed without a place. No
template may read ``unescaped`` or an attribute starting with ``_``. What a ``{{ }}`` without an
escaping filter prints (an identifier, an annotation, an import line) is generator text and is taken not
to move the lexical state.

``check(sources)`` returns the problems found, each with the template and line; ``render.environment``
refuses to render with templates that have any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

import jinja2
from jinja2 import nodes

from .escape import ESCAPING, TEXT_TO_TEXT

State = tuple[object, ...]
CODE: State = ("code",)
COMMENT: State = ("comment",)
DOCSTRING: State = ("str", '"', True, False)

#: In Python code: a comment, or a string with its prefix.
_CODE_NEXT = re.compile(r"#|(?<![\w])(?P<prefix>[rRbBfFuU]{1,2})?(?P<quote>\"\"\"|'''|\"|')")
_ENDS = {
    ('"', True): re.compile(r'\\.|"""', re.S),
    ("'", True): re.compile(r"\\.|'''", re.S),
    ('"', False): re.compile(r'\\.|"|\n', re.S),
    ("'", False): re.compile(r"\\.|'|\n", re.S),
}


def _python(state: State, text: str, problems: list[str]) -> State:
    """The lexical place after ``text``, starting at ``state`` (Python and TOML share these tokens)."""
    i, n = 0, len(text)
    while i < n:
        if state == CODE:
            found = _CODE_NEXT.search(text, i)
            if found is None:
                return CODE
            i = found.end()
            if found.group() == "#":
                state = COMMENT
            else:
                quote = found.group("quote")
                prefix = (found.group("prefix") or "").lower()
                state = ("str", quote[0], len(quote) == 3, "f" in prefix)
        elif state == COMMENT:
            end = text.find("\n", i)
            if end < 0:
                return COMMENT
            state, i = CODE, end + 1
        else:
            _, quote, triple, _ = state
            pattern = _ENDS[(str(quote), bool(triple))]
            while True:
                found = pattern.search(text, i)
                if found is None:
                    return state
                i = found.end()
                if found.group().startswith("\\"):
                    continue
                if found.group() == "\n":
                    problems.append("a one-line string is left open at the end of a line")
                state = CODE
                break
    return state


def _markdown(state: State, text: str, problems: list[str]) -> State:
    """Markdown: text, or a fenced code block (``python`` blocks lexed as Python). The state is
    ("md", at line start, None) or ("md", at line start, (language, Python state))."""
    bol = bool(state[1])
    fence = cast("tuple[str, State] | None", state[2])
    i, n = 0, len(text)
    while i < n:
        if bol and text.startswith("```", i):
            end = text.find("\n", i)
            stop = n if end < 0 else end + 1
            if fence is None:
                language = text[i + 3 : stop].strip()
                fence = (language, CODE)
            else:
                fence = None
            i, bol = stop, end >= 0
            continue
        end = text.find("\n", i)
        stop = n if end < 0 else end + 1
        if fence is not None and fence[0] in ("python", "py"):
            fence = (fence[0], _python(fence[1], text[i:stop], problems))
        i, bol = stop, end >= 0
    return ("md", bol, fence)


@dataclass(frozen=True)
class Language:
    name: str
    start: State
    #: For each escaping filter, the places its output may be printed in.
    places: Mapping[str, frozenset[State]]

    def advance(self, state: State, text: str, problems: list[str]) -> State:
        if self.name == "markdown":
            return _markdown(state, text, problems)
        return _python(state, text, problems)

    def allows(self, filter_name: str, state: State) -> bool:
        if self.name == "markdown":
            fence = cast("tuple[str, State] | None", state[2])
            if fence is None:
                return filter_name == "md_line"
            language, inner = fence
            return language in ("python", "py") and inner in PYTHON.places.get(filter_name, frozenset())
        return state in self.places.get(filter_name, frozenset())


PYTHON = Language(
    "python", CODE, {"pyrepr": frozenset({CODE}), "docstring": frozenset({DOCSTRING}), "comment": frozenset({COMMENT})}
)
TOML = Language("toml", CODE, {"toml_str": frozenset({CODE}), "comment": frozenset({COMMENT})})
MARKDOWN = Language("markdown", ("md", True, None), {})


def language(template: str) -> Language:
    if template.endswith(".md.jinja"):
        return MARKDOWN
    if template.endswith(".toml.jinja"):
        return TOML
    return PYTHON


def _parsed(env: jinja2.Environment, name: str, source: str) -> nodes.Template:
    """A template's syntax tree, parsed once per environment and source (the macros every template
    imports are read by the check of each)."""
    trees: dict[tuple[str, str], nodes.Template] = env.__dict__.setdefault("_checked_trees", {})
    key = (name, source)
    if key not in trees:
        trees[key] = env.parse(source, name)
    return trees[key]


@dataclass
class _Analysis:
    env: jinja2.Environment
    sources: Mapping[str, str] | None = None  # else the environment's loader
    problems: list[str] = field(default_factory=list)
    _parsed: dict[str, nodes.Template] = field(default_factory=dict)
    _macros: dict[tuple[str, str], nodes.Macro] = field(default_factory=dict)
    _imports: dict[str, dict[str, str]] = field(default_factory=dict)
    _memo: dict[tuple[str, str, frozenset[State], str], frozenset[State]] = field(default_factory=dict)

    def parse(self, name: str, tree: nodes.Template | None = None) -> nodes.Template:
        if name not in self._parsed:
            if tree is None:
                if self.sources is not None:
                    source = self.sources[name]
                else:
                    assert self.env.loader is not None
                    source = self.env.loader.get_source(self.env, name)[0]
                tree = _parsed(self.env, name, source)
            self._parsed[name] = tree
            for node in tree.body:  # macros and imports are top-level statements
                if isinstance(node, nodes.Macro):
                    self._macros[(name, node.name)] = node
                elif isinstance(node, nodes.Import):
                    self._imports.setdefault(name, {})[node.target] = str(node.template.value)  # type: ignore[attr-defined]
        return self._parsed[name]

    def problem(self, template: str, node: nodes.Node, message: str) -> None:
        entry = f"templates/{template}:{node.lineno}: {message}"
        if entry not in self.problems:
            self.problems.append(entry)

    # -- statements ------------------------------------------------------------------------------

    def run(self, body: Iterable[nodes.Node], states: frozenset[State], ctx: _Where) -> frozenset[State]:
        for node in body:
            states = self.step(node, states, ctx)
        return states

    def step(self, node: nodes.Node, states: frozenset[State], ctx: _Where) -> frozenset[State]:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                states = self.output(child, states, ctx)
            return states
        if isinstance(node, nodes.If):
            out = self.run(node.body, states, ctx)
            for branch in node.elif_:
                self.quiet(branch.test, ctx)
                out |= self.run(branch.body, states, ctx)
            out |= self.run(node.else_, states, ctx) if node.else_ else states
            return out
        if isinstance(node, nodes.For):
            self.printless(node.iter, ctx, "a loop's items")
            seen, current = states, states
            for _ in range(16):
                after = self.run(node.body, current, ctx)
                if after <= seen:
                    break
                seen, current = seen | after, after
            else:
                self.problem(ctx.template, node, "the lexical place after this loop does not settle")
            return seen | (self.run(node.else_, states, ctx) if node.else_ else frozenset())
        if isinstance(node, nodes.Assign):
            self.printless(node.node, ctx, "a `set`")
            return states
        if isinstance(node, (nodes.Macro, nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Import):
                ctx.imports[node.target] = str(node.template.value)  # type: ignore[attr-defined]
            return states
        if isinstance(node, (nodes.Block, nodes.Scope, nodes.ScopedEvalContextModifier)):
            return self.run(node.body, states, ctx)
        self.problem(ctx.template, node, f"{type(node).__name__} is not supported in templates")
        return states

    # -- expressions -----------------------------------------------------------------------------

    def output(self, expr: nodes.Node, states: frozenset[State], ctx: _Where) -> frozenset[State]:
        lang = ctx.language
        if isinstance(expr, nodes.TemplateData):
            return self.lex(expr, expr.data, states, ctx)
        consts = _constants(expr)
        if consts is not None:
            out: frozenset[State] = frozenset()
            for text in consts:
                out |= self.lex(expr, text, states, ctx)
            return out
        macro = self.macro_call(expr, ctx)
        if macro is not None:
            template, body = macro
            return self.macro(template, body, states, ctx)
        self.forbidden_reads(expr, ctx)
        outer, inner = _filters(expr)
        if outer is not None:
            if inner - TEXT_TO_TEXT:
                self.problem(ctx.template, expr, f"`{outer}` must be the only escaping filter of its {{{{ }}}}")
            for state in states:
                if not lang.allows(outer, state):
                    self.problem(ctx.template, expr, f"`{outer}` is used {_describe(state)}: {_WHERE[outer]}")
            if _closes_docstring(expr):
                return frozenset({CODE}) if lang is PYTHON else frozenset(_after_close(s) for s in states)
            return states
        if inner & TEXT_TO_TEXT:
            self.problem(ctx.template, expr, "`first_sentence`/`first_line` give document text: escape it")
        for nested in inner - TEXT_TO_TEXT:
            if ESCAPING[nested] != "literal":
                self.problem(ctx.template, expr, f"`{nested}` must be the last filter of its {{{{ }}}}")
                continue
            for state in states:
                if not lang.allows(nested, state):
                    self.problem(ctx.template, expr, f"`{nested}` is used {_describe(state)}: {_WHERE[nested]}")
        return states

    def lex(self, node: nodes.Node, text: str, states: frozenset[State], ctx: _Where) -> frozenset[State]:
        scratch: list[str] = []
        out = frozenset(ctx.language.advance(state, text, scratch) for state in states)
        for message in scratch:
            self.problem(ctx.template, node, message)
        return out

    def macro_call(self, expr: nodes.Node, ctx: _Where) -> tuple[str, nodes.Macro] | None:
        if not isinstance(expr, nodes.Call):
            return None
        target = expr.node
        if isinstance(target, nodes.Name) and (ctx.template, target.name) in self._macros:
            found = (ctx.template, self._macros[(ctx.template, target.name)])
        elif (
            isinstance(target, nodes.Getattr)
            and isinstance(target.node, nodes.Name)
            and target.node.name in ctx.imports
        ):
            imported = ctx.imports[target.node.name]
            self.parse(imported)
            if (imported, target.attr) not in self._macros:
                self.problem(ctx.template, expr, f"no macro {target.attr!r} in {imported}")
                return None
            found = (imported, self._macros[(imported, target.attr)])
        else:
            return None
        for arg in [*expr.args, *(k.value for k in expr.kwargs)]:
            self.printless(arg, ctx, "a macro's arguments")
        return found

    def macro(self, template: str, body: nodes.Macro, states: frozenset[State], ctx: _Where) -> frozenset[State]:
        key = (template, body.name, states, ctx.language.name)
        if key not in self._memo:
            self._memo[key] = states  # a macro calling itself sees its entry states
            inner = _Where(template, ctx.language, dict(self._imports_of(template)))
            self._memo[key] = self.run(body.body, states, inner)
        return self._memo[key]

    def _imports_of(self, template: str) -> dict[str, str]:
        self.parse(template)
        return self._imports.get(template, {})

    def printless(self, expr: nodes.Node, ctx: _Where, what: str) -> None:
        """An expression whose value is not printed where it is written: no escaping filter may feed it."""
        self.forbidden_reads(expr, ctx)
        _, inner = _filters(expr, outer_allowed=False)
        for name in sorted(inner):
            self.problem(ctx.template, expr, f"`{name}` feeds {what}: its output would be printed without a place")

    def quiet(self, expr: nodes.Node, ctx: _Where) -> None:
        self.forbidden_reads(expr, ctx)

    def forbidden_reads(self, expr: nodes.Node, ctx: _Where) -> None:
        for node in [expr, *expr.find_all((nodes.Getattr, nodes.Getitem))]:
            if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
                continue
            attr = node.attr if isinstance(node, nodes.Getattr) else _const_str(node.arg)
            if attr is not None and (attr == "unescaped" or attr.startswith("_")):
                self.problem(ctx.template, node, f"templates may not read {attr!r}")


@dataclass
class _Where:
    template: str
    language: Language
    imports: dict[str, str]


_WHERE = {
    "pyrepr": "a Python literal belongs in code, not inside a string or comment",
    "toml_str": "a TOML string belongs in TOML code, not inside a string or comment",
    "docstring": 'docstring text belongs inside a """ string',
    "comment": "comment text belongs after #",
    "md_line": "Markdown text belongs outside code blocks",
}


def _describe(state: State) -> str:
    if state == CODE:
        return "in code"
    if state == COMMENT:
        return "in a comment"
    if state[0] == "str":
        _, quote, triple, f = state
        return f"inside a {'f-' if f else ''}string opened with {str(quote) * (3 if triple else 1)}"
    if state[0] == "md":
        fence = state[2]
        return "in Markdown text" if fence is None else f"in a {fence[0] or 'plain'} code block"  # type: ignore[index]
    return str(state)


def _after_close(state: State) -> State:
    if state[0] == "md" and state[2] is not None:
        return ("md", False, (state[2][0], CODE))  # type: ignore[index]
    return state


def _const_str(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _constants(expr: nodes.Node) -> list[str] | None:
    """Every text a constant expression can print (``{{ "{" }}``, ``{{ "async " if x }}``), else None."""
    if isinstance(expr, nodes.Const):
        return [str(expr.value)] if expr.value is not None else [""]
    if isinstance(expr, nodes.CondExpr):
        first = _constants(expr.expr1)
        second = _constants(expr.expr2) if expr.expr2 is not None else [""]
        if first is not None and second is not None:
            return first + second
    return None


def _closes_docstring(expr: nodes.Node) -> bool:
    return isinstance(expr, nodes.Filter) and expr.name == "close_docstring"


def _filters(expr: nodes.Node, outer_allowed: bool = True) -> tuple[str | None, set[str]]:
    """(the escaping filter that makes the output, if it is the last one applied; the escaping and
    text filters used anywhere else in the expression, ``map("pyrepr")`` included)."""
    outer: str | None = None
    skip: set[int] = set()
    if outer_allowed and isinstance(expr, nodes.Filter):
        if expr.name == "close_docstring" and isinstance(expr.node, nodes.Filter) and expr.node.name == "docstring":
            outer, skip = "docstring", {id(expr), id(expr.node)}
        elif expr.name in ESCAPING:
            outer, skip = expr.name, {id(expr)}
    inner: set[str] = set()
    for node in [expr, *expr.find_all(nodes.Filter)]:
        if not isinstance(node, nodes.Filter) or id(node) in skip:
            continue
        if node.name in ESCAPING or node.name in TEXT_TO_TEXT:
            inner.add(node.name)
        elif node.name == "close_docstring":
            inner.add("docstring")
        if node.name == "map" and node.args:
            named = _const_str(node.args[0])
            if named is not None and (named in ESCAPING or named in TEXT_TO_TEXT):
                inner.add(named)
    return outer, inner


def renders_file(name: str) -> bool:
    """Whether a template renders a file of its own (``_macros.jinja`` only holds fragments)."""
    return not name.startswith("_") or name == "_endpoints.py.jinja"


def check_template(env: jinja2.Environment, name: str, tree: nodes.Template) -> list[str]:
    """The problems of one template, parsed as ``tree``; the templates it imports come from ``env``."""
    analysis = _Analysis(env)
    analysis.parse(name, tree)
    lang = language(name)
    analysis.run(tree.body, frozenset({lang.start}), _Where(name, lang, {}))
    return analysis.problems


def check(env: jinja2.Environment, sources: Mapping[str, str]) -> list[str]:
    """The problems of every template in ``sources`` (name -> source) that renders a file, parsed with
    ``env``'s syntax."""
    plain = jinja2.Environment(
        trim_blocks=env.trim_blocks, lstrip_blocks=env.lstrip_blocks, keep_trailing_newline=env.keep_trailing_newline
    )
    analysis = _Analysis(plain, sources)
    for name in sorted(sources):
        if not renders_file(name):
            continue
        try:
            tree = analysis.parse(name)
        except jinja2.TemplateSyntaxError as exc:
            analysis.problems.append(f"templates/{name}:{exc.lineno}: {exc.message}")
            continue
        lang = language(name)
        analysis.run(tree.body, frozenset({lang.start}), _Where(name, lang, {}))
    return analysis.problems
