"""Fixtures of the agent's tests that talk to a real cloud: its CA trusted, a running himds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.net import free_port

BIN = Path(sys.executable).parent


@pytest.fixture
def trusting(cloud, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cloud.ca)
    return cloud


@pytest.fixture
def himds(agent_root, trusting, tmp_path):
    """A running himds for the test's machine root."""
    log = (tmp_path / "himds.err").open("wb")
    port = free_port()  # never the real 40342: a HIMDS may run on this machine
    process = subprocess.Popen([str(BIN / "himds"), "serve", "--port", str(port)], stdout=log,
                               stderr=log, env={**os.environ, "AZCMAGENT_ROOT": str(agent_root)})
    marker = agent_root / "var/opt/azcmagent/socks/himds.sock"
    deadline = time.monotonic() + 20
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, \
            (tmp_path / "himds.err").read_text()
        time.sleep(0.05)
    yield process
    process.terminate()
    process.wait(timeout=20)
    log.close()
