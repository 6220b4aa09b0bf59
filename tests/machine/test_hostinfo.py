"""The heartbeat's fingerprint: what a clone changes, not what a rename changes."""

from __future__ import annotations

import socket

from cmagent.machine import hostinfo


def test_a_rename_keeps_the_fingerprint_a_new_machine_id_changes_it(monkeypatch) -> None:
    before = hostinfo.fingerprint()
    assert before.startswith("v2:") and len(before) == 3 + 64
    monkeypatch.setattr(socket, "gethostname", lambda: "renamed-host")
    assert hostinfo.fingerprint() == before
    real_read = hostinfo.read
    monkeypatch.setattr(hostinfo, "read", lambda path: "another-machine-id"
                        if path == hostinfo.MACHINE_ID else real_read(path))
    assert hostinfo.fingerprint() != before
