"""azcmagent config: every property, its validation, monitor mode and atomic storage."""

from __future__ import annotations

import json
import os

import pytest

from cmagent.machine import settings
from tests.conftest import read_log

VALID = [
    ("incomingconnections.enabled", "false", False),
    ("incomingconnections.ports", "22, 6516", [22, 6516]),
    ("connection.type", "Gateway", "gateway"),
    ("proxy.url", "proxy.contoso.corp:8080", "http://proxy.contoso.corp:8080"),
    ("proxy.url", "http://10.0.0.1", "http://10.0.0.1"),
    ("proxy.bypass", "arm,ARC,aad", ["ARM", "Arc", "AAD"]),
    ("extensions.allowlist", "Microsoft.Azure.Monitor/AzureMonitorLinuxAgent",
     ["Microsoft.Azure.Monitor/AzureMonitorLinuxAgent"]),
    ("extensions.allowlist", "allow/none", ["Allow/None"]),
    ("extensions.blocklist", "Microsoft.CPlat.Core/RunCommandHandlerLinux",
     ["Microsoft.CPlat.Core/RunCommandHandlerLinux"]),
    ("guestconfiguration.enabled", "FALSE", False),
    ("extensions.enabled", "true", True),
    ("config.mode", "monitor", "monitor"),
    ("guestconfiguration.agent.cpulimit", "80", 80),
    ("extensions.agent.cpulimit", "1", 1),
]
INVALID = [
    ("incomingconnections.enabled", "yes"),
    ("incomingconnections.ports", "22,70000"),
    ("connection.type", "tunnel"),
    ("proxy.url", "https://proxy:8443"),
    ("proxy.url", "http://proxy:notaport"),
    ("proxy.url", "http://proxy:3128/path"),
    ("proxy.bypass", "ARM,Everything"),
    ("extensions.allowlist", "NoSlash"),
    ("extensions.blocklist", "Allow/None/x"),
    ("config.mode", "partial"),
    ("guestconfiguration.agent.cpulimit", "0"),
    ("extensions.agent.cpulimit", "101"),
]


def test_list_shows_every_property_with_defaults(azcmagent) -> None:
    run = azcmagent("config", "list")
    lines = run.stdout.splitlines()
    assert lines[0] == "Local Configuration Settings"
    assert "  incomingconnections.enabled (preview)" in lines[1]
    assert len(lines) == 1 + len(settings.PROPERTIES)
    assert any(line.split(":")[0].strip() == "proxy.bypass" and line.endswith(": []")
               for line in lines)
    document = azcmagent("config", "list", "--json").json
    assert [item["Key"] for item in document["LocalSettings"]] == \
        [p.name for p in settings.PROPERTIES]


@pytest.mark.parametrize("name,raw,stored", VALID)
def test_set_then_get_each_property(azcmagent, agent_root, name, raw, stored) -> None:
    run = azcmagent("config", "set", name, raw)
    assert run.status == 0, run.stdout
    assert run.stdout.startswith(f"Config property {name} set to value ")
    assert azcmagent("config", "get", name, "--json").json["Value"] == stored
    on_disk = json.loads((agent_root / "var/opt/azcmagent/localconfig.json").read_text())
    assert on_disk.get(name, settings.BY_NAME[name].default) == stored


@pytest.mark.parametrize("name,raw", INVALID)
def test_invalid_values_are_azcm0023(azcmagent, agent_root, name, raw) -> None:
    run = azcmagent("config", "set", name, raw)
    assert run.status == 23 and name in run.stdout
    assert not (agent_root / "var/opt/azcmagent/localconfig.json").exists()


@pytest.mark.parametrize("name,raw,example", [
    ("proxy.bypass", "Arc AAD", "Arc,AAD"), ("proxy.bypass", "Arc;AAD", "Arc,AAD"),
    ("incomingconnections.ports", "443, 80 22", "80,22"),
])
def test_lists_take_commas_only(azcmagent, agent_root, name, raw, example) -> None:
    run = azcmagent("config", "set", name, raw)
    assert run.status == 23 and "with commas only" in run.stdout and f"'{example}'" in run.stdout
    assert not (agent_root / "var/opt/azcmagent/localconfig.json").exists()


def test_add_and_remove_on_lists(azcmagent) -> None:
    azcmagent("config", "set", "proxy.bypass", "ARM")
    assert azcmagent("config", "set", "proxy.bypass", "Arc,AAD", "--add").status == 0
    assert azcmagent("config", "get", "proxy.bypass").stdout.strip() == "[ARM Arc AAD]"
    assert azcmagent("config", "set", "proxy.bypass", "arc", "-r").status == 0
    assert azcmagent("config", "get", "proxy.bypass").stdout.strip() == "[ARM AAD]"
    both = azcmagent("config", "set", "proxy.bypass", "ARM", "--add", "--remove")
    assert both.status == 23 and "--add" in both.stdout
    single = azcmagent("config", "set", "proxy.url", "http://p:1", "--add")
    assert single.status == 23 and "multi-valued" in single.stdout


