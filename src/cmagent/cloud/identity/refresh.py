"""Refresh tokens of user sessions, as Entra ID keeps them.

A refresh token is bound to a user and a client, not to a resource or a tenant: the Azure CLI
redeems the one it got at sign-in for every tenant and resource it needs. Each redemption
returns a new token; the old one stays valid too (Entra does not revoke a token on use, and
MSAL keeps the old one when a silent call fails). A token lapses after ``refreshTokenLifetime``
seconds without use (90 days by default), and at once when the user's password changes or the
user, or the client's application, is deleted. The store holds only digests of tokens.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.clock import iso
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import errors


def password_stamp(user: models.User) -> str:
    """What a token remembers of the password it was issued under (never the hash itself)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def issue(session: Session, user: models.User, client_id: str, now: float) -> str:
    token = "1." + secrets.token_urlsafe(96)
    session.add(models.RefreshToken(token_hash=directory.bearer_digest(token),
                                    user_object_id=user.object_id, client_id=client_id,
                                    password_stamp=password_stamp(user), issued_at=now,
                                    last_used_at=now))
    return token


def redeem(session: Session, token: str, client_id: str, now: float,
           lifetime: int) -> models.User:
    """The user whose token this is, or the refusal Entra gives for it; the token's use is
    noted (its window of disuse starts again)."""
    row = session.get(models.RefreshToken, directory.bearer_digest(token)) if token else None
    if row is None:
        raise errors.refresh_token_unknown()
    if row.client_id != client_id:
        raise errors.refresh_token_other_client()
    issued = _when(row.issued_at)
    if now - row.last_used_at > lifetime:
        raise errors.refresh_token_inactive(issued, _span(now - row.last_used_at))
    user = session.get(models.User, row.user_object_id)
    if user is None or password_stamp(user) != row.password_stamp or \
            not _client_exists(session, client_id):
        raise errors.refresh_token_revoked(issued, _when(now))
    row.last_used_at = now
    return user


def _client_exists(session: Session, client_id: str) -> bool:
    return client_id in directory.FIRST_PARTY_CLIENTS or \
        session.get(models.Application, client_id) is not None


def revoke_user(session: Session, user_object_id: str) -> None:
    session.execute(delete(models.RefreshToken).where(
        models.RefreshToken.user_object_id == user_object_id))


def _when(stamp: float) -> str:
    return iso(datetime.datetime.fromtimestamp(stamp, datetime.UTC))


def _span(seconds: float) -> str:
    """Entra's ``d.hh:mm:ss``, e.g. ``90.00:00:00``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    return f"{days}.{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
