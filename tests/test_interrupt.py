"""The suite's own hygiene: a run ended by SIGTERM still runs its fixtures' teardowns."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

HELD = '''
import time
import pytest

@pytest.fixture
def resource():
    yield
    open({mark!r}, "w").write("torn down")

def test_holds(resource):
    print("holding", flush=True)
    time.sleep(600)
'''


def test_sigterm_runs_the_teardowns(tmp_path: Path) -> None:
    mark = tmp_path / "torn-down"
    (tmp_path / "test_held.py").write_text(HELD.format(mark=str(mark)))
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
         "-p", "tests.interrupt",
         "--rootdir", str(tmp_path), str(tmp_path / "test_held.py")],
        cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    assert process.stdout is not None
    while "holding" not in process.stdout.readline():
        assert process.poll() is None, "the inner run ended before its test started"
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert mark.read_text() == "torn down", output
    assert process.returncode == 2 and "KeyboardInterrupt" in output
