"""The cloud as an operator runs it for a team: its data directory trusted only when it is the
cloud user's own, one server per directory, management calls that mean what they say and
refuse what they cannot take whole."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import pytest

from cmagent.cloud import cli
from cmagent.cloud import server
from cmagent.cloud.files import write_json
from cmagent.cloud.store import Store
from cmagent.cloud.store import StoreError
from cmagent.cloud.store import shown_url
from tests.cloud.test_inputs import _admin

NOBODY = 65534


def test_a_data_directory_of_another_account_is_refused(tmp_path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(server.StartupError, match="belongs to uid 65534"):
        server.prepare_data_dir(theirs)
    assert not (theirs / "admin.key").exists()


def test_a_directory_others_may_write_is_refused_and_left_as_it_is(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    with pytest.raises(server.StartupError, match="other accounts may write"):
        server.prepare_data_dir(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_a_new_directory_is_private_and_an_empty_admin_key_is_made_anew(tmp_path) -> None:
    data = tmp_path / "new" / "data"
    server.prepare_data_dir(data)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    (data / "admin.key").write_text("  \n")
    server.prepare_data_dir(data)
    assert len((data / "admin.key").read_text().strip()) >= 32


def test_one_server_per_data_directory(tmp_path) -> None:
    server.prepare_data_dir(tmp_path / "data")
    held = server.hold_data_dir(tmp_path / "data")
    try:
        with pytest.raises(server.StartupError, match=f"process {os.getpid()}"):
            server.hold_data_dir(tmp_path / "data")
    finally:
        os.close(held)
    os.close(server.hold_data_dir(tmp_path / "data"))  # free again once the first let go


def test_a_link_where_a_file_is_written_is_replaced_not_followed(tmp_path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    ready = tmp_path / "ready.json"
    ready.symlink_to(precious)
    write_json(ready, {"url": "https://127.0.0.1:1"})
    assert precious.read_text() == "keep me" and not ready.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_cloud_log_is_no_link(tmp_path) -> None:
    data = tmp_path / "data"
    server.prepare_data_dir(data)
    (data / "cloud.log").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        server.configure_logging(server.ServeOptions(data))
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("url", ["foo://x", "sqlite://", "mysql://u:hidden@h/d", "not a url"])
def test_a_database_url_that_cannot_serve_is_named(tmp_path, url) -> None:
    with pytest.raises(StoreError, match="cannot be used") as refused:
        Store(url)
    assert "hidden" not in str(refused.value)


def test_a_database_password_given_as_a_parameter_is_hidden() -> None:
    shown = shown_url("postgresql+psycopg://ci:one@127.0.0.1/c?password=two&sslmode=require")
    assert "one" not in shown and "two" not in shown and "sslmode=require" in shown


def test_management_commands_address_the_object_named(cloud, capsys) -> None:
    """A guest's user principal name holds '#': it must not cut the path short."""
    tenant = cloud.quickstart()["tenantId"]
    suffix = uuid.uuid4().hex[:6]
    plain, guest = f"ada{suffix}_contoso.com", f"ada{suffix}_contoso.com#EXT#@fabrikam.example"
    for upn in (plain, guest):
        cloud.admin.call("POST", "/users", {"tenantId": tenant, "userPrincipalName": upn,
                                            "password": "Pa55 word!"})
    assert cli.main(["user", "delete", "--user", guest, "--data-dir",
                     str(cloud.data_dir)]) == 0
    assert guest in capsys.readouterr().out
    left = {u["userPrincipalName"] for u in cloud.admin.call("GET", "/users")}
    assert plain in left and guest not in left


@pytest.mark.parametrize("body", [
    {"reads": {"capacity": 3, "refillPerSecond": 1}, "bogus": {}},
    {"reads": {"capacity": 3, "refillPerSecond": 1e-300}},
    {"reads": {"capacity": True, "refillPerSecond": 1}}])
def test_throttling_changes_are_taken_whole_or_not_at_all(cloud, http, body) -> None:
    before = cloud.admin.call("GET", "/throttling")
    answer = _admin(cloud, http, "PATCH", "/throttling", json.dumps(body))
    assert answer.status_code == 400, answer.text
    assert cloud.admin.call("GET", "/throttling") == before


