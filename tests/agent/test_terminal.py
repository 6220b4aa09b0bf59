"""What a person sees of connect in a real terminal (a pseudo-terminal, 120 columns, rendered
by a terminal emulator): every log line stands alone, the progress bar ends at 100 % on success
and is gone on failure; without a terminal the output stays plain lines."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pyte

from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import flags_file

BIN = Path(sys.executable).parent
COLUMNS, ROWS = 120, 80
BAR = re.compile(r"^\s*\d+% \|")


def _on_a_terminal(*words: str) -> tuple[int, list[str]]:
    """Run azcmagent with a terminal as stdin, stdout and stderr; the screen's lines."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}
    process = subprocess.Popen([str(BIN / "azcmagent"), *words], stdin=slave, stdout=slave,
                               stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen = pyte.Screen(COLUMNS, ROWS)
    feed = pyte.ByteStream(screen)
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child's side is closed
            break
        if not data:
            break
        feed.feed(data)
    os.close(master)
    return process.wait(timeout=60), [line.rstrip() for line in screen.display if line.strip()]


def _lines_stand_alone(lines: list[str]) -> None:
    for line in lines:
        if "INFO" in line or "WARNING" in line:
            assert re.match(r"^(INFO|WARNING) ", line), line
            assert "%|" not in line and "% |" not in line, line


def test_a_successful_connect_on_a_terminal(agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    status, lines = _on_a_terminal("connect", "--config", flags)
    assert status == 0, "\n".join(lines)
    _lines_stand_alone(lines)
    bars = [line for line in lines if BAR.match(line)]
    assert len(bars) == 1 and bars[0].startswith("100% |") and bars[0].endswith("| done"), lines
    assert any(line.startswith("INFO    Connected machine to Azure") for line in lines)
    assert any(line.startswith("Connected machine to Azure: /subscriptions/") for line in lines)
    assert lines.index(bars[0]) < len(lines) - 2  # the result follows the finished bar
    subprocess.run([str(BIN / "azcmagent"), "disconnect", "--config", flags],
                   capture_output=True, check=True)


def test_a_failed_connect_leaves_no_bar(agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    status, lines = _on_a_terminal("connect", "--config", flags_file(
        tmp_path, onboarding, service_principal_secret="wrong"))
    assert status == 41
    _lines_stand_alone(lines)
    assert not [line for line in lines if BAR.match(line)], lines
    assert any(line.startswith("AZCM0041: ") for line in lines), lines


def test_no_terminal_no_bar(agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    plain = subprocess.run([str(BIN / "azcmagent"), "connect", "--config", flags],
                           capture_output=True, text=True)
    assert plain.returncode == 0 and "\r" not in plain.stdout and "%|" not in plain.stdout
    subprocess.run([str(BIN / "azcmagent"), "disconnect", "--config", flags],
                   capture_output=True, check=True)
