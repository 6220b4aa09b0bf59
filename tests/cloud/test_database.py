"""The store across versions and processes: a data directory of cmagent 0.1.0 opens after the
upgrade (Alembic), the schema the migrations build is the models' on SQLite and PostgreSQL, and
several workers over one PostgreSQL database agree on the clock, throttling and faults."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cmagent.cloud import models
from cmagent.cloud.store import Store
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import sp_token
from tests.cloud.test_server import _serve
from tests.cloud.test_server import _session
from tests.cloud.test_server import _stop

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))
DUMP = Path(__file__).parent / "data/cloud-0.1.0.sql"
# What the 0.1.0 data directory of DUMP holds (a throw-away cloud made for this test).
OLD = {"tenant": "27285c52-c396-43a5-b1c4-2d4f99b370d1",
       "subscription": "e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0", "group": "arc-servers",
       "client": "4ed27731-5819-43b5-a4bf-79575b30d6e3",
       "secret": "7lM8Q~sNxf.UtsatjN7jbnHSE-XNAxzW5GvWnb7L", "machine": "legacy01",
       "user": "ada@contoso.example"}


def _schema_differences(url: str) -> list[object]:
    store = Store(url)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, models.Base.metadata))
    finally:
        store.close()


def test_migrations_build_the_models_schema_on_sqlite_and_postgresql(tmp_path, postgres):
    assert _schema_differences(f"sqlite:///{tmp_path / 'cloud.db'}") == []
    assert _schema_differences(postgres.new_database()) == []


def test_a_data_directory_of_release_0_1_0_opens_after_the_upgrade(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    with sqlite3.connect(data / "cloud.db") as old:
        old.executescript(DUMP.read_text())
    old.close()
    process, ready = _serve(data)
    try:
        http = _session(ready["ca_bundle"])
        url = ready["url"]
        token = sp_token(http, url, OLD["tenant"], OLD["client"], OLD["secret"])
        onboarding = {"cloud": url, "subscriptionId": OLD["subscription"],
                      "resourceGroup": OLD["group"]}
        machine = call(http, "GET", machine_url(onboarding, OLD["machine"]), token)
        assert machine.status_code == 200, machine.text
        assert machine.json()["identity"]["type"] == "SystemAssigned"
        created = call(http, "PUT", machine_url(onboarding, "after-upgrade"), token,
                       machine_body())
        assert created.status_code == 200, created.text
        clock = json.loads(subprocess.run([CLOUD, "clock", "show", "--data-dir", str(data)],
                                          check=True, capture_output=True, text=True).stdout)
        assert clock["offsetSeconds"] == 60  # the old cloud's clock offset is kept
    finally:
        assert _stop(process) == 0
    with sqlite3.connect(data / "cloud.db") as upgraded:
        assert upgraded.execute("SELECT version_num FROM alembic_version").fetchone()[0] >= "0002"
    upgraded.close()
    assert (data / "cloud.db").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("damage", ["random bytes", "half of it", "a header and garbage"])
def test_a_damaged_database_stops_serve_with_what_to_do(tmp_path, damage) -> None:
    data = tmp_path / "data"
    _stop(_serve(data)[0])
    database = data / "cloud.db"
    if damage == "random bytes":
        database.write_bytes(os.urandom(8192))
    elif damage == "half of it":
        with database.open("r+b") as handle:
            handle.truncate(database.stat().st_size // 2)
    else:
        database.write_bytes(b"SQLite format 3\0" + os.urandom(4000))
    run = subprocess.run([CLOUD, "serve", "--data-dir", str(data), "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr[-2000:]
    assert str(database) in run.stderr and "Restore it from a backup" in run.stderr
    assert "Traceback" not in run.stderr


def test_several_workers_need_postgresql(tmp_path) -> None:
    run = subprocess.run([CLOUD, "serve", "--data-dir", str(tmp_path / "d"), "--port", "0",
                          "--workers", "2"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 3 and "--database postgresql" in run.stderr


def _fresh(ca: str) -> requests.Session:
    """A session whose every request opens a new connection (so the kernel may hand it to
    either worker)."""
    session = _session(ca)
    session.headers["Connection"] = "close"
    return session


@pytest.fixture
def two_workers(tmp_path, postgres):
    data = tmp_path / "data"
    process, ready = _serve(data, "--database", postgres.new_database(), "--workers", "2",
                            "--access-log")
    try:
        yield data, ready
    finally:
        assert _stop(process) == 0


def test_two_workers_agree_on_clock_throttling_and_faults(two_workers) -> None:
    data, ready = two_workers
    quick = json.loads(subprocess.run([CLOUD, "quickstart", "--data-dir", str(data), "--json"],
                                      check=True, capture_output=True, text=True).stdout)
    http = _fresh(ready["ca_bundle"])
    admin = _admin(data, ready)
    token = onboarding_token(_session(ready["ca_bundle"]), quick)

    admin("PATCH", "/throttling", {"writes": {"capacity": 3, "refillPerSecond": 0}})
    statuses = [call(http, "PUT", machine_url(quick, f"w{i}"), token, machine_body()).status_code
                for i in range(8)]
    assert statuses.count(200) == 3 and statuses.count(429) == 5, statuses

    admin("POST", "/faults", {"service": "metadata", "status": 503, "count": 4})
    metadata = f"{ready['url']}/metadata/endpoints?api-version=2022-09-01"
    answers = [http.get(metadata).status_code for _ in range(12)]
    assert answers.count(503) == 4 and answers.count(200) == 8, answers

    moved = admin("POST", "/clock", {"advanceSeconds": 7200})
    offsets = {admin("GET", "/clock")["offsetSeconds"] for _ in range(8)}
    assert offsets == {moved["offsetSeconds"]} == {7200}
    assert len(_serving_workers(data)) == 2


def _admin(data: Path, ready: dict):
    key = (data / "admin.key").read_text().strip()
    session = _fresh(ready["ca_bundle"])

    def request(method: str, path: str, body: object = None) -> dict:
        response = session.request(method, f"{ready['url']}/_admin{path}", json=body,
                                   headers={"Authorization": f"Bearer {key}"})
        assert response.ok, response.text
        return response.json()
    return request


def _serving_workers(data: Path) -> set[str]:
    """The process ids that logged answering requests (each worker logs its own)."""
    time.sleep(0.5)  # the access log is written as the answer leaves
    log = (data / "cloud.log").read_text()
    return set(re.findall(r"\[(\d+)\] cmagent\.cloud\.access", log))


def test_two_workers_beating_for_one_machine_at_once_make_one_status_event(tmp_path,
                                                                           postgres) -> None:
    """Each worker reads the machine, decides, then writes: the second must read after the
    first wrote (a row lock), or both would record the same change of status."""
    from cmagent.cloud.his import beats
    from tests.cloud.conftest import RunningCloud
    from tests.cloud.his_helpers import Enrolled

    database = postgres.new_database()
    cloud = RunningCloud(tmp_path / "data", database=database)
    workers = [beats.DirectBook(Store(database)) for _ in range(2)]
    try:
        enrolled = Enrolled(cloud, cloud.session(), cloud.quickstart())

        def decide(row):
            time.sleep(0.5)  # both are inside their transaction at once
            events = [] if row.status == "Connected" else [(time.time(), "Connected", None)]
            return beats.Beat({"status": "Connected", "last_heartbeat": time.time(),
                               "last_status_change": time.time(),
                               "fingerprint": row.fingerprint, "reported": row.reported},
                              events)

        threads = [threading.Thread(target=worker.beat, args=(enrolled.vm_id, decide))
                   for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with workers[0].store.engine.connect() as connection:
            made = connection.exec_driver_sql(
                "SELECT count(*) FROM machine_events e JOIN machines m ON m.id = e.machine_id "
                "WHERE m.vm_id = %(vm)s AND e.status = 'Connected'", {"vm": enrolled.vm_id})
            assert made.scalar() == 1
    finally:
        for worker in workers:
            worker.store.close()
        cloud.stop()


def test_grants_given_twice_before_the_upgrade_are_merged_into_one(tmp_path) -> None:
    """Before 0009 the management API could give one grant twice: the upgrade keeps the
    assignment whose id sorts first and then holds one assignment per grant."""
    database = tmp_path / "cloud.db"
    _schema_at(f"sqlite:///{database}", "0008")
    grant = ("11111111-1111-1111-1111-111111111111", "ServicePrincipal",
             "b64e21ea-ac4e-4cdf-9dc9-5b892992bee7", "/subscriptions/s/resourceGroups/G",
             "/subscriptions/s/resourcegroups/g")
    with sqlite3.connect(database) as old:
        old.executemany("INSERT INTO role_assignments VALUES (?, ?, ?, ?, ?, ?)",
                        [(name, *grant) for name in ("c", "a", "b")])
    old.close()
    Store(f"sqlite:///{database}").close()
    with sqlite3.connect(database) as upgraded:
        assert upgraded.execute("SELECT id FROM role_assignments").fetchall() == [("a",)]
        with pytest.raises(sqlite3.IntegrityError):
            upgraded.execute("INSERT INTO role_assignments VALUES (?, ?, ?, ?, ?, ?)",
                             ("d", *grant))
    upgraded.close()


def _schema_at(url: str, revision: str) -> None:
    """A database as the migrations up to ``revision`` left it (an older release's)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from cmagent.cloud.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def _at_once(count: int, action) -> list:
    """``action(i)`` from ``count`` threads at once; their results in order."""
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_workers_count_every_clock_move_and_failed_secret(two_workers) -> None:
    """Read-change-write state (the clock, failure counts, throttling limits) is read locked:
    changes that arrive together through both workers all count."""
    data, ready = two_workers
    quick = json.loads(subprocess.run([CLOUD, "quickstart", "--data-dir", str(data), "--json"],
                                      check=True, capture_output=True, text=True).stdout)
    admin = _admin(data, ready)
    moved = _at_once(12, lambda i: admin("POST", "/clock", {"advanceSeconds": 10}))
    assert admin("GET", "/clock")["offsetSeconds"] == 120, [m["offsetSeconds"] for m in moved]
    admin("POST", "/clock", {"reset": True})
    admin("PATCH", "/settings", {"clientFailureLimit": 5})
    url = f"{ready['url']}/{quick['tenantId']}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": quick["servicePrincipalId"],
            "scope": "https://management.azure.com/.default"}
    codes = _at_once(16, lambda i: _fresh(ready["ca_bundle"]).post(
        url, data=form | {"client_secret": f"guess-{i}"}).status_code)
    assert codes.count(401) == 5 and codes.count(429) == 11, codes
    kinds = ("reads", "writes", "deletes")
    _at_once(3, lambda i: admin("PATCH", "/throttling", {
        kinds[i]: {"capacity": 100 + i, "refillPerSecond": 1}}))
    limits = admin("GET", "/throttling")
    assert [limits[kind]["capacity"] for kind in kinds] == [100, 101, 102], limits


