"""Conditions switched on a running lab from the command line (``cmagent-cloud lab on|off``),
each kind observed from a booted machine with curl, as a person checks their own network: the
lab is never restarted, and the machine sees each change at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cmagent.lab.machines import Machine
from cmagent.lab.topology import leftovers
from tests.lab.conftest import ROOT

pytestmark = ROOT
CLOUD = str(Path(sys.executable).parent / "cmagent-cloud")
ARM = "https://management.azure.com/metadata/endpoints?api-version=2022-09-01"
LOGIN = "https://login.microsoftonline.com/common/discovery/keys"
PROXY = "http://10.77.2.2:3128"


class RunningLab:
    def __init__(self, state: Path) -> None:
        self.env = {**os.environ, "CMAGENT_LAB_STATE": str(state)}
        up = self.cli("up", "--machines", "1", "--json")
        assert up.returncode == 0, up.stderr
        self.record = json.loads(up.stdout)
        self.machine = Machine.from_state(self.record["machines"][0])

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLOUD, "lab", *args], capture_output=True, text=True,
                              env=self.env, timeout=300, input=input)

    def on(self, *args: str, input: str | None = None) -> str:
        done = self.cli("on", *args, input=input)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def curl(self, url: str = ARM, *flags: str) -> tuple[int, str]:
        """curl's exit status and what it printed (the HTTP status, or its error)."""
        done = self.machine.run("curl", "-sS", "-m", "4", "-o", "/dev/null", "-w",
                                "%{http_code} %{time_total}", *flags, url)
        return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    lab = RunningLab(tmp_path_factory.mktemp("state"))
    try:
        yield lab
    finally:
        down = lab.cli("down")
    assert down.returncode == 0, down.stderr
    assert not [item for item in leftovers() if lab.record["id"] in item]


@pytest.fixture(autouse=True)
def healthy(running):
    yield
    assert running.cli("off").returncode == 0


def test_no_route_for_one_name_only(running) -> None:
    assert running.curl()[0] == 0
    assert "is on" in running.on("no-route", "management.azure.com")
    assert running.curl()[0] == 7  # could not connect: network is unreachable
    assert running.curl(LOGIN)[0] == 0
    running.cli("off", "no-route", "management.azure.com")
    assert running.curl()[0] == 0


def test_drop_and_reject_by_wildcard(running) -> None:
    running.on("reject", "*.azure.com")
    assert running.curl()[0] == 7 and "Couldn't connect" in running.curl()[1]
    assert running.curl(LOGIN)[0] == 0
    running.on("drop", "login.*")
    assert running.curl(LOGIN)[0] == 28  # timed out
    status = running.cli("status").stdout
    assert "reject: *.azure.com" in status and "drop: login.*" in status
    left = running.cli("off", "reject").stdout
    assert "in force: drop: login.*" in left and running.curl()[0] == 0


def test_name_missing_for_all(running) -> None:
    running.on("name-missing")
    assert running.curl()[0] == 6 and running.curl(LOGIN)[0] == 6  # could not resolve


def test_proxy_allows_one_name_with_credentials(running) -> None:
    running.on("proxy", "--allow", "management.azure.com", "--user", "arc",
               "--password-file", "-", input="lab-Pr0xy-pw\n")  # not in the process list
    assert "407" in running.curl(ARM, "-x", PROXY)[1]
    with_password = "http://arc:lab-Pr0xy-pw@10.77.2.2:3128"
    assert running.curl(ARM, "-x", with_password)[1].startswith("200")
    assert "403" in running.curl(LOGIN, "-x", with_password)[1]
    shown = running.cli("status", "--json").stdout + running.cli("status").stdout
    assert "lab-Pr0xy-pw" not in shown and "credentials arc:***" in shown
    running.on("proxy", "--deny", "login.microsoftonline.com")  # replaces the one before
    assert running.curl(ARM, "-x", PROXY)[1].startswith("200")
    assert "403" in running.curl(LOGIN, "-x", PROXY)[1]


def test_interception_with_the_ca_untrusted_then_trusted(running) -> None:
    running.on("intercept", "management.azure.com")
    assert running.curl()[0] == 60  # the certificate is not trusted
    running.on("intercept", "management.azure.com", "--trusted")
    assert running.curl()[0] == 0
    running.cli("off", "intercept")
    bundle = running.machine.merged / "etc/ssl/certs/ca-certificates.crt"
    assert "interceptor" not in bundle.read_text() and running.curl()[0] == 0


def test_slow_link(running) -> None:
    fast = float(running.curl()[1].split()[1])
    running.on("slow", "--delay-ms", "250", "management.azure.com")
    status, printed = running.curl()
    assert status == 0 and float(printed.split()[1]) >= fast + 1.0  # several round trips


def test_cloud_faults_through_the_lab(running) -> None:
    added = running.cli("cloud", "--", "fault", "add", "--service", "metadata", "--status",
                        "503", "--count", "1")
    assert added.returncode == 0, added.stderr
    assert running.curl()[1].startswith("503") and running.curl()[1].startswith("200")


def test_bad_requests_name_the_problem(running) -> None:
    unknown = running.cli("on", "drop", "nosuch.example")
    assert unknown.returncode == 1 and "matches no lab name" in unknown.stderr
    misplaced = running.cli("on", "proxy", "management.azure.com")
    assert misplaced.returncode == 1 and "'names' does not apply" in misplaced.stderr
    assert running.cli("on", "slow").returncode == 1  # no delay
    assert "no-route" not in running.cli("status").stdout
