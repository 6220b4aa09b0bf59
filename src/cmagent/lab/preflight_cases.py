"""Knowing before touching the machine, on lab machines: ``connect --dry-run`` catching the seed's
credential, role and provider rows with the code the real connect gives (and changing nothing),
a machine whose clock is an hour behind the cloud, and a disk copied from a connected machine
to another one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cmagent.lab.cases import Context
from cmagent.lab.cases import Scenario
from cmagent.lab.cases import Setup
from cmagent.lab.lab import Lab

PREFLIGHT = "issue: know before you touch the machine"
AGENT_STATE = "var/opt/azcmagent"


# --- connect --dry-run -------------------------------------------------------------------------

def _cloud_state(lab: Lab) -> Any:
    return (lab.cloud_cli("machine", "list"), lab.cloud_cli("role", "list"),
            lab.cloud_cli("group", "list"))


def _unchanged(lab: Lab, context: Context, result: subprocess.CompletedProcess[str]) -> str:
    """A dry run leaves the cloud as it was and no connection on the machine."""
    if _cloud_state(lab) != context.before:
        return "the dry run changed the cloud's machines, role assignments or groups"
    if (context.machine.merged / AGENT_STATE / "agentconfig.json").exists():
        return "the dry run wrote agentconfig.json"
    return ""


def dry_run_of(scenario: Scenario) -> Scenario:
    """``scenario`` with ``--dry-run``: the same code and words, and nothing changed."""
    def setup(lab: Lab, context: Context) -> None:
        if scenario.setup:
            scenario.setup(lab, context)
        context.before = _cloud_state(lab)

    return Scenario(f"{scenario.name}-dry-run", scenario.seed,
                    f"connect --dry-run: {scenario.summary}", [*scenario.command, "--dry-run"],
                    scenario.code, scenario.message, setup, verify=_unchanged)


# --- the clock ---------------------------------------------------------------------------------

def _certificate_principal(lab: Lab, context: Context) -> None:
    """The service principal signs in with a certificate (a client assertion, whose times the
    cloud judges), its key and certificate in /root/sp.pem on the machine."""
    key, cert = lab.dir / "sp.key", lab.dir / "sp.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "30", "-subj", "/CN=onboarding-sp"],
                   check=True, capture_output=True)
    lab.cloud_cli("cert", "add", "--app-id", context.flags["service-principal-id"],
                  "--certificate-file", str(cert))
    target = context.machine.merged / "root" / "sp.pem"
    target.write_text(key.read_text() + cert.read_text())
    target.chmod(0o600)
    context.flags.pop("service-principal-secret")
    context.flags["service-principal-cert"] = "/root/sp.pem"


def _cloud_an_hour_ahead(lab: Lab, context: Context) -> None:
    lab.cloud_cli("clock", "advance", "--seconds", "3600", "--machines-follow", "false")


# --- a copied disk -----------------------------------------------------------------------------

def _copied_from_a_connected_machine(keep_fingerprint: bool) -> Setup:
    """Connect another machine (the original), copy its /var/opt/azcmagent onto this one and
    restart himdsd here, as booting a copied disk does. Without ``keep_fingerprint`` the
    record is one an older agent wrote (no fingerprint): then the cloud tells the copy."""
    def setup(lab: Lab, context: Context) -> None:
        original = lab.add_machine(f"{context.machine.name[:20]}-orig")
        context.others.append(original)
        (original.merged / "root" / "connect.json").write_text(json.dumps(context.flags))
        connected = original.run("azcmagent", "connect", "--config", "/root/connect.json")
        if connected.returncode != 0:
            raise RuntimeError(f"the original did not connect: {connected.stdout}")
        _copy_state(original.merged / AGENT_STATE, context.machine.merged / AGENT_STATE,
                    keep_fingerprint)
        context.machine.run("sh", "-c", "systemctl stop himdsd; rm -f /var/opt/azcmagent/"
                            "socks/himds.sock; systemctl start himdsd; for i in $(seq 100); do "
                            "azcmagent show status >/dev/null 2>&1 && test -S /var/opt/"
                            "azcmagent/socks/himds.sock && exit 0; sleep 0.1; done")
    return setup


def _copy_state(source: Path, target: Path, keep_fingerprint: bool) -> None:
    shutil.rmtree(target)
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    if not keep_fingerprint:
        config = target / "agentconfig.json"
        record = json.loads(config.read_text())
        record.pop("machineFingerprint", None)
        config.write_text(json.dumps(record))


def _original_keeps_working(lab: Lab, context: Context,
                            result: subprocess.CompletedProcess[str]) -> str:
    original = context.others[0]
    shown = json.loads(original.run("azcmagent", "show", "--json").stdout or "{}")
    if shown.get("status") != "Connected":
        return f"the original's status is {shown.get('status')}: {shown.get('errorDetails')}"
    subscription = context.flags["subscription-id"]
    resources = [m for m in lab.cloud_cli("machine", "list")
                 if m["subscriptionId"] == subscription]
    if [m["status"] for m in resources] != ["Connected"]:
        return f"the cloud should show one connected resource: {resources}"
    return ""


def scenarios(sp: Setup, by_name: dict[str, Scenario]) -> tuple[Scenario, ...]:
    """The dry runs of the seed's credential, role and provider rows, the clock and the
    copies (``sp``: the set-up that gives a scenario an onboarding service principal)."""
    dry_runs = tuple(dry_run_of(by_name[name]) for name in (
        "spn-invalid-secret", "spn-unknown-application", "arm-missing-role",
        "provider-not-registered", "subscription-name-unknown", "resource-exists"))
    return (*dry_runs, _clock_scenario(sp), *_clone_scenarios(sp))


def _clock_scenario(sp: Setup) -> Scenario:
    def setup(lab: Lab, context: Context) -> None:
        for step in (sp, _certificate_principal, _cloud_an_hour_ahead):
            step(lab, context)

    return Scenario("clock-an-hour-behind", PREFLIGHT,
                    "The machine's clock is an hour behind the cloud: the certificate "
                    "service principal's assertion is refused, and the clock is named.",
                    ["connect", "--config", "{config}"], 41,
                    ("AADSTS700024", "Likely cause: This machine's clock is 1 h 0 min behind"),
                    setup)


def _clone_scenarios(sp: Setup) -> tuple[Scenario, ...]:
    def copied(keep: bool) -> Setup:
        def setup(lab: Lab, context: Context) -> None:
            sp(lab, context)
            _copied_from_a_connected_machine(keep)(lab, context)
        return setup

    return (
        Scenario("cloned-machine", PREFLIGHT, "A connected machine's disk copied to another: "
                 "the copy finds itself and stays silent, the original keeps working.",
                 ["show"], 0, ("appears to be a copy of", "--force-local-only"), copied(True),
                 verify=_original_keeps_working),
        Scenario("cloned-machine-old-record", PREFLIGHT, "The same with a record an older "
                 "agent wrote (no fingerprint): the cloud refuses the copy's heartbeat, and the "
                 "copy explains why.", ["show"], 0,
                 ("from more than one host", "--force-local-only"), copied(False),
                 verify=_original_keeps_working),
    )

