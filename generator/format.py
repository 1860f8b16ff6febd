"""Format stage: black, in process, on every generated Python file."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import black

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)
_cache: dict[str, str] = {}


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def black_version() -> str:
    return black.__version__


def format_python(text: str) -> str:
    """black-format one module; identical input is formatted once per process."""
    key = _key(text)
    cached = _cache.get(key)
    if cached is None:
        cached = _cache[key] = black.format_str(text, mode=MODE)
    return cached


def format_files(files: dict[str, str]) -> dict[str, str]:
    """Format every ``.py`` file. A ``black`` failure means the templates produced invalid Python: a bug,
    reported with the file name."""
    out = {}
    for path, text in files.items():
        if path.endswith(".py"):
            try:
                out[path] = format_python(text)
            except black.InvalidInput as exc:
                raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc
        else:
            out[path] = text
    return out
