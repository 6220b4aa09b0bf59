"""HIMDS's metadata and token endpoints: guards, the file challenge, azure-identity unmodified,
privileges, and the identity's lifecycle."""

from __future__ import annotations

import grp
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cmagent.errors import AzcmError
from cmagent.machine import channel
from cmagent.machine.paths import Paths
from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import flags_file
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_url
from tests.cloud.helpers import validate
from tests.net import free_port

BIN = Path(sys.executable).parent
ARM = "https://management.azure.com"
SDK_TOKENS = Path("/var/opt/azcmagent/tokens")  # azure-identity accepts no other directory
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CI runs as root)")


class Machine:
    """A connected machine: its root, its running himds, the cloud's view of it."""

    def __init__(self, root: Path, cloud, azcmagent, tmp_path: Path, tokens: Path) -> None:
        self.root, self.cloud, self.azcmagent = root, cloud, azcmagent
        self.port, self.tokens = free_port(), tokens
        self.log = (tmp_path / "himds.err").open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "himds"), "serve", "--port", str(self.port), "--tokens-dir",
             str(tokens)], stdout=self.log, stderr=self.log,
            env={**os.environ, "AZCMAGENT_ROOT": str(root)})
        self._wait()
        self.onboarding = cloud.quickstart(ADMINISTRATOR)
        run = azcmagent("connect", "--config", flags_file(tmp_path, self.onboarding),
                        "--tags", "scenario=Managed Identity")
        assert run.status == 0, run.stdout
        self.config = json.loads((root / "var/opt/azcmagent/agentconfig.json").read_text())
        self.url = f"http://localhost:{self.port}"

    def _wait(self) -> None:
        """Until both the port (bound first) and the channel (opened on the loop) answer."""
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                channel.ask(Paths(str(self.root)), channel.PING, timeout=1)
                return
            except (OSError, AzcmError):
                assert self.process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.url + path, headers={"Metadata": "true", **headers},
                            proxies={"http": "", "https": ""})

    def token(self, resource: str = ARM) -> requests.Response:
        path = f"/metadata/identity/oauth2/token?api-version=2020-06-01&resource={resource}"
        challenge = self.get(path)
        assert challenge.status_code == 401, challenge.text
        key_file = challenge.headers["WWW-Authenticate"].split("=", 1)[1]
        return self.get(path, Authorization=f"Basic {Path(key_file).read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture
def machine(agent_root, cloud, azcmagent, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cloud.ca)
    running = Machine(agent_root, cloud, azcmagent, tmp_path, agent_root / "tokens")
    yield running
    running.stop()


def test_instance_document(machine) -> None:
    document = machine.get("/metadata/instance?api-version=2020-06-01").json()
    compute = document["compute"]
    assert compute["resourceId"] == machine.config["resourceId"]
    assert compute["vmId"] == machine.config["vmId"] and compute["name"] == "web01"
    assert compute["location"] == "westeurope" and compute["osType"] == "linux"
    assert compute["tags"] == "scenario:Managed Identity"
    assert compute["tagsList"] == [{"name": "scenario", "value": "Managed Identity"}]
    assert machine.get("/metadata/instance/compute?api-version=2019-11-01").json()["vmId"] \
        == machine.config["vmId"]
    assert machine.get("/agentstatus").json()["status"] == "Connected"


@pytest.mark.parametrize("path,headers,status,words", [
    ("/metadata/instance?api-version=2020-06-01", {"Metadata": ""}, 400, "metadata header"),
    ("/metadata/instance?api-version=2020-06-01", {"X-Forwarded-For": "10.0.0.9"}, 400,
     "X-Forwarded-For"),
    ("/metadata/instance", {}, 400, "api-version was not specified"),
    ("/metadata/instance?api-version=1999-01-01", {}, 400, "api-version is invalid"),
    ("/metadata/identity/oauth2/token?api-version=2020-06-01", {}, 400,
     "Required audience parameter not specified"),
    ("/metadata/identity/oauth2/token?api-version=2020-06-01&resource=x&client_id=y", {}, 400,
     "User-assigned identities are not supported"),
    ("/metadata/unknown?api-version=2020-06-01", {}, 404, "not served"),
])
def test_guards_answer_imds_style_errors(machine, path, headers, status, words) -> None:
    response = machine.get(path, **headers)
    assert response.status_code == status
    assert words in json.dumps(response.json())


def test_challenge_response(machine) -> None:
    path = f"/metadata/identity/oauth2/token?api-version=2020-06-01&resource={ARM}"
    challenge = machine.get(path)
    key_file = Path(challenge.headers["WWW-Authenticate"].removeprefix("Basic realm="))
    assert key_file.parent == machine.tokens and key_file.suffix == ".key"
    assert os.stat(key_file).st_mode & 0o007 == 0  # nobody else may read it
    secret = key_file.read_text()
    answer = machine.get(path, Authorization=f"Basic {secret}")
    assert answer.status_code == 200
    token = answer.json()
    assert all(isinstance(v, str) for v in token.values()) and token["token_type"] == "Bearer"
    claims = validate(machine.cloud.session(), machine.cloud.url,
                      machine.onboarding["tenantId"], token["access_token"], audience=ARM)
    assert claims["oid"] == machine.config["identity"]["principalId"]
    assert not key_file.exists()  # single use
    assert machine.get(path, Authorization=f"Basic {secret}").status_code == 401
    assert machine.get(path, Authorization="Basic guessed").status_code == 401
    unknown = machine.token("https://unknown.example")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_resource"


def test_tokens_are_cached_and_survive_an_unreachable_cloud(machine) -> None:
    first = machine.token().json()["access_token"]
    machine.cloud.admin.call("POST", "/faults", {"service": "identity", "status": 503,
                                                 "pathPattern": "/oauth2/v2.0/token"})
    try:
        assert machine.token().json()["access_token"] == first  # from the cache
        refused = machine.token("https://vault.azure.net")
        assert refused.status_code == 503
        assert "could not be reached and no valid token" in refused.json()["error_description"]
    finally:
        machine.cloud.admin.call("DELETE", "/faults")


def test_after_disconnect_tokens_are_refused(machine) -> None:
    assert machine.azcmagent("disconnect", "--force-local-only").status == 0
    refused = machine.get(f"/metadata/identity/oauth2/token?api-version=2020-06-01&"
                          f"resource={ARM}")
    assert refused.status_code == 400 and "not connected" in refused.json()["error_description"]


def test_certificate_renewal_on_the_clouds_clock(machine) -> None:
    before = machine.config["identity"]["certificateNotAfter"]
    machine.cloud.admin.call("POST", "/clock", {"advanceSeconds": 46 * 86400})
    try:
        from cmagent.machine import channel
        from cmagent.machine.paths import Paths

        status = channel.ask(Paths(str(machine.root)), channel.HEARTBEAT)
        assert status["status"] == "Connected", status
        config = json.loads((machine.root / "var/opt/azcmagent/agentconfig.json").read_text())
        assert config["identity"]["certificateNotAfter"] > before
        assert machine.token("https://vault.azure.net").status_code == 200
    finally:
        machine.cloud.admin.call("POST", "/clock", {"reset": True})


SDK_SCRIPT = """
import sys
from azure.identity import ManagedIdentityCredential
try:
    print(ManagedIdentityCredential().get_token("https://management.azure.com/.default").token)
except Exception as error:
    print(f"REFUSED {type(error).__name__}: {error}")
"""


def _sdk_token(machine: Machine, *prefix: str) -> str:
    env = {"PATH": os.environ["PATH"], "IDENTITY_ENDPOINT":
           f"{machine.url}/metadata/identity/oauth2/token", "IMDS_ENDPOINT": machine.url,
           "HOME": "/tmp"}
    run = subprocess.run([*prefix, sys.executable, "-c", SDK_SCRIPT], capture_output=True,
                         text=True, env=env, timeout=120)
    return run.stdout.strip() or run.stderr.strip()


@pytest.fixture
def sdk_machine(agent_root, cloud, azcmagent, tmp_path, monkeypatch):
    """A machine whose himds writes its challenges where the SDK looks for them: the one place
    this suite touches the host's agent paths (and its himds group), removed again afterwards
    unless they were there before. Lab machines will take this over."""
    made = [path for path in (SDK_TOKENS.parent, SDK_TOKENS) if not path.exists()]
    group_made = not any(g.gr_name == "himds" for g in grp.getgrall())
    if group_made:
        subprocess.run(["groupadd", "--system", "himds"], check=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cloud.ca)
    agent_root.chmod(0o755)
    try:
        running = Machine(agent_root, cloud, azcmagent, tmp_path, SDK_TOKENS)
        yield running
        running.stop()
    finally:
        for path in reversed(made):
            shutil.rmtree(path, ignore_errors=True)
        if group_made:
            subprocess.run(["groupdel", "himds"], check=False)


@ROOT_ONLY
def test_azure_identity_gets_a_token_arm_accepts(sdk_machine) -> None:
    machine = sdk_machine
    token = _sdk_token(machine)
    assert token.startswith("ey"), token
    principal = machine.config["identity"]["principalId"]
    machine.cloud.admin.call("POST", "/roleAssignments", {
        "principalId": principal, "role": "Reader",
        "scope": f"/subscriptions/{machine.onboarding['subscriptionId']}"})
    answer = call(machine.cloud.session(), "GET", machine_url(machine.onboarding, "web01"), token)
    assert answer.status_code == 200 and answer.json()["name"] == "web01"


@ROOT_ONLY
def test_himds_group_members_may_and_others_may_not(sdk_machine) -> None:
    himds_gid = grp.getgrnam("himds").gr_gid
    member = _sdk_token(sdk_machine, "setpriv", "--reuid=65534", "--regid=65534",
                        f"--groups={himds_gid}")
    assert member.startswith("ey"), member
    outsider = _sdk_token(sdk_machine, "setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups")
    assert outsider.startswith("REFUSED") and "Permission denied" in outsider
