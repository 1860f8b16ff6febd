"""The generated public API read from source (``drift/surface.py``): what a user's code can touch, and each
change to it named in the user's terms with the level it gets (breaking or added)."""

from __future__ import annotations

from pathlib import Path

from generator.config import ApiConfig
from generator.drift import surface
from generator.pipeline import build_files

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''class Job(Model):
    """A job."""

    id: str
    title: str | None = None


class Color(OpenStrEnum):
    RED = "red"
    BLUE = "blue"


__all__ = ["Color", "Job"]
'''

RESOURCE = """class JobsResource(SyncResource):
    def list(self, *, limit: int | None = None, service_id: str | None = None) -> list[Job]:
        return []

    def get(self, job_id: str, *, service_id: str | None = None) -> Job:
        return Job()


class AsyncJobsResource(AsyncResource):
    async def list(self, *, limit: int | None = None, service_id: str | None = None) -> list[Job]:
        return []

    async def get(self, job_id: str, *, service_id: str | None = None) -> Job:
        return Job()


class JobsResourceWithRawResponse:
    def __init__(self, resource: JobsResource) -> None:
        self.list = raw_method(resource.list)
"""


def _files(models: str = MODELS, resource: str = RESOURCE) -> dict[str, str | None]:
    return {"pkg/models.py": models, "pkg/resources/jobs.py": resource, "pkg/_runtime.py": "def private(): pass\n"}


def _said(old: dict[str, str | None], new: dict[str, str | None]) -> list[tuple[str, str]]:
    return [(c.level, c.text) for c in surface.changes(old, new, "pkg")]


def test_the_same_package_has_no_changes_and_a_docstring_is_no_change():
    assert _said(_files(), _files()) == []
    assert _said(_files(), _files(MODELS.replace('"""A job."""', '"""A job posting."""'))) == []


def test_builtins_spelled_out_where_a_method_is_named_list_are_the_same_type():
    spelled = RESOURCE.replace("-> list[Job]", "-> builtins.list[Job]")
    assert spelled != RESOURCE and _said(_files(), _files(resource=spelled)) == []
    assert _said(_files(), _files(resource=RESOURCE.replace("-> list[Job]", "-> tuple[Job]"))) != []


def test_a_class_renamed_is_one_change_with_both_names():
    renamed = MODELS.replace("class Job(", "class JobPosting(").replace('"Job"]', '"JobPosting"]')
    assert _said(_files(), _files(renamed)) == [("breaking", "class Job renamed to JobPosting")]


def test_a_keyword_removed_from_many_methods_is_one_line_with_the_count_and_async_twins_are_not_counted():
    gone = RESOURCE.replace(", *, service_id: str | None = None", "").replace(", service_id: str | None = None", "")
    assert _said(_files(), _files(resource=gone)) == [
        ("breaking", "keyword service_id removed from 2 methods (JobsResource.get(), JobsResource.list())")
    ]


def test_required_additions_break_and_optional_ones_add():
    required = RESOURCE.replace("*, limit: int | None = None", "*, board: str, limit: int | None = None")
    optional = RESOURCE.replace("*, limit: int | None = None", "*, board: str | None = None, limit: int | None = None")
    assert _said(_files(), _files(resource=required)) == [
        ("breaking", "required keyword board added to JobsResource.list()")
    ]
    assert _said(_files(), _files(resource=optional)) == [("added", "keyword board added to JobsResource.list()")]
    field = MODELS.replace("    title: str | None = None\n", "    title: str | None = None\n    board: str\n")
    assert _said(_files(), _files(field)) == [("breaking", "required field Job.board added")]


def test_types_defaults_and_members():
    narrowed = MODELS.replace("title: str | None = None", "title: str = ''")
    assert _said(_files(), _files(narrowed)) == [
        ("breaking", "field Job.title changed (str | None = None -> str = '')")
    ]
    widened = RESOURCE.replace("limit: int | None = None", "limit: int | str | None = None")
    assert _said(_files(), _files(resource=widened)) == [
        ("added", "keyword limit takes more (int | None = None -> int | str | None = None) in JobsResource.list()")
    ]
    returns = RESOURCE.replace("-> list[Job]:", "-> SyncPage[Job]:")
    assert _said(_files(), _files(resource=returns)) == [
        ("breaking", "method JobsResource.list() changed (list[Job] -> SyncPage[Job])")
    ]
    members = MODELS.replace('    BLUE = "blue"\n', '    GREEN = "green"\n')
    assert _said(_files(), _files(members)) == [
        ("breaking", "enum member Color.BLUE removed"),
        ("added", "enum member Color.GREEN added"),
    ]


def test_private_modules_and_wrappers_are_not_the_surface_but_exports_are():
    changed = _files()
    changed["pkg/_runtime.py"] = "def private(): pass\n\n\ndef another(): pass\n"
    changed["pkg/resources/jobs.py"] = RESOURCE.replace("self.list = raw_method", "self.listed = raw_method")
    assert _said(_files(), changed) == []
    assert _said(_files(), _files(MODELS.replace('__all__ = ["Color", "Job"]', '__all__ = ["Job"]'))) == [
        ("breaking", "export Color removed")
    ]


def test_a_whole_generated_package_reads_and_compares_with_itself(tmp_path):
    # Every module the generator writes parses chunk by chunk, and an unchanged package is no change;
    # a real package's surface holds its client, resources, models and exports.
    result = build_files(ApiConfig(name="integration31", spec=ROOT / "tests/specs/integration31.yaml"))
    assert result.ok and result.api is not None
    files: dict[str, str | None] = dict(result.files)
    package = result.api.package
    assert surface.changes(files, files, package) == []
    chunks = surface._definitions(files, package)
    read = surface._surface(chunks.elements())
    kinds = {key[0] for key in read}
    assert {"class", "field", "method", "keyword", "constructor", "property", "export"} <= kinds
    assert ("constructor", "client.RecruitingIntegration", "client_id") in read
    assert not any(key[1].endswith(("WithRawResponse", "WithStreamingResponse")) for key in read)
    without = {path: text for path, text in files.items() if not path.endswith("/webhooks.py")}
    assert any(c.text.startswith("class ") and c.level == "breaking" for c in surface.changes(files, without, package))


ALIASED = '''class Employee(Model):
    """An employee."""

    id: str
    first_name: str = pydantic.Field(alias="firstName")
    last_name: str | None = pydantic.Field(default=None, alias="lastName")
