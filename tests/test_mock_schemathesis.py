"""schemathesis, an independent property-based tester, against the mock server of each configured API:
it generates requests from the description (its examples, then fuzzed values), sends them over real
HTTP to the mock on 127.0.0.1, and checks every reply against the description. The bar: no reply that
fails response conformance, no server error, and no request the description allows refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = ROOT / ".venv-judges" / "bin" / "schemathesis"
#: Every reply conforms (schema, content type, headers), no server error, and every request the
#: description allows is accepted (the mock reads requests by the same rules as the clients write them).
#: Not status_code_conformance: asked for a request the description forbids, the mock answers 422 even
#: where the description documents no such status (HrFlow documents 400 only).
CHECKS = (
    "not_a_server_error,content_type_conformance,response_schema_conformance,response_headers_conformance,"
    "positive_data_acceptance"
)


def _apis():
    import sys

    sys.path.insert(0, str(ROOT))
    from generator.config import load_project

    return load_project(ROOT).apis


@pytest.mark.parametrize("api", _apis(), ids=lambda a: a.name)
def test_schemathesis_finds_no_nonconforming_reply_from_the_mock(api, tmp_path):
    from generator.mock.server import MockOptions, MockServer

    if not SCHEMATHESIS.exists():
        raise RuntimeError(f"{SCHEMATHESIS} is missing: run the tests through 'make test', which makes it")
    # Credentials are the mock's business elsewhere (tests/test_mock.py); here every generated request
    # is let through, so the replies checked are the operations' own.
    options = MockOptions(require_credentials=False)
    with MockServer(api.spec, api.overlays, options=options) as mock:
        done = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                str(api.spec),
                "--url",
                mock.base_url,
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--no-color",
                "--request-timeout",
                "10",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert mock.log, "schemathesis sent nothing"
