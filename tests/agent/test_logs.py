"""azcmagent logs: the ZIP's name and layout, and no secret in it."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

import pytest

JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyJ9"
       ".c2lnbmF0dXJlLXBsYW50ZWQtaW4tdGhlLWxvZw")
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAplanted\n-----END RSA PRIVATE KEY-----"
PLANTED = {
    "azcmagent.log": [
        "connect --service-principal-id app --service-principal-secret Pl4nted~SpSecret.value",
        "POST /token client_id=app&client_secret=Form~Secret~Value&scope=x",
        "Authorization: Bearer OpaqueBearer123456",
        f"token {JWT}",
        '{"servicePrincipalSecret": "JsonPlantedSecret"}',
    ],
    "himds.log": [
        "challenge answered with Authorization: Basic ChallengeKeyPlanted999",
        f"loaded key {PRIVATE_KEY}",
        "proxy http://svc:ProxyPassPlanted@proxy:3128 in use",
    ],
}
SECRETS = ["Pl4nted~SpSecret.value", "Form~Secret~Value", "OpaqueBearer123456", JWT,
           "JsonPlantedSecret", "ChallengeKeyPlanted999", "MIIEpAIBAAKCAQEAplanted",
           "ProxyPassPlanted"]


@pytest.fixture
def planted(agent_root: Path) -> Path:
    log_dir = agent_root / "var/opt/azcmagent/log"
    log_dir.mkdir(parents=True)
    for name, lines in PLANTED.items():
        (log_dir / name).write_text("\n".join(lines) + "\n")
    (log_dir / "azcmagent.log.1").write_text("older run\n")
    certs = agent_root / "var/opt/azcmagent/certs"
    certs.mkdir()
    (certs / "identity.pem").write_text(PRIVATE_KEY)
    config = agent_root / "var/opt/azcmagent/localconfig.json"
    config.write_text('{"proxy.url": "http://svc:ProxyPassPlanted@proxy:3128"}')
    gc = agent_root / "var/lib/GuestConfig/ext_mgr_logs"
    gc.mkdir(parents=True)
    (gc / "gc_ext.log").write_text("extension manager started\n")
    return agent_root


def _contents(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_no_planted_secret_reaches_the_zip(azcmagent, planted, tmp_path) -> None:
    target = tmp_path / "bundle.zip"
    run = azcmagent("logs", "--full", "--output", str(target))
    assert run.status == 0 and run.stdout.strip() == str(target)
    everything = "\n".join(_contents(target).values())
    for secret in SECRETS:
        assert secret not in everything, secret
    assert "extension manager started" in everything
    assert "identity.pem" not in "".join(_contents(target))


def test_layout_and_full(azcmagent, planted, tmp_path) -> None:
    latest = _contents(Path(azcmagent("logs", "-o", str(tmp_path / "a.zip")).stdout.strip()))
    assert "var/opt/azcmagent/log/azcmagent.log" in latest
    assert "var/opt/azcmagent/log/azcmagent.log.1" not in latest
    assert "var/lib/GuestConfig/ext_mgr_logs/gc_ext.log" in latest
    assert "var/opt/azcmagent/localconfig.json" in latest and "summary.json" in latest
    full = _contents(Path(azcmagent("logs", "--full", "-o", str(tmp_path / "b.zip")).stdout.strip()))
    assert "var/opt/azcmagent/log/azcmagent.log.1" in full


def test_default_name_in_the_current_directory(azcmagent, planted, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    document = azcmagent("logs", "--json").json
    assert re.fullmatch(str(tmp_path) + r"/azcmagent-\d{8}T\d{6}-[^/]+\.zip", document["path"])
    assert Path(document["path"]).is_file()


def test_two_bundles_in_one_second_are_two_files(azcmagent, planted, tmp_path,
                                                 monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("time.strftime", lambda form, *at: "20261206T101010")
    first, second = (azcmagent("logs", "--json").json["path"] for _ in range(2))
    assert first != second and second.endswith("-2.zip")
    assert Path(first).is_file() and Path(second).is_file()


def test_output_into_a_missing_directory_is_azcm0023(azcmagent, planted, tmp_path) -> None:
    run = azcmagent("logs", "--output", str(tmp_path / "no/such/dir/x.zip"))
    assert run.status == 23 and "does not exist" in run.stdout
    under_a_file = azcmagent("logs", "--output",
                             str(planted / "var/opt/azcmagent/localconfig.json/x.zip"))
    assert under_a_file.status == 23 and "is not a directory" in under_a_file.stdout


def test_output_to_a_device_is_refused_and_the_device_kept(azcmagent, planted, tmp_path) -> None:
    """The bundle is written by renaming a new file over the target: over /dev/null that
    would put a ZIP file where the host's null device was."""
    fifo, device = tmp_path / "pipe", tmp_path / "null"  # never the host's own /dev/null
    os.mkfifo(fifo)
    targets = [fifo]
    if os.geteuid() == 0:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        targets.append(device)
    for target in targets:
        run = azcmagent("logs", "--output", str(target))
        assert run.status == 23 and "is not a regular file" in run.stdout, run.stdout
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert os.geteuid() != 0 or stat.S_ISCHR(device.stat().st_mode)


