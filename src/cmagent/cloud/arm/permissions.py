"""Microsoft.Authorization/permissions: what the caller may do at a scope (a subscription, a
resource group, or a machine, which need not exist yet), one entry per role assignment that
covers it, computed from the same assignments the authorisation itself reads (``rbac.py``).
Anyone signed in may ask about themselves; no role is needed."""

from __future__ import annotations

from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.groups import find_group
from cmagent.cloud.arm.groups import group_scope
from cmagent.cloud.http import Response

# Microsoft.Authorization's api-versions for permissions, oldest first.
AUTHORIZATION_API = ("2015-07-01", "2018-01-01-preview", "2018-09-01-preview",
                     "2020-04-01-preview", "2020-10-01-preview", "2021-03-01-preview",
                     "2022-04-01", "2022-05-01-preview")


def at_subscription(arm: ArmRequest) -> Response:
    return _permissions(arm, f"/subscriptions/{arm.subscription_row().id}")


def at_group(arm: ArmRequest) -> Response:
    return _permissions(arm, _existing_group_scope(arm))


def at_machine(arm: ArmRequest) -> Response:
    scope = (f"{_existing_group_scope(arm)}/providers/Microsoft.HybridCompute/machines/"
             f"{arm.params['name']}")
    return _permissions(arm, scope)


def _existing_group_scope(arm: ArmRequest) -> str:
    if find_group(arm, arm.params["group"]) is None:
        raise group_not_found(arm.params["group"])
    return group_scope(arm, arm.params["group"])


def _permissions(arm: ArmRequest, scope: str) -> Response:
    found = rbac.roles_at(arm.unit, arm.caller.object_id, scope)
    return Response.json(200, {"value": [
        {"actions": list(role.actions), "notActions": list(role.not_actions),
         "dataActions": [], "notDataActions": []} for role in found]})
