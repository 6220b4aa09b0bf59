"""The package's set-up of /var/opt/azcmagent (postinst) as the himds account may have left it:
links in place of directories or of identity files are removed, never followed."""

from __future__ import annotations

import os
import stat

from cmagent.machine import layout

NOBODY = (65534, 65534)


def test_links_the_service_account_planted_are_not_followed(tmp_path) -> None:
    victim_dir, victim = tmp_path / "srv", tmp_path / "shadow"
    victim_dir.mkdir(mode=0o700)
    victim.write_text("root only\n")
    var = tmp_path / "var"
    (var / "certs").mkdir(parents=True)
    (var / "certs/identity.key").symlink_to(victim)
    (var / "certs/identity.pem").write_text("certificate\n")
    (var / "socks").symlink_to(victim_dir)
    os.lchown(var / "socks", *NOBODY)  # as the himds account would have made it
    (var / "log").write_text("a file where a directory belongs\n")
    layout.prepare(str(var), NOBODY)
    for name, mode in layout.DIRECTORIES:
        found = os.lstat(var / name)
        assert stat.S_ISDIR(found.st_mode) and stat.S_IMODE(found.st_mode) == mode, name
        assert (found.st_uid, found.st_gid) == NOBODY
    assert not (var / "certs/identity.key").exists()  # the link went, the target stayed
    assert os.stat(var / "certs/identity.pem").st_uid == NOBODY[0]  # a real identity is given
    for untouched in (victim, victim_dir):
        assert (os.stat(untouched).st_uid, stat.S_IMODE(os.stat(untouched).st_mode)) == \
            (0, 0o700 if untouched == victim_dir else 0o644)
    layout.prepare(str(var), NOBODY)  # again (every upgrade runs it): nothing changes
    assert os.stat(var / "certs/identity.pem").st_uid == NOBODY[0]


def test_a_directory_an_administrator_moved_is_followed(tmp_path) -> None:
    """/var/opt/azcmagent moved to another disk and linked back by root: kept, not emptied."""
    moved = tmp_path / "data/azcmagent"
    (moved / "certs").mkdir(parents=True)
    (moved / "agentconfig.json").write_text("{}\n")
    var = tmp_path / "var"
    var.symlink_to(moved)  # (made by root: this test runs as root)
    layout.prepare(str(var), NOBODY)
    assert var.is_symlink() and (var / "agentconfig.json").read_text() == "{}\n"
    assert os.stat(moved).st_uid == NOBODY[0] and (moved / "log").is_dir()
