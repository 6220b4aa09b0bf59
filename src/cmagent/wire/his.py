"""The Hybrid Identity Service client (protocol: docs/his-protocol.md): discovery, the identity
certificate by proof of possession, heartbeats, and tokens for the machine's identity."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import requests

from cmagent.wire import neterrors

HIS_AUDIENCE = "https://his.arc.azure.com"


class HisError(Exception):
    def __init__(self, step: str, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.status = status
        self.code = code
        self.message = message


class His:
    def __init__(self, session: requests.Session, base: str) -> None:
        self._session = session
        self.base = base.rstrip("/")

    def _post(self, step: str, path: str, body: Any,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
        url = f"{self.base}{path}"
        try:
            response = self._session.post(url, json=body, headers=headers or {})
        except requests.RequestException as error:
            raise HisError(step, 0, neterrors.describe("POST", url, error)) from None
        if response.status_code >= 400:
            code, message = neterrors.azure_error(response) or ("", f"HTTP {response.status_code}")
            raise HisError(step, response.status_code, f"{code}: {message}" if code else message,
                           code)
        document = neterrors.json_object(response)
        if document is None:
            raise HisError(step, response.status_code, neterrors.not_json("POST", url, response))
        return document

    def certificate(self, vm_id: str, sign: Callable[[bytes], bytes]) -> dict[str, Any]:
        """Prove possession of the machine key (``sign(data) -> signature``) and receive the
        identity certificate."""
        challenge = self._post("challenge", "/his/v1/challenges", {"vmId": vm_id})
        signature = sign(base64.b64decode(challenge["nonce"]) + vm_id.encode())
        return self._post("certificate", "/his/v1/certificates", {
            "vmId": vm_id, "challengeId": challenge["challengeId"],
            "signature": base64.b64encode(signature).decode()})

    def heartbeat(self, vm_id: str, token: str, report: dict[str, Any]) -> dict[str, Any]:
        return self._post("heartbeat", f"/his/v1/machines/{vm_id}/heartbeat", report,
                          {"Authorization": f"Bearer {token}"})


def rsa_signer(key_pem: bytes) -> Callable[[bytes], bytes]:
    """``sign(data)`` with the machine's RSA key, as the service verifies: PKCS#1 v1.5, SHA-256."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the machine key is not an RSA key")
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def identity_token(session: requests.Session, authority: str, client_id: str, key_pem: str,
                   cert_pem: str, resource: str) -> dict[str, Any]:
    """A token for the machine's managed identity (certificate assertion, via MSAL)."""
    import msal

    app = msal.ConfidentialClientApplication(
        client_id, authority=authority, http_client=session, instance_discovery=False,
        client_credential={"private_key": key_pem, "public_certificate": cert_pem})
    # The resource as given, slash and all: Entra's token then names it so in 'aud'
    # ('https://management.core.windows.net/' asks for '...windows.net//.default').
    scope = resource if resource.endswith("/.default") else f"{resource}/.default"
    return dict(app.acquire_token_for_client([scope]))
