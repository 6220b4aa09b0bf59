"""Variants of a code's cause and remedy: where one code arises in situations that need other
words, the raising code names the variant that fits what just happened
(``AzcmError(..., remedy="...")``) and its texts replace the catalogue's. ``{name}`` in a text is
filled from the error's facts (its JSON extras). Listed in docs/errors.md under their code.
"""

from __future__ import annotations

from cmagent.errors import Localized


class Variant:
    __slots__ = ("cause", "remedy")

    def __init__(self, remedy: Localized, cause: Localized | None = None) -> None:
        self.remedy = remedy
        self.cause = cause


VARIANTS: dict[tuple[int, str], Variant] = {
    (12, "other-cloud"): Variant(Localized(
        "Get a new token for {resource} (for example with 'az account get-access-token "
        "--resource {resource}') and try again.",
        "{resource} 用の新しいトークンを取得して (例: 'az account get-access-token --resource "
        "{resource}')、もう一度実行してください。")),
    (63, "not-connected"): Variant(Localized(
        "Nothing needs to be done. To onboard this machine, run 'azcmagent connect'.",
        "対処は不要です。このマシンをオンボードするには 'azcmagent connect' を実行してください。"),
        cause=Localized(
            "The machine has no connection to disconnect: it was never connected, or it was "
            "disconnected before.",
            "切断する接続がありません。このマシンは接続されたことがないか、既に切断されて"
            "います。")),
    (26, "in-check"): Variant(Localized(
        "Remove what blocks each endpoint listed as blocked (name resolution, route, proxy, TLS "
        "inspection), then run the check again; with a private link scope, add "
        "--enable-pls-check.",
        "遮断されていると示された各エンドポイントについて、原因 (名前解決、経路、プロキシ、TLS "
        "インスペクション) を取り除いてから、もう一度 check を実行してください。プライベート "
        "リンク スコープを使用する場合は --enable-pls-check を付けます。")),
    (75, "cloud-given"): Variant(Localized(
        "Check the value given to --cloud: AzureCloud, AzureUSGovernment, AzureChinaCloud, or "
        "the https URL of a cloud that answers /metadata/endpoints, reachable from this machine.",
        "--cloud に指定した値を確認してください。AzureCloud、AzureUSGovernment、AzureChinaCloud、"
        "または /metadata/endpoints に応答し、このマシンから接続できるクラウドの https URL を指定"
        "します。")),
    (105, "resource-deleted"): Variant(Localized(
        "The resource this run created was deleted again and the machine is as it was: make "
        "sure the Hybrid Identity Service endpoint (*.his.arc.azure.com) is reachable "
        "('azcmagent check'), then run 'azcmagent connect' again.",
        "この実行で作成したリソースは削除済みで、マシンも元の状態のままです。Hybrid Identity "
        "Service のエンドポイント (*.his.arc.azure.com) に接続できることを 'azcmagent check' で"
        "確認してから、もう一度 'azcmagent connect' を実行してください。")),
}


def variant(code: int, name: str) -> Variant:
    return VARIANTS[(code, name)]
