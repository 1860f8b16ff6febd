"""What users' code sees of the generated models and of ``client.request``: models constructed by their
Python names (under mypy --strict, mypy with pydantic's plugin, and at run time) that still parse and
dump wire names; allOf members that only annotate or constrain narrowing their member instead of making
an empty object; deprecated properties marked and still parsed; ``request(..., cast_to=T)`` typed ``T``.

Each package is generated from a small document written here into a temporary folder, imported, called
against the test server on 127.0.0.1, and type-checked with consumer files that must pass and one that
must fail."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from server import Reply

from generator.config import ApiConfig
from generator.pipeline import build_files

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "typing_staff_client"

#: People (wire names in camelCase, one deprecated property) and a file shaped like a storage API's,
#: whose properties are allOf of one schema and fragments that only annotate or constrain it.
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Staff", "version": "1"},
    "servers": [{"url": "https://staff.example.com"}],
    "paths": {
        "/employees/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": "getEmployee",
                "x-sdk-name": "get_employee",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}},
                    }
                },
            },
            "put": {
                "operationId": "updateEmployee",
                "x-sdk-name": "update_employee",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Employee"}}},
                    }
                },
            },
        },
        "/files/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": "getFile",
                "x-sdk-name": "get_file",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StoredFile"}}},
                    }
                },
            },
        },
    },
    "components": {
        "schemas": {
            "Employee": {
                "type": "object",
                "required": ["id", "firstName"],
                "properties": {
                    "id": {"type": "string"},
                    "firstName": {"type": "string", "description": "Given name."},
                    "lastName": {"type": "string", "nullable": True},
                    "startDate": {"type": "string", "format": "date"},
                    "legacyCode": {"type": "string", "deprecated": True, "description": "Use id."},
                    "badge": {"type": "string", "deprecated": True},
                    "manager": {"$ref": "#/components/schemas/Person"},
                },
            },
            "Id": {"type": "string", "pattern": "^[0-9]+$"},
            "Person": {
                "type": "object",
                "properties": {"pydantic": {"type": "string"}, "fullName": {"type": "string"}},
            },
            "StoredFile": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string", "enum": ["file"]},
                    "sequence_id": {
                        "allOf": [
                            {"type": "string", "description": "An event counter, as text.", "example": "3"},
                            {"nullable": False},
                        ]
                    },
                    "size": {"allOf": [{"type": "integer"}, {"minimum": 0}]},
                    "uploaded_by": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Person"},
                            {"description": "Who uploaded the file."},
                            {"nullable": False},
                        ]
                    },
                    "parents": {
                        "allOf": [
                            {
                                "type": "object",
                                "required": ["total"],
                                "properties": {
                                    "total": {"type": "integer"},
                                    "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}},
                                },
                            },
                            {"description": "The folders above the file."},
                            {"nullable": False},
                        ]
                    },
                    "tags": {"allOf": [{"type": "array", "items": {"type": "string"}}, {"maxItems": 100}]},
                    "modified_at": {"allOf": [{"type": "string"}, {"format": "date-time"}]},
                    "lock": {"allOf": [{"$ref": "#/components/schemas/Person"}, {"nullable": True}]},
                    "legacy": {"allOf": [{"type": "string"}, {"deprecated": True}]},
                    "owner_id": {"allOf": [{"type": "string", "maxLength": 20}, {"$ref": "#/components/schemas/Id"}]},
                },
            },
        }
    },
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The package generated into a temporary folder (its path) and the build's diagnostics."""
    folder = tmp_path_factory.mktemp("typing")
    (folder / "staff.yaml").write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    result = build_files(ApiConfig(name="typing_staff", spec=folder / "staff.yaml"))
    assert result.ok, [str(d) for d in result.diagnostics.items]
    out = folder / "out"
    for path, text in result.files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text, encoding="utf-8")
    return out, result.diagnostics


