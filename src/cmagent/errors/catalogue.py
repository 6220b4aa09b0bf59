"""The AZCM catalogue: every code the agent and its installers know, in English and Japanese.

Each entry fixes the code, its symbolic name, whether retrying can help, and three texts per
language: the short message, the likely cause and the remedy. The process exit status of a
failure is the AZCM number (``AZCM0026`` exits 26). Entries that no command emits yet say why in
``unused``; a test walks the table and holds every other code to a test that produces it.
"""

from __future__ import annotations


class Texts:
    """Message, cause and remedy in one language."""

    __slots__ = ("cause", "message", "remedy")

    def __init__(self, message: str, cause: str, remedy: str) -> None:
        self.message = message
        self.cause = cause
        self.remedy = remedy


# Plain slotted classes rather than dataclasses: this module is on every run's start-up path.
class Entry:
    """One AZCM code."""

    __slots__ = ("code", "en", "ja", "name", "retryable", "unused")

    def __init__(self, code: int, name: str, retryable: bool, en: Texts, ja: Texts,
                 unused: str | None = None) -> None:
        self.code = code
        self.name = name
        self.retryable = retryable
        self.en = en
        self.ja = ja
        self.unused = unused

    def __repr__(self) -> str:
        return f"Entry({self.label})"

    @property
    def label(self) -> str:
        return f"AZCM{self.code:04d}"

    @property
    def exit_status(self) -> int:
        return self.code

    def texts(self, language: str) -> Texts:
        return self.ja if language == "ja" else self.en


INSTALLER = "installer code: cmagent ships no installer yet"
WINDOWS = "Windows installer code: cmagent targets Linux"
TPM = "TPM-backed identity is not implemented"
EXTENSIONS = "the extension manager is not implemented"
HISTORICAL = "historical code: current agents report this case as AZCM0023"
HIMDS_VARIANT = ("cmagent reports every failure to reach himds as AZCM0064 (the same cause and "
                 "remedy); show reports a stopped himds in its status instead of failing")

_ADMIN_EN = "Run the command as root (for example with sudo) and try again."
_ADMIN_JA = "root として (例: sudo を付けて) コマンドを再実行してください。"
_SERVICE_EN = (
    "The local agent service (himds) did not answer.",
    "The himds service is stopped, still starting, or its socket is not reachable.",
    "Run the command as root, make sure himds is running (systemctl start himdsd, or "
    "'himds serve' where there is no systemd), then try again.",
)
_SERVICE_JA = (
    "ローカルのエージェント サービス (himds) が応答しません。",
    "himds サービスが停止中か起動途中、またはそのソケットに接続できません。",
    "root でコマンドを実行し、himds が動作していることを確認してから (systemctl start himdsd、"
    "systemd がない環境では 'himds serve')、もう一度実行してください。",
)
_SUPPORT_EN = "Read the error above and the installer log; collect logs with 'azcmagent logs'."
_SUPPORT_JA = "上のエラーとインストーラーのログを確認し、'azcmagent logs' でログを収集してください。"


def _e(
    code: int,
    name: str,
    retryable: bool,
    en: tuple[str, str, str],
    ja: tuple[str, str, str],
    unused: str | None = None,
) -> Entry:
    return Entry(code, name, retryable, Texts(*en), Texts(*ja), unused)


def _installer(code: int, name: str, en_message: str, ja_message: str) -> Entry:
    return _e(
        code,
        name,
        False,
        (en_message, "The installation script stopped at this step.", _SUPPORT_EN),
        (ja_message, "インストール スクリプトがこの手順で停止しました。", _SUPPORT_JA),
        INSTALLER if code < 147 else WINDOWS,
    )


