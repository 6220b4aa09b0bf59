"""A copied disk: connect records what makes this host itself; when agentconfig.json says it
was another host (as on a copy), show explains it and himds sends no heartbeat with the copied
identity and serves no token with it, while a renamed host is no copy."""

from __future__ import annotations

import json

import requests

from cmagent.machine import channel
from cmagent.machine import clones
from cmagent.machine.paths import Paths
from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import flags_file
from tests.agent.test_onboarding import machines


def _recorded_elsewhere(root, **changes) -> None:
    path = root / "var/opt/azcmagent/agentconfig.json"
    config = json.loads(path.read_text())
    config["machineFingerprint"].update(changes)
    path.write_text(json.dumps(config))


def test_a_copy_explains_itself_and_stays_silent(azcmagent, agent_root, himds, trusting,
                                                tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    recorded = json.loads((agent_root / "var/opt/azcmagent/agentconfig.json").read_text())
    assert recorded["machineFingerprint"] == clones.facts()
    _recorded_elsewhere(agent_root, hostname="renamed")  # a new host name: no copy
    assert channel.ask(Paths(str(agent_root)), channel.RELOAD)["status"] == "Connected"
    last_beat = machines(trusting, onboarding)[0]["lastHeartbeat"]

    _recorded_elsewhere(agent_root, machineId="0" * 32)
    status = channel.ask(Paths(str(agent_root)), channel.RELOAD)
    assert status["status"] == "Error" and status["error"]["code"] == clones.CODE
    shown = azcmagent("show", "--json").json
    assert shown["status"] == "Error" and shown["errorCode"] == "DuplicateMachineIdentity"
    assert "appears to be a copy of " + recorded["resourceId"] in shown["errorDetails"]
    assert "azcmagent disconnect --force-local-only" in shown["errorDetails"]
    ja = azcmagent("show", lang="ja_JP.UTF-8").stdout
    assert "のコピーと思われます (machine-id が接続時に記録したものと異なります)" in ja
    assert channel.ask(Paths(str(agent_root)), channel.HEARTBEAT)["error"]["code"] == \
        clones.CODE
    assert machines(trusting, onboarding)[0]["lastHeartbeat"] == last_beat  # nothing sent
    token = requests.get(f"http://127.0.0.1:{himds.args[-1]}/metadata/identity/oauth2/token",
                         params={"api-version": "2020-06-01",
                                 "resource": "https://management.azure.com/"},
                         headers={"Metadata": "true"}, timeout=10)
    assert token.status_code == 400 and "WWW-Authenticate" not in token.headers  # no challenge
    assert "appears to be a copy of" in token.json()["error_description"]
    assert azcmagent("disconnect", "--force-local-only").status == 0
