"""ARM's permissions API ({scope}/providers/Microsoft.Authorization/permissions) through the
Azure SDK for Authorization, unmodified: what the caller may do, from the same role
assignments that authorise its requests, at a subscription, a resource group and a machine
that does not exist yet."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient

from tests.cloud.arm_helpers import ONBOARDING
from tests.cloud.arm_helpers import TokenCredential
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import contributor
from tests.cloud.arm_helpers import onboarding_token


def _client(cloud, onboarding) -> AuthorizationManagementClient:
    return AuthorizationManagementClient(TokenCredential(cloud.session(), onboarding),
                                         onboarding["subscriptionId"], base_url=cloud.url,
                                         connection_verify=cloud.ca)


def _actions(permissions) -> list[list[str]]:
    return sorted(sorted(p.actions) for p in permissions)


def test_the_onboarding_role_at_its_group_and_a_machine_to_be(cloud, onboarding) -> None:
    client = _client(cloud, onboarding)
    group = list(client.permissions.list_for_resource_group(onboarding["resourceGroup"]))
    assert len(group) == 1
    assert "Microsoft.HybridCompute/machines/write" in group[0].actions
    assert group[0].not_actions == []
    machine = list(client.permissions.list_for_resource(
        onboarding["resourceGroup"], "Microsoft.HybridCompute", "", "machines", "web01"))
    assert _actions(machine) == _actions(group)


def test_assignments_above_the_scope_count(cloud, http) -> None:
    onboarding = contributor(cloud)  # Contributor on the subscription as well
    client = _client(cloud, onboarding)
    found = list(client.permissions.list_for_resource_group(onboarding["resourceGroup"]))
    assert len(found) == 2
    contributor_entry = next(p for p in found if p.actions == ["*"])
    assert "Microsoft.Authorization/*/Write" in contributor_entry.not_actions


def test_nothing_without_an_assignment_and_a_missing_group(cloud, onboarding) -> None:
    for assignment in cloud.admin.call("GET", "/roleAssignments"):
        if assignment["scope"].startswith(f"/subscriptions/{onboarding['subscriptionId']}/") \
                and assignment["roleName"] == ONBOARDING:
            cloud.admin.call("DELETE", f"/roleAssignments/{assignment['id']}")
    client = _client(cloud, onboarding)
    assert list(client.permissions.list_for_resource_group(onboarding["resourceGroup"])) == []
    with pytest.raises(ResourceNotFoundError, match="ResourceGroupNotFound"):
        list(client.permissions.list_for_resource_group("no-such-group"))


def test_the_subscription_scope_on_the_wire(cloud, http, onboarding) -> None:
    token = onboarding_token(http, onboarding)
    url = (f"{onboarding['cloud']}/subscriptions/{onboarding['subscriptionId']}/providers/"
           "Microsoft.Authorization/permissions?api-version=2022-04-01")
    answer = call(http, "GET", url, token)
    assert answer.status_code == 200 and answer.json() == {"value": []}  # group-level only
    assert call(http, "GET", url, None).status_code == 401
