"""connect, disconnect and show against the real local cloud, with a real himds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from cmagent.agent.commands import connect as connect_module
from cmagent.agent.commands import connect_flags
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import certificate
from tests.cloud.helpers import new_user
from tests.conftest import read_log
from tests.net import free_port

BIN = Path(sys.executable).parent
ADMINISTRATOR = "Azure Connected Machine Resource Administrator"
ONBOARDING = "Azure Connected Machine Onboarding"


def flags_file(tmp_path: Path, onboarding: dict, **changes) -> str:
    flags = {"cloud": onboarding["cloud"], "tenant-id": onboarding["tenantId"],
             "subscription-id": onboarding["subscriptionId"],
             "resource-group": onboarding["resourceGroup"], "location": onboarding["location"],
             "service-principal-id": onboarding["servicePrincipalId"],
             "service-principal-secret": onboarding["servicePrincipalSecret"],
             "resource-name": "web01"}
    flags.update({k.replace("_", "-"): v for k, v in changes.items()})
    path = tmp_path / f"flags-{time.monotonic_ns()}.json"
    path.write_text(json.dumps({k: v for k, v in flags.items() if v is not None}))
    return str(path)


def user_flags(tmp_path: Path, onboarding: dict) -> str:
    """Flags without a service principal: the run signs in as a user some other way."""
    return flags_file(tmp_path, onboarding, service_principal_id=None,
                      service_principal_secret=None)


def onboarding_user(cloud, onboarding: dict) -> dict:
    """A new user of the tenant holding the Onboarding role on the subscription."""
    user = new_user(cloud, onboarding["tenantId"])
    cloud.admin.call("POST", "/roleAssignments", {
        "principalId": user["userPrincipalName"], "role": ONBOARDING,
        "scope": f"/subscriptions/{onboarding['subscriptionId']}"})
    return user


def under_fault(cloud, fault: dict, action):
    """``action()`` while the cloud answers with ``fault``; the fault is gone after."""
    cloud.admin.call("POST", "/faults", fault)
    try:
        return action()
    finally:
        cloud.admin.call("DELETE", "/faults")


def user_token(cloud, user: dict) -> str:
    return cloud.admin.call("POST", "/tokens", {
        "userPrincipalName": user["userPrincipalName"]})["accessToken"]


def printed(run, label: str) -> bool:
    """The run's output has the error line ``AZCMnnnn: ...`` (after any INFO lines)."""
    return f"\n{label}: " in "\n" + run.stdout


def machines(cloud, onboarding) -> list[dict]:
    return [m for m in cloud.admin.call("GET", "/machines")
            if m["subscriptionId"] == onboarding["subscriptionId"]]


def test_connect_show_disconnect(azcmagent, agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    azcmagent("config", "set", "proxy.bypass", "AAD")
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    assert run.status == 0, run.stdout
    assert run.json["resourceId"].endswith("/machines/web01")
    assert "Connected machine to Azure" in run.stderr or run.json["status"] == "success"
    show = azcmagent("show", "--json").json
    assert show["status"] == "Connected" and show["lastHeartbeat"]
    assert show["resourceName"] == "web01" and show["services"]["himdsd"] == "active"
    assert machines(trusting, onboarding)[0]["status"] == "Connected"
    var = agent_root / "var/opt/azcmagent"
    assert os.stat(var / "certs/identity.key").st_mode & 0o777 == 0o600
    result = json.loads((var / "result/connect.json").read_text())
    assert result["code"] == "AZCM0000" and result["phase"] == "local-configuration"
    down = azcmagent("disconnect", "--config", flags_file(tmp_path, onboarding))
    assert down.status == 0, down.stdout
    assert machines(trusting, onboarding) == []
    assert azcmagent("show", "status").stdout.strip().endswith("Disconnected")
    assert not (var / "certs/identity.key").exists()
    assert azcmagent("config", "get", "proxy.bypass").stdout.strip() == "[AAD]"


def test_check_on_a_connected_machine_uses_its_cloud_and_region(azcmagent, himds, trusting,
                                                                 tmp_path) -> None:
    onboarding = trusting.quickstart()
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    document = azcmagent("check", "--json").json
    assert document["status"] == "success" and document["cloud"] == onboarding["cloud"]
    assert document["location"] == "westeurope"
    same_file = azcmagent("check", "--config", flags_file(tmp_path, onboarding), "--json")
    assert same_file.status == 0, same_file.stdout  # a fleet's one onboarding file serves


def test_show_reports_an_expired_identity(azcmagent, agent_root, himds, trusting,
                                          tmp_path) -> None:
    assert azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart())) \
        .status == 0
    config_path = agent_root / "var/opt/azcmagent/agentconfig.json"
    config = json.loads(config_path.read_text())
    config["identity"]["certificateNotAfter"] = "2020-01-01T00:00:00Z"
    config_path.write_text(json.dumps(config))
    shown = azcmagent("show", "--json").json
    assert shown["status"] == "Expired" and "disconnect" in shown["errorDetails"]


