"""The installed entry point, lazy imports, and behaviour under dropped privileges."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

AZCMAGENT = Path(sys.executable).with_name("azcmagent")
HEAVY = ("cryptography", "yaml", "ssl", "http.client", "urllib.request", "requests", "zipfile")


def test_version_and_help_import_nothing_heavy() -> None:
    for argv in (["version"], ["--help"]):
        code = (f"import sys; from cmagent.agent.main import main; main({argv!r}); "
                f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
        probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env={**os.environ, "AZCMAGENT_ROOT": tempfile.gettempdir()},
                               check=True)
        assert probe.stdout.strip().splitlines()[-1] == "[]"


def test_installed_entry_point(tmp_path) -> None:
    run = subprocess.run([str(AZCMAGENT), "version"], capture_output=True, text=True,
                         env={**os.environ, "AZCMAGENT_ROOT": str(tmp_path)})
    assert run.returncode == 0 and run.stdout.strip() == "0.1.0"


@pytest.fixture
def shared_root():
    root = Path(tempfile.mkdtemp(prefix="azcm-nonroot-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def _as_nobody(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
               str(AZCMAGENT), *args]
    return subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "AZCMAGENT_ROOT": str(root)})


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_dropped_privileges_really_get_azcm0018(shared_root) -> None:
    run = _as_nobody(shared_root, "config", "set", "proxy.url", "http://p:1")
    assert run.returncode == 18 and run.stdout.startswith("AZCM0018")
    assert not (shared_root / "var/opt/azcmagent/localconfig.json").exists()
    assert _as_nobody(shared_root, "version").returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_a_record_this_user_cannot_read_is_azcm0018_not_damage(shared_root) -> None:
    """Not 'damaged: run disconnect --force-local-only', which would remove a good record."""
    config = shared_root / "var/opt/azcmagent/agentconfig.json"
    config.parent.mkdir(parents=True)
    config.write_text("{}")
    config.chmod(0o600)
    for directory in (shared_root / "var", shared_root / "var/opt", config.parent):
        directory.chmod(0o755)
    run = _as_nobody(shared_root, "show")
    assert run.returncode == 18 and "cannot be read by this user" in run.stdout, run.stdout
    assert "force-local-only" not in run.stdout
