"""cmagent-cloud serve as a process: ready file, TLS, loopback-only, signals, persistence."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509

from cmagent.cloud.adminclient import AdminClient
from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import validate

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))


def _serve(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], dict]:
    ready = data_dir.parent / f"ready-{time.monotonic_ns()}.json"
    process = subprocess.Popen([CLOUD, "serve", "--data-dir", str(data_dir), "--port", "0",
                                "--ready-file", str(ready), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "")
        time.sleep(0.05)
    return process, json.loads(ready.read_text())


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=20)
    if process.stderr:
        process.stderr.close()
    return status


def _session(ca: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = ca
    return session


def test_ready_file_certificate_and_clean_stop(tmp_path) -> None:
    data = tmp_path / "data"
    process, ready = _serve(data, "--hostname", "management.azure.com")
    try:
        assert set(ready) == {"url", "ca_bundle", "pid"} and ready["pid"] == process.pid
        assert ready["url"].startswith("https://127.0.0.1:")
        assert Path(ready["ca_bundle"]) == data / "ca.pem"
        assert os.stat(data).st_mode & 0o777 == 0o700
        assert os.stat(data / "admin.key").st_mode & 0o777 == 0o600
        assert os.stat(data / "cloud.log").st_mode & 0o777 == 0o600  # it names users
        databases = list(data.glob("cloud.db*"))  # the token-signing key lives there
        assert data / "cloud.db" in databases
        for database in databases:
            assert database.stat().st_mode & 0o777 == 0o600, database.name
        cert = x509.load_pem_x509_certificate((data / "server.pem").read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert {"localhost", "management.azure.com"} <= set(names.get_values_for_type(x509.DNSName))
        assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "::1"}
        session = _session(ready["ca_bundle"])
        assert session.get(f"{ready['url']}/metadata/endpoints?api-version=2022-09-01").ok
        port = int(ready["url"].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert not plain.recv(100).startswith(b"HTTP/")  # no plain-HTTP service
    finally:
        assert _stop(process) == 0
    assert not (data / "server.json").exists()


def test_restart_keeps_every_tenant_principal_secret_and_key(tmp_path) -> None:
    data = tmp_path / "data"
    process, ready = _serve(data)
    try:
        result = json.loads(subprocess.run(
            [CLOUD, "quickstart", "--data-dir", str(data), "--json"], check=True,
            capture_output=True, text=True).stdout)
        session = _session(ready["ca_bundle"])
        form = {"grant_type": "client_credentials", "client_id": result["servicePrincipalId"],
                "client_secret": result["servicePrincipalSecret"], "scope": ARM_SCOPE[0]}
        token_url = f"{ready['url']}/{result['tenantId']}/oauth2/v2.0/token"
        before = session.post(token_url, data=form).json()["access_token"]
    finally:
        _stop(process)
    process, ready = _serve(data)
    try:
        session = _session(ready["ca_bundle"])
        token_url = f"{ready['url']}/{result['tenantId']}/oauth2/v2.0/token"
        assert validate(session, ready["url"], result["tenantId"], before)  # same signing key
        after = session.post(token_url, data=form)
        assert after.status_code == 200
        admin = AdminClient(data)
        assert result["tenantId"] in {t["tenantId"] for t in admin.call("GET", "/tenants")}
        assignments = admin.call("GET", "/roleAssignments")
        assert any(a["roleName"] == "Azure Connected Machine Onboarding" for a in assignments)
    finally:
        _stop(process)
    stored = (data / "cloud.db").read_bytes() + (data / "cloud.log").read_bytes()
    assert result["servicePrincipalSecret"].encode() not in stored
    assert before.encode() not in stored


def test_non_loopback_needs_an_explicit_flag(tmp_path) -> None:
    run = subprocess.run([CLOUD, "serve", "--data-dir", str(tmp_path / "d"), "--host", "0.0.0.0",
                          "--port", "0"], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "--allow-remote" in run.stderr


def test_management_cli_and_admin_key(tmp_path) -> None:
    data = tmp_path / "data"
    process, ready = _serve(data)
    try:
        def cli(*args: str) -> object:
            out = subprocess.run([CLOUD, *args, "--data-dir", str(data)], check=True,
                                 capture_output=True, text=True).stdout
            return json.loads(out)

        tenant = cli("tenant", "create", "--domain", "fabrikam.example")
        sub = cli("subscription", "create", "--tenant-id", "fabrikam.example",
                  "--display-name", "Fabrikam Prod")
        cli("group", "create", "--subscription-id", sub["subscriptionId"], "--name", "rg1",
            "--location", "eastus")
        user = cli("user", "create", "--tenant-id", tenant["tenantId"], "--user-principal-name",
                   "ada@fabrikam.example", "--password", "Sw0rdfish!")
        app = cli("app", "create", "--tenant-id", tenant["tenantId"], "--display-name", "ci")
        secret = cli("secret", "add", "--app-id", app["appId"], "--duration-days", "30")
        assert "8Q~" in secret["secretText"]
        assignment = cli("role", "assign", "--principal-id", user["userPrincipalName"], "--role",
                         "Reader", "--scope", f"/subscriptions/{sub['subscriptionId']}")
        assert assignment["roleDefinitionId"] == "acdd72a7-3385-48ef-bd42-f606fba81ae7"
        definitions = {r["properties"]["roleName"]: r["name"] for r in cli("role", "definitions")}
        assert definitions["Azure Connected Machine Onboarding"] == \
            "b64e21ea-ac4e-4cdf-9dc9-5b892992bee7"
        assert definitions["Azure Connected Machine Resource Administrator"] == \
            "cd570a14-e51a-42ad-bac8-bafd67325302"
        provider = cli("provider", "set", "--subscription-id", sub["subscriptionId"],
                       "--namespace", "Microsoft.HybridCompute", "--registration-state",
                       "Registered")
        assert provider["registrationState"] == "Registered"
        assert cli("subscription", "update", "--subscription-id", sub["subscriptionId"],
                   "--state", "Disabled")["state"] == "Disabled"
        settings = cli("settings", "set", "--client-failure-limit", "20", "--assertion-replay",
                       "refuse")
        assert settings["updated"] == ["assertionReplay", "clientFailureLimit"]
        moved = cli("clock", "advance", "--seconds", "3600")
        assert moved["offsetSeconds"] == 3600
        assert cli("clock", "reset")["offsetSeconds"] == 0
        token = cli("token", "user", "--user-principal-name", "ada@fabrikam.example")
        claims = validate(_session(ready["ca_bundle"]), ready["url"], tenant["tenantId"],
                          token["accessToken"], audience="https://management.azure.com/")
        assert claims["upn"] == "ada@fabrikam.example"
        cli("reset", "all")
        assert cli("tenant", "list") == []
        unauthorised = _session(ready["ca_bundle"]).get(f"{ready['url']}/_admin/tenants")
        assert unauthorised.status_code == 401
        forged = _session(ready["ca_bundle"]).get(f"{ready['url']}/_admin/tenants",
                                                  headers={"Authorization": "Bearer guess"})
        assert forged.status_code == 401
    finally:
        _stop(process)


def test_every_management_command_and_flag_says_what_it_does(capsys) -> None:
    from cmagent.cloud import cli

    for group, verb, _method, _path, flags in cli._MANAGEMENT:
        with pytest.raises(SystemExit):
            cli.main([group, verb, "--help"])
        shown = " ".join(capsys.readouterr().out.split())
        for flag in flags:  # each flag is followed by its metavar, then its help
            assert re.search(rf"--{flag} {flag.upper().replace('-', '_')} \w", shown), \
                (group, verb, flag)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "manage " not in capsys.readouterr().out


def test_a_missing_certificate_file_is_named_not_a_traceback(tmp_path) -> None:
    run = subprocess.run([CLOUD, "cert", "add", "--app-id", "x", "--certificate-file",
                          str(tmp_path / "none.pem"), "--data-dir", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"cannot read the certificate file {tmp_path / 'none.pem'}" in run.stderr


def test_cli_without_a_running_server_says_how_to_start_one(tmp_path) -> None:
    run = subprocess.run([CLOUD, "tenant", "list", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "cmagent-cloud serve --data-dir" in run.stderr


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")  # old TLS on purpose
@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_versions_are_refused(tmp_path, version) -> None:
    data = tmp_path / "data"
    process, ready = _serve(data)
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(ready["ca_bundle"])
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer the old version
        context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
        port = int(ready["url"].rsplit(":", 1)[1])
        # The handshake fails (asyncio's TLS layer closes without flushing the alert, so the
        # client sees an EOF during the handshake rather than a protocol_version alert).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                pytest.raises(ssl.SSLError, match=r"(?i)protocol version|alert|EOF"):
            context.wrap_socket(raw, server_hostname="127.0.0.1").do_handshake()
        modern = ssl.create_default_context(cafile=ready["ca_bundle"])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                modern.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        _stop(process)


def test_a_user_password_may_come_from_standard_input(tmp_path) -> None:
    data = tmp_path / "data"
    process, ready = _serve(data)
    try:
        quick = json.loads(subprocess.run([CLOUD, "quickstart", "--data-dir", str(data),
                                           "--json"], check=True, capture_output=True,
                                          text=True).stdout)
        made = subprocess.run([CLOUD, "user", "create", "--data-dir", str(data), "--tenant-id",
                               quick["tenantId"], "--user-principal-name", "ada@stdin.example",
                               "--password", "-"], input="Pa55 from stdin!\n",
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        token = _session(ready["ca_bundle"]).post(
            f"{ready['url']}/{quick['tenantId']}/oauth2/v2.0/token", data={
                "grant_type": "password", "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                "username": "ada@stdin.example", "password": "Pa55 from stdin!",
                "scope": "https://management.azure.com/.default"})
        assert token.status_code == 200, token.text
    finally:
        assert _stop(process) == 0
