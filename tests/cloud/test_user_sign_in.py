"""Users signing in: the password grant, refresh tokens (one sign-in, many resources and
tenants, revoked with the password), /organizations, instance discovery — through MSAL and
azure-identity unmodified, and on the wire where a client hides the answer."""

from __future__ import annotations

import os
import threading

import msal
import pytest
from azure.identity import DeviceCodeCredential
from azure.identity import UsernamePasswordCredential

from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import new_user
from tests.cloud.helpers import validate

VAULT_SCOPE = ["https://vault.azure.net/.default"]


def _password(http, cloud, tenant, user, **extra):
    return http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": AZURE_CLI, "username": user["userPrincipalName"],
        "password": user["password"], "scope": f"{ARM_SCOPE[0]} offline_access openid profile",
        **extra})


def _refresh(http, cloud, tenant, token, scope=ARM_SCOPE[0], client_id=AZURE_CLI):
    return http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "refresh_token", "client_id": client_id, "refresh_token": token,
        "scope": f"{scope} offline_access openid profile"})


def _aadsts(response) -> int:
    assert response.status_code == 400, response.text
    return int(response.json()["error_codes"][0])


def test_password_grant_and_its_refusals(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    user = new_user(cloud, tenant)
    answer = _password(http, cloud, "organizations", user)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    claims = validate(http, cloud.url, tenant, body["access_token"])
    assert claims["tid"] == tenant and claims["upn"] == user["userPrincipalName"]
    assert body["refresh_token"] and body["id_token"] and body["client_info"]
    assert "refresh_token" not in _password(http, cloud, tenant, user,
                                            scope=ARM_SCOPE[0]).json()
    assert _aadsts(_password(http, cloud, tenant, user | {"password": "wrong"})) == 50126
    assert _aadsts(_password(http, cloud, tenant, user | {"userPrincipalName":
                                                          "nobody@contoso.example"})) == 50034
    assert _aadsts(_password(http, cloud, "common", user)) == 9001023
    assert _aadsts(_password(http, cloud, tenant, user, username="")) == 900144
    other = cloud.quickstart()
    assert _aadsts(_password(http, cloud, other["tenantId"], user)) == 50034
    confidential = _password(http, cloud, tenant, user,
                             client_id=onboarding["servicePrincipalId"])
    assert confidential.status_code == 401 and confidential.json()["error_codes"] == [7000218]


def test_password_guesses_lock_the_account(cloud, onboarding, http) -> None:
    cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 3, "lockoutSeconds": 600})
    try:
        user = new_user(cloud, onboarding["tenantId"])
        for _ in range(3):
            assert _aadsts(_password(http, cloud, "organizations",
                                     user | {"password": "guess"})) == 50126
        assert _aadsts(_password(http, cloud, "organizations", user)) == 50053
    finally:
        cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 10, "lockoutSeconds": 60})


def test_v1_password_grant_gives_a_refresh_token(cloud, onboarding, http) -> None:
    user = new_user(cloud, onboarding["tenantId"])
    body = http.post(f"{cloud.url}/{onboarding['tenantId']}/oauth2/token", data={
        "grant_type": "password", "client_id": AZURE_CLI, "username": user["userPrincipalName"],
        "password": user["password"], "resource": "https://management.core.windows.net/"}).json()
    assert body["resource"] == "https://management.core.windows.net/" and body["refresh_token"]
    renewed = http.post(f"{cloud.url}/{onboarding['tenantId']}/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": AZURE_CLI,
        "refresh_token": body["refresh_token"], "resource": "https://vault.azure.net"}).json()
    assert validate(http, cloud.url, onboarding["tenantId"], renewed["access_token"],
                    audience="https://vault.azure.net")


def test_refresh_tokens_live_as_entra_says(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    user = new_user(cloud, tenant)
    first = _password(http, cloud, "organizations", user).json()["refresh_token"]
    renewed = _refresh(http, cloud, tenant, first, VAULT_SCOPE[0])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()["refresh_token"]
    assert second != first
    assert validate(http, cloud.url, tenant, renewed.json()["access_token"],
                    audience="https://vault.azure.net")
    assert _refresh(http, cloud, tenant, first).status_code == 200  # not revoked by its use
    assert _aadsts(_refresh(http, cloud, tenant, "1.not-a-token")) == 9002313
    other_client = cloud.admin.call("POST", "/applications", {"tenantId": tenant,
                                                              "displayName": "tool",
                                                              "publicClient": True})
    assert _aadsts(_refresh(http, cloud, tenant, second,
                            client_id=other_client["appId"])) == 70000
    assert _aadsts(_refresh(http, cloud, cloud.quickstart()["tenantId"], second)) == 50034
    cloud.admin.call("PATCH", f"/users/{user['userPrincipalName']}", {"password": "N3w-pass!"})
    revoked = _refresh(http, cloud, tenant, second)
    assert _aadsts(revoked) == 50173 and "changed or reset their password" in revoked.text


def test_refresh_tokens_lapse_with_disuse_and_with_the_user(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    user = new_user(cloud, tenant)
    token = _password(http, cloud, tenant, user).json()["refresh_token"]
    cloud.admin.call("PATCH", "/settings", {"refreshTokenLifetime": 3600})
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 3601})
    try:
        lapsed = _refresh(http, cloud, tenant, token)
        assert _aadsts(lapsed) == 700082 and "was inactive for 0.01:00:01" in lapsed.text
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})
        cloud.admin.call("PATCH", "/settings", {"refreshTokenLifetime": 90 * 86400})
    fresh = _password(http, cloud, tenant, user).json()["refresh_token"]
    cloud.admin.call("DELETE", f"/users/{user['objectId']}")
    assert _aadsts(_refresh(http, cloud, tenant, fresh)) == 9002313  # deleted with the user


