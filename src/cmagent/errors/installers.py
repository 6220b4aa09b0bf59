"""The installers' AZCM codes, each with its own cause and remedy (the seed document lists them
as ranges with one remedy; a person whose install failed needs the step and the fix).

The Linux codes are emitted by cmagent's ``install_linux_azcmagent.sh`` (rendered from these
texts by ``packaging/build_installer.py``); the Windows codes stay listed, with the seed's
remedies, for people who meet them elsewhere.
"""

from __future__ import annotations

from cmagent.errors.entry import Entry
from cmagent.errors.entry import Texts

RESERVED = "the real Linux install script documents no condition for this code"
WINDOWS = "Windows installer code: cmagent targets Linux"
_OS_URL = "https://learn.microsoft.com/azure/azure-arc/servers/prerequisites"


def _linux(code: int, name: str, en: tuple[str, str, str], ja: tuple[str, str, str]) -> Entry:
    return Entry(code, name, False, Texts(*en), Texts(*ja))


def _windows(code: int, name: str, en: tuple[str, str], ja: tuple[str, str]) -> Entry:
    return Entry(code, name, False,
                 Texts(en[0], "The Windows installation script stopped at this step.", en[1]),
                 Texts(ja[0], "Windows のインストール スクリプトがこの手順で停止しました。",
                       ja[1]), WINDOWS)


def _reserved(code: int) -> Entry:
    return Entry(code, f"INSTALL_LINUX_{code}", False,
                 Texts("The Linux installation failed.",
                       "The Linux install script stopped with a code it documents no cause for.",
                       "Read the installer's output above for the step that failed."),
                 Texts("Linux への Azcmagent のインストール中にエラーが発生しました。",
                       "Linux のインストール スクリプトが、原因の記載のないコードで停止しました。",
                       "詳細については、出力にあるエラー メッセージを確認してください。"),
                 RESERVED)


