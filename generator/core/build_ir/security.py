"""Security schemes and servers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from ...config import ApiConfig
from .. import ir
from .. import pointer as jp
from ..diagnostics import Diagnostics
from ..escape import SpecText
from ..names import (
    NameScope,
    ascii_words,
    snake_identifier,
    upper,
)
from .context import HEADER_NAME, HTTP_METHODS, Context, _text

AUTHORIZATION = SpecText("Authorization")


#: Constructor keywords of every client, which a scheme's keyword may not take.
_CLIENT_KEYWORDS = (
    "timeout",
    "max_retries",
    "retry_policy",
    "max_response_bytes",
    "strict_responses",
    "observe",
    "http_client",
    "server",
    "default_headers",
    "hooks",
    "client_id",
    "client_secret",
    "token_url",
    "token_auth",
    "token_params",
    "token_store",
    "webhook_secret",
)

#: Words that say a scheme is a security scheme, not which credential: left out of its keyword
#: (``OAuth2Security`` -> ``oauth2=``) where other words remain.
_SCHEME_WORDS = frozenset({"security", "scheme", "schema"})

#: What ``x-sdk-token-auth`` takes: how the client authenticates to the token endpoint (RFC 6749 2.3.1).
TOKEN_AUTHS = ("client_secret_basic", "client_secret_post")

#: Token request fields the client writes itself, which ``x-sdk-token-params`` may not set.
_TOKEN_FIELDS = frozenset(
    {"grant_type", "client_id", "client_secret", "code", "redirect_uri", "code_verifier", "refresh_token"}
)


@dataclass(frozen=True)
class _Scheme:
    """A usable security scheme as the document gives it."""

    index: int  # document order
    key: str
    ptr: str
    raw: dict[str, Any]
    kind: str  # apiKey | basic | bearer | oauth2 | openIdConnect
    location: str
    wire: str


def _security_schemes(ctx: Context, config: ApiConfig) -> tuple[ir.SecurityScheme, ...]:
    """One IR scheme per usable security scheme. Schemes that are one credential (``_groups``) share one
    constructor keyword (info I503), named after the first of them; the client runs the OAuth2 flows of
    one authorization server (``_flows``), for every scheme of its group."""
    schemes = _read_schemes(ctx)
    groups = _groups(schemes)
    runner = next((g for g in groups if _flows_run(g)), None)
    scope = NameScope({*_CLIENT_KEYWORDS, config.base_url_param})
    out: list[tuple[int, ir.SecurityScheme]] = []
    for group in groups:
        first = group[0]
        param = scope.claim(_keyword(ctx, group))
        env = f"{upper(config.name)}_{upper(param)}"
        flows = _flows(ctx, group, runner) if group is runner else {}
        if len(group) > 1:
            _say_shared(ctx, group, param)
        for scheme in group:
            kind = scheme.kind if scheme.kind in ("apiKey", "basic") else "bearer"
            if scheme.kind in ("oauth2", "openIdConnect") and group is not runner:
                _warn_not_run(ctx, scheme, runner, param)
            out.append(
                (
                    scheme.index,
                    ir.SecurityScheme(
                        SpecText(scheme.key),
                        param,
                        kind,  # type: ignore[arg-type]
                        scheme.location,  # type: ignore[arg-type]
                        SpecText(scheme.wire),
                        env,
                        _text(scheme.raw.get("description")),
                        **(flows if scheme is first else {}),
                        same_as=None if scheme is first else SpecText(first.key),
                        tokens=group is runner,
                    ),
                )
            )
    return tuple(s for _, s in sorted(out, key=lambda pair: pair[0]))


def _read_schemes(ctx: Context) -> list[_Scheme]:
    """The document's security schemes a client can be given, in document order (W501, W502 for the rest)."""
    schemes = (ctx.spec.data.get("components") or {}).get("securitySchemes") or {}
    out = []
    for index, (key, raw) in enumerate(schemes.items() if isinstance(schemes, dict) else ()):
        ptr = jp.join("/components/securitySchemes", key)
        try:
            _, _, scheme = ctx.follow(ctx.spec.root, raw)
        except LookupError:
            continue
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        http = str(scheme.get("scheme", "")).lower()
        name = scheme.get("name")
        if (
            kind == "apiKey"
            and scheme.get("in") in ("header", "cookie")
            and isinstance(name, str)
            and not HEADER_NAME.fullmatch(name)
        ):
            ctx.warn(
                "W502",
                ctx.spec.root,
                jp.join(ptr, "name"),
                f"{scheme['in']} name {name!r} is not a token (RFC 9110): no client can send it; scheme skipped",
            )
        elif kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and isinstance(name, str):
            out.append(_Scheme(index, str(key), ptr, scheme, "apiKey", scheme["in"], name))
        elif kind == "http" and http in ("bearer", "basic"):
            out.append(_Scheme(index, str(key), ptr, scheme, http, "header", "Authorization"))
        elif kind in ("oauth2", "openIdConnect"):
            out.append(_Scheme(index, str(key), ptr, scheme, kind, "header", "Authorization"))
        else:
            ctx.warn(
                "W501",
                ctx.spec.root,
                ptr,
                f"security scheme type {kind!r} is not supported; configure it on a custom http_client",
            )
    return out


