"""Validate stage: openapi-spec-validator plus the toolkit's own checks, as diagnostics with pointers."""

from __future__ import annotations

from typing import Any

from . import pointer as jp
from .diagnostics import Diagnostics
from .load import Spec

MAX_VALIDATOR_ERRORS = 200
SUPPORTED = ("3.0", "3.1")


def validate(spec: Spec) -> Diagnostics:
    diags = Diagnostics()
    data = spec.data
    version = str(data.get("openapi", "")) if isinstance(data, dict) else ""
    if not version.startswith(SUPPORTED):
        shown = version or ("swagger " + str(data.get("swagger")) if isinstance(data, dict) and "swagger" in data else "none")
        diags.error("E100", spec.label, "/openapi", f"unsupported OpenAPI version {shown!r}; 3.0.x and 3.1.x are supported")
        return diags
    _spec_validator(spec, version, diags)
    _own_checks(spec, diags)
    return diags


def _spec_validator(spec: Spec, version: str, diags: Diagnostics) -> None:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    base = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator

    def from_loaded(uri: str) -> Any:
        # References were checked and loaded by the load stage; the validator reads nothing itself.
        key = uri.partition("#")[0]
        if key in spec.documents:
            return spec.documents[key]
        raise LookupError(f"reference outside the loaded documents: {uri}")

    handlers = {"<all_urls>": from_loaded, "file": from_loaded, "http": from_loaded, "https": from_loaded}
    validator_cls = type("ConfinedValidator", (base,), {"resolver_handlers": handlers})
    try:
        errors = validator_cls(spec.data, base_uri=spec.root).iter_errors()
        for count, error in enumerate(errors):
            if count >= MAX_VALIDATOR_ERRORS:
                diags.error("E199", spec.label, "", f"more than {MAX_VALIDATOR_ERRORS} validation errors; stopped")
                break
            path = list(getattr(error, "absolute_path", []) or [])
            diags.error("E101", spec.label, jp.from_parts(path), _message(error))
    except RecursionError:
        diags.error("E198", spec.label, "", "spec nested too deeply to validate")
    except Exception as exc:  # noqa: BLE001 - a validator crash on hostile input is a diagnostic, not a traceback
        diags.error("E197", spec.label, "", f"validator failed: {type(exc).__name__}: {exc}")


def _message(error: Any) -> str:
    message = str(getattr(error, "message", error))
    return message if len(message) <= 300 else message[:297] + "..."


def _own_checks(spec: Spec, diags: Diagnostics) -> None:
    """Checks the OpenAPI schema cannot express."""
    paths = spec.data.get("paths") or {}
    seen_ids: dict[str, str] = {}
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace") or not isinstance(op, dict):
                continue
            ptr = jp.join("/paths", path, method)
            op_id = op.get("operationId")
            if isinstance(op_id, str):
                if op_id in seen_ids:
                    diags.error("E110", spec.label, jp.join(ptr, "operationId"), f"operationId {op_id!r} is also used at {seen_ids[op_id]}")
                else:
                    seen_ids[op_id] = ptr
            templated = {seg[1:-1] for seg in path.split("/") if seg.startswith("{") and seg.endswith("}")}
            declared = set()
            for params in (item.get("parameters") or [], op.get("parameters") or []):
                for param in params if isinstance(params, list) else []:
                    try:
                        _, _, param = spec.follow(spec.root, param)
                    except LookupError:
                        continue
                    if isinstance(param, dict) and param.get("in") == "path":
                        declared.add(param.get("name"))
            for missing in sorted(templated - declared):
                diags.error("E111", spec.label, ptr, f"path parameter {{{missing}}} is not declared")
