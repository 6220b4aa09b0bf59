"""The AZCM catalogue: every code the agent and its installers know, in English and Japanese.

Each entry fixes the code, its symbolic name, whether retrying can help, and three texts per
language: the short message, the likely cause and the remedy. The process exit status of a
failure is the AZCM number (``AZCM0026`` exits 26). Entries that no command emits yet say why in
``unused`` (English, Japanese); a test walks the table and holds every other code to a test that
produces it.

The Japanese texts use the terms of Microsoft's Japanese troubleshooting article for the agent
(管理者特権, エージェント サービス, サービス プリンシパル, リソース プロバイダー, マネージド ID,
Microsoft サポート, 詳細ログ) and one verb for running something again: もう一度実行してください.
tests/errors/test_japanese.py holds them to it.
"""

from __future__ import annotations

from cmagent.errors.entry import Entry
from cmagent.errors.entry import Texts
from cmagent.errors.installers import INSTALLER_ENTRIES

__all__ = ["BY_CODE", "BY_NAME", "ENTRIES", "Entry", "Texts"]


TPM = ("TPM-backed identity is not implemented",
       "TPM を使用するマネージド ID は実装されていません。")
EXTENSIONS = ("the extension manager is not implemented",
              "拡張機能マネージャーは実装されていません。")
HISTORICAL = ("historical code: current agents report this case as AZCM0023",
              "以前のコードです。現在のエージェントはこのケースを AZCM0023 として報告します。")
HIMDS_VARIANT = ("cmagent reports every failure to reach himds as AZCM0064 (the same cause and "
                 "remedy); show reports a stopped himds in its status instead of failing",
                 "cmagent は、エージェント サービス (himds) に到達できない場合をすべて AZCM0064 "
                 "(原因と対処は同じ) として報告します。show は、エージェント サービスの停止を失敗と"
                 "せず、状態として表示します。")

_ADMIN_EN = "Run the command as root (for example with sudo) and try again."
_ADMIN_JA = "sudo を付けるなどして、管理者特権 (root) でコマンドをもう一度実行してください。"
_SERVICE_EN = (
    "The local agent service (himds) did not answer.",
    "The himds service is stopped, still starting, or its socket is not reachable.",
    "Run the command as root, make sure himds is running (systemctl start himdsd, or "
    "'himds serve' where there is no systemd), then try again.",
)
_SERVICE_JA = (
    "ローカルのエージェント サービス (himds) が応答しませんでした。",
    "エージェント サービス (himds) が停止しているか起動中であるか、そのソケットに接続できません。",
    "管理者特権 (root) でコマンドを実行し、エージェント サービス (himds) が動作していることを確認"
    "してください。停止している場合は 'systemctl start himdsd' (systemd がない環境では "
    "'himds serve') で起動します。その後、コマンドをもう一度実行してください。",
)
# Where to report what only the project can fix: cmagent's own tracker, or Microsoft's support
# for Microsoft's agent. The logs ZIP is what either needs.
_REPORT_EN = ("collect the logs with 'azcmagent logs' (it writes a ZIP file) and attach the ZIP "
              "to a new issue in the cmagent project's issue tracker. With Microsoft's agent, "
              "send the ZIP to Microsoft Support instead.")
_REPORT_JA = ("'azcmagent logs' でログを収集し (ZIP ファイルが作成されます)、その ZIP ファイルを"
              "添付して cmagent プロジェクトの Issue トラッカーに Issue を作成してください。"
              "Microsoft のエージェントの場合は、代わりに ZIP ファイルを添えて Microsoft サポートに"
              "お問い合わせください。")
_HIS_REMEDY_EN = (
    "Check that the Hybrid Identity Service (*.his.arc.azure.com) is reachable ('azcmagent "
    "check'). If the error message says that the resource created in Azure could not be "
    "deleted, delete it with the command it gives. Then run 'azcmagent connect' again.")