def _groups(schemes: list[_Scheme]) -> list[list[_Scheme]]:
    """The schemes that are one credential, in the order of their first: API keys sent under the same
    name in the same place; every HTTP basic scheme; every HTTP bearer scheme; OAuth2 and OpenID Connect
    schemes of one authorization server (a URL of their flows in common); and the bearer schemes with
    the OAuth2 ones when the document has one authorization server (an access token is a bearer token)."""
    groups: list[list[_Scheme]] = []
    by_identity: dict[tuple[str, ...], list[_Scheme]] = {}
    servers: list[tuple[set[str], list[_Scheme]]] = []
    for scheme in schemes:
        if scheme.kind in ("oauth2", "openIdConnect"):
            urls = _server_urls(scheme.raw)
            joined = [entry for entry in servers if entry[0] & urls]
            if not joined:
                group = [scheme]
                servers.append((set(urls), group))
                groups.append(group)
                continue
            # the first matching server's group takes this scheme, and any other it links to it
            target_urls, target = joined[0]
            target.append(scheme)
            target_urls |= urls
            for other_urls, other in joined[1:]:
                target_urls |= other_urls
                target.extend(other)
                servers.remove((other_urls, other))
                groups.remove(other)
            target.sort(key=lambda s: s.index)
            continue
        if scheme.kind == "apiKey":
            wire = scheme.wire.lower() if scheme.location == "header" else scheme.wire
            identity: tuple[str, ...] = ("apiKey", scheme.location, wire)
        else:
            identity = (scheme.kind,)
        if identity in by_identity:
            by_identity[identity].append(scheme)
        else:
            by_identity[identity] = [scheme]
            groups.append(by_identity[identity])
    bearer = by_identity.get(("bearer",))
    if bearer is not None and len(servers) == 1:
        oauth = servers[0][1]
        oauth.extend(bearer)
        oauth.sort(key=lambda s: s.index)
        groups.remove(bearer)
    return sorted(groups, key=lambda g: g[0].index)


def _server_urls(scheme: dict[str, Any]) -> set[str]:
    """The URLs of an OAuth2 scheme's flows (or an OpenID Connect scheme's discovery URL): what tells
    its authorization server."""
    urls = {scheme["openIdConnectUrl"]} if isinstance(scheme.get("openIdConnectUrl"), str) else set()
    flows = scheme.get("flows")
    for flow in flows.values() if isinstance(flows, dict) else ():
        for field in ("authorizationUrl", "tokenUrl", "refreshUrl"):
            value = flow.get(field) if isinstance(flow, dict) else None
            if isinstance(value, str) and value:
                urls.add(value)
    return urls


def _flow(scheme: _Scheme, name: str, *fields: str) -> dict[str, Any] | None:
    """The ``name`` flow of an OAuth2 scheme, when it has each of ``fields`` as a non-empty string."""
    flows = scheme.raw.get("flows") if scheme.kind == "oauth2" else None
    flow = flows.get(name) if isinstance(flows, dict) else None
    if isinstance(flow, dict) and all(isinstance(flow.get(f), str) and flow[f] for f in fields):
        return flow
    return None


