"""Lab machines are real Linux hosts: booted Debian with systemd, the agent installed as a user
installs it, himdsd under systemd as the himds user; onboarding, managed identity through
azure-identity (root, a himds group member, an outsider), a fleet onboarding at once, and a
teardown that leaves nothing on this host."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cmagent.lab.image import cache_dir
from cmagent.lab.lab import Lab
from cmagent.lab.topology import leftovers
from tests.lab.conftest import ROOT

pytestmark = ROOT
HOST_AGENT_DIR = Path("/var/opt/azcmagent")
SDK_SCRIPT = """
import requests, sys
from azure.identity import ManagedIdentityCredential
try:
    token = ManagedIdentityCredential().get_token("https://management.azure.com/.default").token
except Exception as error:
    print(f"REFUSED {type(error).__name__}: {error}")
    sys.exit(0)
answer = requests.get(sys.argv[1], headers={"Authorization": f"Bearer {token}"},
                      params={"api-version": "2024-07-10"}, timeout=30)
print(f"ARM {answer.status_code} {answer.json().get('name', answer.text[:200])}")
"""


@pytest.fixture(scope="module")
def host_agent_dir_before():
    return HOST_AGENT_DIR.exists()


@pytest.fixture(scope="module")
def lab(host_agent_dir_before):
    with Lab() as running:
        running.quickstart()
        yield running
    assert HOST_AGENT_DIR.exists() == host_agent_dir_before  # nothing written on this host


def _connect(machine, onboarding, name: str | None = None) -> subprocess.CompletedProcess:
    words = ["--service-principal-id", onboarding["servicePrincipalId"],
             "--service-principal-secret", onboarding["servicePrincipalSecret"],
             "--tenant-id", onboarding["tenantId"],
             "--subscription-id", onboarding["subscriptionId"],
             "--resource-group", onboarding["resourceGroup"], "--location",
             onboarding["location"], *(["--resource-name", name] if name else [])]
    return machine.run("azcmagent", "connect", *words)


def test_a_machine_is_a_real_host(lab) -> None:
    first, second = lab.add_machine("alpha"), lab.add_machine("beta")
    assert first.run("hostname").stdout.strip() == "alpha"
    ids = {m.run("cat", "/etc/machine-id").stdout.strip() for m in (first, second)}
    assert len(ids) == 2
    assert first.run("systemctl", "is-system-running").stdout.strip() in ("running",
                                                                          "degraded")
    assert first.run("systemctl", "is-active", "himdsd").stdout.strip() == "active"
    owner = first.run("ps", "-o", "user=", "-C", "himds").stdout.split()
    assert owner == ["himds"], owner
    assert first.run("readlink", "-f", "/usr/bin/azcmagent").stdout.strip() == \
        "/opt/azcmagent/bin/azcmagent"
    unit = first.run("systemctl", "show", "himdsd", "-p", "User,NoNewPrivileges,"
                     "ProtectSystem").stdout.split()
    assert sorted(unit) == ["NoNewPrivileges=yes", "ProtectSystem=strict", "User=himds"], unit
    environment = first.run("systemctl", "show-environment").stdout
    assert "IDENTITY_ENDPOINT=http://localhost:40342/metadata/identity/oauth2/token" in \
        environment
    # names resolve from the lab's hosts file only; the cloud's CA is trusted system-wide
    curl = first.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                     "https://management.azure.com/metadata/endpoints?api-version=2022-09-01")
    assert curl.stdout == "200", curl.stderr
    assert first.run("getent", "hosts", "example.org").returncode != 0


def test_onboarding_on_a_machine(lab) -> None:
    machine = lab.add_machine("web01")
    connected = _connect(machine, lab.onboarding)
    assert connected.returncode == 0, connected.stdout + connected.stderr
    shown = json.loads(machine.run("azcmagent", "show", "--json").stdout)
    assert shown["status"] == "Connected" and shown["resourceName"] == "web01"
    assert shown["services"]["himdsd"] == "active"
    owners = machine.run("stat", "-c", "%U:%G %a %n", "/var/opt/azcmagent/certs/identity.key",
                         "/var/opt/azcmagent/agentconfig.json").stdout.splitlines()
    assert owners[0].startswith("himds:himds 600"), owners
    journal = machine.run("journalctl", "-u", "himdsd", "--no-pager").stdout
    assert "Heartbeat accepted: Connected" in journal
    listed = {m["name"]: m for m in lab.cloud_cli("machine", "list")}
    assert listed["web01"]["status"] == "Connected"


@pytest.fixture(scope="module")
def client_wheels() -> Path:
    """azure-identity and requests as wheels (the machines reach no package index), at the
    versions this suite tests, built once."""
    from importlib.metadata import version

    pins = [f"azure-identity=={version('azure-identity')}", f"requests=={version('requests')}"]
    target = cache_dir() / f"clients-{'-'.join(p.split('==')[1] for p in pins)}"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir",
                        str(target), *pins], check=True, capture_output=True)
        (target / ".complete").touch()
    return target


def test_managed_identity_through_azure_identity(lab, client_wheels) -> None:
    """Root and a member of the himds group get a token ARM accepts; anyone else is refused by
    the permissions on the challenge file, as on a real server."""
    machine = lab.add_machine("identity01")
    assert _connect(machine, lab.onboarding).returncode == 0
    shutil.copytree(client_wheels, machine.merged / "opt" / "client-wheels")
    made = machine.run("sh", "-c", "python3 -m venv /opt/clients && /opt/clients/bin/pip "
                       "install --quiet --no-index --find-links /opt/client-wheels "
                       "azure-identity requests && useradd --create-home --groups himds app")
    assert made.returncode == 0, made.stderr
    config = json.loads(machine.run("cat", "/var/opt/azcmagent/agentconfig.json").stdout)
    lab.cloud_cli("role", "assign", "--principal-id", config["identity"]["principalId"],
                  "--role", "Reader", "--scope",
                  f"/subscriptions/{lab.onboarding['subscriptionId']}")
    machine.run("sh", "-c", f"cat > /opt/sdk.py <<'EOF'\n{SDK_SCRIPT}\nEOF")
    resource = (f"https://management.azure.com/subscriptions/{lab.onboarding['subscriptionId']}"
                f"/resourceGroups/{lab.onboarding['resourceGroup']}/providers/"
                "Microsoft.HybridCompute/machines/identity01")
    env = {"IDENTITY_ENDPOINT": "http://localhost:40342/metadata/identity/oauth2/token",
           "IMDS_ENDPOINT": "http://localhost:40342", "HOME": "/tmp",
           "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}  # requests: certifi
    as_root = machine.run("/opt/clients/bin/python", "/opt/sdk.py", resource, env=env)
    assert as_root.stdout.strip() == "ARM 200 identity01", as_root.stdout + as_root.stderr
    member = machine.run("/opt/clients/bin/python", "/opt/sdk.py", resource, user="app",
                         env=env)
    assert member.stdout.strip() == "ARM 200 identity01", member.stdout + member.stderr
    outsider = machine.run("/opt/clients/bin/python", "/opt/sdk.py", resource, user="nobody",
                           env=env)
    assert outsider.stdout.startswith("REFUSED") and "Permission denied" in outsider.stdout


def test_managed_identity_through_the_node_sdk(lab) -> None:
    """The same through @azure/identity on Node.js (this host's node binary and the suite's
    node_modules, copied in: the machines reach no package registry)."""
    from tests.clients.conftest import NODE_DIR

    machine = lab.add_machine("identity02")
    assert _connect(machine, lab.onboarding).returncode == 0
    target = machine.merged / "opt" / "node-client"
    shutil.copytree(NODE_DIR, target, symlinks=True)
    shutil.copy2(shutil.which("node") or "/usr/bin/node", machine.merged / "usr/local/bin/node")
    machine.run("useradd", "--create-home", "--groups", "himds", "app")
    config = json.loads(machine.run("cat", "/var/opt/azcmagent/agentconfig.json").stdout)
    lab.cloud_cli("role", "assign", "--principal-id", config["identity"]["principalId"],
                  "--role", "Reader", "--scope",
                  f"/subscriptions/{lab.onboarding['subscriptionId']}")
    resource = (f"https://management.azure.com/subscriptions/{lab.onboarding['subscriptionId']}"
                f"/resourceGroups/{lab.onboarding['resourceGroup']}/providers/"
                "Microsoft.HybridCompute/machines/identity02")
    env = {"IDENTITY_ENDPOINT": "http://localhost:40342/metadata/identity/oauth2/token",
           "IMDS_ENDPOINT": "http://localhost:40342", "HOME": "/tmp",
           "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/ca-certificates.crt"}
    script = "/opt/node-client/managed-identity.mjs"
    for user, expected in ((None, "ARM 200 identity02"), ("app", "ARM 200 identity02")):
        answer = machine.run("node", script, resource, user=user, env=env)
        assert answer.stdout.strip() == expected, answer.stdout + answer.stderr
    outsider = machine.run("node", script, resource, user="nobody", env=env)
    assert outsider.stdout.startswith("REFUSED") and "unable_to_read_secret_file" in \
        outsider.stdout, outsider.stdout + outsider.stderr


def test_a_fleet_onboards_at_once(lab) -> None:
    with ThreadPoolExecutor(4) as pool:
        fleet = list(pool.map(lab.add_machine, [f"fleet{n}" for n in range(4)]))
        results = list(pool.map(lambda m: _connect(m, lab.onboarding), fleet))
    assert all(r.returncode == 0 for r in results), [r.stdout + r.stderr for r in results]
    configs = [json.loads(m.run("cat", "/var/opt/azcmagent/agentconfig.json").stdout)
               for m in fleet]
    assert len({c["identity"]["principalId"] for c in configs}) == 4
    assert len({c["vmId"] for c in configs}) == 4
    listed = {m["name"]: m["status"] for m in lab.cloud_cli("machine", "list")}
    assert all(listed[f"fleet{n}"] == "Connected" for n in range(4)), listed


def test_teardown_leaves_nothing_also_after_a_failure() -> None:
    with pytest.raises(RuntimeError, match="on purpose"), Lab() as lab:
        machine = lab.add_machine()
        assert machine.run("true").returncode == 0
        raise RuntimeError("on purpose")
    left = [item for item in leftovers() if lab.topology.id in item or str(lab.dir) in item]
    assert left == [] and not lab.dir.exists()
    assert subprocess.run(["pgrep", "-f", str(machine.merged)], capture_output=True).stdout == b""
