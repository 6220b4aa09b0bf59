"""The result file every connect and disconnect leaves for fleet scripts:
``<root>/var/opt/azcmagent/result/<command>.json`` (code, phase, resource, timings), so that
automation reads an outcome instead of scraping logs."""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from cmagent import __version__
from cmagent.machine.files import atomic_write
from cmagent.machine.files import timestamp
from cmagent.machine.paths import Paths


def write(paths: Paths, command: str, code: int, started: float,
          details: dict[str, Any]) -> None:
    """Best effort: a failure here never changes the command's outcome."""
    result = {"command": command, "code": f"AZCM{code:04d}", "exitStatus": code, **details,
              "durationSeconds": round(time.monotonic() - started, 3),
              "finishedAt": timestamp(), "agentVersion": __version__}
    with contextlib.suppress(OSError):
        atomic_write(os.path.join(paths.results, f"{command}.json"),
                     json.dumps(result, indent=2).encode() + b"\n", 0o644)
