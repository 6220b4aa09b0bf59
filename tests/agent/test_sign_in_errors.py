"""Every sign-in failure the local cloud can give connect ends in one sentence of cause in the
user's terms, in English and Japanese, with the AADSTS code kept and Entra's own text quoted on
a line of its own — never MSAL's generic authority text."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cmagent.agent import signin
from tests.agent.test_onboarding import flags_file
from tests.agent.test_onboarding import onboarding_user
from tests.agent.test_onboarding import user_flags
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import certificate

BIN = Path(sys.executable).parent
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sign-in-errors.md"


def _reads(run, code: int, tenant: str = "?", client: str = "?") -> None:
    english, _ = signin.CAUSES[code]
    first = run.stdout.split("\n  Details: ")[0]
    assert run.status == 41, run.stdout
    assert english.format(tenant=tenant, client=client) in first, run.stdout
    assert f"(AADSTS{code})" in first and "Unable to get authority" not in first
    assert "\n  Details: " in run.stdout


def _ja(run, code: int, tenant: str = "?", client: str = "?") -> None:
    _, japanese = signin.CAUSES[code]
    assert japanese.format(tenant=tenant, client=client) in run.stdout, run.stdout
    assert "\n  詳細: " in run.stdout and "。:" not in run.stdout


def test_unknown_tenant(azcmagent, himds, trusting, tmp_path) -> None:
    tenant = str(uuid.uuid4())
    flags = flags_file(tmp_path, trusting.quickstart(), tenant_id=tenant)
    _reads(azcmagent("connect", "--config", flags), 90002, tenant=tenant)
    _ja(azcmagent("connect", "--config", flags, lang="ja_JP.UTF-8"), 90002, tenant=tenant)


@pytest.mark.parametrize(("changes", "code"), [
    ({"service_principal_id": "00000000-0000-4000-8000-000000000001"}, 700016),
    ({"service_principal_secret": "not-the-secret"}, 7000215),
])
def test_principal_failures(azcmagent, himds, trusting, tmp_path, changes, code) -> None:
    onboarding = trusting.quickstart()
    flags = flags_file(tmp_path, onboarding, **changes)
    values = {"tenant": onboarding["tenantId"],
              "client": changes.get("service_principal_id", onboarding["servicePrincipalId"])}
    _reads(azcmagent("connect", "--config", flags), code, **values)
    _ja(azcmagent("connect", "--config", flags, lang="ja_JP.UTF-8"), code, **values)


def test_expired_secret(azcmagent, himds, trusting, tmp_path) -> None:
    flags = flags_file(tmp_path, trusting.quickstart())
    trusting.admin.call("POST", "/clock", {"advanceSeconds": 800 * 86400})
    try:
        _reads(azcmagent("connect", "--config", flags), 7000222)
    finally:
        trusting.admin.call("POST", "/clock", {"reset": True})


def test_certificate_not_registered(azcmagent, himds, trusting, tmp_path) -> None:
    key_pem, cert_pem, _ = certificate()
    (tmp_path / "sp.pem").write_text(key_pem + cert_pem)
    flags = flags_file(tmp_path, trusting.quickstart(), service_principal_secret=None)
    run = azcmagent("connect", "--config", flags, "--service-principal-cert",
                    str(tmp_path / "sp.pem"))
    _reads(run, 700027)


def _device_connect(agent_root, trusting, tmp_path, action: str | None):
    onboarding = trusting.quickstart()
    trusting.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = onboarding_user(trusting, onboarding)
    agent = subprocess.Popen([str(BIN / "azcmagent"), "connect", "--config",
                              user_flags(tmp_path, onboarding)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "AZCMAGENT_ROOT": str(agent_root)})
    assert agent.stdout is not None
    for line in agent.stdout:
        code = re.search(r"enter the code (\w+) to authenticate", line)
        if code:
            break
    assert code
    if action:
        approve_device_code(trusting.session(), trusting.url, code.group(1),
                            user["userPrincipalName"], user["password"], action=action)
    else:  # nobody signs in: the code outlives its 15 minutes on the cloud's clock
        trusting.admin.call("POST", "/clock", {"advanceSeconds": 1000})
    output = agent.stdout.read()
    agent.stdout.close()
    trusting.admin.call("POST", "/clock", {"reset": True})
    return agent.wait(timeout=60), output


@pytest.mark.parametrize(("action", "code"), [("decline", 65004), (None, 70020)])
def test_device_sign_in(agent_root, himds, trusting, tmp_path, action, code) -> None:
    status, output = _device_connect(agent_root, trusting, tmp_path, action)
    english, _ = signin.CAUSES[code]
    assert status == 41 and english in output and f"(AADSTS{code})" in output, output
    assert "finish the device login" in output and "secret" not in output  # its own remedy


def test_the_table_is_documented() -> None:
    assert DOCS.read_text() == signin.table_markdown()
