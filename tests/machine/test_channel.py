"""The himds channel's client end: each way of not getting an answer is AZCM0064, with the cause
and remedy that fit it (root is told to start himds, not to run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cmagent.errors import AzcmError
from cmagent.machine import channel
from cmagent.machine.paths import Paths


def _ask(paths: Paths) -> AzcmError:
    with pytest.raises(AzcmError) as raised:
        channel.ask(paths, channel.PING, timeout=5.0)
    return raised.value


def _listening(paths: Paths) -> socket.socket:
    os.makedirs(os.path.dirname(paths.himds_socket), exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(channel.socket_address(paths))
    server.listen()
    return server


def test_no_himds_is_told_to_start_it(tmp_path: Path) -> None:
    error = _ask(Paths(str(tmp_path)))
    assert error.code == "AZCM0064"
    assert "himds is stopped or still starting" in error.cause("en")
    assert "systemctl start himdsd" in error.remedy("en")
    assert "as root" not in error.remedy("en") and "管理者特権" not in error.remedy("ja")
    assert "systemctl start himdsd" in error.remedy("ja")


def test_an_unreadable_answer_is_told_to_restart_it(tmp_path: Path) -> None:
    paths = Paths(str(tmp_path))
    with _listening(paths) as server:
        def answer() -> None:
            peer, _ = server.accept()
            with peer:
                peer.recv(1024)
                peer.sendall(b"not json\n")
        threading.Thread(target=answer, daemon=True).start()
        error = _ask(paths)
    assert error.code == "AZCM0064" and error.quoted == "not JSON"
    assert "unreadable" in error.cause("en")
    assert "systemctl restart himdsd" in error.remedy("en")


ASK = ("import sys\nfrom cmagent.errors import AzcmError\nfrom cmagent.machine import channel\n"
       "from cmagent.machine.paths import Paths\ntry:\n    channel.ask(Paths(sys.argv[1]), "
       "'ping', timeout=5.0)\nexcept AzcmError as error:\n    print(error.code)\n"
       "    print(error.remedy('en'))\n")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_a_user_refused_by_the_socket_is_told_to_run_as_root(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    paths = Paths(str(tmp_path))
    with _listening(paths):
        os.chmod(paths.himds_socket, 0o600)
        for parent in Path(paths.himds_socket).parents:
            if parent == tmp_path:
                break
            parent.chmod(0o755)
        run = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                              sys.executable, "-c", ASK, str(tmp_path)],
                             capture_output=True, text=True, timeout=60)
    code, remedy = run.stdout.splitlines()[:2]
    assert code == "AZCM0064" and "Run the command as root" in remedy, run.stderr


def test_a_himds_that_accepts_and_never_answers_is_said_to_hang(tmp_path) -> None:
    """A stopped (SIGSTOP) or stuck himds: the connection is accepted by the kernel and then
    nothing comes; that is not 'cannot connect'."""
    paths = Paths(str(tmp_path))
    path = channel.socket_address(paths)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.bind(path)
        silent.listen(1)
        with pytest.raises(AzcmError) as hung:
            channel.ask(paths, channel.STATUS, timeout=0.3)
    assert hung.value.code == "AZCM0064" and "did not answer" in str(hung.value)
    assert "systemctl status himdsd" in hung.value.remedy("en")