@pytest.fixture(scope="module")
def package(generated: tuple[Path, Any]) -> Any:
    out, _ = generated
    sys.path.insert(0, str(out))
    try:
        importlib.import_module(PACKAGE + ".models")  # sets the package's ``models``
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _models_source(generated: tuple[Path, Any]) -> str:
    """Every module of the package's ``models/``, one after the other."""
    folder = generated[0] / PACKAGE / "models"
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py")))


# -- 1. constructed by Python name, parsed and dumped by wire name -----------------------------------------


def test_fields_declare_their_wire_name_in_the_annotation(generated):
    # Type checkers read a field's constructor keyword from `alias=` in its value (pydantic's
    # dataclass_transform): declared in the annotation, the keyword is the Python name.
    source = _models_source(generated)
    assert '    first_name: Annotated[str, pydantic.Field(alias="firstName")]\n' in source
    assert '    last_name: Annotated[str | None, pydantic.Field(alias="lastName")] = None\n' in source
    assert "= pydantic.Field(" not in source.replace("__pydantic_extra__", "")
    assert "from typing import Annotated" in source


def test_models_take_python_names_parse_wire_names_and_dump_them(package):
    models = package.models
    made = models.Employee(id="e1", first_name="Ada", last_name=None, manager=models.Person(full_name="Grace"))
    assert made.first_name == "Ada" and made.manager is not None and made.manager.full_name == "Grace"
    assert made.model_dump(by_alias=True, exclude_unset=True) == {
        "id": "e1",
        "firstName": "Ada",
        "lastName": None,
        "manager": {"fullName": "Grace"},
    }
    assert made.model_dump(exclude_unset=True) == made.model_dump(by_alias=True, exclude_unset=True)
    wire = {"id": "e2", "firstName": "Alan", "startDate": "2024-05-01", "office": "Manchester"}
    parsed = models.Employee.model_validate(wire)
    assert (parsed.first_name, parsed.start_date.isoformat()) == ("Alan", "2024-05-01")
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == wire  # unknown fields kept
    assert models.Employee.model_validate_json(json.dumps(wire)).first_name == "Alan"
    # Wire names still construct at run time (validate_by_alias), as they did.
    assert models.Employee(id="e3", firstName="Edsger").first_name == "Edsger"


