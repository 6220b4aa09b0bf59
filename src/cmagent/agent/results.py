"""The result file every connect and disconnect leaves for fleet scripts:
``<root>/var/opt/azcmagent/result/<command>.json``, so that automation reads an outcome instead of
scraping logs.

A run writes it twice: ``"status": "running"`` (with its process id) when it starts, so that a
run killed outright is never mistaken for the previous run's success, and its outcome
(``succeeded`` or ``failed``, the AZCM code, the phase, what was left in Azure) when it ends.
The outcome also says where the run left the machine (``connected``, ``connectedResourceId``):
a connect refused because the machine is connected already (AZCM0067), or a disconnect of a
machine that is not, failed as a run but left the machine as a fleet script wants it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from cmagent import __version__
from cmagent.agent import log
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.machine import connection
from cmagent.machine.files import atomic_write
from cmagent.machine.files import timestamp
from cmagent.machine.paths import Paths


def _path(paths: Paths, command: str) -> str:
    return os.path.join(paths.results, f"{command}.json")


def _save(paths: Paths, command: str, result: dict[str, Any]) -> None:
    """Best effort: a failure here never changes the command's outcome, but is said."""
    try:
        atomic_write(_path(paths, command), json.dumps(result, indent=2).encode() + b"\n",
                     0o644)
    except OSError as error:
        log.warning(Localized("The result file %s could not be written (%s)",
                              "結果ファイル %s を書き込めませんでした (%s)"),
                    _path(paths, command), error.strerror or error)


def started(paths: Paths, command: str, details: dict[str, Any]) -> None:
    run_log = log.current()
    if run_log is not None:
        run_log.records_begun.add(command)
    # The last run's record goes first: should this one not be written (a full disk), the
    # file must not go on telling the last run's outcome as this run's.
    with contextlib.suppress(OSError):
        os.unlink(_path(paths, command))
    _save(paths, command, {"command": command, "status": "running", "code": None,
                           "exitStatus": None, **details, "pid": os.getpid(),
                           "startedAt": timestamp(), "agentVersion": __version__})


def write(paths: Paths, command: str, code: int, started_at: float,
          details: dict[str, Any]) -> None:
    elapsed = time.monotonic() - started_at
    _save(paths, command, {"command": command, "status": "succeeded" if code == 0 else "failed",
                           "code": f"AZCM{code:04d}", "exitStatus": code, **details,
                           **_machine_state(paths),
                           "startedAt": timestamp(time.time() - elapsed),
                           "durationSeconds": round(elapsed, 3),
                           "finishedAt": timestamp(), "agentVersion": __version__})


def ended_before_start(paths: Paths, command: str, code: int) -> None:
    """A connect or disconnect that ended before its run began (a mistyped flag, a missing
    --config file, Ctrl+C at once): its record says so, so that a script does not read the
    last run's success as this one's; what earlier connects may have left is carried on.
    A run of another process that holds the machine keeps its record."""
    from cmagent.machine import lock

    run_log = log.current()
    if run_log is not None and command in run_log.records_begun:
        return
    with lock.exclusive(paths, command):  # AZCM0027 while another run is on: the caller's
        details: dict[str, Any] = {"phase": "not-started"}  # best effort lets it go
        if command == "connect":
            from cmagent.agent.commands.connect_undo import unfinished

            details["earlierUnfinished"] = unfinished(previous(paths, command))
        write(paths, command, code, time.monotonic(), details)


def _machine_state(paths: Paths) -> dict[str, Any]:
    """Whether the machine is connected as the run ends (None when its files are damaged)."""
    try:
        current = connection.load(paths)
    except AzcmError:
        return {"connected": None, "connectedResourceId": ""}
    return {"connected": current is not None,
            "connectedResourceId": current.resource_id if current else ""}


def previous(paths: Paths, command: str) -> dict[str, Any]:
    """The last run's record (an empty one when there is none or it is unreadable)."""
    try:
        with open(_path(paths, command), encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
