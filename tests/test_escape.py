"""The one escaping authority (``core/escape.py``) and what holds the templates to it
(``core/template_check.py``, the environment's ``finalize``, the IR's checks).

- Document text is a ``SpecText``: it cannot become a ``str`` by formatting or joining, only by a filter.
- Each filter's output is inert where it belongs, whatever the text (hypothesis draws it).
- A template that prints document text raw fails the generation; one that escapes it for another place
  (the two attacks that reached code: a path through ``comment`` into a docstring, a token URL printed
  raw into one) is refused before it renders anything.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize

import jinja2
import pytest
import tomllib
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.core import escape, ir, render, template_check
from generator.core.escape import SpecText
from generator.core.render import UnescapedText

TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ['"""', "'''", "\\", '"', "'", "\n", "\r", "#", "{{ x }}", "{% x %}", "\u2028", "\x00", '"""\\', '\\"""', '"\n"']
).flatmap(lambda s: st.lists(st.sampled_from([s, "a", " ", '"', "\\", "\n"]), max_size=8).map("".join))


# -- SpecText -----------------------------------------------------------------------------------------


def test_document_text_cannot_be_formatted_or_joined_into_code():
    text = SpecText('"""; import os')
    with pytest.raises(TypeError):
        str(text)
    with pytest.raises(TypeError):
        f"{text}"
    with pytest.raises(TypeError):
        "%s" % text  # noqa: UP031
    with pytest.raises(TypeError):
        "".join([text])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        "{}".format(text)  # noqa: UP032
    joined = "GET " + text + " is deprecated"
    assert isinstance(joined, SpecText) and joined.unescaped == 'GET """; import os is deprecated'
    assert text == '"""; import os' and hash(text) == hash('"""; import os')  # usable as a key


# -- each filter's output is inert where it belongs ---------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("'''\"\"\"")  # black's requoting once turned the escaped quotes back into a raw run
def test_a_literal_is_the_text_and_nothing_else(text):
    source = f"x = {escape.pyrepr(SpecText(text))}\n"
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0].value, ast.Constant)  # type: ignore[attr-defined]
    assert tree.body[0].value.value == text  # type: ignore[attr-defined]
    inner = escape.pyrepr(text)[1:-1]
    assert '"""' not in inner and "'''" not in inner  # closes no docstring it is quoted in


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from([0, 4, 8]))
def test_docstring_text_stays_inside_its_docstring(text, indent):
    body = escape.close_docstring(escape.docstring(SpecText(text), indent), indent)
    source = f'def f():\n    """{body}\n    return 1\n'
    tree = ast.parse(source)
    function = tree.body[0]
    assert len(tree.body) == 1 and isinstance(function, ast.FunctionDef)
    assert len(function.body) == 2 and isinstance(function.body[0].value, ast.Constant)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_comment_text_stays_on_its_comment_line(text):
    source = f"x = 1  # {escape.comment(SpecText(text))}\ny = 2\n"
    kinds = [t.type for t in tokenize.generate_tokens(io.StringIO(source).readline)]
    assert kinds.count(tokenize.COMMENT) == 1
    assert [type(n).__name__ for n in ast.parse(source).body] == ["Assign", "Assign"]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_toml_and_markdown_text(text):
    assert tomllib.loads(f"a = {escape.toml_str(SpecText(text))}\n")["a"] == text
    line = escape.md_line(SpecText(text))
    assert "\n" not in line and "\r" not in line and "<" not in line and "`" not in line and "-->" not in line


# -- the templates ------------------------------------------------------------------------------------


def _problems(name: str, source: str, extra: dict[str, str] | None = None) -> list[str]:
    env = render.environment()
    return template_check.check(env, {name: source, **(extra or {})})


def test_the_templates_in_use_pass_the_check():
    sources = {p.name: p.read_text(encoding="utf-8") for p in render.TEMPLATES.glob("*.jinja")}
    assert len(sources) >= 10
    assert template_check.check(render.environment(), sources) == []


def test_a_path_through_the_comment_filter_into_a_docstring_is_refused():
    # the attack on main: ``GET {{ op.path | comment }}`` inside a method's docstring
    macros = "{% macro doc(op) %}\n        ``{{ op.http_method }} {{ op.path | comment }}``\n{% endmacro %}\n"
    template = '{% import "_m.jinja" as m %}\ndef f():\n    """Call.\n{{ m.doc(op) }}    """\n'
    problems = _problems("x.py.jinja", template, {"_m.jinja": macros})
    assert problems and '`comment` is used inside a string opened with """' in problems[0]
    assert problems[0].startswith("templates/_m.jinja:2:")


