"""Subscriptions, their locations, and tenants (Microsoft.Resources, api-version 2022-12-01):
what a caller sees of the directory through the resource manager."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud.arm import locations
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.frontdoor import SubscriptionRecord
from cmagent.cloud.http import Response


def subscription_json(row: SubscriptionRecord) -> dict[str, Any]:
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


def _visible(arm: ArmRequest) -> SubscriptionRecord:
    row = arm.subscription_row()
    if row.id not in rbac.visible_subscriptions(arm.session, arm.caller.object_id):
        rbac.require(arm.unit, arm.caller, "Microsoft.Resources/subscriptions/read",
                     f"/subscriptions/{row.id}")
    return row


def get_subscription(arm: ArmRequest) -> Response:
    return Response.json(200, subscription_json(_visible(arm)))


def list_locations(arm: ArmRequest) -> Response:
    row = _visible(arm)
    zones = arm.api_version >= "2022-12-01"
    return Response.json(200, {"value": [locations.location_json(row.id, name, zones)
                                         for name in locations.REGIONS]})


def tenant_json(row: models.Tenant) -> dict[str, Any]:
    return {"id": f"/tenants/{row.id}", "tenantId": row.id, "tenantCategory": "Home",
            "countryCode": "US", "displayName": row.display_name, "domains": [row.domain],
            "defaultDomain": row.domain, "tenantType": "AAD"}


def list_tenants(arm: ArmRequest) -> Response:
    """The tenants the caller belongs to: its home tenant (guest memberships are not
    modelled)."""
    row = arm.session.get(models.Tenant, arm.caller.tenant_id)
    return Response.json(200, {"value": [tenant_json(row)] if row is not None else []})
