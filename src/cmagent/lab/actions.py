"""What a scenario file can name beyond plain commands: how the machine signs in (a quickstart's
service principal, with a secret or a certificate, or device login), the steps run on the
machine before the command (``run``, ``shell``, or a named step of ``STEPS``), and the checks
after it (commands with expected output, or a named check of ``CHECKS``).
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmagent.lab.cases import Context
from cmagent.lab.cases import Setup
from cmagent.lab.cases import SetUpFailed
from cmagent.lab.cases import Verify
from cmagent.lab.lab import Lab

SCRIPT = "/root/install_linux_azcmagent.sh"
RESULT = "/root/result.json"  # where the installer scenarios ask for --output
AGENT_STATE = "var/opt/azcmagent"


# --- sign-in -----------------------------------------------------------------------------------

def onboard(lab: Lab, context: Context, sign_in: str, roles: list[str]) -> None:
    """A quickstart (tenant, subscription, group, service principal with the Onboarding role and
    ``roles``); its values become the connect flags and the ``{tenant}``-style placeholders."""
    onboarding = lab.quickstart(*roles)
    context.values.update(tenant=onboarding["tenantId"],
                          subscription=onboarding["subscriptionId"],
                          group=onboarding["resourceGroup"], location=onboarding["location"],
                          principal=onboarding["servicePrincipalId"])
    context.flags = {"service-principal-id": onboarding["servicePrincipalId"],
                     "service-principal-secret": onboarding["servicePrincipalSecret"],
                     "tenant-id": onboarding["tenantId"],
                     "subscription-id": onboarding["subscriptionId"],
                     "resource-group": onboarding["resourceGroup"],
                     "location": onboarding["location"]}
    if sign_in == "device":
        for key in ("service-principal-id", "service-principal-secret"):
            context.flags.pop(key)
    elif sign_in == "certificate":
        _certificate_principal(lab, context)


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


def without_role(role: str) -> Setup:
    """A cloud step: the principals lose every assignment of ``role``."""
    def setup(lab: Lab, context: Context) -> None:
        for assignment in lab.cloud_cli("role", "list"):
            if assignment["principalId"] and assignment["roleName"] == role:
                lab.cloud_cli("role", "remove", "--assignment-id", assignment["id"])
    return setup


# --- steps on the machine ----------------------------------------------------------------------

def step(entry: Any) -> Setup:
    """One item of ``steps``: ``{run: [WORDS]}``, ``{shell: SCRIPT}`` (each must succeed) or
    ``{use: NAME, ...}`` (a step of ``STEPS``)."""
    if not isinstance(entry, dict) or len(entry) < 1:
        raise ValueError(f"steps: each step is a table (run, shell, use, cloud or condition), "
                         f"not {entry!r}")
    if "run" in entry:
        words = entry["run"]
        return lambda lab, context: _must(context, *(context.fill(w) for w in words))
    if "shell" in entry:
        script = str(entry["shell"])
        return lambda lab, context: _must(context, "sh", "-c", context.fill(script))
    name = entry.get("use")
    if name not in STEPS:
        raise ValueError(f"steps: unknown step {entry!r} (named steps: {', '.join(STEPS)})")
    options = {k: v for k, v in entry.items() if k != "use"}
    accepted = set(inspect.signature(STEPS[name]).parameters) - {"lab", "context"}
    if set(options) - accepted:
        raise ValueError(f"steps: '{name}' takes {', '.join(sorted(accepted)) or 'no option'}, "
                         f"not {', '.join(sorted(set(options) - accepted))}")
    return lambda lab, context: STEPS[name](lab, context, **options)


def _must(context: Context, *words: str) -> None:
    done = context.machine.run(*words, env=context.env)
    if done.returncode != 0:
        shown = _without_url_passwords(" ".join(words))[:200]
        printed = _without_url_passwords(done.stdout + done.stderr).strip()[-400:]
        raise SetUpFailed(f"the set-up step '{shown}' exited with {done.returncode}: {printed}")


def _without_url_passwords(text: str) -> str:
    """A step may set ``proxy.url http://user:password@host``: its report shows no password."""
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def install_script(lab: Lab, context: Context) -> None:
    """The repository served, and the script on the machine as a user fetches it."""
    from cmagent.lab import packages

    lab.publish(packages.repository())
    _must(context, "curl", "-sSfL", "-o", SCRIPT, "https://aka.ms/azcmagent")


