"""What connect and disconnect share: the cloud's endpoints, the HTTP session, signing in by the
chosen method, and turning Entra and ARM failures into AZCM entries in the seed's terms."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from cmagent.agent import clouds
from cmagent.agent import log
from cmagent.errors import AzcmError
from cmagent.errors import Localized

if TYPE_CHECKING:
    from cmagent.agent.main import Context
    from cmagent.wire.arm import ArmError
    from cmagent.wire.http import AgentSession

DEADLINE_SECONDS = 600
CHECK_HINT = Localized("Run 'azcmagent check' to find what blocks the endpoint.",
                       "'azcmagent check' を実行して、エンドポイントを遮断しているものを"
                       "確認してください。")
# What to check, by the AADSTS code of Entra's refusal.
CREDENTIAL_HINTS = {
    7000215: ("Check the service principal secret.",
              "サービス プリンシパル シークレットを確認してください。"),
    7000222: ("The secret has expired: create a new one.",
              "シークレットの有効期限が切れています。新しいシークレットを作成してください。"),
    700016: ("Check the service principal id and the tenant id.",
             "サービス プリンシパル ID とテナント ID を確認してください。"),
    90002: ("Check the tenant id and the cloud.", "テナント ID とクラウドを確認してください。"),
}
DEFAULT_HINT = ("Check the credentials and the tenant.", "資格情報とテナントを確認してください。")


class CloudEndpoints:
    def __init__(self, name: str, login: str, arm: str, his: str, portal: str,
                 audiences: tuple[str, ...]) -> None:
        self.name = name
        self.login = login.rstrip("/")
        self.arm = arm.rstrip("/")
        self.his = his.rstrip("/")
        self.portal = portal.rstrip("/")
        self.audiences = audiences

    @property
    def arm_scope(self) -> str:
        return f"{self.audiences[-1].rstrip('/')}/.default"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "login": self.login, "resourceManager": self.arm,
                "hybridIdentityService": self.his, "portal": self.portal,
                "audiences": list(self.audiences)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CloudEndpoints:
        return cls(data["name"], data["login"], data["resourceManager"],
                   data["hybridIdentityService"], data["portal"], tuple(data["audiences"]))


def session(context: Context, deadline: float | None = None) -> AgentSession:
    from cmagent.wire.http import AgentSession

    log.bridge_stdlib()
    return AgentSession(context.settings(), context.env.environ, deadline)


def cloud_name(context: Context, saved: dict[str, Any]) -> str:
    """--cloud, else AZCMAGENT_CLOUD, else the connected cloud, else AzureCloud."""
    saved_cloud = saved.get("cloud")
    return str(context.option("cloud") or context.env.environ.get("AZCMAGENT_CLOUD")
               or (saved_cloud.get("name") if isinstance(saved_cloud, dict) else saved_cloud)
               or "AzureCloud")


def resolve_cloud(context: Context, name: str, http: AgentSession) -> CloudEndpoints:
    if name.lower().startswith("https://"):
        return _discover(name.rstrip("/"), http)
    cloud = clouds.built_in(name)
    return CloudEndpoints(cloud.name, cloud.login, cloud.arm, cloud.his_global, cloud.portal,
                          (f"{cloud.arm}/",))


def _discover(url: str, http: AgentSession) -> CloudEndpoints:
    import requests

    from cmagent.wire import neterrors

    address = f"{url}{clouds.METADATA_PATH}"
    try:
        response = http.get(address)
        document = response.json()
        return CloudEndpoints(url, document["authentication"]["loginEndpoint"],
                              document["resourceManager"],
                              document.get("hybridIdentityService", url),
                              document.get("portal", url),
                              tuple(document["authentication"]["audiences"]))
    except requests.RequestException as error:
        raise AzcmError(75, neterrors.describe("GET", address, error)) from None
    except (ValueError, KeyError, TypeError):
        raise AzcmError(75, f"{address} did not answer with a cloud description.") from None


def method(context: Context) -> str:
    """The one authentication method the flags ask for (device code when none is given)."""
    chosen = [name for name, given in (
        ("access-token", context.option("access-token")),
        ("service-principal", context.option("service-principal-id")),
        ("device-code", context.option("use-device-code")),
        ("azcli", context.option("use-azcli"))) if given]
    if len(chosen) > 1:
        raise AzcmError(23, f"Choose one authentication method, not {' and '.join(chosen)}.")
    if not context.option("service-principal-id") and (
            context.option("service-principal-secret") or context.option("service-principal-cert")):
        raise AzcmError(16, "--service-principal-id")
    return chosen[0] if chosen else "device-code"


def check_principal_flags(context: Context, saved_tenant: str = "") -> None:
    secret, cert = context.option("service-principal-secret"), \
        context.option("service-principal-cert")
    if not context.option("tenant-id") and not saved_tenant:
        raise AzcmError(16, "--tenant-id (a service principal signs in to its tenant)")
    if not secret and not cert:
        raise AzcmError(16, "--service-principal-secret or --service-principal-cert")
    if secret and cert:
        raise AzcmError(23, "Give --service-principal-secret or --service-principal-cert, not "
                            "both.")
    if cert and not Path(cert).is_file():
        raise AzcmError(107, f"--service-principal-cert {cert}: no such file.")


def sign_in(context: Context, cloud: CloudEndpoints, http: AgentSession, tenant: str) -> str:
    """An ARM access token by the chosen method; AZCM0041/0012/0026 on failure."""
    from cmagent.wire import entra

    chosen = method(context)
    login = entra.SignIn(http, cloud.login, context.option("user-tenant-id") or tenant or
                         "organizations", cloud.arm_scope)
    try:
        return _token(context, chosen, login, cloud)
    except entra.EntraError as error:
        raise _entra_failure(error) from None


def _token(context: Context, chosen: str, login: Any, cloud: CloudEndpoints) -> str:
    from cmagent.wire import entra

    if chosen == "access-token":
        return entra.access_token(context.option("access-token"), cloud.audiences, time.time())
    if chosen == "azcli":
        return entra.azure_cli(cloud.audiences[-1], context.option("tenant-id"))
    if chosen == "service-principal":
        cert = context.option("service-principal-cert")
        return entra.service_principal(login, context.option("service-principal-id"),
                                       context.option("service-principal-secret"),
                                       Path(cert) if cert else None)
    return entra.device_code(login, lambda message: announce(context, message))


def announce(context: Context, message: str) -> None:
    """A prompt the person must see even with --json (then on stderr, keeping stdout JSON)."""
    quiet_stdout = context.option("json") or context.option("log-stderr")
    (context.env.stderr if quiet_stdout else context.env.stdout).write(message + "\n")
    log.debug("Prompted: %s", message)


def _entra_failure(error: Any) -> AzcmError:
    if error.kind == "token":
        return AzcmError(12, f"{error.message}. Get a new token for Azure Resource Manager.")
    if error.kind == "network":
        return AzcmError(26, Localized(f"{error.message}. {CHECK_HINT.en}",
                                       f"{error.message}。{CHECK_HINT.ja}"))
    hint = CREDENTIAL_HINTS.get(error.aadsts or 0, DEFAULT_HINT)
    return AzcmError(41, Localized(f"{error.message}. {hint[0]}", f"{error.message}。{hint[1]}"))


def arm_failure(error: ArmError, stage: str) -> AzcmError:
    """ARM's refusal in the seed's terms: 'Get ARM Resource Response: ...' for reading the
    machine, 'Failed to AzcmagentConnect ARM resource: ...' for creating it."""
    if error.network:
        return AzcmError(26, Localized(f"Failed to AzcmagentConnect ARM resource: "
                                       f"{error.message}. {CHECK_HINT.en}",
                                       f"Failed to AzcmagentConnect ARM resource: "
                                       f"{error.message}。{CHECK_HINT.ja}"))
    if error.code == "MissingSubscriptionRegistration":
        return AzcmError(42, f"Failed to AzcmagentConnect ARM resource: {error.message} "
                             "Register the resource provider: az provider register --namespace "
                             "Microsoft.HybridCompute")
    prefix = "Get ARM Resource Response" if stage == "get" else \
        "Failed to AzcmagentConnect ARM resource"
    if error.status >= 500:
        return AzcmError(62, f"{prefix}: {error.message} Status Code={error.status}. The service "
                             "failed (retried); try again later.")
    hint = " Make sure the identity holds the 'Azure Connected Machine Onboarding' role on the " \
           "resource group." if error.status == 403 else ""
    return AzcmError(42, f"{prefix}: {error.message} Status Code={error.status}.{hint}")
