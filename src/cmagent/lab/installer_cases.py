"""The Linux install script's rows of the seed's first table (AZCM0127-0157), each by its real
condition on a plain Debian machine that fetched the script as the docs say
(``curl -o install_linux_azcmagent.sh https://aka.ms/azcmagent``) from the lab's cloud, which
serves the signed repository as packages.microsoft.com. A failure must exit 1 with its code in
the text, in the ``--output`` file and in the report the cloud keeps, as the real script does.
"""

from __future__ import annotations

import json
import subprocess

from cmagent.lab.cases import SEED_TABLE_1
from cmagent.lab.cases import Context
from cmagent.lab.cases import Scenario
from cmagent.lab.cases import Setup
from cmagent.lab.cases import Verify
from cmagent.lab.cases import no_route
from cmagent.lab.lab import Lab

SCRIPT = "/root/install_linux_azcmagent.sh"
RESULT = "/root/result.json"
INSTALL = [SCRIPT, "--output", RESULT]
PMC = "https://packages.microsoft.com"
# What apt takes on its lock files: an fcntl lock (not flock), held here by a transient unit.
APT_LOCK_HOLDER = ("import fcntl, time; lock = open('/var/lib/dpkg/lock-frontend', 'w'); "
                   "fcntl.lockf(lock, fcntl.LOCK_EX); time.sleep(600)")


def _downloaded(lab: Lab, context: Context) -> None:
    """The repository served, and the script on the machine as a user fetches it."""
    from cmagent.lab import packages

    lab.publish(packages.repository())
    fetched = context.machine.run("curl", "-sSfL", "-o", SCRIPT, "https://aka.ms/azcmagent")
    if fetched.returncode != 0:
        raise RuntimeError(f"the install script cannot be fetched: {fetched.stderr}")
    context.env["LANG"] = "C.UTF-8"


def _on(*steps: Setup) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        _downloaded(lab, context)
        for step in steps:
            step(lab, context)
    return setup


def _shell(script: str) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        done = context.machine.run("sh", "-c", script)
        if done.returncode != 0:
            raise RuntimeError(f"set-up failed: {script}: {done.stderr}")
    return setup


def _env(**values: str) -> Setup:
    return lambda lab, context: context.env.update(values)


def _prefix(*words: str) -> Setup:
    return lambda lab, context: context.prefix.extend(words)


def _proxy(deny: tuple[str, ...] = ()) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        context.words += ["--proxy", lab.proxy(deny=deny)]
    return setup


def _os_release(text: str) -> Setup:
    return _shell(f"rm -f /etc/os-release && printf '{text}' > /etc/os-release")


_APT_LOCKED = _shell(f'systemd-run --unit=apt-lock-holder python3 -c "{APT_LOCK_HOLDER}" && '
                     "for i in $(seq 50); do grep -q \":$(stat -c %i "
                     "/var/lib/dpkg/lock-frontend) \" /proc/locks && exit 0; sleep 0.1; done; "
                     "exit 1")
_AZURE_VM = _shell("mkdir -p /srv/imds/metadata/instance && echo '{}' > "
                   "/srv/imds/metadata/instance/compute && systemd-run --unit=imds-responder "
                   "python3 -m http.server --bind 127.0.0.1 --directory /srv/imds 8099 && "
                   "for i in $(seq 50); do curl -sf http://127.0.0.1:8099/metadata/instance/"
                   "compute && exit 0; sleep 0.1; done; exit 1")


# --- checks after the script -------------------------------------------------------------------

def _reported(code: int) -> Verify:
    """The code in the --output file and in the cloud's last installer report."""
    def verify(lab: Lab, context: Context, result: subprocess.CompletedProcess[str]) -> str:
        written = context.machine.run("cat", RESULT).stdout
        try:
            error = json.loads(written)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return f"--output file {RESULT} holds no error code: {written!r}"
        reports = lab.cloud_cli("installer", "reports")
        if error != f"AZCM{code:04d}":
            return f"--output file says {error}"
        if not reports or reports[-1].get("messageType") != str(code):
            return f"the cloud's last installer report is {reports[-1:]}"
        return ""
    return verify


def _installed(proxy: bool = False) -> Verify:
    """azcmagent installed, himdsd running as himds, the proxy (if given) in the agent's
    settings."""
    def verify(lab: Lab, context: Context, result: subprocess.CompletedProcess[str]) -> str:
        machine = context.machine
        owner = machine.run("ps", "-o", "user=", "-C", "himds").stdout.split()
        if owner != ["himds"]:
            return f"himds runs as {owner}, not as the himds user"
        setting = machine.run("azcmagent", "config", "get", "proxy.url").stdout.strip()
        given = context.words[-1] if proxy else ""
        if proxy and given not in setting:
            return f"proxy.url is {setting!r}, not the --proxy given ({given})"
        return ""
    return verify


def _failure(name: str, summary: str, code: int, words: str, *flags: str,
             setup: tuple[Setup, ...] = ()) -> Scenario:
    return Scenario(name, SEED_TABLE_1, summary, [*INSTALL, *flags], code, (words,),
                    _on(*setup), program="bash", status=1, agent_installed=False,
                    verify=_reported(code))