def _flows_run(group: list[_Scheme]) -> bool:
    """Whether the client can run a flow of the group: client credentials, or authorization code."""
    return any(
        _flow(s, "clientCredentials", "tokenUrl") or _flow(s, "authorizationCode", "authorizationUrl", "tokenUrl")
        for s in group
    )


def _flows(ctx: Context, group: list[_Scheme], runner: list[_Scheme] | None) -> dict[str, Any]:
    """The ``SecurityScheme`` fields of the flows the client runs for ``group``: a client credentials
    flow's token URL, an authorization code flow's URLs (each as written: a relative one is resolved
    against the base URL the client uses, as OpenAPI 3.0 says), the scopes asked for, how the client
    authenticates to the token endpoint, and the fields every token request adds."""
    data = ctx.spec.data
    keys = {s.key for s in group}
    credentials = next(((s, f) for s in group if (f := _flow(s, "clientCredentials", "tokenUrl"))), None)
    code = next(((s, f) for s in group if (f := _flow(s, "authorizationCode", "authorizationUrl", "tokenUrl"))), None)
    fields: dict[str, Any] = {"scopes": tuple(SpecText(s) for s in _required_scopes(data, keys))}
    params: dict[str, str] = {}
    for found, name in ((credentials, "clientCredentials"), (code, "authorizationCode")):
        if found is not None:
            params.update(_token_params(ctx, jp.join(found[0].ptr, "flows", name), found[1]))
    fields["token_params"] = tuple((SpecText(k), SpecText(v)) for k, v in params.items())
    if credentials is not None:
        fields["token_url"] = SpecText(credentials[1]["tokenUrl"])
    if code is not None:
        flow = code[1]
        fields["authorization_url"] = SpecText(flow["authorizationUrl"])
        fields["code_token_url"] = SpecText(flow["tokenUrl"])
        if isinstance(flow.get("refreshUrl"), str) and flow["refreshUrl"]:
            fields["refresh_url"] = SpecText(flow["refreshUrl"])
        fields["authorization_scopes"] = tuple(SpecText(s) for s in _all_scopes(data, keys))
    if credentials is not None and code is not None:
        ctx.info(
            "I505",
            ctx.spec.root,
            group[0].ptr,
            "both a clientCredentials and an authorizationCode flow: client_id= and client_secret= get client"
            " credentials tokens; with token_store= the client uses, and refreshes, the tokens a user's"
            " authorization gave instead",
        )
    auth = next((s for s in group if "x-sdk-token-auth" in s.raw), None)
    if auth is not None:
        value = auth.raw["x-sdk-token-auth"]
        if value in TOKEN_AUTHS:
            fields["token_auth"] = value
        else:
            ctx.warn(
                "W503",
                ctx.spec.root,
                jp.join(auth.ptr, "x-sdk-token-auth"),
                f"x-sdk-token-auth takes {' or '.join(TOKEN_AUTHS)}, not {value!r}; client_secret_basic is used",
            )
    return fields


def _token_params(ctx: Context, ptr: str, flow: dict[str, Any]) -> dict[str, str]:
    """A flow's ``x-sdk-token-params``: fields every token request adds (``audience``), strings by name;
    others are skipped (W504)."""
    raw = flow.get("x-sdk-token-params")
    if raw is None:
        return {}
    where = jp.join(ptr, "x-sdk-token-params")
    if not isinstance(raw, dict):
        ctx.warn("W504", ctx.spec.root, where, "x-sdk-token-params takes an object of strings by field name; ignored")
        return {}
    out = {}
    for name, value in raw.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or str(name) in _TOKEN_FIELDS:
            why = "the client writes that field itself" if str(name) in _TOKEN_FIELDS else "not a string"
            ctx.warn("W504", ctx.spec.root, jp.join(where, name), f"token parameter {name!r} skipped: {why}")
            continue
        out[str(name)] = value
    return out


