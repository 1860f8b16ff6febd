"""Import decisions: which standard-library and runtime names each generated module imports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace

from .. import ir
from .types import _IDENT


def _alias_order(aliases: list[ir.Alias]) -> list[ir.Alias]:
    """The aliases in the order ``models.py`` defines them: each after the aliases it uses (depth first,
    by name). An alias that uses itself, directly or through other aliases (``JsonValue``, a ``Tree``
    that is a list of ``Tree``, two arrays of each other), cannot be a plain assignment, which would name
    what is not defined yet: it becomes a ``TypeAliasType`` whose value is a string, read when first
    needed, which pydantic and type checkers take as a recursive type. The cycles are found as strongly
    connected components (Tarjan's, without recursion), each put before the aliases that use it."""
    by_name = {a.name: a for a in aliases}
    uses = {a.name: [d for d in a.depends_on if d in by_name] for a in aliases}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    ordered: list[ir.Alias] = []

    def enter(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)

    for root in sorted(by_name):
        if root in index:
            continue
        enter(root)
        work = [(root, iter(uses[root]))]
        while work:
            name, deps = work[-1]
            for dep in deps:
                if dep not in index:
                    enter(dep)
                    work.append((dep, iter(uses[dep])))
                    break
                if dep in on_stack:
                    low[name] = min(low[name], index[dep])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[name])
                if low[name] != index[name]:
                    continue
                members: list[str] = []
                while not members or members[-1] != name:
                    members.append(stack.pop())
                    on_stack.discard(members[-1])
                recursive = len(members) > 1 or name in _IDENT.findall(by_name[name].annotation)
                ordered += [_recursive(by_name[m]) if recursive else by_name[m] for m in sorted(members)]
    return ordered


def _recursive(alias: ir.Alias) -> ir.Alias:
    """``Tree = TypeAliasType("Tree", "list[Tree]")``: the alias's value read lazily."""
    return replace(alias, annotation=f"TypeAliasType({json.dumps(alias.name)}, {json.dumps(alias.annotation)})")


#: What the fixed code of resource and client modules uses.
RESOURCE_IMPORTS = ("from collections.abc import Mapping", "from functools import cached_property")
CLIENT_IMPORTS = ("from collections.abc import Callable, Mapping, Sequence", "from functools import cached_property")


RESOURCE_RUNTIME = (
    "NOT_GIVEN",
    "AsyncResource",
    "Endpoint",
    "NotGiven",
    "RetryPolicy",
    "SyncResource",
    "Timeout",
    "async_raw_method",
    "async_stream_method",
    "raw_method",
    "stream_method",
)


CLIENT_RUNTIME = (
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AsyncAPIClient",
    "Credential",
    "NotGiven",
    "ObserveTarget",
    "RetryPolicy",
    "SyncAPIClient",
    "Timeout",
    "async_raw_method",
    "env_or",
    "operation_servers",
    "raw_method",
    "select_base_url",
)


def _third_party(ops: Iterable[ir.Operation]) -> tuple[str, ...]:
    """Third-party imports: ``deprecated`` (PEP 702) where a method carries it."""
    return ("from typing_extensions import deprecated",) if any(op.deprecated for op in ops) else ()


def _std_imports(texts: Iterable[str], always: Iterable[str] = ()) -> tuple[str, ...]:
    """The standard-library import block a module needs, sorted as isort would, decided here so templates
    only print it. ``always`` adds lines the template's fixed code uses."""
    joined = "\n".join(texts)
    lines = set(always)
    if "builtins." in joined:
        lines.add("import builtins")
    if "_dt." in joined:
        lines.add("import datetime as _dt")
    if "_t." in joined:
        lines.add("import typing as _t")
    typing_names = sorted(
        n for n in ("Annotated", "Any", "Literal", "TypeAlias", "overload") if re.search(rf"\b{n}\b", joined)
    )
    if typing_names:
        lines.add(f"from typing import {', '.join(typing_names)}")
    if "TypeAliasType(" in joined:  # a recursive alias (``_recursive``); pydantic requires typing_extensions
        lines.add("from typing_extensions import TypeAliasType")
    return tuple(sorted(lines, key=lambda line: (line.startswith("from "), line.split()[1], line)))


