"""Shared fixtures: every test runs against its own temporary agent root and a clean locale."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cmagent.agent.main import main
from cmagent.agent.output import Environment

pytest_plugins = ["tests.interrupt"]
_LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "NO_COLOR")


@dataclass
class Run:
    """What one in-process azcmagent run produced."""

    status: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def agent_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "machine"
    root.mkdir()
    monkeypatch.setenv("AZCMAGENT_ROOT", str(root))
    for name in _LOCALE:
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def azcmagent(agent_root: Path):
    """Run azcmagent in-process: ``azcmagent("config", "list", lang="ja", euid=1000)``."""

    def run(*args: str, lang: str | None = None, euid: int = 0) -> Run:
        environ = dict(os.environ)
        if lang:
            environ["LANG"] = lang
        stdout, stderr = io.StringIO(), io.StringIO()
        status = main(list(args), Environment(stdout, stderr, environ, euid=euid))
        return Run(status, stdout.getvalue(), stderr.getvalue())

    return run


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory):
    """A real cmagent-cloud (SQLite) served from a thread (see tests/cloud/conftest.py, whose
    tests run it on PostgreSQL as well)."""
    from tests.cloud.conftest import RunningCloud

    running = RunningCloud(tmp_path_factory.mktemp("cloud") / "data")
    yield running
    running.stop()


def read_log(root: Path) -> str:
    return (root / "var/opt/azcmagent/log/azcmagent.log").read_text(encoding="utf-8")
