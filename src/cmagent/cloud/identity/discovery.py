"""OpenID discovery (v1 and v2), JWKS, and MSAL's instance discovery.

Endpoint URLs are built from the request's host, so the same documents are right whether a
client reached the cloud as 127.0.0.1:8443 or as login.microsoftonline.com in the network lab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import errors
from cmagent.cloud.identity import tokens
from cmagent.cloud.identity.entra import Entra
from cmagent.cloud.identity.errors import OAuthError


def _tenant_segment(entra: Entra, name: str) -> tuple[str, str]:
    """(the segment used in endpoint URLs, the tenant id or ``{tenantid}`` for common ones)."""
    if name.lower() in directory.MULTI_TENANT:
        return name.lower(), "{tenantid}"
    with entra.store.session() as session:
        tenant = directory.tenant_or_error(session, name, error="invalid_tenant")
    return tenant.id, tenant.id


def openid_v2(entra: Entra, request: Request) -> Response:
    return _document(entra, request, _v2)


def openid_v1(entra: Entra, request: Request) -> Response:
    return _document(entra, request, _v1)


def _document(entra: Entra, request: Request,
              build: Callable[[Request, str, str], dict[str, Any]]) -> Response:
    try:
        segment, tenant_id = _tenant_segment(entra, request.params["tenant"])
    except OAuthError as error:
        return error.response(request)
    return Response.json(200, {**_common(request), **build(request, segment, tenant_id)})


def _v2(request: Request, segment: str, tenant_id: str) -> dict[str, Any]:
    base = f"{request.base_url}/{segment}"
    return {
        "issuer": f"{request.base_url}/{tenant_id}/v2.0",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
    }


def _v1(request: Request, segment: str, tenant_id: str) -> dict[str, Any]:
    base = f"{request.base_url}/{segment}"
    return {
        "issuer": tokens.issuer_v1(tenant_id),
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "device_authorization_endpoint": f"{base}/oauth2/devicecode",
        "end_session_endpoint": f"{base}/oauth2/logout",
        "jwks_uri": f"{request.base_url}/common/discovery/keys",
        "microsoft_multi_refresh_token": True,
    }


def _common(request: Request) -> dict[str, Any]:
    return {
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "name",
                             "preferred_username", "ver"],
        "request_uri_parameter_supported": False,
        "tenant_region_scope": None,
        "cloud_instance_name": request.host.split(":")[0],
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }


def jwks(entra: Entra, request: Request) -> Response:
    return Response.json(200, entra.keys.jwks())


# The public cloud's names for its sign-in host: inside the network lab they all lead here.
PUBLIC_ALIASES = ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com",
                  "sts.windows.net")


def instance_discovery(entra: Entra, request: Request) -> Response:
    """MSAL's authority validation: an authority on this host (or, in the lab, on a public
    sign-in name that leads here) is valid; its tenant discovery document is the authority's
    own, so the client goes on to the authority's tenant."""
    host = request.host.split(":")[0].lower()
    aliases = sorted({host, *PUBLIC_ALIASES}) if host in PUBLIC_ALIASES else [host]
    try:
        endpoint = urlsplit(request.query.get("authorization_endpoint", ""))
        endpoint_host = endpoint.hostname or host
    except ValueError:  # not a URL (e.g. a broken IPv6 literal)
        return errors.unknown_instance().response(request)
    tenant = endpoint.path.strip("/").split("/")[0] if endpoint.path else "common"
    if endpoint_host not in aliases or not tenant:
        return errors.unknown_instance().response(request)
    return Response.json(200, {
        "tenant_discovery_endpoint":
            f"{request.base_url}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": aliases}],
    }, {"Cache-Control": "max-age=86400, private"})
