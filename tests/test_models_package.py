"""``models`` is a package that loads on demand: ``models/__init__.py`` names every class, enum and alias
(for type checkers, ``__all__`` and ``dir()``) and imports the module holding one when it is first used;
each module imports what its annotations use from the modules below it (``build_ir/imports.py``,
``_model_modules``), so a name loads its closure and little more, and pydantic finds every name a class
uses in the class's own module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from server import RecordingServer, Reply

from generator import Speed
from generator.config import ApiConfig
from generator.core.build_ir import imports
from generator.drift import surface
from generator.pipeline import build_files

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "tests" / "specs"
PLAIN = Speed(cache=None, workers=False)


def _generated(folder: Path, name: str) -> tuple[Path, Any]:
    result = build_files(ApiConfig(name=name, spec=SPECS / f"{name}.yaml"), speed=PLAIN)
    assert result.ok, [str(d) for d in result.diagnostics.items]
    out = folder / "out"
    for path, text in result.files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text, encoding="utf-8")
    return out, result.api


@pytest.fixture(scope="module", params=["features31", "integration31", "wire31"])
def one_module_each(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A suite package cut as finely as the graph allows: every group of names a module of its own, so
    every use of a name from another module crosses an import."""
    patch = pytest.MonkeyPatch()
    patch.setattr(imports, "SMALL_GROUP", 1)
    try:
        return _generated(tmp_path_factory.mktemp(request.param), request.param)
    finally:
        patch.undo()


def _run(out: Path, script: str) -> Any:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _closure(api: Any, name: str) -> set[str]:
    """The modules importing ``name`` must load, as the IR says."""
    of = {n: m for m in api.model_modules for n in m.names}
    uses = {m.module: [i.module for i in m.imports] for m in api.model_modules}
    seen: set[str] = set()
    todo = [of[name].module]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += uses[module]
    return seen


def test_every_model_validates_with_the_names_of_its_own_module(one_module_each):
    # pydantic resolves a deferred model's annotations in its module's namespace when it first
    # validates: a name used but not imported there is "not fully defined". Each name is validated in a
    # process where nothing else was touched first.
    out, api = one_module_each
    assert len(api.model_modules) > 2
    package = api.package
    failures = []
    for name in [m.name for m in api.models] + [a.name for a in api.aliases]:
        said = _run(
            out,
            f"""
            import json, pydantic
            from {package}.models import {name} as target
            said = None
            try:
                if isinstance(target, type) and issubclass(target, pydantic.BaseModel):
                    target.model_validate({{}})
                else:
                    pydantic.TypeAdapter(target).validate_python(None)
            except pydantic.ValidationError:
                pass
            except Exception as exc:
                said = f"{{type(exc).__name__}}: {{exc}}"
            print(json.dumps(said))
            """,
        )
        if said:
            failures.append((name, said))
    assert not failures


def test_a_name_loads_the_modules_of_its_closure_and_no_other(one_module_each):
    out, api = one_module_each
    package = api.package
    loaded = _run(
        out,
        f"""
        import json, sys
        import {package}, {package}.client, {package}.models as models
        before = sorted(m for m in sys.modules if m.startswith("{package}.models."))
        found = {{}}
        for name in models.__all__:
            for module in [m for m in sys.modules if m.startswith("{package}.models.")]:
                del sys.modules[module]
            for key in list(vars(models)):
                if key in models.__all__ or key.startswith("_m_"):
                    delattr(models, key)
            getattr(models, name)
            found[name] = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("{package}.models."))
        print(json.dumps([before, found, sorted(dir(models)) == sorted(models.__all__)]))
        """,
    )
    before, found, listed = loaded
    assert before == []  # importing the package, its client and models loads no model
    assert listed
    for name, modules in found.items():
        assert set(modules) == _closure(api, name), name


