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


@pytest.fixture
def mock_api():
    """``mock_api("kombo", ApiKey="secret")``: the spec-driven mock of a configured API (overlays applied)
    on 127.0.0.1, accepting only the given credential values."""
    from generator.config import load_project
    from generator.mock.server import MockOptions, MockServer

    started = []

    def start(name: str, **credentials: str) -> MockServer:
        config = next(a for a in load_project(ROOT).apis if a.name == name)
        mock = MockServer(config.spec, config.overlays, options=MockOptions(credentials=credentials)).start()
        started.append(mock)
        return mock

    yield start
    for mock in started:
        mock.stop()
