"""The Linux install script on plain Debian machines in the lab, fetched as the docs say
(https://aka.ms/azcmagent): every installer row of the seed's first table as a scenario that
must match (its code in the text, the --output file and the report the cloud keeps, exit
status 1 as the real script has it), a clean install that ends connected, and the texts in
Japanese."""

from __future__ import annotations

import json

import pytest

from cmagent.lab import actions
from cmagent.lab import packages
from cmagent.lab import scenarios
from cmagent.lab.cases import Context
from tests.lab.conftest import ROOT
from tests.lab.test_machines import _connect
from tests.lab.test_package import _ok

pytestmark = ROOT
# The seed's Linux installer codes this project's script emits (AZCM0134-0140 and 0144 have no
# documented condition), and the three kinds of success.
LINUX_ROWS = ("AZCM0127", "AZCM0128", "AZCM0129", "AZCM0130", "AZCM0131", "AZCM0132",
              "AZCM0133", "AZCM0141", "AZCM0142", "AZCM0143", "AZCM0145", "AZCM0146",
              "AZCM0147", "AZCM0150", "AZCM0157")


def test_every_linux_installer_row_has_a_scenario() -> None:
    failures = {f"AZCM{s.code:04d}" for s in scenarios.INSTALLER_SCENARIOS if s.code}
    assert failures == set(LINUX_ROWS)
    listed = {s.name for s in scenarios.SCENARIOS}
    assert {s.name for s in scenarios.INSTALLER_SCENARIOS} <= listed


@pytest.mark.parametrize("scenario", scenarios.INSTALLER_SCENARIOS,
                         ids=lambda s: s.name)
def test_installer_scenario(lab, scenario) -> None:
    outcome = scenarios.run(lab, scenario)
    assert outcome.state == "matched", (outcome.problems, outcome.output)


def _fetched(lab, name: str):
    machine = lab.add_machine(name, agent=False)
    actions.install_script(lab, Context(machine))
    return machine


def test_install_from_aka_ms_then_connect(lab) -> None:
    machine = _fetched(lab, "fresh")
    installed = machine.run("bash", actions.SCRIPT, "--verbose")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "+ installing from https://packages.microsoft.com (debian/12)" in installed.stderr
    assert "+ checking for an Azure virtual machine" in installed.stderr
    assert machine.run("sh", "-c", "ls -d /tmp/azcmagent.*").returncode != 0  # nothing left
    assert _ok(machine.run("dpkg-query", "-W", "-f=${Version}", "azcmagent")) == "0.1.0-2"
    _ok(_connect(machine, lab.onboarding))
    assert json.loads(_ok(machine.run("azcmagent", "show", "--json")))["status"] == "Connected"


def test_japanese(lab) -> None:
    machine = _fetched(lab, "japanese")
    failed = machine.run("bash", actions.SCRIPT, "--frobnicate",
                         env={"LANG": "ja_JP.UTF-8"})
    assert failed.returncode == 1
    assert "AZCM0129" in failed.stderr and "インストール スクリプトに不明な引数" in failed.stderr
    assert "対処: 'bash install_linux_azcmagent.sh --help'" in failed.stderr
    english = machine.run("bash", actions.SCRIPT, "--frobnicate",
                          env={"LANG": "ja_JP.UTF-8", "LC_ALL": "C.UTF-8"})
    assert "Remedy: Check the options" in english.stderr  # LC_ALL wins, as POSIX has it


def test_a_signed_download_link_stays_secret(lab) -> None:
    """A SAS signature in --altdownload reaches no message, log, --output or cloud report."""
    machine = _fetched(lab, "sas")
    link = "https://packages.microsoft.com/nothing.deb?sv=2024&sig=not-for-anyone"
    failed = machine.run("bash", actions.SCRIPT, "--output", "/root/out.json",
                         "--altdownload", link)
    assert failed.returncode == 1 and "AZCM0142" in failed.stderr
    assert "invalid --altdownload link: https://packages.microsoft.com/nothing.deb?..." \
        in failed.stderr
    kept = _ok(machine.run("sh", "-c", "cat /root/out.json /tmp/azcmagent.*/install.log"))
    reports = json.dumps(lab.cloud_cli("installer", "reports"))
    for text in (failed.stdout + failed.stderr, kept, reports):
        assert "not-for-anyone" not in text


def test_a_proxy_password_stays_secret(lab) -> None:
    """curl quotes the proxy URL it could not use: the password reaches no message, log,
    --output (made for root alone) or cloud report."""
    machine = _fetched(lab, "proxypw")
    failed = machine.run("bash", actions.SCRIPT, "--output", "/root/out.json", "--proxy",
                         "http://arc:N0t for anyone@10.77.2.2:3128")
    assert failed.returncode == 1 and "AZCM0146" in failed.stderr, failed.stderr
    assert "http://arc:***@10.77.2.2:3128" in failed.stderr
    kept = _ok(machine.run("sh", "-c", "stat -c %a /root/out.json; cat /root/out.json "
                                       "/tmp/azcmagent.*/install.log"))
    assert kept.startswith("600\n")
    reports = json.dumps(lab.cloud_cli("installer", "reports"))
    for text in (failed.stdout + failed.stderr, kept, reports):
        assert "N0t for anyone" not in text


def test_flags_the_real_script_reads_as_it_reads_them(lab) -> None:
    """An --altdownload URL without a suffix gets '.deb' (as the real script appends it); an
    --output that cannot be written, or a flag given last without its value, is AZCM0129
    before anything is installed; a success leaves no temporary directory."""
    machine = _fetched(lab, "flags")
    for args in (["--output", "/no/such/dir/out.json"], ["--verbose", "--proxy"],
                 ["--altdownload"]):
        refused = machine.run("bash", actions.SCRIPT, *args)
        assert refused.returncode == 1 and "AZCM0129" in refused.stderr, refused.stderr
    assert machine.run("dpkg-query", "-W", "azcmagent").returncode != 0  # nothing installed
    link = ("https://packages.microsoft.com/debian/12/prod/pool/main/a/azcmagent/"
            f"azcmagent_{packages.VERSIONS[1]}_amd64")
    installed = machine.run("bash", actions.SCRIPT, "--altdownload", link, "--output",
                            "/root/out.json")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert json.loads(_ok(machine.run("cat", "/root/out.json")))["message"] == \
        "Latest version of azcmagent is installed."
    assert machine.run("sh", "-c", "ls -d /tmp/azcmagent.*").returncode != 0
