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
SCHEMA = json.loads((Path(__file__).parents[2] / "src" / "cmagent" / "lab" /
                     "scenario.schema.json").read_text())
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
    ("expect:\n  outptu: [x]\n", "unknown key expect.outptu (known: after, checks, code"),
    ("colour: red\n", "unknown key colour"),
    ("conditions: [{firewall: ['*']}]\n", "unknown key conditions[0].firewall (known: drop,"),
    ("conditions: [{proxy: {names: [management.azure.com]}}]\n",
     "unknown key conditions[0].proxy.names"),
    ("conditions: [{slow: [management.azure.com]}]\n",
     "conditions[0].slow must be a table, not [\"management.azure.com\"]"),
    ("conditions: [{slow: {delay-ms: 0}}]\n", "conditions[0].slow.delay-ms must be from 1 to"),
    ("conditions: [{drop: [nothing.example]}]\n", None),  # known only once a lab runs
    ("steps: [{use: reboot}]\n", "steps[0].use must be one of install-script, copy-of-"),
    ("steps: [{use: install-script, fingerprint: false}]\n",
     "'install-script' takes no option, not fingerprint"),
    ("steps: [{run: echo hello}]\n", "steps[0].run must be a list, not 'echo hello'"),
    ("steps: [{run: [echo], shell: x}]\n", "steps[0] must hold exactly one of run, shell"),
    ("steps: [{run: [echo], shel: x}]\n", "unknown key steps[0].shel"),
    ("expect:\n  checks: [everything-fine]\n", "expect.checks[0] must be one of cloud-unch"),
    ("expect:\n  code: 26.9\n", "expect.code must be a whole number, not 26.9"),
    ("expect:\n  code: true\n", "expect.code must be a whole number, not true"),
    ("expect:\n  code: .inf\n", "expect.code must be a whole number, not Infinity"),
    ("expect:\n  code: 9999\n", "expect.code: AZCM9999 is not an AZCM code"),
    ("expect:\n  code: twenty-six\n", "expect.code must be a whole number, not 'twenty-six'"),
    ("onboarding: password\n", "onboarding must be one of none, service-principal"),
    ("name: [a, b]\n", "name must be a string"),
    ("cloud: [{delete: everything}]\n", "unknown key cloud[0].delete"),
    ("cloud: [{provider: {namespace: Microsoft.HybridCompute, state: Off}}]\n",
     "cloud[0].provider.state must be one of Registered, NotRegistered, Registering, "
     "Unregistering, not false (YAML reads yes, no, on and off"),
    ("cloud: [{fault: {service: arm, stauts: 503}}]\n", "unknown key cloud[0].fault.stauts"),
    ("conditions: [{drop: {names: ['*'], delay-ms: 5}}]\n",
     "unknown key conditions[0].drop.delay-ms"),
    ("run: {command: connect}\n", "run.command must be a list, not 'connect'"),
    ("run: {command: [azcmagent, show], user: 12}\n", "run.user must be a string, not 12"),
    ("run: {command: [azcmagent, show], env: [LANG=ja_JP.UTF-8]}\n",
     "run.env must be a table"),
    ("expect: {code: 26}\nexpect: {code: 41}\n", "line 3, column 1: the key 'expect' is given twice"),
    ("flags: &a {x: 1}\nseed: *a\n", "aliases (*name) are not allowed"),
    ("steps: [{run: [echo}\n", "not valid YAML: line 2, column 20: expected ',' or ']'"),
]


@pytest.mark.parametrize(("text", "named"), BAD)
def test_a_file_off_the_format_is_refused_naming_the_key(tmp_path, text, named) -> None:
    body = text if text.startswith("run:") else f"run: {{command: [azcmagent, show]}}\n{text}"
    schema_agrees = "given twice" not in named and "aliases" not in named and \
        "AZCM9999" not in named and "not valid YAML" not in named and "takes no option" \
        not in named if named else False
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    if named is None:
        scenario_files.load(path)
        return
    with pytest.raises(scenario_files.ScenarioFileError) as refused:
        scenario_files.load(path)
    assert str(refused.value).startswith(f"{path}: ") and named in str(refused.value), \
        str(refused.value)
    if schema_agrees:  # a full implementation of JSON Schema refuses it too
        with pytest.raises(jsonschema.ValidationError):
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


def test_a_file_that_is_not_utf8_is_named_as_such(tmp_path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\nrun: {command: [azcmagent, show]}\n".encode("latin-1"))
    with pytest.raises(scenario_files.ScenarioFileError, match="not UTF-8 text"):
        scenario_files.load(path)


def test_any_name_gives_a_machine_name_systemd_accepts() -> None:
    from cmagent.lab.cases import machine_name

    assert machine_name("my_case") == "my-case"
    assert machine_name("My Proxy test; $(rm -rf /)") == "my-proxy-test-rm-rf"
    assert machine_name("x" * 70) == "x" * 40 and machine_name("___") == "scenario"
    assert machine_name("spn-invalid-secret") == "spn-invalid-secret"  # built-in names stay


def test_files_are_found_by_name_and_one_name_runs_once(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("valid.json").write_text(json.dumps({"run": {"command": ["azcmagent", "show"]}}))
    assert [s.name for s in scenarios.chosen(["valid.json"])] == ["valid"]
    Path("again.yaml").write_text("name: valid\nrun: {command: [azcmagent, version]}\n")
    with pytest.raises(scenario_files.ScenarioFileError, match="two scenarios are named 'valid'"):
        scenarios.chosen(["valid.json", "again.yaml"])


def test_a_mismatch_says_how_the_run_differed() -> None:
    from cmagent.cloud.cli import _describe
    from cmagent.lab.cases import Outcome
    from cmagent.lab.cases import _differences

    scenario = scenarios.BY_NAME["spn-invalid-secret"]
    ran = subprocess.CompletedProcess([], 0, "0.1.0\n", "")
    problems = _differences(scenario, ran, ran.stdout)
    assert problems[:2] == ["exit status 0, expected 41", "AZCM0041 was not printed"]
    shown = _describe(Outcome(scenario, "mismatched", 0, "line\n" * 40, problems))
    assert shown.rstrip().endswith("MISMATCH: " + "; ".join(problems))
    assert "   | ... 24 more lines (--json shows them all)" in shown  # never cut silently
    assert _describe(Outcome(scenario, "mismatched", problems=["the set-up failed: x"])) \
        .splitlines()[1] == "   expect AZCM0041"


def test_json_files_are_read_as_json(tmp_path) -> None:
    tabbed = tmp_path / "tabbed.json"
    tabbed.write_text('{\n\t"run": {"command": ["azcmagent", "show"]},\n\t"expect": {"code": 23.0}\n}')
    assert scenario_files.load(tabbed).code == 23  # 23.0 is a whole number, as in JSON Schema
    twice = tmp_path / "twice.json"
    twice.write_text('{"run": {"command": ["azcmagent", "show"]}, "run": {"command": ["x"]}}')
    with pytest.raises(scenario_files.ScenarioFileError, match="the key 'run' is given twice"):
        scenario_files.load(twice)


def test_a_failed_cloud_step_shows_no_password() -> None:
    from cmagent.lab.lab import _shown

    words = ("user", "create", "--password", PASSWORD, "--upn", "ada@contoso.example")
    assert _shown(words) == "user create --password *** --upn ada@contoso.example"
