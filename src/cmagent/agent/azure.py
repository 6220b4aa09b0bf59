"""What connect and disconnect share when they talk to Azure: the cloud's endpoints, the HTTP
session, signing in by the chosen method, and Entra and ARM failures as AZCM entries in the
seed's terms. Imported only by the commands that call Azure, so it imports the wire freely."""

from __future__ import annotations

import re
import time
from pathlib import Path

import requests

from cmagent.agent import clouds
from cmagent.agent import log
from cmagent.agent import signin
from cmagent.agent.cli import is_guid
from cmagent.agent.main import Context
from cmagent.agent.options import AuthOptions
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.connection import CloudEndpoints
from cmagent.wire import entra
from cmagent.wire import neterrors
from cmagent.wire.arm import ArmError
from cmagent.wire.http import AgentSession

DEADLINE_SECONDS = 600
CHECK_HINT = Localized("Run 'azcmagent check' to find what blocks the endpoint.",
                       "'azcmagent check' を実行して、エンドポイントをブロックしているものを"
                       "確認してください。")
# What to check, by the AADSTS code of Entra's refusal.
def session(context: Context[AuthOptions], deadline: float | None = None) -> AgentSession:
    log.bridge_stdlib()
    return AgentSession(context.settings(), context.env.environ, deadline)


def resolve_cloud(name: str, http: AgentSession, given_as: str = "--cloud") -> CloudEndpoints:
    """The cloud's endpoints; errors name where ``name`` was given (``clouds.source``)."""
    if name.lower().startswith("https://"):
        return _discover(name.rstrip("/"), http, given_as)
    cloud = clouds.built_in(name, given_as)
    return CloudEndpoints(cloud.name, cloud.login, cloud.arm, cloud.his_global, cloud.portal,
                          (f"{cloud.arm}/",))


def _discover(url: str, http: AgentSession, given_as: str) -> CloudEndpoints:
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
        raise AzcmError(codes.CLOUD_CONFIG_UNAVAILABLE, Localized(
            f"{address} cannot be reached.", f"{address} に接続できません。"),
            quoted=neterrors.describe("GET", address, error),
            remedy="proxy" if neterrors.through_proxy(error) else "cloud-given",
            givenAs=given_as) from None
    except (ValueError, KeyError, TypeError):
        raise AzcmError(codes.CLOUD_CONFIG_UNAVAILABLE, Localized(
            f"{address} did not answer with a cloud description.",
            f"{address} の応答はクラウドの説明ではありませんでした。"),
            remedy="cloud-given", givenAs=given_as) from None


def method(context: Context[AuthOptions]) -> str:
    """The one authentication method the flags ask for (device code when none is given)."""
    chosen = [(name, flag) for name, flag, given in (
        ("access-token", "--access-token", context.options.access_token),
        ("service-principal", "--service-principal-id", context.options.service_principal_id),
        ("device-code", "--use-device-code", context.options.use_device_code),
        ("azcli", "--use-azcli", context.options.use_azcli)) if given]
    if len(chosen) > 1:
        flags = [flag for _, flag in chosen]
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"Choose one authentication method, not {' and '.join(flags)}.",
            f"認証方法は 1 つだけ指定してください ({' と '.join(flags)} が指定されました)。"),
            remedy="combination")
    if not context.options.service_principal_id and (
            context.options.service_principal_secret or context.options.service_principal_cert):
        raise AzcmError(codes.MISSING_PARAMETER, "--service-principal-id")
    return chosen[0][0] if chosen else "device-code"


def check_principal_flags(context: Context[AuthOptions], saved_tenant: str = "") -> None:
    secret, cert = context.options.service_principal_secret, \
        context.options.service_principal_cert
    if not context.options.tenant_id and not saved_tenant:
        raise AzcmError(codes.MISSING_PARAMETER, Localized(
            "--tenant-id (a service principal signs in to its tenant)",
            "--tenant-id (サービス プリンシパルは自分のテナントにサインインします)"))
    if not is_guid(context.options.service_principal_id or ""):
        # never echoed: a value here that is no application ID is often the secret (-i, -p swapped)
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            "--service-principal-id must be the application (client) ID, a GUID such as "
            "00000000-0000-0000-0000-000000000000; the value given is not one (not shown, in "
            "case it is the secret given to the wrong flag).",
            "--service-principal-id には、アプリケーション (クライアント) ID の GUID (例: "
            "00000000-0000-0000-0000-000000000000) を指定してください。指定された値は GUID では"
            "ありません (シークレットを誤ったフラグに指定した可能性があるため、表示しません)。"))
    if not secret and not cert:
        raise AzcmError(codes.MISSING_PARAMETER, Localized(
            "--service-principal-secret or --service-principal-cert",
            "--service-principal-secret または --service-principal-cert"))
    if secret and cert:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            "Give --service-principal-secret or --service-principal-cert, not both.",
            "--service-principal-secret と --service-principal-cert のどちらか一方だけを指定して"
            "ください。"), remedy="combination")
    if cert and not Path(cert).is_file():
        english, japanese = ("not a file", "ファイルではありません") if Path(cert).exists() \
            else ("no such file", "ファイルがありません")
        raise AzcmError(codes.CERTIFICATE_UNAVAILABLE, Localized(
            f"--service-principal-cert {cert}: {english}.",
            f"--service-principal-cert {cert}: {japanese}。"))


