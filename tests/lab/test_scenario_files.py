"""Scenario files: every built-in scenario is a shipped file that follows the documented schema,
a file a user writes (YAML or TOML) runs like a built-in one, and a file that does not follow the
format is refused before any lab starts, naming the key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from cmagent.lab import scenario_files
from cmagent.lab import scenarios
from tests.lab.conftest import ROOT

CLOUD = str(Path(sys.executable).parent / "cmagent-cloud")
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "scenario.schema.json").read_text())
PASSWORD = "Pr0xy-pw-7"
ARM_ONLY = f"""\
name: proxy-arm-only-with-credentials
summary: The only way out is a proxy that asks for credentials and lets only ARM through.
onboarding: service-principal
conditions:
  - no-route: ["*"]
  - proxy: {{allow: [management.azure.com], user: arc, password: {PASSWORD}}}
steps:
  - run: [azcmagent, config, set, proxy.url, "http://arc:{PASSWORD}@{{proxy-host}}"]
run:
  command: [azcmagent, connect, --config, "{{config}}"]
expect:
  code: 26
  output: [login.microsoftonline.com, proxy refused CONNECT (403)]
  not-output: [{PASSWORD}]
"""
ARM_ONLY_TOML = f"""\
name = "proxy-arm-only-expecting-success"
onboarding = "service-principal"
conditions = [{{no-route = ["*"]}},
              {{proxy = {{allow = ["management.azure.com"], user = "arc", password = "{PASSWORD}"}}}}]
steps = [{{run = ["azcmagent", "config", "set", "proxy.url", "http://arc:{PASSWORD}@{{proxy-host}}"]}}]

[run]
command = ["azcmagent", "connect", "--config", "{{config}}"]

[expect]
code = 0
output = ["Connected machine to Azure"]
"""


def _cloud(*args: str, **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLOUD, "scenario", *args], capture_output=True, text=True,
                          timeout=900, **options)


@pytest.mark.parametrize("path", scenario_files.builtin_files(), ids=lambda p: p.stem)
def test_every_builtin_scenario_is_a_file_the_schema_accepts(path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)
    assert scenario_files.load(path).name in scenarios.BY_NAME


def test_the_builtin_files_are_all_the_scenarios() -> None:
    assert len(scenario_files.builtin_files()) == len(scenarios.SCENARIOS) == len(scenarios.BY_NAME)


def test_yaml_and_toml_read_alike(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text(ARM_ONLY)
    (tmp_path / "b.toml").write_text(ARM_ONLY_TOML)
    first, second = (scenario_files.load(tmp_path / n) for n in ("a.yaml", "b.toml"))
    assert first.command == second.command == ["connect", "--config", "{config}"]
    assert first.program == "azcmagent" and first.needs == "connect"
    assert (first.code, first.absent) == (26, (PASSWORD,))
    assert (second.code, second.message) == (0, ("Connected machine to Azure",))
    jsonschema.validate(yaml.safe_load(ARM_ONLY), SCHEMA)


BAD = [
    ("expect:\n  outptu: [x]\n", "unknown key expect.outptu"),
    ("colour: red\n", "unknown key colour"),
    ("conditions: [{firewall: ['*']}]\n", "unknown condition 'firewall'"),
    ("conditions: [{proxy: {names: [management.azure.com]}}]\n", "'names' does not apply"),
    ("conditions: [{slow: [management.azure.com]}]\n", "give the delay"),
    ("conditions: [{drop: [nothing.example]}]\n", None),  # known only once a lab runs
    ("steps: [{use: reboot}]\n", "unknown step"),
    ("expect:\n  checks: [everything-fine]\n", "unknown check 'everything-fine'"),
    ("onboarding: password\n", "onboarding: one of"),
    ("cloud: [{delete: everything}]\n", "cloud: each step is one of"),
    ("run: {command: connect}\n", "run.command must be a list of words"),
]


@pytest.mark.parametrize(("text", "named"), BAD)
def test_a_file_off_the_format_is_refused_naming_the_key(tmp_path, text, named) -> None:
    body = text if text.startswith("run:") else f"run: {{command: [azcmagent, show]}}\n{text}"
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    if named is None:
        scenario_files.load(path)
        return
    with pytest.raises(scenario_files.ScenarioFileError) as refused:
        scenario_files.load(path)
    assert str(refused.value).startswith(f"{path}: ") and named in str(refused.value)
    with pytest.raises(jsonschema.ValidationError):  # the documented schema agrees
        jsonschema.validate(yaml.safe_load(body), SCHEMA)


def test_list_show_and_refusals_from_the_command_line(tmp_path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(ARM_ONLY)
    listed = _cloud("list", str(mine))
    assert listed.returncode == 0
    assert re.search(r"^proxy-arm-only-with-credentials +AZCM0026", listed.stdout, re.M)
    assert "install-apt-locked" in listed.stdout and "builtin_scenarios" in listed.stdout
    shown = _cloud("show", "arm-proxy-forbidden")
    assert yaml.safe_load(shown.stdout)["name"] == "arm-proxy-forbidden"
    (tmp_path / "broken.toml").write_text("name = \n")
    broken = _cloud("run", str(tmp_path / "broken.toml"))
    assert broken.returncode == 2 and "not valid TOML" in broken.stderr
    unknown = _cloud("run", "no-such-scenario")
    assert unknown.returncode == 2 and "no built-in scenario 'no-such-scenario'" in unknown.stderr


@ROOT
def test_a_scenario_that_cannot_run_says_why_and_fails(tmp_path) -> None:
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    refused = subprocess.run([*as_nobody, CLOUD, "scenario", "run", "invalid-value"],
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "HOME": "/nonexistent"})
    assert refused.returncode == 1 and "needs root" in refused.stderr
    assert "matched" not in refused.stdout


@ROOT
def test_a_users_scenario_file_runs_like_a_builtin_one(tmp_path) -> None:
    """The proxy asks for credentials (given in proxy.url) and lets only ARM through: connect
    ends in AZCM0026 naming the login endpoint the proxy refused, the password never shown.
    The same network with a file that expects success is reported as a mismatch."""
    (tmp_path / "arm-only.yaml").write_text(ARM_ONLY)
    (tmp_path / "expects-success.toml").write_text(ARM_ONLY_TOML)
    ran = _cloud("run", str(tmp_path / "arm-only.yaml"), str(tmp_path / "expects-success.toml"),
                 "--json")
    outcomes = {o["scenario"]: o for o in json.loads(ran.stdout)}
    assert outcomes["proxy-arm-only-with-credentials"]["state"] == "matched", ran.stdout
    assert outcomes["proxy-arm-only-expecting-success"]["state"] == "mismatched"
    assert outcomes["proxy-arm-only-expecting-success"]["exitStatus"] == 26
    assert ran.returncode == 1 and PASSWORD not in ran.stdout + ran.stderr


def test_a_failed_set_up_step_shows_no_url_password() -> None:
    from cmagent.lab.actions import _without_url_passwords

    step = f"azcmagent config set proxy.url http://arc:{PASSWORD}@10.77.2.2:3128"
    assert _without_url_passwords(step) == "azcmagent config set proxy.url http://arc:***@10.77.2.2:3128"
