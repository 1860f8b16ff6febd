"""The intermediate representation: final Python names, resolved annotations, per-module imports.

Templates only loop over these and branch on them; they never compute a name or a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Field:
    name: str  # Python attribute name
    wire: str  # JSON property name (kept as alias)
    annotation: str
    required: bool
    default: str | None  # Python source of the default, None when required
    description: str
    deprecated: bool = False
    read_only: bool = False  # set by the server alone: never sent in a request

    @property
    def needs_alias(self) -> bool:
        return self.name != self.wire


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    fields: tuple[Field, ...]
    source: str  # spec pointer, for the docstring and diagnostics
    allow_extra: bool = True
    extra_annotation: str | None = None  # additionalProperties schema

    @property
    def read_only_wires(self) -> list[str]:
        """The wire names of the fields a request never sends (``Field.read_only``), sorted."""
        return sorted(f.wire for f in self.fields if f.read_only)


@dataclass(frozen=True)
class EnumMember:
    name: str
    value: str  # Python source of the value


@dataclass(frozen=True)
class Enum:
    name: str
    description: str
    base: Literal["str", "int"]
    members: tuple[EnumMember, ...]
    source: str


@dataclass(frozen=True)
class Alias:
    """A named schema that is not an object or enum: ``Tags = list[Tag]``."""

    name: str
    annotation: str
    description: str
    source: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Param:
    name: str  # Python keyword
    wire: str
    location: Literal["path", "query", "header", "cookie"]
    annotation: str
    required: bool
    default: str | None
    description: str
    style: str | None = None  # only when not the location's default
    explode: bool | None = None
    wire_style: str = "form"  # the style sent with (``build_ir.operations.wire_rule``)
    wire_explode: bool = True
    allow_reserved: bool = False  # a query parameter sent with reserved characters as they are
    as_json: bool = False  # described by ``content`` with a JSON media type: sent as JSON text
    client_attr: str | None = None  # value comes from the client (a global parameter)
    deprecated: bool = False  # giving it warns (DeprecationWarning)
    example: str = '"string"'  # Python source of a plausible value, for README usage examples


@dataclass(frozen=True)
class BodyField:
    """One property of a form or multipart body, passed as its own keyword argument."""

    name: str  # Python keyword
    wire: str  # form field / part name
    annotation: str
    required: bool
    description: str
    is_file: bool = False  # a file part: takes a path, bytes, a binary file or (name, content[, type])
    example: str = '"string"'  # Python source of a plausible value, for README usage examples


@dataclass(frozen=True)
class PartEncoding:
    """How one property of a form or multipart body goes on the wire (the media type's ``encoding``),
    where that is not the default (form style, exploded, no content type of its own)."""

    wire: str
    style: str
    explode: bool
    content_type: str | None


@dataclass(frozen=True)
class Body:
    name: str  # Python keyword of the body argument (unused when ``fields`` is set)
    media_type: str
    kind: Literal["json", "form", "multipart", "binary", "text"]
    annotation: str
    required: bool
    description: str
    fields: tuple[BodyField, ...] | None = None  # a flattened form or multipart body
    encoding: tuple[PartEncoding, ...] = ()
    example: str = "..."  # Python source of the body for README usage examples (the spec's example, if small)

    @property
    def file_wires(self) -> tuple[str, ...]:
        return tuple(f.wire for f in self.fields or () if f.is_file)


@dataclass(frozen=True)
class Response:
    status: str  # "200", "2XX", "default"
    media_type: str | None
    kind: Literal["json", "binary", "text", "empty"]
    annotation: str  # "None" when empty
    model: str | None  # Python expression given to the runtime to parse with (None: no parsing)
    description: str


@dataclass(frozen=True)
class Pagination:
    """How a paginated operation's next page is asked for (``build_ir.pagination``). Pointers are RFC 6901
    pointers into the response body."""

    style: Literal["cursor", "page", "offset", "link"]
    items: str  # the list of items on a page ("" when the body is the list)
    item_annotation: str
    param: str | None = None  # query parameter (wire) the next page is asked with: cursor, page or offset
    limit_param: str | None = None  # offset: the page size parameter
    next: str | None = None  # cursor: the next cursor; link: the next URL (else the Link header)
    next_item: str | None = None  # cursor: taken from the last item at this pointer (``/id``)
    has_more: str | None = None  # cursor: a boolean that is false on the last page
    total: str | None = None  # page: the number of pages; offset: the number of items
    start: int = 1  # page: the first page's number
    source: str = "x-sdk-pagination"  # or x-speakeasy-pagination, x-ms-pageable, inferred


@dataclass(frozen=True)
class Operation:
    name: str  # method name
    http_method: str
    path: str  # as documented (shown in docstrings)
    wire_path: str  # as requested: without a ``#...`` suffix some descriptions use to tell operations apart
    operation_id: str
    summary: str
    description: str
    params: tuple[Param, ...]
    body: Body | None
    responses: tuple[Response, ...]  # 2xx
    errors: tuple[Response, ...]  # documented non-2xx, including default
    return_annotation: str
    security: tuple[tuple[str, ...], ...]  # alternatives of scheme keys; () means no auth
    one_of: tuple[tuple[str, ...], ...]  # groups of Python parameter names, exactly one required
    endpoint: str  # name of the module-level Endpoint constant
    source: str  # pointer of the operation
    deprecated: bool = False
    call_path: str = ""  # how a user reaches it from the client: "profile.attachment.list"
    download: bool = False  # every success is a file: returns bytes, or streams to ``to=`` and returns it
    retry_safe: bool = False  # a non-idempotent method the API documents as safe to resend
    idempotency_header: str | None = None  # the header a key made per call goes in (retried with it)
    accept: str | None = None  # Accept header when the successes are not (only) JSON
    pagination: Pagination | None = None  # returns pages (``SyncPage[Item]`` / ``AsyncPager[Item]``)

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
    def deprecation(self) -> str:
        """The message of ``@deprecated`` on a deprecated operation's method."""
        return f"{self.http_method} {self.path} is deprecated by the API"

    @property
    def reserved(self) -> list[Param]:
        return [p for p in self.params if p.allow_reserved]

    @property
    def as_json(self) -> list[Param]:
        return [p for p in self.params if p.as_json]


@dataclass(frozen=True)
class Resource:
    attr: str  # attribute on the parent (client or resource)
    class_name: str  # sync class; the async one is "Async" + class_name
    operations: tuple[Operation, ...]
    children: tuple[Resource, ...] = ()

    def walk(self) -> list[Resource]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class ResourceModule:
    module: str  # file stem under resources/
    resource: Resource
    model_imports: tuple[str, ...]
    std_imports: tuple[str, ...] = ()  # import lines the annotations need
    runtime_imports: tuple[str, ...] = ()  # names imported from _runtime
    third_party_imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecurityScheme:
    key: str  # name in components/securitySchemes
    param: str  # client constructor keyword
    kind: Literal["apiKey", "bearer", "basic"]
    location: Literal["header", "query", "cookie"]
    wire: str  # header/query/cookie name
    env: str  # environment variable read when the keyword is not given
    description: str
    token_url: str | None = None  # OAuth2 client credentials: where client_id and client_secret get a token
    scopes: tuple[str, ...] = ()

    @property
    def whole_authorization(self) -> bool:
        """An apiKey sent as the ``Authorization`` header: the value is the whole header, scheme and all."""
        return self.kind == "apiKey" and self.location == "header" and self.wire.lower() == "authorization"

    @property
    def bearer_prefixed(self) -> bool:
        """Such a key whose description (or name) speaks of a bearer token: the value starts ``Bearer ``."""
        return self.whole_authorization and "bearer" in f"{self.description} {self.key}".lower()


@dataclass(frozen=True)
class ClientParam:
    """A parameter set once on the client and sent with every operation that declares it."""

    name: str
    wire: str
    location: Literal["header", "query", "cookie"]
    env: str
    description: str


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    description: str


@dataclass(frozen=True)
class Webhook:
    """An event the API sends (``webhooks``, or an operation's callback) and its payload's type."""

    name: str  # the webhooks key ("candidate.created"); a callback's is "operationId.callbackName"
    annotation: str
    description: str
    source: str


@dataclass(frozen=True)
class WebhookSignature:
    """How the API signs its webhooks (``x-sdk-webhook-signature``)."""

    scheme: Literal["hmac-sha256", "standard-webhooks"]
    header: str = "X-Signature"  # hmac-sha256: where the signature is
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""  # hmac-sha256: before the signature ("sha256=")
    tolerance: int = 300  # standard-webhooks: seconds a timestamp may be off


DEFAULT_REQUEST_ID_HEADER = "x-request-id"


@dataclass(frozen=True)
class Api:
    name: str  # short name: hrflow
    dist_name: str  # distribution: hrflow-client
    package: str  # import package: hrflow_client
    client_class: str
    title: str
    version: str
    description: str
    spec_label: str  # file the code was generated from, as shown in headers
    servers: tuple[Server, ...]
    base_url_param: str
    security_schemes: tuple[SecurityScheme, ...]
    client_params: tuple[ClientParam, ...]
    root_operations: tuple[Operation, ...]
    resource_modules: tuple[ResourceModule, ...]
    enums: tuple[Enum, ...]
    models: tuple[Model, ...]
    aliases: tuple[Alias, ...]
    root_model_imports: tuple[str, ...] = ()
    root_std_imports: tuple[str, ...] = ()
    root_runtime_imports: tuple[str, ...] = ()
    root_third_party_imports: tuple[str, ...] = ()
    # ``_endpoints.py``: the Endpoint of each operation on the client, imported on its first call
    endpoints_std_imports: tuple[str, ...] = ()
    endpoints_runtime_imports: tuple[str, ...] = ()
    endpoints_model_imports: tuple[str, ...] = ()
    models_std_imports: tuple[str, ...] = ()
    models_runtime_imports: tuple[str, ...] = ()
    request_id_header: str = "x-request-id"  # lower-case; the runtime's default unless a spec names another
    webhooks: tuple[Webhook, ...] = ()
    webhook_signature: WebhookSignature | None = None
    webhook_event: str = "Any"  # the union of the payloads' types (``WebhookEvent``)
    webhooks_std_imports: tuple[str, ...] = ()
    webhooks_model_imports: tuple[str, ...] = ()
    exports: tuple[str, ...] = field(default=())
    package_version: str = "0.1.0"

    @property
    def oauth(self) -> SecurityScheme | None:
        """The OAuth2 client-credentials scheme the client runs (``client_id=``/``client_secret=``), if any."""
        return next((s for s in self.security_schemes if s.token_url is not None), None)

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
