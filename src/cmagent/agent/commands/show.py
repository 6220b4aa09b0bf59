"""``azcmagent show``: the connection and the agent's status, for people and for scripts.
Works without root; correct on a machine that was never connected. JSON keys are documented in
docs/show-fields.md."""

from __future__ import annotations

import os
from typing import Any

from cmagent import __version__
from cmagent.agent import log
from cmagent.agent.main import Context
from cmagent.agent.options import ShowOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine import channel
from cmagent.machine import clones
from cmagent.machine import connection
from cmagent.machine import heartbeats
from cmagent.machine import hostinfo
from cmagent.machine.connection import Connection
from cmagent.machine.files import timestamp
from cmagent.machine.redact import mask_url_password

# (display name, JSON key), in the real agent's order.
FIELDS = (
    ("Resource Name", "resourceName"), ("Resource Group Name", "resourceGroup"),
    ("Resource Namespace", "resourceNamespace"), ("Resource Id", "resourceId"),
    ("Subscription ID", "subscriptionId"), ("Tenant ID", "tenantId"), ("VM ID", "vmId"),
    ("Correlation ID", "correlationId"), ("VM UUID", "vmUuid"), ("Location", "location"),
    ("Cloud", "cloud"), ("Identity Key Store", "identityKeyStore"),
    ("Agent Version", "agentVersion"), ("Agent Logfile", "agentLogfile"),
    ("Agent Status", "status"), ("Agent Last Heartbeat", "lastHeartbeat"),
    ("Agent Error Code", "errorCode"), ("Agent Error Details", "errorDetails"),
    ("Agent Error Timestamp", "errorTimestamp"), ("Using HTTPS Proxy", "httpsProxy"),
    ("Proxy Bypass List", "proxyBypassList"), ("Upstream Proxy", "upstreamProxy"),
    ("Gateway URL", "gatewayUrl"), ("Cloud Provider", "cloudProvider"),
    ("Manufacturer", "manufacturer"), ("Model", "model"),
    ("MSSQL Server Detected", "mssqlDetected"), ("MySQL Server Detected", "mysqlDetected"),
    ("PGSQL Server Detected", "pgsqlDetected"),
    ("Portal Page", "portalPage"), ("Disabled Features", "disabledFeatures"),
    ("Agent Auto Upgrade Task Status", "autoUpgradeTaskStatus"),
)
SERVICES = (("Agent Service (himdsd)", "himdsd"), ("Azure Arc Proxy (arcproxyd)", "arcproxyd"),
            ("Extension Service (extd)", "extd"), ("GC Service (gcad)", "gcad"))
OS_FIELDS = (("OS Name", "osName"), ("OS Version", "osVersion"), ("OS Kernel", "osKernel"))


def run(context: Context[ShowOptions]) -> Result:
    saved = connection.load(context.paths)
    service = channel.status(context.paths) if saved is not None or \
        os.path.exists(context.paths.himds_socket) else None
    values = _values(context, saved, service)
    wanted = list(context.options.property)
    fields = _selected(wanted, FIELDS + (OS_FIELDS if context.options.os else ()))
    data = {key: values.get(key, "") for _, key in fields}
    if not wanted:
        data["services"] = values["services"]
    return Result(_text(fields, values, with_services=not wanted), data)


