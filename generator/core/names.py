"""Every Python name the generator emits is made here: case conversion, reserved words, collisions.

Spec strings are untrusted. Whatever goes in, what comes out is an ASCII identifier that is not a keyword,
a soft keyword, a dunder, or a name the generated code relies on.
"""

from __future__ import annotations

import builtins
import hashlib
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

#: A word of a name. "OAuth" (and camelCase's "oAuth") is one word, as it is read: ``OAuth2Security`` ->
#: ``oauth2_security``, not ``o_auth2_security``.
_WORD = re.compile(r"[Oo]Auth[0-9]*(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")

KEYWORDS = frozenset(keyword.kwlist)

#: The longest name made from one spec string: a longer one is cut, and ends in a digest of the whole
#: so that two long names stay apart. Names become file names (a resource module is named after its
#: tag), which file systems keep under 255 bytes; ``validate`` warns (W130) where a name is cut.
MAX_NAME = 100

#: Field names a generated model may not use: keywords, the names its annotations are written with (a
#: field called ``str`` would shadow the type in the class body, one called ``pydantic`` the module its
#: ``Annotated[T, pydantic.Field(...)]`` declarations name), and pydantic's own attributes.
RESERVED_FIELDS = frozenset(
    KEYWORDS
    | {"str", "int", "float", "bool", "bytes", "list", "dict", "Any", "Literal", "_dt", "_t", "pydantic"}
    | {
        "dict",
        "json",
        "copy",
        "construct",
        "validate",
        "schema",
        "schema_json",
        "fields",
        "parse_obj",
        "parse_raw",
        "parse_file",
        "from_orm",
        "update_forward_refs",
        "model_config",
        "model_fields",
        "model_computed_fields",
        "model_extra",
        "model_fields_set",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
    }
)

#: Parameter names a generated method may not use (annotations are lazy, so builtins are fine).
RESERVED_PARAMS = frozenset(
    KEYWORDS
    | {
        "self",
        "timeout",
        "max_retries",
        "retry_policy",
        "max_response_bytes",
        "strict_responses",
        "idempotency_key",
        "extra_headers",
        "extra_query",
        "extra_body",
    }
)

#: Class names that would shadow what generated modules import or define.
RESERVED_PASCAL = frozenset(
    {
        "Any",
        "Literal",
        "Enum",
        "Field",
        "BaseModel",
        "RootModel",
        "ConfigDict",
        "TypeAdapter",
        "Model",
        "Optional",
        "Union",
        "List",
        "Dict",
        "Annotated",
        "Endpoint",
        "NotGiven",
        "NOT_GIVEN",
        "None",
        "True",
        "False",
        "Client",
        "AsyncClient",
        "SyncAPIClient",
        "AsyncAPIClient",
        "Resource",
        "AsyncResource",
        "TypeAlias",
        "Discriminated",
        "UnknownVariant",
        "OpenStrEnum",
        "OpenIntEnum",
    }
    | {n for n in dir(builtins) if n[:1].isupper()}
)


def ascii_words(text: str) -> list[str]:
    """Split any string into ASCII words: ``"fileSizeBytes"`` -> ``["file", "Size", "Bytes"]``."""
    return list(_words(str(text)))


def snake(text: str) -> str:
    """``fileSizeBytes`` -> ``file_size_bytes``; ``X-API-KEY`` -> ``x_api_key``. May return ``""``."""
    return _snake(str(text))


def pascal(text: str) -> str:
    """``candidate_attachments`` -> ``CandidateAttachments``; keeps inner capitals (``HTTPServer``)."""
    return _pascal(str(text))


# The conversions are pure, and a large document asks for the same few thousand names tens of
# thousands of times: they are memoised (bounded), keyed by the text.
@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    folded = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return tuple(_WORD.findall(folded))


@lru_cache(maxsize=1 << 16)
def _snake(text: str) -> str:
    return _bounded("_".join(w.lower() for w in _words(text)), "_")


@lru_cache(maxsize=1 << 16)
def _pascal(text: str) -> str:
    return _bounded("".join(w[:1].upper() + w[1:] for w in _words(text)), "")


def _bounded(name: str, joiner: str) -> str:
    """``name`` if it is at most ``MAX_NAME`` characters long; else its start and a digest of the whole."""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("ascii")).hexdigest()[:8]
    return name[: MAX_NAME - 8 - len(joiner)].rstrip("_") + joiner + digest


def is_cut(text: str) -> bool:
    """Whether the name made from ``text`` is cut to ``MAX_NAME`` characters."""
    return len(text) > MAX_NAME and len("_".join(_words(text))) > MAX_NAME


def upper(text: str) -> str:
    return snake(text).upper()


def _fix_leading_digit(name: str, prefix: str) -> str:
    return prefix + name if name[:1].isdigit() else name


