"""Access tokens, ID tokens and token responses in Entra's v1 and v2 shapes.

Access tokens are v1.0 JWTs, as Entra issues them for ARM whichever endpoint is asked:
``iss`` = ``https://sts.windows.net/{tid}/``, with the claims ARM checks.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from cmagent.cloud.identity.keys import SigningKeys

ACCESS_TOKEN_SECONDS = 3600
MANAGED_IDENTITY_TOKEN_SECONDS = 86400  # managed identities' tokens last about a day


class Principal:
    """The subject of a token: a user, a service principal or a managed identity."""

    def __init__(self, tenant_id: str, object_id: str, app_id: str, *, user_upn: str = "",
                 display_name: str = "", credential: str = "1",
                 managed_identity: bool = False, resource_id: str = "") -> None:
        self.tenant_id = tenant_id
        self.object_id = object_id
        self.app_id = app_id
        self.user_upn = user_upn
        self.display_name = display_name
        self.credential = credential  # appidacr: 0 public client, 1 secret, 2 certificate
        self.managed_identity = managed_identity
        self.resource_id = resource_id  # a managed identity's machine

    @property
    def is_user(self) -> bool:
        return bool(self.user_upn)


def issuer_v1(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def access_token(keys: SigningKeys, principal: Principal, audience: str,
                 now: float) -> tuple[str, int]:
    """A signed access token and its expiry (epoch seconds)."""
    issued = int(now)
    expires = issued + (MANAGED_IDENTITY_TOKEN_SECONDS if principal.managed_identity
                        else ACCESS_TOKEN_SECONDS)
    claims: dict[str, Any] = {
        "aud": audience, "iss": issuer_v1(principal.tenant_id), "iat": issued,
        "nbf": issued, "exp": expires, "tid": principal.tenant_id, "oid": principal.object_id,
        "sub": principal.object_id, "appid": principal.app_id,
        "appidacr": principal.credential, "idtyp": "user" if principal.is_user else "app",
        "ver": "1.0", "uti": _uti(), "rh": "0.cmagent.",
    }
    if principal.is_user:
        claims.update({"upn": principal.user_upn, "unique_name": principal.user_upn,
                       "name": principal.display_name, "scp": "user_impersonation",
                       "amr": ["pwd"]})
    if principal.managed_identity:
        claims["xms_mirid"] = principal.resource_id or principal.display_name
    return keys.sign(claims), expires


def id_token(keys: SigningKeys, principal: Principal, client_id: str, base_url: str,
             now: float) -> str:
    issued = int(now)
    return keys.sign({
        "aud": client_id, "iss": f"{base_url}/{principal.tenant_id}/v2.0", "iat": issued,
        "nbf": issued, "exp": issued + ACCESS_TOKEN_SECONDS, "tid": principal.tenant_id,
        "oid": principal.object_id, "sub": principal.object_id,
        "preferred_username": principal.user_upn, "name": principal.display_name, "ver": "2.0",
    }, version="2.0")


def client_info(principal: Principal) -> str:
    raw = json.dumps({"uid": principal.object_id, "utid": principal.tenant_id}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def v2_response(token: str, expires: int, now: float, scopes: list[str] | None = None,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    lifetime = expires - int(now)
    body: dict[str, Any] = {"token_type": "Bearer", "expires_in": lifetime,
                            "ext_expires_in": lifetime, "access_token": token}
    if scopes:
        body["scope"] = " ".join(scopes)
    body.update(extra or {})
    return body


def v1_response(token: str, expires: int, now: float, resource: str,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """v1 answers carry every number as a string."""
    lifetime = expires - int(now)
    body: dict[str, Any] = {"token_type": "Bearer", "expires_in": str(lifetime),
                            "ext_expires_in": str(lifetime), "expires_on": str(expires),
                            "not_before": str(int(now)), "resource": resource,
                            "access_token": token}
    body.update(extra or {})
    return body


def _uti() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
