"""``models.py`` of a large package, put together from the classes of its last generation.

On GitHub's document ``models.py`` is 6,700 classes (3.5 MB); rendering and formatting it whole takes
about 0.2 s. With one component schema changed, ``build_ir.rebuild`` redoes only the definitions that
depend on it, and every other definition of the new IR is the very object the memo held. So where each
class lies in the last ``models.py`` is kept beside the memo (``.cache/specgen/models``, under the
memo's ``token``, with a digest of the module that must match the one on disk), and a definition that is
the same object as the memo's takes its text from there, as does the module's head when what it is made
from is unchanged. Only the redone definitions and the last class (which the aliases follow) are
rendered and formatted again.
``tests/test_rebuild.py`` holds the result to the whole module rendered and formatted.
"""

from __future__ import annotations

from typing import Any

from . import format, render
from .ir import Api

#: Where the module's head and each definition's class (enums, then models; all but the last, whose
#: text carries the aliases) lie in its text: (start, end). Empty when it is not cut one class each.
Spans = list[tuple[int, int]]


def _definitions(api: Api) -> list[Any]:
    return [*api.enums, *api.models]


def _path(api: Api) -> str:
    return f"{api.package}/models.py"


def texts_in(text: str, spans: Spans) -> list[str]:
    """The head's and the classes' texts ``spans`` locates in ``text``."""
    return [text[start:end] for start, end in spans]


def whole(api: Api) -> tuple[str, Spans]:
    """``models.py`` rendered and formatted whole, and where its classes lie."""
    chunks = format.split(render.render(api, only={_path(api)})[_path(api)])
    formatted = format.format_chunks(chunks, _path(api), parallel=False)
    definitions = _definitions(api)
    if len(formatted) != len(definitions) + 1 or not _named(formatted[1:], definitions):
        return format.join(formatted), []  # not one piece per class: nothing to reuse next time
    return _joined(formatted)


def reusing(api: Api, old: Api, kept: list[str]) -> tuple[str, Spans] | None:
    """``whole(api)``, with the texts (``kept``: ``old``'s head and its definitions' but the last) of
    the head, when it is made from the same, and of the definitions ``api`` shares with ``old``; None
    when ``kept`` does not fit ``old``."""
    definitions, before = _definitions(api), _definitions(old)
    if len(kept) != len(before) or len(definitions) < 2:
        return None
    head, kept = kept[0], kept[1:]
    at = {id(definition): i for i, definition in enumerate(before[:-1])}  # old's objects are alive: ids are theirs
    texts: list[str | None] = []
    missing = []
    for position, definition in enumerate(definitions[:-1]):
        i = at.get(id(definition))
        texts.append(kept[i] if i is not None else None)
        if i is None:
            missing.append(position)
    last = len(definitions) - 1
    same_head = _head_inputs(api) == _head_inputs(old)
    rendered_head, pieces = render.models_parts(api, [*missing, last], head=not same_head)
    formatted = format.format_chunks([rendered_head, *(pieces[p] for p in missing), pieces[last]], _path(api), parallel=False)
    for position, text in zip(missing, formatted[1:-1]):
        texts[position] = text
    if not _named([*texts, formatted[-1]], definitions):
        return None
    return _joined([head if same_head else formatted[0], *texts, formatted[-1]])  # type: ignore[list-item]


def _head_inputs(api: Api) -> tuple[Any, ...]:
    """What the template's head block reads: the header, the title, the standard imports, whether
    there are enums, and every name exported."""
    names = [e.name for e in api.enums] + [m.name for m in api.models] + [a.name for a in api.aliases]
    return (render.header(api), api.title, api.models_std_imports, bool(api.enums), names)


def _joined(chunks: list[str]) -> tuple[str, Spans]:
    """``format.join(chunks)`` (the head, then one chunk per definition) and the spans of all but the
    last chunk."""
    pieces = [chunk.rstrip("\n") + "\n" for chunk in chunks]
    spans: Spans = []
    at = 0
    for piece in pieces[:-1]:
        spans.append((at, at + len(piece)))
        at += len(piece) + 2
    return "\n\n".join(pieces), spans  # format.join, with the pieces measured


def _named(texts: list[Any], definitions: list[Any]) -> bool:
    return all(isinstance(text, str) and text.startswith(f"class {d.name}(") for text, d in zip(texts, definitions))
