"""Build stage: a validated spec becomes the IR (``build``).

By concern: ``context`` (the build's shared state), ``types`` (schemas to annotations, models, enums
and aliases), ``naming`` (the naming rules), ``operations`` (parameters with their wire rules, bodies,
responses), ``security`` (schemes and servers) and ``imports`` (what each module imports). This module
puts the ``Api`` together from them.

All naming, type mapping, ``$ref`` resolution and import decisions happen here, once. Unsupported
constructs produce a warning and an explicit fallback (``Any``); nothing is dropped silently.

Extensions read (ours are ``x-sdk-*``; Speakeasy's spellings are honoured too, since vendors ship them):
- ``x-sdk-group`` / ``x-speakeasy-group`` on an operation: dotted resource path (``profile.attachment``)
- ``x-sdk-name`` / ``x-speakeasy-name-override`` on an operation: method name; on a schema: class name
- ``x-sdk-server-name`` on a server: the name accepted by ``server=``
- ``x-sdk-client-param`` on a parameter: set once on the client under that keyword
- ``x-sdk-exactly-one-of`` on an operation: parameter names (wire) of which exactly one must be given
- ``x-sdk-retry-safe`` on an operation: may be retried even though its method is not idempotent
- ``x-sdk-idempotency-header`` at the document root or on an operation: the header a key made once per
  non-GET call goes in (kept across its retries, which it makes safe)
- ``x-sdk-request-id-header`` at the document root: the response header carrying the request id
  (default ``x-request-id``), shown in errors and on raw responses
- ``x-sdk-webhook-signature`` at the document root, and on an event's operation or path item for that
  event alone: how webhooks (``webhooks`` and callbacks, generated: ``webhooks.py``) are signed, checked
  by ``Webhooks.unwrap`` (schemes and keys: ``webhooks.py``)
- ``x-sdk-pagination`` on an operation (``false`` turns inference off), Speakeasy's
  ``x-speakeasy-pagination`` and Azure's ``x-ms-pageable``: the operation returns pages (``pagination``)
- ``x-sdk-token-auth`` on an OAuth2 security scheme (``client_secret_basic`` or ``client_secret_post``) and
  ``x-sdk-token-params`` on its flows (fields every token request adds): ``security``
"""

from __future__ import annotations

from dataclasses import replace

from ...config import ApiConfig
from .. import ir
from .. import pointer as jp
from ..diagnostics import Diagnostics
from ..escape import SpecText
from ..load import Spec
from ..names import RESERVED_PASCAL, NameScope, pascal, pascal_identifier
from . import methods
from .context import HEADER_NAME, HTTP_METHODS, Context, Definition, _text
from .imports import _alias_order, _with_imports
from .lock import NO_LOCK, NamesLock
from .naming import _module_name
from .operations import Operations
from .security import _security_schemes, _servers
from .types import Types, _union
from .webhooks import signature, webhooks


def build(spec: Spec, config: ApiConfig, lock: NamesLock = NO_LOCK) -> tuple[ir.Api | None, Diagnostics]:
    """The IR of a validated spec, and what was said building it (None when that has errors). ``lock``:
    the names the previous generation gave (``lock``), kept for what still holds them."""
    api, diags, _names = build_named(spec, config, lock)
    return api, diags


def build_named(
    spec: Spec,
    config: ApiConfig,
    lock: NamesLock = NO_LOCK,
    names_only: bool = False,
) -> tuple[ir.Api | None, Diagnostics, NamesLock]:
    """``build``, and the names it gave: the names lock of the next generation. ``names_only`` leaves out
    what is decided once every name is given (each module's imports, the cut of ``models/``): the names
    are the same, the IR is not complete.

    A class name the lock keeps is taken for every other schema from the start, so it must be kept only
    for a schema that is still a class here and wants no ``x-sdk-name``: where the first build finds a
    holder that is gone or renamed explicitly, the build is made again with the lock without it (which
    cannot change what becomes a class), so that a gone holder frees its name."""
    api, diags, ctx = _build(spec, config, lock)
    gone = set(ctx.names.unclaimed()) | ctx.displaced
    if gone:
        kept = {key: name for key, name in lock.classes.items() if key not in gone}
        api, diags, ctx = _build(spec, config, replace(lock, classes=kept))
    given = ctx.given.lock()
    if gone or ctx.displaced:  # a name an x-sdk-name took, or a gone holder's: not known without building
        given = replace(given, settled=False)
    if api is not None and not names_only:
        api = _with_imports(_with_definitions(api, ctx.order))
    return api, diags, given


