"""The parts of connect that read flags and talk to the cloud step by step."""

from __future__ import annotations

import re
import socket
from typing import Any

from cmagent.agent import clouds
from cmagent.agent import connection
from cmagent.agent import log
from cmagent.agent import netcheck
from cmagent.agent.main import Context
from cmagent.errors import AzcmError
from cmagent.errors import Localized

NAME = re.compile(r"^[A-Za-z0-9_-]{0,53}[A-Za-z0-9]$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SCOPE = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/"
                   r"Microsoft\.HybridCompute/privateLinkScopes/[^/]+$", re.IGNORECASE)
REGIONS = {"eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus",
           "southcentralus", "westcentralus", "canadacentral", "canadaeast", "brazilsouth",
           "northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "germanywestcentral",
           "norwayeast", "swedencentral", "switzerlandnorth", "italynorth", "polandcentral",
           "spaincentral", "australiaeast", "australiasoutheast", "australiacentral",
           "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth",
           "centralindia", "southindia", "westindia", "uaenorth", "southafricanorth",
           "qatarcentral", "israelcentral", "mexicocentral", "newzealandnorth",
           "usgovvirginia", "usgovarizona", "usgovtexas", "chinaeast2", "chinanorth2",
           "chinanorth3", "chinaeast3"}


class Flags:
    """connect's validated inputs."""

    def __init__(self, context: Context) -> None:
        self.location = str(context.option("location")).replace(" ", "").lower()
        self.group = str(context.option("resource-group"))
        self.subscription = str(context.option("subscription-id")).strip()
        self.tenant = str(context.option("tenant-id") or "")
        self.cloud = connection.cloud_name(context, {})
        self.name = resource_name(context.option("resource-name"))
        self.tags = parse_tags(context.option("tags"))
        self.private_link_scope = str(context.option("private-link-scope") or "")
        self.automatic_upgrade = bool(context.option("enable-automatic-upgrade"))


def validate(context: Context) -> Flags:
    for unsupported in ("gateway-id", "automanage-profile"):
        if context.option(unsupported):
            raise AzcmError(3, f"--{unsupported} is not supported by this agent.")
    store = context.option("identity-key-store")
    if store and store.lower() != "default":
        raise AzcmError(3, "--identity-key-store: only 'Default' is supported (no TPM).")
    if connection.method(context) == "service-principal":
        connection.check_principal_flags(context)
    flags = Flags(context)
    _check(context, flags)
    return flags


def _check(context: Context, flags: Flags) -> None:
    correlation = context.option("correlation-id")
    if correlation and not GUID.match(correlation):
        raise AzcmError(23, f"--correlation-id={correlation!r}: a GUID is expected.")
    if flags.tenant and not (GUID.match(flags.tenant) or DOMAIN.match(flags.tenant)):
        raise AzcmError(23, f"--tenant-id={flags.tenant!r}: a GUID (or a domain) is expected.")
    if flags.private_link_scope and not SCOPE.match(flags.private_link_scope):
        raise AzcmError(23, "--private-link-scope: the resource ID of a private link scope is "
                            "expected (/subscriptions/.../providers/Microsoft.HybridCompute/"
                            "privateLinkScopes/NAME).")
    builtin = not flags.cloud.lower().startswith("https://")
    if builtin and flags.location not in REGIONS:
        raise AzcmError(20, f"--location={flags.location!r} is not a region of {flags.cloud}.")


def resource_name(given: str | None) -> str:
    if given:
        if not NAME.match(given):
            raise AzcmError(23, f"--resource-name={given!r}: use 1-54 letters, digits, '-' and "
                                "'_', ending with a letter or digit.")
        return given
    host = socket.gethostname().split(".")[0]
    if not NAME.match(host):
        raise AzcmError(102, Localized(
            f"The host name '{host}' is not a valid resource name.",
            f"ホスト名 '{host}' は有効なリソース名ではありません。"))
    return host


