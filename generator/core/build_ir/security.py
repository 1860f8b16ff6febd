"""Security schemes and servers."""

from __future__ import annotations

import re
from dataclasses import replace
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
from .context import HEADER_NAME, Context, _text

AUTHORIZATION = SpecText("Authorization")


def _security_schemes(ctx: Context, config: ApiConfig) -> tuple[ir.SecurityScheme, ...]:
    data = ctx.spec.data
    schemes = (data.get("components") or {}).get("securitySchemes") or {}
    out = []
    scope = NameScope(
        {
            "timeout",
            "max_retries",
            "retry_policy",
            "max_response_bytes",
            "http_client",
            "server",
            config.base_url_param,
            "default_headers",
            "hooks",
            "client_id",
            "client_secret",
            "token_url",
            "webhook_secret",
        }
    )
    for key, raw in schemes.items() if isinstance(schemes, dict) else ():
        ptr = jp.join("/components/securitySchemes", key)
        try:
            _, _, scheme = ctx.follow(ctx.spec.root, raw)
        except LookupError:
            continue
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        param = scope.claim(snake_identifier(scheme.get("x-sdk-name") or key, "api_key"))
        env = f"{upper(config.name)}_{upper(param)}"
        description = _text(scheme.get("description"))
        if (
            kind == "apiKey"
            and scheme.get("in") in ("header", "cookie")
            and isinstance(scheme.get("name"), str)
            and not HEADER_NAME.fullmatch(scheme["name"])
        ):
            ctx.warn(
                "W502",
                ctx.spec.root,
                jp.join(ptr, "name"),
                f"{scheme['in']} name {scheme['name']!r} is not a token (RFC 9110): no client can send it;"
                " scheme skipped",
            )
        elif (
            kind == "apiKey"
            and scheme.get("in") in ("header", "query", "cookie")
            and isinstance(scheme.get("name"), str)
        ):
            out.append(
                ir.SecurityScheme(
                    SpecText(str(key)), param, "apiKey", scheme["in"], SpecText(scheme["name"]), env, description
                )
            )
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            out.append(
                ir.SecurityScheme(SpecText(str(key)), param, "bearer", "header", AUTHORIZATION, env, description)
            )
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            out.append(ir.SecurityScheme(SpecText(str(key)), param, "basic", "header", AUTHORIZATION, env, description))
        elif kind == "oauth2" and not any(s.token_url for s in out) and _token_url(scheme) is not None:
            # As written: a relative one is resolved against the base URL the client uses (OpenAPI 3.0).
            url = _token_url(scheme) or ""
            scopes = tuple(SpecText(s) for s in _required_scopes(data, str(key)))
            out.append(
                ir.SecurityScheme(
                    SpecText(str(key)),
                    param,
                    "bearer",
                    "header",
                    AUTHORIZATION,
                    env,
                    description,
                    SpecText(url),
                    scopes,
                )
            )
        elif kind in ("oauth2", "openIdConnect"):
            ctx.warn(
                "W500",
                ctx.spec.root,
                ptr,
                f"{kind} flows other than one clientCredentials flow are not run by the client; pass an access"
                " token, sent as a bearer token",
            )
            out.append(
                ir.SecurityScheme(SpecText(str(key)), param, "bearer", "header", AUTHORIZATION, env, description)
            )
        else:
            ctx.warn(
                "W501",
                ctx.spec.root,
                ptr,
                f"security scheme type {kind!r} is not supported; configure it on a custom http_client",
            )
    return tuple(out)


def _token_url(scheme: dict[str, Any]) -> str | None:
    """The token URL of an OAuth2 scheme's clientCredentials flow."""
    flows = scheme.get("flows")
    flow = flows.get("clientCredentials") if isinstance(flows, dict) else None
    if not isinstance(flow, dict) or not isinstance(flow.get("tokenUrl"), str) or not flow["tokenUrl"]:
        return None
    return str(flow["tokenUrl"])


def _required_scopes(data: dict[str, Any], key: str) -> tuple[str, ...]:
    """The scopes the document's own security requirement asks of scheme ``key`` (asked for with the token)."""
    found: set[str] = set()
    requirements = data.get("security")
    for requirement in requirements if isinstance(requirements, list) else []:
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
