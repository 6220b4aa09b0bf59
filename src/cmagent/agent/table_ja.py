"""The Japanese help: every text of the command table (``table``), in Japanese.

Imported only when help is shown under a Japanese locale, so no other run pays for it. Keys are
command paths ("" is azcmagent itself, then "config set"...) and flag or argument names; a flag
whose English help differs between commands (``location``, ``cloud``) is keyed by
"<command path> <name>". Terms follow Microsoft's Japanese documentation of the agent: リソース
グループ, サービス プリンシパル, マネージド ID, 詳細ログ, エージェント サービス (himds)...;
flag names, metavars, property names, codes and example command lines stay as they are.
"""

from __future__ import annotations

from cmagent.agent.cli import Command
from cmagent.agent.cli import HelpTexts
from cmagent.agent.cli import Option
from cmagent.agent.cli import Positional
from cmagent.agent.cli import WideHelpFormatter

# argparse's words and ours around the table's texts (argparse adds the ":" after a group title).
HEADINGS = {
    "usage: ": "使用法: ",
    "positional arguments": "位置引数",
    "Flags": "フラグ",
    "Common flags": "共通フラグ",
    "Help": "ヘルプ",
    "Commands:": "コマンド:",
    "Examples:": "例:",
    "Show help for this command.": "このコマンドのヘルプを表示します。",
}

# path → (summary, description); the description is "" where the English has none.
COMMANDS: dict[str, tuple[str, str]] = {
    "": (
        "Azure Connected Machine エージェントです。",
        "azcmagent は、このサーバーを Azure Arc のコントロール プレーンに接続し、エージェントの"
        "ローカルの状態を管理します。各コマンドの構文については、'azcmagent <command> --help' を"
        "実行してください。",
    ),
    "check": (
        "エージェントが必要とするエンドポイントへの接続を確認します。",
        "選択したクラウドとリージョンでこのマシンが必要とするすべてのエンドポイントを、"
        "エージェントと同じプロキシと信頼ストアを経由して、層ごと (名前解決、TCP または"
        "プロキシ経由の CONNECT、TLS、HTTP) にテストし、失敗したエンドポイントについては"
        "何が妨げているかを示します。必要なエンドポイントにすべて到達できる場合は 0、"
        "それ以外の場合は 26 (AZCM0026) で終了します。"
        "省略可能なエンドポイントによって実行が失敗することはありません。",
    ),
    "config": (
        "エージェントのローカル設定を管理します。",
        "エージェントのローカル設定 (プロキシ、拡張機能の許可リストとブロック リスト、エージェント "
        "モードなど) を読み取り、変更します。設定はこのマシンにのみ保存され、マシンを接続する前にも"
        "設定できます。各プロパティの説明は 'azcmagent config info' で確認できます。",
    ),
    "config list": ("すべてのローカル設定とその現在の値を一覧表示します。", ""),
    "config get": ("1 つのローカル設定の値を表示します。", ""),
    "config set": (
        "1 つのローカル設定の値を変更します。",
        "ローカル設定を変更します。複数の値を取る設定では、--add または --remove を使用しない限り、"
        "指定したコンマ区切りのリストで現在のリストが置き換えられます。",
    ),
    "config clear": ("1 つのローカル設定を既定値に戻します。", ""),
    "config info": ("ローカル設定と、それぞれが受け付ける値を説明します。", ""),
    "connect": (
        "このサーバーを Azure Arc に接続します。",
        "このマシンの Azure Arc 対応サーバー リソースを作成し、エージェントをそのリソースに"
        "関連付けます。サインインし、ネットワークを確認し、システム割り当てマネージド ID を持つ"
        "リソースを作成して、マネージド ID の証明書を取得し、接続をエージェント サービス "
        "(himds) に引き渡します。"
        "リソースの作成後に失敗した場合、そのリソースは削除されます。",
    ),
    "disconnect": (
        "このサーバーを Azure Arc から切断します。",
        "Azure Arc 対応サーバー リソース (とそのマネージド ID) を削除し、エージェントの接続情報 "
        "(キー、証明書、リソース識別子) を消去します。ローカル設定は保持されます。削除には "
        "'Azure Connected Machine Resource Administrator' などのロールが必要です。",
    ),
    "genkey": (
        "非同期オンボード用のキー ペアを生成します。",
        "非同期オンボード用の RSA-2048 キー ペアを生成します。秘密キーは /var/opt/azcmagent/certs "
        "に保存され (root のみが読み取れます)、公開キーは base64 エンコードの PKCS#1 DER として表示"
        "されます。これはマシン リソースの clientPublicKey にそのまま使用できます。通常は、"
        "代わりに 'azcmagent connect' を使用してください。",
    ),
    "help": ("使用法とコマンドの一覧を表示します。", ""),
    "license": ("エージェントのライセンスを表示します。", ""),
    "logs": (
        "エージェントのログを ZIP ファイルに収集します。",
        "トラブルシューティングのために、エージェントのログと設定を ZIP ファイルに収集します。収集"
        "されたすべてのファイルで、シークレット (トークン、キー、パスワード) はマスクされます。既定"
        "では、各ログの最新のファイルのみが収集されます。",
    ),
    "show": (
        "エージェントの状態とマシンのリソースを表示します。",
        "接続 (リソース識別子、クラウド、リージョン)、エージェントの状態と最後のハートビート、"
        "プロキシ設定、依存するサービスを表示します。表示される名前または JSON のキーで、"
        "プロパティを指定して絞り込めます。",
    ),
    "version": ("エージェントのバージョンを表示します。", ""),
}

