"""One connect or disconnect at a time per machine: an exclusive ``flock`` on
``var/opt/azcmagent/locks/connection.lock`` while the command runs. The kernel releases it when
the process ends, however it ends (kill -9 included), so a crash never leaves the machine locked;
the file names the holder for the run that finds it taken. ``config set`` and ``config clear``
hold ``localconfig.lock`` the same way while they change the local settings."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.files import open_own
from cmagent.machine.files import timestamp
from cmagent.machine.paths import Paths


@contextlib.contextmanager
def exclusive(paths: Paths, command: str) -> Iterator[None]:
    """Hold the machine's connection lock; AZCM0027 naming the other run when it is taken."""
    descriptor = _lock_file(paths, "connection.lock")
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(_holder(descriptor)) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps({"command": command, "pid": os.getpid(),
                                          "startedAt": timestamp()}).encode(), 0)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


@contextlib.contextmanager
def settings_change(paths: Paths) -> Iterator[None]:
    """Hold the local settings while one command reads, changes and writes them: two
    'config set' at once must both count. A change takes milliseconds, so the other waits."""
    descriptor = _lock_file(paths, "localconfig.lock")
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _lock_file(paths: Paths, name: str) -> int:
    """A lock file of var/opt/azcmagent/locks, opened as root's own plain file."""
    return open_own(os.path.join(paths.var, "locks", name), os.O_RDWR | os.O_CREAT)


def _holder(descriptor: int) -> dict[str, object]:
    try:
        found = json.loads(os.pread(descriptor, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _busy(holder: dict[str, object]) -> AzcmError:
    who = f"azcmagent {holder.get('command', 'connect')} (process {holder.get('pid', '?')}, " \
          f"started {holder.get('startedAt', '?')})"
    return AzcmError(codes.CONFIG_CONFLICT, Localized(f"it is {who}.", f"{who} です。"),
                     remedy="busy")
