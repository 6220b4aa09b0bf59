"""``cmagent-cloud quickstart``: everything a first ``azcmagent connect`` needs, in one step.

A tenant, a subscription with the Arc resource providers registered, a resource group, and a
service principal with a secret and the Azure Connected Machine Onboarding role on that group.
The connect flags, secret included, go to ``onboarding.json`` (0600) in the data directory, so
the printed command keeps the secret off the console, as Microsoft recommends for ``--config``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from cmagent.cloud.adminclient import AdminClient
from cmagent.cloud.adminclient import AdminError
from cmagent.cloud.files import write_json

PROVIDERS = ("Microsoft.HybridCompute", "Microsoft.GuestConfiguration",
             "Microsoft.HybridConnectivity", "Microsoft.AzureArcData")
ONBOARDING_ROLE = "Azure Connected Machine Onboarding"


def run(data_dir: Path, location: str, group: str, extra_roles: list[str]) -> dict[str, Any]:
    _check(location, group, extra_roles)
    admin = AdminClient(data_dir)
    suffix = secrets.token_hex(3)
    tenant = admin.call("POST", "/tenants", {"domain": f"contoso{suffix}.onmicrosoft.com",
                                             "displayName": f"Contoso {suffix}"})
    subscription = admin.call("POST", "/subscriptions", {"tenantId": tenant["tenantId"],
                                                         "displayName": f"Arc servers {suffix}"})
    sub_id = subscription["subscriptionId"]
    for namespace in PROVIDERS:
        admin.call("PUT", f"/providers/{sub_id}/{namespace}", {"registrationState": "Registered"})
    admin.call("POST", "/resourceGroups", {"subscriptionId": sub_id, "name": group,
                                           "location": location})
    app = admin.call("POST", "/applications", {"tenantId": tenant["tenantId"],
                                               "displayName": "azcmagent-onboarding"})
    secret = admin.call("POST", f"/applications/{app['appId']}/secrets", {"durationDays": 365})
    scope = f"/subscriptions/{sub_id}/resourceGroups/{group}"
    for role in (ONBOARDING_ROLE, *extra_roles):
        admin.call("POST", "/roleAssignments", {"principalId": app["appId"], "role": role,
                                                "scope": scope})
    result = {"cloud": admin.url, "tenantId": tenant["tenantId"], "subscriptionId": sub_id,
              "subscriptionName": subscription["displayName"], "resourceGroup": group,
              "location": location, "servicePrincipalId": app["appId"],
              "servicePrincipalSecret": secret["secretText"],
              "caBundle": str(data_dir / "ca.pem")}
    write_json(data_dir / "onboarding.json", connect_flags(result), 0o600)
    return result


def _check(location: str, group: str, extra_roles: list[str]) -> None:
    """Refuse what ARM would refuse half-way, before a tenant is made (it would be left)."""
    from cmagent.cloud import roles
    from cmagent.cloud.arm import locations
    from cmagent.cloud.naming import is_group_name

    if not is_group_name(group):
        raise AdminError(f"--resource-group {group!r}: up to 90 letters, digits, '_', '-', '.', "
                         "'(' or ')', not ending in '.'")
    if not locations.is_known(location):
        raise AdminError(f"--location {location!r} is not an Azure region (for example "
                         "westeurope)")
    unknown = [role for role in extra_roles if roles.find(role) is None]
    if unknown:
        raise AdminError(f"--role {unknown[0]!r} is not a built-in role ('cmagent-cloud role "
                         "definitions' lists them)")


def connect_flags(result: dict[str, Any]) -> dict[str, str]:
    return {"cloud": result["cloud"], "tenant-id": result["tenantId"],
            "subscription-id": result["subscriptionId"],
            "resource-group": result["resourceGroup"], "location": result["location"],
            "service-principal-id": result["servicePrincipalId"],
            "service-principal-secret": result["servicePrincipalSecret"]}


def describe(result: dict[str, Any], data_dir: Path) -> str:
    return "\n".join([
        f"Tenant            {result['tenantId']}",
        f"Subscription      {result['subscriptionId']} ({result['subscriptionName']})",
        f"Resource group    {result['resourceGroup']} in {result['location']}",
        f"Service principal {result['servicePrincipalId']} "
        f"(secret in {data_dir / 'onboarding.json'})",
        "",
        "Trust the cloud's CA, then connect with:",
        f"  export REQUESTS_CA_BUNDLE={result['caBundle']}",
        f"  azcmagent connect --config {data_dir / 'onboarding.json'}",
    ])