def test_a_property_named_like_the_module_the_declarations_use_is_renamed(package, generated):
    # `pydantic: str | None = None` in a class body would make `pydantic.Field(...)` in the annotations
    # after it name that field, not the module.
    assert '    pydantic_: Annotated[str | None, pydantic.Field(alias="pydantic")] = None\n' in _models_source(
        generated
    )
    person = package.models.Person.model_validate({"pydantic": "v2", "fullName": "Ada"})
    assert (person.pydantic_, person.full_name) == ("v2", "Ada")
    assert person.model_dump(by_alias=True) == {"pydantic": "v2", "fullName": "Ada"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_request_sends_wire_names_and_request_parses_into_cast_to(package, server, mode):
    models = package.models
    employee = {"id": "e1", "firstName": "Ada", "lastName": "Lovelace"}
    server.route("PUT", "/employees/e1", Reply(200, employee))
    server.route("GET", "/employees/e1", Reply(200, employee))
    body = models.Employee(id="e1", first_name="Ada", last_name="Lovelace")

    async def run_async() -> tuple[Any, Any]:
        async with package.AsyncStaff(base_url=server.url, max_retries=0) as client:
            return await client.employees.update_employee("e1", body=body), await client.request(
                "GET", "/employees/e1", cast_to=models.Employee
            )

    if mode == "sync":
        with package.Staff(base_url=server.url, max_retries=0) as client:
            updated, fetched = (
                client.employees.update_employee("e1", body=body),
                client.request("GET", "/employees/e1", cast_to=models.Employee),
            )
    else:
        updated, fetched = asyncio.run(run_async())
    sent = [r for r in server.requests if r.method == "PUT"][-1]
    assert json.loads(sent.body) == employee
    assert isinstance(updated, models.Employee) and isinstance(fetched, models.Employee)
    assert fetched.last_name == "Lovelace"


# -- 2. allOf members that only annotate or constrain narrow their member ----------------------------------

STORED_FILE = {
    "id": "f1",
    "type": "file",
    "sequence_id": "3",
    "size": 629644,
    "uploaded_by": {"fullName": "Ada"},
    "parents": {"total": 1, "entries": [{"fullName": "All Files"}]},
    "tags": ["approved"],
    "modified_at": "2024-05-01T10:00:00Z",
    "lock": None,
    "legacy": "x",
}


def test_annotation_and_constraint_only_allof_members_narrow_their_member(package, generated):
    # {type: string} + {nullable: false} is a str, {$ref: Person} + {description} + {nullable: false} a
    # Person, {type: integer} + {minimum: 0} an int; none makes an empty model of its own.
    fields = package.models.StoredFile.model_fields
    assert {name: str(fields[name].annotation) for name in ("sequence_id", "size", "tags", "owner_id")} == {
        "sequence_id": "str | None",
        "size": "int | None",
        "tags": "list[str] | None",
        "owner_id": "str | None",
    }
    source = _models_source(generated)
    for line in (
        "    uploaded_by: Person | None = None\n",
        "    modified_at: _dt.datetime | None = None\n",
        "    lock: Person | None = None\n",
        '    """Who uploaded the file."""\n',  # the description beside the reference documents the field
    ):
        assert line in source, line
    assert "class StoredFileSequenceId" not in source and "class StoredFileSize" not in source
    parsed = package.models.StoredFile.model_validate(STORED_FILE)
    assert parsed.sequence_id == "3" and parsed.size == 629644 and parsed.tags == ["approved"]
    assert parsed.uploaded_by is not None and parsed.uploaded_by.full_name == "Ada"
    assert parsed.parents is not None and parsed.parents.total == 1
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == {
        **STORED_FILE,
        "modified_at": "2024-05-01T10:00:00Z",
    }


def test_the_narrowing_is_said_as_an_info_where_constraints_were_dropped(generated):
    _, diagnostics = generated
    said = {d.pointer: d.message for d in diagnostics.items if d.code == "I324"}
    base = "/components/schemas/StoredFile/properties"
    assert said[f"{base}/sequence_id/allOf"] == (
        "allOf members that only constrain values (nullable) narrow allOf/0: typed as str, not as an object of"
        " their own"
    )
    assert said[f"{base}/size/allOf"].startswith("allOf members that only constrain values (minimum) narrow allOf/0")
    assert f"{base}/legacy/allOf" not in said  # a member that only annotates constrains nothing
    # Two members that are not objects: no class, the reference's type (any member accepts every value).
    assert {d.pointer: d.message for d in diagnostics.items if d.code == "I323"} == {
        f"{base}/owner_id/allOf": "allOf of 2 schemas that are not all objects is typed as allOf/1 (str), which"
        " accepts every value the allOf accepts"
    }
    assert all(d.level == "info" for d in diagnostics.items if d.code == "I324")


def test_a_box_like_file_is_served_by_the_mock_and_parsed_by_the_client(generated, package, tmp_path):
    # The mock builds the reply from the same description (the narrowing members' constraints applied to
    # the member they narrow), and the client parses it.
    from generator.mock.server import MockServer

    (tmp_path / "staff.yaml").write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    with MockServer(tmp_path / "staff.yaml") as mock, package.Staff(base_url=mock.base_url, max_retries=0) as client:
        got = client.files.get_file("f1")
    assert isinstance(got, package.models.StoredFile)
    assert isinstance(got.sequence_id, str) and isinstance(got.size, int) and got.size >= 0
    assert got.owner_id is not None and got.owner_id.isdigit() and len(got.owner_id) <= 20  # both members' rules


# -- 3. deprecated properties ----------------------------------------------------------------------------


def test_a_deprecated_property_parses_and_warns_where_it_is_read(package, generated, server):
    models = package.models
    parsed = models.Employee.model_validate({"id": "e1", "firstName": "Ada", "legacyCode": "L-7", "badge": "b"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert parsed.legacy_code == "L-7" and parsed.badge == "b"
    assert [(w.category, str(w.message), w.filename) for w in caught] == [
        (DeprecationWarning, "Employee.legacy_code is deprecated by the API", __file__),
        (DeprecationWarning, "Employee.badge is deprecated by the API", __file__),
    ]
    assert parsed.model_dump(by_alias=True, exclude_unset=True)["legacyCode"] == "L-7"
    # Dumping, comparing and sending it do not warn: only reading it does.
    server.route("PUT", "/employees/e1", Reply(200, {"id": "e1", "firstName": "Ada"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parsed == models.Employee.model_validate(parsed.model_dump(by_alias=True))
        with package.Staff(base_url=server.url, max_retries=0) as client:
            client.employees.update_employee("e1", body=parsed)
    assert json.loads(server.last().body)["legacyCode"] == "L-7"
    source = _models_source(generated)
    assert '    """Deprecated by the API. Use id."""\n' in source and '    """Deprecated by the API."""\n' in source
    assert 'deprecated="StoredFile.legacy is deprecated by the API"' in source  # said in an allOf member


# -- 4. type checkers --------------------------------------------------------------------------------------

ACCEPTED = """
from __future__ import annotations

from typing_staff_client import AsyncStaff, RawResponse, Staff
from typing_staff_client.models import Employee, Person, StoredFile


def build() -> Employee:
    return Employee(id="e1", first_name="Ada", last_name=None, manager=Person(full_name="Grace"))


def read(employee: Employee) -> str:
    given: str = employee.first_name
    family: str | None = employee.last_name
    return given + (family or "")


def call(client: Staff) -> list[str]:
    one: Employee = client.request("GET", "/employees/e1", cast_to=Employee)
    many: list[Employee] = client.request("GET", "/employees", cast_to=list[Employee])
    raw: RawResponse[Employee] = client.with_raw_response.request("GET", "/e", cast_to=Employee)
    anything = client.request("GET", "/anything")  # decoded JSON: Any
    either = client.request("GET", "/either", cast_to=Employee | Person)  # not a class: Any
    stored: StoredFile = client.files.get_file("f1")
    size: int | None = stored.size
    return [one.first_name, many[0].id, raw.parsed.id, str(anything), str(either), str(size)]


async def call_async(client: AsyncStaff) -> str:
    one: Employee = await client.request("GET", "/employees/e1", cast_to=Employee)
    raw: RawResponse[Employee] = await client.with_raw_response.request("GET", "/e", cast_to=Employee)
    return one.first_name + raw.parsed.id
"""

REJECTED = """
from __future__ import annotations

from typing_staff_client import AsyncStaff, Staff
from typing_staff_client.models import Employee, Person, StoredFile

Employee(id="e1", first_name=3)
wrong: Person = Staff().request("GET", "/employees/e1", cast_to=Employee)
count: int = StoredFile.model_validate({"id": "f1", "type": "file"}).sequence_id


async def call_async(client: AsyncStaff) -> None:
    employee = await client.request("GET", "/employees/e1", cast_to=Employee)
    person: Person = employee
    del person
"""


def _mypy(folder: Path, out: Path, config: str | None, *files: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes"]
    if config is not None:
        (folder / "mypy.ini").write_text(textwrap.dedent(config), encoding="utf-8")
        args += ["--config-file", str(folder / "mypy.ini")]
    cache = (
        ROOT
        / ".cache"
        / ("mypy-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))
        / ("plain" if config is None else "plugin-" + str(abs(hash(config)) % 1000))
    )
    args += ["--cache-dir", str(cache), str(out / PACKAGE), *files]
    env = {**os.environ, "MYPYPATH": str(out)}
    return subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def _errors(output: str, file: str) -> list[str]:
    return [
        line.split(" error: ", 1)[1]
        for line in output.splitlines()
        if line.startswith(file + ":") and " error: " in line
    ]


PLUGIN = """
    [mypy]
    plugins = pydantic.mypy

    [pydantic-mypy]
    init_typed = True
    init_forbid_extra = True
"""


def test_mypy_strict_takes_python_names_and_types_request(generated, tmp_path):
    out, _ = generated
    (tmp_path / "accepted.py").write_text(ACCEPTED, encoding="utf-8")
    (tmp_path / "rejected.py").write_text(REJECTED, encoding="utf-8")
    proc = _mypy(tmp_path, out, None, "accepted.py", "rejected.py")
    assert not [line for line in proc.stdout.splitlines() if not line.startswith("rejected.py:")], proc.stdout
    assert _errors(proc.stdout, "rejected.py") == [
        'Argument "first_name" to "Employee" has incompatible type "int"; expected "str"  [arg-type]',
        'Incompatible types in assignment (expression has type "Employee", variable has type "Person")  [assignment]',
        'Incompatible types in assignment (expression has type "str | None", variable has type "int")  [assignment]',
        'Incompatible types in assignment (expression has type "Employee", variable has type "Person")  [assignment]',
    ], proc.stdout


def test_mypy_with_the_pydantic_plugin_takes_python_names_too(generated, tmp_path):
    out, _ = generated
    (tmp_path / "accepted.py").write_text(ACCEPTED, encoding="utf-8")
    (tmp_path / "rejected.py").write_text(REJECTED + 'Employee(id="e1", firstName="Ada")\n', encoding="utf-8")
    # The plugin's defaults (constructor arguments typed Any) accept what users write...
    default = _mypy(tmp_path, out, "[mypy]\nplugins = pydantic.mypy\n", "accepted.py")
    assert default.returncode == 0, default.stdout
    # ...and with its constructor typed and closed, it rejects a wrong type and an unknown keyword.
    strict = _mypy(tmp_path, out, PLUGIN, "accepted.py", "rejected.py")
    assert not [line for line in strict.stdout.splitlines() if not line.startswith("rejected.py:")], strict.stdout
    errors = _errors(strict.stdout, "rejected.py")
    assert 'Argument "first_name" to "Employee" has incompatible type "int"; expected "str"  [arg-type]' in errors
    assert 'Unexpected keyword argument "firstName" for "Employee"; did you mean "first_name"?  [call-arg]' in errors
    assert (
        'Incompatible types in assignment (expression has type "Employee", variable has type "Person")  [assignment]'
        in errors
    )


def test_reading_a_deprecated_field_type_checks(generated, tmp_path):
    # PEP 702's @deprecated covers classes and functions, not attributes: type checkers accept the read,
    # and the DeprecationWarning at run time is the marker (with the field's docstring).
    out, _ = generated
    (tmp_path / "old.py").write_text(
        "from typing_staff_client.models import Employee\n\n"
        "code: str | None = Employee(id='e1', first_name='Ada', legacy_code='L').legacy_code\n",
        encoding="utf-8",
    )
    proc = _mypy(tmp_path, out, None, "old.py")
    assert proc.returncode == 0, proc.stdout


def test_pyright_takes_python_names_too_where_it_is_installed(generated, tmp_path):
    # Not in requirements-dev.txt (it runs on Node): checked where a pyright is on PATH
    # (`pip install basedpyright`), as the editors most users type-check in see the package.
    import shutil

    pyright = shutil.which("basedpyright") or shutil.which("pyright")
    if pyright is None:
        pytest.skip("no pyright on PATH")
    out, _ = generated
    (tmp_path / "accepted.py").write_text(ACCEPTED, encoding="utf-8")
    (tmp_path / "rejected.py").write_text(REJECTED + 'Employee(id="e1", firstName="Ada")\n', encoding="utf-8")
    config = {"extraPaths": [str(out)], "typeCheckingMode": "strict"}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    proc = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", sys.executable, "accepted.py", "rejected.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = json.loads(proc.stdout)["generalDiagnostics"]
    errors = [(Path(d["file"]).name, d["range"]["start"]["line"] + 1) for d in found if d["severity"] == "error"]
    assert [e for e in errors if e[0] == "accepted.py"] == [], proc.stdout
    assert {line for name, line in errors if name == "rejected.py"} >= {7, 8, 9, 14, 16}, proc.stdout
