"""Import decisions: which standard-library and runtime names each generated module imports."""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Iterable
from dataclasses import replace

from .. import ir
from ..names import snake
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
    ordered: list[ir.Alias] = []
    for members in _components(sorted(by_name), uses):
        recursive = len(members) > 1 or members[0] in _IDENT.findall(by_name[members[0]].annotation)
        ordered += [_recursive(by_name[m]) if recursive else by_name[m] for m in members]
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
    typing_names = sorted(  # isort's order: CONSTANTS, then Classes, then functions
        (
            n
            for n in ("TYPE_CHECKING", "Annotated", "Any", "Literal", "TypeAlias", "overload")
            if n in joined and re.search(rf"\b{n}\b", joined)
        ),
        key=_isort_key,
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
    used = {n for n in RUNTIME_TYPES if n in joined and re.search(rf"\b{n}\b", joined)}
    return tuple(sorted(set(always) | used, key=_isort_key))


def _isort_key(name: str) -> tuple[bool, bool, str]:
    """isort's order of the names of one import: CONSTANTS, then Classes, then functions."""
    return (not name.isupper(), not name[:1].isupper(), name)


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
        model_imports = names_in(texts)
        checking = ["TYPE_CHECKING"] if model_imports else []  # the models, for type checkers only
        modules.append(
            replace(
                module,
                resource=_deferring(module.resource, model_names),
                model_imports=model_imports,
                std_imports=_std_imports([*texts, "Any", *checking], RESOURCE_IMPORTS),  # extra_query uses Any
                runtime_imports=_runtime_imports(texts, RESOURCE_RUNTIME),
                third_party_imports=_third_party(op for r in module.resource.walk() for op in r.operations),
            )
        )
    root_texts = _op_texts(api.root_operations)
    endpoint_texts = [op.return_annotation for op in api.root_operations] + [
        r.model or "" for op in api.root_operations for r in op.responses + op.errors
    ]
    paged = ("Paging",) if any(op.pagination for op in api.root_operations) else ()
    endpoint_models = names_in(endpoint_texts)
    api = replace(
        api,
        resource_modules=tuple(modules),
        root_model_imports=names_in(root_texts),
        root_std_imports=_std_imports(root_texts + ["Any"] + (["Literal"] if api.servers else []), CLIENT_IMPORTS),
        root_third_party_imports=_third_party(api.root_operations),
        endpoints_std_imports=_std_imports(endpoint_texts + (["TYPE_CHECKING"] if endpoint_models else [])),
        endpoints_runtime_imports=_runtime_imports(endpoint_texts, ("Endpoint", *paged)),
        endpoints_model_imports=endpoint_models,
        root_runtime_imports=tuple(  # the endpoints' Paging is imported by _endpoints.py
            name
            for name in _runtime_imports(root_texts, CLIENT_RUNTIME + (("oauth2_tokens",) if api.oauth else ()))
            if name != "Paging"
        ),
        webhooks_std_imports=_std_imports(
            [api.webhook_event, "Any", "TypeAlias"], ("from collections.abc import Mapping",)
        ),
        webhooks_model_imports=names_in([api.webhook_event]),
    )
    return replace(
        api,
        root_operations=tuple(_deferred_op(op, model_names) for op in api.root_operations),
        model_modules=_model_modules(api),
    )


def _deferring(resource: ir.Resource, known: set[str]) -> ir.Resource:
    """The resource with every response's ``deferred`` set (``_deferred_op``), its children's too."""
    return replace(
        resource,
        operations=tuple(_deferred_op(op, known) for op in resource.operations),
        children=tuple(_deferring(child, known) for child in resource.children),
    )


def _deferred_op(op: ir.Operation, known: set[str]) -> ir.Operation:
    return replace(
        op,
        responses=tuple(replace(r, deferred=_deferred(r.model, known)) for r in op.responses),
        errors=tuple(replace(r, deferred=_deferred(r.model, known)) for r in op.errors),
    )


def _deferred(model: str | None, known: set[str]) -> str | None:
    """What an Endpoint holds for a response parsed as ``model``: ``model`` itself, or, where it names
    models, a lambda that reads them from the ``models`` package (``list[Pet]`` -> ``lambda:
    list[_models.Pet]``), so a resource module imports no model and a response imports the ones it needs
    when it first arrives (the runtime calls the lambda once per endpoint). Names are found as Python's
    tokenizer reads the annotation: never inside a string literal (``Literal['Pet']``), never after a dot."""
    if model is None:
        return None
    starts = [0]
    for line in model.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    cuts: list[int] = []
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(model).readline):
        if token.type == tokenize.NAME and token.string in known and previous != ".":
            cuts.append(starts[token.start[0] - 1] + token.start[1])
        previous = token.string
    if not cuts:
        return model
    parts, last = [], 0
    for cut in cuts:
        parts += [model[last:cut], "_models."]
        last = cut
    return "lambda: " + "".join(parts) + model[last:]


