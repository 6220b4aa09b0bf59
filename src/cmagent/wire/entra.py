"""Signing in to Microsoft Entra ID through MSAL: service principal with a secret or a
certificate, device code, a given access token, or the Azure CLI's session.

Failures carry the real agent's wording ("Failed to acquire authorization token from SPN: ...")
and a kind: ``credentials`` (Entra refused), ``network`` (it could not be reached) or ``token``.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from cmagent.errors import Localized
from cmagent.wire import neterrors

# The Azure CLI's public client id: a first-party app every tenant knows, usable for device login.
DEVICE_LOGIN_CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DEVICE_LOGIN_SECONDS = 300
SPN = "Failed to acquire authorization token from SPN"
DEVICE = "Failed to acquire authorization token device flow"


class EntraError(Exception):
    """A failed sign-in: ``message`` is the whole English text (for the log); ``said`` is our
    sentence in both languages when the failure is ours to describe, and ``outside`` the text
    of Entra or a tool that it quotes (else the message is taken as the outside text)."""

    def __init__(self, kind: str, message: str, aadsts: int | None = None,
                 said: Localized | None = None, outside: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.aadsts = aadsts
        self.said = said
        self.outside = outside if said else message


def _token_refused(english: str, japanese: str) -> EntraError:
    return EntraError("token", english, said=Localized(f"The {english}.", f"{japanese}。"))


class SignIn:
    """Where and as whom to sign in: the authority's base URL, the tenant, the scope."""

    def __init__(self, session: requests.Session, login_base: str, tenant: str,
                 scope: str) -> None:
        self.session = session
        self.login_base = login_base.rstrip("/")
        self.tenant = tenant
        self.scope = scope

    @property
    def authority(self) -> str:
        return f"{self.login_base}/{self.tenant}"

    def token_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"


def _app(kind: type[Any], sign_in: SignIn, prefix: str, **kwargs: Any) -> Any:
    try:
        return kind(authority=sign_in.authority, http_client=sign_in.session,
                    instance_discovery=False, azure_region=None, **kwargs)
    except requests.RequestException as error:
        url = f"{sign_in.authority}/v2.0/.well-known/openid-configuration"
        raise EntraError("network", f"{prefix}: {neterrors.describe('GET', url, error)}") \
            from None
    except ValueError as error:  # MSAL: the authority answered, but not as a tenant
        code, text = _authority_refusal(sign_in)
        raise EntraError("credentials", f"{prefix}: {text or error}", code) from None


def _authority_refusal(sign_in: SignIn) -> tuple[int | None, str]:
    """What the authority said when MSAL found it unusable (MSAL keeps only its own generic
    text): Entra answers an unknown tenant with AADSTS90002 and its description."""
    try:
        answer = sign_in.session.get(
            f"{sign_in.authority}/v2.0/.well-known/openid-configuration").json()
        codes = answer.get("error_codes") or [None]
        text = str(answer.get("error_description", "")).splitlines()[0]
        return (int(codes[0]) if codes[0] is not None else None), text
    except (requests.RequestException, ValueError, TypeError, AttributeError, IndexError):
        return None, ""


def _result(result: dict[str, Any], prefix: str) -> str:
    if "access_token" in result:
        return str(result["access_token"])
    description = str(result.get("error_description", result.get("error", "unknown error")))
    codes = result.get("error_codes") or [None]
    raise EntraError("credentials", f"{prefix}: {description.splitlines()[0]}", codes[0])


def service_principal(sign_in: SignIn, client_id: str, secret: str | None = None,
                      certificate: Path | None = None) -> str:
    import msal

    credential: Any = secret if secret is not None else _certificate_credential(certificate)
    app = _app(msal.ConfidentialClientApplication, sign_in, SPN, client_id=client_id,
               client_credential=credential)
    try:
        result = app.acquire_token_for_client([sign_in.scope])
    except (requests.RequestException, msal.exceptions.MsalServiceError) as error:
        cause = _service_cause("POST", sign_in.token_url(), error)
        raise EntraError("network", f"{SPN}: Failed to execute the refresh request. "
                                    f"Error = '{cause}'") from None
    return _result(result, SPN)


def _service_cause(method: str, url: str, error: Exception) -> str:
    """A network failure, or Entra answering with a server error (MSAL raises for 5xx)."""
    if isinstance(error, requests.RequestException):
        return neterrors.describe(method, url, error)
    return f"{method.capitalize()} {url}: {error}"