_LINUX: tuple[Entry, ...] = (
    _linux(127, "INSTALL_ALTDOWNLOAD_DEB_ON_RPM",
           ("The --altdownload package is a .deb file, but this is an RPM-based system.",
            "The script chooses the package type from the distribution in /etc/os-release, and "
            "this distribution installs .rpm packages.",
            "Give --altdownload the .rpm package for this distribution (cmagent itself publishes "
            "Debian 12 packages only)."),
           ("--altdownload のパッケージが .deb ファイルですが、このシステムは RPM ベースです。",
            "スクリプトは /etc/os-release のディストリビューションからパッケージの種類を決めます。"
            "このディストリビューションは .rpm パッケージを使います。",
            "--altdownload にはこのディストリビューション用の .rpm パッケージを指定してください "
            "(cmagent が公開しているのは Debian 12 用パッケージのみです)。")),
    _linux(128, "INSTALL_ALTDOWNLOAD_RPM_ON_DEB",
           ("The --altdownload package is an .rpm file, but this is a Debian-based system.",
            "The script chooses the package type from the distribution in /etc/os-release, and "
            "this distribution installs .deb packages.",
            "Give --altdownload the .deb package (azcmagent_<version>_amd64.deb), or leave "
            "--altdownload out to install from packages.microsoft.com."),
           ("--altdownload のパッケージが .rpm ファイルですが、このシステムは Debian ベースです。",
            "スクリプトは /etc/os-release のディストリビューションからパッケージの種類を決めます。"
            "このディストリビューションは .deb パッケージを使います。",
            "--altdownload には .deb パッケージ (azcmagent_<バージョン>_amd64.deb) を指定するか、"
            "--altdownload を省いて packages.microsoft.com からインストールしてください。")),
    _linux(129, "INSTALL_BAD_ARGUMENT",
           ("The install script got an argument it does not know, or cannot use its temporary "
            "directory.",
            "An option is misspelt or not supported, or the --tempdir directory (by default a "
            "new directory under /tmp) does not exist or is not writable.",
            "Check the options with 'bash install_linux_azcmagent.sh --help'; give a writable "
            "--tempdir or free /tmp, then run the script again."),
           ("インストール スクリプトに不明な引数が渡されたか、一時ディレクトリを使用できません。",
            "オプションのつづりが誤っているかサポートされていないか、--tempdir のディレクトリ "
            "(既定では /tmp の下に新しく作るディレクトリ) が存在しないか書き込めません。",
            "'bash install_linux_azcmagent.sh --help' でオプションを確認し、書き込み可能な "
            "--tempdir を指定するか /tmp を空けてから、スクリプトを再実行してください。")),
    _linux(130, "INSTALL_NO_SYSTEMD",
           ("systemd is required: systemctl is not on the PATH.",
            "The agent runs as systemd services (himdsd); this machine does not boot with "
            "systemd, or systemctl's directory is not on the PATH.",
            "Install on a distribution that runs systemd, or put systemctl's directory "
            "(/usr/bin) on the PATH, then run the script again."),
           ("systemd が必要ですが、PATH に systemctl がありません。",
            "エージェントは systemd のサービス (himdsd) として動作します。このマシンは systemd で"
            "起動していないか、systemctl のディレクトリが PATH にありません。",
            "systemd で動作するディストリビューションにイ"
            "ンストールするか、systemctl のディレクトリ "
            "(/usr/bin) を PATH に加えてから、スクリプトを再実行してください。")),
    _linux(131, "INSTALL_UNKNOWN_DISTRIBUTION",
           ("The Linux distribution cannot be identified.",
            "Neither /etc/os-release nor lsb_release names the distribution and its version.",
            "Restore /etc/os-release (the base-files package provides it) and run the script "
            f"again; the supported operating systems are listed at {_OS_URL}."),
           ("Linux ディストリビューションを特定できません。",
            "/etc/os-release も lsb_release も、ディストリビューションとそのバージョンを示して"
            "いません。",
            "/etc/os-release (base-files パッケージに含まれます) を復元してから、スクリプトを"
            f"再実行してください。サポートされているオペレーティング システムは {_OS_URL} に"
            "あります。")),
    _linux(132, "INSTALL_UNSUPPORTED_ARCHITECTURE",
           ("The processor architecture is not supported.",
            "The agent is built for 64-bit Linux on x86_64 and aarch64; uname reports another "
            "platform (a 32-bit system, or the script run under linux32/setarch).",
            "Install on 64-bit x86_64 or aarch64 Linux, and run the script without "
            "linux32/setarch."),
           ("プロセッサ アーキテクチャがサポートされていません。",
            "エージェントは x86_64 と aarch64 の 64 "
            "ビット Linux 用です。uname が別のプラットフォーム"
            "を報告しました (32 ビットのシステム、または linux32/setarch の下での実行)。",
            "x86_64 または aarch64 の 64 ビット Linux にインストールし、linux32/setarch を"
            "使わずにスクリプトを実行してください。")),
    _linux(133, "INSTALL_UNSUPPORTED_DISTRIBUTION",
           ("This Linux distribution or version is not supported.",
            "The distribution and version in /etc/os-release are not ones the agent package is "
            "published for (cmagent: Debian 12 on x86_64).",
            f"Install on a supported distribution and version (see {_OS_URL})."),
           ("この Linux ディストリビューションまたはバージョンはサポートされていません。",
            "/etc/os-release のディストリビューシ"
            "ョンとバージョンに対応するエージェント パッケージが"
            "公開されていません (cmagent: x86_64 の Debian 12)。",
            f"サポートされているディストリビューションとバージョンにインストールしてください "
            f"({_OS_URL} を参照)。")),
    *(_reserved(code) for code in (134, 135, 136, 137, 138, 139, 140)),
    _linux(141, "INSTALL_ON_AZURE_VM",
           ("The agent cannot be installed on an Azure virtual machine.",
            "Azure's instance metadata service answered, so this machine is an Azure VM; Azure "
            "manages its VMs directly, not through Azure Arc.",
            "Do not onboard Azure VMs to Azure Arc. For testing only, set MSFT_ARC_TEST=true in "
            "systemd's environment (see https://aka.ms/azcmagent-testwarning)."),
           ("Azure 仮想マシンにはエージェントをインストールできません。",
            "Azure のインスタンス メタデータ サービスが応答したため、このマシンは Azure VM です。"
            "Azure VM は Azure Arc を介さず Azure が直接管理します。",
            "Azure VM を Azure Arc にオンボードしないでください。テストに限り、systemd の環境に "
            "MSFT_ARC_TEST=true を設定します (https://aka.ms/azcmagent-testwarning を参照)。")),
    _linux(142, "INSTALL_ALTDOWNLOAD_FAILED",
           ("The --altdownload package cannot be downloaded or copied.",
            "The URL answered with an error or cannot be reached (no route, refused, not "
            "found), or the file cannot be read.",
            "Check the --altdownload URL or path, and that this machine reaches it (give "
            "--proxy where a proxy is needed)."),
           ("--altdownload のパッケージをダウンロードまたはコピーできません。",
            "URL がエラーを返したか到達できない (ルートなし、拒否、見つからない) か、ファイルを"
            "読み取れません。",
            "--altdownload の URL またはパスと、"
            "このマシンからそこへ到達できることを確認してください "
            "(プロキシが必要な場合は --proxy を指定します)。")),
    _linux(143, "INSTALL_PACKAGE_MANAGER_FAILED",
           ("The package manager failed to install azcmagent.",
            "apt-get or dpkg reported an error: a damaged package, a missing dependency, a full "
            "disk or an unreachable repository.",
            "Read the package manager's output in apt.log in the script's temporary directory, "
            "fix what it names, then run the script again."),
           ("パッケージ マネージャーによる azcmagent のインストールに失敗しました。",
            "apt-get または dpkg がエラーを報告しました: 壊れたパッケージ、不足している依存関係、"
            "ディスク容量の不足、または到達できないリポジトリです。",
            "スクリプトの一時ディレクトリにある apt.log でパッケージ マネージャーの出力を確認し、"
            "示された問題を解決してから、スクリプトを再実行してください。")),
    _reserved(144),
    _linux(145, "INSTALL_APT_LOCKED",
           ("The apt/dpkg lock was still held when the wait ran out.",
            "Another package operation (unattended-upgrades, apt-get or dpkg) held the lock for "
            "the whole wait (5 minutes).",
            "Wait until the other package operation has finished (ps -C apt-get,dpkg,"
            "unattended-upgr shows it), then run the script again."),
           ("待機時間が過ぎても apt/dpkg のロックが解放されませんでした。",
            "別のパッケージ操作 (unattended-upgrades、apt-get、dpkg) が待機時間 (5 分) の間"
            "ずっとロックを保持していました。",
            "別のパッケージ操作が終わるのを待ってから (ps -C apt-get,dpkg,unattended-upgr で"
            "確認できます)、スクリプトを再実行してください。")),
    _linux(146, "INSTALL_REPOSITORY_DOWNLOAD_FAILED",
           ("Downloading the packages-microsoft-prod package failed.",
            "packages.microsoft.com did not answer: a firewall or proxy refuses it, there is no "
            "route to it, or its name does not resolve.",
            "Allow https://packages.microsoft.com through the firewall and proxy (give the proxy "
            "with --proxy), then run the script again."),
           ("packages-microsoft-prod パッケージのダウンロードに失敗しました。",
            "packages.microsoft.com が応答しませんでした: ファイアウォールまたはプロキシが拒否して"
            "いるか、ルートがないか、名前を解決できません。",
            "ファイアウォールとプロキシで https://packages.microsoft.com を許可し (プロキシは "
            "--proxy で指定します)、スクリプトを再実行してください。")),
    _linux(147, "INSTALL_VERSION_NOT_FOUND",
           ("The requested agent version was not found.",
            "--desiredversion names a version the repository does not publish for this "
            "distribution. (The Windows installer uses this code for an Azure VM.)",
            "List the published versions with 'apt-cache madison azcmagent' and give one of "
            "them, or leave --desiredversion out to install the latest."),
           ("要求されたエージェントのバージョンが見つかりません。",
            "--desiredversion のバージョンは、こ"
            "のディストリビューション用にはリポジトリで公開されて"
            "いません (Windows のインストーラーは、このコードを Azure VM に使います)。",
            "'apt-cache madison azcmagent' で公開されているバージョンを確認してそのいずれかを指定"
            "するか、--desiredversion を省いて最新版をインストールしてください。")),
    _linux(150, "INSTALL_GENERIC_FAILURE",
           ("The installation stopped with an unexpected error.",
            "The script was interrupted (Ctrl+C, kill, a closed terminal) or a step failed in a "
            "way it does not know; the detail names the step.",
            "Run the script again with --verbose and read install.log in its temporary "
            "directory; if it fails again, open a support ticket with that log."),
           ("インストール中に一般的なエラーが発生しました。",
            "スクリプトが中断された (Ctrl+C、kill、端末の終了) か、想定していない形で手順が失敗"
            "しました。詳細に手順が示されています。",
            "--verbose を付けてスクリプトを再実行し、一時ディレクトリの install.log を確認して"
            "ください。再び失敗する場合は、そのログを添えてサポート チケットを送信してください。")),
    _linux(157, "INSTALL_REPOSITORY_METADATA_FAILED",
           ("The download from packages.microsoft.com could not be saved.",
            "curl could not write the downloaded file (curl exit code 23): the temporary "
            "directory is full, read-only or not writable. (Older scripts used this code when "
            "the repository metadata could not be downloaded.)",
            "Free space in the temporary directory or give another with --tempdir, check that "
            "no firewall blocks packages.microsoft.com, then run the script again."),
           ("packages.microsoft.com からダウンロードしたファイルを保存できません。",
            "curl がダウンロードしたファイルを書き込めませんでした (curl の終了コード 23): 一時"
            "ディレクトリがいっぱいか、読み取り専用か、書き込めません (以前のスクリプトでは、"
            "リポジトリ メタデータをダウンロードできないときにこのコードを使いました)。",
            "一時ディレクトリを空けるか --tempdir で別のディレクトリを指定し、ファイアウォールが "
            "packages.microsoft.com へのアクセスをブロックしていないことを確認してから、"
            "スクリプトを再実行してください。")),
)

