"""``models.py`` of a large package, put together from the classes of its last generation.

On GitHub's document ``models.py`` is 6,700 classes (3.5 MB); rendering and formatting it whole takes
about 0.2 s. With one component schema changed, ``build_ir.rebuild`` redoes only the definitions that
depend on it, and every other definition of the new IR is the very object the memo held. So the
formatted text of each class is kept per API beside the memo (``.cache/specgen/models``, under the
memo's ``token``), and a definition that is the same object as the memo's takes its kept text. Only the
redone definitions, the module's head and its last class (which the aliases follow) are rendered and
formatted again. ``tests/test_rebuild.py`` holds the result to the whole module rendered and formatted.
"""

from __future__ import annotations

from typing import Any

from . import format, render
from .ir import Api

#: The formatted text of each definition's class (enums, then models), in the module's order; None for
#: the last one, whose text carries the aliases.
Texts = list[str | None]


def _definitions(api: Api) -> list[Any]:
    return [*api.enums, *api.models]


def _path(api: Api) -> str:
    return f"{api.package}/models.py"


def whole(api: Api) -> tuple[str, Texts]:
    """``models.py`` rendered and formatted whole, and its classes' texts to keep."""
    chunks = format.split(render.render(api, only={_path(api)})[_path(api)])
    formatted = format.format_chunks(chunks, _path(api), parallel=False)
    definitions = _definitions(api)
    if len(formatted) != len(definitions) + 1 or not _named(formatted[1:], definitions):
        return format.join(formatted), []  # not one piece per class: nothing to keep
    return format.join(formatted), [*formatted[1:-1], None]


def reusing(api: Api, old: Api, kept: Texts) -> tuple[str, Texts] | None:
    """``whole(api)``, with the kept texts (``kept``, of ``old``'s definitions) of the definitions
    ``api`` shares with ``old``; None when ``kept`` does not fit ``old``."""
    definitions, before = _definitions(api), _definitions(old)
    if len(kept) != len(before) or len(definitions) < 2 or len(before) < 2:
        return None
    at = {id(definition): i for i, definition in enumerate(before)}  # old's objects are alive: ids are theirs
    texts: Texts = []
    missing = []
    for position, definition in enumerate(definitions[:-1]):
        i = at.get(id(definition))
        text = kept[i] if i is not None else None
        if text is None:
            missing.append(position)
        texts.append(text)
    last = len(definitions) - 1
    head, pieces = render.models_parts(api, [*missing, last])
    formatted = format.format_chunks([head, *(pieces[p] for p in missing), pieces[last]], _path(api), parallel=False)
    for position, text in zip(missing, formatted[1:-1]):
        texts[position] = text
    if not _named([*texts, formatted[-1]], definitions):
        return None
    return format.join([formatted[0], *texts, formatted[-1]]), [*texts, None]  # type: ignore[list-item]


def _named(texts: list[Any], definitions: list[Any]) -> bool:
    return all(isinstance(text, str) and text.startswith(f"class {d.name}(") for text, d in zip(texts, definitions))
