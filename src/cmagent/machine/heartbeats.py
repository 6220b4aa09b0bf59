"""The last heartbeat the cloud accepted, kept on disk by himds (``lastheartbeat.json``), so
that ``azcmagent show`` tells it while himds is stopped: how long a machine has been silent
decides between starting himds again and onboarding it again (45 days)."""

from __future__ import annotations

import json

from cmagent.machine.files import atomic_write
from cmagent.machine.paths import Paths


def remember(paths: Paths, vm_id: str, when: str) -> None:
    """Record ``when`` for the machine ``vm_id`` (OSError when it cannot be written)."""
    document = {"vmId": vm_id, "lastHeartbeat": when}
    atomic_write(paths.last_heartbeat, json.dumps(document).encode() + b"\n", 0o644)


def last(paths: Paths, vm_id: str) -> str:
    """The last accepted heartbeat of the machine ``vm_id``, or "" (none, another machine's,
    or a record that cannot be read)."""
    try:
        with open(paths.last_heartbeat, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return ""
    if not isinstance(document, dict) or str(document.get("vmId", "")).lower() != vm_id.lower():
        return ""
    return str(document.get("lastHeartbeat") or "")
