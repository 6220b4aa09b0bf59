"""Inside the network lab the public names lead to the cloud, so clients work with their
defaults: MSAL validates its authority through instance discovery at
login.microsoftonline.com, and the Azure CLI signs in to its built-in AzureCloud."""

from __future__ import annotations

import json
import sys

from tests.clients.conftest import azure_cli_path
from tests.lab.conftest import ROOT

pytestmark = ROOT
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"  # the lab's agent host trusts the cloud's CA
MSAL_WITH_DEFAULTS = """
import json, sys, msal, requests
tenant, client_id, secret, ca = sys.argv[1:5]
http = requests.Session()
http.verify = ca
app = msal.ConfidentialClientApplication(
    client_id, client_credential=secret, http_client=http,
    authority=f"https://login.microsoftonline.com/{tenant}")
print(json.dumps(app.acquire_token_for_client(["https://management.azure.com/.default"])))
"""


def test_msal_with_instance_discovery_on(lab) -> None:
    onboarding = lab.onboarding
    done = lab.agent(sys.executable, "-c", MSAL_WITH_DEFAULTS, onboarding["tenantId"],
                     onboarding["servicePrincipalId"], onboarding["servicePrincipalSecret"],
                     SYSTEM_CA)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result.get("token_type") == "Bearer", result


def test_azure_cli_with_its_built_in_cloud(lab, tmp_path) -> None:
    onboarding = lab.onboarding
    config = tmp_path / "azure"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(config), "AZURE_CONFIG_DIR": str(config),
           "REQUESTS_CA_BUNDLE": SYSTEM_CA, "AZURE_CORE_COLLECT_TELEMETRY": "false",
           "AZURE_CORE_ONLY_SHOW_ERRORS": "true"}
    az = str(azure_cli_path())
    signed_in = lab.agent(az, "login", "--service-principal", "--username",
                          onboarding["servicePrincipalId"],
                          "--password=" + onboarding["servicePrincipalSecret"], "--tenant",
                          onboarding["tenantId"], "--output", "json", env=env)
    assert signed_in.returncode == 0, signed_in.stderr
    assert json.loads(signed_in.stdout)[0]["cloudName"] == "AzureCloud"
    shown = lab.agent(az, "account", "show", "--output", "json", env=env)
    assert json.loads(shown.stdout)["id"] == onboarding["subscriptionId"], shown.stderr
