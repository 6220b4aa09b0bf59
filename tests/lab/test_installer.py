"""The Linux install script on plain Debian machines in the lab, fetched as the docs say
(https://aka.ms/azcmagent): a clean install that ends connected, a chosen version, and each
installer failure by its real condition, ending in its AZCM code (in the text, the --output
file and the report the cloud keeps), with exit status 1 as the real script has it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cmagent.lab.lab import Lab
from cmagent.lab.topology import LINKS
from cmagent.lab.topology import PROXY
from tests.lab.conftest import ROOT
from tests.lab.test_machines import _connect
from tests.lab.test_package import CHECKOUT
from tests.lab.test_package import _ok
from tests.lab.test_package import debs  # noqa: F401 (the packages, built once)

pytestmark = ROOT
SCRIPT = "/root/install_linux_azcmagent.sh"


@pytest.fixture(scope="module")
def lab(debs, tmp_path_factory):  # noqa: F811
    repository = tmp_path_factory.mktemp("repo")
    subprocess.run([sys.executable, str(CHECKOUT / "packaging" / "build_repo.py"),
                    *map(str, debs.values()), "--out", str(repository)], check=True,
                   capture_output=True)
    with Lab() as running:
        running.quickstart()
        running.publish(repository / "served")
        yield running


@pytest.fixture(scope="module")
def plain(lab):
    """One plain Debian machine with the script downloaded, for the failures (none of which
    installs anything)."""
    machine = lab.add_machine("plain", agent=False)
    _download(machine)
    return machine


def _download(machine) -> None:
    _ok(machine.run("curl", "-sSfL", "-o", SCRIPT, "https://aka.ms/azcmagent"))


def _install(machine, *flags: str, env: dict[str, str] | None = None,
             path: str | None = None) -> subprocess.CompletedProcess:
    environment = {"LANG": "C.UTF-8", **(env or {}), **({"PATH": path} if path else {})}
    return machine.run("bash", SCRIPT, "--output", "/root/result.json", *flags,
                       env=environment)


def _failed_with(lab, machine, result, code: int, words: str) -> None:
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert f"AZCM0{code}" in text and words in text, text
    written = json.loads(_ok(machine.run("cat", "/root/result.json")))
    assert written["status"] == "failed" and written["error"]["code"] == f"AZCM0{code}"
    reports = lab.cloud_cli("installer", "reports")
    assert reports[-1]["messageType"] == str(code) and reports[-1]["osType"] == "linux"


def test_install_from_aka_ms_then_connect(lab) -> None:
    machine = lab.add_machine("fresh", agent=False)
    _download(machine)
    installed = _install(machine)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "Latest version of azcmagent is installed." in installed.stdout
    assert _ok(machine.run("dpkg-query", "-W", "-f=${Version}", "azcmagent")) == "0.1.0-2"
    owner = machine.run("ps", "-o", "user=", "-C", "himds").stdout.split()
    assert owner == ["himds"], owner
    _ok(_connect(machine, lab.onboarding))
    assert json.loads(_ok(machine.run("azcmagent", "show", "--json")))["status"] == "Connected"


def test_a_chosen_version(lab) -> None:
    machine = lab.add_machine("chosen", agent=False)
    _download(machine)
    installed = _install(machine, "--desiredversion", "0.1.0-1")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "azcmagent version 0.1.0-1 is installed." in installed.stdout


@pytest.mark.parametrize(("flags", "code", "words"), [
    (("--frobnicate",), 129, "unrecognized argument: '--frobnicate'"),
    (("--tempdir", "/nonexistent"), 129, "temp directory '/nonexistent' is not writable"),
    (("--desiredversion", "9.9.9"), 147, "desired_version not found: 9.9.9"),
    (("--altdownload", "https://packages.microsoft.com/x/azcmagent.rpm"), 128, ".rpm suffix"),
    (("--altdownload", "https://packages.microsoft.com/nothing.deb"), 142,
     "invalid --altdownload link"),
    (("--altdownload", "/etc/hostname.deb"), 142, "Unable to copy altdownload file"),
])
def test_failures_of_the_command_line(lab, plain, flags, code, words) -> None:
    _failed_with(lab, plain, _install(plain, *flags), code, words)


def test_a_package_the_package_manager_refuses(lab, plain) -> None:
    plain.run("sh", "-c", "echo 'not a package' > /root/broken.deb")
    _failed_with(lab, plain, _install(plain, "--altdownload", "/root/broken.deb"), 143,
                 "error installing azcmagent")


def test_no_systemd(lab, plain) -> None:
    plain.run("sh", "-c", "mkdir -p /opt/nosystemd && for f in /usr/bin/* /bin/*; do "
              "[ \"${f##*/}\" = systemctl ] || ln -sf \"$f\" /opt/nosystemd/; done")
    _failed_with(lab, plain, _install(plain, path="/opt/nosystemd"), 130, "requires systemd")


def test_unknown_and_unsupported_distributions(lab) -> None:
    machine = lab.add_machine("distro", agent=False)
    _download(machine)
    machine.run("sh", "-c", "rm /etc/os-release && printf 'NAME=\"Debian GNU/Linux\"\\n"
                "VERSION_ID=\"11\"\\n' > /etc/os-release")
    _failed_with(lab, machine, _install(machine), 133,
                 "unsupported Linux distribution: Debian GNU/Linux:11")
    machine.run("rm", "/etc/os-release")
    _failed_with(lab, machine, _install(machine), 131, "unknown linux distro")


def test_on_an_azure_vm(lab, plain) -> None:
    """A lab responder plays Azure's instance metadata service (the probe address is settable;
    nothing is ever sent to Azure's link-local metadata address)."""
    plain.run("sh", "-c", "mkdir -p /srv/imds/metadata/instance && echo '{}' > "
              "/srv/imds/metadata/instance/compute")
    responder = plain.spawn("python3", "-m", "http.server", "--bind", "127.0.0.1",
                            "--directory", "/srv/imds", "8099")
    try:
        _ok(plain.run("sh", "-c", "for i in $(seq 50); do curl -sf "
                      "http://127.0.0.1:8099/metadata/instance/compute && exit 0; sleep 0.1; "
                      "done; exit 1"))
        probe = {"AZCMAGENT_IMDS_PROBE": "http://127.0.0.1:8099"}
        _failed_with(lab, plain, _install(plain, env=probe), 141,
                     "cannot install Azure Connected Machine agent on an Azure Virtual Machine")
    finally:  # the process inside, not only nsenter: its pipes end with it
        plain.run("pkill", "-f", "http.server")
        responder.kill()
        responder.communicate()