#: Names of the runtime module that generated signatures may use, besides the fixed ones.
RUNTIME_TYPES = (
    "AsyncPager",
    "Discriminated",
    "DownloadTarget",
    "FileContent",
    "FileInput",
    "Paging",
    "SyncPage",
    "UnknownVariant",
)


def _runtime_imports(texts: Iterable[str], always: Iterable[str]) -> tuple[str, ...]:
    """What a module imports from ``_runtime``: the fixed names plus the file types its signatures use."""
    joined = "\n".join(texts)
    used = {n for n in RUNTIME_TYPES if re.search(rf"\b{n}\b", joined)}
    # isort's order: CONSTANTS, then Classes, then functions.
    return tuple(sorted(set(always) | used, key=lambda n: (not n.isupper(), not n[:1].isupper(), n)))


def _op_texts(ops: Iterable[ir.Operation]) -> list[str]:
    texts: list[str] = []
    for op in ops:
        texts += (
            [p.annotation for p in op.params]
            + [r.annotation for r in op.responses + op.errors]
            + [op.return_annotation]
        )
        if op.body:
            texts += [op.body.annotation] + [f.annotation for f in op.body.fields or ()]
        if op.download:
            texts += ["DownloadTarget", "overload"]
        if op.pagination:
            texts += [op.sync_returns, op.async_returns, "Paging"]
    return texts


def _with_imports(api: ir.Api) -> ir.Api:
    """Decide what each module imports, once."""

    model_names = {m.name for m in api.models} | {e.name for e in api.enums} | {a.name for a in api.aliases}

    def names_in(texts: list[str]) -> tuple[str, ...]:
        found: set[str] = set()
        for text in texts:
            found |= set(_IDENT.findall(text)) & model_names
        return tuple(sorted(found))

    modules = []
    for module in api.resource_modules:
        texts = _op_texts(op for r in module.resource.walk() for op in r.operations)
        modules.append(
            replace(
                module,
                model_imports=names_in(texts),
                std_imports=_std_imports([*texts, "Any"], RESOURCE_IMPORTS),  # extra_query uses Any
                runtime_imports=_runtime_imports(texts, RESOURCE_RUNTIME),
                third_party_imports=_third_party(op for r in module.resource.walk() for op in r.operations),
            )
        )
    model_texts = (
        [f.annotation for m in api.models for f in m.fields]
        + [m.extra_annotation or "" for m in api.models]
        + [a.annotation for a in api.aliases]
        + (["Annotated"] if any(f.annotated for m in api.models for f in m.fields) else [])
    )
    root_texts = _op_texts(api.root_operations)
    endpoint_texts = [op.return_annotation for op in api.root_operations] + [
        r.model or "" for op in api.root_operations for r in op.responses + op.errors
    ]
    paged = ("Paging",) if any(op.pagination for op in api.root_operations) else ()
    return replace(
        api,
        resource_modules=tuple(modules),
        root_model_imports=names_in(root_texts),
        root_std_imports=_std_imports(root_texts + ["Any"] + (["Literal"] if api.servers else []), CLIENT_IMPORTS),
        root_third_party_imports=_third_party(api.root_operations),
        endpoints_std_imports=_std_imports(endpoint_texts),
        endpoints_runtime_imports=_runtime_imports(endpoint_texts, ("Endpoint", *paged)),
        endpoints_model_imports=names_in(endpoint_texts),
        root_runtime_imports=tuple(  # the endpoints' Paging is imported by _endpoints.py
            name
            for name in _runtime_imports(root_texts, CLIENT_RUNTIME + (("oauth2_tokens",) if api.oauth else ()))
            if name != "Paging"
        ),
        models_std_imports=_std_imports(model_texts),
        models_runtime_imports=_runtime_imports(model_texts, ("OpenIntEnum", "OpenStrEnum") if api.enums else ()),
        webhooks_std_imports=_std_imports(
            [api.webhook_event, "Any", "TypeAlias"], ("from collections.abc import Mapping",)
        ),
        webhooks_model_imports=names_in([api.webhook_event]),
    )
