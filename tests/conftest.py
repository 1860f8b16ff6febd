from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"

# The generated packages are imported from generated/<api>/ exactly as committed.
for dist in sorted(GENERATED.iterdir()) if GENERATED.is_dir() else []:
    if (dist / "pyproject.toml").is_file() and str(dist) not in sys.path:
        sys.path.insert(0, str(dist))
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def server():
    from server import RecordingServer

    with RecordingServer() as srv:
        yield srv