def copy_of_connected_machine(lab: Lab, context: Context, fingerprint: bool = True) -> None:
    """Connect another machine (the original), copy its /var/opt/azcmagent onto this one and
    restart himdsd here, as booting a copied disk does. Without ``fingerprint`` the record is
    one an older agent wrote: then the cloud tells the copy."""
    original = lab.add_machine(f"{context.machine.name[:20]}-orig")
    context.others.append(original)
    (original.merged / "root" / "connect.json").write_text(json.dumps(context.flags))
    connected = original.run("azcmagent", "connect", "--config", "/root/connect.json")
    if connected.returncode != 0:
        raise SetUpFailed(f"the original did not connect: {connected.stdout}")
    _copy_state(original.merged / AGENT_STATE, context.machine.merged / AGENT_STATE,
                fingerprint)
    # Up and past its first heartbeat (refused or not), as a copy that booted a while ago:
    # on a loaded machine the first heartbeat can take seconds after the socket appears.
    _must(context, "sh", "-c", "systemctl stop himdsd; rm -f /var/opt/azcmagent/socks/"
          "himds.sock; systemctl start himdsd; for i in $(seq 300); do test -S "
          "/var/opt/azcmagent/socks/himds.sock && ! azcmagent show status 2>/dev/null | grep -q "
          "': Disconnected' && exit 0; sleep 0.1; done; exit 1")


def _copy_state(source: Path, target: Path, keep_fingerprint: bool) -> None:
    shutil.rmtree(target)
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    if not keep_fingerprint:
        config = target / "agentconfig.json"
        record = json.loads(config.read_text())
        record.pop("machineFingerprint", None)
        config.write_text(json.dumps(record))


STEPS: dict[str, Callable[..., None]] = {
    "install-script": install_script,
    "copy-of-connected-machine": copy_of_connected_machine,
}


# --- checks after the command ------------------------------------------------------------------

def after_command(entry: Any) -> Verify:
    """``{run: [WORDS], status: N, output: [TEXT], not-output: [TEXT]}`` on the machine."""
    if not isinstance(entry, dict) or "run" not in entry:
        raise ValueError(f"expect.after: each item is a table with 'run', not {entry!r}")
    words, status = list(entry["run"]), int(entry.get("status", 0))
    present, absent = list(entry.get("output", [])), list(entry.get("not-output", []))

    def verify(lab: Lab, context: Context, result: Any) -> str:
        filled = [context.fill(w) for w in words]
        done = context.machine.run(*filled)
        printed = done.stdout + done.stderr
        shown = f"'{' '.join(filled)}' printed {printed.strip()[:300]!r}"
        if done.returncode != status:
            return f"'{' '.join(filled)}' exited with {done.returncode}, not {status}"
        missing = [t for t in map(context.fill, present) if t not in printed]
        found = [t for t in map(context.fill, absent) if t in printed]
        return f"{shown}: without {missing[0]!r}" if missing else \
            f"{shown}: with {found[0]!r}" if found else ""
    return verify


@dataclass(frozen=True)
class Check:
    before: Callable[[Lab, Context], None]
    after: Verify


def check(name: Any) -> Check:
    if name not in CHECKS:
        raise ValueError(f"expect.checks: unknown check {name!r} (checks: {', '.join(CHECKS)})")
    return CHECKS[name]


def _cloud_state(lab: Lab) -> Any:
    return (lab.cloud_cli("machine", "list"), lab.cloud_cli("role", "list"),
            lab.cloud_cli("group", "list"))


def _note_cloud(lab: Lab, context: Context) -> None:
    context.before = _cloud_state(lab)


def _unchanged(lab: Lab, context: Context, result: Any) -> str:
    """A dry run leaves the cloud as it was and no connection on the machine."""
    if _cloud_state(lab) != context.before:
        return "the cloud's machines, role assignments or groups changed"
    if (context.machine.merged / AGENT_STATE / "agentconfig.json").exists():
        return "agentconfig.json was written"
    return ""


def _reported(lab: Lab, context: Context, result: Any) -> str:
    """The expected code in the installer's --output file and in the cloud's last report."""
    code = context.expected_code
    written = context.machine.run("cat", RESULT).stdout
    try:
        error = json.loads(written)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"--output file {RESULT} holds no error code: {written!r}"
    reports = lab.cloud_cli("installer", "reports")
    if error != f"AZCM{code:04d}":
        return f"--output file says {error}"
    if not reports or reports[-1].get("messageType") != str(code):
        return f"the cloud's last installer report is {reports[-1:]}"
    return ""


def _original_keeps_working(lab: Lab, context: Context, result: Any) -> str:
    original = context.others[0]
    shown = json.loads(original.run("azcmagent", "show", "--json").stdout or "{}")
    if shown.get("status") != "Connected":
        return f"the original's status is {shown.get('status')}: {shown.get('errorDetails')}"
    resources = [m for m in lab.cloud_cli("machine", "list")
                 if m["subscriptionId"] == context.values["subscription"]]
    if [m["status"] for m in resources] != ["Connected"]:
        return f"the cloud should show one connected resource: {resources}"
    return ""


def _nothing(lab: Lab, context: Context) -> None:
    return None


CHECKS: dict[str, Check] = {
    "cloud-unchanged": Check(_note_cloud, _unchanged),
    "installer-reported": Check(_nothing, _reported),
    "original-keeps-working": Check(_nothing, _original_keeps_working),
}
