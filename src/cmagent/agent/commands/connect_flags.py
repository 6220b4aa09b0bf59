"""The parts of connect that read flags and talk to the cloud step by step."""

from __future__ import annotations

import re
import socket
from typing import Any

import requests

from cmagent.agent import azure
from cmagent.agent import clouds
from cmagent.agent import log
from cmagent.agent import netcheck
from cmagent.agent.cli import is_guid
from cmagent.agent.commands import phases
from cmagent.agent.main import Context
from cmagent.agent.options import ConnectOptions
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.connection import CloudEndpoints
from cmagent.wire.arm import PROVIDERS
from cmagent.wire.arm import Arm
from cmagent.wire.arm import ArmError
from cmagent.wire.his import His
from cmagent.wire.his import HisError
from cmagent.wire.his import rsa_signer

NAME = re.compile(r"^[A-Za-z0-9_-]{0,53}[A-Za-z0-9]\Z")
GROUP = re.compile(r"[\w().-]+")  # \w: ARM allows letters and digits of any script
DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")
SCOPE = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/"
                   r"Microsoft\.HybridCompute/privateLinkScopes/[^/]+$", re.IGNORECASE)


class Flags:
    """connect's validated inputs, in the forms the cloud needs."""

    def __init__(self, context: Context[ConnectOptions]) -> None:
        options = context.options
        self.location = options.location.replace(" ", "").lower()
        self.group = options.resource_group
        self.subscription = options.subscription_id.strip()
        self.tenant = options.tenant_id or ""
        self.cloud = clouds.chosen(options.cloud, context.env.environ, None)
        self.cloud_given_as = clouds.source(options.cloud, context.env.environ)
        self.name = resource_name(options.resource_name)
        self.tags = parse_tags(options.tags)
        self.private_link_scope = options.private_link_scope or ""
        self.automatic_upgrade = options.enable_automatic_upgrade


def validate(context: Context[ConnectOptions]) -> Flags:
    options = context.options
    for flag, given in (("gateway-id", options.gateway_id),
                        ("automanage-profile", options.automanage_profile)):
        if given:
            raise AzcmError(codes.NOT_SUPPORTED, Localized(
                f"--{flag} is not supported by this agent.",
                f"--{flag} はこのエージェントではサポートされていません。"))
    store = options.identity_key_store
    if store and store.lower() not in ("default", "tpm"):
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--identity-key-store={store!r}: allowed values are Default and TPM.",
            f"--identity-key-store={store!r}: 指定できる値は Default と TPM です。"))
    if store and store.lower() == "tpm":
        raise AzcmError(codes.NOT_SUPPORTED, Localized(
            "--identity-key-store: only 'Default' is supported (no TPM).",
            "--identity-key-store: サポートされるのは 'Default' だけです (TPM は使用できません)。"))
    if azure.method(context) == "service-principal":
        azure.check_principal_flags(context)
    flags = Flags(context)
    _check(context, flags)
    return flags


def _check(context: Context[ConnectOptions], flags: Flags) -> None:
    _check_group(flags.group)
    correlation = context.options.correlation_id
    if correlation and not is_guid(correlation):
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--correlation-id={correlation!r}: a GUID is expected.",
            f"--correlation-id={correlation!r}: GUID を指定してください。"))
    if flags.tenant and not (is_guid(flags.tenant) or DOMAIN.match(flags.tenant)):
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--tenant-id={flags.tenant!r}: a GUID (or a domain) is expected.",
            f"--tenant-id={flags.tenant!r}: GUID (またはドメイン) を指定してください。"))
    if flags.private_link_scope and not SCOPE.match(flags.private_link_scope):
        shape = "/subscriptions/.../providers/Microsoft.HybridCompute/privateLinkScopes/NAME"
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--private-link-scope: the resource ID of a private link scope is expected "
            f"({shape}).",
            f"--private-link-scope: プライベート リンク スコープのリソース ID を指定してください "
            f"({shape})。"))
    clouds.check_region(flags.cloud, flags.location)


def _check_group(group: str) -> None:
    """ARM's rule for resource group names; checked before sign-in, as the name becomes part
    of every URL (a '/', '?' or '..' would address another resource)."""
    if GROUP.fullmatch(group) and not group.endswith(".") and len(group) <= 90:
        return
    raise AzcmError(codes.INVALID_ARGUMENT, Localized(
        f"--resource-group={group!r}: use 1-90 letters, digits, '_', '-', '.', '(' and ')', "
        "not ending with '.'.",
        f"--resource-group={group!r}: 英字、数字、'_'、'-'、'.'、'('、')' の 1～90 文字で、"
        "'.' で終わらない名前を指定してください。"))