_AGENT: tuple[Entry, ...] = (
    _e(0, "SUCCESS", False,
       ("The operation succeeded.", "Nothing went wrong.", "No action is needed."),
       ("操作は成功しました。", "問題はありません。", "対処は不要です。")),
    _e(1, "UNKNOWN", False,
       ("An unexpected error occurred.",
        "The agent met a condition it does not know how to handle.",
        "Read the agent log named below, then collect it with 'azcmagent logs' and report it."),
       ("予期しないエラーが発生しました。",
        "エージェントが処理方法を知らない状態に遭遇しました。",
        "下に示すエージェント ログを確認し、'azcmagent logs' で収集して報告してください。")),
    _e(2, "INTERNAL", True,
       ("An internal agent error occurred.",
        "A component of the agent failed in an unexpected way.",
        "Restart the himds service and run the command again."),
       ("エージェントの内部エラーが発生しました。",
        "エージェントの構成要素が想定外の形で失敗しました。",
        "himds サービスを再起動し、コマンドを再実行してください。"),
       "no internal component can fail this way yet"),
    _e(3, "NOT_SUPPORTED", False,
       ("This operation is not supported here.",
        "The command or option is not available on this operating system or agent version.",
        "Check the command with 'azcmagent <command> --help' and the agent version."),
       ("この操作はここではサポートされていません。",
        "このコマンドまたはオプションは、この OS またはエージェントのバージョンでは使用できません。",
        "'azcmagent <command> --help' とエージェントのバージョンを確認してください。")),
    _e(4, "ARC_PROXY_NOT_RUNNING", True,
       ("The Azure Arc proxy service is not running.",
        "arcproxyd is stopped, but the configuration routes traffic through it.",
        "Start the proxy service, or set connection.type to direct, and try again."),
       ("Azure Arc プロキシ サービスが動作していません。",
        "通信が arcproxyd 経由に構成されていますが、arcproxyd が停止しています。",
        "プロキシ サービスを起動するか、connection.type を direct に設定してから再実行してください。"),
       "the Arc gateway proxy is not implemented"),
    _e(5, "NO_FILE_LOGGER", False,
       ("The agent log file cannot be written.",
        "The log directory is missing, full, read-only or has the wrong permissions.",
        "Check that /var/opt/azcmagent/log exists, has free space and is writable by root."),
       ("エージェントのログ ファイルに書き込めません。",
        "ログ ディレクトリが存在しない、空き容量がない、読み取り専用、または権限が正しくありません。",
        "/var/opt/azcmagent/log が存在し、空き容量があり、root が書き込めることを確認してください。")),
    _e(6, "INIT_FAILED", True,
       ("The agent could not initialise.",
        "A prerequisite such as the network or a file permission is not in place.",
        "Check the prerequisites (network, permissions) and try again."),
       ("エージェントを初期化できませんでした。",
        "ネットワークやファイル権限などの前提条件が整っていません。",
        "前提条件 (ネットワーク、権限) を確認してから再実行してください。"),
      ),
    _e(11, "CANCELLED", True,
       ("The operation was cancelled by the user (Ctrl+C).",
        "The command was interrupted before it finished; nothing was left half-written.",
        "Run the command again."),
       ("ユーザーが操作を取り消しました (Ctrl+C)。",
        "コマンドは完了前に中断されました。書きかけのまま残ったものはありません。",
        "コマンドを再実行してください。")),
    _e(12, "INVALID_ACCESS_TOKEN", False,
       ("The access token is not valid.",
        "The token given with --access-token is malformed, expired, or not meant for Azure "
        "Resource Manager.",
        "Get a new token for https://management.azure.com/ (for example with 'az account "
        "get-access-token') and try again."),
       ("アクセス トークンが無効です。",
        "--access-token で指定したトークンの形式が正しくないか、期限切れか、Azure Resource Manager "
        "用ではありません。",
        "https://management.azure.com/ 用の新しいトークンを取得して (例: 'az account "
        "get-access-token') 再実行してください。")),
    _e(13, "INVALID_TAGS", False,
       ("The tags are not valid.",
        "The --tags value is not a comma-separated list of Name=Value pairs.",
        "Double-quote the whole list, separate pairs with commas and single-quote names or "
        "values that contain spaces."),
       ("タグが無効です。",
        "--tags の値が Name=Value のコンマ区切りリストになっていません。",
        "リスト全体を二重引用符で囲み、ペアをコンマで区切り、空白を含む名前や値は単一引用符で"
        "囲んでください。"),
       HISTORICAL),
    _e(14, "INVALID_CLOUD", False,
       ("The cloud is not valid.",
        "The --cloud value names a cloud the agent does not know.",
        "Use AzureCloud, AzureUSGovernment, AzureChinaCloud or the https URL of a cloud."),
       ("クラウドが無効です。",
        "--cloud の値がエージェントの知らないクラウドを指定しています。",
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
        "Add the parameter named above; 'azcmagent <command> --help' shows the full syntax."),
       ("必須パラメーターがありません。",
        "コマンドに必要な値が、コマンド ラインにも --config にも指定されていません。",
        "上に示したパラメーターを追加してください。完全な構文は 'azcmagent <command> --help' で"
        "確認できます。")),
    _e(17, "INVALID_RESOURCE_NAME", False,
       ("The resource name is not valid.",
        "The name has characters other than letters, digits, '-' and '_', ends in '-' or '_', "
        "or is longer than 54 characters.",
        "Give --resource-name with letters, digits, '-' and '_', not ending in '-' or '_'."),
       ("リソース名が無効です。",
        "名前に英数字、'-'、'_' 以外の文字が含まれるか、'-' または '_' で終わるか、54 文字を"
        "超えています。",
        "英数字、'-'、'_' のみを使い、'-' や '_' で終わらない名前を --resource-name に指定して"
        "ください。"),
       HISTORICAL),
    _e(18, "NOT_ELEVATED", False,
       ("This command must be run as root.",
        "The command reads or changes agent files that only root may access.",
        _ADMIN_EN),
       ("このコマンドは root として実行する必要があります。",
        "このコマンドは root のみがアクセスできるエージェントのファイルを読み書きします。",
        _ADMIN_JA)),
    _e(19, "CONFIG_FILE_NOT_FOUND", False,
       ("The configuration file cannot be read.",
        "The path given with --config does not exist or is not a readable file.",
        "Check the path given to --config and try again."),
       ("構成ファイルを読み取れません。",
        "--config で指定したパスが存在しないか、読み取り可能なファイルではありません。",
        "--config に指定したパスを確認してから再実行してください。")),
    _e(20, "UNKNOWN_REGION", False,
       ("The region is not known.",
        "The --location value is not an Azure region of the chosen cloud.",
        "Fix the spelling of --location or choose a region the cloud supports."),
       ("リージョンが不明です。",
        "--location の値が、選択したクラウドの Azure リージョンではありません。",
        "--location のつづりを直すか、クラウドがサポートするリージョンを指定してください。")),
    _e(23, "INVALID_ARGUMENT", False,
       ("A parameter has an invalid value.",
        "The value given does not have the form the command expects.",
        "Read the message above for the allowed form; 'azcmagent <command> --help' lists the "
        "valid values."),
       ("パラメーターに無効な値が指定されました。",
        "指定された値が、コマンドの想定する形式ではありません。",
        "許可される形式は上のメッセージを確認してください。有効な値は 'azcmagent <command> "
        "--help' で確認できます。")),
    _e(26, "NETWORK_ERROR", True,
       ("A network error occurred, or a required service is temporarily unavailable.",
        "An endpoint the agent needs cannot be reached: a name does not resolve, a firewall or "
        "proxy blocks it, or TLS is intercepted.",
        "Run 'azcmagent check' to find the endpoint and the blocker. With a private link scope, "
        "pass its resource ID with --private-link-scope."),
       ("ネットワーク エラーが発生したか、必要なサービスが一時的に利用できません。",
        "エージェントに必要なエンドポイントに到達できません。名前が解決できない、ファイアウォール"
        "やプロキシが遮断している、または TLS が傍受されています。",
        "'azcmagent check' を実行して、対象のエンドポイントと原因を特定してください。プライベート "
        "リンク スコープを使う場合は、そのリソース ID を --private-link-scope で指定してください。")),
    _e(27, "CONFIG_CONFLICT", False,
       ("The agent configuration has a conflict.",
        "A setting cannot be changed in the current state, or the settings file is not valid.",
        "Follow the message above: change the conflicting setting first, or repair the file."),
       ("エージェントの構成に競合があります。",
        "現在の状態では設定を変更できないか、設定ファイルが有効ではありません。",
        "上のメッセージに従い、競合している設定を先に変更するか、ファイルを修復してください。")),
    _e(28, "TPM_OPEN_FAILED", False,
       ("The TPM device cannot be opened.",
        "The TPM is disabled or not accessible to the agent.",
        "Enable the TPM and make /dev/tpmrm0 accessible, then try again."),
       ("TPM デバイスを開けません。",
        "TPM が無効か、エージェントからアクセスできません。",
        "TPM を有効にして /dev/tpmrm0 にアクセスできるようにしてから再実行してください。"),
       TPM),
    _e(41, "CREDENTIALS_INVALID", False,
       ("The credentials are not valid.",
        "Microsoft Entra ID refused the sign-in: the secret is wrong or expired, the application "
        "or tenant is unknown, or the account cannot reach the tenant.",
        "For a service principal check the client ID, the secret and its expiry, and that it "
        "belongs to the tenant of the subscription. For device login check the account's access "
        "to the tenant and subscription."),
       ("資格情報が無効です。",
        "Microsoft Entra ID がサインインを拒否しました。シークレットが間違っているか期限切れ、"
        "アプリケーションやテナントが不明、またはアカウントがテナントにアクセスできません。",
        "サービス プリンシパルの場合は、クライアント ID、シークレットとその有効期限、サブスクリプション"
        "と同じテナントに属していることを確認してください。デバイス ログインの場合は、アカウントが"
        "テナントとサブスクリプションにアクセスできることを確認してください。")),
    _e(42, "CREATE_RESOURCE_FAILED", False,
       ("Creating the Azure Arc-enabled server resource failed.",
        "Azure Resource Manager refused or failed the request; its message is shown above.",
        "Act on the message above. The identity needs the 'Azure Connected Machine Onboarding' "
        "role on the resource group, and the subscription must have Microsoft.HybridCompute "
        "registered."),
       ("Azure Arc 対応サーバー リソースの作成に失敗しました。",
        "Azure Resource Manager が要求を拒否したか失敗しました。そのメッセージを上に示します。",
        "上のメッセージに従ってください。ID にはリソース グループに対する 'Azure Connected Machine "
        "Onboarding' ロールが必要で、サブスクリプションに Microsoft.HybridCompute が登録されている"
        "必要があります。")),
    _e(43, "DELETE_RESOURCE_FAILED", False,
       ("Deleting the Azure Arc-enabled server resource failed.",
        "The identity may not delete machines in this resource group, or the request failed.",
        "Grant 'Azure Connected Machine Resource Administrator' to the identity. If the resource "
        "no longer exists in Azure, run 'azcmagent disconnect --force-local-only'."),
       ("Azure Arc 対応サーバー リソースの削除に失敗しました。",
        "ID がこのリソース グループのマシンを削除できないか、要求が失敗しました。",
        "ID に 'Azure Connected Machine Resource Administrator' ロールを付与してください。リソース"
        "が Azure に存在しない場合は 'azcmagent disconnect --force-local-only' を実行してください。")),
    _e(44, "RESOURCE_EXISTS", False,
       ("A resource with the same name already exists.",
        "The resource group already holds an Azure Arc-enabled server with this name.",
        "Choose another --resource-name, or delete the existing resource in Azure and try again."),
       ("同じ名前のリソースが既に存在します。",
        "リソース グループに同じ名前の Azure Arc 対応サーバーが既にあります。",
        "別の --resource-name を指定するか、Azure 上の既存リソースを削除してから再実行してください。")),
    _e(45, "RECONNECT_KEY_UPDATE_FAILED", True,
       ("The service could not be given the new public key to reconnect.",
        "The request that registers the machine's new key failed.",
        "Check the network and the agent log, then try again."),
       ("再接続用の新しい公開キーをサービスに登録できませんでした。",
        "マシンの新しいキーを登録する要求が失敗しました。",
        "ネットワークとエージェント ログを確認してから再実行してください。"),
       "reconnect is not implemented"),
    _e(61, "AGENT_SERVICE_UNREACHABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(62, "CONNECT_FAILED", False,
       ("An error occurred while connecting the server.",
        "A step of the connection failed; its message is shown above.",
        "Act on the message above. If the Azure resource was created, delete it before trying "
        "again."),
       ("サーバーの接続中にエラーが発生しました。",
        "接続処理のいずれかの手順が失敗しました。そのメッセージを上に示します。",
        "上のメッセージに従ってください。Azure リソースが作成済みの場合は、削除してから再実行して"
        "ください。")),
    _e(63, "DISCONNECT_FAILED", False,
       ("An error occurred while disconnecting the server.",
        "A step of the disconnection failed; its message is shown above.",
        "Act on the message above. If it persists, delete the resource in Azure and run "
        "'azcmagent disconnect --force-local-only'."),
       ("サーバーの切断中にエラーが発生しました。",
        "切断処理のいずれかの手順が失敗しました。そのメッセージを上に示します。",
        "上のメッセージに従ってください。解決しない場合は、Azure でリソースを削除し、"
        "'azcmagent disconnect --force-local-only' を実行してください。")),
    _e(64, "HIMDS_COMMUNICATION_FAILED", True, _SERVICE_EN, _SERVICE_JA),
    _e(65, "AGENT_METADATA_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(66, "AGENT_STATUS_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA, HIMDS_VARIANT),
    _e(67, "ALREADY_CONNECTED", False,
       ("This machine is already connected to Azure.",
        "The agent already holds a connection to the resource named above.",
        "Run 'azcmagent disconnect' to remove the current connection, then connect again."),
       ("このマシンは既に Azure に接続されています。",
        "エージェントは上に示したリソースへの接続を既に保持しています。",
        "'azcmagent disconnect' で現在の接続を削除してから、もう一度接続してください。")),
    _e(68, "SUBSCRIPTION_LOOKUP_FAILED", False,
       ("The subscription name could not be turned into a subscription ID.",
        "No subscription visible to the identity has that display name, or several do.",
        "Run the command again with the subscription GUID instead of its name."),
       ("サブスクリプション名をサブスクリプション ID に変換できませんでした。",
        "ID から参照できるサブスクリプションにその表示名のものがないか、複数あります。",
        "サブスクリプション名ではなく GUID を指定してコマンドを再実行してください。")),
    _e(69, "LOCAL_CONFIG_UPDATE_FAILED", False,
       ("The local configuration could not be updated.",
        "Writing the agent's configuration files failed; the previous files are unchanged.",
        "Check the permissions and free space of /var/opt/azcmagent, then try again."),
       ("ローカル構成を更新できませんでした。",
        "エージェントの構成ファイルの書き込みに失敗しました。以前のファイルは変更されていません。",
        "/var/opt/azcmagent の権限と空き容量を確認してから再実行してください。")),
    _e(70, "LOCAL_CONFIG_UNAVAILABLE", True, _SERVICE_EN, _SERVICE_JA,
       "cmagent reports a damaged agentconfig.json as AZCM0027, naming the file and the way "
       "back; this code's remedy (start himds) does not fit that case"),
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
       "partnerconfig is reserved for internal use"),
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
        "クラウドのエンドポイント情報を取得できないか、読み取れませんでした。",
        "クラウドのメタデータ エンドポイントへの接続を確認するか、--cloud を明示してください。")),
    _e(76, "TPM_CONNECT_FAILED", False,
       ("Connecting with TPM-based authentication failed.",
        "The TPM could not be used for the machine identity.",
        "Check the TPM, or connect with the default identity key store."),
       ("TPM ベースの認証による接続に失敗しました。",
        "マシン ID に TPM を使用できませんでした。",
        "TPM を確認するか、既定の ID キー ストアで接続してください。"),
       TPM),
    _e(81, "MSI_CERTIFICATE_DOWNLOAD_FAILED", True,
       ("Downloading the managed identity certificate failed.",
        "The agent could not get its identity certificate from the Hybrid Identity Service.",
        "Check that *.his.arc.azure.com is reachable ('azcmagent check'), delete the resource "
        "created in Azure, and connect again."),
       ("マネージド ID 証明書のダウンロードに失敗しました。",
        "エージェントが Hybrid Identity Service から ID 証明書を取得できませんでした。",
        "*.his.arc.azure.com に到達できることを 'azcmagent check' で確認し、Azure に作成された"
        "リソースを削除してから、もう一度接続してください。")),
    _e(82, "TPM_MSI_CERTIFICATE_FAILED", False,
       ("Getting the managed identity certificate with the TPM failed.",
        "The TPM-backed key could not be used to obtain the certificate.",
        "Check himds and the TPM, then try again."),
       ("TPM を使用したマネージド ID 証明書の取得に失敗しました。",
        "TPM に格納されたキーで証明書を取得できませんでした。",
        "himds と TPM を確認してから再実行してください。"),
       TPM),
    _e(83, "PERSISTENT_CREDENTIAL_FAILED", True,
       ("Registering the persistent credential with the service failed.",
        "The service could not record the machine's persistent credential.",
        "Check the network and try again."),
       ("永続的な資格情報をサービスに登録できませんでした。",
        "サービスがマシンの永続的な資格情報を記録できませんでした。",
        "ネットワークを確認してから再実行してください。"),
       TPM),
    _e(101, "COMMAND_PARSE_FAILED", False,
       ("The command could not be parsed.",
        "The command name or one of its flags is unknown, or a flag is missing its value.",
        "Check the syntax with 'azcmagent <command> --help'."),
       ("コマンドを解析できませんでした。",
        "コマンド名またはフラグが不明か、フラグに値がありません。",
        "'azcmagent <command> --help' で構文を確認してください。")),
    _e(102, "HOSTNAME_UNAVAILABLE", False,
       ("No valid resource name could be derived from the host name.",
        "The host name could not be read, or it is not a valid resource name.",
        "Give --resource-name (or -n) using letters, digits, '-' and '_', not ending in '-' or "
        "'_', at most 54 characters."),
       ("ホスト名から有効なリソース名を作成できませんでした。",
        "ホスト名を取得できないか、有効なリソース名ではありません。",
        "英数字、'-'、'_' のみで、'-' や '_' で終わらない 54 文字以内の名前を --resource-name "
        "(または -n) に指定してください。")),
    _e(103, "RSA_KEY_FAILED", False,
       ("Generating or processing the RSA key failed.",
        "The key pair could not be created or stored.",
        "Check free space and permissions under /var/opt/azcmagent/certs and try again; if it "
        "persists, report it with 'azcmagent logs'."),
       ("RSA キーの生成または処理に失敗しました。",
        "キー ペアを作成または保存できませんでした。",
        "/var/opt/azcmagent/certs の空き容量と権限を確認して再実行してください。解決しない場合は "
        "'azcmagent logs' で報告してください。")),
    _e(104, "PRIVATE_KEY_UNAVAILABLE", False,
       ("The private key cannot be read.",
        "The machine's private key is missing or unreadable.",
        "Run 'azcmagent disconnect --force-local-only' and connect again."),
       ("秘密キーを読み取れません。",
        "マシンの秘密キーがないか、読み取れません。",
        "'azcmagent disconnect --force-local-only' を実行してから、もう一度接続してください。"),
       "the CLI never reads the identity key back; himds reports a missing key in its status"),
    _e(105, "SIGNED_MESSAGE_FAILED", True,
       ("The signed identity message could not be obtained.",
        "The Hybrid Identity Service did not complete the proof of key possession.",
        "Check that the Azure Arc service is reachable, delete the resource created in Azure, "
        "and connect again."),
       ("署名付き ID メッセージを取得できませんでした。",
        "Hybrid Identity Service でキー所有の証明が完了しませんでした。",
        "Azure Arc サービスに到達できることを確認し、Azure に作成されたリソースを削除してから、"
        "もう一度接続してください。")),
    _e(106, "PARAMETERS_FILE_SAVE_FAILED", False,
       ("The parameters file could not be saved.",
        "Writing the file failed.",
        "Check free space and permissions of the target directory."),
       ("パラメーター ファイルを保存できませんでした。",
        "ファイルの書き込みに失敗しました。",
        "保存先ディレクトリの空き容量と権限を確認してください。"),
       "no command writes a parameters file"),
    _e(107, "CERTIFICATE_UNAVAILABLE", False,
       ("The certificate cannot be read.",
        "The certificate file is missing, unreadable or not in PEM or PFX form.",
        "Check the certificate path and its format (PEM, or PFX without a password, holding "
        "both keys)."),
       ("証明書を読み取れません。",
        "証明書ファイルがないか、読み取れないか、PEM または PFX 形式ではありません。",
        "証明書のパスと形式 (両方のキーを含む PEM、またはパスワードなしの PFX) を確認してください。")),
    _e(108, "TPM_KEYS_FAILED", False,
       ("Processing the TPM keys failed.",
        "The TPM could not create or use the key.",
        "Check the TPM."),
       ("TPM キーの処理に失敗しました。",
        "TPM でキーを作成または使用できませんでした。",
        "TPM を確認してください。"),
       TPM),
)

