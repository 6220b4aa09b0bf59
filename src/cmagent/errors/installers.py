"""The installers' AZCM codes, each with its own cause and remedy (the seed document lists them
as ranges with one remedy; a person whose install failed needs the step and the fix).

The Linux codes are emitted by cmagent's ``install_linux_azcmagent.sh`` (rendered from these
texts by ``packaging/build_installer.py``); the Windows codes stay listed, with the seed's
remedies, for people who meet them elsewhere. When an installation fails there is no agent yet,
so no remedy sends anyone to ``azcmagent logs``: the Linux script's own record is install.log
(and apt.log, the package manager's output) in its temporary directory, and the --output file;
the Windows script's is its output and the installation log the seed names.
"""

from __future__ import annotations

from cmagent.errors.entry import Entry
from cmagent.errors.entry import Texts

RESERVED = ("the real Linux install script documents no condition for this code",
            "実際の Linux インストール スクリプトには、このコードを使う条件の記載がありません。")
WINDOWS = ("Windows installer code: cmagent targets Linux",
           "Windows インストーラーのコードです。cmagent は Linux を対象としています。")
_OS_URL = "https://learn.microsoft.com/azure/azure-arc/servers/prerequisites"
_TEMP_EN = "the script's temporary directory (/tmp/azcmagent.* unless --tempdir names another)"
_TEMP_JA = "スクリプトの一時ディレクトリ (--tempdir で指定しない場合は /tmp/azcmagent.*)"


def _linux(code: int, name: str, en: tuple[str, str, str], ja: tuple[str, str, str]) -> Entry:
    return Entry(code, name, False, Texts(*en), Texts(*ja))


def _windows(code: int, name: str, en: tuple[str, str, str], ja: tuple[str, str, str]) -> Entry:
    return Entry(code, name, False, Texts(*en), Texts(*ja), WINDOWS)


def _reserved(code: int) -> Entry:
    return Entry(code, f"INSTALL_LINUX_{code}", False,
                 Texts("The Linux installation failed.",
                       "The Linux install script stopped with a code it documents no cause for.",
                       "Read the error message in the installer's output for details."),
                 Texts("Linux への Azcmagent のインストール中にエラーが発生しました。",
                       "Linux のインストール スクリプトが、原因の記載されていないコードで停止"
                       "しました。",
                       "詳細については、出力にあるエラー メッセージを確認してください。"),
                 RESERVED)