# How ``models/`` is cut into modules (``_model_modules``).
#: A group of classes smaller than this shares a module with others of its depth.
SMALL_GROUP = 5
#: At most this many names in a module made of small groups.
BUCKET = 20


def _components(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of a graph (Tarjan's, without recursion), each sorted, every
    component after the components it has edges to. ``nodes`` in a deterministic order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(edges[root]))]
        while work:
            name, deps = work[-1]
            for dep in deps:
                if dep not in index:
                    index[dep] = low[dep] = len(index)
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(edges[dep])))
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
                found.append(sorted(members))
    return found


def _depths(uses: dict[int, set[int]]) -> dict[int, int]:
    """The length of the longest chain of uses below each node of a DAG (Kahn's order, from the leaves)."""
    users: dict[int, list[int]] = {node: [] for node in uses}
    waiting = {node: len(deps) for node, deps in uses.items()}
    for node, deps in uses.items():
        for dep in deps:
            users[dep].append(node)
    depth = dict.fromkeys(uses, 0)
    ready = [node for node, count in waiting.items() if not count]
    while ready:
        node = ready.pop()
        for user in users[node]:
            depth[user] = max(depth[user], depth[node] + 1)
            waiting[user] -= 1
            if not waiting[user]:
                ready.append(user)
    return depth