@pytest.mark.parametrize("spec,named", [
    ({"service": "arm", "pathPattern": ["machines"]}, "pathPattern must be a string"),
    ({"service": "arm", "status": "503"}, "status must be a whole number"),
    ({"service": "arm", "status": 503.9}, "status must be a whole number")])
def test_a_fault_of_the_wrong_types_is_refused(cloud, http, spec, named) -> None:
    answer = _admin(cloud, http, "POST", "/faults", json.dumps(spec))
    assert answer.status_code == 400 and named in answer.text, answer.text


def test_a_boolean_given_as_text_is_refused(cloud, http) -> None:
    tenant = cloud.quickstart()["tenantId"]
    made = _admin(cloud, http, "POST", "/applications", json.dumps(
        {"tenantId": tenant, "displayName": "cli", "publicClient": "false"}))
    assert made.status_code == 400 and "true or false" in made.text, made.text
    reset = _admin(cloud, http, "POST", "/clock", json.dumps({"reset": "no"}))
    assert reset.status_code == 400


def test_a_password_keeps_its_spaces(cloud, http) -> None:
    quick = cloud.quickstart()
    upn = f"spaces{uuid.uuid4().hex[:6]}@example.test"
    cloud.admin.call("POST", "/users", {"tenantId": quick["tenantId"],
                                        "userPrincipalName": upn, "password": " pw "})
    token = http.post(f"{cloud.url}/{quick['tenantId']}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "username": upn, "password": " pw ", "scope": "https://management.azure.com/.default"})
    assert token.status_code == 200, token.text


def test_the_clock_is_not_set_before_2000(cloud, http) -> None:
    answer = _admin(cloud, http, "POST", "/clock", json.dumps({"set": "1927-01-01T00:00:00Z"}))
    assert answer.status_code == 400 and "2000" in answer.text


def test_a_reset_returns_throttling_to_its_defaults(cloud) -> None:
    defaults = cloud.admin.call("GET", "/throttling")
    cloud.admin.call("PATCH", "/throttling", {"reads": {"capacity": 7, "refillPerSecond": 1}})
    cloud.admin.call("POST", "/reset")
    assert cloud.admin.call("GET", "/throttling") == defaults


def test_the_serve_command_refuses_a_port_beyond_the_range(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--data-dir", str(tmp_path / "d"), "--port", "70000"])
    assert "not a port" in capsys.readouterr().err
    assert not Path(tmp_path / "d").exists()


def test_certificates_that_cannot_be_read(tmp_path) -> None:
    """A damaged server certificate is issued again from the CA; a damaged CA stops the
    start with what to do (clients trust it: it is never replaced silently)."""
    from cmagent.cloud.pki import PkiError
    from cmagent.cloud.pki import ServerTLS

    tls = ServerTLS(tmp_path)
    tls.ensure(["bücher.example", "*.his.example"])
    from cryptography import x509

    san = x509.load_pem_x509_certificate(tls.cert_path.read_bytes()).extensions \
        .get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"xn--bcher-kva.example", "*.his.example"} <= set(
        san.get_values_for_type(x509.DNSName))
    tls.cert_path.write_bytes(tls.cert_path.read_bytes()[:100])
    tls.ensure([])
    assert tls.cert_path.read_bytes().endswith(b"-----END CERTIFICATE-----\n")
    with pytest.raises(PkiError, match="is no host name"):
        tls.ensure(["a b"])
    tls.ca_key_path.write_bytes(tls.ca_key_path.read_bytes()[:100])
    with pytest.raises(PkiError, match="move them aside to make a new one"):
        tls.ensure([])


def test_a_ready_file_in_no_directory_is_named_before_serving(tmp_path) -> None:
    options = server.ServeOptions(tmp_path / "data", port=0,
                                  ready_file=tmp_path / "missing" / "ready.json")
    with pytest.raises(server.StartupError, match="--ready-file"):
        server.Prepared(options)


def test_a_wrong_admin_key_is_logged_without_the_key(cloud, http, caplog) -> None:
    with caplog.at_level("WARNING", logger="cmagent.cloud.refused"):
        answer = http.get(f"{cloud.url}/_admin/clock",
                          headers={"Authorization": "Bearer guessed-key-123"})
    assert answer.status_code == 401
    said = [r.getMessage() for r in caplog.records if r.name == "cmagent.cloud.refused"]
    assert any("/_admin/clock" in line and "127.0.0.1" in line for line in said), said
    assert not any("guessed-key-123" in line for line in said)


def test_names_dates_and_scopes_of_the_wrong_form_are_refused(cloud, http) -> None:
    quick = cloud.quickstart()
    named = _admin(cloud, http, "POST", "/users", json.dumps({
        "tenantId": quick["tenantId"], "userPrincipalName": f"n{uuid.uuid4().hex[:6]}@x.test",
        "password": "pw", "displayName": {"a": 1}}))
    assert named.status_code == 400, named.text
    far = _admin(cloud, http, "POST", f"/applications/{quick['servicePrincipalId']}/secrets",
                 json.dumps({"endDateTime": "9999-01-01T00:00:00Z"}))
    assert far.status_code == 400 and "36500" in far.text, far.text
    scope = f"/subscriptions/{quick['subscriptionId']}/resourceGroups/../x"
    assigned = _admin(cloud, http, "POST", "/roleAssignments", json.dumps({
        "principalId": quick["servicePrincipalId"], "scope": scope,
        "role": "Reader"}))
    assert assigned.status_code == 400 and "InvalidScope" in assigned.text, assigned.text


def test_management_commands_name_damaged_files_of_the_running_cloud(tmp_path, capsys) -> None:
    (tmp_path / "server.json").write_text("{bad")
    assert cli.main(["clock", "show", "--data-dir", str(tmp_path)]) == 1
    assert "cannot be read" in capsys.readouterr().err


def test_certificate_files_follow_no_link_and_a_misfit_is_issued_again(tmp_path) -> None:
    from cmagent.cloud.his.identity_ca import IdentityCA
    from cmagent.cloud.pki import PkiError
    from cmagent.cloud.pki import ServerTLS

    data = tmp_path / "data"
    data.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("junk")
    (data / "server.pem").symlink_to(victim)
    tls = ServerTLS(data)
    tls.ensure([])
    assert victim.read_text() == "junk" and not tls.cert_path.is_symlink()
    first = tls.cert_path.read_bytes()
    tls.key_path.write_bytes(tls.ca_key_path.read_bytes())  # another certificate's key
    tls.ensure([])
    assert tls.cert_path.read_bytes() != first
    tls.cert_path.write_bytes(tls.ca_cert_path.read_bytes())  # a certificate without SAN
    tls.ensure([])
    assert tls.cert_path.read_bytes() != tls.ca_cert_path.read_bytes()
    IdentityCA(data)
    (data / "his-ca.pem").write_text("junk")
    with pytest.raises(PkiError, match="identity CA"):
        IdentityCA(data)


def test_a_fault_number_given_as_text_is_refused(cloud, http) -> None:
    for spec in ({"service": "arm", "action": "latency", "latencyMs": "5000"},
                 {"service": "arm", "probability": True}):
        answer = _admin(cloud, http, "POST", "/faults", json.dumps(spec))
        assert answer.status_code == 400 and "must be a number" in answer.text, answer.text
    follow = _admin(cloud, http, "POST", "/clock", json.dumps({"advanceSeconds": 1,
                                                               "machinesFollow": "false"}))
    assert follow.status_code == 400


def test_a_libpq_keyword_string_is_named_without_its_password(tmp_path) -> None:
    with pytest.raises(StoreError) as refused:
        Store("host=127.0.0.1 password=hunter2 dbname=x")
    assert "hunter2" not in str(refused.value) and "password=***" in str(refused.value)


def test_cli_switch_values_are_true_or_false(cloud, capsys) -> None:
    assert cli.main(["clock", "advance", "--seconds", "0", "--machines-follow", "false",
                     "--data-dir", str(cloud.data_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["machinesFollow"] is False
    with pytest.raises(SystemExit):
        cli.main(["clock", "advance", "--seconds", "0", "--machines-follow", "maybe",
                  "--data-dir", str(cloud.data_dir)])
    cloud.admin.call("POST", "/clock", {"reset": True})
