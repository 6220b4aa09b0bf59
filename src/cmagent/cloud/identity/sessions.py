"""Sign-in sessions of the device login pages: a user who signed in and has yet to approve or
decline. Kept in the store, so that any worker can take the answer; the id is a bearer secret,
stored only as its SHA-256."""

from __future__ import annotations

import secrets

from sqlalchemy import delete

from cmagent.cloud import models
from cmagent.cloud.identity.directory import bearer_digest
from cmagent.cloud.store import Store

CONSENT_SECONDS = 600


class ConsentSessions:
    def __init__(self, store: Store) -> None:
        self._store = store

    def open(self, user_code: str, user_object_id: str, now: float) -> str:
        token = secrets.token_urlsafe(32)
        with self._store.writing() as session:
            session.execute(delete(models.ConsentSession)
                            .where(models.ConsentSession.expires_at < now))
            session.add(models.ConsentSession(
                session_hash=bearer_digest(token), user_code=user_code,
                user_object_id=user_object_id, expires_at=now + CONSENT_SECONDS))
        return token

    def take(self, token: str, now: float) -> tuple[str, str] | None:
        """(user code, user object id) once for a live session; None otherwise."""
        table = models.ConsentSession
        with self._store.writing() as session:
            taken = session.execute(delete(table).where(table.session_hash == bearer_digest(token))
                                    .returning(table.user_code, table.user_object_id,
                                               table.expires_at)).first()
        if taken is None or taken.expires_at < now:
            return None
        return taken.user_code, taken.user_object_id