def test_show_without_root_on_a_never_connected_machine(azcmagent) -> None:
    run = azcmagent("show", "--json", euid=1000)
    assert run.status == 0 and run.json["status"] == "Disconnected"
    assert run.json["resourceId"] == "" and run.json["services"]["himdsd"] == "inactive"
    assert azcmagent("show", "nonsense").status == 23
    text = azcmagent("show", "Agent Status", "lastHeartbeat").stdout.splitlines()
    assert [line.split(":")[0].strip() for line in text] == ["Agent Status",
                                                             "Agent Last Heartbeat"]


@pytest.mark.parametrize("form", ["pem", "pfx"])
def test_connect_with_a_certificate(azcmagent, himds, trusting, tmp_path, form) -> None:
    onboarding = trusting.quickstart()
    key_pem, cert_pem, _ = certificate()
    trusting.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/certificates",
                        {"certificatePem": cert_pem})
    path = tmp_path / f"sp.{form}"
    if form == "pem":
        path.write_text(key_pem + cert_pem)
    else:
        from cryptography import x509

        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"sp", serialization.load_pem_private_key(key_pem.encode(), None),
            x509.load_pem_x509_certificate(cert_pem.encode()), None,
            serialization.NoEncryption()))
    flags = flags_file(tmp_path, onboarding, service_principal_secret=None)
    run = azcmagent("connect", "--config", flags, "--service-principal-cert", str(path))
    assert run.status == 0, run.stdout


def connect_waiting_for_device_code(agent_root: Path, flags: str) -> tuple[Any, list[str], str]:
    """A connect run by device code, read up to its prompt: the process, the lines so far and
    the code the person would enter."""
    agent = subprocess.Popen([str(BIN / "azcmagent"), "connect", "--config", flags],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "AZCMAGENT_ROOT": str(agent_root)})
    assert agent.stdout is not None
    lines = []
    for line in agent.stdout:
        lines.append(line)
        code = re.search(r"enter the code (\w+) to authenticate", line)
        if code:
            return agent, lines, code.group(1)
    raise AssertionError("".join(lines))


def test_device_code_connect(agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    trusting.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = onboarding_user(trusting, onboarding)
    agent, lines, code = connect_waiting_for_device_code(agent_root,
                                                         user_flags(tmp_path, onboarding))
    approve_device_code(trusting.session(), trusting.url, code,
                        user["userPrincipalName"], user["password"])
    output = agent.stdout.read()
    assert agent.wait(timeout=60) == 0, "".join(lines) + output
    agent.stdout.close()


def test_access_token(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    user = onboarding_user(trusting, onboarding)
    token = user_token(trusting, user)
    flags = user_flags(tmp_path, onboarding)
    bad = azcmagent("connect", "--config", flags, "--access-token", "not.a.token")
    assert bad.status == 12 and "AZCM0012" in bad.stdout
    assert azcmagent("connect", "--config", flags, "--access-token", token).status == 0
    header, body, signature = token.split(".")
    forged = ".".join((header, body, signature[::-1]))  # well formed, signature wrong
    refused = azcmagent("disconnect", "--access-token", forged)
    assert refused.status == 12 and printed(refused, "AZCM0012"), refused.stdout
    assert "refused the token" in refused.stdout and "force-local-only" not in refused.stdout
    assert forged not in refused.stdout


def expired_user_token(cloud, onboarding: dict) -> str:
    """A user's token issued two hours ago by the cloud's clock: expired now."""
    user = new_user(cloud, onboarding["tenantId"])
    cloud.admin.call("POST", "/clock", {"advanceSeconds": -7200})
    try:
        return user_token(cloud, user)
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})