def resource_name(given: str | None) -> str:
    if given:
        if not NAME.match(given):
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"--resource-name={given!r}: use 1-54 letters, digits, '-' and '_', ending "
                "with a letter or digit.",
                f"--resource-name={given!r}: 英字、数字、'-'、'_' の 1～54 文字で、英字か数字で"
                "終わる名前を指定してください。"))
        return given
    host = socket.gethostname().split(".")[0]
    if not NAME.match(host):
        raise AzcmError(codes.HOSTNAME_UNAVAILABLE, Localized(
            f"The host name '{host}' is not a valid resource name.",
            f"ホスト名 '{host}' は有効なリソース名ではありません。"))
    return host


def parse_tags(text: str | None) -> dict[str, str]:
    """``Name=Value,Name2='Value with spaces'``: single quotes wrap a whole name or value (an
    apostrophe inside one is a letter, as in O'Brien); ``\\,`` and ``\\=`` escape a comma or
    '='. A name given twice, in any case, is refused: Azure's tag names ignore case."""
    tags: dict[str, str] = {}
    for pair, fields in _pairs(text or ""):
        if len(fields) != 2 or not fields[0]:
            raise _tags_error(
                f"'{pair}' is not Name=Value; separate pairs with commas, and single-quote a "
                "name or value that holds spaces, '=' or ',' (or write them as \\= and \\,).",
                f"'{pair}' は Name=Value の形式ではありません。組はコンマで区切り、空白、'='、',' "
                "を含む名前や値は単一引用符で囲んでください (または \\= や \\, と書きます)。")
        same = next((name for name in tags if name.lower() == fields[0].lower()), None)
        if same is not None:
            raise _tags_error(
                f"'{same}' and '{fields[0]}' name one tag (Azure's tag names ignore case); "
                "give each tag once.",
                f"'{same}' と '{fields[0]}' は同じタグです (Azure のタグ名は大文字と小文字を区別"
                "しません)。各タグは 1 回だけ指定してください。")
        tags[fields[0]] = _within_arm_rules(*fields)
    if len(tags) > MAX_TAGS:
        raise _tags_error(f"{len(tags)} tags are more than Azure allows on a resource "
                          f"({MAX_TAGS}).",
                          f"{len(tags)} 個のタグは、Azure がリソースに許可する数 ({MAX_TAGS}) を"
                          "超えています。")
    return tags


MAX_TAGS = 50
_TAG_NAME_FORBIDDEN = frozenset("<>%&\\?/")


def _within_arm_rules(name: str, value: str) -> str:
    """ARM's tag rules, checked before anything is made (ARM's refusal would come after the
    resource group, as a 400 read as a missing permission)."""
    if set(name) & _TAG_NAME_FORBIDDEN:
        raise _tags_error(f"the tag name '{name[:40]}' holds one of < > % & \\ ? /, which "
                          "Azure does not allow in tag names.",
                          f"タグ名 '{name[:40]}' に、Azure のタグ名で使用できない文字 "
                          "(< > % & \\ ? /) が含まれています。")
    if len(name) > 512 or len(value) > 256:
        raise _tags_error(f"the tag '{name[:40]}' is too long: Azure allows names of up to 512 "
                          "characters and values of up to 256.",
                          f"タグ '{name[:40]}' が長すぎます。Azure で使用できるのは、名前が "
                          "512 文字まで、値が 256 文字までです。")
    return value


def _tags_error(en: str, ja: str) -> AzcmError:
    return AzcmError(codes.INVALID_ARGUMENT, Localized(f"--tags: {en}", f"--tags: {ja}"))


def _pairs(text: str) -> list[tuple[str, list[str]]]:
    """Each comma-separated pair as typed, with its '='-separated fields read."""
    pairs: list[tuple[str, list[str]]] = []
    start, fields, at = 0, [], 0
    while text:
        field, at = _field(text, at)
        fields.append(field)
        if at >= len(text) or text[at] == ",":
            pairs.append((text[start:at].strip(), fields))
            start, fields = at + 1, []
            if at >= len(text):
                break
        at += 1
    return pairs


def _field(text: str, at: int) -> tuple[str, int]:
    """The name or value starting at ``at``, and where its separator (or the end) is."""
    while at < len(text) and text[at] == " ":
        at += 1
    if at < len(text) and text[at] == "'":
        return _quoted(text, at)
    value, escaped = "", False
    while at < len(text) and (escaped or text[at] not in ",="):
        escaped = text[at] == "\\" and not escaped
        value += "" if escaped else text[at]
        at += 1
    return value.strip(), at


def _quoted(text: str, opening: int) -> tuple[str, int]:
    """A single-quoted name or value: it ends at a quote followed by a separator or the end."""
    for closing in range(opening + 1, len(text)):
        rest = text[closing + 1:].lstrip(" ")
        if text[closing] == "'" and (not rest or rest[0] in ",="):
            return text[opening + 1:closing], len(text) - len(rest)
    raise _tags_error(
        f"the quote before '{text[opening + 1:opening + 21]}' is never closed; end a quoted "
        "name or value with a quote.",
        f"'{text[opening + 1:opening + 21]}' の前の引用符が閉じられていません。引用符で囲んだ"
        "名前や値は引用符で終えてください。")


