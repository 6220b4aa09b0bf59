"""What a failed or interrupted connect leaves in Azure, found out rather than assumed.

Once the create request was sent, its outcome may be unknown (Ctrl+C or a timeout while it was
in flight): the resource is read back, and deleted when it is ours (our vmId). The sentence
added to the error says what happened; ``left_behind`` is True only when a resource of ours is
really left, None when that could not be found out (the sentence then names the one command that
cleans up).
"""

from __future__ import annotations

from typing import Any

from cmagent.agent import log
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.machine import channel
from cmagent.machine import connection
from cmagent.machine.paths import Paths
from cmagent.wire.arm import Arm
from cmagent.wire.arm import ArmError


class Undo:
    def __init__(self) -> None:
        self.sentence: Localized | None = None
        self.left_behind: bool | None = False
        self.deleted = False


def undo_create(arm: Arm, resource_id: str, vm_id: str, created: bool) -> Undo:
    """Delete the resource this run created, or may have created (``created`` False: the
    create request's answer never arrived)."""
    outcome = Undo()
    cleanup = f"az resource delete --ids {resource_id}"
    try:
        if not created and not _ours(arm.machine(resource_id), vm_id):
            return outcome
        _delete(arm, resource_id, vm_id)
    except ArmError as error:
        log.error(Localized("Could not delete %s: %s", "%s を削除できませんでした: %s"),
                  resource_id, error.message)
        outcome.left_behind = True if created else None
        outcome.sentence = _not_deleted(resource_id, created, error.code or "", cleanup)
        return outcome
    except Exception:  # (an answer nobody foresaw must not hide what may be left)
        log.exception(f"Could not delete {resource_id}")
        outcome.left_behind = True if created else None
        outcome.sentence = _not_deleted(resource_id, created, "", cleanup)
        return outcome
    except KeyboardInterrupt:
        outcome.left_behind = None
        outcome.sentence = Localized(
            f"Interrupted while deleting {resource_id}: if it exists, delete it with: {cleanup}",
            f"{resource_id} の削除中に中断されました。存在する場合は次のコマンドで削除して"
            f"ください: {cleanup}")
        return outcome
    log.info(Localized(f"Deleted {resource_id}, created by this run",
                       f"この実行で作成した {resource_id} を削除しました"))
    outcome.deleted = True
    outcome.sentence = Localized(
        f"The resource {resource_id} created by this run was deleted again.",
        f"この実行で作成したリソース {resource_id} は削除しました。")
    return outcome


def clear_earlier(arm: Arm, resource_id: str, existing: dict[str, Any]) -> bool:
    """Delete the resource an unfinished earlier connect of this machine left under the name
    (its vmId is in this machine's result file: no other machine holds its identity, whose
    key was lost with that run); False when it cannot be (the onboarding role may not
    delete), and the caller says what to do."""
    properties = existing.get("properties") or {}
    if properties.get("status") != "AwaitingConnection":  # its identity was used since (a
        return False  # run killed after it saved the connection, then kept by --force-local-only)
    vm_id = str(properties.get("vmId", ""))
    try:
        _delete(arm, resource_id, vm_id)
    except ArmError as error:
        log.info(Localized("%s, left by an earlier unfinished connect, could not be deleted: %s",
                           "以前の完了していない connect が残した %s を削除できませんでした: %s"),
                 resource_id, error.message)
        return False
    log.info(Localized("Deleted %s, left by an earlier connect of this machine that did not "
                       "finish", "このマシンの以前の完了していない connect が残した %s を削除"
                       "しました"), resource_id)
    return True


def _delete(arm: Arm, resource_id: str, vm_id: str) -> None:
    """Delete the resource; when the answer is lost (a timeout: the cloud may have carried it
    out), read it back before calling it left."""
    try:
        arm.delete_machine(resource_id)
    except ArmError as error:
        unsure = error.network or error.code == "InvalidResponse"  # (it may have been done)
        if not unsure or _still_ours(arm, resource_id, vm_id):
            raise
        log.info(Localized("The delete's answer was lost, but %s is gone",
                           "削除の応答は失われましたが、%s は削除されています"), resource_id)


