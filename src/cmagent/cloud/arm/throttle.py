"""ARM throttling: a token bucket per principal, subscription and kind of operation.

Defaults are the 2024 ARM figures (subscription reads: 250 burst, 25/s refill; writes and
deletes: 200 burst, 10/s refill); the management API can change them. An empty bucket is
answered 429 with ``Retry-After``; every answer carries the remaining budget headers.

Buckets live in memory; with a shared store (PostgreSQL, several workers) they live in its
``throttle_buckets`` table, each taken under a row lock, and the limits in its settings, so that
a principal's budget is one budget whichever worker answers.
"""

from __future__ import annotations

import json
import math
import threading
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cmagent.cloud import models
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.clock import Clock
from cmagent.cloud.store import locked_setting

if TYPE_CHECKING:
    from cmagent.cloud.store import Store

DEFAULT_LIMITS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}
LIMITS_SETTING = "throttle.limits"


def kind_of(method: str) -> str:
    return {"GET": "reads", "HEAD": "reads", "DELETE": "deletes"}.get(method, "writes")


class Throttle:
    def __init__(self, clock: Clock, store: Store | None = None) -> None:
        self._clock = clock
        self._store = store  # shared: buckets and limits in the database
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self.limits = dict(DEFAULT_LIMITS)

    def configure(self, kind: str, capacity: float, refill_per_second: float) -> None:
        with self._lock:
            self.limits[kind] = (capacity, refill_per_second)
            self._buckets = {k: v for k, v in self._buckets.items() if k[2] != kind}
        if self._store is not None:
            with self._store.writing() as session:  # the stored limits, locked: another
                # worker's change of another kind at the same time is kept
                stored = json.loads(locked_setting(session, LIMITS_SETTING, "{}"))
                stored[kind] = [capacity, refill_per_second]
                session.merge(models.Setting(key=LIMITS_SETTING, value=json.dumps(stored)))
                session.query(models.ThrottleBucket).filter_by(kind=kind).delete()
            self.load_limits(json.dumps(stored))

    def reset_in_memory(self) -> None:
        """The default limits and full buckets (the stored ones went with the store's reset)."""
        with self._lock:
            self.limits = dict(DEFAULT_LIMITS)
            self._buckets = {}

    def load_limits(self, stored: str | None) -> None:
        """The limits as the shared store has them (``stored``: the setting's value)."""
        limits = dict(DEFAULT_LIMITS)
        if stored:
            limits.update({kind: (float(pair[0]), float(pair[1]))
                           for kind, pair in json.loads(stored).items()})
        self.limits = limits

    def take(self, principal: str, subscription: str, kind: str) -> dict[str, str]:
        """Spend one token; the headers to send, or a 429 raised when the bucket is empty."""
        capacity, refill = self.limits[kind]
        now = self._clock.now()
        key = (principal, subscription, kind)
        level = self._take_shared(key, capacity, refill, now) if self._store is not None \
            else self._take_here(key, capacity, refill, now)
        if level < 0:
            wait = max(1, math.ceil((1.0 - (level + 1.0)) / refill)) if refill > 0 else 3600
            raise arm_error(429, "SubscriptionRequestsThrottled",
                            f"Number of '{kind.removesuffix('s')}' requests for subscription "
                            f"'{subscription}' actor '{principal}' exceeded. Please try again "
                            f"after '{wait}' seconds after additional tokens are available. "
                            "Refer to https://aka.ms/arm-throttling for additional information.",
                            headers={"Retry-After": str(wait), **_headers(kind, 0)})
        return _headers(kind, int(level))

    def _take_here(self, key: tuple[str, str, str], capacity: float, refill: float,
                   now: float) -> float:
        """The level after taking a token; below zero (level - 1) when none was there."""
        with self._lock:
            level, stamp = self._buckets.get(key, (capacity, now))
            level = _refilled(level, stamp, now, capacity, refill)
            self._buckets[key] = (level - 1.0 if level >= 1.0 else level, now)
            return level - 1.0

    def _take_shared(self, key: tuple[str, str, str], capacity: float, refill: float,
                     now: float) -> float:
        assert self._store is not None
        table = models.ThrottleBucket
        principal, subscription, kind = key
        with self._store.session() as session:
            session.execute(pg_insert(table).values(
                principal=principal, subscription=subscription, kind=kind, level=capacity,
                stamp=now).on_conflict_do_nothing())
            row = session.execute(select(table).filter_by(
                principal=principal, subscription=subscription, kind=kind)
                .with_for_update()).scalar_one()
            level = _refilled(row.level, row.stamp, now, capacity, refill)
            row.level, row.stamp = (level - 1.0 if level >= 1.0 else level), now
            return level - 1.0


def _refilled(level: float, stamp: float, now: float, capacity: float, refill: float) -> float:
    if now < stamp:  # the clock was moved back: the time the bucket counted from is gone,
        return capacity  # and a bucket waiting for it would stay empty as long as it was ahead
    return min(capacity, level + (now - stamp) * refill)


def _headers(kind: str, remaining: int) -> dict[str, str]:
    return {f"x-ms-ratelimit-remaining-subscription-{kind}": str(remaining)}