_LINUX_INSTALLER: tuple[Entry, ...] = (
    _installer(127, "INSTALL_ALTDOWNLOAD_DEB_ON_RPM",
               "The --altdownload file has a .deb suffix on an RPM system.",
               "RPM システムで --altdownload のファイルに .deb 拡張子が付いています。"),
    _installer(128, "INSTALL_ALTDOWNLOAD_RPM_ON_DEB",
               "The --altdownload file has a .rpm suffix on a DEB system.",
               "DEB システムで --altdownload のファイルに .rpm 拡張子が付いています。"),
    _installer(129, "INSTALL_BAD_ARGUMENT",
               "The installer got an unknown argument, or its temporary directory is not "
               "writable.",
               "インストーラーに不明な引数が渡されたか、一時ディレクトリに書き込めません。"),
    _installer(130, "INSTALL_NO_SYSTEMD",
               "systemd is required: systemctl is not on the PATH.",
               "systemd が必要ですが、PATH に systemctl がありません。"),
    _installer(131, "INSTALL_UNKNOWN_DISTRIBUTION",
               "The Linux distribution cannot be identified.",
               "Linux ディストリビューションを特定できません。"),
    _installer(132, "INSTALL_UNSUPPORTED_ARCHITECTURE",
               "The processor architecture is not supported (x86_64 and aarch64 only).",
               "プロセッサ アーキテクチャがサポートされていません (x86_64 と aarch64 のみ)。"),
    _installer(133, "INSTALL_UNSUPPORTED_DISTRIBUTION",
               "The Linux distribution or its ARM64 variant is not supported.",
               "Linux ディストリビューションまたはその ARM64 版がサポートされていません。"),
    *(
        _installer(code, f"INSTALL_LINUX_{code}",
                   "The Linux installation failed.", "Linux へのインストールに失敗しました。")
        for code in range(134, 141)
    ),
    _installer(141, "INSTALL_ON_AZURE_VM",
               "The agent cannot be installed on an Azure virtual machine.",
               "Azure 仮想マシンにはエージェントをインストールできません。"),
    _installer(142, "INSTALL_ALTDOWNLOAD_FAILED",
               "The --altdownload link is wrong, or copying the package failed.",
               "--altdownload のリンクが正しくないか、パッケージのコピーに失敗しました。"),
    _installer(143, "INSTALL_PACKAGE_MANAGER_FAILED",
               "The package manager failed to install azcmagent.",
               "パッケージ マネージャーによる azcmagent のインストールに失敗しました。"),
    _installer(144, "INSTALL_LINUX_144",
               "The Linux installation failed.", "Linux へのインストールに失敗しました。"),
    _installer(145, "INSTALL_APT_LOCKED",
               "The apt/dpkg lock was still held after 5 minutes.",
               "5 分経過しても apt/dpkg のロックが解放されませんでした。"),
    _installer(146, "INSTALL_REPOSITORY_DOWNLOAD_FAILED",
               "Downloading the packages-microsoft-prod repository package failed.",
               "packages-microsoft-prod リポジトリ パッケージのダウンロードに失敗しました。"),
)

