"""The cloud's clock: real time plus an offset that the operator moves.

Tests advance it to expire secrets, tokens, certificates and heartbeats in milliseconds. The
offset is kept in the store's settings, so it survives restarts; ``refresh`` reads it again
(workers that share a database call it at the start of each request).
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cmagent.cloud.store import Store

OFFSET_SETTING = "clock.offset"
MAX_OFFSET = 100 * 366 * 86400  # a century either way: far enough for every expiry there is


class ClockError(ValueError):
    pass


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset

    @classmethod
    def from_store(cls, store: Store) -> Clock:
        clock = cls()
        clock.refresh(store)
        return clock

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Seconds since the epoch, as the cloud sees them."""
        return time.time() + self._offset

    def utcnow(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.now(), datetime.UTC)

    def offset_to(self, moment: datetime.datetime) -> float:
        """The offset that makes the clock read ``moment`` now."""
        return moment.timestamp() - time.time()

    def move(self, session: Session, offset: float) -> None:
        """Set the offset (persisted with ``session``); ClockError beyond a century."""
        from cmagent.cloud import models

        if not -MAX_OFFSET <= offset <= MAX_OFFSET:
            raise ClockError(f"the clock can move at most {MAX_OFFSET} seconds (a century) "
                             "from real time")
        session.merge(models.Setting(key=OFFSET_SETTING, value=repr(offset)))
        self._offset = offset

    def refresh(self, store: Store) -> None:
        self.load(store.setting(OFFSET_SETTING))

    def load(self, stored: str | None) -> None:
        """The offset as the store has it (``stored``: the setting's value)."""
        try:
            self._offset = float(stored or 0)
        except ValueError:
            self._offset = 0.0

    def reset_in_memory(self) -> None:
        """After the store was emptied (its settings with it)."""
        self._offset = 0.0


def iso(moment: datetime.datetime) -> str:
    """RFC 3339 with a ``Z``, seconds precision, as ARM prints times."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
