"""The steps of connect, and of the Hybrid Identity Service's certificate flow, in words: a
step's id ('providers') is what result files and scripts read; people are told what it did."""

from __future__ import annotations

from cmagent.errors import Localized

_STEPS = {
    "state": ("checking the machine's state", "マシンの状態の確認"),
    "himds": ("checking the agent service", "エージェント サービスの確認"),
    "cloud": ("finding the cloud's endpoints", "クラウドのエンドポイントの取得"),
    "authenticate": ("signing in", "サインイン"),
    "network-check": ("checking the network", "ネットワークの確認"),
    "subscription": ("finding the subscription", "サブスクリプションの確認"),
    "providers": ("checking the resource providers", "リソース プロバイダーの確認"),
    "resource-group": ("checking the resource group", "リソース グループの確認"),
    "rsa-key": ("making the machine's key", "マシン キーの作成"),
    "resource-exists": ("looking for an existing resource", "既存のリソースの確認"),
    "create": ("creating the resource in Azure", "Azure でのリソースの作成"),
    "identity-certificate": ("getting the identity certificate", "ID 証明書の取得"),
    "local-configuration": ("saving the connection on this machine",
                            "このマシンへの接続情報の保存"),
    "challenge": ("proving possession of the machine's key", "マシン キーの所有の証明"),
    "certificate": ("downloading the identity certificate", "ID 証明書のダウンロード"),
}


def named(step: str) -> Localized:
    """``'providers' (checking the resource providers)``; the bare id for a step not listed."""
    words = _STEPS.get(step)
    if words is None:
        return Localized(f"'{step}'", f"'{step}'")
    return Localized(f"'{step}' ({words[0]})", f"'{step}' ({words[1]})")
