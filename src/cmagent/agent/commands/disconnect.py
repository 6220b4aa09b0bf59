"""``azcmagent disconnect``: delete the machine's resource (and so its identity) in Azure, then
forget the connection locally. ``--force-local-only`` forgets without calling Azure, and always
brings the machine back to a clean local state, even when its connection files are damaged."""

from __future__ import annotations

import time

from cmagent.agent import azure
from cmagent.agent import log
from cmagent.agent import results
from cmagent.agent.main import Context
from cmagent.agent.options import DisconnectOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine import channel
from cmagent.machine import connection
from cmagent.machine import lock
from cmagent.machine.connection import Connection
from cmagent.wire.arm import Arm
from cmagent.wire.arm import ArmError


def run(context: Context[DisconnectOptions]) -> Result:
    started = time.monotonic()
    with lock.exclusive(context.paths, "disconnect"):
        results.started(context.paths, "disconnect",
                        {"forceLocalOnly": context.options.force_local_only})
        saved: Connection | None = None
        try:
            saved, damage = _saved(context)
            local_only = context.options.force_local_only
            result = _cleaned(context, damage) if local_only and saved is None \
                else _disconnect(context, saved)
        except AzcmError as error:
            _record(context, saved, error.exit_status, started)
            raise
        _record(context, saved, codes.SUCCESS, started)
        return result


def _saved(context: Context[DisconnectOptions]) -> tuple[Connection | None, AzcmError | None]:
    """The connection, and what is wrong with its files when --force-local-only meets damaged
    ones (the one case where damage does not stop the command)."""
    try:
        return connection.load(context.paths), None
    except AzcmError as error:
        if not context.options.force_local_only:
            raise
        return None, error


def _cleaned(context: Context[DisconnectOptions], damage: AzcmError | None) -> Result:
    """--force-local-only without a readable connection: whatever is left goes."""
    _forget(context)
    if damage:
        log.warning(Localized(  # the why alone: damage's text says to run this very command
            f"Removed the damaged connection files ({damage.quoted})",
            f"壊れた接続ファイルを削除しました ({damage.quoted})"))
        text = Localized(
            "Removed this machine's damaged connection files; it is disconnected locally (any "
            "resource in Azure was not touched).",
            "このマシンの壊れた接続ファイルを削除しました。ローカルで切断されています (Azure の"
            "リソースには変更を加えていません)。")
    else:
        text = Localized("This machine was not connected; its local connection state is clean.",
                         "このマシンは接続されていませんでした。ローカルに接続情報は残っていません。")
    return Result(text.pick(context.env.lang), {
        "status": "success", "resourceId": "", "forceLocalOnly": True,
        "damagedFilesRemoved": bool(damage)})


def _disconnect(context: Context[DisconnectOptions], saved: Connection | None) -> Result:
    if saved is None:
        raise AzcmError(codes.DISCONNECT_FAILED, Localized(
            "This machine is not connected to Azure.",
            "このマシンは Azure に接続されていません。"), remedy="not-connected")
    local_only = context.options.force_local_only
    if not local_only:
        _delete_in_azure(context, saved)
    _forget(context)
    log.info(Localized("Disconnected machine from Azure", "マシンを Azure から切断しました"))
    resource = saved.resource_id
    done = Localized(
        f"Disconnected machine {resource} (locally only; the resource in Azure was not "
        "touched).",
        f"マシン {resource} を切断しました (ローカルのみ。Azure のリソースには変更を加えて"
        "いません)。") if local_only else Localized(
        f"Disconnected machine {resource} (and deleted its resource in Azure).",
        f"マシン {resource} を切断し、Azure のリソースを削除しました。")
    return Result(done.pick(context.env.lang),
                  {"status": "success", "resourceId": saved.resource_id,
                   "forceLocalOnly": local_only})


def _delete_in_azure(context: Context[DisconnectOptions], saved: Connection) -> None:
    if azure.method(context) == "service-principal":
        azure.check_principal_flags(context, saved.tenant_id)
    channel.ask(context.paths, channel.PING)
    http = azure.session(context, time.monotonic() + azure.DEADLINE_SECONDS)
    given_cloud = context.options.cloud
    cloud = azure.resolve_cloud(given_cloud, http) if given_cloud else saved.cloud
    token = azure.sign_in(context, cloud, http, context.options.tenant_id or saved.tenant_id)
    log.info(Localized("Deleting resource %s", "リソース %s を削除しています"), saved.resource_id)
    try:
        Arm(http, cloud.arm, token, saved.correlation_id).delete_machine(saved.resource_id)
    except ArmError as error:
        if error.status == 401:
            raise azure.token_refused(error) from None
        if error.status == 403:
            raise AzcmError(codes.DELETE_RESOURCE_FAILED, Localized(
                f"Azure Resource Manager refused to delete {saved.resource_id}.",
                f"Azure Resource Manager が {saved.resource_id} の削除を拒否しました。"),
                quoted=error.message) from None
        raise AzcmError(codes.DISCONNECT_FAILED, Localized(
            f"Deleting {saved.resource_id} failed.",
            f"{saved.resource_id} を削除できませんでした。"),
            quoted=error.message) from None


def _forget(context: Context[DisconnectOptions]) -> None:
    connection.clear(context.paths)
    try:
        channel.ask(context.paths, channel.RELOAD, timeout=10.0)
    except AzcmError:  # a stopped himds has nothing to stop; the local state is gone anyway
        log.debug("himds did not answer the reload after disconnect")


def _record(context: Context[DisconnectOptions], saved: Connection | None, code: int,
            started: float) -> None:
    results.write(context.paths, "disconnect", code, started, {
        "resourceId": saved.resource_id if saved else "",
        "correlationId": saved.correlation_id if saved else "",
        "forceLocalOnly": context.options.force_local_only})
