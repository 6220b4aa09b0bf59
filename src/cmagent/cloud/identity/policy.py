"""The identity service's operator settings, with defaults and bounds: the device-code polling
interval, smart lockout of users, how long an unused refresh token lives, the failed-attempt
throttle of clients, and whether a client assertion may be used more than once. Read from the
store's settings each time, so a change made through any worker holds in all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmagent.cloud.store import Store


class Setting:
    def __init__(self, key: str, default: Any, check: Callable[[Any], bool], allowed: str) -> None:
        self.key = key
        self.default = default
        self.check = check
        self.allowed = allowed

    def read(self, store: Store) -> Any:
        stored = store.setting(self.key)
        if stored is None:
            return self.default
        value = int(stored) if isinstance(self.default, int) else stored
        return value if self.check(value) else self.default


def _whole(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and \
        low <= value <= high


SETTINGS: dict[str, Setting] = {
    "deviceCodeInterval": Setting("identity.deviceCodeInterval", 5, _whole(1, 60), "1-60"),
    "lockoutThreshold": Setting("identity.lockoutThreshold", 10, _whole(1, 1000), "1-1000"),
    "lockoutSeconds": Setting("identity.lockoutSeconds", 60, _whole(1, 86400), "1-86400"),
    "clientFailureLimit": Setting("identity.clientFailureLimit", 10, _whole(1, 100000),
                                  "1-100000 per minute"),
    "refreshTokenLifetime": Setting("identity.refreshTokenLifetime", 90 * 86400,
                                    _whole(60, 365 * 86400),
                                    "60-31536000 seconds of disuse"),
    "assertionReplay": Setting("identity.assertionReplay", "allow",
                               lambda value: value in ("allow", "refuse"), "allow, refuse"),
}


def value(store: Store, name: str) -> Any:
    return SETTINGS[name].read(store)