def test_clear_returns_to_the_default(azcmagent) -> None:
    azcmagent("config", "set", "extensions.agent.cpulimit", "50")
    run = azcmagent("config", "clear", "extensions.agent.cpulimit")
    assert run.status == 0 and run.stdout.strip().endswith("value is now 5")
    assert azcmagent("config", "get", "extensions.agent.cpulimit").stdout.strip() == "5"


def test_monitor_mode_locks_the_extension_lists(azcmagent) -> None:
    azcmagent("config", "set", "extensions.blocklist", "Microsoft.Compute/CustomScriptExtension")
    assert azcmagent("config", "set", "config.mode", "monitor").status == 0
    locked = azcmagent("config", "set", "extensions.allowlist", "Publisher/Type")
    assert locked.status == 27 and "AZCM0027" in locked.stdout and "config.mode" in locked.stdout
    assert azcmagent("config", "clear", "extensions.blocklist").status == 27
    ja = azcmagent("config", "set", "extensions.blocklist", "A/B", lang="ja_JP.UTF-8")
    assert "エージェントの構成に競合があります" in ja.stdout
    effective = {i["Key"]: i["Value"] for i in azcmagent("config", "list", "-j").json["LocalSettings"]}
    assert effective["extensions.allowlist"] == list(settings.MONITOR_ALLOWLIST)
    assert effective["guestconfiguration.enabled"] is False
    assert effective["incomingconnections.enabled"] is False
    # Back to full mode, the list set earlier is still there.
    azcmagent("config", "set", "config.mode", "full")
    assert azcmagent("config", "get", "extensions.blocklist").stdout.strip() == \
        "[Microsoft.Compute/CustomScriptExtension]"


def test_corrupt_settings_file_is_azcm0027_naming_it(azcmagent, agent_root) -> None:
    path = agent_root / "var/opt/azcmagent/localconfig.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    run = azcmagent("config", "list")
    assert run.status == 27 and str(path) in run.stdout


@pytest.mark.parametrize("stored,named", [
    ({"proxy.url": 5}, "proxy.url: 5"), ({"proxy.bypass": "ARM"}, "proxy.bypass"),
    ({"config.mode": "sleepy"}, '"sleepy"'), ({"incomingconnections.ports": [True]}, "[true]"),
    ({"proxy.url": ["http://arc:Pr0xyPassw0rdThatIsLong@proxy.contoso.corp:3128"]},
     "arc:***@proxy"),
])
def test_a_value_edited_by_hand_is_checked_as_config_set_checks_it(azcmagent, agent_root,
                                                                    stored, named) -> None:
    path = agent_root / "var/opt/azcmagent/localconfig.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(stored))
    run = azcmagent("config", "list")
    assert run.status == 27 and str(path) in run.stdout and named in run.stdout, run.stdout
    assert "Pr0xyPassw0rd" not in run.stdout + read_log(agent_root)


def test_write_failure_is_azcm0069_and_keeps_the_old_file(azcmagent, agent_root, monkeypatch):
    azcmagent("config", "set", "config.mode", "monitor")
    path = agent_root / "var/opt/azcmagent/localconfig.json"
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings, "atomic_write", disk_full)
    run = azcmagent("config", "set", "config.mode", "full")
    assert run.status == 69 and "AZCM0069" in run.stdout and "No space left" in run.stdout
    assert path.read_bytes() == before


def test_file_modes_and_masked_proxy_credentials(azcmagent, agent_root) -> None:
    path = agent_root / "var/opt/azcmagent/localconfig.json"
    azcmagent("config", "set", "proxy.url", "http://proxy:3128")
    assert os.stat(path).st_mode & 0o777 == 0o644
    run = azcmagent("config", "set", "proxy.url", "http://svc:S3cretPass@proxy:3128")
    assert os.stat(path).st_mode & 0o777 == 0o600
    outputs = run.stdout + azcmagent("config", "list").stdout
    outputs += json.dumps(azcmagent("config", "get", "proxy.url", "-j").json)
    assert "S3cretPass" not in outputs + read_log(agent_root)
    assert "http://svc:***@proxy:3128" in outputs
    assert "S3cretPass" in path.read_text()  # the agent needs it to reach the proxy


def test_info_describes_properties(azcmagent) -> None:
    run = azcmagent("config", "info", "proxy.bypass")
    assert run.status == 0 and "AAD" in run.stdout and "ArcData" in run.stdout
    document = azcmagent("config", "info", "--json").json
    assert [item["DisplayName"] for item in document] == [p.name for p in settings.PROPERTIES]
