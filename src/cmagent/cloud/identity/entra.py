"""What the identity service's handlers are given: the store, the cloud's clock, the token
signing keys and the device login's sign-in sessions."""

from __future__ import annotations

from dataclasses import dataclass

from cmagent.cloud.clock import Clock
from cmagent.cloud.identity import policy
from cmagent.cloud.identity.keys import SigningKeys
from cmagent.cloud.identity.sessions import ConsentSessions
from cmagent.cloud.store import Store


@dataclass(frozen=True)
class Entra:
    store: Store
    clock: Clock
    keys: SigningKeys
    consents: ConsentSessions

    def device_interval(self) -> int:
        """Seconds a device-code client must wait between polls (settable by the operator)."""
        return int(policy.value(self.store, "deviceCodeInterval"))
