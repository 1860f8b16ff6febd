"""``python -m generator update-spec API --from PATH_OR_URL``: take a vendor's new spec.

Replaces the configured vendor file byte for byte, re-applies the API's overlays (reporting actions whose
targets no longer match), prints the classified diff against the previous file, and regenerates. When the
new file does not load or validate, the old file is put back and nothing else changes. A URL is fetched
only because the user named it, with a timeout and a size limit.
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from ..config import ApiConfig, ConfigError, ProjectConfig
from ..core.load import MAX_DOCUMENT_BYTES, load_spec, parse_text
from .diff import as_json, as_markdown, as_text, diff_specs

FETCH_TIMEOUT = 30.0


def read_source(source: str) -> bytes:
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        from urllib.request import Request, urlopen  # only for a URL the user named

        request = Request(source, headers={"User-Agent": "specgen-update-spec"})
        with urlopen(request, timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_DOCUMENT_BYTES + 1)
    elif scheme in ("", "file") or len(scheme) == 1:  # a path (a one-letter scheme is a Windows drive)
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(source).path) if scheme == "file" else source)
        with open(path, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    else:
        raise ConfigError(f"--from {source!r}: only a file path or an http(s) URL")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ConfigError(f"--from {source!r}: larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def update_spec(
    project: ProjectConfig, name: str, source: str, fmt: str = "text", *, regenerate: Callable[[list[str]], int]
) -> int:
    """Replace API ``name``'s vendor spec with ``source``, show the diff, and regenerate the project
    with ``regenerate`` (the command line's ``main``)."""
    config: ApiConfig | None = next((a for a in project.apis if a.name == name), None)
    if config is None:
        raise ConfigError(
            f"no API named {name!r} in [tool.generator] (have: {', '.join(a.name for a in project.apis)})"
        )
    try:
        data = read_source(source)
    except OSError as exc:
        print(f"error: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    wants_json = config.spec.suffix.lower() == ".json"  # the file is copied byte for byte: its format must fit
    try:
        parse_text(data.decode("utf-8"), wants_json)
    except (ValueError, UnicodeDecodeError) as exc:
        other = _parses(data, not wants_json)
        if other:
            kind, target = ("YAML", "JSON") if wants_json else ("JSON", "YAML")
            print(
                f"error: {source} is {kind}, but {name}'s spec {config.spec} is {target}: convert it to {target},"
                f" or name a {kind.lower()} file as the spec in [tool.generator]; {config.spec} left unchanged",
                file=sys.stderr,
            )
        else:
            print(f"error: {source}: not a YAML or JSON document: {exc}; {config.spec} left unchanged", file=sys.stderr)
        return 1
    before = load_spec(config.spec, config.overlays)
    original = config.spec.read_bytes()
    if original == data:
        print(f"update-spec: {config.spec} already matches {source}")
    _replace(config.spec, data)
    after = load_spec(config.spec, config.overlays)
    for diagnostic in after.diagnostics.items:
        print(diagnostic, file=sys.stderr)
    unmatched = [d for d in after.diagnostics.warnings if d.code == "W025"]
    if unmatched:
        print(
            f"update-spec: {len(unmatched)} overlay action(s) no longer match;"
            f" review {', '.join(str(o) for o in config.overlays)}",
            file=sys.stderr,
        )
    if after.diagnostics.has_errors:
        _replace(config.spec, original)
        print(f"update-spec: the new spec does not load; {config.spec} put back", file=sys.stderr)
        return 1
    if not before.diagnostics.has_errors:
        result = diff_specs(before, after)
        sys.stdout.write({"text": as_text, "json": as_json, "markdown": as_markdown}[fmt](result))
    status = regenerate(["generate", "--project", str(project.root)])
    if status != 0:
        _replace(config.spec, original)
        print(f"update-spec: generation failed; {config.spec} put back, generated/ unchanged", file=sys.stderr)
        return status
    return 1 if unmatched else 0


def _parses(data: bytes, as_json: bool) -> bool:
    try:
        parse_text(data.decode("utf-8"), as_json)
    except (ValueError, UnicodeDecodeError):
        return False
    return True
