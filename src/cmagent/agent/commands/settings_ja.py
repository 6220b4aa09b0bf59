"""``azcmagent config info`` under a Japanese locale: each local setting's description and
allowed values in Japanese (the JSON form keeps the English, as scripts read it)."""

from __future__ import annotations

# name: (description, allowed values)
TEXTS: dict[str, tuple[str, str]] = {
    "incomingconnections.enabled": (
        "Azure Arc 接続プラットフォーム経由のリモート アクセス (SSH、Windows Admin Center) を"
        "許可します。", "true、false"),
    "incomingconnections.ports": (
        "接続プラットフォームが中継できるローカル ポートです (例: SSH は 22、Windows Admin "
        "Center は 6516)。", "1～65535 のポート番号 (コンマ区切り)"),
    "connection.type": (
        "エージェントが Azure に接続する方法です。直接 (または proxy.url 経由)、あるいは Azure "
        "Arc ゲートウェイ経由です。", "direct、gateway"),
    "proxy.url": (
        "エージェントが使用する HTTP プロキシの URL です。HTTPS_PROXY より優先されます。",
        "http://host[:port]"),
    "proxy.bypass": (
        "プロキシを経由せずに接続するサービスです: AAD (Microsoft Entra ID)、ARM (Azure "
        "Resource Manager)、Arc (Hybrid Identity とマシン構成)、ArcData (Azure Arc 対応 SQL "
        "Server)、AMA (Azure Monitor エージェント)。", "AAD、ARM、Arc、ArcData、AMA"),
    "extensions.allowlist": (
        "空でない場合、ここに挙げた拡張機能だけをインストール、更新、アップグレードできます。"
        "'Allow/None' はどれも許可しません。", "Publisher/Type の値、または Allow/None"),
    "extensions.blocklist": (
        "インストール、更新、アップグレードを禁止する拡張機能です。", "Publisher/Type の値"),
    "guestconfiguration.enabled": (
        "マシン構成 (Azure Policy) エージェントを実行します。", "true、false"),
    "extensions.enabled": ("拡張機能マネージャーを実行します。", "true、false"),
    "config.mode": (
        "full: すべての機能を使用できます。monitor: 監視とセキュリティの拡張機能のみで、リモート"
        "接続とマシン構成は使用できません。", "full、monitor"),
    "guestconfiguration.agent.cpulimit": (
        "マシン構成サービスの CPU 使用率の上限 (パーセント) です。", "1～100"),
    "extensions.agent.cpulimit": (
        "拡張機能マネージャーの CPU 使用率の上限 (パーセント) です。", "1～100"),
}
