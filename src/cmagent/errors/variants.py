"""Variants of a code's cause and remedy: where one code arises in situations that need other
words, the raising code names the variant that fits what just happened
(``AzcmError(..., remedy="...")``) and its texts replace the catalogue's. ``{name}`` in a text is
filled from the error's facts (its JSON extras). Listed in docs/errors.md under their code.
"""

from __future__ import annotations

from cmagent.errors import Localized


class Variant:
    __slots__ = ("added", "cause", "heading", "remedy", "retryable")

    def __init__(self, remedy: Localized, cause: Localized | None = None,
                 heading: Localized | None = None, retryable: bool | None = None,
                 added: bool = False) -> None:
        self.remedy = remedy
        self.cause = cause
        self.heading = heading  # replaces the catalogue's message where it would not be true
        self.retryable = retryable  # replaces the catalogue's, where this case differs
        # Said after the error's own cause and remedy, not in their place: what it adds (a
        # resource left behind) comes on top of a failure whose own fix still holds.
        self.added = added


ANY_CODE = 0  # a variant listed under this code fits any code
VARIANTS: dict[tuple[int, str], Variant] = {
    (12, "other-cloud"): Variant(Localized(
        "Get a new token for {resource} (for example with 'az account get-access-token "
        "--resource {resource}') and try again.",
        "{resource} 用の新しいトークンを取得して (例: 'az account get-access-token --resource "
        "{resource}')、もう一度実行してください。")),
    (12, "arm-refused"): Variant(Localized(
        "Get a new token from the subscription's tenant (with --access-token, for example "
        "'az account get-access-token --tenant <tenant>'; otherwise check --tenant-id) and try "
        "again.",
        "サブスクリプションが属するテナントの新しいトークンを取得してください (--access-token "
        "の場合は 'az account get-access-token --tenant <テナント>' など)。それ以外のサインイン"
        "方法では --tenant-id を確認してください。その後、もう一度実行してください。"),
        cause=Localized(
            "Azure Resource Manager refused the token: it is expired, altered or forged, meant "
            "for another audience, or issued by a tenant other than the subscription's.",
            "Azure Resource Manager がトークンを拒否しました。有効期限切れ、改ざんまたは偽造された"
            "トークンであるか、別の対象ユーザー (audience) 向けであるか、サブスクリプションが"
            "属するテナント以外のテナントによって発行されたトークンです。")),
    (27, "damaged-record"): Variant(Localized(
        "Run 'azcmagent disconnect --force-local-only' to return the machine to a clean local "
        "state (the resource in Azure is not touched: delete it there if it is not wanted), "
        "then run 'azcmagent connect' again.",
        "'azcmagent disconnect --force-local-only' を実行してマシンをクリーンなローカル状態に"
        "戻してから (Azure のリソースは変更されません。不要な場合は Azure で削除してください)、"
        "もう一度 'azcmagent connect' を実行してください。"),
        cause=Localized(
            "The connection record (agentconfig.json) cannot be used: it is truncated, was "
            "edited by hand, or was written by an agent this one does not know.",
            "接続レコード (agentconfig.json) を使用できません。途中で切れているか、手動で編集"
            "されたか、このエージェントが認識しないエージェントによって書き込まれました。")),
    (ANY_CODE, "resource-left"): Variant(Localized(
        "Then delete the machine's resource with the command the error message names (or in "
        "the Azure portal; this needs a role that may delete machines, such as Azure Connected "
        "Machine Resource Administrator, which the onboarding role is not) and run 'azcmagent "
        "connect' again; until it is deleted, connect fails with AZCM0044 (the name is taken).",
        "その後、エラー メッセージに示されたコマンド (または Azure portal) でマシンのリソースを"
        "削除してから、もう一度 'azcmagent connect' を実行してください (削除には Azure "
        "Connected Machine Resource Administrator などマシンを削除できるロールが必要です。"
        "オンボード用のロールでは削除できません)。削除するまでは、名前が使用中のため "
        "connect は AZCM0044 で失敗します。"),
        cause=Localized(
            "The machine's resource, which this command had created (or may have created) in "
            "Azure before it failed, could not be deleted again, or whether it remains could not "
            "be found out.",
            "このコマンドが失敗する前に Azure に作成した (または作成した可能性がある) マシンの"
            "リソースを削除できなかったか、リソースが残っているかどうかを確認できませんでした。"),
        retryable=False, added=True),
    (ANY_CODE, "clock-off"): Variant(Localized(
        "Synchronize this machine's clock (for example 'timedatectl set-ntp true', or 'chronyc "
        "makestep' with chrony), then run the command again; 'azcmagent check' shows how far "
        "the clock is from the cloud's. Should it still fail with the clock right, the error's "
        "details name the other cause.",
        "このマシンの時計を同期してから (例: 'timedatectl set-ntp true'、chrony では 'chronyc "
        "makestep')、もう一度コマンドを実行してください。クラウドの時計とのずれは 'azcmagent "
        "check' で確認できます。時計を合わせても失敗する場合は、エラーの詳細に示された別の"
        "原因を確認してください。"),
        cause=Localized(
            "This machine's clock is more than {clockLimitSeconds} seconds off from the "
            "cloud's: the times in its tokens and client assertions fall outside what Entra ID "
            "and Azure accept (AADSTS700024, a token not yet valid or already expired).",
            "このマシンの時計がクラウドの時計から {clockLimitSeconds} 秒を超えてずれています。"
            "トークンやクライアント アサーションの時刻が、Entra ID と Azure が受け付ける範囲外に"
            "なります (AADSTS700024、まだ有効でないトークンまたは期限切れのトークン)。"),
        retryable=False),
    (69, "not-removed"): Variant(Localized(
        "Check {agentDirectory}: a file where a directory belongs, a read-only file system or "
        "missing permissions; mend it, then run 'azcmagent disconnect --force-local-only'.",
        "{agentDirectory} を確認してください (ディレクトリがあるべき場所にファイルがある、"
        "読み取り専用のファイル システム、アクセス許可の不足など)。原因を解消してから "
        "'azcmagent disconnect --force-local-only' を実行してください。"),
        cause=Localized(
            "Removing the agent's connection files (the connection record agentconfig.json, "
            "the identity's key and certificate) failed; some of them may remain.",
            "エージェントの接続ファイル (接続レコード agentconfig.json、マネージド ID のキーと"
            "証明書) を削除できませんでした。一部が残っている可能性があります。")),
    (63, "not-connected-left"): Variant(Localized(
        "If the resource the message names exists, delete it with the command given there; "
        "then run 'azcmagent connect' to onboard this machine.",
        "メッセージに示されたリソースが存在する場合は、示されたコマンドで削除してください。"
        "その後、'azcmagent connect' を実行してこのマシンをオンボードしてください。"),
        cause=Localized(
            "The machine has no connection to disconnect, but an earlier connect of it did not "
            "finish and may have left its resource in Azure.",
            "切断する接続はありませんが、このマシンの以前の connect が完了しておらず、Azure に"
            "リソースが残っている可能性があります。")),
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
        "ブロックされていると示された各エンドポイントについて、原因 (名前解決、ルート、プロキシ、"
        "TLS インスペクション) を取り除いてから、'azcmagent check' をもう一度実行してください。"
        "プライベート "
        "リンク スコープを使用する場合は --enable-pls-check を付けます。")),
    (26, "tls-inspected"): Variant(Localized(
        "Either exempt the Azure Arc endpoints ('azcmagent check' lists them) from TLS "
        "inspection on the proxy or firewall that issued '{tlsIssuer}', or, if your policy "
        "allows it, add that issuer's CA certificate to this machine's trust store (on Debian "
        "and Ubuntu: copy it to /usr/local/share/ca-certificates/ and run "
        "'update-ca-certificates'); then run the command again. --ignore-network-check does not "
        "help: every request of the agent meets the same certificate.",
        "'{tlsIssuer}' を発行したプロキシまたはファイアウォールで Azure Arc のエンドポイント "
        "('azcmagent check' で一覧表示されます) を TLS インスペクションの対象外にするか、ポリシー"
        "で許可されている場合は、その発行者の CA 証明書をこのマシンの信頼ストアに追加してください "
        "(Debian と Ubuntu では /usr/local/share/ca-certificates/ にコピーして "
        "'update-ca-certificates' を実行します)。その後、もう一度コマンドを実行してください。"
        "--ignore-network-check では解決しません。エージェントのすべての要求が同じ証明書を受け"
        "取るためです。"),
        cause=Localized(
            "A proxy or firewall inspects TLS: it answers in the endpoint's place with a "
            "certificate issued by '{tlsIssuer}', which this machine does not trust.",
            "プロキシまたはファイアウォールが TLS 通信を検査 (TLS インスペクション) しています。"
            "エンドポイントの代わりに '{tlsIssuer}' が発行した証明書で応答しており、このマシンは"
            "その証明書を信頼していません。"),
        retryable=False),
    (75, "cloud-given"): Variant(Localized(
        "Check the value given to {givenAs}: AzureCloud, AzureUSGovernment, AzureChinaCloud, or "
        "the https URL of a cloud that answers /metadata/endpoints, reachable from this machine.",
        "{givenAs} に指定した値を確認してください。AzureCloud、AzureUSGovernment、AzureChinaCloud、"
        "または /metadata/endpoints に応答し、このマシンから接続できるクラウドの https URL を指定"
        "します。")),
    (75, "proxy"): Variant(Localized(
        "Check the proxy the agent uses ('azcmagent config get proxy.url', else HTTPS_PROXY): "
        "it must run and accept connections from this machine. 'azcmagent check' tests every "
        "endpoint through it.",
        "エージェントが使用するプロキシ ('azcmagent config get proxy.url'、設定がない場合は "
        "HTTPS_PROXY) を確認してください。プロキシが動作していて、このマシンからの接続を受け付ける"
        "必要があります。'azcmagent check' は各エンドポイントをプロキシ経由でテストします。"),
        cause=Localized(
            "The proxy could not be reached or refused the connection, so the cloud's "
            "description could not be fetched.",
            "プロキシに接続できないか、プロキシが接続を拒否したため、クラウドの説明を取得できません"
            "でした。")),
    (11, "sigterm"): Variant(Localized(
        "Run the command again and give it time to finish (a 'timeout' or a service manager's "
        "stop ends it early).",
        "コマンドをもう一度実行し、完了するまで待ってください ('timeout' やサービス マネージャー"
        "の停止によって途中で終了します)。"),
        cause=Localized(
            "The command received SIGTERM (from a service manager, a time limit such as "
            "'timeout', or 'kill') before it finished; nothing was left half-written.",
            "コマンドは完了前に SIGTERM (サービス マネージャー、'timeout' などの時間制限、または "
            "'kill') を受け取りました。途中まで書き込まれたまま残っているファイルはありません。"),
        heading=Localized("The operation was stopped before it finished (SIGTERM)",
                          "操作は完了前に停止されました (SIGTERM)")),
    (27, "busy"): Variant(Localized(
        "Wait for that command to finish, then run this one again; nothing needs repair.",
        "そのコマンドが終了するまで待ってから、このコマンドをもう一度実行してください。修復は"
        "不要です。"),
        cause=Localized(
            "Another azcmagent command holds this machine's connection lock: one connect or "
            "disconnect runs at a time.",
            "別の azcmagent コマンドがこのマシンの接続のロックを保持しています。connect と "
            "disconnect は一度に 1 つしか実行できません。"),
        heading=Localized("Another azcmagent command is changing this machine",
                          "別の azcmagent コマンドがこのマシンを変更しています"),
        retryable=True),
    (11, "sighup"): Variant(Localized(
        "Run the command again where it can finish: under 'nohup', in tmux or screen, or as "
        "a service ('systemd-run').",
        "完了できる環境でコマンドをもう一度実行してください: 'nohup' の下、tmux や screen の中、"
        "またはサービスとして ('systemd-run')。"),
        cause=Localized(
            "The terminal or SSH session that ran the command closed (SIGHUP) before it "
            "finished; nothing was left half-written.",
            "コマンドを実行していた端末または SSH セッションが完了前に閉じられました (SIGHUP)。"
            "途中まで書き込まれたまま残っているファイルはありません。"),
        heading=Localized("The operation was stopped before it finished (SIGHUP)",
                          "操作は完了前に停止されました (SIGHUP)")),
    (6, "root-variable"): Variant(Localized(
        "Create that directory, or unset AZCMAGENT_ROOT to use the agent's real paths "
        "(/opt/azcmagent, /var/opt/azcmagent).",
        "そのディレクトリを作成するか、AZCMAGENT_ROOT の設定を解除して (unset AZCMAGENT_ROOT) "
        "エージェントの本来のパス "
        "(/opt/azcmagent、/var/opt/azcmagent) を使用してください。"),
        cause=Localized(
            "AZCMAGENT_ROOT, which places all of the agent's files below another directory, "
            "names no existing directory.",
            "エージェントのすべてのファイルを別のディレクトリの下に置く AZCMAGENT_ROOT が、"
            "存在しないディレクトリを指しています。")),
    # AZCM0023 where the value's form is not what is wrong.
    (23, "combination"): Variant(Localized(
        "Keep only one of the flags the error message names, then run the command again; "
        "'azcmagent <command> --help' shows which flags go together.",
        "エラー メッセージに示されたフラグのうち 1 つだけを指定して、コマンドをもう一度実行して"
        "ください。組み合わせられるフラグは 'azcmagent <command> --help' で確認できます。"),
        cause=Localized(
            "Flags were given together that the command takes only one at a time.",
            "同時には 1 つしか指定できないフラグが、一緒に指定されました。")),
    (23, "setting-value"): Variant(Localized(
        "Give a value of the form the error message names; 'azcmagent config info' describes "
        "every setting and the values it takes.",
        "エラー メッセージに示された形式の値を指定してください。各設定と指定できる値は "
        "'azcmagent config info' で確認できます。")),
    (23, "unknown-name"): Variant(Localized(
        "Use a name as it is listed where the error message points ('azcmagent config info', "
        "'azcmagent show --json', or 'azcmagent <command> --help' for flags), then run the "
        "command again.",
        "エラー メッセージが示す一覧 ('azcmagent config info'、'azcmagent show --json'、フラグは "
        "'azcmagent <command> --help') にあるとおりの名前を指定して、コマンドをもう一度実行して"
        "ください。"),
        cause=Localized(
            "A name was given that the command does not know: a setting, a property or a "
            "configuration file key.",
            "コマンドが認識しない名前 (設定、プロパティ、または構成ファイルのキー) が指定され"
            "ました。")),
    (23, "output-path"): Variant(Localized(
        "Give --output a path in an existing directory that you can write to, or leave --output "
        "out to write to the current directory.",
        "--output には、書き込み可能な既存のディレクトリ内のパスを指定してください。--output を"
        "省略すると、現在のディレクトリに書き込みます。"),
        cause=Localized(
            "The file named by --output cannot be written: its directory does not exist or is "
            "not writable, or the disk is full.",
            "--output で指定したファイルに書き込めません。ディレクトリが存在しないか書き込み"
            "できないか、ディスクがいっぱいです。")),
    # AZCM0041 by the sign-in method that failed: the catalogue's remedy covers all of them.
    (41, "service-principal"): Variant(Localized(
        "Check --service-principal-id, the secret or certificate and its expiry, and that the "
        "service principal belongs to the tenant of the subscription (--tenant-id); then try "
        "again.",
        "--service-principal-id、シークレットまたは証明書とその有効期限、およびサービス "
        "プリンシパルがサブスクリプションのテナント (--tenant-id) に属していることを確認してから、"
        "もう一度実行してください。"),
        cause=Localized(
            "Microsoft Entra ID refused the service principal's sign-in: the secret or "
            "certificate is wrong or expired, or the application or tenant is unknown.",
            "Microsoft Entra ID がサービス プリンシパルのサインインを拒否しました。シークレット"
            "または証明書が間違っているか有効期限が切れているか、アプリケーションまたはテナントが"
            "見つかりません。")),
    (41, "device-code"): Variant(Localized(
        "Sign in with an account that can access the tenant (--tenant-id) and the subscription, "
        "and finish the device login before its code expires; then try again.",
        "テナント (--tenant-id) とサブスクリプションにアクセスできるアカウントでサインインし、"
        "コードの有効期限内にデバイス ログインを完了してから、もう一度実行してください。"),
        cause=Localized(
            "The device sign-in did not succeed: it was declined or not finished in time, or "
            "the account cannot reach the tenant.",
            "デバイス サインインが成功しませんでした。拒否されたか時間内に完了しなかったか、"
            "アカウントがテナントにアクセスできません。")),
    (41, "azcli"): Variant(Localized(
        "Install the Azure CLI if it is missing, and sign in with 'az login' (to the "
        "subscription's tenant) on this machine as the user that runs azcmagent; or choose "
        "another sign-in method. Then try again.",
        "Azure CLI がない場合はインストールし、azcmagent を実行するユーザーとして、このマシンで "
        "'az login' により (サブスクリプションのテナントに) サインインしてください。または別の"
        "サインイン方法を選んでください。その後、もう一度実行してください。"),
        cause=Localized(
            "The Azure CLI gave no token: it is not installed, not signed in, or signed in to "
            "another tenant.",
            "Azure CLI からトークンを取得できませんでした。インストールされていないか、サイン"
            "インしていないか、別のテナントにサインインしています。")),
    # himds's socket gave no answer for a reason other than permission (already root then):
    # the catalogue's 'run the command as root' does not fit.
    (64, "not-running"): Variant(Localized(
        "Start himds ('systemctl start himdsd', or 'himds serve' where there is no systemd) and "
        "try again; if it does not stay up, 'systemctl status himdsd' and "
        "{himdsLog} say why.",
        "himds を起動してから ('systemctl start himdsd'、systemd がない環境では 'himds serve')、"
        "もう一度実行してください。起動しても停止する場合は、'systemctl status himdsd' と "
        "{himdsLog} で理由を確認してください。"),
        cause=Localized(
            "Nothing answers on the agent service's socket: himds is stopped or still starting.",
            "エージェント サービスのソケットで応答がありません。himds が停止しているか、"
            "起動中です。")),
    (64, "refused"): Variant(Localized(
        "Restart himds ('systemctl restart himdsd') and try again; "
        "{himdsLog} says why it refused.",
        "himds を再起動してから ('systemctl restart himdsd')、もう一度実行してください。拒否した"
        "理由は {himdsLog} に記録されています。"),
        cause=Localized(
            "himds answered, but refused the request or answered something unreadable.",
            "himds は応答しましたが、要求を拒否したか、読み取れない応答を返しました。")),
    (64, "hung"): Variant(Localized(
        "See whether himds is stopped or stuck ('systemctl status himdsd'; a process in state "
        "T was stopped with SIGSTOP or by a debugger), restart it ('systemctl restart himdsd') "
        "and try again.",
        "himds が停止または応答不能になっていないか確認し ('systemctl status himdsd'。状態 T の"
        "プロセスは SIGSTOP かデバッガーで停止されています)、再起動してから ('systemctl restart "
        "himdsd')、もう一度実行してください。"),
        cause=Localized(
            "himds accepted the connection but did not answer in time: it is stopped, stuck or "
            "overloaded.",
            "himds は接続を受け付けましたが、時間内に応答しませんでした。停止しているか、"
            "応答不能か、過負荷の状態です。")),
    (105, "resource-deleted"): Variant(Localized(
        "The resource this run created was deleted again and the machine is as it was: make "
        "sure the Hybrid Identity Service endpoint (*.his.arc.azure.com) is reachable "
        "('azcmagent check'), then run 'azcmagent connect' again.",
        "この実行で作成したリソースは削除済みで、マシンも元の状態のままです。Hybrid Identity "
        "Service のエンドポイント (*.his.arc.azure.com) に接続できることを 'azcmagent check' で"
        "確認してから、もう一度 'azcmagent connect' を実行してください。")),
}


def variant(code: int, name: str) -> Variant:
    return VARIANTS.get((code, name)) or VARIANTS[(ANY_CODE, name)]
