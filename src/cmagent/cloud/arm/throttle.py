"""ARM throttling: a token bucket per principal, subscription and kind of operation.

Defaults are the 2024 ARM figures (subscription reads: 250 burst, 25/s refill; writes and
deletes: 200 burst, 10/s refill); the management API can change them. An empty bucket is
answered 429 with ``Retry-After``; every answer carries the remaining budget headers.
"""

from __future__ import annotations

import math
import threading

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.clock import Clock

DEFAULT_LIMITS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}


def kind_of(method: str) -> str:
    return {"GET": "reads", "HEAD": "reads", "DELETE": "deletes"}.get(method, "writes")


class Throttle:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self.limits = dict(DEFAULT_LIMITS)

    def configure(self, kind: str, capacity: float, refill_per_second: float) -> None:
        with self._lock:
            self.limits[kind] = (capacity, refill_per_second)
            self._buckets = {k: v for k, v in self._buckets.items() if k[2] != kind}

    def take(self, principal: str, subscription: str, kind: str) -> dict[str, str]:
        """Spend one token; the headers to send, or a 429 raised when the bucket is empty."""
        capacity, refill = self.limits[kind]
        now = self._clock.now()
        key = (principal, subscription, kind)
        with self._lock:
            level, stamp = self._buckets.get(key, (capacity, now))
            level = min(capacity, level + max(0.0, now - stamp) * refill)
            if level < 1.0:
                self._buckets[key] = (level, now)
                wait = max(1, math.ceil((1.0 - level) / refill)) if refill > 0 else 3600
                raise arm_error(429, "TooManyRequests",
                                f"The request is being throttled: the {kind} budget of this "
                                f"principal in subscription '{subscription}' is used up. Retry "
                                f"after {wait} seconds.",
                                headers={"Retry-After": str(wait), **_headers(kind, 0)})
            self._buckets[key] = (level - 1.0, now)
            return _headers(kind, int(level - 1.0))


def _headers(kind: str, remaining: int) -> dict[str, str]:
    return {f"x-ms-ratelimit-remaining-subscription-{kind}": str(remaining)}
