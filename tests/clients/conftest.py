"""The tools people already use, run unmodified against the local cloud: the Azure CLI (in its
own virtual environment, made by scripts/setup) and the Azure SDKs for JavaScript (installed
by scripts/setup into tests/clients/node). A missing tool fails the test with the command that
installs it: these tests never pass by being skipped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.agent.conftest import himds  # noqa: F401 (a fixture the machine tests use)
from tests.agent.conftest import trusting  # noqa: F401
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import new_user

AZURE_CLI_VERSION = "2.91.0"
NODE_DIR = Path(__file__).parent / "node"


def azure_cli_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    default = cache / "cmagent" / f"azure-cli-{AZURE_CLI_VERSION}" / "bin" / "az"
    return Path(os.environ.get("CMAGENT_AZURE_CLI") or default)


class Az:
    """``az`` with its own configuration directory, trusting only the cloud's CA."""

    def __init__(self, program: Path, config_dir: Path, ca: str) -> None:
        self.program = program
        self.env = {"PATH": os.environ["PATH"], "HOME": str(config_dir),
                    "AZURE_CONFIG_DIR": str(config_dir), "REQUESTS_CA_BUNDLE": ca,
                    "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_NO_COLOR": "true",
                    "AZURE_CORE_ONLY_SHOW_ERRORS": "true", "LANG": "C.UTF-8"}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.program), *args], env=self.env, capture_output=True,
                              text=True, timeout=180)
        if check:
            assert done.returncode == 0, f"az {' '.join(args)}\n{done.stderr}"
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--output", "json").stdout or "null")

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(self.program), *args], env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def az(cloud, tmp_path) -> Az:
    program = azure_cli_path()
    assert program.exists(), f"no Azure CLI at {program}: run scripts/setup"
    client = Az(program, tmp_path / "azure", cloud.ca)
    client.run("config", "set", "core.instance_discovery=false")
    client.run("cloud", "register", "--name", "cmagent", "--endpoint-resource-manager",
               cloud.url + "/")
    client.run("cloud", "set", "--name", "cmagent")
    return client


@pytest.fixture(scope="session")
def node() -> Path:
    assert (NODE_DIR / "node_modules" / "@azure" / "identity").exists(), \
        f"the Azure SDKs for JavaScript are not installed in {NODE_DIR}: run scripts/setup"
    return NODE_DIR


def sign_in_when_asked(process: subprocess.Popen[str], pattern: str, cloud, user) -> Any:
    """Read the client's stderr until it shows a device code (``pattern``'s group 1), sign the
    user in on the /devicelogin pages, and return the client's JSON output."""
    assert process.stderr is not None
    code, deadline = None, time.monotonic() + 60
    while code is None and time.monotonic() < deadline:
        found = re.search(pattern, process.stderr.readline())
        code = found.group(1) if found else None
    assert code, "the client showed no device code"
    approve_device_code(cloud.session(), cloud.url, code, user["userPrincipalName"],
                        user["password"])
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out)


def reader_user(cloud) -> tuple[dict[str, Any], dict[str, Any]]:
    """A quickstart and a user of its tenant with Reader on its subscription (device codes
    polled every second)."""
    cloud.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    onboarding = cloud.quickstart()
    user = new_user(cloud, onboarding["tenantId"])
    cloud.admin.call("POST", "/roleAssignments", {
        "principalId": user["userPrincipalName"], "role": "Reader",
        "scope": f"/subscriptions/{onboarding['subscriptionId']}"})
    return onboarding, user
