"""The Azure SDKs for JavaScript (@azure/identity, @azure/arm-hybridcompute, @azure/arm-resources,
@azure/arm-resources-subscriptions), unmodified, on Node.js: a service principal's view of an
onboarded machine and the resource manager, and a user's device-code sign-in."""

from __future__ import annotations

import json
import os
import subprocess

from tests.agent.test_onboarding import flags_file
from tests.clients.conftest import reader_user
from tests.clients.conftest import sign_in_when_asked
from tests.cloud.arm_helpers import contributor


def _environment(cloud, onboarding, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "NODE_EXTRA_CA_CERTS": cloud.ca,
            "CLOUD_URL": cloud.url, "TENANT_ID": onboarding["tenantId"],
            "CLIENT_ID": onboarding["servicePrincipalId"],
            "CLIENT_SECRET": onboarding["servicePrincipalSecret"],
            "SUBSCRIPTION_ID": onboarding["subscriptionId"],
            "RESOURCE_GROUP": onboarding["resourceGroup"], **extra}


def test_service_principal_sees_the_machine_and_the_resource_manager(
        node, cloud, azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = contributor(cloud)
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    done = subprocess.run(["node", "conformance.mjs"], cwd=node, capture_output=True, text=True,
                          env=_environment(cloud, onboarding), timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["subscriptions"] == [onboarding["subscriptionId"]]
    assert seen["tenants"] == [onboarding["tenantId"]] and "westeurope" in seen["locations"]
    [machine] = seen["machines"]
    assert machine["name"] == "web01" and machine["status"] == "Connected"
    assert machine["identity"] == "SystemAssigned"
    assert seen["groupExists"] is True and seen["missingGroupExists"] is False
    assert seen["updatedTags"] == {"b": "2"}
    assert seen["groups"] == ["arc-servers", "node-rg"]
    assert seen["resources"] == ["Microsoft.HybridCompute/machines/web01"]
    assert seen["hybridComputeState"] == "Registered"
    assert seen["deletedGroupError"] == {"status": 404, "code": "ResourceGroupNotFound"}


def test_device_code_sign_in(node, cloud) -> None:
    onboarding, user = reader_user(cloud)
    process = subprocess.Popen(["node", "conformance.mjs"], cwd=node, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_environment(cloud, onboarding, MODE="device"))
    seen = sign_in_when_asked(process, r"^CODE (\w+)", cloud, user)
    assert seen["subscriptions"] == [onboarding["subscriptionId"]]
    assert seen["machines"] == []
