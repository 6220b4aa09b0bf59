"""What a failed or interrupted connect leaves in Azure, found out rather than assumed.

Once the create request was sent, its outcome may be unknown (Ctrl+C or a timeout while it was
in flight): the resource is read back, and deleted when it is ours (our vmId). The sentence
added to the error says what happened; ``left_behind`` is True only when a resource of ours is
really left, None when that could not be found out (the sentence then names the one command that
cleans up).
"""

from __future__ import annotations

from typing import Any

from cmagent.agent import log
from cmagent.wire.arm import Arm
from cmagent.wire.arm import ArmError


class Undo:
    def __init__(self) -> None:
        self.sentence = ""
        self.left_behind: bool | None = False


def undo_create(arm: Arm, resource_id: str, vm_id: str, created: bool) -> Undo:
    """Delete the resource this run created, or may have created (``created`` False: the
    create request's answer never arrived)."""
    outcome = Undo()
    cleanup = f"az resource delete --ids {resource_id}"
    try:
        if not created and not _ours(arm.machine(resource_id), vm_id):
            return outcome
        arm.delete_machine(resource_id)
    except ArmError as error:
        log.error("Could not delete %s: %s", resource_id, error.message)
        outcome.left_behind = True if created else None
        state = "was created" if created else "may have been created"
        outcome.sentence = (f" The resource {resource_id} {state} but could not be deleted "
                            f"({error.code or error.message}); delete it with: {cleanup}")
        return outcome
    except KeyboardInterrupt:
        outcome.left_behind = None
        outcome.sentence = (f" Interrupted while deleting {resource_id}: if it exists, delete "
                            f"it with: {cleanup}")
        return outcome
    log.info("Deleted %s, created by this run", resource_id)
    outcome.sentence = f" The resource {resource_id} created by this run was deleted again."
    return outcome


def _ours(machine: dict[str, Any] | None, vm_id: str) -> bool:
    properties = (machine or {}).get("properties") or {}
    return str(properties.get("vmId", "")).lower() == vm_id.lower()


def earlier_run_sentence(existing: dict[str, Any], earlier: dict[str, Any]) -> str:
    """When the resource that blocks this connect was made by an unfinished earlier connect of
    this machine (its vmId in the last result file), say so and how to clean up."""
    unfinished = earlier.get("status") == "running" or earlier.get("resourceLeftBehind") \
        is not False
    if not (unfinished and earlier.get("vmId") and _ours(existing, str(earlier["vmId"]))):
        return ""
    resource_id = str(existing.get("id") or earlier.get("resourceId", ""))
    return (f" An earlier connect of this machine (started {earlier.get('startedAt', '?')}) "
            f"created it and did not finish; delete it with: az resource delete --ids "
            f"{resource_id}, then connect again.")
