"""The one escaping authority: how text from a document may reach generated code.

Every string a document supplies (descriptions, titles, paths, wire names, examples, URLs, keys) enters
the IR as a ``SpecText``. A ``SpecText`` is not a ``str``: it cannot be concatenated into a ``str``,
formatted into one or printed by a template (``str()`` and ``format()`` raise, and the template
environment's ``finalize`` refuses it). The only ways out are the functions below, each escaping for the
one place its output may land:

=================  ===========================================================================
``pyrepr``         a complete Python string literal (code position)
``docstring``      text inside a ``\"\"\"...\"\"\"`` string (``close_docstring`` ends one)
``comment``        one line after ``#``
``toml_str``       a complete TOML basic string
``md_line``        one line of Markdown text
=================  ===========================================================================

``generator.core.template_check`` holds every template to that table: each use of a filter must sit
where the template's own text puts it (a docstring filter inside triple quotes, a comment filter after
``#``, a literal in code), so a filter used in the wrong place fails the generation too. Identifiers are
the other way in: ``core/names.py`` makes them, and the IR checks each is one.

Code that needs the text itself, to decide something (a name, a type, whether a header is
``Authorization``), reads ``SpecText.unescaped``; templates may not (``template_check`` refuses it).
"""

from __future__ import annotations

import re
from typing import Any

from .format import LINE_LENGTH, black_quotes


class SpecText:
    """Text from a document: untrusted, printable only through an escaping function of this module."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"SpecText wraps a str, not {type(text).__name__}")
        self._text = text

    @property
    def unescaped(self) -> str:
        """The text as the document wrote it: for decisions, never for output."""
        return self._text

    def __str__(self) -> str:
        raise TypeError("text from a document reaches generated code only through an escaping filter")

    def __format__(self, spec: str) -> str:
        raise TypeError("text from a document reaches generated code only through an escaping filter")

    def __repr__(self) -> str:
        return f"SpecText({self._text!r})"

    def __bool__(self) -> bool:
        return bool(self._text)

    def __len__(self) -> int:
        return len(self._text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SpecText):
            return self._text == other._text
        if isinstance(other, str):
            return self._text == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)

    def __lt__(self, other: SpecText | str) -> bool:
        return self._text < (other._text if isinstance(other, SpecText) else other)

    def __add__(self, other: SpecText | str) -> SpecText:
        """Still untrusted: text joined to document text is document text."""
        if isinstance(other, SpecText):
            return SpecText(self._text + other._text)
        if isinstance(other, str):
            return SpecText(self._text + other)
        return NotImplemented

    def __radd__(self, other: str) -> SpecText:
        if isinstance(other, str):
            return SpecText(other + self._text)
        return NotImplemented

    def __reduce__(self) -> tuple[type[SpecText], tuple[str]]:
        return SpecText, (self._text,)


EMPTY = SpecText("")


def spec_text(value: Any, strip: bool = False) -> SpecText:
    """``value`` as document text when it is a string, else empty text."""
    if isinstance(value, SpecText):
        return value
    if not isinstance(value, str):
        return EMPTY
    return SpecText(value.strip() if strip else value)


def _plain(value: SpecText | str) -> str:
    """The text of either kind: generator text (``str``) is trusted, document text is escaped by the caller."""
    if isinstance(value, SpecText):
        return value.unescaped
    if isinstance(value, str):
        return value
    raise TypeError(f"an escaping filter takes text, not {type(value).__name__}")


# -- Python string literals -------------------------------------------------------------------------


_QUOTE_ESCAPES = {'"': "\\x22", "'": "\\x27", "\\": "\\\\"}


def pyrepr(value: Any) -> str:
    """A complete Python literal for a JSON scalar, a ``str`` or document text: never code.

    ``ascii()`` escapes every non-ASCII character (line and paragraph separators, bidirectional
    controls), and a run of three quotes inside the literal is written with escapes, so the literal
    closes no triple-quoted string it may be quoted in."""
    if value.__class__ is SpecText:
        value = value.unescaped
    if isinstance(value, str):
        if '"""' in value or "'''" in value:
            # Every quote as an escape: no run of quotes to end a docstring around it, and nothing for
            # black to requote (it would turn escaped quotes back into raw ones).
            return '"' + "".join(_QUOTE_ESCAPES.get(ch) or ascii(ch)[1:-1] for ch in value) + '"'
        return black_quotes(ascii(value))
    if isinstance(value, (int, float, bool)) or value is None:
        return repr(value)
    raise TypeError(f"pyrepr takes scalars, not {type(value).__name__}")


# -- docstrings ---------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\ufeff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def docstring(value: SpecText | str, indent: int = 4) -> str:
    """Text safe inside a ``\"\"\"...\"\"\"`` string, continuation lines indented by ``indent``: no
    sequence in it ends the string, and control characters are written as escapes."""
    text = _plain(value)
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
    if not isinstance(text, str):
        raise TypeError("close_docstring takes what docstring gave")
    # black pads a final quote (four quotes in a row would end the string early), measures the last line
    # with the padding, and drops the padding again when the closing quotes go on a line of their own.
    padded = text + " " if text.endswith('"') else text
    lines = padded.split("\n")
    if len(lines) > 1 and len(lines[-1]) + 3 > LINE_LENGTH:
        return text + "\n" + " " * indent + '"""'
    return padded + '"""'


# -- comments, TOML, Markdown -------------------------------------------------------------------------


def comment(value: SpecText | str) -> str:
    """One line, safe after ``#``: line breaks and control characters become spaces."""
    return _CONTROL.sub(" ", " ".join(_plain(value).split()))


def toml_str(value: SpecText | str) -> str:
    """A complete TOML basic string, in ASCII: quotes, backslashes, control and non-ASCII characters as
    escapes (a lone surrogate, which TOML cannot hold, as U+FFFD)."""
    text = _plain(value)
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\uFFFD")
        elif code > 0xFFFF:
            out.append(f"\\U{code:08X}")
        else:
            out.append(f"\\u{code:04X}")
    return '"' + "".join(out) + '"'


def md_line(value: SpecText | str) -> str:
    """One line of Markdown text that opens no code span, tag or comment, and closes no comment."""
    line = comment(value)
    return line.replace("`", "'").replace("<", "&lt;").replace(">", "&gt;")


def md_inline(value: SpecText | str) -> str:
    """Markdown text for a list item of a CHANGELOG: control characters as spaces, no code span or tag
    opened (``->`` arrows kept as they are)."""
    text = "".join(ch if ch.isprintable() else " " for ch in _plain(value))
    return text.replace("`", "'").replace("<", "&lt;")


# -- text to text (still untrusted) -------------------------------------------------------------------


def first_sentence(value: SpecText | str) -> SpecText | str:
    """The first sentence (at most 200 characters) of a text, as untrusted as the text."""
    line = " ".join(_plain(value).split())
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    out = (match.group(1) if match else line)[:200]
    return SpecText(out) if isinstance(value, SpecText) else out


def first_line(value: SpecText | str) -> SpecText | str:
    """The first line of a text, as untrusted as the text."""
    out = _plain(value).split("\n", 1)[0]
    return SpecText(out) if isinstance(value, SpecText) else out


#: The filters that escape, with the lexical place each one's output belongs in (``template_check``).
ESCAPING = {
    "pyrepr": "literal",
    "toml_str": "literal",
    "docstring": "docstring",
    "comment": "comment",
    "md_line": "markdown",
}
#: Filters that give untrusted text from untrusted text: allowed only under an escaping filter.
TEXT_TO_TEXT = frozenset({"first_sentence", "first_line"})
