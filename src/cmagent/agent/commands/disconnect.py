"""``azcmagent disconnect``: delete the machine's resource (and so its identity) in Azure, then
forget the connection locally. ``--force-local-only`` forgets without calling Azure, and always
brings the machine back to a clean local state, even when its connection files are damaged."""

from __future__ import annotations

import time

from cmagent.agent import azure
from cmagent.agent import log
from cmagent.agent import results
from cmagent.agent.commands import connect_undo
from cmagent.agent.main import Context
from cmagent.agent.options import DisconnectOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.errors import joined
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
        except KeyboardInterrupt:  # (Ctrl+C, SIGTERM: the record must not stay 'running')
            _record(context, saved, codes.CANCELLED, started)
            raise
        except Exception:
            _record(context, saved, codes.UNKNOWN, started)
            raise
        _record(context, saved, codes.SUCCESS, started, result.data.get("resourceInAzure"))
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
        left = connect_undo.leftover_sentence(results.previous(context.paths, "connect"))
        raise AzcmError(codes.DISCONNECT_FAILED, joined(Localized(
            "This machine is not connected to Azure.",
            "このマシンは Azure に接続されていません。"), left),
            remedy="not-connected-left" if left else "not-connected")
    local_only = context.options.force_local_only
    in_azure = UNTOUCHED if local_only else _delete_in_azure(context, saved)
    _forget(context)
    log.info(Localized("Disconnected machine from Azure", "マシンを Azure から切断しました"))
    return Result(_done(saved.resource_id, in_azure).pick(context.env.lang),
                  {"status": "success", "resourceId": saved.resource_id,
                   "forceLocalOnly": local_only, "resourceInAzure": in_azure})


# What became of the resource in Azure (``resourceInAzure`` of --json)
DELETED, ABSENT, OTHER_MACHINE, UNTOUCHED = "deleted", "absent", "otherMachine", "untouched"
OURS = "ours"  # (still this machine's: to be deleted)


def _done(resource: str, in_azure: str) -> Localized:
    return {
        DELETED: Localized(
            f"Disconnected machine {resource} (and deleted its resource in Azure).",
            f"マシン {resource} を切断し、Azure のリソースを削除しました。"),
        ABSENT: Localized(
            f"Disconnected machine {resource} (its resource in Azure was already deleted).",
            f"マシン {resource} を切断しました (Azure のリソースは既に削除されていました)。"),
        OTHER_MACHINE: Localized(
            f"Disconnected machine {resource} locally. The resource of that name in Azure now "
            "belongs to another machine (another vmId) and was left as it is.",
            f"マシン {resource} をローカルで切断しました。Azure にある同じ名前のリソースは現在"
            "別のマシン (別の vmId) のものなので、変更していません。"),
        UNTOUCHED: Localized(
            f"Disconnected machine {resource} (locally only; the resource in Azure was not "
            "touched).",
            f"マシン {resource} を切断しました (ローカルのみ。Azure のリソースには変更を加えて"
            "いません)。")}[in_azure]


def _delete_in_azure(context: Context[DisconnectOptions], saved: Connection) -> str:
    """The resource deleted, when it is still this machine's (see ``_owner``)."""
    if azure.method(context) == "service-principal":
        azure.check_principal_flags(context, saved.tenant_id)
    channel.ask(context.paths, channel.PING)
    http = azure.session(context, time.monotonic() + azure.DEADLINE_SECONDS)
    given_cloud = context.options.cloud
    cloud = azure.resolve_cloud(given_cloud, http) if given_cloud else saved.cloud
    token = azure.sign_in(context, cloud, http, context.options.tenant_id or saved.tenant_id)
    arm = Arm(http, cloud.arm, token, saved.correlation_id)
    try:
        owner = _owner(arm, saved)
        if owner != OURS:
            return owner
        log.info(Localized("Deleting resource %s", "リソース %s を削除しています"),
                 saved.resource_id)
        arm.delete_machine(saved.resource_id)
        return DELETED
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


def _owner(arm: Arm, saved: Connection) -> str:
    """ABSENT or OTHER_MACHINE when there is nothing of ours to delete: a machine of the same
    name that connected after this one's resource was deleted must keep its resource. Else
    OURS. A read that fails raises (ArmError): what cannot be checked is not deleted."""
    machine = arm.machine(saved.resource_id)
    if machine is None:
        return ABSENT
    vm_id = str(((machine.get("properties") or {}).get("vmId")) or "")
    if vm_id.lower() != saved.vm_id.lower():  # (one without a vmId is not this machine's)
        log.warning(Localized(
            "%s now belongs to another machine (vmId %s, this machine's is %s); not deleting it",
            "%s は現在別のマシンのものです (vmId %s、このマシンは %s)。削除しません"),
            saved.resource_id, vm_id, saved.vm_id)
        return OTHER_MACHINE
    return OURS


def _forget(context: Context[DisconnectOptions]) -> None:
    connect_undo.forget_connection(context.paths)


def _record(context: Context[DisconnectOptions], saved: Connection | None, code: int,
            started: float, in_azure: str | None = None) -> None:
    results.write(context.paths, "disconnect", code, started, {
        "resourceId": saved.resource_id if saved else "",
        "correlationId": saved.correlation_id if saved else "",
        "forceLocalOnly": context.options.force_local_only,
        **({"resourceInAzure": in_azure} if in_azure else {})})
