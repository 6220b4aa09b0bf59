"""The database going away, told once: requests are answered 503 with Retry-After in each
service's envelope, and the log gets one line when the database stops answering, one a minute
while it stays away and one when it is back, not a traceback per request (an outage of ten
seconds under load wrote 180,000 lines)."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError

error_log = logging.getLogger("cmagent.cloud.error")

UNREACHABLE = (OperationalError, InterfaceError)  # a lost or refused connection, a timeout
RETRY_SECONDS = 5
SAID_EVERY = 60.0


def is_outage(error: Exception) -> bool:
    """A database that does not answer, not one that answered 'no': a lock or statement
    timeout (SQLSTATE 55P03, 57014) or SQLite's 'database is locked' is a 503 of its own."""
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if getattr(error, "connection_invalidated", False) or isinstance(error, InterfaceError):
        return True
    return (code is None and "locked" not in str(error)) or str(code).startswith(("08", "57P"))


class Outage:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self._said = 0.0
        self._refused = 0

    def failed(self, error: Exception) -> None:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        with self._lock:
            now = time.monotonic()
            self._refused += 1
            if self.since is None:
                self.since, self._said = now, now
                error_log.error("The database does not answer (%s); requests are answered 503 "
                                "until it does", reason)
            elif now - self._said >= SAID_EVERY:
                self._said = now
                error_log.error("The database still does not answer after %.0f s (%d requests "
                                "answered 503): %s", now - self.since, self._refused, reason)

    def answered(self) -> None:
        """The database answered (the shared state was read: only a request that reached it
        may say it is back)."""
        if self.since is None:  # (the common case: no lock taken)
            return
        with self._lock:
            if self.since is not None:
                error_log.warning("The database answers again after %.0f s (%d requests were "
                                  "answered 503)", time.monotonic() - self.since, self._refused)
                self.since, self._refused = None, 0


OUTAGE = Outage()  # one per worker process