def _keyword(ctx: Context, group: list[_Scheme]) -> str:
    """The constructor keyword of a group: the ``x-sdk-name`` of one of its schemes, else its first
    scheme's name without words that only say it is a scheme (I504)."""
    for scheme in group:
        named = scheme.raw.get("x-sdk-name")
        if isinstance(named, str) and named.strip():
            return snake_identifier(named, "api_key")
    first = group[0]
    words = ascii_words(first.key)
    kept = [w for w in words if w.lower() not in _SCHEME_WORDS]
    if not kept or len(kept) == len(words):
        return snake_identifier(first.key, "api_key")
    name = snake_identifier("_".join(kept), "api_key")
    dropped = ", ".join(repr(w) for w in words if w.lower() in _SCHEME_WORDS)
    ctx.info(
        "I504",
        ctx.spec.root,
        first.ptr,
        f"constructor keyword {name}= (the scheme's name without {dropped}); x-sdk-name names it otherwise",
    )
    return name


def _say_shared(ctx: Context, group: list[_Scheme], param: str) -> None:
    first = group[0]
    for scheme in group[1:]:
        if scheme.kind == "apiKey":
            why = f"both send the {scheme.location} {scheme.wire!r}"
        elif scheme.kind in ("oauth2", "openIdConnect") and first.kind in ("oauth2", "openIdConnect"):
            why = "tokens of the same authorization server"
        elif scheme.kind == first.kind:
            why = f"both send an HTTP {scheme.kind} Authorization header"
        else:
            why = "an OAuth2 access token is sent as a bearer token, and the document has one authorization server"
        ctx.info(
            "I503",
            ctx.spec.root,
            scheme.ptr,
            f"{scheme.key!r} is the same credential as {first.key!r} ({why}): one keyword, {param}=, gives both;"
            " each operation still accepts either",
        )


def _warn_not_run(ctx: Context, scheme: _Scheme, runner: list[_Scheme] | None, param: str) -> None:
    if scheme.kind == "openIdConnect":
        what = "OpenID Connect discovery is not run by the client"
    elif runner is not None and _flows_run([scheme]):
        what = f"the client runs the OAuth2 flows of one authorization server ({runner[0].key!r}'s)"
    else:
        flows = scheme.raw.get("flows")
        names = ", ".join(str(f) for f in flows) if isinstance(flows, dict) and flows else "none"
        what = f"oauth2 flows other than clientCredentials and authorizationCode (here: {names}) are not run"
    ctx.warn(
        "W500",
        ctx.spec.root,
        scheme.ptr,
        f"{what}; pass an access token to {param}=, sent as a bearer token",
    )


def operation_scopes(ctx: Context, op: dict[str, Any]) -> tuple[ir.Scopes, ...]:
    """The scopes each alternative of an operation's security requirement (its own, else the document's)
    asks of its OAuth2 and OpenID Connect schemes: a token is asked for with them."""
    requirements = op.get("security", ctx.spec.data.get("security"))
    alternatives = [r for r in requirements if isinstance(r, dict)] if isinstance(requirements, list) else []
    out = []
    for index, requirement in enumerate(alternatives):
        for key, scopes in requirement.items():
            if isinstance(scopes, list) and scopes and _scheme_type(ctx, str(key)) in ("oauth2", "openIdConnect"):
                out.append(ir.Scopes(index, SpecText(str(key)), tuple(SpecText(str(s)) for s in scopes)))
    return tuple(out)


def _scheme_type(ctx: Context, key: str) -> object:
    schemes = (ctx.spec.data.get("components") or {}).get("securitySchemes")
    raw = schemes.get(key) if isinstance(schemes, dict) else None
    try:
        _, _, scheme = ctx.follow(ctx.spec.root, raw)
    except LookupError:
        return None
    return scheme.get("type") if isinstance(scheme, dict) else None


def _required_scopes(data: dict[str, Any], keys: set[str]) -> tuple[str, ...]:
    """The scopes the document's own security requirement asks of the schemes ``keys``: asked for with a
    token when a call names none (``client.request()``)."""
    return _scopes_in(data.get("security"), keys)


