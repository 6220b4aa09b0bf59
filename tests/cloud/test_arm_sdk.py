"""azure-mgmt-hybridcompute, unmodified, as the conformance client of the resource manager."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.exceptions import ResourceExistsError
from azure.core.exceptions import ResourceNotFoundError

from tests.cloud.arm_helpers import ADMINISTRATOR
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_key
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import sdk


@pytest.fixture
def admin_sp(cloud):
    return cloud.quickstart(ADMINISTRATOR)


@pytest.mark.parametrize("api", ["2024-07-10", "2025-01-13", "2026-07-15"])
def test_create_read_update_list_delete(cloud, admin_sp, api) -> None:
    client = sdk(cloud, admin_sp, api)
    group = admin_sp["resourceGroup"]
    _, public_key = machine_key()
    vm_id = str(uuid.uuid4())
    created = client.machines.create_or_update(group, "web01", machine_body(public_key, vm_id))
    assert created.name == "web01" and created.type == "Microsoft.HybridCompute/machines"
    assert created.identity.type == "SystemAssigned" and created.identity.principal_id
    assert created.identity.tenant_id == admin_sp["tenantId"]
    assert created.properties.vm_id == vm_id
    assert created.properties.client_public_key == public_key
    assert created.properties.provisioning_state == "Succeeded"
    assert created.id == (f"/subscriptions/{admin_sp['subscriptionId']}/resourceGroups/{group}"
                          "/providers/Microsoft.HybridCompute/machines/web01")
    fetched = client.machines.get(group, "WEB01")  # names are case-insensitive
    assert fetched.properties.vm_id == vm_id and fetched.tags == {"env": "test"}
    updated = client.machines.update(group, "web01", {"tags": {"env": "prod"}})
    assert updated.tags == {"env": "prod"}
    assert [m.name for m in client.machines.list_by_resource_group(group)] == ["web01"]
    assert [m.name for m in client.machines.list_by_subscription()] == ["web01"]
    if api >= "2025-01-13":  # 202 + Azure-AsyncOperation, polled by the SDK
        client.machines.begin_delete(group, "web01", polling_interval=0.05).result()
    else:  # the 2024-07-10 contract answers 200, which SDK 10's delete does not expect
        token = onboarding_token(cloud.session(), admin_sp)
        assert call(cloud.session(), "DELETE", machine_url(admin_sp, "web01", api),
                    token).status_code == 200
    with pytest.raises(ResourceNotFoundError, match="ResourceNotFound"):
        client.machines.get(group, "web01")


def test_sdk_error_types(cloud, onboarding, admin_sp) -> None:
    onboarding_client = sdk(cloud, onboarding)
    group = onboarding["resourceGroup"]
    onboarding_client.machines.create_or_update(group, "db01", machine_body())
    with pytest.raises(HttpResponseError) as denied:  # the Onboarding role cannot delete
        onboarding_client.machines.begin_delete(group, "db01").result()
    assert denied.value.status_code == 403 and denied.value.error.code == "AuthorizationFailed"
    with pytest.raises(ResourceNotFoundError):
        onboarding_client.machines.get(group, "nothing-here")
    cloud.admin.call("PUT", f"/providers/{admin_sp['subscriptionId']}/Microsoft.HybridCompute",
                     {"registrationState": "NotRegistered"})
    client = sdk(cloud, onboarding | {"subscriptionId": admin_sp["subscriptionId"],
                                      "tenantId": admin_sp["tenantId"],
                                      "servicePrincipalId": admin_sp["servicePrincipalId"],
                                      "servicePrincipalSecret": admin_sp["servicePrincipalSecret"]})
    with pytest.raises(ResourceExistsError) as conflict:  # 409, after the SDK tried to register
        client.machines.get(admin_sp["resourceGroup"], "x")
    assert conflict.value.error.code == "MissingSubscriptionRegistration"


def test_paging_over_more_than_one_page(cloud, admin_sp) -> None:
    client = sdk(cloud, admin_sp)
    for index in range(105):
        client.machines.create_or_update(admin_sp["resourceGroup"], f"node{index:03d}",
                                         {"location": "westeurope"})
    names = [m.name for m in client.machines.list_by_resource_group(admin_sp["resourceGroup"])]
    assert len(names) == 105 and len(set(names)) == 105
    # the next link names the last machine seen, so deleting while paging skips none
    deleting = sdk(cloud, admin_sp, api="2026-07-15")  # whose delete the SDK polls
    for machine in client.machines.list_by_resource_group(admin_sp["resourceGroup"]):
        deleting.machines.begin_delete(admin_sp["resourceGroup"], machine.name).result()
    assert list(client.machines.list_by_resource_group(admin_sp["resourceGroup"])) == []