def test_two_workers_creating_machines_of_one_vm_id_make_one(two_workers) -> None:
    """Cloned images onboarding at the same moment: one machine gets the vmId, the others
    ARM's HCRP409 (the identity service finds a machine by its vmId alone)."""
    data, ready = two_workers
    quick = json.loads(subprocess.run(
        [CLOUD, "quickstart", "--data-dir", str(data), "--json", "--role",
         "Azure Connected Machine Resource Administrator"],
        check=True, capture_output=True, text=True).stdout)
    token = onboarding_token(_session(ready["ca_bundle"]), quick)
    vm_id = str(uuid.uuid4())
    answers = _at_once(8, lambda i: call(_fresh(ready["ca_bundle"]), "PUT",
                                         machine_url(quick, f"clone{i}"), token,
                                         machine_body(vm_id=vm_id)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7, \
        [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"HCRP409"}


def test_machines_sharing_a_vm_id_before_the_upgrade_keep_it_in_the_oldest(tmp_path) -> None:
    database = tmp_path / "cloud.db"
    _schema_at(f"sqlite:///{database}", "0010")
    with sqlite3.connect(database) as old:
        old.executemany(
            "INSERT INTO machines (subscription_id, group_key, name, name_key, location, vm_id,"
            " body, reported, status, last_status_change, created_at) VALUES "
            "('s', 'g', ?, ?, 'westeurope', 'same', '{}', '{}', 'Connected', 0, ?)",
            [("new", "new", 2.0), ("old", "old", 1.0), ("other", "other", 3.0)])
    old.close()
    Store(f"sqlite:///{database}").close()
    with sqlite3.connect(database) as upgraded:
        ids = dict(upgraded.execute("SELECT name, vm_id FROM machines").fetchall())
    upgraded.close()
    assert ids["old"] == "same" and len({ids["new"], ids["other"], "same"}) == 3


def test_a_clock_moved_back_leaves_no_bucket_waiting_for_its_old_time() -> None:
    from cmagent.cloud.arm.throttle import Throttle
    from cmagent.cloud.clock import Clock

    clock = Clock(offset=3600)
    throttle = Throttle(clock)
    throttle.limits["reads"] = (2, 1)
    for _ in range(2):
        throttle.take("caller", "subscription", "reads")
    clock.load("0")  # the operator resets the clock: an hour back
    assert throttle.take("caller", "subscription", "reads")  # not throttled for an hour


def test_a_database_that_goes_away_is_503_with_retry_after_and_said_once(tmp_path,
                                                                          caplog) -> None:
    """Requests are answered in their service's envelope with Retry-After (the metadata
    endpoint needs no database), the log says it once, and the cloud is back with it."""
    from tests.cloud.conftest import RunningCloud
    from tests.pg import Cluster

    cluster = Cluster()
    try:
        cluster.start()
        cloud = RunningCloud(tmp_path / "data", database=cluster.new_database())
        try:
            quick = cloud.quickstart()
            http = cloud.session()
            machine = machine_url(quick, "web01")
            token = onboarding_token(http, quick)
            cluster.pause()
            refused = [call(http, "GET", machine, token) for _ in range(20)]
            assert {(r.status_code, r.headers.get("Retry-After")) for r in refused} == \
                {(503, "5")}
            assert refused[0].json()["error"]["code"] == "ServiceUnavailable"
            entra = http.post(f"{cloud.url}/{quick['tenantId']}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": quick["servicePrincipalId"],
                "client_secret": quick["servicePrincipalSecret"],
                "scope": "https://management.azure.com/.default"})
            assert entra.status_code == 503 and entra.json()["error_codes"] == [90033]
            assert entra.json()["error"] == "temporarily_unavailable"
            assert http.get(f"{cloud.url}/metadata/endpoints?api-version=2022-09-01").ok
            assert call(http, "GET", machine, token).status_code == 503  # (still away: the
            # metadata answer, which needs no database, did not say it is back)
            cluster.resume()
            deadline = time.monotonic() + 30
            while call(http, "GET", machine, token).status_code == 503:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            after = [call(http, "GET", machine, token).status_code for _ in range(20)]
            assert 503 not in after  # a pooled connection the restart closed is replaced
        finally:
            cloud.stop()
    finally:
        cluster.stop()
    said = [r.getMessage() for r in caplog.records if r.name == "cmagent.cloud.error"]
    assert sum("does not answer (" in line for line in said) == 1, said
    assert any("answers again" in line for line in said)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback per request


def test_a_database_of_a_newer_release_or_no_workers_is_refused_without_a_traceback(
        tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    Store.in_data_dir(data).close()
    with sqlite3.connect(data / "cloud.db") as newer:
        newer.execute("UPDATE alembic_version SET version_num = '0099'")
    newer.close()
    run = subprocess.run([CLOUD, "serve", "--data-dir", str(data), "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 3 and "newer cmagent (its schema is 0099" in run.stderr
    assert "Traceback" not in run.stderr
    for workers in ("0", "-3", "two"):
        refused = subprocess.run([CLOUD, "serve", "--data-dir", str(data), "--workers", workers],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "not a number of processes" in refused.stderr
