"""``cmagent-cloud lab up | status | exec | down`` from the command line, as a person uses it
across shells: the lab outlives 'up', exec passes the machine's exit status through, and 'down'
removes everything from its record, also after 'up' was killed halfway."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cmagent.lab.topology import leftovers
from tests.lab.conftest import ROOT

pytestmark = ROOT
CLOUD = str(Path(sys.executable).parent / "cmagent-cloud")


def _cli(state: Path, *args: str, **options) -> subprocess.CompletedProcess:
    env = {**os.environ, "CMAGENT_LAB_STATE": str(state)}
    return subprocess.run([CLOUD, "lab", *args], capture_output=True, text=True, env=env,
                          timeout=300, **options)


def _left(record: dict) -> list[str]:
    return [item for item in leftovers() if record["id"] in item or record["dir"] in item]


def test_up_exec_status_down(tmp_path) -> None:
    up = _cli(tmp_path, "up", "--machines", "1", "--json")
    assert up.returncode == 0, up.stderr
    record = json.loads(up.stdout)
    try:
        assert [m["name"] for m in record["machines"]] == ["machine0"]
        assert "servicePrincipalSecret" not in up.stdout  # the secret stays on the machine
        status = _cli(tmp_path, "status")
        assert record["id"] in status.stdout and "machine0" in status.stdout
        connected = _cli(tmp_path, "exec", "machine0", "--", "azcmagent", "connect",
                         "--config", "/root/onboarding.json")
        assert connected.returncode == 0, connected.stdout + connected.stderr
        assert _cli(tmp_path, "exec", "machine0", "--", "sh", "-c", "exit 7").returncode == 7
        unknown = _cli(tmp_path, "exec", "nosuch", "--", "true")
        assert unknown.returncode == 1 and "no machine 'nosuch'" in unknown.stderr
    finally:
        down = _cli(tmp_path, "down")
    assert down.returncode == 0 and f"Lab {record['id']} is down." in down.stdout
    assert _left(record) == [] and not Path(record["dir"]).exists()
    assert _cli(tmp_path, "status").stdout.strip() == "No lab is up."


def test_down_after_up_was_killed_halfway(tmp_path) -> None:
    env = {**os.environ, "CMAGENT_LAB_STATE": str(tmp_path)}
    process = subprocess.Popen([CLOUD, "lab", "up", "--machines", "3"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until a machine is on record, then kill it dead
        records = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
        if records and records[0]["machines"]:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    [record] = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    down = _cli(tmp_path, "down", "--lab", record["id"])
    assert down.returncode == 0, down.stderr
    assert _left(record) == [] and not Path(record["dir"]).exists()


def _lab_in_a_process(state: Path) -> subprocess.Popen[str]:
    """A script's lab with one machine, up and on record in ``state``."""
    script = ("import time\nfrom cmagent.lab.lab import Lab\nlab = Lab()\nlab.__enter__()\n"
              "lab.add_machine()\nprint('ready', flush=True)\ntime.sleep(600)\n")
    env = {**os.environ, "CMAGENT_LAB_STATE": str(state)}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def test_a_lab_whose_process_was_killed_is_removed_by_down_all(tmp_path) -> None:
    """Any lab (a test's, a script's) is on record while it runs: SIGKILL skips its teardown,
    'lab down --all' does it."""
    process = _lab_in_a_process(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    [record] = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert _left(record)  # still there: nothing tore it down
    down = _cli(tmp_path, "down", "--all")
    assert down.returncode == 0, down.stderr
    assert _left(record) == [] and not list(tmp_path.glob("*.json"))


def test_a_lab_whose_process_gets_sigterm_tears_itself_down(tmp_path) -> None:
    """SIGTERM (kill, a CI job's time limit) ends a lab's process as Ctrl+C does: the lab and
    its machine are removed before it exits, with no 'lab down' needed."""
    process = _lab_in_a_process(tmp_path)
    [record] = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert _left(record)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0 and "KeyboardInterrupt" in stderr
    assert _left(record) == [] and not Path(record["dir"]).exists()
    assert not list(tmp_path.glob("*.json"))


def test_a_missing_password_file_is_refused_before_any_lab_is_touched(tmp_path) -> None:
    run = _cli(tmp_path, "on", "proxy", "--user", "arc", "--password-file",
               str(tmp_path / "nonexistent"))
    assert run.returncode == 1 and "No such file or directory" in run.stderr, run.stderr
    both = _cli(tmp_path, "on", "proxy", "--password", "x", "--password-file", "-")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