def sign_in(context: Context[AuthOptions], cloud: CloudEndpoints, http: AgentSession,
            tenant: str) -> str:
    """An ARM access token by the chosen method; AZCM0041/0012/0026 on failure."""
    chosen = method(context)
    login = entra.SignIn(http, cloud.login, context.options.user_tenant_id or tenant or
                         "organizations", cloud.arm_scope)
    try:
        return _token(context, chosen, login, cloud)
    except entra.EntraError as error:
        raise _entra_failure(error, login.tenant, context.options.service_principal_id or "",
                             cloud, chosen) from None


def _token(context: Context[AuthOptions], chosen: str, login: entra.SignIn,
           cloud: CloudEndpoints) -> str:
    options = context.options
    if chosen == "access-token":
        return entra.access_token(options.access_token or "", cloud.audiences, time.time())
    if chosen == "azcli":
        return entra.azure_cli(cloud.audiences[-1], options.tenant_id)
    if chosen == "service-principal":
        cert = options.service_principal_cert
        return entra.service_principal(login, options.service_principal_id or "",
                                       options.service_principal_secret,
                                       Path(cert) if cert else None)
    return entra.device_code(login, lambda message: announce(context, message))


def announce(context: Context[AuthOptions], message: str) -> None:
    """A prompt the person must see even with --json (then on stderr, keeping stdout JSON)."""
    quiet_stdout = context.options.json or context.options.log_stderr
    (context.env.stderr if quiet_stdout else context.env.stdout).write(message + "\n")
    log.debug("Prompted: %s", message)


def _entra_failure(error: entra.EntraError, tenant: str, client: str,
                   cloud: CloudEndpoints, chosen: str) -> AzcmError:
    if error.kind == "token":
        resource = cloud.arm_scope.removesuffix(".default")
        other = resource.rstrip("/") != "https://management.azure.com"
        return AzcmError(codes.INVALID_ACCESS_TOKEN, error.said, quoted=error.outside,
                         remedy="other-cloud" if other else None, resource=resource)
    if error.kind == "network":
        return AzcmError(codes.NETWORK_ERROR, CHECK_HINT, quoted=error.outside)
    if error.kind == "certificate":
        return AzcmError(codes.CERTIFICATE_UNAVAILABLE, error.said, quoted=error.outside)
    said = error.said or signin.cause(error.aadsts, tenant, client)
    return AzcmError(codes.CREDENTIALS_INVALID, said, quoted=error.outside,
                     remedy=chosen if chosen != "access-token" else None)


def arm_failure(error: ArmError, stage: str) -> AzcmError:
    """ARM's refusal in the seed's terms: 'Get ARM Resource Response: ...' for reading the
    machine, 'Failed to AzcmagentConnect ARM resource: ...' for creating it."""
    if error.network or error.code == "InvalidResponse":  # (a page in ARM's place)
        return AzcmError(codes.NETWORK_ERROR, CHECK_HINT,
                         quoted=f"Failed to AzcmagentConnect ARM resource: {error.message}")
    if error.code == "MissingSubscriptionRegistration":
        return AzcmError(codes.CREATE_RESOURCE_FAILED, _REGISTER_PROVIDER,
                         quoted=f"Failed to AzcmagentConnect ARM resource: {error.message}")
    if error.status == 401:
        return token_refused(error)
    if error.code == "LocationNotAvailableForResourceType":
        found = re.search(r"location '([^']{1,80})'", error.message)  # ARM names it so
        region = f"'{found.group(1)}' " if found else ""
        return AzcmError(codes.UNKNOWN_REGION, Localized(
            f"The region {region}is not available for Azure Arc-enabled servers "
            "(Microsoft.HybridCompute/machines).",
            f"リージョン {region}は、Azure Arc 対応サーバー (Microsoft.HybridCompute/machines) "
            "では使用できません。"), quoted=error.message)
    prefix = "Get ARM Resource Response" if stage == "get" else \
        "Failed to AzcmagentConnect ARM resource"
    quoted = f"{prefix}: {error.message} Status Code={error.status}"
    if error.status >= 500:
        return AzcmError(codes.CONNECT_FAILED, _SERVICE_FAILED, quoted=quoted)
    return AzcmError(codes.CREATE_RESOURCE_FAILED,
                     _ONBOARDING_ROLE if error.status == 403 else _ARM_REFUSED, quoted=quoted)


def token_refused(error: ArmError) -> AzcmError:
    """ARM's 401: the token itself (expired, forged, for another audience or tenant)."""
    return AzcmError(codes.INVALID_ACCESS_TOKEN, Localized(
        "Azure Resource Manager refused the token.",
        "Azure Resource Manager がトークンを拒否しました。"), quoted=error.message,
        remedy="arm-refused")


_REGISTER_PROVIDER = Localized(
    "The subscription is not registered for Microsoft.HybridCompute: register the resource "
    "provider (az provider register --namespace Microsoft.HybridCompute).",
    "サブスクリプションに Microsoft.HybridCompute が登録されていません。リソース プロバイダーを"
    "登録してください (az provider register --namespace Microsoft.HybridCompute)。")
_SERVICE_FAILED = Localized(
    "Azure Resource Manager failed (retried); try again later.",
    "Azure Resource Manager でエラーが発生しました (再試行済み)。時間をおいてから、もう一度"
    "実行してください。")
_ONBOARDING_ROLE = Localized(
    "Azure Resource Manager refused: make sure the identity holds the 'Azure Connected Machine "
    "Onboarding' role on the resource group.",
    "Azure Resource Manager に拒否されました。サインインしたアカウントまたはサービス "
    "プリンシパルに、リソース グループに対する 'Azure Connected Machine Onboarding' ロールが"
    "割り当てられていることを確認してください。")
_ARM_REFUSED = Localized("Azure Resource Manager refused the request.",
                         "Azure Resource Manager が要求を拒否しました。")
