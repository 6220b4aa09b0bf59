"""The README's first command, both paths: ``scripts/demo`` (a lab machine installs the agent
with the install script, connects, shows, disconnects, purges) and ``scripts/demo --fast``
(this host under a throw-away root, no containers). Each must end well and leave nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from cmagent.lab import records
from tests.lab.conftest import ROOT

pytestmark = ROOT
CHECKOUT = Path(__file__).resolve().parents[2]


def _demo(*flags: str) -> str:
    done = subprocess.run([str(CHECKOUT / "scripts" / "demo"), *flags], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def test_the_real_path() -> None:
    before = {state["id"] for state in records.all_records()}
    out = _demo()
    assert "Latest version of azcmagent is installed." in out
    assert re.search(r"^himds\s+\d+ /opt/azcmagent/bin/python3 /opt/azcmagent/bin/himds serve",
                     out, re.M), out
    assert re.search(r"^Agent Status\s+: Connected$", out, re.M), out
    assert '"status": "Connected"' in out  # as the cloud sees it
    assert "Disconnected machine /subscriptions/" in out
    assert "nothing left under /var/opt/azcmagent" in out
    lab_id = re.search(r"lab (\w+), machine machine0", out)
    assert lab_id and f"Lab {lab_id.group(1)} is down." in out
    assert {state["id"] for state in records.all_records()} == before


def test_the_fast_path() -> None:
    out = _demo("--fast")
    work = re.search(r"^== work directory: (/tmp/cmagent-demo\.\w+)$", out, re.M)
    assert work, out
    shutil.rmtree(work.group(1))  # the demo leaves it for the reader to look into
    assert re.search(r"^Agent Status\s+: Connected$", out, re.M), out
    assert "(exit status 67)" in out
    assert "Disconnected machine" in out
