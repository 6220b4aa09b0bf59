"""The cloud's clock: real time plus an offset that the operator moves.

Tests advance it to expire secrets, tokens, certificates and heartbeats in milliseconds. The
offset is kept in the store's settings, so it survives restarts; ``refresh`` reads it again
(workers that share a database call it at the start of each request).

Moving it says one of two things about the machines: that their clocks follow (the default:
the cloud's state ages, nobody is skewed), or that they stay behind (``machines_follow``
False): the cloud then shows its own time in every answer's ``Date`` header and judges the
times clients write (a client assertion's ``nbf``/``exp``) by it, as Entra judges a machine
whose clock is off. A lab machine's clock cannot be moved; this is how its skew is made.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cmagent.cloud.store import Store

OFFSET_SETTING = "clock.offset"
FOLLOW_SETTING = "clock.machinesFollow"
MAX_OFFSET = 100 * 366 * 86400  # a century either way: far enough for every expiry there is


EARLIEST = 946684800.0  # 2000-01-01T00:00:00Z


class ClockError(ValueError):
    pass


class Clock:
    def __init__(self, offset: float = 0.0, machines_follow: bool = True) -> None:
        self._offset = offset
        self.machines_follow = machines_follow

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

    def shown(self) -> float:
        """The time the cloud shows its clients (``Date``) and judges their timestamps by."""
        return time.time() if self.machines_follow else self.now()

    def utcnow(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.now(), datetime.UTC)

    def offset_to(self, moment: datetime.datetime) -> float:
        """The offset that makes the clock read ``moment`` now."""
        return moment.timestamp() - time.time()

    def move(self, session: Session, offset: float, machines_follow: bool = True) -> None:
        """Set the offset (persisted with ``session``); ClockError beyond a century."""
        from cmagent.cloud import models

        if not -MAX_OFFSET <= offset <= MAX_OFFSET:
            raise ClockError(f"the clock can move at most {MAX_OFFSET} seconds (a century) "
                             "from real time")
        if time.time() + offset < EARLIEST:  # (times before it read as 'never' in places)
            raise ClockError("the clock cannot be set before 2000-01-01")
        session.merge(models.Setting(key=OFFSET_SETTING, value=repr(offset)))
        session.merge(models.Setting(key=FOLLOW_SETTING, value=repr(machines_follow)))
        self._offset, self.machines_follow = offset, machines_follow

    def refresh(self, store: Store) -> None:
        self.load(store.setting(OFFSET_SETTING), store.setting(FOLLOW_SETTING))

    def load(self, stored: str | None, follow: str | None = None) -> None:
        """The offset and the machines' part as the store has them (the settings' values)."""
        try:
            self._offset = float(stored or 0)
        except ValueError:
            self._offset = 0.0
        self.machines_follow = follow != "False"

    def reset_in_memory(self) -> None:
        """After the store was emptied (its settings with it)."""
        self._offset, self.machines_follow = 0.0, True


def iso(moment: datetime.datetime) -> str:
    """RFC 3339 with a ``Z``, seconds precision, as ARM prints times."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
