"""The connection record: one typed schema of agentconfig.json, validated on read."""

from __future__ import annotations

import json
import os

import pytest

from cmagent.errors import AzcmError
from cmagent.machine import connection
from cmagent.machine.connection import CloudEndpoints
from cmagent.machine.connection import Connection
from cmagent.machine.connection import Identity
from cmagent.machine.paths import Paths

# agentconfig.json as cmagent 0.1.0 wrote it (no schemaVersion yet).
RELEASE_0_1_0 = {
    "resourceName": "web01", "resourceGroup": "arc-servers",
    "subscriptionId": "e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0",
    "tenantId": "27285c52-c396-43a5-b1c4-2d4f99b370d1", "location": "westeurope",
    "vmId": "d0a2a226-76fd-4865-8f82-88ad01634ec8",
    "resourceId": "/subscriptions/e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0/resourceGroups/"
                  "arc-servers/providers/Microsoft.HybridCompute/machines/web01",
    "correlationId": "5f0c0c5e-8a55-4d3f-9a51-93a3f5c1c0aa",
    "cloud": {"name": "https://127.0.0.1:8443", "login": "https://127.0.0.1:8443",
              "resourceManager": "https://127.0.0.1:8443",
              "hybridIdentityService": "https://127.0.0.1:8443",
              "portal": "https://127.0.0.1:8443",
              "audiences": ["https://management.core.windows.net/",
                            "https://management.azure.com/"]},
    "hybridIdentityService": "https://127.0.0.1:8443", "privateLinkScope": "",
    "tags": {"env": "test"},
    "identity": {"clientId": "b0c17695-5403-4a8f-ba8d-780234aad64e",
                 "principalId": "a75f057c-19b9-46c4-989b-6ce2b0527c05",
                 "tenantId": "27285c52-c396-43a5-b1c4-2d4f99b370d1",
                 "authority": "https://127.0.0.1:8443/27285c52-c396-43a5-b1c4-2d4f99b370d1",
                 "certificateNotAfter": "2027-02-28T00:32:31Z"},
    "connectedAt": "2026-11-30T00:32:31Z"}


@pytest.fixture
def paths(tmp_path) -> Paths:
    paths = Paths(str(tmp_path))
    (tmp_path / "var/opt/azcmagent").mkdir(parents=True)
    return paths


def _write(paths: Paths, content: object) -> None:
    text = content if isinstance(content, str) else json.dumps(content)
    with open(paths.agentconfig, "w", encoding="utf-8") as handle:
        handle.write(text)


def test_a_file_of_the_previous_release_reads_and_round_trips(paths) -> None:
    _write(paths, RELEASE_0_1_0)
    record = connection.load(paths)
    assert isinstance(record, Connection)
    assert record.vm_id == RELEASE_0_1_0["vmId"] and record.tags == {"env": "test"}
    assert record.cloud.arm_scope == "https://management.azure.com/.default"
    assert record.identity.client_id == "b0c17695-5403-4a8f-ba8d-780234aad64e"
    connection.save(paths, record)
    with open(paths.agentconfig, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert saved == {"schemaVersion": 1, **RELEASE_0_1_0}
    assert connection.load(paths) == record


def test_absent_or_empty_means_not_connected(paths) -> None:
    assert connection.load(paths) is None
    _write(paths, {})
    assert connection.load(paths) is None
    _write(paths, " \n")
    assert connection.load(paths) is None


@pytest.mark.parametrize("change,named", [
    ({"vmId": 5}, "agentconfig.vmId"),
    ({"tags": ["env"]}, "agentconfig.tags"),
    ({"cloud": "AzureCloud"}, "'cloud' is not a JSON object"),
    ({"identity": {"clientId": "c"}}, "identity.principalId"),
    ({"cloud": {**RELEASE_0_1_0["cloud"], "audiences": []}}, "cloud.audiences"),
    ({"schemaVersion": 7}, "schemaVersion 7"),
])
def test_a_damaged_field_is_named_with_the_way_back(paths, change, named) -> None:
    _write(paths, {**RELEASE_0_1_0, **change})
    with pytest.raises(AzcmError) as refused:
        connection.load(paths)
    message = str(refused.value)  # the damaged field is quoted after our sentence
    assert named in message and paths.agentconfig in message
    assert "azcmagent disconnect --force-local-only" in message


@pytest.mark.parametrize("content", ["{broken", "[1, 2]", "\x00\xff binary"])
def test_unreadable_content_is_refused_not_crashed_on(paths, content) -> None:
    _write(paths, content)
    with pytest.raises(AzcmError):
        connection.load(paths)


def test_renewal_replaces_only_the_certificate_end() -> None:
    cloud = CloudEndpoints("c", "https://l/", "https://a", "https://h", "https://p", ("x/",))
    record = Connection("n", "g", "s", "t", "l", "v", "r", "", cloud, "https://h",
                        Identity("c", "p", "t", "https://a/t", "2027-01-01T00:00:00Z"))
    renewed = record.with_certificate("2027-04-01T00:00:00Z")
    assert renewed.identity.certificate_not_after == "2027-04-01T00:00:00Z"
    assert renewed.identity.client_id == "c" and renewed.vm_id == "v"
    assert cloud.login == "https://l"  # trailing slashes trimmed once, on creation
    assert record.identity.expired("2027-02-01T00:00:00Z")
    assert not renewed.identity.expired("2027-02-01T00:00:00Z")


def test_atomic_writes_use_no_file_or_link_another_account_put_there(tmp_path) -> None:
    """Root writes into directories the himds account owns: a link at any name the write
    might use, or a directory swapped for another account's link, leads nowhere."""
    from cmagent.machine.files import atomic_write

    victim = tmp_path / "victim"
    victim.write_text("kept\n")
    certs = tmp_path / "certs"
    certs.mkdir()
    for pid in range(os.getpid() - 50, os.getpid() + 50):  # the old, guessable names
        (certs / f".identity.pem.{pid}.tmp").symlink_to(victim)
    atomic_write(certs / "identity.pem", b"certificate\n", 0o600)
    assert (certs / "identity.pem").read_bytes() == b"certificate\n"
    assert victim.read_text() == "kept\n" and not (certs / "identity.pem").is_symlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    swapped = tmp_path / "swapped"
    swapped.symlink_to(elsewhere)
    atomic_write(swapped / "a.json", b"{}")  # a link root made (a moved directory) is followed
    os.lchown(swapped, 65534, 65534)  # one another account made is not
    with pytest.raises(OSError, match="link another user made"):
        atomic_write(swapped / "b.json", b"{}")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["a.json"]


def test_files_that_cannot_be_removed_name_the_agents_own_directory(tmp_path, monkeypatch) -> None:
    paths = Paths(str(tmp_path))
    os.makedirs(os.path.dirname(paths.agentconfig), exist_ok=True)
    with open(paths.agentconfig, "w") as record:
        record.write("{}")

    def refused(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "unlink", refused)
    with pytest.raises(AzcmError) as raised:
        connection.clear(paths)
    assert raised.value.code == "AZCM0069" and "could not be removed" in raised.value.message("en")
    for lang in ("en", "ja"):  # under AZCMAGENT_ROOT: its directory, not the host's
        assert paths.var in raised.value.remedy(lang)
