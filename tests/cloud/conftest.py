"""A real cmagent-cloud per test module, served from a thread on a free port: every test of the
cloud runs twice, against SQLite (the default) and against a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from cmagent.cloud import quickstart
from cmagent.cloud import server
from cmagent.cloud.adminclient import AdminClient


class RunningCloud:
    def __init__(self, data_dir: Path, database: str | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.data_dir = data_dir
        self.database = database  # (None: SQLite in the data directory)
        options = server.ServeOptions(data_dir, host=host, port=port, database=database)
        self.server, self.services, ready = server.start(options)
        self.server.start()  # announces itself (server.json) once serving
        self.url: str = ready["url"]  # type: ignore[assignment]
        self.ca = str(ready["ca_bundle"])
        self.admin = AdminClient(data_dir)

    def session(self) -> requests.Session:
        """A requests session that trusts only this cloud's CA (environment bundles ignored)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca
        return session

    def quickstart(self, *roles: str) -> dict[str, Any]:
        return quickstart.run(self.data_dir, "westeurope", "arc-servers", list(roles))

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def postgres():
    """One throw-away PostgreSQL cluster for the session; each cloud gets its own database."""
    from tests.pg import Cluster

    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cloud(request, tmp_path_factory: pytest.TempPathFactory):
    database = request.getfixturevalue("postgres").new_database() \
        if request.param == "postgresql" else None
    running = RunningCloud(tmp_path_factory.mktemp("cloud") / "data", database)
    yield running
    running.stop()


@pytest.fixture
def http(cloud: RunningCloud) -> requests.Session:
    return cloud.session()


@pytest.fixture
def onboarding(cloud: RunningCloud) -> dict[str, Any]:
    """A fresh tenant, subscription, group and onboarding service principal with a secret."""
    return cloud.quickstart()
