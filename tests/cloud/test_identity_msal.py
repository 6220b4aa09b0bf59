"""MSAL Python, unmodified, as the conformance client of the identity service."""

from __future__ import annotations

import threading

import msal
import pytest

from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import certificate
from tests.cloud.helpers import new_user
from tests.cloud.helpers import validate


def _confidential(cloud, tenant, client_id, credential, http):
    return msal.ConfidentialClientApplication(client_id, client_credential=credential,
                                              authority=f"{cloud.url}/{tenant}",
                                              instance_discovery=False, http_client=http)


def test_client_credentials_with_a_secret(cloud, onboarding, http) -> None:
    app = _confidential(cloud, onboarding["tenantId"], onboarding["servicePrincipalId"],
                        onboarding["servicePrincipalSecret"], http)
    result = app.acquire_token_for_client(ARM_SCOPE)
    assert result["token_type"] == "Bearer" and result["expires_in"] > 300
    claims = validate(http, cloud.url, onboarding["tenantId"], result["access_token"])
    assert claims["appid"] == onboarding["servicePrincipalId"]
    assert claims["tid"] == onboarding["tenantId"] and claims["appidacr"] == "1"
    assert claims["idtyp"] == "app" and claims["nbf"] <= claims["iat"] < claims["exp"]


def test_tenant_by_domain_name(cloud, onboarding, http) -> None:
    tenant = next(t for t in cloud.admin.call("GET", "/tenants")
                  if t["tenantId"] == onboarding["tenantId"])
    app = _confidential(cloud, tenant["domain"], onboarding["servicePrincipalId"],
                        onboarding["servicePrincipalSecret"], http)
    result = app.acquire_token_for_client(ARM_SCOPE)
    assert validate(http, cloud.url, onboarding["tenantId"], result["access_token"])


@pytest.mark.parametrize("style", ["thumbprint-RS256", "public-certificate-PS256"])
def test_client_credentials_with_a_certificate(cloud, onboarding, http, style) -> None:
    key_pem, cert_pem, sha1 = certificate()
    cloud.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/certificates",
                     {"certificatePem": cert_pem})
    credential = {"private_key": key_pem, "thumbprint": sha1} if style.startswith("thumb") \
        else {"private_key": key_pem, "public_certificate": cert_pem}
    app = _confidential(cloud, onboarding["tenantId"], onboarding["servicePrincipalId"],
                        credential, http)
    result = app.acquire_token_for_client(ARM_SCOPE)
    assert "access_token" in result, result
    claims = validate(http, cloud.url, onboarding["tenantId"], result["access_token"])
    assert claims["appidacr"] == "2"


def test_device_flow_with_a_public_client(cloud, onboarding, http) -> None:
    cloud.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = new_user(cloud, onboarding["tenantId"])
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{cloud.url}/{onboarding['tenantId']}",
                                       instance_discovery=False, http_client=http)
    flow = app.initiate_device_flow(scopes=ARM_SCOPE)
    assert flow["verification_uri"] == f"{cloud.url}/devicelogin"
    assert flow["user_code"] in flow["message"]
    approver = threading.Timer(1.5, approve_device_code,
                               (cloud.session(), cloud.url, flow["user_code"],
                                user["userPrincipalName"], user["password"]))
    approver.start()
    result = app.acquire_token_by_device_flow(flow)
    approver.join()
    assert "access_token" in result, result
    claims = validate(http, cloud.url, onboarding["tenantId"], result["access_token"])
    assert claims["upn"] == user["userPrincipalName"] and claims["oid"] == user["objectId"]
    assert claims["scp"] == "user_impersonation" and claims["appid"] == AZURE_CLI
    assert result["id_token_claims"]["preferred_username"] == user["userPrincipalName"]
    assert app.get_accounts()[0]["username"] == user["userPrincipalName"]


def test_v1_endpoints_for_go_style_clients(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    token = http.post(f"{cloud.url}/{tenant}/oauth2/token?api-version=1.0", data={
        "grant_type": "client_credentials", "client_id": onboarding["servicePrincipalId"],
        "client_secret": onboarding["servicePrincipalSecret"],
        "resource": "https://management.core.windows.net/"}).json()
    assert isinstance(token["expires_in"], str) and isinstance(token["expires_on"], str)
    assert validate(http, cloud.url, tenant, token["access_token"],
                    audience="https://management.core.windows.net/")
    code = http.post(f"{cloud.url}/{tenant}/oauth2/devicecode?api-version=1.0",
                     data={"client_id": AZURE_CLI,
                           "resource": "https://management.core.windows.net/"}).json()
    assert code["verification_url"].endswith("/devicelogin")
    assert code["expires_in"] == "900" and isinstance(code["interval"], str)
    pending = http.post(f"{cloud.url}/{tenant}/oauth2/token", data={
        "grant_type": "device_code", "client_id": AZURE_CLI, "code": code["device_code"],
        "resource": "https://management.core.windows.net/"})
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"


def test_secret_in_http_basic(cloud, onboarding, http) -> None:
    response = http.post(f"{cloud.url}/{onboarding['tenantId']}/oauth2/v2.0/token",
                         data={"grant_type": "client_credentials", "scope": ARM_SCOPE[0]},
                         auth=(onboarding["servicePrincipalId"],
                               onboarding["servicePrincipalSecret"]))
    assert response.status_code == 200, response.text
    assert validate(http, cloud.url, onboarding["tenantId"], response.json()["access_token"])


def test_discovery_documents(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    v2 = http.get(f"{cloud.url}/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert v2["token_endpoint"] == f"{cloud.url}/{tenant}/oauth2/v2.0/token"
    assert v2["issuer"] == f"{cloud.url}/{tenant}/v2.0"
    assert v2["device_authorization_endpoint"].endswith("/oauth2/v2.0/devicecode")
    v1 = http.get(f"{cloud.url}/{tenant}/.well-known/openid-configuration").json()
    assert v1["issuer"] == f"https://sts.windows.net/{tenant}/"
    common = http.get(f"{cloud.url}/common/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == f"{cloud.url}/{{tenantid}}/v2.0"
    keys = http.get(f"{cloud.url}/common/discovery/keys").json()["keys"]
    assert keys[0]["kid"] == keys[0]["x5t"] and keys[0]["kty"] == "RSA" and keys[0]["x5c"]
    metadata = http.get(f"{cloud.url}/metadata/endpoints?api-version=2022-09-01").json()
    assert metadata["resourceManager"] == f"{cloud.url}/"
    assert metadata["authentication"]["loginEndpoint"] == f"{cloud.url}/"
    assert "https://management.azure.com/" in metadata["authentication"]["audiences"]
    assert metadata["hybridIdentityService"] == f"{cloud.url}/"
    stack = http.get(f"{cloud.url}/metadata/endpoints?api-version=2015-01-01").json()
    assert stack["authentication"]["loginEndpoint"] == f"{cloud.url}/"
    assert "graphEndpoint" in stack
