"""Microsoft.Authorization role assignments and role definitions through ARM, at a subscription,
a resource group or a machine: what the SDKs and ``az role`` call to grant a fleet's onboarding
principal its role. The same assignments the authorisation reads (``rbac.py``) and the
management API writes.

Reading needs ``.../read`` at the scope (every built-in role but the Arc ones has ``*/read``);
creating and deleting assignments needs ``roleAssignments/write`` and ``/delete`` (Owner, User
Access Administrator; Contributor's NotActions exclude them), as in Azure.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud import roles
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.auth import is_guid
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import invalid_body
from cmagent.cloud.arm.errors import resource_not_found
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.groups import group_name
from cmagent.cloud.http import Response

PROVIDER = "/providers/Microsoft.Authorization"
ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
DEFINITION = "Microsoft.Authorization/roleDefinitions"
_ROLE_NAME = re.compile(r"^\s*roleName\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_PRINCIPAL = re.compile(r"^\s*(?:principalId\s+eq\s+|assignedTo\()'([^']*)'\)?\s*$",
                        re.IGNORECASE)


def _scope(arm: ArmRequest) -> str:
    """The scope the path names, with the names as they were created; 404 when its group or
    machine does not exist."""
    scope = f"/subscriptions/{arm.subscription_row().id}"
    if "group" not in arm.params:
        return scope
    group = group_name(arm, arm.params["group"])
    if group is None:
        raise group_not_found(arm.params["group"])
    scope += f"/resourceGroups/{group}"
    if "name" not in arm.params:
        return scope
    machine = machines.find(arm, group, arm.params["name"])
    if machine is None:
        raise resource_not_found(machines.TYPE, arm.params["name"], group)
    return f"{scope}/providers/{machines.TYPE}/{machine.name}"


# --- role definitions --------------------------------------------------------------------------

def list_definitions(arm: ArmRequest) -> Response:
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{DEFINITION}/read", scope)
    chosen: tuple[roles.RoleDefinition, ...] = roles.BUILT_IN
    text = arm.request.query.get("$filter", "")
    if text:
        name = _ROLE_NAME.match(text)
        if name is None and text.strip().lower() != "type eq 'builtinrole'":
            raise _unsupported_filter(text, "roleName eq '{name}' or type eq 'BuiltInRole'")
        chosen = tuple(r for r in chosen if name is None or r.name.lower() ==
                       name.group(1).lower())
    return Response.json(200, {"value": [_definition_json(arm, role) for role in chosen]})


def get_definition(arm: ArmRequest) -> Response:
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{DEFINITION}/read", scope)
    role = roles.BY_ID.get(arm.params["definition"].lower())
    if role is None:
        raise _no_definition(arm.params["definition"])
    return Response.json(200, _definition_json(arm, role))


def _definition_json(arm: ArmRequest, role: roles.RoleDefinition) -> dict[str, Any]:
    document = role.to_json()
    document["id"] = _definition_id(arm, role.id)
    return document


def _definition_id(arm: ArmRequest, role_id: str) -> str:
    return f"/subscriptions/{arm.subscription_row().id}{PROVIDER}/roleDefinitions/{role_id}"


def _no_definition(given: str) -> Exception:
    return arm_error(404, "RoleDefinitionDoesNotExist",
                     f"The specified role definition with ID '{given[:80]}' does not exist.")


# --- role assignments --------------------------------------------------------------------------

def list_assignments(arm: ArmRequest) -> Response:
    """At, above and below the scope; ``atScope()``: at and above; ``principalId eq`` or
    ``assignedTo()``: one principal's, at, above and below."""
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{ASSIGNMENT}/read", scope)
    text = arm.request.query.get("$filter", "")
    principal = _PRINCIPAL.match(text) if text else None
    if text and principal is None and text.strip().lower() != "atscope()":
        raise _unsupported_filter(text, "atScope(), principalId eq '{id}' or assignedTo('{id}')")
    below = text.strip().lower() != "atscope()"
    query = _in_line(scope.lower(), below)
    if principal is not None:
        query = query.filter_by(principal_id=principal.group(1).lower())
    rows = arm.session.scalars(query.order_by(models.RoleAssignment.id))
    return Response.json(200, {"value": [_assignment_json(arm, row) for row in rows]})


def _in_line(key: str, below: bool) -> Any:
    """Assignments at ``key``, at the scopes above it, and (``below``) under it."""
    table = models.RoleAssignment
    parts = key.split("/")
    above = ["/".join(parts[:end]) for end in range(3, len(parts) + 1)]
    under = table.scope_key.startswith(key + "/", autoescape=True)
    return select(table).where(or_(table.scope_key.in_(above), under) if below
                               else table.scope_key.in_(above))