def test_apt_lock_held(lab, plain) -> None:
    holder = plain.spawn("flock", "/var/lib/dpkg/lock-frontend", "sleep", "60")
    try:
        _ok(plain.run("sh", "-c", "for i in $(seq 50); do flock -n /var/lib/dpkg/lock-frontend "
                      "true || exit 0; sleep 0.1; done; exit 1"))
        _failed_with(lab, plain, _install(plain, env={"AZCMAGENT_APT_LOCK_SECONDS": "2"}), 145,
                     "still busy after 2 seconds")
    finally:
        plain.run("pkill", "-f", "sleep 60")
        holder.kill()
        holder.communicate()


def _fresh(lab, name: str):
    """A machine that has not been set up for packages.microsoft.com yet (the script skips
    the configuration download when packages-microsoft-prod is installed, as the real one)."""
    machine = lab.add_machine(name, agent=False)
    _download(machine)
    return machine


def test_packages_microsoft_com_out_of_reach(lab) -> None:
    plain = _fresh(lab, "offline")
    lab.no_route("packages.microsoft.com")
    _failed_with(lab, plain, _install(plain), 146, "packages-microsoft-prod.deb errored")
    lab.clear()
    proxy = lab.proxy(deny=("packages.microsoft.com",))
    assert proxy == f"http://{LINKS[PROXY][1]}:3128"
    _failed_with(lab, plain, _install(plain, "--proxy", proxy), 146,
                 "packages-microsoft-prod.deb errored")


def test_curl_cannot_write(lab) -> None:
    plain = _fresh(lab, "unwritable")
    plain.run("sh", "-c", "mkdir -p /root/work/packages-microsoft-prod.deb")
    _failed_with(lab, plain, _install(plain, "--tempdir", "/root/work"), 157,
                 "curl permission error")


def test_japanese(lab, plain) -> None:
    failed = _install(plain, "--frobnicate", env={"LANG": "ja_JP.UTF-8"})
    assert "AZCM0129" in failed.stderr and "インストーラーに不明な引数" in failed.stderr
