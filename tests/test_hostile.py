"""Spec strings are hostile: whatever they contain, generated code compiles, imports with no side effect,
and nothing is written outside the output folder."""

from __future__ import annotations

import builtins
import importlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from generator import generate_package
from generator.core.write import write_tree

PAYLOADS = [
    '"""; __import__("os").system("touch PWNED"); """',
    "'''; __import__('os').system('touch PWNED'); '''",
    '\\"); import os; os.system("touch PWNED") #',
    "line\nbreak\r\nand\u2028sep\u2029end",
    "nul\x00byte",
    "{__import__('os').system('touch PWNED')}",
    "# comment\nimport os",
    "../../x",
    "/etc/passwd",
    "CON",
    "",
    "...",
    "__init__",
    "class",
    "ünïcödé 名前",
]


def hostile_spec(payload: str) -> str:
    import json

    p = json.dumps(payload)
    return f"""{{
  "openapi": "3.1.0",
  "info": {{"title": {p}, "version": {p}, "description": {p}}},
  "servers": [{{"url": "https://example.com/{payload.encode("unicode_escape").decode().replace('"', "")[:8].replace("{", "").replace("}", "")}", "description": {p}, "x-sdk-server-name": {p}}}],
  "tags": [{{"name": {p}}}],
  "paths": {{
    "/things/{{thing}}": {{
      "get": {{
        "tags": [{p}], "operationId": {p}, "summary": {p}, "description": {p},
        "parameters": [
          {{"name": "thing", "in": "path", "required": true, "description": {p}, "schema": {{"type": "string"}}}},
          {{"name": {p}, "in": "query", "description": {p}, "schema": {{"type": "string", "default": {p}, "example": {p}}}}},
          {{"name": "h", "in": "header", "schema": {{"type": "string", "enum": [{p}, "x"]}}}}
        ],
        "responses": {{"200": {{"description": {p}, "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}}}}
      }}
    }}
  }},
  "components": {{
    "securitySchemes": {{"key": {{"type": "apiKey", "in": "header", "name": {p}, "description": {p}}}}},
    "schemas": {{
      "Thing": {{
        "type": "object", "title": {p}, "description": {p},
        "properties": {{
          {p}: {{"type": "string", "description": {p}, "default": {p}}},
          "kind": {{"type": "string", "enum": [{p}, "ok"], "x-enum-varnames": [{p}, "OK"]}},
          "const": {{"const": {p}}}
        }}
      }},
      {json.dumps(payload + "Model")}: {{"type": "object", "properties": {{"a": {{"type": "string", "description": {p}}}}}}}
    }}
  }},
  "security": [{{"key": []}}],
  "x-sdk-webhook-signature": {{"scheme": "hmac-sha256", "header": "X-Sig", "prefix": {p}}},
  "webhooks": {{
    {p}: {{"post": {{"summary": {p}, "requestBody": {{"content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}}, "responses": {{"200": {{"description": {p}}}}}}}}}
  }}
}}
"""


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"case{i}" for i in range(len(PAYLOADS))])
def test_hostile_strings_never_become_code_or_paths(payload, tmp_path, monkeypatch):
    spec = tmp_path / "spec" / "hostile.json"
    spec.parent.mkdir()
    spec.write_text(hostile_spec(payload), encoding="utf-8")
    result = generate_package(spec, name="hostile")
    if not result.ok:
        # Refusing is allowed, as long as it is a diagnostic that names the file.
        assert all(
            str(d).startswith(str(spec.relative_to(Path.cwd())) if spec.is_relative_to(Path.cwd()) else str(spec))
            for d in result.diagnostics.errors
        )
        return
    out = tmp_path / "out"
    write_tree(out, result.files)
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert written <= {"spec", "out"}
    for rel, text in result.files.items():
        if rel.endswith(".py"):
            compile(text, rel, "exec")

    def tripwire(*args, **kwargs):
        raise AssertionError(f"side effect on import: {args!r}")

    monkeypatch.setattr(os, "system", tripwire)
    monkeypatch.setattr(subprocess, "Popen", tripwire)
    monkeypatch.setattr(socket.socket, "connect", tripwire)
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+"):
            tripwire(file, mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.syspath_prepend(str(out))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for module in ("hostile_client", "hostile_client.models", "hostile_client.client", "hostile_client.webhooks"):
            importlib.import_module(module)
        webhooks = importlib.import_module("hostile_client.webhooks")
        assert list(webhooks.EVENTS) == [payload]  # the event's name is data, never code
    finally:
        os.chdir(cwd)
        for name in [m for m in sys.modules if m.startswith("hostile_client")]:
            del sys.modules[name]
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "../evil", "plain folder name"),
        ("name", ".hidden", "plain folder name"),
        ("name", "a/b", "plain folder name"),
        ("package", "os.path", "not a Python identifier"),
        ("package", "class", "not a Python identifier"),
        ("package", "json", "would shadow"),
        ("client", "Evil(); import os", "not a Python identifier"),
        ("base_url_param", "x=1", "not a Python identifier"),
    ],
)
def test_configured_names_are_checked_before_they_become_paths_or_code(field, value, message):
    from generator.config import ApiConfig, ConfigError

    fields = {"name": "ok", "spec": Path("spec.yaml"), field: value}
    with pytest.raises(ConfigError, match=message):
        ApiConfig(**fields)


def test_default_package_name_is_an_identifier_even_for_a_numeric_api_name():
    from generator.config import ApiConfig

    assert ApiConfig(name="3.0-petstore", spec=Path("s.yaml")).package_name == "n3_0_petstore_client"