def _model_modules(api: ir.Api) -> tuple[ir.ModelModule, ...]:
    """Cut the models into modules so that importing a name imports what its annotations reach and
    little more, with no import cycle between the modules.

    The names (classes, enums, aliases) and the names their annotations use form a graph; its strongly
    connected components, which must share a module (each imports from the modules of the components
    it uses, at its top), condensed, form a DAG. The *entries* are the names other modules import
    (resources, the client, ``_endpoints.py``, ``webhooks.py``) and the names nothing uses; components
    reached from exactly the same entries are merged, which loads nothing more for any entry and keeps
    the DAG acyclic (a component between two of a group is reached by the same entries, so it is in the
    group too): an enum or a model used by one class alone lands with it. Groups smaller than
    ``SMALL_GROUP`` names then share modules of up to ``BUCKET`` names with the groups of the same depth
    (the longest chain of imports below them), those reached by the most entries first, then
    alphabetically: two groups of one depth never use each other, so neither do their modules. On
    Stripe's 4,253 names: 198 modules (18 names in the median one); what the median operation's
    signature names loads 919 names where its closure is 853, and ``Balance`` its 5. Each module is
    named after its first name (``_m_invoice``; the names are identifiers, so the file stays in
    ``models/``): stable while that name is."""
    enums = {e.name: e for e in api.enums}
    models = {m.name: m for m in api.models}
    aliases = {a.name: a for a in api.aliases}
    names = sorted([*enums, *models, *aliases])
    if not names:
        return ()
    known = set(names)
    uses: dict[str, list[str]] = {name: [] for name in enums}
    for m in api.models:
        found = set(_IDENT.findall(" ".join([*(f.annotation for f in m.fields), m.extra_annotation or ""])))
        uses[m.name] = sorted(found & known)
    for a in api.aliases:
        uses[a.name] = sorted(set(_IDENT.findall(a.annotation)) & known)
    components = _components(names, uses)
    component_of = {name: i for i, members in enumerate(components) for name in members}
    below = [sorted({component_of[d] for n in members for d in uses[n]} - {i}) for i, members in enumerate(components)]
    used = {d for deps in below for d in deps}
    imported: set[str] = (
        set(api.root_model_imports) | set(api.endpoints_model_imports) | set(api.webhooks_model_imports)
    )
    for resource_module in api.resource_modules:
        imported.update(resource_module.model_imports)
    entries = sorted({component_of[n] for n in imported} | (set(range(len(components))) - used))
    reached = [0] * len(components)
    for bit, component in enumerate(entries):
        reached[component] |= 1 << bit
    for i in reversed(range(len(components))):  # users before what they use
        for dep in below[i]:
            reached[dep] |= reached[i]
    groups: dict[int, list[int]] = {}
    for i in range(len(components)):
        groups.setdefault(reached[i], []).append(i)
    group_of = {i: key for key, members in groups.items() for i in members}
    group_uses = {key: {group_of[d] for i in members for d in below[i]} - {key} for key, members in groups.items()}
    depth = _depths(group_uses)
    size = {key: sum(len(components[i]) for i in members) for key, members in groups.items()}
    first = {key: min(n for i in members for n in components[i]) for key, members in groups.items()}
    modules: list[list[str]] = []
    small: dict[int, list[int]] = {}
    # The groups reached by most entries first: a small group used everywhere shares its module with
    # others used everywhere, not with one a single operation needs.
    for key in sorted(groups, key=lambda key: (-key.bit_count(), first[key])):
        if size[key] >= SMALL_GROUP:
            modules.append(sorted(n for i in groups[key] for n in components[i]))
        else:
            small.setdefault(depth[key], []).append(key)
    for level in sorted(small):
        bucket: list[str] = []
        for key in small[level]:
            if bucket and len(bucket) + size[key] > BUCKET:
                modules.append(sorted(bucket))
                bucket = []
            bucket += [n for i in groups[key] for n in components[i]]
        modules.append(sorted(bucket))
    module_names: dict[str, str] = {}
    taken: set[str] = set(names)
    for members in sorted(modules):
        stem = "_m_" + (snake(members[0]) or "models")
        chosen, count = stem, 1
        while chosen in taken:
            count += 1
            chosen = f"{stem}_{count}"
        taken.add(chosen)
        for member in members:
            module_names[member] = chosen
    alias_rank = {a.name: i for i, a in enumerate(api.aliases)}
    result = []
    for members in modules:
        own = set(members)
        wanted: dict[str, set[str]] = {}
        for member in members:
            for other in uses[member]:
                if other not in own:
                    wanted.setdefault(module_names[other], set()).add(other)
        mod_models = [models[n] for n in members if n in models]
        mod_aliases = sorted((aliases[n] for n in members if n in aliases), key=lambda a: alias_rank[a.name])
        texts = (
            [f.annotation for m in mod_models for f in m.fields]
            + [m.extra_annotation or "" for m in mod_models]
            + [a.annotation for a in mod_aliases]
            + (["Annotated"] if any(f.annotated for m in mod_models for f in m.fields) else [])
        )
        mod_enums = [enums[n] for n in members if n in enums]
        result.append(
            ir.ModelModule(
                module=module_names[members[0]],
                enums=tuple(mod_enums),
                models=tuple(mod_models),
                aliases=tuple(mod_aliases),
                imports=tuple(ir.ModelImport(other, tuple(sorted(wanted[other]))) for other in sorted(wanted)),
                std_imports=_std_imports(texts),
                runtime_imports=_runtime_imports(texts, ("OpenIntEnum", "OpenStrEnum") if mod_enums else ()),
            )
        )
    return tuple(sorted(result, key=lambda m: m.module))