def test_expired_access_token_is_azcm0012(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    token = expired_user_token(trusting, onboarding)
    flags = user_flags(tmp_path, onboarding)
    run = azcmagent("connect", "--config", flags, "--access-token", token)
    assert run.status == 12 and "expired" in run.stdout


def test_use_azcli_without_az(azcmagent, himds, trusting, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    onboarding = trusting.quickstart()
    flags = user_flags(tmp_path, onboarding)
    run = azcmagent("connect", "--config", flags, "--use-azcli")
    assert run.status == 41 and "Azure CLI ('az')" in run.stdout
    assert "Install the Azure CLI if it is missing" in run.stdout
    assert "--service-principal-id" not in run.stdout


def test_use_azcli_with_an_az_session(azcmagent, himds, trusting, tmp_path, monkeypatch) -> None:
    """Our side of the az contract: 'az account get-access-token --resource R -o json' prints
    {"accessToken": ...}. The az here is a script answering with a token the cloud issued."""
    onboarding = trusting.quickstart()
    user = onboarding_user(trusting, onboarding)
    token = user_token(trusting, user)
    fake = tmp_path / "bin" / "az"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n"
                    'case "$*" in *"account get-access-token"*"--resource"*) ;; *) exit 2 ;; esac\n'
                    f"echo '{{\"accessToken\": \"{token}\", \"tokenType\": \"Bearer\"}}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    flags = user_flags(tmp_path, onboarding)
    run = azcmagent("connect", "--config", flags, "--use-azcli")
    assert run.status == 0, run.stdout


@pytest.mark.parametrize("extra,changes,label,words", [
    ((), {"location": None}, "AZCM0016", "--location"),
    (("--service-principal-cert", "/x.pem"), {}, "AZCM0023", "not both"),
    (("--use-device-code",), {}, "AZCM0023", "Choose one authentication method"),
    (("--correlation-id", "nope"), {}, "AZCM0023", "GUID"),
    (("--tags", "a=b=c"), {}, "AZCM0023", "--tags"),
    (("--tags", "Owner='abc,Env=prod"), {}, "AZCM0023", "never closed"),
    (("--tags", "Env=1,env=2"), {}, "AZCM0023", "ignore case"),
    ((), {"location": "atlantis", "cloud": None}, "AZCM0020", "atlantis"),
    ((), {"resource_name": "bad name"}, "AZCM0023", "--resource-name"),
    ((), {"resource_name": "web01\n"}, "AZCM0023", "--resource-name"),  # ($ would let it by)
    ((), {"resource_group": "rg\n"}, "AZCM0023", "--resource-group"),
    (("--gateway-id", "/subscriptions/x"), {}, "AZCM0003", "--gateway-id"),
    ((), {"service_principal_secret": None, "service_principal_cert": "/no/such.pem"},
     "AZCM0107", "no such file"),
    ((), {"service_principal_secret": None, "service_principal_cert": "/"},
     "AZCM0107", "not a file"),
    ((), {"tenant_id": None}, "AZCM0016", "--tenant-id"),
    ((), {"resource_group": "bad/rg"}, "AZCM0023", "--resource-group='bad/rg'"),
    ((), {"resource_group": ".."}, "AZCM0023", "--resource-group='..'"),
    ((), {"resource_group": "rg?x=1"}, "AZCM0023", "--resource-group"),
    ((), {"resource_group": "g" * 91}, "AZCM0023", "1-90 letters"),
    (("--identity-key-store", "foo"), {}, "AZCM0023", "Default and TPM"),
    (("--identity-key-store", "TPM"), {}, "AZCM0003", "no TPM"),
    ((), {"service_principal_id": "Sw4pped~Secret.Value"}, "AZCM0023", "not shown"),
])
def test_flag_validation(azcmagent, trusting, tmp_path, extra, changes, label, words) -> None:
    onboarding = trusting.quickstart()
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding, **changes), *extra)
    assert run.status == int(label[4:]) and printed(run, label)
    assert words in run.stdout and "Sw4pped" not in run.stdout