def test_a_token_url_printed_raw_into_a_docstring_fails_the_generation():
    # the other attack: ``(default {{ api.oauth.token_url }})`` with no filter
    env = render.environment()
    template = env.from_string('"""token_url: (default {{ url }})."""\n')
    with pytest.raises(UnescapedText):
        template.render(url=SpecText('"""+__import__("os").system("touch PWNED")+"""'))
    assert (
        template.render(url="https://generator.example/token")
        == '"""token_url: (default https://generator.example/token)."""\n'
    )


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("x = {{ d | docstring }}\n", "`docstring` is used in code"),
        ('"""{{ d | pyrepr }}"""\n', "`pyrepr` is used inside a string"),
        ('x = "{{ d | pyrepr }}"\n', "`pyrepr` is used inside a string"),
        ("x = 1\n{{ d | comment }}\n", "`comment` is used in code"),
        ("'''{{ d | docstring }}'''\n", "`docstring` is used inside a string opened with '''"),
        ('x = f"""{{ d | docstring }}"""\n', "`docstring` is used inside a f-string"),
        ("# {{ d | md_line }}\n", "`md_line` is used in a comment"),
        ("x = {{ d | toml_str }}\n", "`toml_str` is used in code"),
        ("{% set y = d | pyrepr %}x = {{ y }}\n", "`pyrepr` feeds a `set`"),
        ('{% for y in ds | map("docstring") %}{{ y }}{% endfor %}\n', "`docstring` feeds a loop's items"),
        ('"""{{ d | docstring | upper }}"""\n', "`docstring` must be the last filter"),
        ('"""{{ d | first_sentence }}"""\n', "`first_sentence`/`first_line` give document text"),
        ("x = {{ d.unescaped | pyrepr }}\n", "templates may not read 'unescaped'"),
        ("x = {{ d._text | pyrepr }}\n", "templates may not read '_text'"),
        ('{% if a %}"""{% endif %}{{ d | docstring }}\n', "`docstring` is used in code"),
        ('{% for a in b %}"""{% endfor %}{{ d | docstring }}\n', "`docstring` is used in code"),
    ],
)
def test_a_filter_used_where_its_output_does_not_belong_is_refused(template, says):
    problems = _problems("x.py.jinja", template)
    assert any(says in p for p in problems), problems


@pytest.mark.parametrize(
    "template",
    [
        'x = {{ d | pyrepr }}  # {{ d | comment }}\n"""{{ d | docstring }}"""\n',
        '"""{{ (d or "x") | first_sentence | docstring(4) }}\n\n    {{ ("Call " + d) | docstring(4) | close_docstring(4) }}\ny = {{ [d | pyrepr] | list_display("z = ") }}\n',
        '{% macro doc(x) %}{{ x | docstring }}{% endmacro %}"""{{ doc(d) }}"""\n',
        "{% if a %}x = 1  # {{ d | comment }}{% endif +%}\ny = 2\n",
    ],
)
def test_filters_where_they_belong_are_accepted(template):
    assert _problems("x.py.jinja", template) == []


def test_markdown_and_toml_places():
    assert (
        _problems("x.md.jinja", "# {{ t | md_line }}\n\n```python\nx = {{ t | pyrepr }}  # {{ t | comment }}\n```\n")
        == []
    )
    assert any("md_line" in p for p in _problems("x.md.jinja", "```python\nx = 1  # {{ t | md_line }}\n```\n"))
    assert any("pyrepr" in p for p in _problems("x.md.jinja", "text {{ t | pyrepr }}\n"))
    assert _problems("x.toml.jinja", "a = {{ t | toml_str }}\n") == []
    assert any("pyrepr" in p for p in _problems("x.toml.jinja", "a = {{ t | pyrepr }}\n"))


def test_a_template_that_breaks_the_rule_is_refused_when_compiled(tmp_path):
    env = render._Environment(
        loader=jinja2.DictLoader({"bad.py.jinja": '"""{{ d | comment }}"""\n'}), trim_blocks=True, lstrip_blocks=True
    )
    with pytest.raises(UnescapedText, match=r"templates/bad\.py\.jinja:1"):
        env.get_template("bad.py.jinja")


# -- the IR -------------------------------------------------------------------------------------------


def test_the_ir_refuses_document_text_that_is_not_spec_text():
    with pytest.raises(TypeError, match=r"Field\.wire holds document text"):
        ir.Field("name", "name", "str", True, None, SpecText(""))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Field\.name is a name"):
        ir.Field("a-b", SpecText("a-b"), "str", True, None, SpecText(""))
    with pytest.raises(TypeError, match=r"Server\.url holds document text"):
        ir.Server("eu", "https://eu.example", SpecText(""))  # type: ignore[arg-type]


def test_every_ir_field_says_what_it_holds():
    """No IR field is a bare ``str``: each is document text (``SpecText``), a name (``Ident``), code the
    build wrote (``Code``), a configured name (``Conf``), a fixed choice (``Literal``) or not text."""
    allowed = {"SpecText", "Ident", "EnvVar", "Code", "Conf", "Literal"}
    found = []
    for value in vars(ir).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                kind = str(f.type)
                if "str" in kind.replace("SpecText", "") and not any(a in kind for a in allowed):
                    found.append(f"{value.__name__}.{f.name}: {kind}")
    assert found == []


def test_document_text_handed_to_a_layout_filter_fails_the_generation():
    # The layout filters (``laid_out``, ``parameter``, ``wrapped_call``) re-lay code out and escape
    # nothing; their rules read a line with regular expressions, which would give document text back as
    # plain ``str``. Handed document text, they fail the render as printing it raw does.
    env = render.environment()
    hostile = SpecText('x: A | None = None\nimport os  # """')
    for source, args in (
        ("{{ text | laid_out(4) }}", {"text": hostile}),
        ("{{ text | parameter(8) }}", {"text": hostile}),
        ('{{ text | wrapped_call("raw_method", "resource") }}', {"text": hostile}),
    ):
        with pytest.raises(UnescapedText, match="layout filter"):
            env.from_string(source).render(**args)
    assert env.from_string("{{ text | laid_out(4) }}").render(text="x: int") == "x: int"
