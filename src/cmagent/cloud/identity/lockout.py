"""Defences against guessing, counted in the store so that every worker counts the same tries.

- Smart lockout of users (as Entra ID's): after ``lockoutThreshold`` wrong passwords in a row
  from one address the account is locked there for ``lockoutSeconds``, each further lockout
  twice as long (up to 32 times); a correct password ends the count. A locked account is
  refused with AADSTS50053 even when the password is right. Counted per address, so that
  nobody can lock a user out everywhere by guessing from one place.
- User codes that match no sign-in, tried from one place: after ``CODE_GUESSES`` a minute the
  device login refuses codes from there until the minute is over (codes are read aloud).
- A failed-attempt throttle of clients: after ``clientFailureLimit`` wrong secrets or bad
  assertions within a minute from one address, the client's token requests from that address
  get 429 with ``Retry-After`` until the minute is over. Counted per address because a client
  id is no secret (an onboarding script carries it): anyone could otherwise lock a fleet's
  onboarding client out by guessing from anywhere, which Entra does not let happen.
"""

from __future__ import annotations

import hashlib
import ipaddress

from sqlalchemy import delete
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.identity import policy
from cmagent.cloud.store import Store

CLIENT_WINDOW = 60.0
CODE_GUESSES = 30
FORGET_AFTER = 86400.0
MAX_DOUBLINGS = 5


def user_key(object_id: str, address: str) -> str:
    """The key of a user's failures from one address: wrong passwords sent from elsewhere do
    not lock the user out here (Entra's smart lockout tells locations apart likewise)."""
    return f"user:{object_id}@{_digest(address)}"


def client_key(app_id: str, address: str) -> str:
    """The key of a client's failures from one address (a digest: an IPv6 address would not
    fit the column beside the id)."""
    return f"client:{app_id}@{_digest(address)}"


def _digest(address: str) -> str:
    return hashlib.sha256(_place(address).encode()).hexdigest()[:16]


def _place(address: str) -> str:
    """Where a try comes from: an IPv4 address (also when IPv4-mapped), or an IPv6 /64 (one
    host holds a whole /64: each of its addresses must not be a fresh count)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(getattr(parsed, "ipv4_mapped", None) or parsed)


def locked_for(session: Session, key: str, now: float) -> float:
    """Seconds until ``key`` may try again; 0 when it may now."""
    row = session.get(models.SignInFailures, key)
    return max(0.0, row.locked_until - now) if row is not None else 0.0


def user_failed(store: Store, key: str, now: float) -> bool:
    """One more wrong password of ``key``; True when the user was locked out already as it
    was counted (it was checked while others were being counted: it is answered as locked)."""
    threshold, seconds = policy.value(store, "lockoutThreshold"), \
        policy.value(store, "lockoutSeconds")
    with store.writing() as session:
        row = _row(session, key, now)
        if row.locked_until > now:
            return True
        row.count += 1
        if row.count % threshold == 0:  # the 2nd lockout lasts twice as long, and so on,
            doublings = min(row.count // threshold - 1, MAX_DOUBLINGS)  # up to 32 times
            row.locked_until = now + seconds * 2 ** doublings
        return False


def code_key(address: str) -> str:
    """The key of user codes tried from one place that match no sign-in."""
    return f"codes@{_digest(address)}"


def client_failed(store: Store, key: str, now: float, limit: int | None = None) -> float:
    """One more failure of ``key`` in its minute; at ``limit`` (the ``clientFailureLimit``
    setting unless given) it is refused until the minute is over. Returns the seconds left
    when this failure came after the limit (it was checked while others were being counted:
    it is answered as refused, so that exactly ``limit`` are told 'wrong'), else 0."""
    limit = limit or policy.value(store, "clientFailureLimit")
    with store.writing() as session:
        row = _row(session, key, now)
        if now - row.first_at > CLIENT_WINDOW:
            row.count, row.first_at, row.locked_until = 0, now, 0.0
        row.count += 1
        if row.count >= limit:
            row.locked_until = row.first_at + CLIENT_WINDOW
        return row.locked_until - now if row.count > limit else 0.0


def succeeded(store: Store, key: str) -> None:
    with store.writing() as session:
        row = session.get(models.SignInFailures, key)
        if row is not None:
            session.delete(row)


def _forget_old(session: Session, now: float) -> None:
    """Counts of failures a day old and no longer locking: one row per user and place would
    otherwise pile up for ever."""
    table = models.SignInFailures
    session.execute(delete(table).where(table.first_at < now - FORGET_AFTER,
                                        table.locked_until < now))


def _row(session: Session, key: str, now: float) -> models.SignInFailures:
    _forget_old(session, now)
    # locked until this failure is counted: failures at once through two workers both count
    row = session.get(models.SignInFailures, key, with_for_update=True)
    if row is None:  # (a row another worker adds at once: a unique key, the request runs again)
        row = models.SignInFailures(principal=key, count=0, first_at=now, locked_until=0.0)
        session.add(row)
    return row
