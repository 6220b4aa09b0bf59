"""Resource providers (Microsoft.Resources/providers): what the cloud knows of, each with its
resource types, locations and api-versions, and a subscription's registration with each.

``apiVersions`` are listed newest first, as ARM lists them: the Azure CLI takes the first
non-preview entry for ``az resource show`` and friends.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import missing_registration
from cmagent.cloud.arm.frontdoor import MACHINES_API
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.locations import display_names
from cmagent.cloud.http import Response
from cmagent.cloud.store import lean_first

# Every Microsoft.HybridCompute api-version the published specifications list, newest first.
HYBRID_COMPUTE_TYPES = ("machines", "machines/extensions", "machines/licenseProfiles",
                        "machines/runCommands", "privateLinkScopes", "licenses", "gateways",
                        "locations", "locations/operationStatuses",
                        "locations/operationResults", "operations")
RESOURCES_TYPES = ("tenants", "subscriptions", "resourceGroups", "resources", "providers",
                   "locations", "tags", "operations")
_COMMON_VERSIONS = ("2024-03-01", "2023-07-01", "2022-09-01")
# namespace key -> (namespace, resource types, api-versions newest first, always registered)
KNOWN: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], bool]] = {
    "microsoft.hybridcompute": ("Microsoft.HybridCompute", HYBRID_COMPUTE_TYPES,
                                tuple(reversed(MACHINES_API)), False),
    "microsoft.guestconfiguration": ("Microsoft.GuestConfiguration",
                                     ("guestConfigurationAssignments", "operations"),
                                     ("2024-04-05", "2022-01-25", "2020-06-25"), False),
    "microsoft.hybridconnectivity": ("Microsoft.HybridConnectivity", ("endpoints", "operations"),
                                     ("2024-12-01", "2023-03-15"), False),
    "microsoft.azurearcdata": ("Microsoft.AzureArcData", ("sqlServerInstances", "operations"),
                               ("2025-03-01-preview", "2024-01-01", "2023-01-15-preview"),
                               False),
    "microsoft.compute": ("Microsoft.Compute", ("virtualMachines", "disks", "operations"),
                          ("2024-11-01", "2024-07-01", "2024-03-01"), False),
    "microsoft.network": ("Microsoft.Network", ("virtualNetworks", "privateEndpoints",
                                                "operations"),
                          ("2024-05-01", "2024-01-01", "2023-11-01"), False),
    "microsoft.storage": ("Microsoft.Storage", ("storageAccounts", "operations"),
                          ("2024-01-01", "2023-05-01", "2023-01-01"), False),
    "microsoft.keyvault": ("Microsoft.KeyVault", ("vaults", "operations"),
                           ("2024-11-01", "2023-07-01", "2022-07-01"), False),
    "microsoft.resources": ("Microsoft.Resources", RESOURCES_TYPES,
                            ("2025-04-01", "2024-11-01", *_COMMON_VERSIONS), True),
}
_STATE = select(models.ProviderRegistration.state).where(
    models.ProviderRegistration.subscription_id == bindparam("subscription"),
    models.ProviderRegistration.namespace_key == bindparam("namespace"))
_REGIONAL = {"machines", "machines/extensions", "privateLinkScopes", "gateways", "licenses"}


def registration_state(arm: ArmRequest, namespace: str) -> str:
    key = namespace.lower()
    if key in KNOWN and KNOWN[key][3]:
        return "Registered"
    row = lean_first(arm.unit, _STATE, subscription=arm.subscription_row().id,
                     namespace=key)
    return str(row.state) if row and row.state else "NotRegistered"


def require_registered(arm: ArmRequest, namespace: str) -> None:
    if registration_state(arm, namespace) != "Registered":
        raise missing_registration(namespace)


def resource_type_json(type_name: str, versions: tuple[str, ...]) -> dict[str, Any]:
    stable = [v for v in versions if "preview" not in v]
    regional = type_name in _REGIONAL or type_name.split("/")[0] in ("virtualMachines", "disks",
                                                                     "virtualNetworks",
                                                                     "storageAccounts", "vaults")
    return {"resourceType": type_name, "locations": display_names() if regional else [],
            "apiVersions": list(versions), "defaultApiVersion": (stable or list(versions))[0],
            "capabilities": "SupportsTags, SupportsLocation" if regional else "None"}


def provider_json(key: str, subscription_id: str | None, state: str | None) -> dict[str, Any]:
    namespace, types, versions, _ = KNOWN[key]
    document: dict[str, Any] = {
        "id": f"/subscriptions/{subscription_id}/providers/{namespace}" if subscription_id
        else f"/providers/{namespace}", "namespace": namespace,
        "resourceTypes": [resource_type_json(t, versions) for t in types]}
    if state is not None:
        document.update({"registrationState": state,
                         "registrationPolicy": "RegistrationRequired"})
    return document


def _key(arm: ArmRequest) -> str:
    key = arm.params["namespace"].lower()
    if key not in KNOWN:
        raise arm_error(404, "InvalidResourceNamespace",
                        f"The resource namespace '{arm.params['namespace']}' is invalid.")
    return key


def _may_read(arm: ArmRequest) -> str:
    subscription = arm.subscription_row().id
    rbac.require(arm.unit, arm.caller, "Microsoft.Resources/subscriptions/providers/read",
                 f"/subscriptions/{subscription}")
    return subscription


def get(arm: ArmRequest) -> Response:
    key = _key(arm)
    subscription = _may_read(arm)
    return Response.json(200, provider_json(key, subscription, registration_state(arm, key)))


def list_all(arm: ArmRequest) -> Response:
    subscription = _may_read(arm)
    return Response.json(200, {"value": [
        provider_json(key, subscription, registration_state(arm, key)) for key in KNOWN]})


def resource_types(arm: ArmRequest) -> Response:
    key = _key(arm)
    _may_read(arm)
    return Response.json(200, {"value": provider_json(key, None, None)["resourceTypes"]})


def get_at_tenant(arm: ArmRequest) -> Response:
    return Response.json(200, provider_json(_key(arm), None, None))


def list_at_tenant(arm: ArmRequest) -> Response:
    return Response.json(200, {"value": [provider_json(key, None, None) for key in KNOWN]})


def register(arm: ArmRequest) -> Response:
    return _set_state(arm, "register", "Registered")


def unregister(arm: ArmRequest) -> Response:
    """Unregistering takes effect at once here; ARM passes through ``Unregistering``."""
    return _set_state(arm, "unregister", "Unregistered")


def _set_state(arm: ArmRequest, verb: str, state: str) -> Response:
    key = _key(arm)
    namespace, _, _, always = KNOWN[key]
    subscription = arm.subscription_row().id
    rbac.require(arm.unit, arm.caller, f"{namespace}/{verb}/action",
                 f"/subscriptions/{subscription}")
    if not always:
        arm.session.merge(models.ProviderRegistration(
            subscription_id=subscription, namespace_key=key, namespace=namespace, state=state))
        arm.session.flush()
    return Response.json(200, provider_json(key, subscription, registration_state(arm, key)))
