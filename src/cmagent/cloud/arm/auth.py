"""Bearer-token authentication as ARM does it: signature against the cloud's keys, audience,
expiry (with a small skew) and the tenant of the subscription; ARM's 401 codes and texts."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import jwt

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.clock import Clock
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.identity import directory
from cmagent.cloud.identity.keys import SigningKeys

SKEW = 300
ALLOWED_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                     "https://management.azure.com/", "https://management.azure.com")


class Caller:
    """Who is calling: from the token's claims."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.tenant_id = str(claims.get("tid", ""))
        self.object_id = str(claims.get("oid", ""))
        self.app_id = str(claims.get("appid", ""))
        self.name = str(claims.get("upn") or self.app_id)


class _VerifiedTokens:
    """Signature checks cost an RSA operation: remember tokens already verified (bounded)."""

    def __init__(self, size: int = 4096) -> None:
        self._seen: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._size = size

    def get(self, token: str) -> dict[str, Any] | None:
        return self._seen.get(token)

    def put(self, token: str, claims: dict[str, Any]) -> None:
        with self._lock:
            if len(self._seen) >= self._size:
                self._seen.clear()
            self._seen[token] = claims


PUBLIC_LOGIN = "https://login.windows.net"
_PUBLIC_ARM = ("management.azure.com", "management.core.windows.net")


def login_authority(request: Request) -> str:
    """Where a refused client should sign in: Azure's login host when it reached the cloud by
    ARM's public name (the lab answers both), else the cloud itself, never a public host."""
    host = request.host.rsplit(":", 1)[0].lower()
    return PUBLIC_LOGIN if host in _PUBLIC_ARM else request.base_url


def _unauthorized(code: str, message: str, authority: str, tenant: str = "common") -> HttpError:
    challenge = (f'Bearer authorization_uri="{authority}/{tenant}", '
                 f'error="invalid_token", error_description="{message}"')
    return arm_error(401, code, message, headers={"WWW-Authenticate": challenge})


class Authenticator:
    """Checks bearer tokens against this cloud's signing keys and clock."""

    def __init__(self, keys: SigningKeys, clock: Clock) -> None:
        self.keys = keys
        self.clock = clock
        self._verified = _VerifiedTokens()

    def authenticate(self, request: Request,
                     audiences: tuple[str, ...] = ALLOWED_AUDIENCES) -> Caller:
        header = request.header("authorization")
        authority = login_authority(request)
        if not header:
            raise _unauthorized("AuthenticationFailed", "Authentication failed. The "
                                "'Authorization' header is missing.", authority)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or token.count(".") != 2:
            raise _unauthorized("AuthenticationFailedInvalidHeader", "Authentication failed. "
                                "The 'Authorization' header is provided in an invalid format.",
                                authority)
        claims = self._signed_claims(token.strip(), authority)
        _check_audience(claims, audiences, authority)
        _check_lifetime(claims, self.clock.now(), authority)
        return Caller(claims)

    def _signed_claims(self, token: str, authority: str) -> dict[str, Any]:
        known = self._verified.get(token)
        if known is not None:
            return known
        invalid = _unauthorized("InvalidAuthenticationToken",
                                "The access token is invalid: its signature could not be "
                                "verified with the keys of the issuer.", authority)
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = self.keys.public_key(str(kid))
            if key is None:
                raise invalid
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "verify_aud": False})
        except jwt.PyJWTError:
            raise invalid from None
        self._verified.put(token, claims)
        return claims


def _check_audience(claims: dict[str, Any], audiences: tuple[str, ...], authority: str) -> None:
    audience = str(claims.get("aud", ""))
    if audience not in audiences:
        allowed = ",".join(f"'{a}'" for a in audiences)
        raise _unauthorized("InvalidAuthenticationTokenAudience",
                            f"The access token has been obtained for wrong audience or resource "
                            f"'{audience}'. It should exactly match with one of the allowed "
                            f"audiences {allowed}.", authority)


def _check_lifetime(claims: dict[str, Any], now: float, authority: str) -> None:
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or now > expires + SKEW:
        raise _unauthorized("ExpiredAuthenticationToken",
                            f"The access token expiry UTC time '{_arm_time(expires)}' is earlier "
                            f"than current UTC time '{_arm_time(now)}'.", authority)
    not_before = claims.get("nbf")
    if isinstance(not_before, int | float) and not_before > now + SKEW:
        raise _unauthorized("InvalidAuthenticationToken",
                            "The access token is not yet valid (nbf is in the future).", authority)


def check_tenant(caller: Caller, subscription_tenant: str, authority: str) -> None:
    if caller.tenant_id != subscription_tenant:
        raise _unauthorized("InvalidAuthenticationTokenTenant",
                            f"The access token is from the wrong issuer "
                            f"'https://sts.windows.net/{caller.tenant_id}/'. It must match the "
                            f"tenant 'https://sts.windows.net/{subscription_tenant}/' associated "
                            f"with this subscription. Please use the authority (URL) "
                            f"'{authority}/{subscription_tenant}' to get the token.", authority,
                            subscription_tenant)


def _arm_time(value: object) -> str:
    if not isinstance(value, int | float):
        return "unknown"
    moment = datetime.datetime.fromtimestamp(value, datetime.UTC)
    hour = moment.hour % 12 or 12
    return (f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d}:"
            f"{moment.second:02d} {'AM' if moment.hour < 12 else 'PM'}")


def is_guid(value: str) -> bool:
    return directory.is_guid(value)