def _build(spec: Spec, config: ApiConfig, lock: NamesLock) -> tuple[ir.Api | None, Diagnostics, Context]:
    """The IR of every name and definition, without each module's imports and the cut of ``models/``
    (``build_named`` adds them)."""
    diags = Diagnostics()
    data = spec.data
    doc = spec.root
    ctx = Context(spec, diags, _class_names(spec, diags, lock), lock=lock)
    ctx.given.watch(ctx.names)
    types = Types(ctx)

    # Component schemas claim their names first, in document order.
    schemas = (data.get("components") or {}).get("schemas") or {}
    for key, _schema in schemas.items() if isinstance(schemas, dict) else ():
        ptr = jp.join("/components/schemas", key)
        types.annotation(doc, {"$ref": "#" + ptr}, ptr, pascal(str(key)))

    client_params: dict[str, ir.ClientParam] = {}
    operations = Operations(ctx, types, config, client_params)
    tree: dict[tuple[str, ...], list[ir.Operation]] = {}
    paths = data.get("paths") or {}
    placed = methods.place(paths if isinstance(paths, dict) else {}, HTTP_METHODS, data)
    for entry, name in zip(placed, methods.names(placed, diags, spec.label, lock, ctx.given.watch)):
        ctx.given.operations[entry.key] = (".".join(entry.group), name)
        tree.setdefault(entry.group, []).append(
            operations.build(entry.path, entry.method, entry.item, entry.op, name, doc)
        )

    events = webhooks(ctx, types)
    resource_modules, root_ops = _resources(tree, diags, spec.label)
    security = _security_schemes(ctx, config)
    servers = _servers(ctx)
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    client_class = pascal_identifier(config.client or _title_name(info.get("title")) or config.name, "Client")
    exported = [client_class, "Async" + client_class]
    request_id_header = data.get("x-sdk-request-id-header", ir.DEFAULT_REQUEST_ID_HEADER.unescaped)
    if not (isinstance(request_id_header, str) and HEADER_NAME.fullmatch(request_id_header)):
        ctx.warn(
            "W433",
            doc,
            "/x-sdk-request-id-header",
            "x-sdk-request-id-header takes a header name; x-request-id is read instead",
        )
        request_id_header = ir.DEFAULT_REQUEST_ID_HEADER.unescaped
    api = ir.Api(
        name=config.name,
        dist_name=config.distribution,
        package=config.package_name,
        client_class=client_class,
        title=_text(info.get("title")) or SpecText(config.name),
        version=SpecText(str(info.get("version", ""))),
        description=_text(info.get("description")),
        spec_label=SpecText(spec.label),
        servers=servers,
        base_url_param=config.base_url_param,
        security_schemes=security,
        client_params=tuple(client_params.values()),
        root_operations=tuple(root_ops),
        resource_modules=tuple(resource_modules),
        enums=(),
        models=(),
        aliases=(),
        exports=tuple(exported),
        request_id_header=SpecText(request_id_header.lower()),
        webhooks=events,
        webhook_signature=signature(ctx) if events else None,
        webhook_event=_union(w.annotation for w in events) if events else "Any",
    )
    return (None if diags.has_errors else api), diags, ctx


def _class_names(spec: Spec, diags: Diagnostics, lock: NamesLock) -> NameScope:
    """The one namespace of the generated classes and aliases, the names the lock keeps held."""
    return NameScope(
        set(RESERVED_PASCAL),
        lambda a, b: diags.warning(
            "W300", spec.label, "/components/schemas", f"class name {a!r} is used twice; the second is {b!r}"
        ),
        held=lock.classes,
    )


def _with_definitions(api: ir.Api, order: list[Definition]) -> ir.Api:

    models = sorted((d.value for d in order if d.kind == "model"), key=lambda m: m.name)  # type: ignore[union-attr]
    enums = sorted((d.value for d in order if d.kind == "enum"), key=lambda e: e.name)  # type: ignore[union-attr]
    aliases = _alias_order([d.value for d in order if d.kind == "alias"])  # type: ignore[misc]
    return replace(api, enums=tuple(enums), models=tuple(models), aliases=tuple(aliases))  # type: ignore[arg-type]


def _resources(
    tree: dict[tuple[str, ...], list[ir.Operation]], diags: Diagnostics, label: str
) -> tuple[list[ir.ResourceModule], list[ir.Operation]]:

    def make(prefix: tuple[str, ...], attrs: tuple[str, ...]) -> ir.Resource:
        children_keys = sorted(
            {key[len(prefix)] for key in tree if len(key) > len(prefix) and key[: len(prefix)] == prefix}
        )
        own = [replace(op, call_path=".".join((*attrs, op.name))) for op in methods.unshadowed(tree.get(prefix, []))]
        taken = {op.name for op in own}
        children = []
        for child in children_keys:
            child_attr = child
            if child in taken:
                diags.warning(
                    "W405",
                    label,
                    "/paths",
                    f"resource {'.'.join((*prefix, child))!r} has the name of a method;"
                    f" the resource is reached as {child}_",
                )
                child_attr = child + "_"
            children.append(make((*prefix, child), (*attrs, child_attr)))
        class_name = "".join(pascal(p) for p in prefix) + "Resource"
        return ir.Resource(attrs[-1] if attrs else "", class_name, tuple(own), tuple(children))

    modules = []
    for attr in sorted({key[0] for key in tree if key}):
        modules.append(ir.ResourceModule(module=_module_name(attr), resource=make((attr,), (attr,)), model_imports=()))
    return modules, [replace(op, call_path=op.name) for op in methods.unshadowed(tree.get((), []))]


def _title_name(title: object) -> str:
    """The client's name from the document's title, without a trailing ``API`` word (``Stripe API`` ->
    ``Stripe``, not ``StripeAPI``; ``ATS API`` -> ``ATS``) where other words remain."""
    if not isinstance(title, str):
        return ""
    words = title.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1].lower() in ("api", "apis") else title