def get_assignment(arm: ArmRequest) -> Response:
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{ASSIGNMENT}/read", scope)
    return Response.json(200, _assignment_json(arm, _assignment(arm, scope)))


def put_assignment(arm: ArmRequest) -> Response:
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{ASSIGNMENT}/write", scope)
    name = _assignment_name(arm)
    role_id, principal_id, principal_type = _assignment_body(arm)
    existing = arm.session.get(models.RoleAssignment, name)
    if existing is not None:
        if (existing.scope_key, existing.role_definition_id, existing.principal_id) != \
                (scope.lower(), role_id, principal_id):
            raise arm_error(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application "
                            "ID, principal ID, and scope are not allowed to be updated.")
        return Response.json(201, _assignment_json(arm, existing))
    _refuse_duplicate(arm, scope, role_id, principal_id)
    row = models.RoleAssignment(id=name, principal_id=principal_id,
                                principal_type=principal_type, role_definition_id=role_id,
                                scope=scope, scope_key=scope.lower())
    arm.session.add(row)
    return Response.json(201, _assignment_json(arm, row))


def delete_assignment(arm: ArmRequest) -> Response:
    scope = _scope(arm)
    rbac.require(arm.unit, arm.caller, f"{ASSIGNMENT}/delete", scope)
    row = arm.session.get(models.RoleAssignment, arm.params["assignment"].lower())
    if row is None or row.scope_key != scope.lower():
        return Response(204, b"")
    answer = _assignment_json(arm, row)
    arm.session.delete(row)
    return Response.json(200, answer)


def _assignment(arm: ArmRequest, scope: str) -> models.RoleAssignment:
    row = arm.session.get(models.RoleAssignment, arm.params["assignment"].lower())
    if row is None or row.scope_key != scope.lower():
        raise arm_error(404, "RoleAssignmentNotFound", f"The role assignment "
                        f"'{arm.params['assignment'][:80]}' is not found.")
    return row


def _assignment_name(arm: ArmRequest) -> str:
    name = arm.params["assignment"]
    if not is_guid(name):
        raise arm_error(400, "InvalidRoleAssignmentId", f"The role assignment ID '{name[:80]}' "
                        "is not valid. The role assignment ID must be a GUID.")
    return name.lower()


def _assignment_body(arm: ArmRequest) -> tuple[str, str, str]:
    """(role definition id, principal object id, principal type) from the body."""
    body = arm.request.json()
    properties = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(properties, dict):
        raise invalid_body("The request content must hold 'properties' with "
                           "'roleDefinitionId' and 'principalId'.")
    definition = str(properties.get("roleDefinitionId") or "")
    role = roles.BY_ID.get(definition.rstrip("/").rsplit("/", 1)[-1].lower())
    if role is None or "/roledefinitions/" not in definition.lower():
        raise arm_error(400, "RoleDefinitionDoesNotExist", f"The specified role definition "
                        f"with ID '{definition[:120]}' does not exist.")
    principal_id = str(properties.get("principalId") or "").lower()
    principal_type = _principal_type(arm, principal_id)
    return role.id, principal_id, principal_type


def _principal_type(arm: ArmRequest, principal_id: str) -> str:
    tenant = arm.subscription_row().tenant_id
    user = arm.session.get(models.User, principal_id) if is_guid(principal_id) else None
    if user is not None and user.tenant_id == tenant:
        return "User"
    app = arm.session.scalars(select(models.Application).filter_by(
        sp_object_id=principal_id, tenant_id=tenant)).first() if is_guid(principal_id) else None
    if app is not None:
        return "ServicePrincipal"
    raise arm_error(400, "PrincipalNotFound", f"Principal {principal_id[:80]} does not exist "
                    f"in the directory {tenant}. Check that you have the correct principal ID.")


def _refuse_duplicate(arm: ArmRequest, scope: str, role_id: str, principal_id: str) -> None:
    same = arm.session.scalars(select(models.RoleAssignment).filter_by(
        principal_id=principal_id, role_definition_id=role_id, scope_key=scope.lower())).first()
    if same is not None:
        raise arm_error(409, "RoleAssignmentExists", "The role assignment already exists.",
                        details=[{"code": "RoleAssignmentExists", "message": same.id}])


def _assignment_json(arm: ArmRequest, row: models.RoleAssignment) -> dict[str, Any]:
    return {"id": f"{row.scope}{PROVIDER}/roleAssignments/{row.id}", "name": row.id,
            "type": ASSIGNMENT, "properties": {
                "roleDefinitionId": _definition_id(arm, row.role_definition_id),
                "principalId": row.principal_id, "principalType": row.principal_type,
                "scope": row.scope, "condition": None, "conditionVersion": None}}


def _unsupported_filter(text: str, supported: str) -> Exception:
    return arm_error(400, "UnsupportedQuery", f"The filter '{text[:120]}' is not supported: "
                     f"use {supported}.")
