"""A 200 MB attachment up and down through the generated Crafter client on loopback, with the client in a
process of its own so its peak memory can be measured: growth stays under 50 MB, both ways, MD5 verified;
an interrupted download of the same file leaves nothing at its target."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from server import CHUNK, Recorded, RecordingServer, Reply

SIZE = 200 * 1024 * 1024
LIMIT = 50 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
BASE = "/api/1/profile/p1"

CLIENT = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from crafter_profile_client import APIConnectionError, CrafterProfile

url, source, target, broken, md5 = sys.argv[2:7]

def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def peak():
    # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak into ru_maxrss across exec.
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))

with CrafterProfile(access_token_id="t", base_url=url, max_retries=0) as cp:
    cp.profile.attachments.details("p1", "warm-up")  # imports, adapters and the connection are ready
    baseline = rss()
    uploaded = cp.profile.attachments.upload("p1", file=Path(source))
    after_upload = peak()
    cp.profile.attachments.download("p1", "big", to=Path(target), md5=md5)
    after_download = peak()
    try:
        cp.profile.attachments.download("p1", "broken", to=Path(broken))
        interrupted = False
    except APIConnectionError:
        interrupted = True
print(json.dumps({"baseline": baseline, "after_upload": after_upload, "after_download": after_download,
                  "uploaded_md5": uploaded.md5, "uploaded_size": uploaded.file_size_bytes, "interrupted": interrupted}))
"""


def md5_of(path: str | Path, start: int = 0, length: int | None = None) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        fh.seek(start)
        left = length if length is not None else os.path.getsize(path) - start
        while left:
            chunk = fh.read(min(1 << 20, left))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def file_part(recorded: Recorded) -> tuple[int, int]:
    """(offset, length) of the single file part inside a spooled multipart body."""
    boundary = recorded.headers["content-type"].split("boundary=", 1)[1].strip('"').encode()
    with open(recorded.body_file, "rb") as fh:
        head = fh.read(4096)
    assert head.startswith(b"--" + boundary + b"\r\n") and b'name="attachment"' in head.split(b"\r\n\r\n", 1)[0]
    offset = head.index(b"\r\n\r\n") + 4
    trailer = b"\r\n--" + boundary + b"--\r\n"
    with open(recorded.body_file, "rb") as fh:
        fh.seek(-len(trailer), os.SEEK_END)
        assert fh.read() == trailer
    return offset, recorded.body_size - offset - len(trailer)


def test_200_mb_upload_and_download_with_flat_memory(tmp_path):
    source = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with open(source, "wb") as fh:
        for i in range(SIZE >> 20):
            fh.write(block[i:] + block[:i])  # 200 distinct megabytes without 200 MB of entropy
    expected_md5 = md5_of(source)

    def stream():
        with open(source, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    def upload(recorded: Recorded) -> Reply:
        offset, length = file_part(recorded)
        md5 = md5_of(recorded.body_file, offset, length)
        os.unlink(recorded.body_file)
        return Reply(
            200,
            {
                "md5": md5,
                "contentType": "application/octet-stream",
                "fileSize": "200 MB",
                "fileName": "big.bin",
                "fileSizeBytes": length,
                "id": "x",
            },
        )

    spool = tmp_path / "spool"
    spool.mkdir()
    with RecordingServer(spool_dir=str(spool)) as server:
        server.route("GET", BASE + "/attachment/warm-up/details", Reply(200, {"id": "w", "fileName": "warm-up"}))
        server.route("POST", BASE + "/uploadAttachment", upload)
        server.route(
            "GET",
            BASE + "/attachment/big",
            Reply(200, content_type="application/octet-stream", stream=stream, length=SIZE),
        )
        server.route(
            "GET",
            BASE + "/attachment/broken",
            Reply(200, content_type="application/octet-stream", stream=stream, length=SIZE, drop="mid-body"),
        )
        target, broken = tmp_path / "out" / "big.bin", tmp_path / "out" / "broken.bin"
        target.parent.mkdir()
        args = [str(ROOT / "generated" / "crafter"), server.url, str(source), str(target), str(broken), expected_md5]
        proc = subprocess.run([sys.executable, "-c", CLIENT, *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])

    assert report["uploaded_md5"] == expected_md5 and report["uploaded_size"] == SIZE
    assert md5_of(target) == expected_md5  # the client verified it too (md5=)
    assert report["interrupted"] and not broken.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.bin"]  # no partial file left
    upload_growth = report["after_upload"] - report["baseline"]
    download_growth = report["after_download"] - report["baseline"]
    print(f"peak RSS growth: upload {upload_growth / 2**20:.1f} MB, download {download_growth / 2**20:.1f} MB")
    assert upload_growth < LIMIT, report
    assert download_growth < LIMIT, report


def test_json_read_through_orjson_is_exactly_what_the_standard_library_reads(tmp_path):
    # load.parse_bytes takes orjson's reading only where it is certainly the standard library's: the
    # same values of the same types in the same key order (marshal tells 1, 1.0 and True apart), for
    # every JSON document of the suite and for the edges where the two differ.
    import json
    import marshal

    from generator.core import load

    documents = [p.read_bytes() for p in sorted((ROOT / "tests").rglob("*.json"))]
    edges = [
        b'{"a": 1, "b": 1.0, "c": true, "d": null, "e": -0, "f": -0.0, "g": 1e-7, "h": 0.1, "i": 123456789012345678}',
        b'{"big": 123456789012345678901234567890, "u64": 18446744073709551615, "over": 18446744073709551616}',
        b'{"nan": NaN, "inf": Infinity, "minus": -Infinity}',
        b'{"huge": 1e400, "tiny": 1e-400}',
        b'{"dup": 1, "dup": 2}',
        b'{"pair": "\\ud83d\\ude00", "esc": "\\u00e9\\n\\t"}',
        b"\xef\xbb\xbf" + b'{"bom": "after a byte-order mark"}',
        b'{"text": "caf\xc3\xa9 \xe2\x9c\x93"}',
        b'{"digits in a string": "00000000000000000000000"}',
        ("[" * 250 + "]" * 250).encode(),
    ]
    assert len(documents) > 20
    for data in [*documents, *edges]:
        expected = json.loads(data.decode("utf-8-sig"))
        found = load.parse_bytes(data, True)
        assert marshal.dumps(found, 0) == marshal.dumps(expected, 0) or (found != found and expected != expected), data[
            :80
        ]
    assert sum(load._orjson_loads(data) is not load._NOT_FAST for data in documents) > 20  # orjson's reading is taken
    constants: list[str] = []
    load.parse_bytes(edges[2], True, constants)
    assert constants == ["NaN", "Infinity", "-Infinity"]  # the standard library's way: a spec that does not round-trip
    for bad in (b'{"a": 1,}', b'{"a": "\x01"}', b"\xff\xfe"):
        with pytest.raises((ValueError, UnicodeDecodeError)):
            load.parse_bytes(bad, True)
    # What the standard library takes and no file can hold, or no stage should walk, is refused the same
    # way whichever parser read it (orjson refuses a lone surrogate itself; it reads 900 levels).
    for refused, pointer in (
        (b'{"a": ["\\ud800"]}', "/a/0"),
        (b'{"a": {"\\udc00": 1}}', "/a/\udc00"),
        (("[" * 900 + "]" * 900).encode(), "/0" * load.MAX_DEPTH),
    ):
        with pytest.raises(load.DocumentError) as caught:
            load.parse_bytes(refused, True)
        assert caught.value.pointer == pointer