'''


def test_a_field_declared_in_its_annotation_reads_as_the_same_field_with_its_wire_name():
    # Fields written `x: T = pydantic.Field(default=..., alias=...)` and `x: Annotated[T,
    # pydantic.Field(alias=...)] = default` are the same field to a user's code: the same Python name,
    # type, default and wire name. A deprecation added is no change either (reading the field warns).
    annotated = ALIASED.replace(
        'first_name: str = pydantic.Field(alias="firstName")',
        'first_name: Annotated[str, pydantic.Field(alias="firstName")]',
    ).replace(
        'last_name: str | None = pydantic.Field(default=None, alias="lastName")',
        'last_name: Annotated[str | None, pydantic.Field(alias="lastName", deprecated="gone")] = None',
    )
    assert annotated != ALIASED and _said(_files(ALIASED), _files(annotated)) == []
    split = ALIASED.replace('alias="lastName"', 'validation_alias="lastName", serialization_alias="lastName"')
    assert _said(_files(ALIASED), _files(split)) == []
    read = surface._surface([("models", annotated)])
    assert read[("field", "models.Employee", "first_name")] == "str (wire 'firstName')"
    assert read[("field", "models.Employee", "last_name")] == "str | None = None (wire 'lastName')"
    # What a user's code sees does change with the wire name, and a required field added breaks.
    renamed = annotated.replace('alias="firstName"', 'alias="givenName"')
    assert _said(_files(annotated), _files(renamed)) == [
        ("breaking", "field Employee.first_name changed (str (wire 'firstName') -> str (wire 'givenName'))")
    ]
    required = annotated + '    title_code: Annotated[str, pydantic.Field(alias="title = code")]\n'
    optional = annotated + '    title_code: Annotated[str | None, pydantic.Field(alias="titleCode")] = None\n'
    assert _said(_files(annotated), _files(required)) == [("breaking", "required field Employee.title_code added")]
    assert _said(_files(annotated), _files(optional)) == [("added", "field Employee.title_code added")]
    old_required = ALIASED + '    title_code: str = pydantic.Field(alias="titleCode")\n'
    assert _said(_files(ALIASED), _files(old_required)) == [("breaking", "required field Employee.title_code added")]


CLIENT = """class Client(SyncClient):
    def update_job(self, job_id: str, *, title: str | None = None) -> None:
        return None


class AsyncClient(AsyncBaseClient):
    async def update_job(self, job_id: str, *, title: str | None = None) -> None:
        return None
"""

CLIENT_WITHOUT = """class Client(SyncClient):
    pass


class AsyncClient(AsyncBaseClient):
    pass
"""

MOVED = RESOURCE.replace(
    "class AsyncJobsResource(AsyncResource):",
    "    def update(self, job_id: str, *, title: str | None = None) -> None:\n        return None\n\n\n"
    "class AsyncJobsResource(AsyncResource):",
).replace(
    "class JobsResourceWithRawResponse:",
    "    async def update(self, job_id: str, *, title: str | None = None) -> None:\n        return None\n\n\n"
    "class JobsResourceWithRawResponse:",
)


def test_a_method_moved_to_another_class_is_one_breaking_change_naming_both_places():
    old = {**_files(), "pkg/client.py": CLIENT}
    new = {**_files(resource=MOVED), "pkg/client.py": CLIENT_WITHOUT}
    assert _said(old, new) == [("breaking", "method Client.update_job() moved to JobsResource.update()")]


def test_a_method_renamed_in_its_class_is_one_breaking_change():
    renamed = RESOURCE.replace("def get(", "def retrieve(")
    assert _said(_files(), _files(resource=renamed)) == [
        ("breaking", "method JobsResource.get() renamed to JobsResource.retrieve()")
    ]


def test_a_method_removed_and_another_of_a_different_shape_added_are_not_a_rename():
    other = RESOURCE.replace(
        "def get(self, job_id: str, *, service_id: str | None = None) -> Job:",
        "def retrieve(self, job_id: str) -> Job:",
    )
    said = _said(_files(), _files(resource=other))
    assert ("breaking", "method JobsResource.get() removed") in said
    assert ("added", "method JobsResource.retrieve() added") in said