def _still_ours(arm: Arm, resource_id: str, vm_id: str) -> bool:
    """Whether the resource is still there and ours (True when that cannot be read either)."""
    try:
        return _ours(arm.machine(resource_id), vm_id)
    except ArmError:
        return True


def forget_connection(paths: Paths) -> None:
    """The connection's files removed (AzcmError when they cannot be), then himds told, so
    that it neither heartbeats for nor describes a resource that is gone; a himds that does not
    answer has nothing to forget."""
    connection.clear(paths)
    try:
        channel.ask(paths, channel.RELOAD, timeout=10.0)
    except AzcmError:
        log.debug("himds did not answer the reload after the connection was removed")


def _not_deleted(resource_id: str, created: bool, code: str, cleanup: str) -> Localized:
    tag = f" ({code})" if code else ""
    if created:
        return Localized(
            f"The resource {resource_id} was created but could not be deleted{tag}; delete it "
            f"with: {cleanup}",
            f"リソース {resource_id} は作成されましたが削除できませんでした{tag}。次のコマンドで"
            f"削除してください: {cleanup}")
    return Localized(
        f"The resource {resource_id} may have been created but could not be deleted{tag}; "
        f"delete it with: {cleanup}",
        f"リソース {resource_id} が作成された可能性がありますが、削除できませんでした{tag}。"
        f"次のコマンドで削除してください: {cleanup}")


def _ours(machine: dict[str, Any] | None, vm_id: str) -> bool:
    properties = (machine or {}).get("properties") or {}
    return str(properties.get("vmId", "")).lower() == vm_id.lower()


def unfinished(earlier: dict[str, Any]) -> list[dict[str, Any]]:
    """What earlier connects of this machine may have left in Azure, as the last record
    says: that run's resource when it did not finish or could not delete it, and what that
    run carried from the ones before it (a run that failed early must not lose the trace)."""
    carried = earlier.get("earlierUnfinished")
    found = [left for left in (carried if isinstance(carried, list) else [carried])
             if isinstance(left, dict) and left.get("vmId") and left.get("resourceId")]
    own = earlier.get("status") == "running" or earlier.get("resourceLeftBehind") is not False
    if own and earlier.get("vmId") and earlier.get("resourceId"):
        found.append({key: earlier.get(key) for key in ("resourceId", "vmId", "startedAt")})
    return list({str(left["vmId"]).lower(): left for left in found}.values())


def earlier_run_sentence(existing: dict[str, Any], earlier: dict[str, Any]) -> Localized | None:
    """When the resource that blocks this connect was made by an unfinished earlier connect of
    this machine (its vmId in the result file), say so and how to clean up."""
    left = next((left for left in unfinished(earlier) if _ours(existing, str(left["vmId"]))),
                None)
    if left is None:
        return None
    resource_id = str(existing.get("id") or left.get("resourceId", ""))
    started = left.get("startedAt") or "?"
    return Localized(
        f"An earlier connect of this machine (started {started}) created it and did not "
        f"finish; delete it with: az resource delete --ids {resource_id}, then connect again.",
        f"このマシンの以前の connect ({started} 開始) が作成し、完了していません。"
        f"az resource delete --ids {resource_id} で削除してから、もう一度接続してください。")


def leftover_sentence(earlier: dict[str, Any]) -> Localized | None:
    """For a machine that is not connected: the resources unfinished connects may have left."""
    left = unfinished(earlier)
    if not left:
        return None
    each = [_may_be_left(str(one.get("resourceId")), str(one.get("startedAt") or "?"))
            for one in left]
    # spaced in Japanese too: each ends in a resource id, which must not run into the next
    return Localized(" ".join(one.en for one in each), " ".join(one.ja for one in each))


def _may_be_left(resource_id: str, started: str) -> Localized:
    return Localized(
        f"An earlier connect (started {started}) did not finish and may have left "
        f"{resource_id} in Azure; if it exists, delete it with: az resource delete --ids "
        f"{resource_id}",  # no full stop: a copied command would take it into the id
        f"以前に実行した 'azcmagent connect' ({started} 開始) が完了しておらず、Azure に "
        f"{resource_id} が残っている可能性があります。存在する場合は次のコマンドで削除して"
        f"ください: az resource delete --ids {resource_id}")
