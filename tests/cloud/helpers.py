"""Helpers for identity tests: certificates for service principals, users, device-code approval."""

from __future__ import annotations

import datetime
import http.client
import re
import ssl
import uuid
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ARM_SCOPE = ["https://management.azure.com/.default"]
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def certificate(days: int = 30) -> tuple[str, str, str]:
    """(private key PEM, certificate PEM, SHA-1 thumbprint hex) of a self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "onboarding-sp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, cert_pem, cert.fingerprint(hashes.SHA1()).hex()


def new_user(cloud: Any, tenant_id: str, password: str = "Corr3ct-Horse!") -> dict[str, Any]:
    upn = f"user-{uuid.uuid4().hex[:8]}@contoso.example"
    user = cloud.admin.call("POST", "/users", {"tenantId": tenant_id, "userPrincipalName": upn,
                                               "password": password, "displayName": "Ada"})
    return {**user, "password": password}


def post_form_from(address: str, cloud: Any, path: str,
                   form: dict[str, str]) -> tuple[int, str]:
    """A form POSTed to the cloud from another loopback address (127.0.0.2, ...), which the
    cloud sees as the client's: for limits counted per place. (status, body)"""
    host, port = cloud.url.removeprefix("https://").rsplit(":", 1)
    connection = http.client.HTTPSConnection(host, int(port), source_address=(address, 0),
                                             context=ssl.create_default_context(cafile=cloud.ca))
    try:
        connection.request("POST", path, urlencode(form),
                           {"Content-Type": "application/x-www-form-urlencoded"})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def approve_device_code(http: requests.Session, base: str, user_code: str, upn: str,
                        password: str, action: str = "approve") -> str:
    """Walk the /devicelogin pages as a browser would; return the final page's text."""
    page = http.post(f"{base}/devicelogin", data={"otc": user_code})
    assert "passwd" in page.text, page.text
    page = http.post(f"{base}/devicelogin/signin",
                     data={"otc": user_code, "login": upn, "passwd": password})
    session_id = re.search(r"name='session' value='([^']+)'", page.text)
    assert session_id, page.text
    return http.post(f"{base}/devicelogin/consent",
                     data={"session": session_id.group(1), "action": action}).text


def validate(http: requests.Session, base: str, tenant: str, token: str,
             audience: str = "https://management.azure.com") -> dict[str, Any]:
    """Validate a token with PyJWT against the cloud's JWKS, as a resource server would."""
    keys = http.get(f"{base}/{tenant}/discovery/v2.0/keys").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid))
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience,
                      issuer=f"https://sts.windows.net/{tenant}/")
