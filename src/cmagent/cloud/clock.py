"""The cloud's clock: real time plus an offset that the management API can move.

Tests advance it to expire secrets, tokens, certificates and heartbeats in milliseconds.
"""

from __future__ import annotations

import datetime
import threading
import time


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def set_offset(self, offset: float) -> None:
        with self._lock:
            self._offset = offset

    def now(self) -> float:
        """Seconds since the epoch, as the cloud sees them."""
        return time.time() + self._offset

    def utcnow(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.now(), datetime.UTC)


def iso(moment: datetime.datetime) -> str:
    """RFC 3339 with a ``Z``, seconds precision, as ARM prints times."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
