"""specgen: OpenAPI 3.0/3.1 -> typed httpx + pydantic v2 client packages.

Library API::

    from generator import generate_package
    result = generate_package("specs/kombo.yaml", name="kombo")   # nothing written
    result.files        # {relative path: text}, or {} when result.diagnostics has errors

The pipeline is one direction (``generator.pipeline``): load -> validate -> build IR -> render -> format
-> write.
"""

from __future__ import annotations

from pathlib import Path

from .config import ApiConfig
from .core.diagnostics import Diagnostics
from .core.load import RefPolicy
from .core.names import snake
from .pipeline import GenerationResult, build_files
from .speed import Speed

__version__ = "0.2.0"

__all__ = ["ApiConfig", "Diagnostics", "GenerationResult", "RefPolicy", "Speed", "build_files", "generate_package"]


def generate_package(
    spec: str | Path,
    name: str | None = None,
    overlays: tuple[str | Path, ...] = (),
    policy: RefPolicy = RefPolicy(),
    speed: Speed = Speed(),
    **options: str,
) -> GenerationResult:
    """Generate one package from any OpenAPI 3.0/3.1 document, in memory."""
    spec_path = Path(spec)
    config = ApiConfig(
        name=name or snake(spec_path.stem) or "api",
        spec=spec_path,
        overlays=tuple(Path(o) for o in overlays),
        **options,
    )  # type: ignore[arg-type]
    return build_files(config, policy, speed=speed)