_CLOUDS = "AzureCloud、AzureUSGovernment、AzureChinaCloud、またはクラウドの https URL です。"

# flag name, or "<command path> <name>" where the English differs between commands.
OPTIONS: dict[str, str] = {
    # common flags
    "config": "フラグの値を記述した JSON または YAML ファイルのパスです ('--' を除いた長い名前を"
              "使用します)。コマンド ラインで指定したフラグが優先されます。",
    "json": "結果を JSON として出力します。",
    "log-stderr": "エラー メッセージと詳細ログを、stdout ではなく stderr に出力します。",
    "no-color": "色付きの出力を無効にします。",
    "verbose": "コマンドの実行中に詳細ログ (デバッグ メッセージ) を表示します。",
    # config set
    "add": "現在のリストに値を追加します。",
    "remove": "現在のリストから値を削除します。",
    # logs
    "full": "最新のファイルだけでなく、すべてのログ ファイルを収集します。",
    "output": "ZIP ファイルのパスと名前です。既定値は現在のディレクトリの "
              "azcmagent-<TIMESTAMP>-<HOSTNAME>.zip です。",
    # check
    "check location": "確認するリージョンです (例: westeurope)。既定値: 接続済みのマシンの"
                      "リージョン。",
    "check cloud": f"{_CLOUDS}既定値: 接続済みのクラウド、なければ AzureCloud。",
    "enable-pls-check": "プライベート リンクのエンドポイントがプライベート アドレスに解決される"
                        "ことも必須にします。",
    "extensions": "拡張機能のエンドポイントも確認します: all または sql。",
    "include-all": "拡張されたユース ケースのエンドポイントも確認します (Linux では、--extensions "
                   "all と同じくすべての拡張機能のエンドポイント)。",
    # sign-in (connect and disconnect)
    "access-token": "Azure Resource Manager 用の Microsoft Entra アクセス トークンです。",
    "service-principal-id": "サービス プリンシパルのアプリケーション (クライアント) ID です。",
    "service-principal-secret": "サービス プリンシパルのシークレットです (コマンド ラインに残さない"
                                "よう、--config の使用をお勧めします)。",
    "service-principal-cert": "サービス プリンシパルの証明書と秘密キーを含む、PEM ファイルまたは"
                              "暗号化されていない PFX ファイルのパスです。",
    "tenant-id": "サブスクリプションのテナントです (GUID)。",
    "use-device-code": "ブラウザーでデバイス コードを使用してサインインします (Linux での既定)。",
    "use-azcli": "サインイン済みの Azure CLI の資格情報を使用します。",
    "user-tenant-id": "サインインするアカウントのテナントです。リソースのテナントと異なる場合に"
                      "指定します (Azure Lighthouse)。",
    # connect
    "connect location": "リソースの Azure リージョンです (例: westeurope)。",
    "resource-group": "リソースのリソース グループです (存在しない場合は作成されます)。",
    "subscription-id": "サブスクリプションの GUID または表示名です。",
    "resource-name": "リソースの名前です。既定値: ホスト名。",
    "tags": "タグです: 'Name=Value,Name2=Value2'。空白を含む値は単一引用符で囲んでください。",
    "connect cloud": f"{_CLOUDS}既定値: AZCMAGENT_CLOUD、なければ AzureCloud。",
    "correlation-id": "追跡のためにこのオンボードに付ける GUID です。",
    "private-link-scope": "Azure Arc プライベート リンク スコープのリソース ID です。",
    "ignore-network-check": "ネットワークの事前チェックが失敗しても続行します。",
    "skip-network-check": "--ignore-network-check の以前の名前です。",
    "enable-automatic-upgrade": "エージェントの自動アップグレードを有効にします。",
    "gateway-id": "Azure Arc ゲートウェイのリソース ID です (サポートされていません)。",
    "automanage-profile": "Automanage プロファイルです (サポートされていません)。",
    "identity-key-store": "マネージド ID のキーの保存先です: Default。",
    "use-aws-ec2-hostname": "AWS 上のホスト名をリソース名に使用します (この実装では常にそう"
                            "なります)。",
    "dry-run": "読み取りだけで済むすべてのチェック (himds、ネットワーク、サインイン、"
               "サブスクリプション、リソース プロバイダー、アクセス許可、名前、リージョン) を実行"
               "して各問題を報告します。作成、変更、削除は一切行いません。",
    # disconnect
    "force-local-only": "ローカルの状態のみを消去し、Azure は呼び出しません。",
    "disconnect cloud": "クラウドです。接続済みのクラウドと異なる場合に指定します。",
    # show
    "os": "オペレーティング システムの詳細も表示します。",
}

