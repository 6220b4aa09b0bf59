"""Role-based access control: is an action allowed to a principal at a scope?

An assignment applies at its scope and every scope below it (``/subscriptions/s`` covers
``/subscriptions/s/resourceGroups/g/...``); scopes compare without regard to case, as ARM does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud import roles
from cmagent.cloud.arm.auth import Caller
from cmagent.cloud.arm.errors import authorization_failed


def allowed(session: Session, principal_id: str, action: str, scope: str) -> bool:
    target = scope.lower().rstrip("/")
    query = select(models.RoleAssignment).where(models.RoleAssignment.principal_id == principal_id)
    for assignment in session.scalars(query):
        covered = target == assignment.scope_key or target.startswith(assignment.scope_key + "/")
        role = roles.BY_ID.get(assignment.role_definition_id)
        if covered and role is not None and role.allows(action):
            return True
    return False


def require(session: Session, caller: Caller, action: str, scope: str) -> None:
    if not allowed(session, caller.object_id, action, scope):
        raise authorization_failed(caller.name, caller.object_id, action, scope)


def visible_subscriptions(session: Session, principal_id: str) -> set[str]:
    """Subscriptions in which the principal holds any assignment (at or below them)."""
    query = select(models.RoleAssignment.scope_key).where(
        models.RoleAssignment.principal_id == principal_id)
    return {scope.split("/")[2] for scope in session.scalars(query)
            if scope.startswith("/subscriptions/") and len(scope.split("/")) > 2}
