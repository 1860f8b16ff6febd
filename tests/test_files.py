"""Attachment files on a real loopback server: Crafter's upload, details and download operations, and the
``download`` helper every generated client has, for links such as Kombo's ``data_url`` and HrFlow's
``public_url``. Uploads stream, downloads are atomic and verified."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from email.parser import BytesParser
from email.policy import HTTP

import pytest
from crafter_profile_client import (
    APIConnectionError,
    AsyncCrafterProfile,
    CrafterProfile,
    DownloadIntegrityError,
    InternalServerError,
)
from crafter_profile_client.models import Attachment
from helpers import example, through
from hrflow_client import Hrflow
from kombo_client import AsyncKombo, Kombo
from server import RecordingServer, Reply

TOKEN = "e8f5170c-877b-416f-b70f-4b09772f8e2d"
PROFILE = "59284659d4c650213cc2f3fc"
BASE = "/crafter-profile/api/1/profile/" + PROFILE
UPLOADED = example("crafter", "/api/1/profile/{id}/uploadAttachment", "post", "200", "uploaded")
DETAILS = example("crafter", "/api/1/profile/{id}/attachment/{attachmentName}/details", "get", "200", "details")
PICTURE = bytes(range(256)) * 97  # 24,832 bytes that are not text
PICTURE_MD5 = hashlib.md5(PICTURE).hexdigest()


@pytest.fixture(params=["sync", "async"])
def mode(request) -> str:
    return request.param


def crafter(mode: str, server, call, **client):
    """Run ``call(cp)`` through a fresh sync or async client."""
    kwargs = {"access_token_id": TOKEN, "base_url": server.url + "/crafter-profile", **client}
    return through(mode, CrafterProfile, AsyncCrafterProfile, kwargs, call)


def parts(recorded) -> dict[str, tuple[str | None, str, bytes]]:
    """Multipart parts the server received: name -> (filename, content type, bytes)."""
    head = f"Content-Type: {recorded.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + recorded.body)
    return {
        p.get_param("name", header="content-disposition"): (
            p.get_filename(),
            p.get_content_type(),
            p.get_payload(decode=True),
        )
        for p in message.iter_parts()
    }


# -- upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["path", "str-path", "bytes", "file", "tuple"])
def test_upload_streams_the_file_in_part_attachment(server, mode, tmp_path, kind):
    path = tmp_path / "picture1.jpg"
    path.write_bytes(PICTURE)
    server.route("POST", BASE + "/uploadAttachment", Reply(200, UPLOADED))
    handle = open(path, "rb")  # noqa: SIM115 - closed below
    given = {
        "path": path,
        "str-path": str(path),
        "bytes": PICTURE,
        "file": handle,
        "tuple": ("cv.pdf", PICTURE, "application/pdf"),
    }[kind]

    result = crafter(mode, server, lambda cp: cp.profile.attachments.upload(PROFILE, file=given))
    handle.close()
    assert isinstance(result, Attachment) and result.model_dump(by_alias=True, exclude_unset=True) == UPLOADED
    req = server.last()
    assert req.method == "POST" and req.path == BASE + "/uploadAttachment"
    assert req.query == {"accessTokenId": [TOKEN]}
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    filename, content_type, content = parts(req)["attachment"]
    assert content == PICTURE
    expected_name = {
        "path": "picture1.jpg",
        "str-path": "picture1.jpg",
        "bytes": "upload",
        "file": "picture1.jpg",
        "tuple": "cv.pdf",
    }[kind]
    assert filename == expected_name
    if kind == "tuple":
        assert content_type == "application/pdf"
    elif kind in ("path", "str-path", "file"):
        assert content_type == "image/jpeg"  # guessed from the file name


def test_upload_is_not_retried_after_a_500(server, mode, tmp_path):
    server.route("POST", BASE + "/uploadAttachment", Reply(500, {"message": "Internal server error"}))

    def call(cp):
        return cp.profile.attachments.upload(PROFILE, file=b"x")

    with pytest.raises(InternalServerError) as info:
        crafter(mode, server, call)
    assert info.value.body.message == "Internal server error"
    assert server.count("POST", BASE + "/uploadAttachment") == 1  # POST is not idempotent


def test_upload_closes_the_files_it_opened(server, tmp_path):
    import gc
    import warnings

    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    server.route("POST", BASE + "/uploadAttachment", Reply(200, UPLOADED))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with CrafterProfile(access_token_id=TOKEN, base_url=server.url + "/crafter-profile") as cp:
            cp.profile.attachments.upload(PROFILE, file=path)
        gc.collect()


# -- details -------------------------------------------------------------------------------------


def test_details(server, mode):
    server.route("GET", BASE + "/attachment/picture1/details", Reply(200, DETAILS))
    result = crafter(mode, server, lambda cp: cp.profile.attachments.details(PROFILE, "picture1"))
    assert isinstance(result, Attachment) and result.md5 == "498a1e16be56873ef53a1a61295d1781"
    assert server.last().query == {"accessTokenId": [TOKEN]}


def test_attachment_names_are_one_path_segment(server, mode):
    server.route("GET", BASE + "/attachment/..%2Fsecret%3Fx/details", Reply(200, DETAILS))
    crafter(mode, server, lambda cp: cp.profile.attachments.details(PROFILE, "../secret?x"))
    assert server.last().path == BASE + "/attachment/..%2Fsecret%3Fx/details"


# -- download operation --------------------------------------------------------------------------


def picture_reply(**kwargs) -> Reply:
    return Reply(200, PICTURE, content_type="image/jpeg;charset=UTF-8", **kwargs)


def test_download_to_a_path_checks_md5_and_returns_the_path(server, mode, tmp_path):
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    target = tmp_path / "picture1.jpg"
    result = crafter(
        mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=target, md5=PICTURE_MD5)
    )
    assert result == target and target.read_bytes() == PICTURE
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    req = server.last()
    assert req.query == {"accessTokenId": [TOKEN]} and req.headers["accept"] == "*/*"


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_downloaded_file_gets_the_mode_the_umask_gives(server, tmp_path, umask):
    # As any new file would (open's 0666 less the umask), not the 0600 of a temporary file.
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    target = tmp_path / "picture1.jpg"
    before = os.umask(umask)
    try:
        crafter("sync", server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=target))
    finally:
        os.umask(before)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_download_without_target_returns_bytes(server, mode):
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    assert crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1")) == PICTURE


def test_download_to_a_file_object(server, mode):
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    sink = io.BytesIO(b"old content that is longer than nothing")
    sink.seek(0, io.SEEK_END)
    assert crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=sink)) is sink
    assert sink.getvalue() == b"old content that is longer than nothing" + PICTURE  # appended at its position


def test_md5_mismatch_leaves_nothing_and_keeps_an_existing_file(server, mode, tmp_path):
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    target = tmp_path / "picture1.jpg"
    target.write_bytes(b"previous version")
    with pytest.raises(DownloadIntegrityError, match="MD5 mismatch") as info:
        crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=target, md5="0" * 32))
    assert info.value.actual == PICTURE_MD5
    assert target.read_bytes() == b"previous version"
    assert list(tmp_path.iterdir()) == [target]


def test_content_md5_header_is_checked(server, mode, tmp_path):
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    server.route("GET", BASE + "/attachment/picture1", picture_reply(headers={"Content-MD5": wrong}))
    with pytest.raises(DownloadIntegrityError):
        crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=tmp_path / "p"))
    assert list(tmp_path.iterdir()) == []


def test_expected_size_mismatch(server, mode, tmp_path):
    server.route("GET", BASE + "/attachment/picture1", picture_reply())
    with pytest.raises(DownloadIntegrityError, match=f"expected 10 bytes, received {len(PICTURE)}"):
        crafter(
            mode,
            server,
            lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=tmp_path / "p", expected_size=10),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fault", [{"drop": "mid-body"}, {"truncate_to": 1000}])
def test_interrupted_download_leaves_nothing_at_the_target(server, mode, tmp_path, fault):
    server.route("GET", BASE + "/attachment/picture1", picture_reply(**fault))
    target = tmp_path / "picture1.jpg"
    with pytest.raises(APIConnectionError):
        crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=target), max_retries=1)
    assert server.count("GET", BASE + "/attachment/picture1") == 2
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_recovers_on_retry(server, mode, tmp_path):
    server.route("GET", BASE + "/attachment/picture1", [picture_reply(drop="mid-body"), picture_reply()])
    target = tmp_path / "picture1.jpg"
    crafter(mode, server, lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=target, md5=PICTURE_MD5))
    assert target.read_bytes() == PICTURE and list(tmp_path.iterdir()) == [target]


def test_download_error_status_is_typed_and_writes_nothing(server, mode, tmp_path):
    server.route("GET", BASE + "/attachment/picture1", Reply(500, {"message": "Internal server error"}))
    with pytest.raises(InternalServerError):
        crafter(
            mode,
            server,
            lambda cp: cp.profile.attachments.download(PROFILE, "picture1", to=tmp_path / "p"),
            max_retries=0,
        )
    assert list(tmp_path.iterdir()) == []


# -- the download helper: links returned by the APIs ------------------------------------------------


def test_kombo_data_url_on_the_api_origin_gets_the_token(server, mode, tmp_path):
    server.route("GET", "/files/cv.pdf", Reply(200, PICTURE, content_type="application/pdf"))
    target = tmp_path / "cv.pdf"
    kwargs = {"api_key": "kombo-token", "integration_id": "i", "server_url": server.url + "/v1"}
    # An absolute link, and a relative one (resolved against the API's base URL).
    url = server.url + "/files/cv.pdf" if mode == "sync" else "/files/cv.pdf"
    assert (
        through(
            mode,
            Kombo,
            AsyncKombo,
            kwargs,
            lambda k: k.download(url, to=target, expected_size=len(PICTURE), md5=PICTURE_MD5),
        )
        == target
    )
    assert target.read_bytes() == PICTURE
    assert server.last().headers["authorization"] == "Bearer kombo-token"


def test_links_on_another_origin_get_no_credentials(server, tmp_path):
    with RecordingServer() as storage:
        storage.route("GET", "/bucket/cv.pdf", Reply(200, PICTURE, content_type="application/pdf"))
        with Hrflow(api_secret="ask_secret", api_user="me@x.io", base_url=server.url) as h:
            h.download(storage.url + "/bucket/cv.pdf?sig=1", to=tmp_path / "a")
        with CrafterProfile(access_token_id=TOKEN, base_url=server.url) as cp:
            cp.download(storage.url + "/bucket/cv.pdf", to=tmp_path / "b")
        first, second = storage.requests
    assert "x-api-key" not in first.headers and "x-user-email" not in first.headers and first.query == {"sig": ["1"]}
    assert second.query == {}
    assert (tmp_path / "a").read_bytes() == PICTURE == (tmp_path / "b").read_bytes()


def test_a_redirect_off_the_api_origin_drops_credentials(server, tmp_path):
    with RecordingServer() as storage:
        storage.route("GET", "/signed", Reply(200, PICTURE))
        server.route("GET", "/files/x", Reply(302, None, headers={"Location": storage.url + "/signed"}))
        with Hrflow(api_secret="ask_secret", api_user="me@x.io", base_url=server.url) as h:
            h.download("/files/x", to=tmp_path / "x")
        assert server.last().headers["x-api-key"] == "ask_secret"
        assert "x-api-key" not in storage.last().headers
    assert (tmp_path / "x").read_bytes() == PICTURE


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x"])
def test_download_refuses_other_schemes(server, tmp_path, url):
    with Kombo(api_key="t", integration_id="i", server_url=server.url) as k:
        with pytest.raises(ValueError, match="http or https"):
            k.download(url, to=tmp_path / "x")
    assert server.requests == [] and list(tmp_path.iterdir()) == []