def test_links_in_place_of_logs_copy_nothing_and_write_nothing(azcmagent, planted,
                                                                tmp_path) -> None:
    """An account that can write the log directory (himds, a member of its group) swaps the
    logs for links to a root-only file: root's run neither appends to it nor bundles it."""
    secret = tmp_path / "shadow"
    secret.write_text("root-only-content\n")
    log_dir = planted / "var/opt/azcmagent/log"
    (log_dir / "himds.log").unlink()
    (log_dir / "himds.log").symlink_to(secret)
    os.link(secret, log_dir / "himds.log.1")  # a second name of the same file
    (log_dir / "azcmagent.log").rename(log_dir / "moved.log")
    (log_dir / "azcmagent.log").symlink_to(secret)
    run = azcmagent("logs", "--output", str(tmp_path / "b.zip"))
    assert run.status == 5 and "azcmagent.log" in run.stdout  # root's log cannot be opened
    assert secret.read_text() == "root-only-content\n"
    (log_dir / "azcmagent.log").unlink()
    assert azcmagent("logs", "--full", "--output", str(tmp_path / "b.zip")).status == 0
    bundle = _contents(tmp_path / "b.zip")
    assert "var/opt/azcmagent/log/moved.log" in bundle  # (--full takes every plain file)
    assert not any("root-only-content" in text for text in bundle.values())
    assert "var/opt/azcmagent/log/himds.log" not in bundle
    assert secret.read_text() == "root-only-content\n"


def test_the_last_results_are_in_the_bundle(azcmagent, planted, tmp_path) -> None:
    results = planted / "var/opt/azcmagent/result"
    results.mkdir()
    (results / "connect.json").write_text('{"status": "failed", "code": "AZCM0041"}\n')
    run = azcmagent("logs", "--output", str(tmp_path / "b.zip"), "--json")
    assert "var/opt/azcmagent/result/connect.json" in run.json["files"]
    assert "AZCM0041" in _contents(tmp_path / "b.zip")["var/opt/azcmagent/result/connect.json"]


def test_a_name_of_our_making_is_taken_as_it_is_chosen(tmp_path) -> None:
    """Two runs in one second, side by side: the first choice takes the name at once, so
    the second cannot choose it too (one bundle would replace the other)."""
    from cmagent.agent.commands.logs import _unused

    target = tmp_path / "azcmagent-20261206T000000-host.zip"
    first, second = _unused(target), _unused(target)
    assert first == target and second.name == "azcmagent-20261206T000000-host-2.zip"
    assert first.exists() and second.exists()


def test_a_bundle_that_fails_leaves_no_empty_zip(azcmagent, agent_root, tmp_path,
                                                 monkeypatch) -> None:
    from cmagent.agent.commands import logs

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(logs, "_archive", interrupted)
    assert azcmagent("logs", "--output", str(tmp_path)).status == 11
    assert list(tmp_path.glob("*.zip")) == []
