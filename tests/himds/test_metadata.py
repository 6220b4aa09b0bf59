"""HIMDS's metadata and token endpoints: guards, the file challenge, azure-identity unmodified,
privileges, and the identity's lifecycle."""

from __future__ import annotations

import json
import os
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
from tests.cloud.helpers import validate
from tests.net import free_port

BIN = Path(sys.executable).parent
ARM = "https://management.azure.com"


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
    # two of a kind: which counts would differ between parsers
    ("/metadata/instance?api-version=bad&api-version=2020-06-01", {}, 400, "more than once"),
    ("/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https://x.example/"
     ".default?x=1&resource=https://management.azure.com", {}, 400,
     "'resource' is given more than once"),
    # no redirect to the slashless path: it would be built from the Host header
    ("/metadata/instance/?api-version=2020-06-01", {"Host": "attacker.example"}, 404,
     "not served"),
])
def test_guards_answer_imds_style_errors(machine, path, headers, status, words) -> None:
    response = machine.get(path, **headers)
    assert response.status_code == status
    assert words in json.dumps(response.json())


def test_a_path_cannot_forge_a_record_in_himds_log(machine) -> None:
    forged = "2026-12-06 13:40:00,000 INFO cmagent.himds: himds stopped"
    path = "/x%0A" + forged.replace(" ", "%20") + "%1B%5B2J%00"
    assert machine.get(path).status_code == 404
    logged = (machine.root / "var/opt/azcmagent/log/himds.log").read_text()
    assert "\n" + forged not in logged and "\x1b" not in logged and "\x00" not in logged
    assert "\n    " + forged in logged  # said, as the rest of the path's record


def test_no_api_version_lists_the_versions_served(machine) -> None:
    answer = machine.get("/metadata/instance").json()
    assert "2020-06-01" in answer["newest-versions"]  # as Azure IMDS, for discovery scripts


def test_every_metadata_header_must_say_true(machine) -> None:
    import http.client

    for values in (("false", "true"), ("true", "false")):
        connection = http.client.HTTPConnection("127.0.0.1", int(machine.url.rsplit(":", 1)[1]))
        connection.putrequest("GET", "/metadata/instance?api-version=2020-06-01")
        for value in values:
            connection.putheader("Metadata", value)
        connection.endheaders()
        assert connection.getresponse().status == 400
        connection.close()


def test_a_resource_keeps_its_trailing_slash_in_the_tokens_audience(machine) -> None:
    resource = "https://management.core.windows.net/"
    token = machine.token(resource).json()
    claims = validate(machine.cloud.session(), machine.cloud.url,
                      machine.onboarding["tenantId"], token["access_token"], audience=resource)
    assert claims["aud"] == resource and token["resource"] == resource


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
    assert token["not_before"] == str(claims["nbf"])
    assert not key_file.exists()  # spent by the answer
    assert machine.get(path, Authorization=f"Basic {secret}").status_code == 401
    assert machine.get(path, Authorization="Basic guessed").status_code == 401
    unknown = machine.token("https://unknown.example")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_resource"


def test_tokens_are_cached_and_survive_an_unreachable_cloud(machine) -> None:
    first = machine.token().json()["access_token"]
    machine.cloud.admin.call("POST", "/faults", {"service": "identity", "status": 503,
                                                 "pathPattern": "/oauth2/v2.0/token"})
    path = "/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https://vault.azure.net"
    try:
        assert machine.token().json()["access_token"] == first  # from the cache
        key_file = machine.get(path).headers["WWW-Authenticate"].split("=", 1)[1]
        proof = f"Basic {Path(key_file).read_text()}"
        refused = machine.get(path, Authorization=proof)
        assert refused.status_code == 503
        assert "could not be reached and no valid token" in refused.json()["error_description"]
        # an SDK retries a 5xx with the same proof: it is answered again, not challenged
        assert machine.get(path, Authorization=proof).status_code == 503
    finally:
        machine.cloud.admin.call("DELETE", "/faults")
    assert machine.get(path, Authorization=proof).status_code == 200  # in its minute
    assert machine.get(path, Authorization=proof).status_code == 401  # spent by the token
    log_file = machine.root / "var/opt/azcmagent/log/himds.log"
    assert log_file.stat().st_mode & 0o777 == 0o640  # root and the himds group, no others
    log = log_file.read_text()
    assert f"GET {path.split('?')[0]} 503 " in log
    assert "Refused /metadata/identity/oauth2/token for uid 0: 503 service_unavailable" in log


def test_a_throttled_identity_service_is_no_final_refusal(machine) -> None:
    path = "/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https://storage.azure.com"
    machine.cloud.admin.call("POST", "/faults", {"service": "identity", "action": "throttle",
                                                 "pathPattern": "/oauth2/v2.0/token"})
    try:
        key_file = machine.get(path).headers["WWW-Authenticate"].split("=", 1)[1]
        proof = f"Basic {Path(key_file).read_text()}"
        throttled = machine.get(path, Authorization=proof)
        assert throttled.status_code == 503, throttled.text  # SDKs retry it, with the proof
    finally:
        machine.cloud.admin.call("DELETE", "/faults")
    assert machine.get(path, Authorization=proof).status_code == 200


def test_an_expired_machine_certificate_is_a_definite_refusal(machine) -> None:
    machine.cloud.admin.call("POST", "/clock", {"advanceSeconds": 95 * 86400})
    try:
        refused = machine.token("https://vault.azure.net")
    finally:
        machine.cloud.admin.call("POST", "/clock", {"reset": True})
    assert refused.status_code == 400, refused.text  # not a 5xx that SDKs retry
    assert refused.json()["error_description"].startswith(
        "The identity service refused a token for https://vault.azure.net: AADSTS700027")


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


@pytest.mark.parametrize("resource", ["https://vault.azure.net",
                                      "https://myaccount.blob.core.windows.net",
                                      "https://eventhubs.azure.net"])
def test_a_managed_identitys_token_lasts_about_a_day(machine, resource) -> None:
    token = machine.token(resource).json()
    assert 86000 < int(token["expires_in"]) <= 86400  # as Azure's (the reference: ~24 h)