def _all_scopes(data: dict[str, Any], keys: set[str]) -> tuple[str, ...]:
    """Every scope the document's and its operations' security requirements ask of the schemes ``keys``:
    what a user is asked to grant by default (``authorization_url()``)."""
    found = set(_scopes_in(data.get("security"), keys))
    paths = data.get("paths")
    for item in paths.values() if isinstance(paths, dict) else ():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                found.update(_scopes_in(op.get("security"), keys))
    return tuple(sorted(found))


def _scopes_in(requirements: object, keys: set[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for requirement in requirements if isinstance(requirements, list) else []:
        for key in keys:
            scopes = requirement.get(key) if isinstance(requirement, dict) else None
            found |= {str(s) for s in scopes} if isinstance(scopes, list) else set()
    return tuple(sorted(found))


def _servers(ctx: Context) -> tuple[ir.Server, ...]:
    """The document's servers, by the name ``server=`` takes."""
    usable = server_urls(ctx, ctx.spec.root, "/servers", ctx.spec.data.get("servers"), "pass a base URL to the client")
    return named_servers(ctx, usable)


def server_urls(
    ctx: Context, doc: str, ptr: str, servers: object, fallback: str
) -> list[tuple[int, dict[str, Any], str]]:
    """The usable servers of the ``servers`` list at ``doc#ptr``, each with its index and URL: variables
    replaced by their defaults, a relative URL resolved against the URL of the document holding it, as
    OpenAPI says (info I512). A URL with a variable left undefined (W510), or relative in a document read
    from a file (W511: no HTTP address to resolve it against), is skipped; ``fallback`` says what is used
    instead."""
    usable = []
    for index, server in enumerate(servers if isinstance(servers, list) else []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        raw_variables = server.get("variables")
        variables: dict[Any, Any] = raw_variables if isinstance(raw_variables, dict) else {}
        for var, spec in variables.items():
            default = spec.get("default") if isinstance(spec, dict) else None
            url = url.replace("{" + str(var) + "}", str(default) if default is not None else "")
        where = jp.join(ptr, index, "url")
        if "{" in url:
            ctx.warn("W510", doc, where, "server URL has undefined variables; skipped")
            continue
        if not url.startswith(("http://", "https://")):
            resolved = urljoin(doc, url) if urlsplit(doc).scheme in ("http", "https") else ""
            if not resolved.startswith(("http://", "https://")):
                ctx.warn("W511", doc, where, f"server URL {url!r} is not absolute; {fallback}")
                continue
            ctx.info("I512", doc, where, f"relative server URL {url!r} resolved against the document's URL: {resolved}")
            url = resolved
        usable.append((index, server, url))
    return usable


def named_servers(ctx: Context, usable: list[tuple[int, dict[str, Any], str]]) -> tuple[ir.Server, ...]:
    """``usable`` servers (``server_urls``) with their names (``server_names``)."""
    info = ctx.spec.data.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    names = server_names([(s, url) for _, s, url in usable], title if isinstance(title, str) else "")
    scope = NameScope()
    return tuple(
        ir.Server(
            scope.claim(snake_identifier(name, f"server_{index}")), SpecText(url), _text(server.get("description"))
        )
        for (index, server, url), name in zip(usable, names)
    )


def operation_servers(
    ctx: Context, doc: str, ptr: str, item: dict[str, Any], op: dict[str, Any]
) -> tuple[ir.Server, ...]:
    """The servers of the operation at ``doc#ptr``, by OpenAPI's precedence: its own ``servers``, else its
    path item's; () when neither has a usable one, or they repeat the document's (the operation goes where
    the others go). Named as the document's servers are, so ``server=NAME`` picks the one named alike;
    info I513 names the document servers it has no counterpart for (the operation goes to its first
    server whichever of those is picked)."""
    item_ptr = jp.join("/paths", jp.split(ptr)[1])
    document = ctx.spec.data.get("servers")
    levels = ((ptr, op, "the path item's (else the document's)"), (item_ptr, item, "the document's"))
    for at, holder, next_level in levels:
        servers = holder.get("servers")
        if servers is None:
            continue
        where = jp.join(at, "servers")
        if servers == document:
            return ()
        if isinstance(servers, list) and not servers:
            ctx.info("I514", doc, where, f"an empty servers list names no server: {next_level} servers apply")
            continue
        usable = server_urls(ctx, doc, where, servers, f"skipped: {next_level} servers apply")
        if usable:
            own = named_servers(ctx, usable)
            document_names = [s.name for s in _servers(replace(ctx, diags=Diagnostics()))]
            missing = [name for name in document_names if name not in {s.name for s in own}]
            if len(document_names) > 1 and missing:
                picks = " or ".join(f"server={name!r}" for name in missing)
                ctx.info(
                    "I513",
                    doc,
                    where,
                    f"none of these servers is named like the document's {', '.join(missing)}: with {picks}"
                    f" the operation goes to its first, {own[0].url.unescaped}",
                )
            return own
    return ()


#: Words that say a server is a server, not which one.
_GENERIC = frozenset(
    {"a", "an", "the", "of", "for", "to", "and", "with", "api", "apis", "server", "servers", "endpoint"}
    | {"endpoints", "url", "base", "root", "environment", "env", "instance", "installation", "deployment"}
    | {"host", "service", "version", "default", "main"}
)


def server_names(servers: list[tuple[dict[str, Any], str]], title: str) -> list[str]:
    """The name ``server=`` takes for each server: ``x-sdk-server-name`` (or Speakeasy's
    ``x-speakeasy-server-id``); else its description's words that tell it from the others (``Kombo EU
    API`` -> ``eu``, ``Sandbox server`` -> ``sandbox``) when that is three words or fewer; else the part of
    its host (or path) the other servers' do not share (``api.us.kombo.dev`` -> ``us``); else the host's
    own name (``api.stripe.com`` -> ``stripe``, ``localhost`` -> ``local``)."""
    known = {w.lower() for w in ascii_words(title)} | _GENERIC
    described = [_description_words(s.get("description"), known) for s, _ in servers]
    if len(servers) > 1:
        shared = set.intersection(*(set(w) for w in described))
        described = [[w for w in words if w not in shared] for words in described]
    hosts = [_host_words(url) for _, url in servers]
    out = []
    for (server, _url), words, host in zip(servers, described, hosts):
        pinned = server.get("x-sdk-server-name", server.get("x-speakeasy-server-id"))
        if isinstance(pinned, str) and pinned.strip():
            out.append(pinned)
        elif 0 < len(words) <= 3 and len(set(map(tuple, described))) == len(described):
            out.append("_".join(words))
        else:
            out.append(_by_host(host, [h for h in hosts if h is not host]))
    return out


def _description_words(description: object, known: set[str]) -> list[str]:
    if not isinstance(description, str):
        return []
    first = re.split(r"[(\[:;,.\n]| - ", description.strip(), maxsplit=1)[0]
    return [w.lower() for w in ascii_words(first) if w.lower() not in known]


def _host_words(url: str) -> tuple[list[str], list[str], str]:
    """A URL's host labels (without the top-level domain, ``www`` and ``_GENERIC`` words such as ``api``
    and ``server``), its path segments and
    its scheme."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith((".local", ".localhost")):
        labels = ["local"]
    elif re.fullmatch(r"[0-9.]+|[0-9a-f:]+", host):
        labels = ["host"]
    else:
        labels = [label for label in host.split(".")[:-1] if label not in _GENERIC | {"www"}] or host.split(".")[:1]
    segments = [s for s in parts.path.split("/") if s]
    return labels, segments, parts.scheme


def _by_host(host: tuple[list[str], list[str], str], others: list[tuple[list[str], list[str], str]]) -> str:
    labels, segments, scheme = host
    for mine, theirs in ((labels, [o[0] for o in others]), (segments, [o[1] for o in others])):
        own = [w for w in mine if not all(w in t for t in theirs)] if others else []
        if own:
            return own[0]
    if others and all(o[0] == labels and o[1] == segments for o in others):
        return scheme
    return labels[0] if labels else "default"