def test_a_call_imports_the_models_of_the_response_it_receives_when_it_receives_it(tmp_path, monkeypatch):
    # The resource modules import models for type checkers only; each response's type is a lambda over
    # the models package, resolved when such a response first arrives: a success loads its model's
    # closure, an error the error model's, and neither loads the other.
    monkeypatch.setattr(imports, "SMALL_GROUP", 1)
    out, api = _generated(tmp_path, "features31")
    pet = {"id": 1, "name": "Rex"}
    with RecordingServer() as server:
        server.route("GET", "/pets/1", Reply(200, pet))
        server.route("GET", "/pets", Reply(500, {"title": "down"}))
        loaded = _run(
            out,
            f"""
            import json, sys
            from {api.package} import FeatureZoo
            from {api.package}.errors import InternalServerError

            def models():
                return sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("{api.package}.models."))

            client = FeatureZoo(base_url={server.url!r}, bearer="t", max_retries=0)
            found = [models()]
            client.pets  # the resource module: no model
            found.append(models())
            assert client.pets.get(1).name == "Rex"
            found.append(models())
            try:
                client.pets.list()
            except InternalServerError as error:
                assert error.body.title == "down", error.body
            found.append(models())
            print(json.dumps(found))
            """,
        )
    assert loaded[0] == loaded[1] == []
    assert set(loaded[2]) == _closure(api, "Pet")
    assert set(loaded[3]) == _closure(api, "Pet") | _closure(api, "Problem")
    assert not _closure(api, "Problem") <= _closure(api, "Pet")


def test_the_modules_import_each_other_without_a_cycle_and_hold_whole_components():
    # Stripe-like shapes in small: a cycle (A <-> B) shares a module; an enum used by one class lives
    # with it; a shared one is imported by both users from one module.
    graph: dict[str, list[str]] = {"A": ["B", "E"], "B": ["A"], "C": ["B", "S"], "D": ["S"], "E": [], "S": []}
    components = imports._components(sorted(graph), graph)
    assert ["A", "B"] in components
    order = [n for members in components for n in members]
    assert order.index("E") < order.index("A") and order.index("S") < order.index("C")
    assert imports._depths({1: {2}, 2: {3}, 3: set(), 4: {3}}) == {1: 2, 2: 1, 3: 0, 4: 1}


def test_the_layout_of_a_suite_package_keeps_every_name_once(tmp_path):
    out, api = _generated(tmp_path, "integration31")
    names = [n for m in api.model_modules for n in m.names]
    assert sorted(names) == sorted(
        [m.name for m in api.models] + [e.name for e in api.enums] + [a.name for a in api.aliases]
    )
    init = (out / api.package / "models" / "__init__.py").read_text(encoding="utf-8")
    assert "if TYPE_CHECKING:" in init and "def __getattr__(name: str) -> Any:" in init
    for module in api.model_modules:
        assert module.module.startswith("_m_") and module.module.isidentifier()
        assert (out / api.package / "models" / f"{module.module}.py").is_file()
    assert not (out / api.package / "models.py").exists()


# -- the public API reader sees one module "models" ---------------------------------------------------------

MODELS = '''class Job(Model):
    """A job."""

    id: str
    title: str | None = None


class Color(OpenStrEnum):
    RED = "red"
    BLUE = "blue"


__all__ = ["Color", "Job"]
'''


def test_models_cut_into_a_package_of_private_modules_is_the_same_public_module():
    # models.py became models/ (an __init__ that exports every name and loads it lazily, the classes in
    # private modules): the same names, classes and fields, so no change to the public API.
    job, color = MODELS.split("\n\n\nclass Color")
    before = {"pkg/models.py": MODELS}
    after = {
        "pkg/models/__init__.py": '__all__ = ["Color", "Job"]\n\n_MODULES = {"Color": "_m_color", "Job": "_m_job"}\n',
        "pkg/models/_m_color.py": "class Color" + color.replace('["Color", "Job"]', '["Color"]'),
        "pkg/models/_m_job.py": job + '\n\n__all__ = ["Job"]\n',
    }
    assert surface.changes(before, after, "pkg") == []
    renamed = {**after, "pkg/models/_m_job.py": after["pkg/models/_m_job.py"].replace("title:", "heading:")}
    said = [(c.level, c.text) for c in surface.changes(before, renamed, "pkg")]
    assert ("breaking", "field Job.title removed") in said and ("added", "field Job.heading added") in said