_HIS_REMEDY_JA = (
    "Hybrid Identity Service (*.his.arc.azure.com) に到達できることを 'azcmagent check' で確認"
    "してください。Azure に作成されたリソースを削除できなかったことがエラー メッセージに示されて"
    "いる場合は、示されたコマンドでそのリソースを削除してください。その後、'azcmagent connect' をもう一度"
    "実行してください。")


def _e(
    code: int,
    name: str,
    retryable: bool,
    en: tuple[str, str, str],
    ja: tuple[str, str, str],
    unused: tuple[str, str] | None = None,
) -> Entry:
    return Entry(code, name, retryable, Texts(*en), Texts(*ja), unused)


_AGENT: tuple[Entry, ...] = (
    _e(0, "SUCCESS", False,
       ("The operation succeeded.", "Nothing went wrong.", "No action is needed."),
       ("操作は成功しました。", "問題はありません。", "対処は不要です。")),
    _e(1, "UNKNOWN", False,
       ("An unexpected error occurred.",
        "The agent stopped on an error that no specific AZCM code describes: a defect in the "
        "agent, or a state of the machine it does not expect. The log holds the full record.",
        "Read the log named in the error message. To report the failure, " + _REPORT_EN),
       ("予期しないエラーが発生しました。",
        "個別の AZCM コードに該当しないエラーで、エージェントが停止しました。エージェントの不具合"
        "か、エージェントが想定していないマシンの状態が原因です。詳しい記録はログにあります。",
        "エラー メッセージに示されたログを確認してください。問題を報告する場合は、" + _REPORT_JA)),
    _e(2, "INTERNAL", True,
       ("An internal agent error occurred.",
        "A component of the agent failed in an unexpected way.",
        "Restart the himds service and run the command again."),
       ("エージェントの内部エラーが発生しました。",
        "エージェントのコンポーネントが予期しない形で失敗しました。",
        "エージェント サービス (himds) を再起動してから、コマンドをもう一度実行してください。"),
       ("no internal component can fail this way yet",
        "このように失敗する内部コンポーネントはまだありません。")),
    _e(3, "NOT_SUPPORTED", False,
       ("This operation is not supported here.",
        "The command or option is not available on this operating system or agent version.",
        "Check the command with 'azcmagent <command> --help' and the agent version."),
       ("この操作は、この環境ではサポートされていません。",
        "このコマンドまたはオプションは、このオペレーティング システムまたはエージェントの"
        "バージョンでは使用できません。",
        "'azcmagent <command> --help' でコマンドを確認し、エージェントのバージョンも確認して"
        "ください。")),
    _e(4, "ARC_PROXY_NOT_RUNNING", True,
       ("The Azure Arc proxy service is not running.",
        "arcproxyd is stopped, but the configuration routes traffic through it.",
        "Start the proxy service, or set connection.type to direct, and try again."),
       ("Azure Arc プロキシ サービスが実行されていません。",
        "通信が arcproxyd を経由するように構成されていますが、arcproxyd が停止しています。",
        "プロキシ サービスを起動するか、connection.type を direct に設定してから、もう一度実行して"
        "ください。"),
       ("the Arc gateway proxy is not implemented",
        "Azure Arc ゲートウェイのプロキシは実装されていません。")),
    _e(5, "NO_FILE_LOGGER", False,
       ("The agent log file cannot be written.",
        "The log directory is missing, full, read-only or has the wrong permissions.",
        "Check that /var/opt/azcmagent/log exists, has free space and is writable by root."),
       ("エージェントのログ ファイルに書き込めません。",
        "ログ ディレクトリが存在しないか、空き容量がないか、読み取り専用であるか、アクセス許可が"
        "正しくありません。",
        "/var/opt/azcmagent/log が存在し、空き容量があり、root が書き込めることを確認して"
        "ください。")),
    _e(6, "INIT_FAILED", True,
       ("The agent could not initialise.",
        "A prerequisite such as the network or a file permission is not in place.",
        "Check the prerequisites (network, permissions) and try again."),
       ("エージェントを初期化できませんでした。",
        "ネットワークやファイルのアクセス許可などの前提条件が満たされていません。",
        "前提条件 (ネットワーク、アクセス許可) を確認してから、もう一度実行してください。"),
      ),
    _e(11, "CANCELLED", True,
       ("The operation was cancelled by the user (Ctrl+C).",
        "The command was interrupted before it finished; nothing was left half-written.",
        "Run the command again."),
       ("ユーザーが操作を取り消しました (Ctrl+C)。",
        "コマンドは完了前に中断されました。途中まで書き込まれたまま残っているファイルはありません。",
        "コマンドをもう一度実行してください。")),
    _e(12, "INVALID_ACCESS_TOKEN", False,
       ("The access token is not valid.",
        "The token given with --access-token is malformed, expired, or not meant for Azure "
        "Resource Manager.",
        "Get a new token for https://management.azure.com/ (for example with 'az account "
        "get-access-token') and try again."),
       ("アクセス トークンが無効です。",
        "--access-token で指定したトークンの形式が正しくないか、有効期限が切れているか、Azure "
        "Resource Manager 用のトークンではありません。",
        "https://management.azure.com/ 用の新しいトークンを ('az account get-access-token' "
        "などで) 取得してから、もう一度実行してください。")),
    _e(13, "INVALID_TAGS", False,
       ("The tags are not valid.",
        "The --tags value is not a comma-separated list of Name=Value pairs.",
        "Double-quote the whole list, separate pairs with commas and single-quote names or "
        "values that contain spaces."),
       ("タグが無効です。",
        "--tags の値が、Name=Value の組をコンマで区切ったリストになっていません。",
        "リスト全体を二重引用符で囲み、組と組をコンマで区切ってください。空白を含む名前や値は単一"
        "引用符で囲みます。"),
       HISTORICAL),
    _e(14, "INVALID_CLOUD", False,
       ("The cloud is not valid.",
        "The --cloud value names a cloud the agent does not know.",
        "Use AzureCloud, AzureUSGovernment, AzureChinaCloud or the https URL of a cloud."),
       ("クラウドが無効です。",
        "--cloud の値に、エージェントが認識できないクラウドが指定されています。",
        "AzureCloud、AzureUSGovernment、AzureChinaCloud、またはクラウドの https URL を指定して"
        "ください。"),
       HISTORICAL),
    _e(15, "INVALID_CORRELATION_ID", False,
       ("The correlation ID is not a valid GUID.",
        "The --correlation-id value is not in GUID form.",
        "Give a GUID such as 01234567-89ab-cdef-0123-456789abcdef."),
       ("相関 ID が有効な GUID ではありません。",
        "--correlation-id の値が GUID 形式ではありません。",
        "01234567-89ab-cdef-0123-456789abcdef のような GUID を指定してください。"),
       HISTORICAL),
    _e(16, "MISSING_PARAMETER", False,
       ("A mandatory parameter is missing.",
        "The command needs a value that was given neither on the command line nor in --config.",
        "Add the parameter named in the error message; 'azcmagent <command> --help' shows the "
        "full syntax."),
       ("必須パラメーターがありません。",
        "コマンドに必要な値が、コマンド ラインにも --config にも指定されていません。",
        "エラー メッセージに示されたパラメーターを追加してください。コマンドの完全な構文は 'azcmagent <command> "
        "--help' で確認できます。")),
    _e(17, "INVALID_RESOURCE_NAME", False,
       ("The resource name is not valid.",
        "The name has characters other than letters, digits, '-' and '_', ends in '-' or '_', "
        "or is longer than 54 characters.",
        "Give --resource-name with letters, digits, '-' and '_', not ending in '-' or '_'."),
       ("リソース名が無効です。",
        "名前に英数字、'-'、'_' 以外の文字が含まれているか、'-' または '_' で終わっているか、"
        "54 文字を超えています。",
        "英数字、'-'、'_' のみを使い、'-' や '_' で終わらない名前を --resource-name に指定して"
        "ください。"),
       HISTORICAL),
    _e(18, "NOT_ELEVATED", False,
       ("This command must be run as root.",
        "The command reads or changes agent files that only root may access.",
        _ADMIN_EN),
       ("このコマンドは管理者特権 (root) で実行する必要があります。",
        "このコマンドは、root だけがアクセスできるエージェントのファイルを読み取ったり変更したり"
        "します。",
        _ADMIN_JA)),
    _e(19, "CONFIG_FILE_NOT_FOUND", False,
       ("The configuration file cannot be read.",
        "The path given with --config does not exist or is not a readable file.",
        "Check the path given to --config and try again."),
       ("構成ファイルを読み取れません。",
        "--config で指定したパスが存在しないか、読み取り可能なファイルではありません。",
        "--config に指定したパスを確認してから、もう一度実行してください。")),
    _e(20, "UNKNOWN_REGION", False,
       ("The region is not known.",
        "The --location value is not an Azure region of the chosen cloud.",
        "Fix the spelling of --location or choose a region the cloud supports."),
       ("不明なリージョンです。",
        "--location の値が、選択したクラウドの Azure リージョンではありません。",
        "--location のつづりを修正するか、クラウドがサポートしているリージョンを指定して"
        "ください。")),
    _e(23, "INVALID_ARGUMENT", False,
       ("A parameter has an invalid value.",
        "The value given does not have the form the command expects.",
        "Read the error message for the allowed form; 'azcmagent <command> --help' lists the "
        "valid values."),
       ("パラメーターに無効な値が指定されました。",
        "指定された値が、コマンドで想定されている形式ではありません。",
        "許可される形式については、エラー メッセージを確認してください。有効な値は 'azcmagent "
        "<command> --help' で確認できます。")),
    _e(26, "NETWORK_ERROR", True,
       ("A network error occurred, or a required service is temporarily unavailable.",
        "An endpoint the agent needs cannot be reached: a name does not resolve, a firewall or "
        "proxy blocks it, or TLS is intercepted.",
        "Run 'azcmagent check' to find the endpoint and the blocker. With a private link scope, "
        "pass its resource ID with --private-link-scope."),
       ("ネットワーク エラーが発生したか、必要なサービスが一時的に利用できません。",
        "エージェントに必要なエンドポイントに到達できません。名前を解決できないか、ファイア"
        "ウォールまたはプロキシによってブロックされているか、TLS 通信がプロキシなどで検査 (TLS "
        "インスペクション) されています。",
        "'azcmagent check' を実行して、到達できないエンドポイントと、それをブロックしているもの"
        "を特定してください。プライベート リンク スコープを使用する場合は、そのリソース ID を "
        "--private-link-scope で指定してください。")),
    _e(27, "CONFIG_CONFLICT", False,
       ("The agent configuration has a conflict.",
        "A setting cannot be changed in the current state, or the settings file is not valid.",
        "Follow the error message: change the conflicting setting first, or repair the file."),
       ("エージェントの構成に競合があります。",
        "現在の状態では設定を変更できないか、設定ファイルが有効ではありません。",
        "エラー メッセージに従って、競合している設定を先に変更するか、ファイルを修復して"
        "ください。")),
    _e(28, "TPM_OPEN_FAILED", False,
       ("The TPM device cannot be opened.",
        "The TPM is disabled or not accessible to the agent.",
        "Enable the TPM and make /dev/tpmrm0 accessible, then try again."),
       ("TPM デバイスを開けません。",
        "TPM が無効になっているか、エージェントから TPM にアクセスできません。",
        "TPM を有効にし、/dev/tpmrm0 にアクセスできるようにしてから、もう一度実行してください。"),
       TPM),
    _e(41, "CREDENTIALS_INVALID", False,
       ("The credentials are not valid.",
        "Microsoft Entra ID refused the sign-in: the secret is wrong or expired, the application "
        "or tenant is unknown, or the account cannot reach the tenant.",
        "For a service principal check the client ID, the secret and its expiry, and that it "
        "belongs to the tenant of the subscription. For device login check the account's access "
        "to the tenant and subscription."),
       ("資格情報が無効です。",
        "Microsoft Entra ID がサインインを拒否しました。シークレットが間違っているか有効期限が"
        "切れているか、アプリケーションまたはテナントが見つからないか、アカウントがテナントに"
        "アクセスできません。",
        "サービス プリンシパルの場合は、クライアント ID、シークレットとその有効期限、および"
        "サービス プリンシパルがサブスクリプションと同じテナントに属していることを確認してくだ"
        "さい。デバイス ログインの場合は、アカウントがテナントとサブスクリプションにアクセス"
        "できることを確認してください。")),
    _e(42, "CREATE_RESOURCE_FAILED", False,
       ("Creating the Azure Arc-enabled server resource failed.",
        "Azure Resource Manager refused or failed the request; the error message gives its "
        "reason.",
        "Act on the error message. The user or service principal that signs in needs the "
        "'Azure Connected Machine Onboarding' role on the resource group, and the subscription "
        "must have the Microsoft.HybridCompute resource provider registered."),
       ("Azure Arc 対応サーバー リソースの作成に失敗しました。",
        "Azure Resource Manager が要求を拒否したか、要求の処理に失敗しました。理由はエラー "
        "メッセージに示されています。",
        "エラー メッセージに従って対処してください。サインインに使用するユーザーまたはサービス プリンシパル"
        "には、リソース グループに対する 'Azure Connected Machine Onboarding' ロールが必要です。"
        "また、サブスクリプションに Microsoft.HybridCompute リソース プロバイダーが登録されている"
        "必要があります。")),
    _e(43, "DELETE_RESOURCE_FAILED", False,
       ("Deleting the Azure Arc-enabled server resource failed.",
        "The user or service principal that signs in may not delete machines in this resource "
        "group, or the request failed.",
        "Assign the 'Azure Connected Machine Resource Administrator' role to the user or service "
        "principal. If the resource no longer exists in Azure, run 'azcmagent disconnect "
        "--force-local-only'."),
       ("Azure Arc 対応サーバー リソースの削除に失敗しました。",
        "サインインに使用するユーザーまたはサービス プリンシパルに、このリソース グループの"
        "マシンを削除するアクセス許可がないか、要求が失敗しました。",
        "ユーザーまたはサービス プリンシパルに 'Azure Connected Machine Resource Administrator' "
        "ロールを割り当ててください。リソースが Azure に存在しなくなった場合は、'azcmagent "
        "disconnect --force-local-only' を実行してください。")),
    _e(44, "RESOURCE_EXISTS", False,
       ("A resource with the same name already exists.",
        "The resource group already holds an Azure Arc-enabled server with this name.",
        "Choose another --resource-name, or delete the existing resource in Azure and try again."),
       ("同じ名前のリソースが既に存在します。",
        "リソース グループに、同じ名前の Azure Arc 対応サーバーが既にあります。",
        "別の名前を --resource-name に指定するか、Azure で既存のリソースを削除してから、もう一度"
        "実行してください。")),
    _e(45, "RECONNECT_KEY_UPDATE_FAILED", True,
       ("The service could not be given the new public key to reconnect.",
        "The request that registers the machine's new key failed.",
        "Check the network and the agent log, then try again."),
       ("再接続用の新しい公開キーをサービスに登録できませんでした。",
        "マシンの新しいキーを登録する要求が失敗しました。",
        "ネットワークとエージェントのログを確認してから、もう一度実行してください。"),
       ("reconnect is not implemented", "再接続 (reconnect) は実装されていません。")),
    _e(61, "AGENT_SERVICE_UNREACHABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(62, "CONNECT_FAILED", False,
       ("An error occurred while connecting the server.",
        "A step of the connection failed; the error message names it and why.",
        "Act on the error message. If the Azure resource was created, delete it before trying "
        "again."),
       ("サーバーの接続中にエラーが発生しました。",
        "接続処理のいずれかの手順が失敗しました。失敗した手順とその理由はエラー メッセージに"
        "示されています。",
        "エラー メッセージに従って対処してください。Azure リソースが作成済みの場合は、そのリソースを削除して"
        "から、もう一度実行してください。")),
    _e(63, "DISCONNECT_FAILED", False,
       ("An error occurred while disconnecting the server.",
        "A step of the disconnection failed; the error message names it and why.",
        "Act on the error message. If it persists, delete the resource in Azure and run "
        "'azcmagent disconnect --force-local-only'."),
       ("サーバーの切断中にエラーが発生しました。",
        "切断処理のいずれかの手順が失敗しました。失敗した手順とその理由はエラー メッセージに"
        "示されています。",
        "エラー メッセージに従って対処してください。解決しない場合は、Azure で該当するリソースを削除し、"
        "'azcmagent disconnect --force-local-only' を実行してください。")),
    _e(64, "HIMDS_COMMUNICATION_FAILED", True, _SERVICE_EN, _SERVICE_JA),
    _e(65, "AGENT_METADATA_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(66, "AGENT_STATUS_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(67, "ALREADY_CONNECTED", False,
       ("This machine is already connected to Azure.",
        "The agent already holds a connection to the resource named in the error message.",
        "Run 'azcmagent disconnect' to remove the current connection, then run 'azcmagent "
        "connect' again."),
       ("このマシンは既に Azure に接続されています。",
        "エージェントは、エラー メッセージに示されたリソースへの接続を既に保持しています。",
        "'azcmagent disconnect' を実行して現在の接続を削除してから、'azcmagent connect' を"
        "もう一度実行してください。")),
    _e(68, "SUBSCRIPTION_LOOKUP_FAILED", False,
       ("The subscription name could not be turned into a subscription ID.",
        "No subscription visible to the user or service principal that signs in has that "
        "display name, or several do.",
        "Run the command again with the subscription GUID instead of its name."),
       ("サブスクリプション名からサブスクリプション ID を特定できませんでした。",
        "サインインに使用するユーザーまたはサービス プリンシパルから参照できるサブスクリプション"
        "に、その表示名のものがないか、複数あります。",
        "サブスクリプション名ではなくサブスクリプション GUID を指定して、コマンドをもう一度実行"
        "してください。")),
    _e(69, "LOCAL_CONFIG_UPDATE_FAILED", False,
       ("The local configuration could not be updated.",
        "Writing the agent's configuration files failed; the previous files are unchanged.",
        "Check the permissions and free space of /var/opt/azcmagent, then try again."),
       ("ローカル構成を更新できませんでした。",
        "エージェントの構成ファイルの書き込みに失敗しました。以前のファイルは変更されていません。",
        "/var/opt/azcmagent のアクセス許可と空き容量を確認してから、もう一度実行してください。")),
    _e(70, "LOCAL_CONFIG_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA,
       ("cmagent reports a damaged agentconfig.json as AZCM0027, naming the file and the way "
        "back; this code's remedy (start himds) does not fit that case",
        "cmagent は、破損した agentconfig.json を AZCM0027 として報告し、そのファイルと復旧方法を"
        "示します。このコードの対処 (エージェント サービス (himds) の起動) はその場合に当てはまり"
        "ません。")),
    _e(72, "EXTENSION_TOOL_FAILED", False,
       ("An extension tool failed.",
        "The tool that manages extensions reported an error.",
        "Read the extension manager logs under /var/lib/GuestConfig."),
       ("拡張機能ツールでエラーが発生しました。",
        "拡張機能を管理するツールがエラーを報告しました。",
        "/var/lib/GuestConfig にある拡張機能マネージャーのログを確認してください。"),
       EXTENSIONS),
    _e(73, "PARTNER_CONFIG_UNAVAILABLE", False,
       ("The partner configuration cannot be read.",
        "The partner integration settings are missing or unreadable.",
        "Check the partner integration settings."),
       ("パートナー構成を取得できません。",
        "パートナー統合の設定がないか、読み取れません。",
        "パートナー統合の設定を確認してください。"),
       ("partnerconfig is reserved for internal use",
        "partnerconfig は内部使用のために予約されています。")),
    _e(74, "EXTENSION_ADD_FAILED", False,
       ("Adding extensions failed.",
        "The extension package could not be added.",
        "Check the extension package and the extension manager logs."),
       ("拡張機能の追加に失敗しました。",
        "拡張機能パッケージを追加できませんでした。",
        "拡張機能パッケージと拡張機能マネージャーのログを確認してください。"),
       EXTENSIONS),
    _e(75, "CLOUD_CONFIG_UNAVAILABLE", True,
       ("The cloud configuration cannot be obtained.",
        "The cloud's endpoint description could not be fetched or read.",
        "Check connectivity to the cloud's metadata endpoint, or pass --cloud explicitly."),
       ("クラウド構成を取得できません。",
        "クラウドのエンドポイント情報を取得できなかったか、読み取れませんでした。",
        "クラウドのメタデータ エンドポイントへの接続を確認するか、--cloud を明示的に指定して"
        "ください。")),
    _e(76, "TPM_CONNECT_FAILED", False,
       ("Connecting with TPM-based authentication failed.",
        "The TPM could not be used for the machine's managed identity.",
        "Check the TPM, or connect with the default identity key store."),
       ("TPM ベースの認証による接続に失敗しました。",
        "マシンのマネージド ID に TPM を使用できませんでした。",
        "TPM を確認するか、--identity-key-store を既定 (Default) にして接続してください。"),
       TPM),
    _e(81, "MSI_CERTIFICATE_DOWNLOAD_FAILED", True,
       ("Downloading the managed identity certificate failed.",
        "The agent could not get its managed identity certificate from the Hybrid Identity "
        "Service.",
        _HIS_REMEDY_EN),
       ("マネージド ID 証明書のダウンロードに失敗しました。",
        "エージェントが Hybrid Identity Service からマネージド ID 証明書を取得できませんでした。",
        _HIS_REMEDY_JA)),
    _e(82, "TPM_MSI_CERTIFICATE_FAILED", False,
       ("Getting the managed identity certificate with the TPM failed.",
        "The TPM-backed key could not be used to obtain the certificate.",
        "Check himds and the TPM, then try again."),
       ("TPM を使用したマネージド ID 証明書の取得に失敗しました。",
        "TPM に格納されたキーで証明書を取得できませんでした。",
        "エージェント サービス (himds) と TPM を確認してから、もう一度実行してください。"),
       TPM),
    _e(83, "PERSISTENT_CREDENTIAL_FAILED", True,
       ("Registering the persistent credential with the service failed.",
        "The service could not record the machine's persistent credential.",
        "Check the network and try again."),
       ("永続的な資格情報をサービスに登録できませんでした。",
        "サービスがマシンの永続的な資格情報を記録できませんでした。",
        "ネットワークを確認してから、もう一度実行してください。"),
       TPM),
    _e(101, "COMMAND_PARSE_FAILED", False,
       ("The command could not be parsed.",
        "The command name or one of its flags is unknown, or a flag is missing its value.",
        "Check the syntax with 'azcmagent <command> --help'."),
       ("コマンドを解析できませんでした。",
        "コマンド名またはフラグが不明か、フラグに値が指定されていません。",
        "'azcmagent <command> --help' で構文を確認してください。")),
    _e(102, "HOSTNAME_UNAVAILABLE", False,
       ("No valid resource name could be derived from the host name.",
        "The host name could not be read, or it is not a valid resource name.",
        "Give --resource-name (or -n) using letters, digits, '-' and '_', not ending in '-' or "
        "'_', at most 54 characters."),
       ("ホスト名から有効なリソース名を作成できませんでした。",
        "ホスト名を取得できないか、ホスト名が有効なリソース名ではありません。",
        "英数字、'-'、'_' のみを使い、'-' や '_' で終わらない 54 文字以内の名前を "
        "--resource-name (または -n) に指定してください。")),
    _e(103, "RSA_KEY_FAILED", False,
       ("Generating or processing the RSA key failed.",
        "The key pair could not be created or stored.",
        "Check free space and permissions under /var/opt/azcmagent/certs and run the command "
        "again. If it fails again, " + _REPORT_EN),
       ("RSA キーの生成または処理に失敗しました。",
        "キー ペアを作成または保存できませんでした。",
        "/var/opt/azcmagent/certs の空き容量とアクセス許可を確認してから、コマンドをもう一度実行"
        "してください。再び失敗する場合は、" + _REPORT_JA)),
    _e(104, "PRIVATE_KEY_UNAVAILABLE", False,
       ("The private key cannot be read.",
        "The machine's private key is missing or unreadable.",
        "Run 'azcmagent disconnect --force-local-only', then run 'azcmagent connect' again."),
       ("秘密キーを読み取れません。",
        "マシンの秘密キーがないか、読み取れません。",
        "'azcmagent disconnect --force-local-only' を実行してから、'azcmagent connect' をもう一度"
        "実行してください。"),
       ("the CLI never reads the identity key back; himds reports a missing key in its status",
        "CLI がマネージド ID の秘密キーを読み込むことはありません。キーがない場合は、エージェント "
        "サービス (himds) がその状態として報告します。")),
    _e(105, "SIGNED_MESSAGE_FAILED", True,
       ("An error occurred while downloading the Microsoft Entra managed identity certificate.",
        "Before it issues the certificate, the Hybrid Identity Service asks the agent to prove "
        "that it holds the machine's private key (a signed message); that step failed.",
        _HIS_REMEDY_EN),
       ("Microsoft Entra マネージド ID 証明書のダウンロード中にエラーが発生しました。",
        "Hybrid Identity Service は、証明書を発行する前に、エージェントがマシンの秘密キーを保持"
        "していることの証明 (署名付きメッセージ) を求めます。この手順が失敗しました。",
        _HIS_REMEDY_JA)),
    _e(106, "PARAMETERS_FILE_SAVE_FAILED", False,
       ("The parameters file could not be saved.",
        "Writing the file failed.",
        "Check free space and permissions of the target directory."),
       ("パラメーター ファイルを保存できませんでした。",
        "ファイルの書き込みに失敗しました。",
        "保存先ディレクトリの空き容量とアクセス許可を確認してください。"),
       ("no command writes a parameters file",
        "パラメーター ファイルを書き込むコマンドはありません。")),
    _e(107, "CERTIFICATE_UNAVAILABLE", False,
       ("The certificate cannot be read.",
        "The certificate file is missing, unreadable or not in PEM or PFX form.",
        "Check the certificate path and its format (PEM, or PFX without a password, holding "
        "the private key and the certificate)."),
       ("証明書を読み取れません。",
        "証明書ファイルがないか、読み取れないか、PEM 形式でも PFX 形式でもありません。",
        "証明書のパスと形式を確認してください (PEM、またはパスワードなしの PFX で、秘密キーと"
        "証明書の両方を含むもの)。")),
    _e(108, "TPM_KEYS_FAILED", False,
       ("Processing the TPM keys failed.",
        "The TPM could not create or use the key.",
        "Check the TPM."),
       ("TPM キーの処理に失敗しました。",
        "TPM でキーを作成または使用できませんでした。",
        "TPM を確認してください。"),
       TPM),
)

ENTRIES: tuple[Entry, ...] = _AGENT + INSTALLER_ENTRIES
BY_CODE: dict[int, Entry] = {entry.code: entry for entry in ENTRIES}
BY_NAME: dict[str, Entry] = {entry.name: entry for entry in ENTRIES}