def test_a_file_that_is_no_certificate_is_azcm0107(azcmagent, himds, trusting,
                                                   tmp_path) -> None:
    garbage = tmp_path / "garbage.pfx"
    garbage.write_bytes(b"\x30\x82 not a PFX at all")
    run = azcmagent("connect", "--config", flags_file(
        tmp_path, trusting.quickstart(), service_principal_secret=None,
        service_principal_cert=str(garbage)))
    assert run.status == 107 and printed(run, "AZCM0107"), run.stdout
    assert "is not a PEM file or password-less PFX file" in run.stdout


@pytest.mark.parametrize("group", ["arc-servers", "Servers(EU)_1.a", "サーバー群", "g" * 90])
def test_resource_group_names_arm_allows(group) -> None:
    connect_flags._check_group(group)  # raises for a name ARM refuses


@pytest.mark.parametrize(("typed", "tags"), [
    ("Owner=O'Brien,Env=prod", {"Owner": "O'Brien", "Env": "prod"}),
    ("Note='a, b = c', x = 'y z' ", {"Note": "a, b = c", "x": "y z"}),
    ("Path=C:\\\\temp,eq=x\\=y", {"Path": "C:\\temp", "eq": "x=y"}), ("a=", {"a": ""})])
def test_quotes_wrap_a_whole_tag_name_or_value(typed, tags) -> None:
    assert connect_flags.parse_tags(typed) == tags


def test_tags_and_name_reach_the_resource(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    tags = "Datacenter=NY3,Owner='Shared Infrastructure Services',Note=a\\,b"
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--tags",
                     tags).status == 0
    machine = call(trusting.session(), "GET", machine_url(onboarding, "web01"),
                   onboarding_token(trusting.session(), onboarding)).json()
    assert machine["tags"] == {"Datacenter": "NY3", "Owner": "Shared Infrastructure Services",
                               "Note": "a,b"}
    assert machine["properties"]["status"] == "Connected"
    assert machine["properties"]["osType"] == "linux" and machine["properties"]["agentVersion"]


def test_unusable_hostname_is_azcm0102(azcmagent, trusting, tmp_path, monkeypatch) -> None:
    from cmagent.agent.commands import connect_flags

    monkeypatch.setattr(connect_flags.socket, "gethostname", lambda: "web_01_")
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart(),
                                                      resource_name=None))
    assert run.status == 102 and printed(run, "AZCM0102") and "web_01_" in run.stdout


@pytest.mark.parametrize("change,words", [
    ({"service_principal_secret": "wrong"}, "Invalid client secret"),
    ({"service_principal_id": "00000000-0000-4000-8000-000000000009"},
     "not found in the directory"),
    ({"tenant_id": "11111111-1111-4111-8111-111111111111"}, "tenant"),
])
def test_credentials_are_azcm0041(azcmagent, himds, trusting, tmp_path, change, words) -> None:
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart(), **change))
    assert run.status == 41, run.stdout
    assert "Failed to acquire authorization token from SPN" in run.stdout and words in run.stdout
    assert "Check --service-principal-id" in run.stdout  # the remedy for the method used
    assert "device login" not in run.stdout.lower()


def test_expired_secret_is_azcm0041(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    past = "2020-01-01T00:00:00Z"
    expired = trusting.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}"
                                          "/secrets", {"endDateTime": past})
    run = azcmagent("connect", "--config", flags_file(
        tmp_path, onboarding, service_principal_secret=expired["secretText"]))
    assert run.status == 41 and "expired" in run.stdout


