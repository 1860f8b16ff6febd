"""Security schemes and servers."""

from __future__ import annotations

from typing import Any

from ...config import ApiConfig
from .. import ir
from .. import pointer as jp
from ..names import (
    NameScope,
    snake_identifier,
    upper,
)
from .context import Context, _text


def _security_schemes(ctx: Context, config: ApiConfig) -> tuple[ir.SecurityScheme, ...]:
    data = ctx.spec.data
    schemes = (data.get("components") or {}).get("securitySchemes") or {}
    out = []
    scope = NameScope(
        {
            "timeout",
            "max_retries",
            "retry_policy",
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
            and scheme.get("in") in ("header", "query", "cookie")
            and isinstance(scheme.get("name"), str)
        ):
            out.append(ir.SecurityScheme(str(key), param, "apiKey", scheme["in"], scheme["name"], env, description))
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            out.append(ir.SecurityScheme(str(key), param, "bearer", "header", "Authorization", env, description))
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            out.append(ir.SecurityScheme(str(key), param, "basic", "header", "Authorization", env, description))
        elif kind == "oauth2" and not any(s.token_url for s in out) and _token_url(scheme) is not None:
            # As written: a relative one is resolved against the base URL the client uses (OpenAPI 3.0).
            url = _token_url(scheme) or ""
            scopes = _required_scopes(data, str(key))
            out.append(
                ir.SecurityScheme(
                    str(key), param, "bearer", "header", "Authorization", env, description, url or "", scopes
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
            out.append(ir.SecurityScheme(str(key), param, "bearer", "header", "Authorization", env, description))
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
    servers = ctx.spec.data.get("servers")
    out = []
    scope = NameScope()
    for index, server in enumerate(servers if isinstance(servers, list) else []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        raw_variables = server.get("variables")
        variables: dict[Any, Any] = raw_variables if isinstance(raw_variables, dict) else {}
        for var, spec in variables.items():
            default = spec.get("default") if isinstance(spec, dict) else None
            url = url.replace("{" + str(var) + "}", str(default) if default is not None else "")
        if "{" in url:
            ctx.warn(
                "W510", ctx.spec.root, jp.join("/servers", index, "url"), "server URL has undefined variables; skipped"
            )
            continue
        if not url.startswith(("http://", "https://")):
            ctx.warn(
                "W511",
                ctx.spec.root,
                jp.join("/servers", index, "url"),
                f"server URL {url!r} is not absolute; pass a base URL to the client",
            )
            continue
        wanted = server.get("x-sdk-server-name") or server.get("description") or f"server_{index}"
        out.append(
            ir.Server(
                scope.claim(snake_identifier(str(wanted), f"server_{index}")), url, _text(server.get("description"))
            )
        )
    return tuple(out)
