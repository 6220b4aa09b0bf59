"""azure-mgmt-resource and azure-mgmt-resource-subscriptions, unmodified, with azure-identity's
ClientSecretCredential: the general resource manager surface the Azure CLI and scripts use."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.exceptions import ResourceNotFoundError
from azure.identity import CertificateCredential
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from tests.cloud.arm_helpers import contributor
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import sdk
from tests.cloud.helpers import certificate

ARM_SCOPES = ["https://management.azure.com/.default"]
MACHINES = "Microsoft.HybridCompute/machines"


@pytest.fixture
def owner(cloud):
    """A service principal with Contributor on its whole subscription."""
    return contributor(cloud)


def _credential(cloud, onboarding) -> ClientSecretCredential:
    return ClientSecretCredential(onboarding["tenantId"], onboarding["servicePrincipalId"],
                                  onboarding["servicePrincipalSecret"],
                                  authority=cloud.url.removeprefix("https://"),
                                  disable_instance_discovery=True, connection_verify=cloud.ca)


def _resources(cloud, onboarding) -> ResourceManagementClient:
    return ResourceManagementClient(_credential(cloud, onboarding), onboarding["subscriptionId"],
                                    base_url=cloud.url, credential_scopes=ARM_SCOPES,
                                    connection_verify=cloud.ca)


def _subscriptions(cloud, onboarding) -> SubscriptionClient:
    return SubscriptionClient(_credential(cloud, onboarding), base_url=cloud.url,
                              credential_scopes=ARM_SCOPES, connection_verify=cloud.ca)


def test_resource_groups(cloud, owner) -> None:
    client = _resources(cloud, owner)
    name = f"rg-{uuid.uuid4().hex[:6]}"
    assert client.resource_groups.check_existence(name) is False
    created = client.resource_groups.create_or_update(name, {"location": "West Europe",
                                                             "tags": {"team": "ops"}})
    assert created.location == "westeurope" and created.tags == {"team": "ops"}
    assert created.id == f"/subscriptions/{owner['subscriptionId']}/resourceGroups/{name}"
    assert client.resource_groups.check_existence(name) is True
    updated = client.resource_groups.update(name, {"tags": {"team": "dev", "cost": "42"}})
    assert updated.tags == {"team": "dev", "cost": "42"}
    assert client.resource_groups.get(name).tags == {"team": "dev", "cost": "42"}
    assert {g.name for g in client.resource_groups.list()} == {name, owner["resourceGroup"]}
    chosen = client.resource_groups.list(filter="tagName eq 'team' and tagValue eq 'dev'")
    assert [g.name for g in chosen] == [name]
    with pytest.raises(HttpResponseError) as moved:
        client.resource_groups.create_or_update(name, {"location": "eastus"})
    assert moved.value.error.code == "InvalidResourceGroupLocation"
    client.resource_groups.begin_delete(name).result()
    assert client.resource_groups.check_existence(name) is False
    with pytest.raises(ResourceNotFoundError) as missing:
        client.resource_groups.get(name)
    assert missing.value.error.code == "ResourceGroupNotFound"


def test_generic_resources_around_a_machine(cloud, owner) -> None:
    sdk(cloud, owner, "2026-07-15").machines.create_or_update(
        owner["resourceGroup"], "web01", machine_body())
    client = _resources(cloud, owner)
    group, api = owner["resourceGroup"], "2026-09-01"
    listed = list(client.resources.list())
    assert [(r.name, r.type, r.location) for r in listed] == [("web01", MACHINES, "westeurope")]
    in_group = list(client.resources.list_by_resource_group(group, expand="createdTime"))
    assert in_group[0].created_time is not None
    assert list(client.resources.list(filter=f"resourceType eq '{MACHINES}'"))
    assert not list(client.resources.list(filter="resourceType eq 'Microsoft.Compute/disks'"))
    assert not list(client.resources.list(filter="substringof('db', name)"))
    # the SDK sends an empty parent path: .../Microsoft.HybridCompute//machines/web01
    found = client.resources.get(group, "Microsoft.HybridCompute", "", "machines", "web01",
                                 api_version=api)
    assert found.properties["vmId"] and found.identity.type == "SystemAssigned"
    assert client.resources.check_existence(group, "Microsoft.HybridCompute", "", "machines",
                                            "web01", api_version=api)
    assert not client.resources.check_existence(group, "Microsoft.HybridCompute", "",
                                                "machines", "nothing", api_version=api)
    by_id = client.resources.get_by_id(found.id, api_version=api)
    assert by_id.name == "web01"
    with pytest.raises(HttpResponseError) as refused:
        client.resources.get_by_id(found.id, api_version="2015-01-01")
    assert refused.value.error.code == "NoRegisteredProviderFound"
    client.resources.begin_delete_by_id(found.id, api_version=api, polling_interval=0.05).result()
    assert not list(client.resources.list())


def test_tags(cloud, owner) -> None:
    sdk(cloud, owner, "2026-07-15").machines.create_or_update(
        owner["resourceGroup"], "db01", machine_body())
    client = _resources(cloud, owner)
    machine = (f"/subscriptions/{owner['subscriptionId']}/resourceGroups/"
               f"{owner['resourceGroup']}/providers/{MACHINES}/db01")
    assert client.tags.get_at_scope(machine).properties.tags == {"env": "test"}
    client.tags.begin_update_at_scope(machine, {"operation": "Merge",
                                                "properties": {"tags": {"tier": "gold"}}}
                                      ).result()
    assert client.tags.get_at_scope(machine).properties.tags == {"env": "test", "tier": "gold"}
    client.tags.begin_update_at_scope(machine, {"operation": "Delete",
                                                "properties": {"tags": {"env": "test"}}}
                                      ).result()
    names = {t.tag_name: [v["tagValue"] for v in t["values"]] for t in client.tags.list()}
    assert names == {"tier": ["gold"]}
    assert [r.name for r in client.resources.list(filter="tagName eq 'tier'")] == ["db01"]


def test_providers(cloud, owner) -> None:
    client = _resources(cloud, owner)
    namespaces = {p.namespace: p.registration_state for p in client.providers.list()}
    assert namespaces["Microsoft.HybridCompute"] == "Registered"
    assert namespaces["Microsoft.Compute"] == "NotRegistered"
    hybrid = client.providers.get("Microsoft.HybridCompute")
    machines = next(t for t in hybrid.resource_types if t.resource_type == "machines")
    assert machines.api_versions[0] == "2026-09-01"  # newest first, as the CLI expects
    assert "2025-02-19-preview" in machines.api_versions and "West Europe" in machines.locations
    types = client.provider_resource_types.list("Microsoft.HybridCompute")
    assert "machines" in {t.resource_type for t in types.value}
    assert client.providers.register("Microsoft.Compute").registration_state == "Registered"
    assert client.providers.unregister("Microsoft.Compute").registration_state == "Unregistered"
    with pytest.raises(ResourceNotFoundError) as unknown:
        client.providers.get("Contoso.Nothing")
    assert unknown.value.error.code == "InvalidResourceNamespace"


def test_subscriptions_locations_and_tenants(cloud, owner) -> None:
    client = _subscriptions(cloud, owner)
    assert [s.subscription_id for s in client.subscriptions.list()] == [owner["subscriptionId"]]
    locations = {loc.name: loc for loc in client.subscriptions.list_locations(
        owner["subscriptionId"])}
    assert locations["westeurope"].display_name == "West Europe"
    assert locations["westeurope"].metadata.paired_region[0].name == "northeurope"
    assert locations["japaneast"].availability_zone_mappings
    tenants = list(client.tenants.list())
    assert [t.tenant_id for t in tenants] == [owner["tenantId"]]
    assert tenants[0].display_name and tenants[0].default_domain


def test_certificate_credential(cloud, owner) -> None:
    key_pem, cert_pem, _ = certificate()
    cloud.admin.call("POST", f"/applications/{owner['servicePrincipalId']}/certificates",
                     {"certificatePem": cert_pem})
    credential = CertificateCredential(owner["tenantId"], owner["servicePrincipalId"],
                                       certificate_data=(key_pem + cert_pem).encode(),
                                       authority=cloud.url.removeprefix("https://"),
                                       disable_instance_discovery=True, connection_verify=cloud.ca)
    client = ResourceManagementClient(credential, owner["subscriptionId"], base_url=cloud.url,
                                      credential_scopes=ARM_SCOPES, connection_verify=cloud.ca)
    assert [g.name for g in client.resource_groups.list()] == [owner["resourceGroup"]]


def test_a_reader_sees_only_what_it_may(cloud, owner) -> None:
    """The onboarding role may not even read its group; with Reader on it, it sees that group
    and no other, and may still create none."""
    reader = cloud.quickstart()
    client = _resources(cloud, reader)
    assert list(client.resource_groups.list()) == []
    cloud.admin.call("POST", "/roleAssignments", {
        "principalId": reader["servicePrincipalId"], "role": "Reader",
        "scope": f"/subscriptions/{reader['subscriptionId']}/resourceGroups/"
                 f"{reader['resourceGroup']}"})
    assert [g.name for g in client.resource_groups.list()] == [reader["resourceGroup"]]
    with pytest.raises(HttpResponseError) as denied:
        client.resource_groups.create_or_update("elsewhere", {"location": "westeurope"})
    assert denied.value.status_code == 403 and denied.value.error.code == "AuthorizationFailed"