def test_arm_refusals(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    for assignment in trusting.admin.call("GET", "/roleAssignments"):
        if assignment["principalId"] and assignment["roleName"] == ONBOARDING:
            trusting.admin.call("DELETE", f"/roleAssignments/{assignment['id']}")
    denied = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert denied.status == 42 and printed(denied, "AZCM0042")
    assert "Get ARM Resource Response" in denied.stdout
    assert "Microsoft.HybridCompute/machines/read" in denied.stdout
    other = trusting.quickstart()
    trusting.admin.call("PUT", f"/providers/{other['subscriptionId']}/Microsoft.HybridCompute",
                        {"registrationState": "NotRegistered"})
    unregistered = azcmagent("connect", "--config", flags_file(tmp_path, other))
    assert unregistered.status == 42
    assert "registered to use namespace 'Microsoft.HybridCompute'" in unregistered.stdout


def test_name_taken_subscription_names_and_retries(azcmagent, himds, trusting, tmp_path):
    onboarding = trusting.quickstart()
    trusting.admin.call("POST", "/machines", {"subscriptionId": onboarding["subscriptionId"],
                                              "resourceGroup": onboarding["resourceGroup"],
                                              "name": "taken"})
    taken = azcmagent("connect", "--config", flags_file(tmp_path, onboarding,
                                                        resource_name="taken"))
    assert taken.status == 44 and printed(taken, "AZCM0044")
    assert "already exists" in taken.stdout
    unknown = azcmagent("connect", "--config", flags_file(tmp_path, onboarding,
                                                          subscription_id="Nope"))
    assert unknown.status == 68 and "AZCM0068" in unknown.stdout
    trusting.admin.call("POST", "/faults", {"service": "arm", "action": "throttle", "count": 1,
                                            "retryAfter": 1, "pathPattern": "machines/web01"})
    by_name = azcmagent("connect", "--config", flags_file(
        tmp_path, onboarding, subscription_id=onboarding["subscriptionName"]))
    assert by_name.status == 0, by_name.stdout  # the 429 was retried after Retry-After


def test_failing_resource_manager_is_azcm0062(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    trusting.admin.call("POST", "/faults", {"service": "arm", "status": 500, "count": 4,
                                            "pathPattern": "machines/web01"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 62 and printed(run, "AZCM0062") and "Status Code=500" in run.stdout


def test_himds_not_running_is_azcm0064(azcmagent, agent_root, trusting, tmp_path) -> None:
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart()))
    assert run.status == 64 and printed(run, "AZCM0064") and "himds serve" in run.stdout
    assert "himds is stopped or still starting" in run.stdout
    assert f"{agent_root}/var/opt/azcmagent/log/himds.log say why" in run.stdout  # its log
    assert "as root" not in run.stdout  # it ran as root: the catalogue's advice does not fit


def test_already_connected_is_azcm0067(azcmagent, agent_root, himds, trusting,
                                       tmp_path) -> None:
    onboarding = trusting.quickstart()
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    again = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert again.status == 67 and printed(again, "AZCM0067")
    assert "/machines/web01" in again.stdout
    result = json.loads((agent_root / "var/opt/azcmagent/result/connect.json").read_text())
    assert (result["status"], result["code"], result["connected"]) == ("failed", "AZCM0067", True)
    assert result["connectedResourceId"].endswith("/machines/web01")  # the run failed; the
    # machine is as a fleet script wants it


@pytest.mark.parametrize("path,label", [("/his/v1/certificates", "AZCM0081"),
                                        ("/his/v1/challenges", "AZCM0105")])
def test_identity_failures_roll_back(azcmagent, agent_root, himds, trusting, tmp_path, path,
                                     label) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    trusting.admin.call("POST", "/faults", {"service": "his", "status": 403, "pathPattern": path})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    trusting.admin.call("DELETE", "/faults")
    assert run.status == int(label[4:]) and printed(run, label)
    assert "was deleted again" in run.stdout
    assert machines(trusting, onboarding) == []
    assert not (agent_root / "var/opt/azcmagent/agentconfig.json").exists()


def test_failed_rollback_names_the_cleanup(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()  # the Onboarding role cannot delete
    trusting.admin.call("POST", "/faults", {"service": "his", "status": 403,
                                            "pathPattern": "/his/v1/certificates"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    trusting.admin.call("DELETE", "/faults")
    assert run.status == 81 and "could not be deleted" in run.stdout
    assert "az resource delete --ids /subscriptions/" in run.stdout


STEPS = ["himds", "cloud", "network-check", "authenticate", "subscription", "providers",
         "resource-group", "rsa-key", "resource-exists", "create", "identity-certificate",
         "local-configuration"]


@pytest.mark.parametrize("interrupted_at", STEPS)
def test_ctrl_c_at_every_step_leaves_no_half_state(azcmagent, agent_root, himds, trusting,
                                                   tmp_path, monkeypatch, interrupted_at):
    onboarding = trusting.quickstart(ADMINISTRATOR)
    original = connect_module.Onboarding.step
    passed = []

    def step(self, phase, message=""):
        passed.append(phase)
        if phase == interrupted_at:  # Ctrl+C arrives while this step runs
            self.phase = phase
            raise KeyboardInterrupt
        original(self, phase, message)

    passed_create = interrupted_at in ("identity-certificate", "local-configuration")
    monkeypatch.setattr(connect_module.Onboarding, "step", step)
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 11 and run.stdout.count("AZCM0011") == 1, run.stdout
    assert interrupted_at in passed
    assert machines(trusting, onboarding) == []
    assert not (agent_root / "var/opt/azcmagent/agentconfig.json").exists()
    assert not (agent_root / "var/opt/azcmagent/certs/identity.key").exists()
    assert ("was deleted again" in run.stdout) == passed_create
    result = json.loads((agent_root / "var/opt/azcmagent/result/connect.json").read_text())
    assert result["code"] == "AZCM0011" and result["phase"] == interrupted_at


def test_local_configuration_failure_is_azcm0069(azcmagent, agent_root, himds, trusting,
                                                 tmp_path, monkeypatch) -> None:
    from cmagent.machine import connection

    onboarding = trusting.quickstart(ADMINISTRATOR)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(connection, "atomic_write", full_disk)
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 69 and "was deleted again" in run.stdout
    assert machines(trusting, onboarding) == []


def test_unreadable_connection_state_is_azcm0027(azcmagent, agent_root) -> None:
    config = agent_root / "var/opt/azcmagent/agentconfig.json"
    config.parent.mkdir(parents=True)
    config.write_text("{broken")
    run = azcmagent("show")
    assert run.status == 27 and printed(run, "AZCM0027") and "agentconfig.json" in run.stdout
    assert "azcmagent disconnect --force-local-only" in run.stdout
    assert "cannot be used: it is truncated" in run.stdout  # the cause of a damaged record
    cleaned = azcmagent("disconnect", "--force-local-only")
    assert cleaned.status == 0 and "Removed the damaged connection files (not JSON)" in \
        read_log(agent_root)
    assert "Run 'azcmagent disconnect" not in cleaned.stdout + cleaned.stderr


def test_unreachable_cloud_description_is_azcm0075(azcmagent, himds, trusting, tmp_path):
    run = azcmagent("connect", "--config", flags_file(
        tmp_path, trusting.quickstart(), cloud=f"https://127.0.0.1:{free_port()}"))
    assert run.status == 75 and printed(run, "AZCM0075")
    assert "connection refused" in run.stdout


def test_a_dead_proxy_is_named_not_the_cloud(azcmagent, himds, trusting, tmp_path):
    dead = free_port()
    assert azcmagent("config", "set", "proxy.url", f"http://127.0.0.1:{dead}").status == 0
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart()))
    assert run.status == 75 and printed(run, "AZCM0075")
    assert f"proxyconnect tcp: dial tcp 127.0.0.1:{dead}: connect: connection refused" \
        in run.stdout
    assert "azcmagent config get proxy.url" in run.stdout  # the remedy names the proxy
    assert "Check the value given to --cloud" not in run.stdout


def test_disconnect_cases(azcmagent, agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    not_connected = azcmagent("disconnect")
    assert not_connected.status == 63 and printed(not_connected, "AZCM0063")
    result = json.loads((agent_root / "var/opt/azcmagent/result/disconnect.json").read_text())
    assert (result["code"], result["connected"], result["connectedResourceId"]) == \
        ("AZCM0063", False, "")
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    denied = azcmagent("disconnect", "--config", flags_file(tmp_path, onboarding))
    assert denied.status == 43 and printed(denied, "AZCM0043")
    assert "--force-local-only" in denied.stdout
    local = azcmagent("disconnect", "--force-local-only")
    assert local.status == 0 and "locally only" in local.stdout
    assert len(machines(trusting, onboarding)) == 1  # Azure was not touched
    assert azcmagent("show", "status", "-j").json["status"] == "Disconnected"


def test_disconnect_deletes_only_its_own_machine(azcmagent, himds, trusting, tmp_path) -> None:
    """A name reused by another machine after this one's resource was deleted (a reimaged
    host, a rename) keeps its resource; a resource already gone is no failure."""
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding, resource_name="reused01")
    http, url = trusting.session(), machine_url(onboarding, "reused01")
    token = onboarding_token(http, onboarding)
    for after_deletion, in_azure in ((True, "otherMachine"), (False, "absent")):
        assert azcmagent("connect", "--config", flags).status == 0
        assert call(http, "DELETE", url, token).status_code == 200
        if after_deletion:  # another machine took the name
            assert call(http, "PUT", url, token, machine_body()).status_code == 200
            unread = under_fault(trusting, {"service": "arm", "status": 500, "method": "GET",
                                            "pathPattern": "machines/reused01$"},
                                 lambda: azcmagent("disconnect", "--config", flags, "--json"))
            assert unread.status == 63  # what cannot be checked is not deleted
            assert call(http, "GET", url, token).status_code == 200
        left = azcmagent("disconnect", "--config", flags, "--json")
        assert (left.status, left.json["resourceInAzure"]) == (0, in_azure), left.stdout
        assert azcmagent("show", "status", "-j").json["status"] == "Disconnected"
        if after_deletion:  # the other machine's resource is still there, then goes
            assert call(http, "DELETE", url, token).status_code == 200
    assert machines(trusting, onboarding) == []


def test_no_secret_reaches_any_output(azcmagent, agent_root, himds, trusting, tmp_path):
    onboarding = trusting.quickstart(ADMINISTRATOR)
    secret = onboarding["servicePrincipalSecret"]
    outputs = [azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "-v"),
               azcmagent("show", "-j"),
               azcmagent("connect", "--service-principal-secret", secret, "-i",
                         onboarding["servicePrincipalId"], "-t", onboarding["tenantId"],
                         "-s", onboarding["subscriptionId"], "-g", "x", "-l", "westeurope",
                         "--cloud", onboarding["cloud"], "-v"),
               azcmagent("disconnect", "--config", flags_file(tmp_path, onboarding), "-v")]
    bundle = tmp_path / "logs.zip"
    assert azcmagent("logs", "--full", "-o", str(bundle)).status == 0
    texts = [o.stdout + o.stderr for o in outputs]
    var = agent_root / "var/opt/azcmagent"
    texts += [p.read_text(errors="replace") for p in var.rglob("*") if p.is_file()
              and p.suffix in (".json", ".log")]
    with zipfile.ZipFile(bundle) as archive:
        texts += [archive.read(name).decode(errors="replace") for name in archive.namelist()]
    everything = "\n".join(texts)
    assert secret not in everything
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.", everything)
    assert "-----BEGIN PRIVATE KEY-----\n" not in everything


def test_a_proxy_set_after_himds_started_counts_without_a_restart(azcmagent, agent_root, himds,
                                                                  trusting, tmp_path) -> None:
    """As the install script does it: himds runs, then 'config set proxy.url'."""
    from cmagent.machine import channel
    from cmagent.machine.paths import Paths

    onboarding = trusting.quickstart(ADMINISTRATOR)
    assert azcmagent("connect", "--config", flags_file(tmp_path, onboarding)).status == 0
    paths = Paths(str(agent_root))
    dead = f"http://127.0.0.1:{free_port()}"
    assert azcmagent("config", "set", "proxy.url", dead).status == 0
    through_dead_proxy = channel.ask(paths, channel.HEARTBEAT)
    assert through_dead_proxy["status"] != "Connected", through_dead_proxy
    assert azcmagent("config", "clear", "proxy.url").status == 0
    assert channel.ask(paths, channel.HEARTBEAT)["status"] == "Connected"


def test_json_output_still_warns_on_stderr(azcmagent, himds, trusting, tmp_path) -> None:
    """--json without -v: stdout is the JSON document alone, and a warning (the first
    heartbeat failed) still reaches stderr, where a script's log keeps it."""
    flags = flags_file(tmp_path, trusting.quickstart(ADMINISTRATOR))
    run = under_fault(trusting, {"service": "his", "status": 400, "pathPattern": "/heartbeat"},
                      lambda: azcmagent("connect", "--config", flags, "--json"))
    assert run.status == 0 and run.json["status"] == "success"
    assert "WARNING" in run.stderr and "first heartbeat failed" in run.stderr
    assert "INFO" not in run.stderr  # (progress is for -v)
