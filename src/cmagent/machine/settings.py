"""The agent's local settings (``localconfig.json``): properties, validation and storage.

The file holds only values that differ from the defaults, keyed by the dotted property names as
the real agent writes them. Monitor mode overrides some properties and locks the extension
lists; ``effective`` shows what the agent actually applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.accounts import service_owner
from cmagent.machine.files import atomic_write
from cmagent.machine.files import not_written
from cmagent.machine.paths import Paths
from cmagent.machine.redact import Redactor
from cmagent.machine.redact import mask_url_password

Value = str | bool | int | list[Any]

# Extensions monitor mode allows (Microsoft manages the real list; these are its monitoring and
# security members as published in the extension docs).
MONITOR_ALLOWLIST = (
    "Microsoft.Azure.Monitor/AzureMonitorLinuxAgent",
    "Microsoft.Azure.Monitor/AzureMonitorWindowsAgent",
    "Microsoft.Azure.AzureDefenderForServers/MDE.Linux",
    "Microsoft.Azure.AzureDefenderForServers/MDE.Windows",
    "Microsoft.Azure.AzureDefenderForSQL/AdvancedThreatProtection.Windows",
    "Microsoft.Azure.ChangeTrackingAndInventory/ChangeTracking-Linux",
    "Microsoft.Azure.ChangeTrackingAndInventory/ChangeTracking-Windows",
    "Microsoft.Azure.Monitoring.DependencyAgent/DependencyAgentLinux",
    "Microsoft.Azure.Monitoring.DependencyAgent/DependencyAgentWindows",
    "Qualys/LinuxAgent.AzureSecurityCenter",
    "Qualys/WindowsAgent.AzureSecurityCenter",
)
BYPASS_KEYWORDS = ("AAD", "ARM", "Arc", "ArcData", "AMA")
_EXTENSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\Z")


@dataclass(frozen=True)
class Property:
    """One local setting. ``parse_item`` turns one text value into a stored value."""

    name: str
    description: str
    default: Value
    parse_item: Callable[[str, str], Any]
    allowed: str
    multi: bool = False
    preview: bool = False
    locked_in_monitor: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} (preview)" if self.preview else self.name


def _invalid(name: str, raw: str, allowed: Localized) -> AzcmError:
    return AzcmError(codes.INVALID_ARGUMENT, Localized(
        f"'{raw}' is not a valid value for {name}: {allowed.en}.",
        f"'{raw}' は {name} の有効な値ではありません。{allowed.ja}。",
    ), remedy="setting-value")


def _boolean(name: str, raw: str) -> bool:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise _invalid(name, raw, Localized("true or false", "true か false を指定してください"))


def _one_of(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        match = next((c for c in choices if c.lower() == raw.lower()), None)
        if match is None:
            raise _invalid(name, raw, Localized(f"one of {', '.join(choices)}",
                                                f"{'、'.join(choices)} のいずれかを"
                                                "指定してください"))
        return match
    return parse


def _whole_number(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        if raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        raise _invalid(name, raw, Localized(f"a whole number from {low} to {high}",
                                            f"{low} から {high} までの整数を指定してください"))
    return parse


def _extension(name: str, raw: str) -> str:
    if _EXTENSION.match(raw):
        return raw
    example = "Microsoft.Azure.Monitor/AzureMonitorLinuxAgent"
    raise _invalid(name, raw, Localized(f"Publisher/Type, e.g. {example}",
                                        f"Publisher/Type の形式で指定してください (例: {example})"))


def _allowlist_item(name: str, raw: str) -> str:
    return "Allow/None" if raw.lower() == "allow/none" else _extension(name, raw)


def proxy_url(name: str, raw: str) -> str:
    """An HTTP proxy: ``http://host[:port]``, a bare host or IP (taken as http), credentials
    allowed. The agent speaks plain HTTP to the proxy, so other schemes are refused."""
    allowed = Localized(
        "http://host[:port], e.g. http://proxy.contoso.corp:8080, with any credentials before "
        "the host as user:password@ (percent-encode '/', '?' and '#' in a password: / is %2F)",
        "http://host[:port] の形式で指定してください (例: http://proxy.contoso.corp:8080)。資格"
        "情報はホストの前に user:password@ として付けます (パスワード内の '/'、'?'、'#' は"
        "パーセント エンコードします。/ は %2F)")
    url = raw if "://" in raw else f"http://{raw}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _invalid(name, mask_url_password(raw), allowed) from None
    if parts.scheme.lower() != "http" or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or (port is not None and port == 0):
        raise _invalid(name, mask_url_password(raw), allowed)
    return url.rstrip("/")


PROPERTIES: tuple[Property, ...] = (
    Property("incomingconnections.enabled", "Allow remote access (SSH, Windows Admin Center) "
             "through the Azure Arc connectivity platform.", True, _boolean, "true, false",
             preview=True),
    Property("incomingconnections.ports", "Local ports the connectivity platform may relay "
             "to, e.g. 22 for SSH and 6516 for Windows Admin Center.", [],
             _whole_number(1, 65535), "port numbers 1-65535, comma-separated", multi=True,
             preview=True),
    Property("connection.type", "How the agent reaches Azure: directly (or through "
             "proxy.url), or through an Azure Arc gateway.", "direct",
             _one_of("direct", "gateway"), "direct, gateway"),
    Property("proxy.url", "URL of the HTTP proxy the agent uses; it takes precedence over "
             "HTTPS_PROXY.", "", proxy_url, "http://host[:port]"),
    Property("proxy.bypass", "Services reached without the proxy: AAD (Microsoft Entra ID), "
             "ARM (Azure Resource Manager), Arc (Hybrid Identity and machine configuration), "
             "ArcData (SQL Server enabled by Azure Arc), AMA (Azure Monitor Agent).", [],
             _one_of(*BYPASS_KEYWORDS), ", ".join(BYPASS_KEYWORDS), multi=True),
    Property("extensions.allowlist", "If not empty, only these extensions may be installed, "
             "updated or upgraded; 'Allow/None' allows none.", [], _allowlist_item,
             "Publisher/Type values, or Allow/None", multi=True, locked_in_monitor=True),
    Property("extensions.blocklist", "Extensions that may not be installed, updated or "
             "upgraded.", [], _extension, "Publisher/Type values", multi=True,
             locked_in_monitor=True),
    Property("guestconfiguration.enabled", "Run the machine configuration (Azure Policy) "
             "agent.", True, _boolean, "true, false"),
    Property("extensions.enabled", "Run the extension manager.", True, _boolean, "true, false"),
    Property("config.mode", "full: every feature is available. monitor: only monitoring and "
             "security extensions, no remote connections, no machine configuration.", "full",
             _one_of("full", "monitor"), "full, monitor"),
    Property("guestconfiguration.agent.cpulimit", "CPU limit of the machine configuration "
             "service, in percent.", 5, _whole_number(1, 100), "1-100"),
    Property("extensions.agent.cpulimit", "CPU limit of the extension manager, in percent.", 5,
             _whole_number(1, 100), "1-100"),
)
BY_NAME: dict[str, Property] = {p.name: p for p in PROPERTIES}
_MONITOR_OVERRIDES: dict[str, Value] = {
    "guestconfiguration.enabled": False,
    "incomingconnections.enabled": False,
    "extensions.allowlist": list(MONITOR_ALLOWLIST),
    "extensions.blocklist": [],
}


def lookup(name: str) -> Property:
    prop = BY_NAME.get(name.lower())
    if prop is None:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"'{name}' is not a local setting; 'azcmagent config info' lists them.",
            f"'{name}' はローカル設定ではありません。'azcmagent config info' で一覧を確認"
            "できます。",
        ), remedy="unknown-name")
    return prop


def parse(prop: Property, raw: str) -> Value:
    """Turn the text of ``config set`` into the stored value (a list for multi-valued ones)."""
    if not prop.multi:
        return prop.parse_item(prop.name, raw.strip())  # type: ignore[no-any-return]
    items = [item.strip() for item in raw.split(",") if item.strip()]
    _commas_only(prop, raw, items)
    values = [prop.parse_item(prop.name, item) for item in items]
    return list(dict.fromkeys(values))


def _commas_only(prop: Property, raw: str, items: list[str]) -> None:
    """No value of a list setting holds a space or ';': either is a separator meant as ','."""
    for item in items:
        if any(mark in item for mark in (" ", ";", "\t")):
            example = ",".join(part for part in re.split(r"[\s;]+", item) if part)
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"'{raw}': separate the values of {prop.name} with commas only, e.g. "
                f"'{example}'.",
                f"'{raw}': {prop.name} の値はコンマだけで区切ってください (例: '{example}')。"),
                remedy="setting-value")


def load(paths: Paths) -> dict[str, Value]:
    """The stored values; AZCM0027 names the file when it is not a valid settings file."""
    try:
        with open(paths.localconfig, encoding="utf-8") as handle:
            content = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise _corrupt(paths, str(error)) from None
    if not isinstance(content, dict):
        raise _corrupt(paths, "not a JSON object")
    stored = {k: v for k, v in content.items() if k in BY_NAME}
    for name, value in stored.items():
        _check_stored(paths, BY_NAME[name], value)
    return stored


def _check_stored(paths: Paths, prop: Property, value: Any) -> None:
    """A value edited by hand is held to what ``config set`` accepts."""
    shown = Redactor()(json.dumps(value))[:80]  # masked before it is cut: a proxy password
    wrong = _corrupt(paths, f"{prop.name}: {shown} is not a value of this setting "
                            f"({prop.allowed})")
    if prop.multi != isinstance(value, list):
        raise wrong
    for item in value if prop.multi else [value]:
        try:  # the text config set would have been given, parsed back to the same type
            parsed = prop.parse_item(prop.name, item if isinstance(item, str)
                                     else json.dumps(item))
        except AzcmError:
            raise wrong from None
        if type(parsed) is not type(item):
            raise wrong


def _corrupt(paths: Paths, why: str) -> AzcmError:
    return AzcmError(codes.CONFIG_CONFLICT, Localized(
        f"{paths.localconfig} is not a valid settings file; fix it or remove it to return to "
        "the defaults.",
        f"{paths.localconfig} は有効な設定ファイルではありません。修正するか、削除して"
        "既定値に戻してください。",
    ), quoted=why)


def save(paths: Paths, values: dict[str, Value]) -> None:
    """Write atomically; 0600 when the proxy URL carries credentials (owned by the service
    user, which must read the proxy too), else 0644."""
    data = json.dumps(dict(sorted(values.items())), indent=2).encode() + b"\n"
    secret = "@" in str(values.get("proxy.url", ""))
    try:
        atomic_write(paths.localconfig, data, 0o600 if secret else 0o644,
                     service_owner() if secret else None)
    except OSError as error:
        raise AzcmError(codes.LOCAL_CONFIG_UPDATE_FAILED,
                        not_written(paths.localconfig), quoted=error.strerror) from None


def effective(values: dict[str, Value]) -> dict[str, Value]:
    """Every property's value as the agent applies it: stored, default, monitor overrides."""
    result = {p.name: values.get(p.name, p.default) for p in PROPERTIES}
    if result["config.mode"] == "monitor":
        result.update(_MONITOR_OVERRIDES)
    return result


def check_unlocked(prop: Property, values: dict[str, Value]) -> None:
    """In monitor mode the extension lists are Microsoft's: refuse changes with AZCM0027."""
    if prop.locked_in_monitor and values.get("config.mode") == "monitor":
        raise AzcmError(codes.CONFIG_CONFLICT, Localized(
            f"{prop.name} cannot be changed while config.mode is monitor; run 'azcmagent "
            "config set config.mode full' first.",
            f"config.mode が monitor の間は {prop.name} を変更できません。先に 'azcmagent "
            "config set config.mode full' を実行してください。",
        ))


def display(value: Value) -> str:
    """The text form used by ``config list``/``get``: ``[a b]`` lists, lower-case booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return mask_url_password(str(value))


def public(value: Value) -> Value:
    """The JSON form: native types, with any proxy password masked."""
    return mask_url_password(value) if isinstance(value, str) else value