def network_precheck(context: Context[ConnectOptions], cloud: CloudEndpoints,
                     flags: Flags) -> None:
    builtin = clouds.BUILT_IN.get(cloud.name)
    planned = clouds.endpoints(builtin, flags.location) if builtin else \
        clouds.custom_endpoints(cloud.arm)
    required = [e for e in planned if e.required]
    results = netcheck.run(required, context.settings(),
                           context.env.environ, private_link=bool(flags.private_link_scope))
    blocked = [r for r in results if not r.reachable]
    if blocked:
        first = blocked[0]
        if first.layer == "tls" and first.forged:
            raise _inspected(first)
        raise AzcmError(codes.NETWORK_ERROR, Localized(
            f"{first.endpoint.url} is not reachable ({first.blocker('en')}). Run 'azcmagent "
            "check' for the full diagnosis, or --ignore-network-check to go on.",
            f"{first.endpoint.url} に到達できません ({first.blocker('ja')})。詳しくは "
            "'azcmagent check' を実行してください。--ignore-network-check を付けると、この確認を"
            "省略して続行します。"))


def _inspected(first: netcheck.Result) -> AzcmError:
    """A certificate this machine does not trust: an inspecting proxy or firewall forged it
    (going on would fail the same way on every request)."""
    return AzcmError(codes.NETWORK_ERROR, Localized(
        f"{first.endpoint.url} is not reachable ({first.blocker('en')}).",
        f"{first.endpoint.url} に到達できません ({first.blocker('ja')})。"),
        remedy="tls-inspected", tlsIssuer=first.issuer)


def subscription_id(arm: Arm, given: str) -> str:
    if is_guid(given):
        return given.lower()
    try:
        found = [s for s in arm.subscriptions() if str(s.get("displayName", "")).lower()
                 == given.lower()]
    except ArmError as error:
        raise AzcmError(codes.SUBSCRIPTION_LOOKUP_FAILED, Localized(
            "Listing subscriptions failed.", "サブスクリプションの一覧を取得できませんでした。"),
            quoted=error.message) from None
    if not found:
        raise AzcmError(codes.SUBSCRIPTION_LOOKUP_FAILED, Localized(
            f"No subscription visible to this identity is named '{given}'.",
            f"サインインしたアカウントから参照できるサブスクリプションに、'{given}' という名前の"
            "ものはありません。"))
    if len(found) > 1:
        raise AzcmError(codes.SUBSCRIPTION_LOOKUP_FAILED, Localized(
            f"{len(found)} subscriptions visible to this identity are named '{given}'.",
            f"サインインしたアカウントから参照できるサブスクリプションに、'{given}' という名前の"
            f"ものが {len(found)} 個あります。"))
    return str(found[0]["subscriptionId"])


def register_providers(arm: Arm, subscription: str) -> None:
    for namespace in PROVIDERS:
        try:
            if arm.registration(subscription, namespace) != "Registered":
                log.info(Localized("Registering resource provider %s",
                                   "リソース プロバイダー %s を登録しています"), namespace)
                arm.register(subscription, namespace)
        except ArmError as error:  # the Onboarding role may not: go on, as the real agent does
            log.debug("Provider %s: %s %s", namespace, error.status, error.message)


def ensure_group(arm: Arm, subscription: str, group: str, location: str) -> bool:
    """Whether this run created the group (a failed run says it left it)."""
    try:
        if not arm.group_exists(subscription, group):
            log.info(Localized("Creating resource group %s in %s",
                               "リソース グループ %s を %s に作成しています"), group, location)
            arm.create_group(subscription, group, location)
            return True
    except ArmError as error:  # reading groups may be denied; creating the machine will tell
        log.debug("Resource group %s: %s %s", group, error.status, error.message)
    return False


def regional_his(http: requests.Session, cloud: CloudEndpoints, location: str) -> str:
    try:
        answer = http.get(f"{cloud.his}/discovery?location={location}&api-version=2.1").json()
        return str(answer["endpoints"]["hybridIdentityService"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        log.debug("Service discovery failed (%s); using %s", error, cloud.his)
        return cloud.his


def identity_certificate(http: requests.Session, his_base: str, vm_id: str,
                         key_pem: bytes) -> dict[str, Any]:
    try:
        return His(http, his_base).certificate(vm_id, rsa_signer(key_pem))
    except HisError as error:
        code = codes.SIGNED_MESSAGE_FAILED if error.step == "challenge" \
            else codes.MSI_CERTIFICATE_DOWNLOAD_FAILED
        step = phases.named(error.step)
        raise AzcmError(code, Localized(
            f"The Hybrid Identity Service failed at step {step.en}.",
            f"Hybrid Identity Service の手順 {step.ja} で失敗しました。"),
            quoted=error.message) from None