_WINDOWS_INSTALLER: tuple[Entry, ...] = (
    _installer(147, "INSTALL_VERSION_NOT_FOUND",
               "The requested --desiredversion was not found (Windows: cannot install on an "
               "Azure VM).",
               "要求された --desiredversion が見つかりません (Windows: Azure VM にはインストール"
               "できません)。"),
    _installer(148, "INSTALL_MSI_DOWNLOAD_FAILED",
               "Downloading the Windows installer package failed.",
               "Windows インストーラー パッケージのダウンロードに失敗しました。"),
    _installer(149, "INSTALL_MSIEXEC_UNEXPECTED",
               "msiexec returned an unexpected code.",
               "msiexec が想定外のコードを返しました。"),
    _installer(150, "INSTALL_GENERIC_FAILURE",
               "The installation failed.",
               "インストール中に一般的なエラーが発生しました。"),
    _installer(151, "INSTALL_DOTNET_MISSING",
               "The required .NET Framework is missing.",
               "必要な .NET Framework がありません。"),
    _installer(152, "INSTALL_AZURE_STACK_HCI",
               "This server is Azure Stack HCI; use its built-in registration.",
               "このサーバーは Azure Stack HCI です。組み込みの登録機能を使用してください。"),
    _installer(153, "INSTALL_UNSUPPORTED_PLATFORM",
               "The system platform is not supported.",
               "システム プラットフォームがサポートされていません。"),
    _installer(154, "INSTALL_POWERSHELL_TOO_OLD",
               "The installed PowerShell is too old.",
               "インストールされている PowerShell が古すぎます。"),
    _installer(155, "INSTALL_NOT_ADMINISTRATOR",
               "The installation script is not running as an administrator.",
               "インストール スクリプトが管理者として実行されていません。"),
    _installer(156, "INSTALL_AGENT_FAILED",
               "Installing the agent failed (fatal installer error).",
               "エージェントのインストールに失敗しました (インストーラーの致命的なエラー)。"),
    _installer(157, "INSTALL_REPOSITORY_METADATA_FAILED",
               "The repository metadata of packages.microsoft.com cannot be downloaded.",
               "packages.microsoft.com のリポジトリ メタデータをダウンロードできません。"),
    _installer(158, "INSTALL_DISK_FULL",
               "There is not enough disk space.",
               "ディスクの空き容量が不足しています。"),
    _installer(159, "INSTALL_IN_PROGRESS",
               "Another installation is in progress.",
               "別のインストールが進行中です。"),
    _installer(160, "INSTALL_LOG_UNAVAILABLE",
               "The installer cannot open its log file.",
               "インストーラーがログ ファイルを開けません。"),
    _installer(171, "INSTALL_SIGNATURE_INVALID",
               "The agent package failed signature validation.",
               "エージェント パッケージの署名の検証に失敗しました。"),
)

ENTRIES: tuple[Entry, ...] = _AGENT + _LINUX_INSTALLER + _WINDOWS_INSTALLER
BY_CODE: dict[int, Entry] = {entry.code: entry for entry in ENTRIES}
BY_NAME: dict[str, Entry] = {entry.name: entry for entry in ENTRIES}
