"""Property-based tests: hypothesis builds OpenAPI documents from arbitrary names, texts and schema shapes.
Whatever it builds, the generator answers with diagnostics, never an uncaught exception, and every Python
file it produces compiles."""

from __future__ import annotations

import json
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import generate_package

# Names and texts drawn from everything a hostile or careless spec may hold.
NAMES = st.one_of(
    st.text(min_size=0, max_size=12),
    st.sampled_from(
        [
            "class",
            "None",
            "self",
            "model_config",
            "__init__",
            "json",
            "1st",
            "a-b",
            "a b",
            "ünï",
            "",
            "_",
            "$ref",
            "CON",
            "..",
            "\"'",
            "{x}",
            "\u2028",
        ]
    ),
    st.text(alphabet=string.ascii_letters + "_-. ", min_size=1, max_size=10),
)
TEXT = st.text(max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
COMPONENTS = ["A", "B", "C"]


def schemas(depth: int = 3) -> st.SearchStrategy:
    leaf = st.one_of(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])},
            optional={
                "format": st.sampled_from(["date-time", "date", "uuid", "binary", "byte", "int64", "weird"]),
                "default": SCALARS,
                "example": SCALARS,
                "nullable": st.booleans(),
                "description": TEXT,
            },
        ),
        st.fixed_dictionaries(
            {"enum": st.lists(SCALARS, min_size=1, max_size=4)},
            optional={"type": st.sampled_from(["string", "integer"]), "x-enum-varnames": st.lists(NAMES, max_size=4)},
        ),
        st.fixed_dictionaries({"const": SCALARS}),
        st.sampled_from(
            [
                {},
                True,
                {"$ref": "#/components/schemas/A"},
                {"$ref": "#/components/schemas/B"},
                {"$ref": "#/components/schemas/Missing"},
                {"not": {}},
            ]
        ),
    )
    if depth <= 0:
        return leaf
    child = schemas(depth - 1)
    return st.one_of(
        leaf,
        st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(NAMES, child, max_size=4)},
            optional={
                "required": st.lists(NAMES, max_size=3),
                "additionalProperties": st.one_of(st.booleans(), child),
                "title": TEXT,
                "nullable": st.booleans(),
            },
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": child}),
        *(
            st.fixed_dictionaries(
                {key: st.lists(child, min_size=1, max_size=3)},
                optional={"discriminator": st.fixed_dictionaries({"propertyName": NAMES})},
            )
            for key in ("oneOf", "anyOf", "allOf")
        ),
        st.fixed_dictionaries(
            {
                "type": st.lists(
                    st.sampled_from(["string", "integer", "object", "null", "array"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            }
        ),
    )


PARAM = st.fixed_dictionaries(
    {"name": NAMES, "in": st.sampled_from(["query", "header", "cookie", "path", "body"]), "schema": schemas(1)},
    optional={
        "required": st.booleans(),
        "style": st.sampled_from(["form", "deepObject", "pipeDelimited", "simple", "bogus"]),
        "explode": st.booleans(),
        "description": TEXT,
    },
)
MEDIA = st.sampled_from(
    [
        "application/json",
        "application/problem+json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "text/plain",
        "*/*",
        "image/png",
    ]
)
OPERATION = st.fixed_dictionaries(
    {
        "responses": st.dictionaries(
            st.sampled_from(["200", "201", "204", "2XX", "400", "404", "default", "999"]),
            st.fixed_dictionaries(
                {"description": TEXT},
                optional={"content": st.dictionaries(MEDIA, st.fixed_dictionaries({"schema": schemas(2)}), max_size=2)},
            ),
            max_size=3,
        )
    },
    optional={
        "operationId": NAMES,
        "summary": TEXT,
        "description": TEXT,
        "tags": st.lists(NAMES, max_size=2),
        "parameters": st.lists(PARAM, max_size=3),
        "requestBody": st.fixed_dictionaries(
            {"content": st.dictionaries(MEDIA, st.fixed_dictionaries({"schema": schemas(2)}), max_size=2)},
            optional={"required": st.booleans()},
        ),
        "x-sdk-group": NAMES,
        "x-sdk-name": NAMES,
        "deprecated": st.booleans(),
    },
)
PATHS = st.dictionaries(
    st.builds(lambda parts: "/" + "/".join(parts), st.lists(st.one_of(NAMES, st.just("{id}")), min_size=1, max_size=3)),
    st.dictionaries(st.sampled_from(["get", "post", "put", "delete", "patch"]), OPERATION, min_size=1, max_size=2),
    max_size=4,
)
SPECS = st.fixed_dictionaries(
    {
        "openapi": st.sampled_from(["3.0.3", "3.1.0"]),
        "info": st.fixed_dictionaries({"title": TEXT, "version": TEXT}),
        "paths": PATHS,
        "components": st.fixed_dictionaries(
            {"schemas": st.fixed_dictionaries({name: schemas(2) for name in COMPONENTS})}
        ),
    },
    optional={
        "servers": st.lists(
            st.fixed_dictionaries(
                {"url": st.one_of(TEXT, st.just("https://x.test/{v}"))}, optional={"description": TEXT}
            ),
            max_size=2,
        )
    },
)


# The suite replays a fixed sample (derandomized, so CI is reproducible); SPECGEN_EXPLORE=N searches N
# fresh random documents instead.
EXPLORE = int(os.environ.get("SPECGEN_EXPLORE", "0"))


@settings(
    max_examples=EXPLORE or 60,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(SPECS)
def test_any_document_gives_diagnostics_or_code_that_compiles(tmp_path_factory, document):
    spec = tmp_path_factory.mktemp("spec") / "spec.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    result = generate_package(spec, name="prop")  # must not raise, whatever the document
    for diagnostic in result.diagnostics:
        assert str(diagnostic).startswith(str(spec))
    if result.ok:
        assert result.files
        for rel, text in result.files.items():
            if rel.endswith(".py"):
                compile(text, rel, "exec")
    else:
        assert not result.files
