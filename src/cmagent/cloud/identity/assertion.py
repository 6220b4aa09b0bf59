"""Client assertions (certificate credentials): what MSAL and other clients really send.

Accepted: RS256 or PS256; the certificate named by ``x5t`` (SHA-1) or ``x5t#S256`` (SHA-256),
base64url with or without padding; float NumericDates; no ``nbf``, no ``iat`` (MSAL .NET sends
none). ``aud`` must be this token endpoint (any host name, since every real name may point here).

Refused: no ``exp`` or ``jti``; an ``exp`` more than an hour ahead (a stolen assertion is of use
for an hour at most); and — only when the operator sets ``identity.assertionReplay`` to
``refuse`` — a ``jti`` used before within its lifetime. Replays are allowed by default because
Entra ID allows them: MSAL reuses one assertion for up to nine minutes across token requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import time
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.clock import Clock
from cmagent.cloud.identity import errors
from cmagent.cloud.identity.errors import OAuthError

SKEW = 300
MAX_LIFETIME = 3600
REPLAY_SETTING = "identity.assertionReplay"
_ALGORITHMS = ("RS256", "PS256")


def verify(session: Session, app: models.Application, assertion: str, clock: Clock,
           token_paths: tuple[str, ...], refuse_replays: bool = False) -> None:
    """Check the assertion of ``app``; raise the Entra error that explains a refusal.

    The cloud's clock decides whether the certificate credential has expired. The assertion's
    own times were written by the client's clock, so they are judged by the time the cloud
    shows its clients (``Clock.shown``): real time while the machines' clocks follow a moved
    cloud clock, the cloud's own time when they are said to stay behind (skew).
    """
    now = clock.now()
    header = _header(assertion)
    credential = _credential(session, app, header)
    claims = _verified_claims(assertion, credential, header["alg"])
    _check_claims(claims, app.app_id, clock.shown(), token_paths)
    if refuse_replays:
        _spend(session, app.app_id, claims)
    if now > credential.expires_at:
        raise errors.bad_assertion("The key used is expired.")


def _header(assertion: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise errors.bad_assertion("The assertion is not a well-formed JWT.") from None
    if header.get("alg") not in _ALGORITHMS:
        raise errors.bad_assertion(f"The algorithm '{header.get('alg')}' is not supported.")
    return header


def _thumbprint(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw.hex().upper()


def _credential(session: Session, app: models.Application,
                header: dict[str, Any]) -> models.Credential:
    sha1, sha256 = _thumbprint(header.get("x5t")), _thumbprint(header.get("x5t#S256"))
    query = select(models.Credential).where(models.Credential.app_id == app.app_id,
                                            models.Credential.kind == "certificate")
    for credential in session.scalars(query):
        if sha1 and credential.thumbprint_sha1 == sha1:
            return credential
        if sha256 and credential.thumbprint_sha256 == sha256:
            return credential
    raise errors.bad_assertion(f"Key was not found. No certificate of application "
                               f"'{app.app_id}' has the thumbprint in the assertion's header.")


def _verified_claims(assertion: str, credential: models.Credential, alg: str) -> dict[str, Any]:
    assert credential.cert_pem is not None
    public_key = x509.load_pem_x509_certificate(credential.cert_pem.encode()).public_key()
    try:
        return jwt.decode(assertion, public_key, algorithms=[alg],  # type: ignore[arg-type]
                          options={"verify_exp": False, "verify_nbf": False,
                                   "verify_iat": False, "verify_aud": False, "require": []})
    except jwt.InvalidSignatureError:
        raise errors.bad_assertion("The provided signature value did not match the expected "
                                   "signature value.") from None
    except jwt.PyJWTError as error:
        raise errors.bad_assertion(f"The assertion could not be read: {error}.") from None


def _check_claims(claims: dict[str, Any], client_id: str, now: float,
                  token_paths: tuple[str, ...]) -> None:
    if str(claims.get("iss", "")).lower() != client_id or \
            str(claims.get("sub", "")).lower() != client_id:
        raise OAuthError(401, "invalid_client", 700021,
                         "Client assertion application identifier doesn't match 'client_id' "
                         "parameter.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and urlsplit(a).path.rstrip("/").lower() in token_paths
               for a in audiences):
        raise OAuthError(401, "invalid_client", 700212,
                         f"No matching federated identity record found for presented assertion "
                         f"audience '{audience}'.")
    _check_times(claims, now)


def _check_times(claims: dict[str, Any], now: float) -> None:
    expires, not_before, issued = (_number(claims, name) for name in ("exp", "nbf", "iat"))
    if expires is None:
        raise errors.assertion_time("The assertion has no 'exp' claim.")
    if now > expires + SKEW:
        raise errors.assertion_time(f"Current time: {int(now)}, expiry time of assertion "
                                    f"{int(expires)}.")
    if expires > now + MAX_LIFETIME + SKEW:
        raise errors.assertion_time(f"Current time: {int(now)}, expiry time of assertion "
                                    f"{int(expires)}: an assertion may be valid for at most "
                                    f"{MAX_LIFETIME // 60} minutes.")
    for name, value in (("nbf", not_before), ("iat", issued)):
        if value is not None and value > now + SKEW:
            raise errors.assertion_time(f"Current time: {int(now)}, assertion valid from "
                                        f"{int(value)} ('{name}').")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise errors.invalid_jwt("The client assertion has no 'jti' claim.")


def _number(claims: dict[str, Any], name: str) -> float | None:
    """A NumericDate claim; a value that is no finite number counts as absent."""
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value):
        return None
    return float(value)


def _spend(session: Session, app_id: str, claims: dict[str, Any]) -> None:
    """Record the assertion's ``jti`` until it expires; refuse one seen before."""
    key = hashlib.sha256(f"{app_id}:{claims['jti']}".encode()).hexdigest()
    uses = models.AssertionUse
    session.execute(delete(uses).where(uses.expires_at < time.time() - SKEW))
    if session.get(uses, key) is not None:
        raise errors.replayed_assertion()
    session.add(uses(jti_hash=key, expires_at=float(claims["exp"])))
    session.flush()
