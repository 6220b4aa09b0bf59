"""Role-based access control: is an action allowed to a principal at a scope?

An assignment applies at its scope and every scope below it (``/subscriptions/s`` covers
``/subscriptions/s/resourceGroups/g/...``); scopes compare without regard to case, as ARM does.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud import roles
from cmagent.cloud.arm.auth import Caller
from cmagent.cloud.arm.errors import authorization_failed
from cmagent.cloud.store import Transactional
from cmagent.cloud.store import lean_all

# Built once: every ARM request asks, and building the statement cost as much as running it.
_ASSIGNMENTS = select(models.RoleAssignment.scope_key,
                      models.RoleAssignment.role_definition_id).where(
    models.RoleAssignment.principal_id == bindparam("principal"))


def roles_at(work: Transactional, principal_id: str, scope: str) -> list[roles.RoleDefinition]:
    """The roles of every assignment of the principal at ``scope`` or above it."""
    target = scope.lower().rstrip("/")
    found = []
    for assignment in lean_all(work, _ASSIGNMENTS, principal=principal_id):
        scope_key = assignment.scope_key
        covered = target == scope_key or target.startswith(scope_key + "/")
        role = roles.BY_ID.get(assignment.role_definition_id)
        if covered and role is not None:
            found.append(role)
    return found


def allowed(work: Transactional, principal_id: str, action: str, scope: str) -> bool:
    return any(role.allows(action) for role in roles_at(work, principal_id, scope))


def require(work: Transactional, caller: Caller, action: str, scope: str) -> None:
    if not allowed(work, caller.object_id, action, scope):
        raise authorization_failed(caller.name, caller.object_id, action, scope)


def visible_subscriptions(session: Session, principal_id: str) -> set[str]:
    """Subscriptions in which the principal holds any assignment (at or below them)."""
    query = select(models.RoleAssignment.scope_key).where(
        models.RoleAssignment.principal_id == principal_id)
    return {scope.split("/")[2] for scope in session.scalars(query)
            if scope.startswith("/subscriptions/") and len(scope.split("/")) > 2}
