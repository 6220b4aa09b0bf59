"""A machine whose disk was copied to another machine (a cloned VM, an image made from a
connected server): the copy carries the original's identity. ``connect`` records what makes
this host itself; ``himds`` and ``show`` compare it on every start and heartbeat. A different
machine-id, or a different SMBIOS UUID where both are readable, means a copy; a new host name
alone is a renamed machine, not a copy.
"""

from __future__ import annotations

from collections.abc import Mapping

from cmagent.errors import Localized
from cmagent.machine import hostinfo

CODE = "DuplicateMachineIdentity"  # the cloud's code for two hosts heartbeating as one
_IDENTIFYING = ("machineId", "productUuid")


def facts() -> dict[str, str]:
    """What connect records (``machineFingerprint`` in agentconfig.json)."""
    return {"machineId": hostinfo.read(hostinfo.MACHINE_ID),
            "productUuid": hostinfo.read(hostinfo.PRODUCT_UUID).lower(),
            "hostname": hostinfo.hostname()}


def copied(recorded: Mapping[str, str]) -> list[str]:
    """The identifying facts that differ from the recorded ones (empty: this is the host that
    connected, or nothing was recorded)."""
    current = facts()
    return [key for key in _IDENTIFYING
            if recorded.get(key) and current[key] and recorded[key] != current[key]]


def copy_sentence(resource_id: str, differing: list[str]) -> Localized:
    names = ", ".join({"machineId": "machine-id", "productUuid": "SMBIOS UUID"}[k]
                      for k in differing)
    return Localized(
        f"This machine appears to be a copy of {resource_id} (its {names} differs from the "
        "one recorded at connect), so it sends no heartbeat and serves no token with the "
        "copied identity. Run "
        "'azcmagent disconnect --force-local-only', then connect it as its own resource.",
        f"このマシンは {resource_id} のコピーと思われます ({names} が接続時に記録したものと"
        "異なります)。そのため、コピーされた ID ではハートビートの送信もトークンの発行も"
        "行いません。'azcmagent "
        "disconnect --force-local-only' を実行してから、独自のリソースとして接続してください。")


def shared_identity_sentence(resource_id: str) -> Localized:
    """What the cloud's refusal of a second host's heartbeat means, said on that host."""
    return Localized(
        f"Azure receives heartbeats for {resource_id} from more than one host: this machine "
        "or another one is a copy (a copied disk or image). On the copy, run 'azcmagent "
        "disconnect --force-local-only', then connect it as its own resource.",
        f"Azure は {resource_id} のハートビートを複数のホストから受信しています。このマシン"
        "または別のマシンがコピー (ディスクやイメージの複製) です。コピー側で 'azcmagent "
        "disconnect --force-local-only' を実行してから、独自のリソースとして接続してください。")