def snake_identifier(text: str, fallback: str = "value", reserved: frozenset[str] = KEYWORDS) -> str:
    """A safe snake_case identifier: reserved names get a trailing ``_``."""
    name = _fix_leading_digit(snake(text), "n") or fallback
    return name + "_" if name in reserved else name


def pascal_identifier(text: str, fallback: str = "Model") -> str:
    name = _fix_leading_digit(pascal(text), "N") or fallback
    return name + "_" if name in RESERVED_PASCAL else name


def enum_member(value: object, fallback: str = "VALUE") -> str:
    """Enum member name for a value: ``"COVER_LETTER"`` -> ``COVER_LETTER``; ``"pt-BR"`` -> ``PT_BR``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        text = str(value).replace("-", "MINUS_").replace(".", "_")
        return "VALUE_" + upper(text) if upper(text) else fallback
    name = _fix_leading_digit(upper(str(value)), "VALUE_")
    if not name:
        return fallback
    # ``mro`` and friends are fine as upper case; only dunder-like or keyword spellings matter.
    return name + "_" if keyword.iskeyword(name) or name.startswith("_") else name


def join_pascal(parent: str, child: str) -> str:
    """Name an inline schema after its parent without repeating words:
    ``join_pascal("AttachmentsResponse", "ResponseData")`` -> ``AttachmentsResponseData``."""
    p_words = _words(str(parent))
    c_words = _words(str(child))
    for overlap in range(min(len(p_words), len(c_words)), 0, -1):
        if [w.lower() for w in p_words[-overlap:]] == [w.lower() for w in c_words[:overlap]]:
            c_words = c_words[overlap:]
            break
    return parent + "".join(w[:1].upper() + w[1:] for w in c_words)


class NameScope:
    """Hands out unique names within one namespace. A clash gets a deterministic suffix and is reported
    through ``on_collision`` (the caller turns it into a warning); nothing is renamed silently.

    ``held``: names a previous generation gave (the names lock, ``build_ir.lock``), by holder. A held
    name is kept for its holder (``claim(..., holder=)`` gives it back) and is taken for everyone else,
    so a newcomer that wants it falls back; a held name that is reserved here (``taken``) or held twice
    (the first holder by sort order keeps it) is not honoured.

    ``irregular``: whether a holder claimed twice or gave its kept name up (``release``), the two things
    after which the names this scope gave are not, by construction, what it gives again holding them
    (``lock.Recorder.settled``)."""

    def __init__(
        self,
        taken: Iterable[str] = (),
        on_collision: Callable[[str, str], None] | None = None,
        held: Mapping[str, str] | None = None,
    ):
        self._taken = set(taken)
        self._on_collision = on_collision
        self._held: dict[str, str] = {}
        self._holders: set[str] = set()
        self.irregular = False
        for holder, name in sorted((held or {}).items()):
            if name and name not in self._taken:
                self._taken.add(name)
                self._held[holder] = name

    def held(self, holder: str) -> str | None:
        """The name kept for ``holder`` (and not claimed yet), or None."""
        return self._held.get(holder)

    def holder_of(self, name: str) -> str | None:
        """Who ``name`` is kept for (and has not claimed it yet), or None."""
        return next((holder for holder, held in self._held.items() if held == name), None)

    def release(self, holder: str) -> None:
        """Free the name kept for ``holder`` (which wants another: an explicit name wins over the lock)."""
        self.irregular = True
        name = self._held.pop(holder, None)
        if name is not None:
            self._taken.discard(name)

    def unclaimed(self) -> list[str]:
        """The holders that have not claimed the name kept for them."""
        return sorted(self._held)

    def _holding(self, holder: str | None) -> None:
        if holder is not None:
            self.irregular = self.irregular or holder in self._holders
            self._holders.add(holder)

    def claim(self, name: str, holder: str | None = None) -> str:
        self._holding(holder)
        if holder is not None and holder in self._held:
            return self._held.pop(holder)
        if name not in self._taken:
            self._taken.add(name)
            return name
        n = 2
        while f"{name}{n}" in self._taken or f"{name}_{n}" in self._taken:
            n += 1
        unique = f"{name}_{n}" if name.endswith("_") or "_" in name or name.islower() else f"{name}{n}"
        self._taken.add(unique)
        if self._on_collision:
            self._on_collision(name, unique)
        return unique

    def claim_first(self, candidates: Iterable[str], holder: str | None = None) -> str:
        """The name kept for ``holder``, else the first free name of ``candidates`` (reported as a
        collision when it is not the first one); a numbered form of the first when all are taken."""
        self._holding(holder)
        if holder is not None and holder in self._held:
            return self._held.pop(holder)
        wanted = list(dict.fromkeys(c for c in candidates if c))
        for name in wanted:
            if name not in self._taken:
                self._taken.add(name)
                if name != wanted[0] and self._on_collision:
                    self._on_collision(wanted[0], name)
                return name
        return self.claim(wanted[0])  # the holder is counted once: not passed again

    def __contains__(self, name: str) -> bool:
        return name in self._taken
