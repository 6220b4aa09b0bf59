"""Subscriptions, resource groups and resource providers (Microsoft.Resources)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select

from cmagent.cloud import inventory
from cmagent.cloud import models
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import missing_registration
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.names import check_group_name
from cmagent.cloud.arm.names import check_tags
from cmagent.cloud.http import Response

KNOWN_PROVIDERS = {
    "microsoft.hybridcompute": ("Microsoft.HybridCompute",
                                ["machines", "machines/extensions", "privateLinkScopes",
                                 "locations", "locations/operationStatuses",
                                 "locations/operationResults", "operations"]),
    "microsoft.guestconfiguration": ("Microsoft.GuestConfiguration",
                                     ["guestConfigurationAssignments", "operations"]),
    "microsoft.hybridconnectivity": ("Microsoft.HybridConnectivity",
                                     ["endpoints", "operations"]),
    "microsoft.azurearcdata": ("Microsoft.AzureArcData", ["sqlServerInstances", "operations"]),
}


def subscription_json(row: models.Subscription) -> dict[str, Any]:
    return {"id": f"/subscriptions/{row.id}", "authorizationSource": "RoleBased",
            "managedByTenants": [], "subscriptionId": row.id, "tenantId": row.tenant_id,
            "displayName": row.display_name, "state": row.state, "tags": {},
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "PayAsYouGo_2014-09-01",
                                     "spendingLimit": "Off"}}


def list_subscriptions(arm: ArmRequest) -> Response:
    """Only subscriptions of the caller's tenant where it holds a role, as ARM lists them."""
    visible = rbac.visible_subscriptions(arm.session, arm.caller.object_id)
    rows = arm.session.scalars(select(models.Subscription).where(
        models.Subscription.tenant_id == arm.caller.tenant_id))
    return Response.json(200, {"value": [subscription_json(r) for r in rows
                                         if r.id in visible and r.state != "Deleted"]})


def get_subscription(arm: ArmRequest) -> Response:
    row = arm.subscription_row()
    if row.id not in rbac.visible_subscriptions(arm.session, arm.caller.object_id):
        rbac.require(arm.session, arm.caller, "Microsoft.Resources/subscriptions/read",
                     f"/subscriptions/{row.id}")
    return Response.json(200, subscription_json(row))


def group_json(row: models.ResourceGroup) -> dict[str, Any]:
    return {"id": f"/subscriptions/{row.subscription_id}/resourceGroups/{row.name}",
            "name": row.name, "type": "Microsoft.Resources/resourceGroups",
            "location": row.location, "tags": row.tags,
            "properties": {"provisioningState": "Succeeded"}}


def find_group(arm: ArmRequest, name: str) -> models.ResourceGroup | None:
    return arm.session.scalars(_GROUP, {"subscription": arm.subscription_row().id,
                                        "name": name.lower()}).first()


def _group_scope(arm: ArmRequest) -> str:
    return f"/subscriptions/{arm.subscription_row().id}/resourceGroups/{arm.params['group']}"


def get_group(arm: ArmRequest) -> Response:
    rbac.require(arm.session, arm.caller, "Microsoft.Resources/subscriptions/resourceGroups/read",
                 _group_scope(arm))
    row = find_group(arm, arm.params["group"])
    if row is None:
        raise group_not_found(arm.params["group"])
    return Response.json(200, group_json(row))


def put_group(arm: ArmRequest) -> Response:
    rbac.require(arm.session, arm.caller,
                 "Microsoft.Resources/subscriptions/resourceGroups/write", _group_scope(arm))
    body = arm.request.json()
    if not isinstance(body, dict) or not isinstance(body.get("location"), str):
        raise arm_error(400, "LocationRequired",
                        "The location property is required for this definition.")
    name = arm.params["group"]
    check_group_name(name)
    tags = check_tags(body.get("tags"))
    row = find_group(arm, name)
    status = 200
    if row is None:
        row = models.ResourceGroup(subscription_id=arm.subscription_row().id, name=name,
                                   name_key=name.lower(), location=body["location"], tags=tags)
        arm.session.add(row)
        status = 201
    elif row.location.lower() != body["location"].lower():
        raise arm_error(409, "InvalidResourceGroupLocation",
                        f"Invalid resource group location '{body['location']}'. The Resource "
                        f"group already exists in location '{row.location}'.")
    else:
        row.tags = tags
    return Response.json(status, group_json(row))


def delete_group(arm: ArmRequest) -> Response:
    rbac.require(arm.session, arm.caller,
                 "Microsoft.Resources/subscriptions/resourceGroups/delete", _group_scope(arm))
    row = find_group(arm, arm.params["group"])
    if row is None:
        raise group_not_found(arm.params["group"])
    inventory.delete_group(arm.session, row)
    return Response(200, b"")


_REGISTRATION = select(models.ProviderRegistration.state).where(
    models.ProviderRegistration.subscription_id == bindparam("subscription"),
    models.ProviderRegistration.namespace_key == bindparam("namespace"))
_GROUP = select(models.ResourceGroup).where(
    models.ResourceGroup.subscription_id == bindparam("subscription"),
    models.ResourceGroup.name_key == bindparam("name"))


def registration_state(arm: ArmRequest, namespace: str) -> str:
    state = arm.session.execute(_REGISTRATION, {"subscription": arm.subscription_row().id,
                                                "namespace": namespace.lower()}).scalar()
    return str(state) if state else "NotRegistered"


def provider_json(arm: ArmRequest, namespace_key: str) -> dict[str, Any]:
    namespace, types = KNOWN_PROVIDERS[namespace_key]
    return {"id": f"/subscriptions/{arm.subscription_row().id}/providers/{namespace}",
            "namespace": namespace, "registrationState": registration_state(arm, namespace),
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [{"resourceType": t, "locations": ["West Europe", "East US"],
                               "apiVersions": ["2026-07-15", "2025-01-13", "2024-07-10"]}
                              for t in types]}


def _provider_key(arm: ArmRequest) -> str:
    key = arm.params["namespace"].lower()
    if key not in KNOWN_PROVIDERS:
        raise arm_error(404, "InvalidResourceNamespace",
                        f"The resource namespace '{arm.params['namespace']}' is invalid.")
    return key


def get_provider(arm: ArmRequest) -> Response:
    key = _provider_key(arm)
    rbac.require(arm.session, arm.caller, "Microsoft.Resources/subscriptions/providers/read",
                 f"/subscriptions/{arm.subscription_row().id}")
    return Response.json(200, provider_json(arm, key))


def register_provider(arm: ArmRequest) -> Response:
    key = _provider_key(arm)
    namespace = KNOWN_PROVIDERS[key][0]
    rbac.require(arm.session, arm.caller, f"{namespace}/register/action",
                 f"/subscriptions/{arm.subscription_row().id}")
    arm.session.merge(models.ProviderRegistration(
        subscription_id=arm.subscription_row().id, namespace_key=key, namespace=namespace,
        state="Registered"))
    arm.session.flush()
    return Response.json(200, provider_json(arm, key))


def require_registered(arm: ArmRequest, namespace: str) -> None:
    if registration_state(arm, namespace) != "Registered":
        raise missing_registration(namespace)