def _selected(wanted: list[str], fields: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    if not wanted:
        return list(fields)
    chosen = []
    for name in wanted:
        match = next((f for f in fields if name.lower() in (f[0].lower(), f[1].lower())), None)
        if match is None:
            raise AzcmError(codes.INVALID_ARGUMENT, Localized(
                f"'{name}' is not a property of show; use a display name or a JSON key from "
                "'azcmagent show --json'.",
                f"'{name}' は show のプロパティではありません。表示名か、'azcmagent show --json' "
                "の JSON キーを指定してください。"), remedy="unknown-name")
        chosen.append(match)
    return chosen


def _values(context: Context[ShowOptions], saved: Connection | None,
            service: dict[str, Any] | None) -> dict[str, Any]:
    connected = saved is not None
    values: dict[str, Any] = _connection_values(saved)
    values.update({
        "vmUuid": hostinfo.read(hostinfo.PRODUCT_UUID),
        "identityKeyStore": "Default", "agentVersion": __version__,
        "agentLogfile": os.path.join(context.paths.log_dir, "himds.log"),
        "cloudProvider": "N/A", "manufacturer": hostinfo.read("/sys/class/dmi/id/sys_vendor"),
        "model": hostinfo.read("/sys/class/dmi/id/product_name"), "mssqlDetected": "false",
        "mysqlDetected": "false", "pgsqlDetected": "false", "disabledFeatures": "",
        "autoUpgradeTaskStatus": "disabled", "upstreamProxy": "", "gatewayUrl": "",
    })
    values.update(_agent_status(connected, service))
    if saved is not None and not values["lastHeartbeat"]:  # himds stopped, or none accepted
        # since it started: its last word on disk
        values["lastHeartbeat"] = heartbeats.last(context.paths, saved.vm_id)
    values.update(_copy_status(saved, context.env.lang))
    if saved is not None and saved.identity.expired(timestamp()):
        values.update({"status": "Expired", "errorCode": "AZCM0081", "errorDetails":
                       "The identity certificate has expired: run 'azcmagent disconnect' "
                       "then 'azcmagent connect' to onboard the machine again."})
    values.update(_proxy(context))
    values.update(_os())
    values["services"] = {key: "active" if key == "himdsd" and service else "inactive"
                          for _, key in SERVICES}
    return values


def _connection_values(saved: Connection | None) -> dict[str, str]:
    if saved is None:
        return dict.fromkeys(("resourceName", "resourceGroup", "resourceId", "subscriptionId",
                              "tenantId", "vmId", "correlationId", "location", "cloud",
                              "resourceNamespace", "portalPage"), "")
    return {"resourceName": saved.resource_name, "resourceGroup": saved.resource_group,
            "resourceId": saved.resource_id, "subscriptionId": saved.subscription_id,
            "tenantId": saved.tenant_id, "vmId": saved.vm_id,
            "correlationId": saved.correlation_id, "location": saved.location,
            "cloud": saved.cloud.name, "resourceNamespace": "Microsoft.HybridCompute",
            "portalPage": saved.portal_page}


def _agent_status(connected: bool, service: dict[str, Any] | None) -> dict[str, str]:
    if not connected:
        return {"status": "Disconnected", "lastHeartbeat": "", "errorCode": "",
                "errorDetails": "", "errorTimestamp": ""}
    if service is None:
        return {"status": "Disconnected", "lastHeartbeat": "", "errorCode": "AZCM0064",
                "errorDetails": "The agent service (himds) is not running.",
                "errorTimestamp": ""}
    error = service.get("error") or {}
    return {"status": str(service.get("status", "Disconnected")),
            "lastHeartbeat": str(service.get("lastHeartbeat") or ""),
            "errorCode": str(error.get("code", "")), "errorDetails": str(error.get("message", "")),
            "errorTimestamp": str(error.get("time", ""))}


def _copy_status(saved: Connection | None, lang: str) -> dict[str, str]:
    """On a copy of a connected machine, say so whatever himds reports (it may not run)."""
    differing = clones.copied(saved.fingerprint) if saved is not None else []
    if saved is None or not differing:
        return {}
    sentence = clones.copy_sentence(saved.resource_id, differing)
    log.warning(sentence)
    return {"status": "Error", "errorCode": clones.CODE, "errorDetails": sentence.pick(lang),
            "lastHeartbeat": ""}


def _proxy(context: Context[ShowOptions]) -> dict[str, str]:
    values = context.settings()
    url = str(values["proxy.url"] or context.env.environ.get("HTTPS_PROXY")
              or context.env.environ.get("https_proxy") or "")
    return {"httpsProxy": mask_url_password(url),
            "proxyBypassList": ",".join(str(k) for k in values["proxy.bypass"])}  # type: ignore[union-attr]


def _os() -> dict[str, str]:
    release = hostinfo.os_release()
    return {"osName": release.get("NAME", "Linux"), "osVersion": release.get("VERSION_ID", ""),
            "osKernel": os.uname().release}


def _text(fields: list[tuple[str, str]], values: dict[str, Any], with_services: bool) -> str:
    # An empty value still ends in ": " (sed 's/^[^:]*: //' must leave it empty)
    lines = [f"{name:<40}: {values.get(key, '')}" for name, key in fields]
    if with_services:
        lines.append("Dependent Service Status")
        lines += [f"  {name:<38}: {values['services'][key]}" for name, key in SERVICES]
    return "\n".join(lines)
