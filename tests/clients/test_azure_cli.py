"""The Azure CLI against the local cloud, as an operator drives it: register the cloud from its
metadata, sign in (service principal, device code, password), then accounts, locations,
resource groups, providers, and the resources of an onboarded machine."""

from __future__ import annotations

import os

import pytest

from tests.agent.test_onboarding import flags_file
from tests.clients.conftest import reader_user
from tests.clients.conftest import sign_in_when_asked
from tests.cloud.arm_helpers import contributor

MACHINES = "Microsoft.HybridCompute/machines"


def _sign_in(az, onboarding) -> list:
    return az.json("login", "--service-principal", "--username",
                   onboarding["servicePrincipalId"],
                   # Entra secrets may begin with "-"; az then needs the value joined by "="
                   "--password=" + onboarding["servicePrincipalSecret"],
                   "--tenant", onboarding["tenantId"])


def test_service_principal_account_groups_and_providers(az, cloud) -> None:
    owner = contributor(cloud)
    accounts = _sign_in(az, owner)
    assert [a["id"] for a in accounts] == [owner["subscriptionId"]]
    assert accounts[0]["cloudName"] == "cmagent" and accounts[0]["tenantId"] == owner["tenantId"]
    assert az.json("account", "show")["id"] == owner["subscriptionId"]
    locations = {loc["name"]: loc for loc in az.json("account", "list-locations")}
    assert locations["japaneast"]["displayName"] == "Japan East"
    created = az.json("group", "create", "--name", "ops-rg", "--location", "eastus",
                      "--tags", "team=ops")
    assert created["properties"]["provisioningState"] == "Succeeded"
    assert az.run("group", "exists", "--name", "ops-rg").stdout.strip() == "true"
    assert az.run("group", "exists", "--name", "no-such-rg").stdout.strip() == "false"
    updated = az.json("group", "update", "--name", "ops-rg", "--set", "tags.cost=42")
    assert updated["tags"] == {"team": "ops", "cost": "42"}
    assert az.json("group", "show", "--name", "ops-rg")["location"] == "eastus"
    assert {g["name"] for g in az.json("group", "list")} == {"ops-rg", owner["resourceGroup"]}
    assert [g["name"] for g in az.json("group", "list", "--tag", "team=ops")] == ["ops-rg"]
    az.run("group", "delete", "--name", "ops-rg", "--yes")
    assert az.run("group", "exists", "--name", "ops-rg").stdout.strip() == "false"
    providers = {p["namespace"]: p["registrationState"] for p in az.json("provider", "list")}
    assert providers["Microsoft.HybridCompute"] == "Registered"
    az.run("provider", "register", "--namespace", "Microsoft.Compute", "--wait")
    assert az.json("provider", "show", "--namespace", "Microsoft.Compute")[
        "registrationState"] == "Registered"
    listed = az.json("rest", "--method", "get", "--url",
                     "/subscriptions/{subscriptionId}/resourcegroups?api-version=2024-11-01")
    assert [g["name"] for g in listed["value"]] == [owner["resourceGroup"]]


def test_errors_read_as_arm_wrote_them(az, cloud) -> None:
    _sign_in(az, contributor(cloud))
    missing = az.run("group", "show", "--name", "nowhere", check=False)
    assert missing.returncode != 0
    assert "(ResourceGroupNotFound) Resource group 'nowhere' could not be found." in missing.stderr
    _sign_in(az, cloud.quickstart())  # the onboarding role: it may not create groups
    denied = az.run("group", "create", "--name", "x", "--location", "eastus", check=False)
    assert "(AuthorizationFailed)" in denied.stderr and "resourceGroups/write" in denied.stderr


def test_resources_of_an_onboarded_machine(az, cloud, azcmagent, himds, trusting,
                                           tmp_path) -> None:
    owner = contributor(cloud)
    assert azcmagent("connect", "--config", flags_file(tmp_path, owner)).status == 0
    _sign_in(az, owner)
    group = owner["resourceGroup"]
    listed = az.json("resource", "list", "--resource-group", group)
    assert [(r["name"], r["type"]) for r in listed] == [("web01", MACHINES)]
    shown = az.json("resource", "show", "--resource-group", group, "--name", "web01",
                    "--resource-type", MACHINES)
    assert shown["properties"]["status"] == "Connected"
    tagged = az.json("resource", "tag", "--resource-group", group, "--name", "web01",
                     "--resource-type", MACHINES, "--tags", "owner=ops")
    assert tagged["tags"] == {"owner": "ops"}
    merged = az.json("resource", "tag", "--ids", shown["id"], "--tags", "tier=gold",
                     "--is-incremental")
    assert merged["tags"] == {"owner": "ops", "tier": "gold"}
    assert [t["tagName"] for t in az.json("tag", "list")] == ["owner", "tier"]
    az.run("resource", "delete", "--ids", shown["id"])
    assert az.json("resource", "list") == []
    assert azcmagent("show", "--json").status == 0  # the machine still believes it is connected


def test_device_code_sign_in_without_a_tenant(az, cloud) -> None:
    """Sign in at /organizations, list the user's tenants, then reach each one silently with
    the refresh token: the same sign-in then serves every resource."""
    onboarding, user = reader_user(cloud)
    accounts = sign_in_when_asked(az.popen("login", "--use-device-code", "--output", "json"),
                                  r"enter the code (\w+)", cloud, user)
    assert [(a["id"], a["user"]["name"]) for a in accounts] == \
        [(onboarding["subscriptionId"], user["userPrincipalName"])]
    assert accounts[0]["homeTenantId"] == onboarding["tenantId"]
    vault = az.json("account", "get-access-token", "--resource", "https://vault.azure.net")
    assert vault["tenant"] == onboarding["tenantId"]
    assert [g["name"] for g in az.json("group", "list")] == [onboarding["resourceGroup"]]


@pytest.fixture
def cloud_on_443(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the password sign-in test needs root (MSAL asks port 443 of the cloud)")
    from tests.cloud.conftest import RunningCloud

    running = RunningCloud(tmp_path / "data", host="127.0.0.3", port=443)
    yield running
    running.stop()


def test_password_sign_in(cloud_on_443, tmp_path) -> None:
    from tests.clients.conftest import Az
    from tests.clients.conftest import azure_cli_path

    cloud = cloud_on_443
    az = Az(azure_cli_path(), tmp_path / "azure", cloud.ca)
    az.run("config", "set", "core.instance_discovery=false")
    az.run("cloud", "register", "--name", "local", "--endpoint-resource-manager",
           cloud.url + "/")
    az.run("cloud", "set", "--name", "local")
    onboarding, user = reader_user(cloud)
    accounts = az.json("login", "--username", user["userPrincipalName"], "--password",
                       user["password"])
    assert [a["id"] for a in accounts] == [onboarding["subscriptionId"]]
    wrong = az.run("login", "--username", user["userPrincipalName"], "--password", "nope",
                   check=False)
    assert wrong.returncode != 0 and "AADSTS50126" in wrong.stderr