# "<command path> <name>": the same argument name means a different thing in each command.
POSITIONALS: dict[str, str] = {
    "config get property": "読み取る設定です (例: proxy.url)。",
    "config set property": "変更する設定です。",
    "config set value": "新しい値です。複数の値を取る設定では、コンマ区切りのリストです。",
    "config clear property": "既定値に戻す設定です。",
    "config info property": "この設定のみを説明します。",
    "show property": "これらのプロパティのみを表示します。",
    "help command": "このコマンドのヘルプを表示します。",
}


def _scoped(path: str, name: str) -> str:
    return f"{path} {name}".lstrip()


class _Formatter(WideHelpFormatter):
    usage_prefix = HEADINGS["usage: "]


class JapaneseTexts(HelpTexts):
    """The help's texts in Japanese; a text missing here falls back to English rather than
    failing the run (tests/agent/test_help_ja.py holds the table to having every one)."""

    formatter = _Formatter

    def heading(self, english: str) -> str:
        return HEADINGS.get(english, english)

    def summary(self, path: str, command: Command) -> str:
        return COMMANDS[path][0] if path in COMMANDS else command.summary

    def description(self, path: str, command: Command) -> str:
        summary, description = COMMANDS.get(path, ("", ""))
        return description or summary or super().description(path, command)

    def option(self, path: str, option: Option) -> str:
        return OPTIONS.get(_scoped(path, option.name)) or OPTIONS.get(option.name, option.help)

    def positional(self, path: str, positional: Positional) -> str:
        return POSITIONALS.get(_scoped(path, positional.name), positional.help)