def _certificate_credential(path: Path | None) -> dict[str, str]:
    """PEM or unencrypted PFX holding both keys → MSAL's certificate credential."""
    assert path is not None
    try:
        return _read_certificate(path)
    except (ValueError, TypeError, OSError) as error:  # not PEM/PFX, encrypted, unreadable
        reason = getattr(error, "strerror", None) or str(error)
        raise EntraError("certificate", f"{path}: {reason}", said=Localized(
            f"--service-principal-cert {path} is not a PEM file or password-less PFX file "
            "holding the private key and the certificate.",
            f"--service-principal-cert {path} は、秘密キーと証明書を含む PEM ファイルまたは"
            "パスワードなしの PFX ファイルではありません。"), outside=reason) from None


def _read_certificate(path: Path) -> dict[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = path.read_bytes()
    if b"-----BEGIN" in data:
        key = serialization.load_pem_private_key(data, password=None)
        cert = x509.load_pem_x509_certificate(data)
    else:
        loaded_key, loaded_cert, _ = pkcs12.load_key_and_certificates(data, None)
        if loaded_key is None or loaded_cert is None:
            raise ValueError("the PFX file must hold both the private key and the certificate")
        key, cert = loaded_key, loaded_cert
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {"private_key": key_pem,
            "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode()}


def device_code(sign_in: SignIn, announce: Callable[[str], None]) -> str:
    """Device login: show the URL and code, wait up to 5 minutes for the person."""
    import msal

    prefix = f"{DEVICE}: Error occurred while sending request for Device Authorization Code"
    app = _app(msal.PublicClientApplication, sign_in, prefix, client_id=DEVICE_LOGIN_CLIENT)
    url = f"{sign_in.authority}/oauth2/v2.0/devicecode"
    try:
        flow = app.initiate_device_flow(scopes=[sign_in.scope])
    except (requests.RequestException, msal.exceptions.MsalServiceError) as error:
        raise EntraError("network", f"{prefix}: {_service_cause('POST', url, error)}") \
            from None
    if "user_code" not in flow:
        return _result(flow, DEVICE)
    announce(str(flow["message"]))
    flow["expires_at"] = min(float(flow["expires_at"]), time.time() + DEVICE_LOGIN_SECONDS)
    try:
        result = app.acquire_token_by_device_flow(flow)
    except (requests.RequestException, msal.exceptions.MsalServiceError) as error:
        cause = _service_cause("POST", sign_in.token_url(), error)
        raise EntraError("network", f"{DEVICE}: {cause}") from None
    if result.get("error") == "authorization_pending":
        timed_out = EntraError("credentials", f"{DEVICE}: nobody completed the sign-in within "
                                              f"{DEVICE_LOGIN_SECONDS // 60} minutes", 70016)
        timed_out.outside = None  # ours, not Entra's: the AADSTS code's sentence says it all
        raise timed_out
    return _result(result, DEVICE)


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (only its shape, audience and expiry are checked)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise _token_refused("access token is not a JSON Web Token",
                             "アクセス トークンが JSON Web Token ではありません") from None
    if not isinstance(data, dict):
        raise _token_refused("access token is not a JSON Web Token",
                             "アクセス トークンが JSON Web Token ではありません")
    return data


def access_token(token: str, audiences: tuple[str, ...], now: float) -> str:
    found = claims(token)
    audience = str(found.get("aud", ""))
    if not audience:
        raise _token_refused("access token names no audience (aud)",
                             "アクセス トークンに対象ユーザー (aud) がありません")
    if audience.rstrip("/") not in {a.rstrip("/") for a in audiences}:
        raise _token_refused(f"access token is for '{audience}', not for Azure Resource Manager",
                             f"アクセス トークンは Azure Resource Manager 用ではなく "
                             f"'{audience}' 用です")
    if not isinstance(found.get("exp"), int | float) or found["exp"] <= now + 60:
        raise _token_refused("access token has expired (or expires within a minute)",
                             "アクセス トークンの有効期限が切れています (または 1 分以内に"
                             "切れます)")
    return token


def azure_cli(resource: str, tenant: str | None) -> str:
    """The token of the current ``az login`` session."""
    az = shutil.which("az")
    if az is None:
        english = "--use-azcli needs the Azure CLI ('az'), which is not installed or not on " \
            "the PATH"
        raise EntraError("credentials", english, said=Localized(
            f"{english}.", "--use-azcli には Azure CLI ('az') が必要ですが、インストールされて"
            "いないか PATH にありません。"))
    command = [az, "account", "get-access-token", "--resource", resource, "--output", "json"]
    if tenant:
        command += ["--tenant", tenant]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise EntraError("credentials", f"az account get-access-token failed: {last}",
                         said=Localized("'az account get-access-token' failed.",
                                        "'az account get-access-token' が失敗しました。"),
                         outside=last)
    return str(json.loads(run.stdout)["accessToken"])
