"""Input fingerprints: a regeneration whose inputs did not change skips every stage.

After a generation, a local cache entry (``.cache/specgen/inputs/``, never committed) records a hash of
everything the output depends on (the spec and every document its ``$ref``s reach, the overlays, the API's
configuration, the names lock the generation read, the generator's own code and templates, and the
versions of the libraries that shape the output), the names of those documents relative to the spec's
folder, and the hashes of the files written. When the inputs hash the same and the files on disk are still
those files, they are the answer: no validation, no rendering, no black. A fresh clone has no cache and
runs in full, as does an entry that does not match its seal or does not have the shape written here
(``cache.load``).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import TEMPLATES, ApiConfig
from ..core import build_ir
from ..core.build_ir import lock as names_lock
from ..core.load import RefPolicy, Spec, document_name, read_document
from ..core.write import MARKER, digests
from . import cache

if TYPE_CHECKING:
    from . import Pending

CACHE = cache.ROOT / "inputs"
_LIBRARIES = (
    "black",
    "jinja2",
    "jsonschema",
    "jsonschema-rs",
    "openapi-schema-validator",
    "openapi-spec-validator",
    "python-jsonpath",
    "pyyaml",
    "regress",
)
_HERE = Path(__file__).resolve().parent.parent  # the whole generator package


@lru_cache(maxsize=1)
def code_hash() -> str:
    """The generator's code and templates."""
    digest = hashlib.sha256()
    for folder in (_HERE, TEMPLATES):
        for path in sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".py", ".jinja") and "__pycache__" not in p.parts
        ):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def toolkit_hash() -> str:
    """The generator's code and templates, and the versions of the libraries that shape its output."""
    from importlib import metadata  # wanted only here

    digest = hashlib.sha256(code_hash().encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?\0".encode())
    return digest.hexdigest()


def _fingerprint(config: ApiConfig, policy: RefPolicy, documents: list[str], lock: str | None) -> str | None:
    """``lock``: the names lock the generation reads (the previous release's, None for none): the build
    is a function of it too (``build_ir.lock``)."""
    base = config.spec.resolve().parent
    digest = hashlib.sha256(toolkit_hash().encode())
    digest.update(b"no lock\0" if lock is None else b"lock\0" + lock.encode("utf-8") + b"\0")
    settings = [
        config.name,
        config.package,
        config.client,
        config.base_url_param,
        config.dist_name,
        policy.allow_outside,
        policy.allow_remote,
    ]
    digest.update(json.dumps(settings).encode())
    for name in documents:  # read as load reads them: a FIFO, a device or a huge file is never read
        try:
            digest.update(name.encode() + b"\0" + read_document(base / name) + b"\0")
        except (OSError, ValueError):
            return None
    for overlay in config.overlays:
        try:
            digest.update(b"overlay\0" + read_document(Path(overlay)) + b"\0")
        except (OSError, ValueError):
            return None
    return digest.hexdigest()


def _entry(out: Path, name: str) -> Path:
    return CACHE / (hashlib.sha256(f"{out.resolve()}\0{name}".encode()).hexdigest()[:32] + ".json")


def fingerprint(
    config: ApiConfig, policy: RefPolicy, spec: Spec, lock: str | None = None
) -> tuple[list[str], str] | None:
    """What the cache records of a generation's inputs: the names of the documents it read (relative to
    the spec's folder) and the hash of everything the output depends on (``lock``: the names lock it
    read). None when one is not a local file (a remote ``$ref``) or cannot be read again."""
    if any(urllib.parse.urlsplit(key).scheme != "file" for key in spec.documents):
        return None
    documents = [document_name(spec, key) for key in spec.documents]
    value = _fingerprint(config, policy, documents, lock)
    return None if value is None else (documents, value)


def remember(
    config: ApiConfig,
    policy: RefPolicy,
    spec: Spec,
    out: Path,
    files: dict[str, str],
    hashes: dict[str, str] | None = None,
    lock: str | None = None,
    settled: Pending[bool] | None = None,
) -> None:
    """Record what a generation of ``config`` into ``out`` depended on and wrote (``hashes``: the files'
    ``write.digests``, when already computed; ``lock``: the names lock it read, ``GenerationResult.names_lock``;
    ``settled``: ``names_settled`` of the lock it wrote, when the generation started it already).
    Best effort: a cache that cannot be written only costs the next run its shortcut. A remote ``$ref``
    disables it."""
    written = files.get(names_lock.LOCK)
    if (
        written is not None
        and written != lock
        and (settled.result() if settled is not None else names_settled(config, spec, written))
    ):
        lock = written  # what the next generation reads: shown to give these very names, and so these files
    known = fingerprint(config, policy, spec, lock)
    if known is None:
        return
    documents, value = known
    if hashes is None:
        hashes = digests(files)
    cache.store(
        _entry(out, config.name),
        json.dumps({"fingerprint": value, "documents": documents, "files": hashes}).encode("utf-8"),
    )


def names_settled(config: ApiConfig, spec: Spec, lock: str) -> bool:
    """Whether a build reading ``lock`` (the names a generation gave) gives those names again. The lock is
    read only where a name is given, so the same names from the same spec and configuration are the same
    IR, and the same files: an entry made with the previous lock is then also the answer for this one,
    which is the one the next generation reads (the folder holds it). Else the entry stays keyed by the
    lock it was made with, and the next generation runs in full."""
    return names_lock.text(build_ir.build_named(spec, config, names_lock.parse(lock), names_only=True)[2]) == lock


def unchanged(
    config: ApiConfig,
    policy: RefPolicy,
    out: Path,
    previous: dict[str, str | None],
    lock: str | bool | None = True,
) -> bool:
    """Whether ``previous`` (the API's files on disk, which are the previous release) is still exactly what
    generation would give: generation would read their names lock, so the entry must have read that one.
    ``lock``: the lock generation reads, where ``previous`` does not hold it (a keep-list keeps it);
    True: the one in ``previous``."""
    data = cache.load(_entry(out, config.name))
    try:
        recorded = json.loads(data or b"")
        documents, hashes, value = recorded["documents"], recorded["files"], recorded["fingerprint"]
    except (ValueError, KeyError, TypeError):
        return False
    if not (
        isinstance(documents, list)
        and all(isinstance(d, str) for d in documents)
        and isinstance(hashes, dict)
        and all(isinstance(h, str) for h in hashes.values())
    ):
        return False
    read = previous.get(names_lock.LOCK) if lock is True else lock
    if _fingerprint(config, policy, documents, read if isinstance(read, str) else None) != value:
        return False
    on_disk = {p: t for p, t in previous.items() if p != MARKER}
    if set(on_disk) != set(hashes):
        return False
    return all(t is not None and hashlib.sha256(t.encode("utf-8")).hexdigest() == hashes[p] for p, t in on_disk.items())