_LINUX: tuple[Entry, ...] = (
    _linux(127, "INSTALL_ALTDOWNLOAD_DEB_ON_RPM",
           ("The --altdownload package is a .deb file, but this is an RPM-based system.",
            "The script chooses the package type from the distribution in /etc/os-release, and "
            "this distribution installs .rpm packages.",
            "Give --altdownload the .rpm package for this distribution (cmagent itself publishes "
            "Debian 12 packages only)."),
           ("--altdownload に指定したパッケージは .deb ファイルですが、このシステムは RPM ベース"
            "です。",
            "スクリプトは、/etc/os-release に記載されたディストリビューションからパッケージの種類を"
            "判断します。このディストリビューションでは .rpm パッケージを使用します。",
            "--altdownload には、このディストリビューション用の .rpm パッケージを指定してください "
            "(cmagent が公開しているのは Debian 12 用のパッケージのみです)。")),
    _linux(128, "INSTALL_ALTDOWNLOAD_RPM_ON_DEB",
           ("The --altdownload package is an .rpm file, but this is a Debian-based system.",
            "The script chooses the package type from the distribution in /etc/os-release, and "
            "this distribution installs .deb packages.",
            "Give --altdownload the .deb package (azcmagent_<version>_amd64.deb), or leave "
            "--altdownload out to install from packages.microsoft.com."),
           ("--altdownload に指定したパッケージは .rpm ファイルですが、このシステムは Debian "
            "ベースです。",
            "スクリプトは、/etc/os-release に記載されたディストリビューションからパッケージの種類を"
            "判断します。このディストリビューションでは .deb パッケージを使用します。",
            "--altdownload には .deb パッケージ (azcmagent_<バージョン>_amd64.deb) を指定するか、"
            "--altdownload を省略して packages.microsoft.com からインストールしてください。")),
    _linux(129, "INSTALL_BAD_ARGUMENT",
           ("The install script got an argument it does not know, or cannot use its temporary "
            "directory.",
            "An option is misspelt or not supported, or the --tempdir directory (by default a "
            "new directory under /tmp) does not exist or is not writable.",
            "Check the options with 'bash install_linux_azcmagent.sh --help'; give a writable "
            "--tempdir or free /tmp, then run the script again."),
           ("インストール スクリプトに不明な引数が渡されたか、一時ディレクトリを使用できません。",
            "オプションのつづりが間違っているかサポートされていないか、--tempdir のディレクトリ "
            "(既定では /tmp の下に新しく作成されるディレクトリ) が存在しないか書き込めません。",
            "'bash install_linux_azcmagent.sh --help' でオプションを確認してください。書き込み"
            "可能なディレクトリを --tempdir に指定するか、/tmp の空き容量を増やしてから、"
            "スクリプトをもう一度実行してください。")),
    _linux(130, "INSTALL_NO_SYSTEMD",
           ("systemd is required: systemctl is not on the PATH.",
            "The agent runs as systemd services (himdsd); this machine does not boot with "
            "systemd, or systemctl's directory is not on the PATH.",
            "Install on a distribution that runs systemd, or put systemctl's directory "
            "(/usr/bin) on the PATH, then run the script again."),
           ("systemd が必要ですが、PATH に systemctl がありません。",
            "エージェントは systemd のサービス (himdsd) として動作します。このマシンが systemd で"
            "起動していないか、systemctl のあるディレクトリが PATH に含まれていません。",
            "systemd で動作するディストリビューションにインストールするか、systemctl のある"
            "ディレクトリ (/usr/bin) を PATH に追加してから、スクリプトをもう一度実行して"
            "ください。")),
    _linux(131, "INSTALL_UNKNOWN_DISTRIBUTION",
           ("The Linux distribution cannot be identified.",
            "Neither /etc/os-release nor lsb_release names the distribution and its version.",
            "Restore /etc/os-release (the base-files package provides it) and run the script "
            f"again; the supported operating systems are listed at {_OS_URL}."),
           ("Linux ディストリビューションを特定できません。",
            "/etc/os-release と lsb_release のどちらからも、ディストリビューションとそのバージョン"
            "を特定できません。",
            "/etc/os-release (base-files パッケージに含まれています) を復元してから、スクリプトを"
            "もう一度実行してください。サポートされているオペレーティング システムについては、"
            f"{_OS_URL} を参照してください。")),
    _linux(132, "INSTALL_UNSUPPORTED_ARCHITECTURE",
           ("The processor architecture is not supported.",
            "The agent is built for 64-bit Linux on x86_64 and aarch64; uname reports another "
            "platform (a 32-bit system, or the script run under linux32/setarch).",
            "Install on 64-bit x86_64 or aarch64 Linux, and run the script without "
            "linux32/setarch."),
           ("プロセッサ アーキテクチャがサポートされていません。",
            "エージェントは、x86_64 および aarch64 の 64 ビット Linux 用にビルドされています。"
            "uname が別のプラットフォームを報告しました (32 ビットのシステム、または "
            "linux32/setarch の下での実行)。",
            "x86_64 または aarch64 の 64 ビット Linux にインストールし、linux32/setarch を使わずに"
            "スクリプトを実行してください。")),
    _linux(133, "INSTALL_UNSUPPORTED_DISTRIBUTION",
           ("This Linux distribution or version is not supported.",
            "The distribution and version in /etc/os-release are not ones the agent package is "
            "published for (cmagent: Debian 12 on x86_64).",
            f"Install on a supported distribution and version (see {_OS_URL})."),
           ("この Linux ディストリビューションまたはバージョンはサポートされていません。",
            "/etc/os-release に記載されたディストリビューションとバージョン用のエージェント "
            "パッケージは公開されていません (cmagent: x86_64 の Debian 12 のみ)。",
            "サポートされているディストリビューションとバージョンにインストールしてください "
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
            "Azure VM は、Azure Arc を介さずに Azure が直接管理します。",
            "Azure VM を Azure Arc にオンボードしないでください。テスト目的に限り、systemd の"
            "環境に MSFT_ARC_TEST=true を設定できます "
            "(https://aka.ms/azcmagent-testwarning を参照)。")),
    _linux(142, "INSTALL_ALTDOWNLOAD_FAILED",
           ("The --altdownload package cannot be downloaded or copied.",
            "The URL answered with an error or cannot be reached (no route, refused, not "
            "found), or the file cannot be read.",
            "Check the --altdownload URL or path, and that this machine reaches it (give "
            "--proxy where a proxy is needed), then run the script again."),
           ("--altdownload のパッケージをダウンロードまたはコピーできません。",
            "URL がエラーを返したか、URL に到達できない (ルートがない、接続が拒否された、見つから"
            "ない) か、ファイルを読み取れません。",
            "--altdownload の URL またはパスと、このマシンからそこに到達できることを確認してから "
            "(プロキシが必要な場合は --proxy を指定します)、スクリプトをもう一度実行して"
            "ください。")),
    _linux(143, "INSTALL_PACKAGE_MANAGER_FAILED",
           ("The package manager failed to install azcmagent.",
            "apt-get or dpkg reported an error: a damaged package, a missing dependency, a full "
            "disk or an unreachable repository.",
            f"Read the package manager's output in apt.log in {_TEMP_EN}, fix what it names, "
            "then run the script again."),
           ("パッケージ マネージャーによる azcmagent のインストールに失敗しました。",
            "apt-get または dpkg がエラーを報告しました。パッケージの破損、依存関係の不足、ディスク"
            "容量の不足、またはリポジトリに到達できないことが原因です。",
            f"{_TEMP_JA} にある apt.log でパッケージ マネージャーの出力を確認し、示された問題を解決"
            "してから、スクリプトをもう一度実行してください。")),
    _reserved(144),
    _linux(145, "INSTALL_APT_LOCKED",
           ("The apt/dpkg lock was still held when the wait ran out.",
            "Another package operation (unattended-upgrades, apt-get or dpkg) held the lock for "
            "the whole wait (5 minutes unless AZCMAGENT_APT_LOCK_SECONDS sets another).",
            "Wait until the other package operation has finished (ps -C apt-get,dpkg,"
            "unattended-upgr shows it), then run the script again."),
           ("待機時間が過ぎても apt/dpkg のロックが解放されませんでした。",
            "別のパッケージ操作 (unattended-upgrades、apt-get、dpkg) が、待機時間 (既定で 5 分、"
            "AZCMAGENT_APT_LOCK_SECONDS で変更可能) の間"
            "ずっとロックを保持していました。",
            "別のパッケージ操作が終わるまで待ってから (実行中の操作は ps -C apt-get,dpkg,"
            "unattended-upgr で確認できます)、スクリプトをもう一度実行してください。")),
    _linux(146, "INSTALL_REPOSITORY_DOWNLOAD_FAILED",
           ("Downloading the packages-microsoft-prod package failed.",
            "packages.microsoft.com did not answer: a firewall or proxy refuses it, there is no "
            "route to it, or its name does not resolve.",
            "Allow https://packages.microsoft.com through the firewall and proxy (give the proxy "
            "with --proxy), then run the script again."),
           ("packages-microsoft-prod パッケージのダウンロードに失敗しました。",
            "packages.microsoft.com から応答がありませんでした。ファイアウォールまたはプロキシに"
            "よって拒否されているか、ルートがないか、名前を解決できません。",
            "ファイアウォールとプロキシで https://packages.microsoft.com へのアクセスを許可して"
            "から (プロキシは --proxy で指定します)、スクリプトをもう一度実行してください。")),
    _linux(147, "INSTALL_VERSION_NOT_FOUND",
           ("The requested agent version was not found.",
            "--desiredversion names a version the repository does not publish for this "
            "distribution.",
            "List the published versions with 'apt-cache madison azcmagent' and give one of "
            "them, or leave --desiredversion out to install the latest."),
           ("要求されたバージョンのエージェントが見つかりません。",
            "--desiredversion に指定したバージョンは、このディストリビューション用にはリポジトリで"
            "公開されていません。",
            "'apt-cache madison azcmagent' で公開されているバージョンを確認してそのいずれかを指定"
            "するか、--desiredversion を省略して最新バージョンをインストールしてください。")),
    _linux(150, "INSTALL_GENERIC_FAILURE",
           ("The installation stopped with an unexpected error.",
            "The script was interrupted (Ctrl+C, kill, a closed terminal) or a step failed in a "
            "way it does not know; the error message names the step.",
            f"Run the script again with --verbose; install.log in {_TEMP_EN} shows the step "
            "where it stopped. If it fails again, open an issue in the cmagent project's issue "
            "tracker with install.log attached (with Microsoft's script, submit a support ticket "
            "to Microsoft Support)."),
           ("予期しないエラーでインストールが停止しました。",
            "スクリプトが中断されたか (Ctrl+C、kill、端末の終了)、いずれかの手順が想定外の形で失敗"
            "しました。停止した手順はエラー メッセージに示されています。",
            "--verbose を付けて詳細ログを有効にし、スクリプトをもう一度実行してください。停止した"
            f"手順は、{_TEMP_JA} にある install.log で確認できます。再び失敗する場合は、"
            "install.log を添付して cmagent プロジェクトの Issue トラッカーに Issue を作成して"
            "ください (Microsoft のスクリプトの場合は、Microsoft サポートにサポート チケットを"
            "送信してください)。")),
    _linux(157, "INSTALL_REPOSITORY_METADATA_FAILED",
           ("The Microsoft Linux software repository's configuration could not be saved.",
            "curl could not save the repository's configuration package (packages-microsoft-prod)"
            " from packages.microsoft.com in the temporary directory (curl exit code 23, a write "
            "error): the directory is full, read-only or not writable. In older agents and in the "
            "troubleshooting guide AZCM0157 meant that packages.microsoft.com could not be "
            "reached; the install script reports that as AZCM0146.",
            f"Free space in {_TEMP_EN}, or give a writable directory with --tempdir, then run "
            "the script again; the error message names the file that could not be written."),
           ("Microsoft Linux ソフトウェア リポジトリの構成を保存できません。",
            "curl が、packages.microsoft.com から取得したリポジトリの構成パッケージ "
            "(packages-microsoft-prod) を一時ディレクトリに保存できませんでした (curl の終了コード "
            "23、書き込みエラー)。一時ディレクトリの空き容量が不足しているか、読み取り専用であるか、"
            "書き込みのアクセス許可がありません。なお、以前のエージェントとトラブルシューティング "
            "ガイドでは、AZCM0157 は packages.microsoft.com に接続できないことを表していました。"
            "インストール スクリプトはその場合を AZCM0146 として報告します。",
            f"{_TEMP_JA} の空き容量を増やすか、書き込み可能なディレクトリを --tempdir に指定して"
            "から、スクリプトをもう一度実行してください。書き込めなかったファイルは、エラー "
            "メッセージに示されています。")),
)

