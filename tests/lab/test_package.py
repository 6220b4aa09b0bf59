"""The azcmagent Debian package on a plain Debian 12 machine, as a user installs it: himdsd runs
as himds; an upgrade keeps a connected machine connected with the same identity; remove stops
the service and keeps the machine's identity; purge removes the service accounts and keeps the
identity of a machine still connected, owned by root; lintian finds no error."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from cmagent.lab import packages
from cmagent.lab.lab import Lab
from tests.lab.conftest import ROOT
from tests.lab.test_machines import _connect

pytestmark = ROOT
CHECKOUT = Path(__file__).resolve().parents[2]
VERSIONS = packages.VERSIONS


@pytest.fixture(scope="module")
def debs() -> dict[str, Path]:
    """Both versions, built by packaging/build_deb.py once per state of the sources."""
    return packages.debs()


@pytest.fixture(scope="module")
def lab():
    with Lab() as running:
        running.quickstart()
        yield running


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _install(machine, deb: Path) -> None:
    shutil.copy(deb, machine.merged / "root" / deb.name)
    _ok(machine.run("apt-get", "install", "--yes", f"/root/{deb.name}",
                    env={"DEBIAN_FRONTEND": "noninteractive"}))


def test_lintian_finds_no_error(debs) -> None:
    if shutil.which("lintian") is None:
        pytest.fail("lintian is not installed: run scripts/setup")
    for deb in debs.values():
        report = subprocess.run(["lintian", "--no-tag-display-limit", str(deb)],
                                capture_output=True, text=True)
        assert not [line for line in report.stdout.splitlines() if line.startswith("E:")], \
            report.stdout


def test_install_upgrade_remove_purge_on_a_connected_machine(lab, debs) -> None:
    machine = lab.add_machine("pkg01", agent=False)
    assert machine.run("test", "-e", "/opt/azcmagent").returncode != 0  # plain Debian
    _install(machine, debs[VERSIONS[0]])
    assert _ok(machine.run("systemctl", "is-active", "himdsd")).strip() == "active"
    assert machine.run("ps", "-o", "user=", "-C", "himds").stdout.split() == ["himds"]
    assert "IDENTITY_ENDPOINT" in _ok(machine.run("systemctl", "show-environment"))
    _ok(_connect(machine, lab.onboarding))
    before = _identity(machine)
    _ok(machine.run("azcmagent", "logs", "--output", "/root/bundle.zip"))
    members = _ok(machine.run("python3", "-c", "import zipfile; print(zipfile.ZipFile("
                                               "'/root/bundle.zip').namelist())"))
    assert "journal/himdsd.log" in members and "result/connect.json" in members  # as 1.24+

    _install(machine, debs[VERSIONS[1]])  # the upgrade
    assert _ok(machine.run("dpkg-query", "-W", "-f=${Version}", "azcmagent")) == VERSIONS[1]
    assert _status_after_restart(machine) == "Connected" and _identity(machine) == before

    _ok(machine.run("apt-get", "remove", "--yes", "azcmagent"))
    assert machine.run("systemctl", "is-active", "himdsd").stdout.strip() != "active"
    assert machine.run("test", "-e", "/opt/azcmagent/bin/azcmagent").returncode != 0
    kept = machine.run("test", "-s", "/var/opt/azcmagent/agentconfig.json")
    assert kept.returncode == 0 and _identity(machine) == before  # the identity stays

    purged = machine.run("apt-get", "purge", "--yes", "azcmagent")
    assert "still connected to Azure" in _ok(purged) + purged.stderr  # its resource exists
    owners = _ok(machine.run("find", "/var/opt/azcmagent", "!", "-user", "root"))
    assert owners == "" and _identity(machine) == before  # kept for a disconnect, root's
    assert machine.run("id", "himds").returncode != 0
    assert machine.run("getent", "group", "himds").returncode != 0


def test_install_from_the_repository_at_packages_microsoft_com(lab) -> None:
    """As the docs have users do it: the configuration package from packages.microsoft.com,
    apt-get update (signatures checked against its keyring), a chosen version, an upgrade."""
    lab.publish(packages.repository())
    machine = lab.add_machine("pkg02", agent=False)
    quiet = {"DEBIAN_FRONTEND": "noninteractive"}
    _ok(machine.run("curl", "-sSfo", "/root/prod.deb", "https://packages.microsoft.com/config/"
                    "debian/12/packages-microsoft-prod.deb"))
    _ok(machine.run("dpkg", "-i", "/root/prod.deb"))
    _ok(machine.run("apt-get", "update", env=quiet))
    policy = _ok(machine.run("apt-cache", "policy", "azcmagent"))
    assert "0.1.0-2" in policy and "0.1.0-1" in policy and "packages.microsoft.com" in policy
    _ok(machine.run("apt-get", "install", "--yes", "azcmagent=0.1.0-1", env=quiet))
    assert _ok(machine.run("systemctl", "is-active", "himdsd")).strip() == "active"
    _ok(machine.run("apt-get", "install", "--yes", "azcmagent", env=quiet))
    assert _ok(machine.run("dpkg-query", "-W", "-f=${Version}", "azcmagent")) == "0.1.0-2"
    missing = machine.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                          "https://packages.microsoft.com/debian/12/prod/../../../admin.key")
    assert missing.stdout == "404"


def _status_after_restart(machine) -> str:
    """The status ``show`` settles on: a restarted himds says Disconnected until its first
    heartbeat, which it sends as it starts."""
    deadline = time.monotonic() + 20
    while True:
        status = json.loads(_ok(machine.run("azcmagent", "show", "--json")))["status"]
        if status == "Connected" or time.monotonic() > deadline:
            return str(status)
        time.sleep(0.2)


def _identity(machine) -> tuple[str, str]:
    """The machine's vmId and a digest of its identity key."""
    config = json.loads(_ok(machine.run("cat", "/var/opt/azcmagent/agentconfig.json")))
    key = _ok(machine.run("sha256sum", "/var/opt/azcmagent/certs/identity.key")).split()[0]
    return config["vmId"], key