_WINDOWS: tuple[Entry, ...] = (
    _windows(148, "INSTALL_MSI_DOWNLOAD_FAILED",
             ("Downloading the Windows installer package failed.",
              "Read the error message in the output for details."),
             ("Windows インストーラー パッケージのダウンロードに失敗しました。",
              "詳細については、出力にあるエラー メッセージを確認してください。")),
    _windows(149, "INSTALL_MSIEXEC_UNEXPECTED",
             ("msiexec returned an unexpected code.",
              "Read the error message in the output for details."),
             ("msiexec が想定外のコードを返しました。",
              "詳細については、出力にあるエラー メッセージを確認してください。")),
    _windows(151, "INSTALL_DOTNET_MISSING",
             ("The required .NET Framework is missing.",
              "Install the .NET Framework the agent requires, then try again."),
             ("必要な .NET Framework がありません。",
              "エージェントに必要な .NET Framework"
              " をインストールしてから、もう一度お試しください。")),
    _windows(152, "INSTALL_AZURE_STACK_HCI",
             ("This server is Azure Stack HCI.",
              "Use Azure Stack HCI's built-in registration instead of the agent installer."),
             ("このサーバーは Azure Stack HCI です。",
              "エージェントのインストーラーではなく、Azure Stack HCI の組み込みの登録機能を"
              "使用してください。")),
    _windows(153, "INSTALL_UNSUPPORTED_PLATFORM",
             ("The system platform is not supported.",
              "Check the prerequisites for supported platforms."),
             ("システム プラットフォームがサポートされていません。",
              "サポートされているプラットフォームの前提条件を確認してください。")),
    _windows(154, "INSTALL_POWERSHELL_TOO_OLD",
             ("The installed PowerShell version is too old.",
              "Upgrade to PowerShell 4 or later and try again."),
             ("システムにインストールされている PowerShell のバージョンが古すぎます。",
              "PowerShell 4 以降にアップグレードして、もう一度お試しください。")),
    _windows(155, "INSTALL_NOT_ADMINISTRATOR",
             ("The user running the install script has no administrator rights.",
              "Run the script again as an administrator."),
             ("インストール スクリプトを実行しているユーザーに管理者アクセス許可がありません。",
              "管理者としてスクリプトを再実行してください。")),
    _windows(156, "INSTALL_AGENT_FAILED",
             ("Installing the agent failed.",
              "Make sure the machine is not running in Azure; the detailed error may be in the "
              "installation log, %TEMP%\\installationlog.txt."),
             ("エージェントのインストールに失敗しました。",
              "マシンが Azure で実行されていないことを確認してください。詳細なエラーは "
              "%TEMP%\\installationlog.txt のインストール ログにある可能性があります。")),
    _windows(158, "INSTALL_DISK_FULL",
             ("There is not enough disk space.", "Free disk space, then try again."),
             ("ディスクの空き容量が不足しています。",
              "ディスクの空き容量を増やしてから、もう一度お試しください。")),
    _windows(159, "INSTALL_IN_PROGRESS",
             ("Another installation is in progress.",
              "Wait until the other installation has finished, then try again."),
             ("別のインストールが進行中です。",
              "別のインストールが終わるのを待ってから、もう一度お試しください。")),
    _windows(160, "INSTALL_LOG_UNAVAILABLE",
             ("The installer cannot open its log file.",
              "Check that the log file's folder exists and is writable, then try again."),
             ("インストーラーがログ ファイルを開けません。",
              "ログ ファイルのフォルダーが存在し書き込める"
              "ことを確認してから、もう一度お試しください。")),
    _windows(171, "INSTALL_SIGNATURE_INVALID",
             ("The agent package failed signature validation.",
              "Download the package again from Microsoft and try again."),
             ("エージェント パッケージの署名の検証に失敗しました。",
              "Microsoft からパッケージをダウンロードし直して、もう一度お試しください。")),
)

INSTALLER_ENTRIES: tuple[Entry, ...] = _LINUX + _WINDOWS
