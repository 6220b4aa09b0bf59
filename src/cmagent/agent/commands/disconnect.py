"""``azcmagent disconnect``: delete the machine's resource (and so its identity) in Azure, then
forget the connection locally. ``--force-local-only`` forgets without calling Azure."""

from __future__ import annotations

import time
from typing import Any

from cmagent.agent import connection
from cmagent.agent import himdsclient
from cmagent.agent import log
from cmagent.agent import state
from cmagent.agent.main import Context
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized


def run(context: Context) -> Result:
    started = time.monotonic()
    saved = state.load(context.paths)
    try:
        result = _disconnect(context, saved)
    except AzcmError as error:
        _record(context, saved, error.exit_status, started)
        raise
    _record(context, saved, 0, started)
    return result


def _disconnect(context: Context, saved: dict[str, Any]) -> Result:
    if not state.connected(saved):
        raise AzcmError(63, Localized("This machine is not connected to Azure.",
                                      "このマシンは Azure に接続されていません。"))
    resource_id = str(saved["resourceId"])
    if not context.option("force-local-only"):
        _delete_in_azure(context, saved, resource_id)
    _forget(context)
    log.info("Disconnected machine from Azure")
    where = "locally only; the resource in Azure was not touched" \
        if context.option("force-local-only") else "and deleted its resource in Azure"
    return Result(f"Disconnected machine {resource_id} ({where}).",
                  {"status": "success", "resourceId": resource_id,
                   "forceLocalOnly": bool(context.option("force-local-only"))})


def _delete_in_azure(context: Context, saved: dict[str, Any], resource_id: str) -> None:
    from cmagent.wire.arm import Arm
    from cmagent.wire.arm import ArmError

    if connection.method(context) == "service-principal":
        connection.check_principal_flags(context, str(saved.get("tenantId", "")))
    himdsclient.ask(context.paths, "ping")
    http = connection.session(context, time.monotonic() + connection.DEADLINE_SECONDS)
    cloud = connection.resolve_cloud(context, context.option("cloud"), http) \
        if context.option("cloud") else connection.CloudEndpoints.from_json(saved["cloud"])
    tenant = str(context.option("tenant-id") or saved.get("tenantId", ""))
    token = connection.sign_in(context, cloud, http, tenant)
    log.info("Deleting resource %s", resource_id)
    try:
        Arm(http, cloud.arm, token, str(saved.get("correlationId", ""))) \
            .delete_machine(resource_id)
    except ArmError as error:
        if error.status == 403:
            raise AzcmError(43, f"{error.message} Grant 'Azure Connected Machine Resource "
                                "Administrator', or run 'azcmagent disconnect "
                                "--force-local-only' if the resource is gone.") from None
        raise AzcmError(63, f"Deleting {resource_id} failed: {error.message}") from None


def _forget(context: Context) -> None:
    state.clear(context.paths)
    try:
        himdsclient.ask(context.paths, "reload", timeout=10.0)
    except AzcmError:  # a stopped himds has nothing to stop; the local state is gone anyway
        log.debug("himds did not answer the reload after disconnect")


def _record(context: Context, saved: dict[str, Any], code: int, started: float) -> None:
    state.write_result(context.paths, "disconnect", code, started, {
        "resourceId": saved.get("resourceId", ""),
        "correlationId": saved.get("correlationId", ""),
        "forceLocalOnly": bool(context.option("force-local-only"))})
