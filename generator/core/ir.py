"""The intermediate representation: final Python names, resolved annotations, per-module imports.

Templates only loop over these and branch on them; they never compute a name or a type.

Every field is one of three kinds. Text a document supplies (a description, a path, a wire name, a URL)
is a ``SpecText`` (``core/escape.py``), which only an escaping filter can print; each node checks, when
it is made, that such fields hold one. Names (``Ident``) are Python identifiers made by ``core/names.py``,
checked likewise. Code (``Code``) is Python source the build writes itself, document values in it only
as ``escape.pyrepr`` literals.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .escape import SpecText

#: A Python identifier (``core/names.py``).
Ident = str
#: An environment variable's name the build made (upper-case words and digits joined by ``_``).
EnvVar = str
#: A name the user configured (``config.ApiConfig`` checks it: a plain folder or distribution name).
Conf = str
#: Python source written by the build (annotations, defaults, import lines): document values only as literals.
Code = str

_T = TypeVar("_T")
_ENV_VAR = re.compile(r"[A-Z0-9_]+")
_FORM = SpecText("form")
_SIGNATURE_HEADER = SpecText("X-Signature")
_NO_PREFIX = SpecText("")
_TIMESTAMP_HEADER = SpecText("X-Timestamp")
_SIGNED_PAYLOAD = SpecText("{timestamp}.{body}")


def _checked(cls: type[_T]) -> type[_T]:
    """A node that checks, when made, that its document-text fields hold ``SpecText`` and its name
    fields identifiers: text from a document cannot reach a template as anything else.

    Applied before ``@dataclass`` (which then calls the ``__post_init__`` made here), from the class's
    annotations. The check is written out field by field, as ``dataclasses`` writes ``__init__``: every
    IR node a large document makes passes through it."""
    lines = ["def __post_init__(self):"]
    for name, annotation in inspect.get_annotations(cls).items():
        kind = str(annotation)
        text = "SpecText" in kind
        if not (text or "Ident" in kind or "EnvVar" in kind):
            continue
        test = "v.__class__ is not SpecText" if text else "not (v.__class__ is str and (v.isidentifier() or env(v)))"
        check = f"if v is not None and {test}: fail({name!r}, v, {text})"
        depth = kind.count("tuple[")
        if depth == 0:
            lines += [f"    v = self.{name}", f"    {check}"]
        elif depth == 1:
            lines += [f"    for v in self.{name}:", f"        {check}"]
        else:  # tuples of tuples (a security requirement's alternatives)
            lines += [f"    for g in self.{name}:", "        for v in g:", f"            {check}"]
    if len(lines) == 1:
        return cls

    def fail(field: str, value: object, text: bool) -> None:
        what = "holds document text: a SpecText" if text else "is a name: an identifier"
        raise TypeError(f"{cls.__name__}.{field} {what}, not {value!r}")

    scope: dict[str, Any] = {"SpecText": SpecText, "env": _ENV_VAR.fullmatch, "fail": fail}
    exec("\n".join(lines), scope)  # the IR's own field names, never document text
    cls.__post_init__ = scope["__post_init__"]  # type: ignore[attr-defined]
    return cls


@dataclass(frozen=True)
@_checked
class Field:
    name: Ident  # Python attribute name
    wire: SpecText  # JSON property name (kept as alias)
    annotation: Code
    required: bool
    default: Code | None  # Python source of the default, None when required
    description: SpecText
    deprecated: bool = False
    read_only: bool = False  # set by the server alone: never sent in a request
    null_allowed: bool = True  # the schema takes null (an optional field is typed ``| None`` either way)
    # A deprecated field's warning (``pydantic.Field(deprecated=...)``: reading it warns); None when it is not
    deprecation: SpecText | None = None

    @property
    def needs_alias(self) -> bool:
        return self.name != self.wire

    @property
    def annotated(self) -> bool:
        """Written ``name: Annotated[T, pydantic.Field(...)]``: a wire name or a deprecation to declare.
        In the annotation, not as the value, so type checkers take the field's Python name as its
        constructor keyword (they read ``alias=`` only from a field's value)."""
        return self.needs_alias or self.deprecation is not None


@dataclass(frozen=True)
@_checked
class Model:
    name: Ident
    description: SpecText
    fields: tuple[Field, ...]
    source: SpecText  # spec pointer, for the docstring and diagnostics
    allow_extra: bool = True
    extra_annotation: Code | None = None  # additionalProperties schema
    open_extra: bool = False  # additionalProperties: true (or {}): any property is documented

    @property
    def not_null_wires(self) -> list[SpecText]:
        """The wire names of the optional fields whose schema does not take null, sorted: a null received
        there differs from the description although the field's type (``T | None``) takes it."""
        return sorted(f.wire for f in self.fields if not f.required and not f.null_allowed)

    @property
    def read_only_wires(self) -> list[SpecText]:
        """The wire names of the fields a request never sends (``Field.read_only``), sorted."""
        return sorted(f.wire for f in self.fields if f.read_only)


@dataclass(frozen=True)
@_checked
class EnumMember:
    name: Ident
    value: Code  # Python source of the value


@dataclass(frozen=True)
@_checked
class Enum:
    name: Ident
    description: SpecText
    base: Literal["str", "int"]
    members: tuple[EnumMember, ...]
    source: SpecText


@dataclass(frozen=True)
@_checked
class Alias:
    """A named schema that is not an object or enum: ``Tags = list[Tag]``."""

    name: Ident
    annotation: Code
    description: SpecText
    source: SpecText
    depends_on: tuple[Ident, ...] = ()


@dataclass(frozen=True)
@_checked
class ModelImport:
    """``from .MODULE import NAMES``: what a module of ``models/`` takes from another."""

    module: Ident
    names: tuple[Ident, ...]


@dataclass(frozen=True)
@_checked
class ModelModule:
    """One module of the ``models`` package (``models/<module>.py``): whole strongly connected groups of
    classes, enums and aliases, importing at its top what their annotations use from the modules of
    their dependencies (``build_ir/imports.py`` decides), so importing one class imports its closure."""

    module: Ident  # file stem under models/: ``_m_<first name, snake case>``
    enums: tuple[Enum, ...]
    models: tuple[Model, ...]
    aliases: tuple[Alias, ...]  # in the order ``_alias_order`` gives: each after the aliases it uses
    imports: tuple[ModelImport, ...] = ()
    std_imports: tuple[Code, ...] = ()
    runtime_imports: tuple[Ident, ...] = ()

    @property
    def names(self) -> list[Ident]:
        """Every name it defines: enums, models, aliases, in that order."""
        return [e.name for e in self.enums] + [m.name for m in self.models] + [a.name for a in self.aliases]


@dataclass(frozen=True)
@_checked
class Param:
    name: Ident  # Python keyword
    wire: SpecText
    location: Literal["path", "query", "header", "cookie"]
    annotation: Code
    required: bool
    default: Code | None
    description: SpecText
    style: SpecText | None = None  # only when not the location's default
    explode: bool | None = None
    wire_style: SpecText = _FORM  # the style sent with (``build_ir.operations.wire_rule``)
    wire_explode: bool = True
    allow_reserved: bool = False  # a query parameter sent with reserved characters as they are
    as_json: bool = False  # described by ``content`` with a JSON media type: sent as JSON text
    client_attr: Ident | None = None  # value comes from the client (a global parameter)
    deprecated: bool = False  # giving it warns (DeprecationWarning)
    example: Code = '"string"'  # Python source of a plausible value, for README usage examples


@dataclass(frozen=True)
@_checked
class BodyField:
    """One property of a form or multipart body, passed as its own keyword argument."""

    name: Ident  # Python keyword
    wire: SpecText  # form field / part name
    annotation: Code
    required: bool
    description: SpecText
    is_file: bool = False  # a file part: takes a path, bytes, a binary file or (name, content[, type])
    example: Code = '"string"'  # Python source of a plausible value, for README usage examples


@dataclass(frozen=True)
@_checked
class PartEncoding:
    """How one property of a form or multipart body goes on the wire (the media type's ``encoding``),
    where that is not the default (form style, exploded, no content type of its own)."""

    wire: SpecText
    style: SpecText
    explode: bool
    content_type: SpecText | None


@dataclass(frozen=True)
@_checked
class Body:
    name: Ident  # Python keyword of the body argument (unused when ``fields`` is set)
    media_type: SpecText
    kind: Literal["json", "form", "multipart", "binary", "text"]
    annotation: Code
    required: bool
    description: SpecText
    fields: tuple[BodyField, ...] | None = None  # a flattened form or multipart body
    encoding: tuple[PartEncoding, ...] = ()
    example: Code = "..."  # Python source of the body for README usage examples (the spec's example, if small)

    @property
    def file_wires(self) -> tuple[SpecText, ...]:
        return tuple(f.wire for f in self.fields or () if f.is_file)


@dataclass(frozen=True)
@_checked
class Response:
    status: SpecText  # "200", "2XX", "default"
    media_type: SpecText | None
    kind: Literal["json", "binary", "text", "empty"]
    annotation: Code  # "None" when empty
    model: Code | None  # Python expression given to the runtime to parse with (None: no parsing)
    description: SpecText
    media_types: tuple[SpecText, ...] = ()  # every media type documented (JSON bodies: what is not one differs)
    # What the Endpoint holds: ``model``, or where it names models a lambda reading them from the lazy
    # ``models`` package (``lambda: list[_models.Pet]``), so they are imported when a response needs them
    deferred: Code | None = None


@dataclass(frozen=True)
@_checked
class Pagination:
    """How a paginated operation's next page is asked for (``build_ir.pagination``). Pointers are RFC 6901
    pointers into the response body."""

    style: Literal["cursor", "page", "offset", "link"]
    items: SpecText  # the list of items on a page ("" when the body is the list)
    item_annotation: Code
    param: SpecText | None = None  # query parameter (wire) the next page is asked with: cursor, page or offset
    limit_param: SpecText | None = None  # offset: the page size parameter
    next: SpecText | None = None  # cursor: the next cursor; link: the next URL (else the Link header)
    next_item: SpecText | None = None  # cursor: taken from the last item at this pointer (``/id``)
    has_more: SpecText | None = None  # cursor: a boolean that is false on the last page
    total: SpecText | None = None  # page: the number of pages; offset: the number of items
    start: int = 1  # page: the first page's number
    source: Literal["x-sdk-pagination", "x-speakeasy-pagination", "x-ms-pageable", "inferred"] = (
        "x-sdk-pagination"  # or x-speakeasy-pagination, x-ms-pageable, inferred
    )


@dataclass(frozen=True)
@_checked
class Scopes:
    """The scopes one alternative of an operation's security requirement asks of one OAuth2 scheme."""

    alternative: int  # index in ``Operation.security``
    key: SpecText  # the scheme
    scopes: tuple[SpecText, ...]


@dataclass(frozen=True)
@_checked
class Operation:
    name: Ident  # method name
    http_method: Ident  # upper case: GET, POST, ...
    path: SpecText  # as documented (shown in docstrings)
    wire_path: SpecText  # as requested: without a ``#...`` suffix some descriptions use to tell operations apart
    operation_id: SpecText
    summary: SpecText
    description: SpecText
    params: tuple[Param, ...]
    body: Body | None
    responses: tuple[Response, ...]  # 2xx
    errors: tuple[Response, ...]  # documented non-2xx, including default
    return_annotation: Code
    security: tuple[tuple[SpecText, ...], ...]  # alternatives of scheme keys; () means no auth
    one_of: tuple[tuple[Ident, ...], ...]  # groups of Python parameter names, exactly one required
    endpoint: Ident  # name of the module-level Endpoint constant
    source: SpecText  # pointer of the operation
    deprecated: bool = False
    call_path: Code = ""  # how a user reaches it from the client: "profile.attachment.list"
    download: bool = False  # every success is a file: returns bytes, or streams to ``to=`` and returns it
    retry_safe: bool = False  # a non-idempotent method the API documents as safe to resend
    idempotency_header: SpecText | None = None  # the header a key made per call goes in (retried with it)
    accept: SpecText | None = None  # Accept header when the successes are not (only) JSON
    pagination: Pagination | None = None  # returns pages (``SyncPage[Item]`` / ``AsyncPager[Item]``)
    # Its own servers (the operation's ``servers``, else its path item's; OpenAPI's precedence), where it
    # goes unless the client was given a base URL; () when it goes where every operation goes.
    servers: tuple[Server, ...] = ()
    scopes: tuple[Scopes, ...] = ()  # the OAuth2 scopes each alternative of ``security`` asks for

    @property
    def sync_returns(self) -> str:
        """What the sync method returns: the body's type, or a page of items."""
        return f"SyncPage[{self.pagination.item_annotation}]" if self.pagination else self.return_annotation

    @property
    def async_returns(self) -> str:
        """What the async method returns (a paginated one is a plain method returning an ``AsyncPager``)."""
        return f"AsyncPager[{self.pagination.item_annotation}]" if self.pagination else self.return_annotation

    @property
    def positional(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path" and not p.client_attr)

    @property
    def keyword(self) -> tuple[Param, ...]:
        required = [p for p in self.params if p.location != "path" and p.required and not p.client_attr]
        optional = [p for p in self.params if p.location != "path" and not p.required and not p.client_attr]
        return tuple(required + optional)

    # What the templates select from the parameters (here rather than with Jinja's selectattr filters,
    # which were a third of rendering a large API's resource modules).

    def sent_in(self, location: str) -> list[Param]:
        """The method's own parameters sent in ``location`` (path, query, header, cookie)."""
        return [p for p in self.params if p.location == location and not p.client_attr]

    def param_named(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def from_client(self) -> list[Param]:
        """Parameters the client supplies (``client_attr``)."""
        return [p for p in self.params if p.client_attr]

    @property
    def styled(self) -> list[Param]:
        """Parameters with a ``style``, then those with only ``explode``."""
        return [p for p in self.params if p.style] + [p for p in self.params if not p.style and p.explode is not None]

    @property
    def deprecated_params(self) -> list[Param]:
        return [p for p in self.params if p.deprecated and not p.client_attr]

    @property
    def deprecation(self) -> SpecText:
        """The message of ``@deprecated`` on a deprecated operation's method."""
        return self.http_method + " " + self.path + " is deprecated by the API"

    @property
    def reserved(self) -> list[Param]:
        return [p for p in self.params if p.allow_reserved]

    @property
    def as_json(self) -> list[Param]:
        return [p for p in self.params if p.as_json]


@dataclass(frozen=True)
@_checked
class Resource:
    attr: Ident  # attribute on the parent (client or resource)
    class_name: Ident  # sync class; the async one is "Async" + class_name
    operations: tuple[Operation, ...]
    children: tuple[Resource, ...] = ()

    def walk(self) -> list[Resource]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
@_checked
class ResourceModule:
    module: Ident  # file stem under resources/
    resource: Resource
    model_imports: tuple[Ident, ...]
    std_imports: tuple[Code, ...] = ()  # import lines the annotations need
    runtime_imports: tuple[Ident, ...] = ()  # names imported from _runtime
    third_party_imports: tuple[Code, ...] = ()


@dataclass(frozen=True)
@_checked
class SecurityScheme:
    key: SpecText  # name in components/securitySchemes
    param: Ident  # client constructor keyword
    kind: Literal["apiKey", "bearer", "basic"]
    location: Literal["header", "query", "cookie"]
    wire: SpecText  # header/query/cookie name
    env: EnvVar  # environment variable read when the keyword is not given
    description: SpecText
    token_url: SpecText | None = None  # OAuth2 client credentials: where client_id and client_secret get a token
    scopes: tuple[SpecText, ...] = ()  # asked for with a token when a call names none (the document's own)
    # OAuth2 authorization code flow (the client takes ``token_store=``): where users authorize the client,
    # where codes and refresh tokens are exchanged for tokens
    authorization_url: SpecText | None = None
    code_token_url: SpecText | None = None
    refresh_url: SpecText | None = None
    # how the client authenticates to the token endpoint (``x-sdk-token-auth``), and the fields every token
    # request adds (``x-sdk-token-params``)
    token_auth: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    token_params: tuple[tuple[SpecText, SpecText], ...] = ()
    authorization_scopes: tuple[SpecText, ...] = ()  # every scope the operations ask of it, for authorization
    same_as: SpecText | None = None  # the scheme whose constructor keyword this one shares (same credential)
    tokens: bool = False  # served by the client's OAuth2 token source (``Api.oauth``)

    @property
    def keyword(self) -> bool:
        """Whether it has a constructor keyword of its own (else it shares ``same_as``'s)."""
        return self.same_as is None

    @property
    def whole_authorization(self) -> bool:
        """An apiKey sent as the ``Authorization`` header: the value is the whole header, scheme and all."""
        return self.kind == "apiKey" and self.location == "header" and self.wire.unescaped.lower() == "authorization"

    @property
    def bearer_prefixed(self) -> bool:
        """Such a key whose description (or name) speaks of a bearer token: the value starts ``Bearer ``."""
        said = f"{self.description.unescaped} {self.key.unescaped}"
        return self.whole_authorization and "bearer" in said.lower()


@dataclass(frozen=True)
@_checked
class ClientParam:
    """A parameter set once on the client and sent with every operation that declares it."""

    name: Ident
    wire: SpecText
    location: Literal["header", "query", "cookie"]
    env: EnvVar
    description: SpecText


@dataclass(frozen=True)
@_checked
class Server:
    name: Ident
    url: SpecText
    description: SpecText


@dataclass(frozen=True)
@_checked
class Webhook:
    """An event the API sends (``webhooks``, or an operation's callback) and its payload's type."""

    name: SpecText  # the webhooks key ("candidate.created"); a callback's is "operationId.callbackName"
    annotation: Code
    description: SpecText
    source: SpecText
    # Its own ``x-sdk-webhook-signature`` (on its operation or path item); None: the document's applies
    signature: WebhookSignature | None = None


@dataclass(frozen=True)
@_checked
class WebhookSignature:
    """How the API signs its webhooks (``x-sdk-webhook-signature``)."""

    scheme: Literal["hmac-sha256", "hmac-sha256-timestamped", "stripe", "standard-webhooks"]
    header: SpecText = _SIGNATURE_HEADER  # hmac-sha256(-timestamped), stripe: where the signature is
    encoding: Literal["hex", "base64"] = "hex"
    prefix: SpecText = _NO_PREFIX  # hmac-sha256(-timestamped): before the signature ("sha256=")
    tolerance: int = 300  # every scheme with a timestamp: seconds it may be off
    timestamp_header: SpecText = _TIMESTAMP_HEADER  # hmac-sha256-timestamped: where the timestamp is
    payload: SpecText = _SIGNED_PAYLOAD  # hmac-sha256-timestamped: what is signed ({timestamp}, {body})


DEFAULT_REQUEST_ID_HEADER = SpecText("x-request-id")


@dataclass(frozen=True)
@_checked
class Api:
    name: Conf  # short name: hrflow
    dist_name: Conf  # distribution: hrflow-client
    package: Ident  # import package: hrflow_client
    client_class: Ident
    title: SpecText
    version: SpecText
    description: SpecText
    spec_label: SpecText  # file the code was generated from, as shown in headers
    servers: tuple[Server, ...]
    base_url_param: Ident
    security_schemes: tuple[SecurityScheme, ...]
    client_params: tuple[ClientParam, ...]
    root_operations: tuple[Operation, ...]
    resource_modules: tuple[ResourceModule, ...]
    enums: tuple[Enum, ...]
    models: tuple[Model, ...]
    aliases: tuple[Alias, ...]
    root_model_imports: tuple[Ident, ...] = ()
    root_std_imports: tuple[Code, ...] = ()
    root_runtime_imports: tuple[Ident, ...] = ()
    root_third_party_imports: tuple[Code, ...] = ()
    # ``_endpoints.py``: the Endpoint of each operation on the client, imported on its first call
    endpoints_std_imports: tuple[Code, ...] = ()
    endpoints_runtime_imports: tuple[Ident, ...] = ()
    endpoints_model_imports: tuple[Ident, ...] = ()
    # ``models/``: its modules, by name (``build_ir/imports.py``: ``_model_modules``)
    model_modules: tuple[ModelModule, ...] = ()
    request_id_header: SpecText = (
        DEFAULT_REQUEST_ID_HEADER  # lower-case; the runtime's default unless a spec names another
    )
    webhooks: tuple[Webhook, ...] = ()
    webhook_signature: WebhookSignature | None = None
    webhook_event: Code = "Any"  # the union of the payloads' types (``WebhookEvent``)
    webhooks_std_imports: tuple[Code, ...] = ()
    webhooks_model_imports: tuple[Ident, ...] = ()
    exports: tuple[Ident, ...] = field(default=())
    package_version: Code = "0.1.0"  # what release.py chose: digits and dots

    @property
    def oauth(self) -> SecurityScheme | None:
        """The OAuth2 scheme whose flows the client runs (``client_id=``/``client_secret=``: a client
        credentials flow, an authorization code flow, or both), if any."""
        return next(
            (s for s in self.security_schemes if s.token_url is not None or s.authorization_url is not None), None
        )

    @property
    def oauth_code(self) -> SecurityScheme | None:
        """That scheme, when it has an authorization code flow (``token_store=``, ``authorization_url()``)."""
        oauth = self.oauth
        return oauth if oauth is not None and oauth.authorization_url is not None else None

    @property
    def keyword_schemes(self) -> tuple[SecurityScheme, ...]:
        """The schemes with a constructor keyword of their own (the others share one of these)."""
        return tuple(s for s in self.security_schemes if s.same_as is None)

    @property
    def webhooks_signed_apart(self) -> tuple[Webhook, ...]:
        """The events with a signature declaration of their own (``Webhooks._signatures``)."""
        return tuple(w for w in self.webhooks if w.signature is not None)

    @property
    def webhook_schemes(self) -> tuple[str, ...]:
        """The signature schemes webhooks are checked with, in the order of the events, once each."""
        used = (w.signature or self.webhook_signature for w in self.webhooks)
        return tuple(dict.fromkeys(s.scheme for s in used if s is not None))

    def env(self, suffix: str) -> str:
        return self.name.upper().replace("-", "_") + "_" + suffix

    @property
    def base_url_env(self) -> str:
        return self.name.upper().replace("-", "_") + "_BASE_URL"

    @property
    def async_client_class(self) -> str:
        return "Async" + self.client_class

    @property
    def operations(self) -> list[Operation]:
        ops = list(self.root_operations)
        for module in self.resource_modules:
            for resource in module.resource.walk():
                ops.extend(resource.operations)
        return ops

    @property
    def routed_operations(self) -> list[Operation]:
        """The operations with servers of their own (``Operation.servers``)."""
        return [op for op in self.operations if op.servers]
