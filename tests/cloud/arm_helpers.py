"""Helpers for resource-manager and HIS tests: tokens, raw ARM calls, the SDK client, keys."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import requests
from azure.core.credentials import AccessToken
from azure.mgmt.hybridcompute import HybridComputeManagementClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

API = "2024-07-10"
ONBOARDING = "Azure Connected Machine Onboarding"
ADMINISTRATOR = "Azure Connected Machine Resource Administrator"


def sp_token(http: requests.Session, url: str, tenant: str, client_id: str, secret: str,
             scope: str = "https://management.azure.com/.default") -> str:
    response = http.post(f"{url}/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
        "scope": scope})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def onboarding_token(http: requests.Session, onboarding: dict[str, Any]) -> str:
    return sp_token(http, onboarding["cloud"], onboarding["tenantId"],
                    onboarding["servicePrincipalId"], onboarding["servicePrincipalSecret"])


def machine_url(onboarding: dict[str, Any], name: str, api: str = API) -> str:
    return (f"{onboarding['cloud']}/subscriptions/{onboarding['subscriptionId']}/resourceGroups/"
            f"{onboarding['resourceGroup']}/providers/Microsoft.HybridCompute/machines/{name}"
            f"?api-version={api}")


def call(http: requests.Session, method: str, url: str, token: str | None,
         body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.request(method, url, json=body, headers=headers)


def machine_key() -> tuple[rsa.RSAPrivateKey, str]:
    """A machine key pair: the private key and the clientPublicKey (base64 PKCS#1 DER)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1)
    return key, base64.b64encode(der).decode()


def machine_body(public_key: str | None = None, vm_id: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"vmId": vm_id or str(uuid.uuid4()), "osType": "linux"}
    if public_key:
        properties["clientPublicKey"] = public_key
    return {"location": "westeurope", "identity": {"type": "SystemAssigned"},
            "tags": {"env": "test"}, "properties": properties}


class TokenCredential:
    """azure-core credential over the cloud's token endpoint (client credentials)."""

    def __init__(self, http: requests.Session, onboarding: dict[str, Any]) -> None:
        self._http = http
        self._onboarding = onboarding

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token = sp_token(self._http, self._onboarding["cloud"], self._onboarding["tenantId"],
                         self._onboarding["servicePrincipalId"],
                         self._onboarding["servicePrincipalSecret"], scopes[0])
        return AccessToken(token, int(time.time()) + 3000)


def sdk(cloud: Any, onboarding: dict[str, Any], api: str = API) -> HybridComputeManagementClient:
    return HybridComputeManagementClient(TokenCredential(cloud.session(), onboarding),
                                         onboarding["subscriptionId"], base_url=cloud.url,
                                         connection_verify=cloud.ca, api_version=api)


def contributor(cloud: Any) -> dict[str, Any]:
    """A quickstart whose service principal also holds Contributor on its whole subscription."""
    return on_subscription(cloud, "Contributor", cloud.quickstart())


def subscription_owner(cloud: Any) -> dict[str, Any]:
    """A quickstart whose service principal is Owner of its group and its whole subscription."""
    return on_subscription(cloud, "Owner", cloud.quickstart("Owner"))


def on_subscription(cloud: Any, role: str, onboarding: dict[str, Any]) -> dict[str, Any]:
    cloud.admin.call("POST", "/roleAssignments", {
        "principalId": onboarding["servicePrincipalId"], "role": role,
        "scope": f"/subscriptions/{onboarding['subscriptionId']}"})
    return onboarding


def arm_refusal(response: requests.Response, status: int, code: str) -> str:
    """The message of an ARM error answer, after checking its status and code."""
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    return str(response.json()["error"]["message"])
