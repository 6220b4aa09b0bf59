"""Heartbeats written behind (SQLite): every reader sees them, a clean stop loses none, and a
change made by another process is seen by the next heartbeat."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import pytest

from cmagent.cloud.his import beats
from tests.cloud.arm_helpers import call
from tests.cloud.conftest import RunningCloud
from tests.cloud.his_helpers import Enrolled


@pytest.fixture
def held_back(monkeypatch):
    """Heartbeats stay pending until something else uses the store (no timed write)."""
    monkeypatch.setattr(beats, "FLUSH_SECONDS", 3600.0)


@pytest.fixture
def cloud(tmp_path):
    running = RunningCloud(tmp_path / "data")
    try:
        yield running
    finally:
        running.stop()


def recorded(cloud: RunningCloud, vm_id: str) -> tuple | None:
    """What another process reading the database sees of a machine."""
    with closing(sqlite3.connect(cloud.data_dir / "cloud.db")) as other:
        return other.execute("SELECT status, last_heartbeat FROM machines WHERE vm_id = ?",
                             (vm_id,)).fetchone()


def test_a_heartbeat_reaches_the_database_within_the_flush_interval(cloud, http,
                                                                     onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat().status_code == 200
    deadline = time.monotonic() + 2
    while recorded(cloud, enrolled.vm_id)[1] is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert recorded(cloud, enrolled.vm_id)[0] == "Connected"


def test_any_request_sees_the_pending_heartbeat_and_a_clean_stop_writes_it(
        held_back, cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat().status_code == 200
    assert recorded(cloud, enrolled.vm_id) == ("AwaitingConnection", None)  # still pending
    assert enrolled.arm()["properties"]["status"] == "Connected"  # written before any read
    assert enrolled.heartbeat(errorDetails=[{"code": "AZCM0026"}]).status_code == 200
    cloud.stop()
    assert recorded(cloud, enrolled.vm_id)[0] == "Error"


def test_a_change_by_another_process_is_seen_by_the_next_heartbeat(cloud, http,
                                                                   onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat().status_code == 200  # its row is now held in memory
    with closing(sqlite3.connect(cloud.data_dir / "cloud.db")) as other:
        other.execute("UPDATE machines SET identity_app_id = NULL WHERE vm_id = ?",
                      (enrolled.vm_id,))
        other.commit()
    refused = enrolled.heartbeat()
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "MachineNotFound"


def test_a_machine_deleted_elsewhere_costs_only_its_own_pending_heartbeat(
        held_back, cloud, http, onboarding) -> None:
    gone, kept = Enrolled(cloud, http, onboarding), Enrolled(cloud, http, onboarding, "his02")
    tokens = [machine.token()["access_token"] for machine in (gone, kept)]
    assert gone.heartbeat(token=tokens[0]).status_code == 200
    assert kept.heartbeat(token=tokens[1]).status_code == 200
    with closing(sqlite3.connect(cloud.data_dir / "cloud.db")) as other:
        other.execute("DELETE FROM machines WHERE vm_id = ?", (gone.vm_id,))
        other.commit()
    # The next use of the store writes the batch: the deleted machine's status event cannot
    # be stored, the other machine's heartbeat is.
    assert call(http, "GET", gone.url, gone.arm_token).status_code == 404
    assert recorded(cloud, kept.vm_id)[0] == "Connected"
    assert recorded(cloud, gone.vm_id) is None


def test_a_failed_write_keeps_the_heartbeats_for_the_next_one(held_back, cloud, http,
                                                              onboarding,
                                                              monkeypatch) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat().status_code == 200
    ledger = cloud.services.heartbeats
    write = ledger._write

    def locked(*batch):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(ledger, "_write", locked)
    with pytest.raises(sqlite3.OperationalError):
        ledger.flush()
    monkeypatch.setattr(ledger, "_write", write)
    ledger.flush()
    assert recorded(cloud, enrolled.vm_id)[0] == "Connected"


def test_heartbeats_read_the_machine_once_while_nothing_else_writes(cloud, http, onboarding,
                                                                    monkeypatch) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    token = enrolled.token()["access_token"]
    ledger = cloud.services.heartbeats
    loads = []
    load = ledger._load
    monkeypatch.setattr(ledger, "_load", lambda vm_id: loads.append(vm_id) or load(vm_id))
    for _ in range(5):
        assert enrolled.heartbeat(token=token).status_code == 200
        time.sleep(0.06)  # each written behind in between
    assert loads == [enrolled.vm_id]