def _success(name: str, summary: str, words: str, *flags: str, setup: tuple[Setup, ...] = (),
             proxy: bool = False) -> Scenario:
    return Scenario(name, SEED_TABLE_1, summary, [*INSTALL, *flags], 0, (words,),
                    _on(*setup), program="bash", agent_installed=False,
                    verify=_installed(proxy))


INSTALLER_SCENARIOS: tuple[Scenario, ...] = (
    _success("install-succeeds", "AZCM0000 (installer): the script from aka.ms/azcmagent "
             "installs the agent from packages.microsoft.com.",
             "Latest version of azcmagent is installed."),
    _success("install-through-proxy", "The only way out is a proxy; --proxy is used for every "
             "download and written to proxy.url.", "Latest version of azcmagent is installed.",
             setup=(no_route("packages.microsoft.com"), _proxy()), proxy=True),
    _success("install-chosen-version", "--desiredversion installs an older published version.",
             "azcmagent version 0.1.0-1 is installed.", "--desiredversion", "0.1.0-1"),
    _failure("install-deb-on-rpm-system", "AZCM0127: a .deb --altdownload on an RPM-based "
             "distribution.", 127, "should not have .deb suffix",
             "--altdownload", f"{PMC}/debian/12/prod/pool/main/a/azcmagent/"
             "azcmagent_0.1.0-2_amd64.deb",
             setup=(_os_release('NAME="Red Hat Enterprise Linux"\\nVERSION_ID="9.4"\\n'),)),
    _failure("install-rpm-on-deb-system", "AZCM0128: an .rpm --altdownload on Debian.", 128,
             "should not have .rpm suffix", "--altdownload", f"{PMC}/x/azcmagent.rpm"),
    _failure("install-unknown-argument", "AZCM0129: an option the script does not know.", 129,
             "unrecognized argument: '--frobnicate'", "--frobnicate"),
    _failure("install-tempdir-unwritable", "AZCM0129: the --tempdir does not exist.", 129,
             "temp directory '/nonexistent' is not writable", "--tempdir", "/nonexistent"),
    _failure("install-no-systemd", "AZCM0130: a machine without systemctl.", 130,
             "requires systemd",
             setup=(_shell("mv /usr/bin/systemctl /usr/local/lib/systemctl.moved"),)),
    _failure("install-unknown-distribution", "AZCM0131: no /etc/os-release, no lsb_release.",
             131, "unknown linux distro", setup=(_shell("rm /etc/os-release"),)),
    _failure("install-unsupported-architecture", "AZCM0132: a 32-bit personality (setarch "
             "i686) makes the platform i686.", 132, "unsupported platform: i686:Linux",
             setup=(_prefix("setarch", "i686"),)),
    _failure("install-unsupported-distribution", "AZCM0133: /etc/os-release names Debian 11.",
             133, "unsupported Linux distribution: Debian GNU/Linux:11",
             setup=(_os_release('NAME="Debian GNU/Linux"\\nVERSION_ID="11"\\n'),)),
    _failure("install-on-azure-vm", "AZCM0141: the instance metadata service answers (a lab "
             "responder at a settable probe address).", 141,
             "on an Azure Virtual Machine",
             setup=(_AZURE_VM, _env(AZCMAGENT_IMDS_PROBE="http://127.0.0.1:8099"))),
    _failure("install-altdownload-not-found", "AZCM0142: the --altdownload URL answers 404.",
             142, "invalid --altdownload link", "--altdownload", f"{PMC}/nothing.deb"),
    _failure("install-altdownload-unreadable", "AZCM0142: the --altdownload file is missing.",
             142, "Unable to copy altdownload file", "--altdownload", "/root/nothing.deb"),
    _failure("install-package-manager-fails", "AZCM0143: apt refuses a damaged package.", 143,
             "error installing azcmagent", "--altdownload", "/root/broken.deb",
             setup=(_shell("echo 'not a package' > /root/broken.deb"),)),
    _failure("install-apt-locked", "AZCM0145: another process holds apt's lock past the wait "
             "(shortened to 2 s).", 145, "still busy after 2 seconds",
             setup=(_APT_LOCKED, _env(AZCMAGENT_APT_LOCK_SECONDS="2"))),
    _failure("install-repository-no-route", "AZCM0146: no route to packages.microsoft.com.",
             146, "packages-microsoft-prod.deb errored",
             setup=(no_route("packages.microsoft.com"),)),
    _failure("install-repository-proxy-refuses", "AZCM0146: the proxy refuses "
             "packages.microsoft.com.", 146, "packages-microsoft-prod.deb errored",
             setup=(_proxy(deny=("packages.microsoft.com",)),)),
    _failure("install-version-not-found", "AZCM0147: --desiredversion names no published "
             "version.", 147, "desired_version not found: 9.9.9", "--desiredversion", "9.9.9"),
    _failure("install-interrupted", "AZCM0150: the script is stopped (SIGTERM) while it waits "
             "for apt.", 150, "interrupted by SIGTERM while",
             setup=(_APT_LOCKED, _env(AZCMAGENT_APT_LOCK_SECONDS="600"),
                    _prefix("timeout", "--preserve-status", "-s", "TERM", "4"))),
    _failure("install-curl-cannot-write", "AZCM0157: curl cannot write the download (exit "
             "23).", 157, "curl permission error", "--tempdir", "/root/work",
             setup=(_shell("mkdir -p /root/work/packages-microsoft-prod.deb"),)),
)