def test_msal_device_flow_at_organizations_then_silent_for_other_resources(
        cloud, onboarding, http) -> None:
    """What ``az login --use-device-code`` does: sign in at /organizations, then get tokens for
    the home tenant and another resource silently, from the refresh token."""
    cloud.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = new_user(cloud, onboarding["tenantId"])
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{cloud.url}/organizations",
                                       instance_discovery=False, http_client=http)
    flow = app.initiate_device_flow(scopes=ARM_SCOPE)
    approver = threading.Timer(1.0, approve_device_code,
                               (cloud.session(), cloud.url, flow["user_code"],
                                user["userPrincipalName"], user["password"]))
    approver.start()
    result = app.acquire_token_by_device_flow(flow)
    approver.join()
    assert result["id_token_claims"]["tid"] == onboarding["tenantId"], result
    account = app.get_accounts()[0]
    home = msal.PublicClientApplication(AZURE_CLI, instance_discovery=False, http_client=http,
                                        authority=f"{cloud.url}/{onboarding['tenantId']}",
                                        token_cache=app.token_cache)
    vault = home.acquire_token_silent(VAULT_SCOPE, account=home.get_accounts()[0])
    assert vault and "access_token" in vault, vault
    assert validate(http, cloud.url, onboarding["tenantId"], vault["access_token"],
                    audience="https://vault.azure.net")
    assert account["home_account_id"].endswith(onboarding["tenantId"])


def test_azure_identity_device_code_credential(cloud, onboarding) -> None:
    cloud.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = new_user(cloud, onboarding["tenantId"])

    def approve(uri: str, user_code: str, expires_on) -> None:
        threading.Timer(0.5, approve_device_code, (cloud.session(), cloud.url, user_code,
                                                   user["userPrincipalName"],
                                                   user["password"])).start()

    credential = DeviceCodeCredential(AZURE_CLI, tenant_id=onboarding["tenantId"],
                                      authority=cloud.url.removeprefix("https://"),
                                      disable_instance_discovery=True, prompt_callback=approve,
                                      connection_verify=cloud.ca)
    token = credential.get_token(*ARM_SCOPE)
    assert validate(cloud.session(), cloud.url, onboarding["tenantId"], token.token)
    vault = credential.get_token(*VAULT_SCOPE)  # silently, from the refresh token
    assert validate(cloud.session(), cloud.url, onboarding["tenantId"], vault.token,
                    audience="https://vault.azure.net")


def test_instance_discovery(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    host = cloud.url.removeprefix("https://")
    answer = http.get(f"{cloud.url}/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint":
            f"https://{host}/{tenant}/oauth2/v2.0/authorize"})
    assert answer.json()["tenant_discovery_endpoint"] == \
        f"{cloud.url}/{tenant}/v2.0/.well-known/openid-configuration"
    assert answer.headers["Cache-Control"] == "max-age=86400, private"
    elsewhere = http.get(f"{cloud.url}/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint":
            "https://login.example.org/x/oauth2/v2.0/authorize"})
    assert _aadsts(elsewhere) == 50049 and elsewhere.json()["error"] == "invalid_instance"
    broken = http.get(f"{cloud.url}/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint": "https://[::1/x"})
    assert _aadsts(broken) == 50049


@pytest.fixture
def cloud_on_443(tmp_path):
    """MSAL asks the authority's host on port 443 for the user's realm before a password grant,
    whatever port the authority names: a password sign-in needs the cloud on 443."""
    if os.geteuid() != 0:
        pytest.skip("binding port 443 needs root")
    from tests.cloud.conftest import RunningCloud

    running = RunningCloud(tmp_path / "data", host="127.0.0.3", port=443)
    yield running
    running.stop()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ROPC: deprecated, still used
def test_azure_identity_username_password_credential(cloud_on_443) -> None:
    onboarding = cloud_on_443.quickstart()
    user = new_user(cloud_on_443, onboarding["tenantId"])
    credential = UsernamePasswordCredential(
        AZURE_CLI, user["userPrincipalName"], user["password"],
        tenant_id=onboarding["tenantId"], authority="127.0.0.3",
        disable_instance_discovery=True, connection_verify=cloud_on_443.ca)
    token = credential.get_token(*ARM_SCOPE)
    assert validate(cloud_on_443.session(), cloud_on_443.url, onboarding["tenantId"],
                    token.token)
    realm = cloud_on_443.session().get(
        f"https://127.0.0.3/common/userrealm/{user['userPrincipalName']}?api-version=1.0")
    assert realm.json()["account_type"] == "Managed"
