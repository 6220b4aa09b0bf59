"""A machine's status as the service derives it from heartbeats and the cloud's clock.

Connected (or Error) while heartbeats arrive; Disconnected once none came for 15 minutes;
Expired after 45 days without one. Computed when read, so moving the management clock moves
every machine through these states at once.
"""

from __future__ import annotations

from cmagent.cloud import models

DISCONNECTED_AFTER = 15 * 60
EXPIRED_AFTER = 45 * 86400


def effective(machine: models.Machine, now: float) -> tuple[str, float]:
    """(status, time of the last status change) at ``now``."""
    return derive(machine.status, machine.last_status_change, machine.last_heartbeat, now)


def derive(recorded: str, changed: float, last_heartbeat: float | None,
           now: float) -> tuple[str, float]:
    if last_heartbeat is None:
        return recorded, changed
    silence = now - last_heartbeat
    if silence > EXPIRED_AFTER:
        return "Expired", last_heartbeat + EXPIRED_AFTER
    if silence > DISCONNECTED_AFTER:
        return "Disconnected", last_heartbeat + DISCONNECTED_AFTER
    return recorded, changed