def parse_tags(text: str | None) -> dict[str, str]:
    """``Name=Value,Name2='Value with spaces'``; ``\\,`` and ``\\=`` escape a comma or '='."""
    if not text:
        return {}
    tags: dict[str, str] = {}
    for pair in _split(text, ","):
        parts = _split(pair, "=")
        if len(parts) != 2 or not parts[0].strip():
            raise AzcmError(23, f"--tags: '{pair}' is not Name=Value; separate pairs with "
                                "commas and single-quote names or values with spaces.")
        tags[_unquote(parts[0])] = _unquote(parts[1])
    return tags


def _split(text: str, separator: str) -> list[str]:
    parts, current, quoted, escaped = [], "", False, False
    for char in text:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == "'":
            quoted = not quoted
            current += char
        elif char == separator and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _unquote(value: str) -> str:
    value = value.strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def network_precheck(context: Context, cloud: connection.CloudEndpoints, flags: Flags) -> None:
    builtin = clouds.BUILT_IN.get(cloud.name)
    planned = clouds.endpoints(builtin, flags.location) if builtin else \
        clouds.custom_endpoints(cloud.arm)
    required = [e for e in planned if e.required]
    results = netcheck.run(required, context.settings(),
                           context.env.environ, private_link=bool(flags.private_link_scope))
    blocked = [r for r in results if not r.reachable]
    if blocked:
        first = blocked[0]
        raise AzcmError(26, Localized(
            f"{first.endpoint.url} is not reachable ({first.layer}: {first.reason}). Run "
            "'azcmagent check' for the full diagnosis, or --ignore-network-check to go on.",
            f"{first.endpoint.url} に到達できません ({first.layer}: {first.reason})。詳しくは "
            "'azcmagent check' を実行してください。"))


def subscription_id(arm: Any, given: str) -> str:
    if GUID.match(given):
        return given.lower()
    from cmagent.wire.arm import ArmError

    try:
        found = [s for s in arm.subscriptions() if str(s.get("displayName", "")).lower()
                 == given.lower()]
    except ArmError as error:
        raise AzcmError(68, f"Listing subscriptions failed: {error.message}") from None
    if len(found) != 1:
        raise AzcmError(68, f"{len(found)} subscriptions visible to this identity are named "
                            f"'{given}'.")
    return str(found[0]["subscriptionId"])


def register_providers(arm: Any, subscription: str) -> None:
    from cmagent.wire.arm import PROVIDERS
    from cmagent.wire.arm import ArmError

    for namespace in PROVIDERS:
        try:
            if arm.registration(subscription, namespace) != "Registered":
                log.info("Registering resource provider %s", namespace)
                arm.register(subscription, namespace)
        except ArmError as error:  # the Onboarding role may not: go on, as the real agent does
            log.debug("Provider %s: %s %s", namespace, error.status, error.message)


def ensure_group(arm: Any, subscription: str, group: str, location: str) -> None:
    from cmagent.wire.arm import ArmError

    try:
        if not arm.group_exists(subscription, group):
            log.info("Creating resource group %s in %s", group, location)
            arm.create_group(subscription, group, location)
    except ArmError as error:  # reading groups may be denied; creating the machine will tell
        log.debug("Resource group %s: %s %s", group, error.status, error.message)


def regional_his(http: Any, cloud: connection.CloudEndpoints, location: str) -> str:
    import requests

    try:
        answer = http.get(f"{cloud.his}/discovery?location={location}&api-version=2.1").json()
        return str(answer["endpoints"]["hybridIdentityService"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        log.debug("Service discovery failed (%s); using %s", error, cloud.his)
        return cloud.his


def identity_certificate(http: Any, his_base: str, vm_id: str, key_pem: bytes) -> Any:
    from cmagent.wire.his import His
    from cmagent.wire.his import HisError
    from cmagent.wire.his import rsa_signer

    try:
        return His(http, his_base).certificate(vm_id, rsa_signer(key_pem))
    except HisError as error:
        code = 105 if error.step == "challenge" else 81
        raise AzcmError(code, f"{error.step}: {error.message}") from None
