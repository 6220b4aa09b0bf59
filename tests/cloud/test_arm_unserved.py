"""Provider paths no handler serves: a typo is named as ARM names it, a listed type the cloud
stores nothing of reads as empty, and nothing answers before authentication."""

from __future__ import annotations

import pytest

from tests.cloud.arm_helpers import arm_refusal
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import subscription_owner


@pytest.fixture
def owner(cloud, http):
    owner = subscription_owner(cloud)
    base = (f"{cloud.url}/subscriptions/{owner['subscriptionId']}/resourceGroups/"
            f"{owner['resourceGroup']}/providers")
    return owner, onboarding_token(http, owner), base


def _error(response, status, code):
    assert response.headers["x-ms-request-id"]  # answered by ARM's front door, not the router
    return arm_refusal(response, status, code)


def test_a_misspelt_namespace_or_type_is_named(http, owner) -> None:
    _, token, base = owner
    typo = call(http, "GET", f"{base}/Microsoft.HybirdCompute/machines/m1?api-version=2024-07-10",
                token)
    assert _error(typo, 400, "InvalidResourceNamespace") == \
        "The resource namespace 'Microsoft.HybirdCompute' is invalid."
    wrong_type = call(http, "PUT", f"{base}/Microsoft.HybridCompute/machine/m1"
                      "?api-version=2024-07-10", token, machine_body())
    assert _error(wrong_type, 400, "InvalidResourceType") == (
        "The resource type 'machine' could not be found in the namespace "
        "'Microsoft.HybridCompute' for api version '2024-07-10'.")
    old = call(http, "GET", f"{base}/Microsoft.Compute/virtualMachines?api-version=1999-01-01",
               token)
    assert "for type 'virtualMachines'" in _error(old, 400, "NoRegisteredProviderFound")
    missing = call(http, "GET", f"{base}/Microsoft.Compute/virtualMachines", token)
    _error(missing, 400, "MissingApiVersionParameter")


def test_a_body_that_is_not_json_is_415(http, owner) -> None:
    settings, token, _ = owner
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        response = http.put(machine_url(settings, "m415"), data=b'{"location":"westeurope"}',
                            headers={"Authorization": f"Bearer {token}", "Content-Type": kind})
        assert _error(response, 415, "UnsupportedMediaType") == (
            f"The content media type '{kind}' is not supported. Only 'application/json' is "
            "supported.")
    labelled = http.put(machine_url(settings, "m415"), data=b'{"location":"westeurope"}',
                        headers={"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json; charset=utf-8"})
    assert labelled.status_code == 200, labelled.text


def test_a_listed_type_stored_nowhere_reads_as_empty(cloud, http, owner) -> None:
    settings, token, base = owner
    vms = f"{base}/Microsoft.Compute/virtualMachines"
    unregistered = call(http, "GET", f"{vms}?api-version=2024-07-01", token)
    _error(unregistered, 409, "MissingSubscriptionRegistration")
    cloud.admin.call("PUT", f"/providers/{settings['subscriptionId']}/Microsoft.Compute",
                     {"registrationState": "Registered"})
    cloud.admin.call("PUT", f"/providers/{settings['subscriptionId']}/Microsoft.Storage",
                     {"registrationState": "Registered"})
    assert call(http, "GET", f"{vms}?api-version=2024-07-01", token).json() == {"value": []}
    assert "'Microsoft.Compute/virtualMachines/vm1' under resource group" in _error(
        call(http, "GET", f"{vms}/vm1?api-version=2024-07-01", token), 404, "ResourceNotFound")
    assert call(http, "DELETE", f"{vms}/vm1?api-version=2024-07-01", token).status_code == 204
    refused = call(http, "PUT", f"{vms}/vm1?api-version=2024-07-01", token, {"location": "x"})
    assert "stores no Microsoft.Compute/virtualMachines" in _error(refused, 400, "BadRequest")
    machine = machine_url(settings, "m1").split("?")[0]
    call(http, "PUT", f"{machine}?api-version=2024-07-10", token, machine_body())
    extensions = call(http, "GET", f"{machine}/extensions?api-version=2024-07-10", token)
    assert extensions.status_code == 200 and extensions.json() == {"value": []}
    orphan = call(http, "GET", f"{machine[:-2]}nobody/extensions?api-version=2024-07-10", token)
    assert "Parent resource 'nobody' not found" in _error(orphan, 404, "ParentResourceNotFound")
    at_subscription = base.split("/resourceGroups/")[0] + "/providers/Microsoft.Storage/" \
        "storageAccounts?api-version=2024-01-01"
    assert call(http, "GET", at_subscription, token).json() == {"value": []}


def test_unserved_paths_check_the_caller_first(http, onboarding) -> None:
    base = machine_url(onboarding, "x").split("/providers/")[0] + "/providers"
    url = f"{base}/Microsoft.Nothing/things?api-version=2024-07-10"
    _error(call(http, "GET", url, None), 401, "AuthenticationFailed")
    token = onboarding_token(http, onboarding)
    denied = call(http, "GET", f"{base}/Microsoft.Compute/virtualMachines?api-version=2024-07-01",
                  token)
    assert "Microsoft.Compute/virtualMachines/read" in _error(denied, 403, "AuthorizationFailed")
    elsewhere = call(http, "GET", f"{base.replace('/resourceGroups/', '/x/')}"
                     "/Microsoft.Nothing/things?api-version=2024-07-10", token)
    assert elsewhere.status_code == 404  # not a provider path at all
    locks = call(http, "GET", f"{base}/Microsoft.Authorization/locks?api-version=2016-09-01",
                 token)
    assert "permissions, roleAssignments and roleDefinitions" in _error(locks, 404, "NotFound")
