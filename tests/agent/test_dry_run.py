"""connect --dry-run against the real local cloud: it reads only (the cloud and the machine are
the same afterwards), it names every problem it finds, and it ends with the code the real
connect then gives under the same conditions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import ONBOARDING
from tests.agent.test_onboarding import flags_file
from tests.agent.test_onboarding import machines
from tests.agent.test_onboarding import printed


def _machine_state(root: Path) -> dict[str, str]:
    """Every file of the machine but the run logs, by content."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "log" not in p.parts}


def _cloud_state(cloud) -> tuple:
    return (cloud.admin.call("GET", "/machines"), cloud.admin.call("GET", "/roleAssignments"),
            cloud.admin.call("GET", "/resourceGroups"))


def _dry_then_real(azcmagent, flags: str, code: int, *words: str) -> None:
    """The dry run ends with ``code`` and ``words``, and so does the real connect after it."""
    dry = azcmagent("connect", "--config", flags, "--dry-run")
    assert dry.status == code and printed(dry, f"AZCM{code:04d}"), dry.stdout
    real = azcmagent("connect", "--config", flags)
    assert real.status == code, real.stdout
    for text in words:
        assert text in dry.stdout and text in real.stdout, (dry.stdout, real.stdout)


def test_a_healthy_dry_run_changes_nothing(azcmagent, agent_root, himds, trusting,
                                          tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    before_machine, before_cloud = _machine_state(agent_root), _cloud_state(trusting)
    dry = azcmagent("connect", "--config", flags, "--dry-run", "--json")
    assert dry.status == 0, dry.stdout
    assert dry.json["wouldSucceed"] is True and dry.json["status"] == "success"
    outcomes = {check["id"]: check["outcome"] for check in dry.json["checks"]}
    assert outcomes == {"flags": "passed", "not-connected": "passed", "himds": "passed",
                        "cloud": "passed", "clock": "passed", "network": "passed",
                        "sign-in": "passed",
                        "subscription": "passed", "resource-group": "passed",
                        "providers": "warning", "location": "passed", "resource-name": "passed",
                        "permissions": "passed", "identity-certificate": "skipped"}
    assert _machine_state(agent_root) == before_machine
    assert _cloud_state(trusting) == before_cloud
    text = azcmagent("connect", "--config", flags, "--dry-run")
    assert text.status == 0 and text.stdout.rstrip().endswith("connect would succeed.")
    assert machines(trusting, onboarding) == []


def test_every_problem_and_the_first_connect_would_meet(azcmagent, trusting, tmp_path) -> None:
    """No himds and no role: both are named; the code is the one connect meets first."""
    onboarding = trusting.quickstart()
    _remove_roles(trusting, onboarding)
    dry = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--dry-run",
                    "--json")
    assert dry.status == 64, dry.stdout
    assert dry.json["error"]["code"] == "AZCM0064"
    assert dry.json["problems"] == ["AZCM0064", "AZCM0042", "AZCM0042"]
    failed = [c["id"] for c in dry.json["checks"] if c["outcome"] == "failed"]
    assert failed == ["himds", "resource-name", "permissions"]


def _remove_roles(cloud, onboarding) -> None:
    for assignment in cloud.admin.call("GET", "/roleAssignments"):
        if assignment["scope"].startswith(f"/subscriptions/{onboarding['subscriptionId']}/"):
            cloud.admin.call("DELETE", f"/roleAssignments/{assignment['id']}")


def test_no_role(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    _remove_roles(trusting, onboarding)
    _dry_then_real(azcmagent, flags_file(tmp_path, onboarding), 42,
                   "Get ARM Resource Response", "Microsoft.HybridCompute/machines/read")


def test_read_but_not_write(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    _remove_roles(trusting, onboarding)
    trusting.admin.call("POST", "/roleAssignments", {
        "principalId": onboarding["servicePrincipalId"], "role": "Reader",
        "scope": f"/subscriptions/{onboarding['subscriptionId']}"})
    _dry_then_real(azcmagent, flags_file(tmp_path, onboarding), 42,
                   "Failed to AzcmagentConnect ARM resource",
                   "Microsoft.HybridCompute/machines/write")


def test_provider_not_registered(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    trusting.admin.call("PUT", f"/providers/{onboarding['subscriptionId']}/"
                        "Microsoft.HybridCompute", {"registrationState": "NotRegistered"})
    _dry_then_real(azcmagent, flags_file(tmp_path, onboarding), 42,
                   "registered to use namespace 'Microsoft.HybridCompute'")


@pytest.mark.parametrize(("changes", "code", "words"), [
    ({"service_principal_secret": "wrong"}, 41, "Invalid client secret"),
    ({"service_principal_id": "00000000-0000-4000-8000-000000000001"}, 41,
     "not found in the directory"),
    ({"subscription_id": "No Such Subscription"}, 68, "No Such Subscription"),
    ({"resource_name": "taken"}, 44, "machines/taken already exists"),
    ({"resource_group": "new-group"}, 42, "Get ARM Resource Response"),
    ({"location": "nowhere"}, 20, "nowhere"),  # a cloud given by URL: ARM knows its regions
])
def test_the_same_code_as_connect(azcmagent, himds, trusting, tmp_path, changes, code,
                                  words) -> None:
    onboarding = trusting.quickstart(ONBOARDING)
    trusting.admin.call("POST", "/machines", {"subscriptionId": onboarding["subscriptionId"],
                                              "resourceGroup": onboarding["resourceGroup"],
                                              "name": "taken"})
    _dry_then_real(azcmagent, flags_file(tmp_path, onboarding, **changes), code, words)


def test_already_connected(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    assert azcmagent("connect", "--config", flags).status == 0
    dry = azcmagent("connect", "--config", flags, "--dry-run")
    assert dry.status == 67 and "already connected" in dry.stdout
    assert "FAILED   not-connected" in dry.stdout
    assert azcmagent("disconnect", "--config", flags).status == 0


def test_japanese(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ONBOARDING)
    dry = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--dry-run",
                    lang="ja_JP.UTF-8")
    assert dry.status == 0 and "connect は成功する見込みです。" in dry.stdout
