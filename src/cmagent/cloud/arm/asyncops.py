"""ARM's asynchronous operations: a 202 names an operation whose status URL the client polls.

The cloud finishes a deletion before it answers, so an operation it started has succeeded; one
it never started (a mistyped or made-up URL) is 404, so that a poller is never told that
something worked when nothing did. Operations are kept a day, then forgotten.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete

from cmagent.cloud import models
from cmagent.cloud.arm import auth
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.frontdoor import ArmRequest

KEEP_SECONDS = 86400


def start(arm: ArmRequest, kind: str, target: str) -> str:
    """Record an operation of ``kind`` on ``target`` (a resource id); its id."""
    now = arm.services.clock.now()
    operation = str(uuid.uuid4())
    table = models.ArmOperation
    arm.session.execute(delete(table).where(table.created_at < now - KEEP_SECONDS))
    arm.session.add(table(id=operation, subscription_id=arm.subscription_row().id, kind=kind,
                          target=target[:400], created_at=now))
    return operation


def finished(arm: ArmRequest, kind: str) -> models.ArmOperation:
    """The operation the path names (``operation``), started in this subscription as
    ``kind``; 404 for any other."""
    given = arm.params["operation"]
    row = arm.session.get(models.ArmOperation, given.lower()) if auth.is_guid(given) else None
    if row is None or row.subscription_id != arm.subscription_row().id or row.kind != kind:
        raise arm_error(404, "NotFound", f"The operation '{given[:80]}' was not found.")
    return row