_WINDOWS: tuple[Entry, ...] = (
    _windows(148, "INSTALL_MSI_DOWNLOAD_FAILED",
             ("Downloading the Windows installer package failed.",
              "The Windows install script could not download the agent's Windows Installer (MSI) "
              "package.",
              "Read the error message in the output for details."),
             ("Windows インストーラー パッケージのダウンロードに失敗しました。",
              "Windows のインストール スクリプトが、エージェントの Windows インストーラー (MSI) "
              "パッケージをダウンロードできませんでした。",
              "詳細については、出力にあるエラー メッセージを確認してください。")),
    _windows(149, "INSTALL_MSIEXEC_UNEXPECTED",
             ("msiexec returned an unexpected code.",
              "msiexec ended with an exit code that the install script does not recognise.",
              "Read the error message in the output for details."),
             ("msiexec が想定外のコードを返しました。",
              "msiexec が、インストール スクリプトの認識できない終了コードで終了しました。",
              "詳細については、出力にあるエラー メッセージを確認してください。")),
    _windows(151, "INSTALL_DOTNET_MISSING",
             ("The required .NET Framework is missing.",
              "The agent needs a version of the .NET Framework that this machine does not have.",
              "Install the .NET Framework the agent requires, then try again."),
             ("必要な .NET Framework がありません。",
              "エージェントに必要なバージョンの .NET Framework が、このマシンにインストールされて"
              "いません。",
              "エージェントに必要な .NET Framework をインストールしてから、スクリプトをもう一度実行"
              "してください。")),
    _windows(152, "INSTALL_AZURE_STACK_HCI",
             ("This server is Azure Stack HCI.",
              "Azure Stack HCI registers with Azure Arc through its own built-in registration, "
              "not through the agent installer.",
              "Use Azure Stack HCI's built-in registration instead of the agent installer."),
             ("このサーバーは Azure Stack HCI です。",
              "Azure Stack HCI は、エージェントのインストーラーではなく、組み込みの登録機能で "
              "Azure Arc に登録されます。",
              "エージェントのインストーラーではなく、Azure Stack HCI の組み込みの登録機能を"
              "使用してください。")),
    _windows(153, "INSTALL_UNSUPPORTED_PLATFORM",
             ("The system platform is not supported.",
              "The agent's Windows package runs on 64-bit (x64) Windows only, and this operating "
              "system has another architecture.",
              f"Check the prerequisites for supported platforms ({_OS_URL})."),
             ("システム プラットフォームがサポートされていません。",
              "エージェントの Windows パッケージは 64 ビット (x64) の Windows でのみ動作しますが、"
              "このオペレーティング システムのアーキテクチャは異なります。",
              f"サポートされているプラットフォームの前提条件を確認してください ({_OS_URL})。")),
    _windows(154, "INSTALL_POWERSHELL_TOO_OLD",
             ("The installed PowerShell version is too old.",
              "The Windows install script needs PowerShell 4 or later, and the version installed "
              "on this machine is older.",
              "Upgrade to PowerShell 4 or later, then run the script again."),
             ("システムにインストールされている PowerShell のバージョンが古すぎます。",
              "Windows のインストール スクリプトには PowerShell 4 以降が必要ですが、このマシンに"
              "インストールされているバージョンはそれより古いものです。",
              "PowerShell 4 以降にアップグレードしてから、スクリプトをもう一度実行してください。")),
    _windows(155, "INSTALL_NOT_ADMINISTRATOR",
             ("The user running the install script has no administrator rights.",
              "Installing the agent service needs administrator rights, and the script runs in "
              "a session that is not elevated.",
              "Run the script again as an administrator (for example in PowerShell started with "
              "'Run as administrator')."),
             ("インストール スクリプトを実行しているユーザーに管理者アクセス許可がありません。",
              "エージェント サービスのインストールには管理者特権が必要ですが、スクリプトは管理者"
              "特権のないセッションで実行されています。",
              "[管理者として実行] で起動した PowerShell などから、管理者としてスクリプトを"
              "もう一度実行してください。")),
    _windows(156, "INSTALL_AGENT_FAILED",
             ("Installing the agent failed.",
              "The agent's Windows Installer (MSI) package failed with a fatal error (such as "
              "1603); one known reason is a machine that runs in Azure.",
              "Make sure the machine is not running in Azure; the detailed error may be in the "
              "installation log, %TEMP%\\installationlog.txt."),
             ("エージェントのインストールに失敗しました。",
              "エージェントの Windows インストーラー (MSI) パッケージが致命的なエラー (1603 など)"
              " で失敗しました。既知の原因の 1 つは、マシンが Azure で実行されていることです。",
              "マシンが Azure で実行されていないことを確認してください。詳細なエラーは、"
              "%TEMP%\\installationlog.txt のインストール ログで確認できる場合があります。")),
    _windows(158, "INSTALL_DISK_FULL",
             ("There is not enough disk space.",
              "msiexec reported that the disk is full (error 112).",
              "Free disk space, then try again."),
             ("ディスクの空き容量が不足しています。",
              "msiexec が、ディスクがいっぱいであることを報告しました (エラー 112)。",
              "ディスクの空き容量を増やしてから、スクリプトをもう一度実行してください。")),
    _windows(159, "INSTALL_IN_PROGRESS",
             ("Another installation is in progress.",
              "Windows Installer is busy with another installation (msiexec error 1618).",
              "Wait until the other installation has finished, then try again."),
             ("別のインストールが進行中です。",
              "Windows インストーラーが別のインストールを実行中です (msiexec のエラー 1618)。",
              "別のインストールが終わるまで待ってから、スクリプトをもう一度実行してください。")),
    _windows(160, "INSTALL_LOG_UNAVAILABLE",
             ("The installer cannot open its log file.",
              "msiexec could not open the installation log file (error 1622).",
              "Check that the log file's folder exists and is writable, then try again."),
             ("インストーラーがログ ファイルを開けません。",
              "msiexec がインストール ログ ファイルを開けませんでした (エラー 1622)。",
              "ログ ファイルのフォルダーが存在し、書き込めることを確認してから、スクリプトを"
              "もう一度実行してください。")),
    _windows(171, "INSTALL_SIGNATURE_INVALID",
             ("The agent package failed signature validation.",
              "The digital signature of the downloaded agent package could not be validated: the "
              "file is damaged or was not signed by Microsoft.",
              "Download the package again from Microsoft and try again."),
             ("エージェント パッケージの署名の検証に失敗しました。",
              "ダウンロードしたエージェント パッケージのデジタル署名を検証できませんでした。"
              "ファイルが破損しているか、Microsoft によって署名されていません。",
              "Microsoft からパッケージをダウンロードし直してから、スクリプトをもう一度実行して"
              "ください。")),
)

INSTALLER_ENTRIES: tuple[Entry, ...] = _LINUX + _WINDOWS
