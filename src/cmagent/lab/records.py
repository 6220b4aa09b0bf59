"""Every lab's record of what it made, in ``/run/cmagent-lab/<id>.json`` (``CMAGENT_LAB_STATE``
to move it): written again after each step, removed by a clean teardown. A record left behind
names a lab that was not torn down (its process was killed): ``cmagent-cloud lab down --all``
removes such labs. ``/run`` is emptied at boot, when every lab is gone anyway."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    return Path(os.environ.get("CMAGENT_LAB_STATE") or "/run/cmagent-lab")


def write(lab_id: str, data: dict[str, Any]) -> None:
    directory = state_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".tmp", delete=False) as out:
        out.write(json.dumps(data, indent=2) + "\n")  # 0600, as mkstemp makes it
    os.replace(out.name, directory / f"{lab_id}.json")


def remove(lab_id: str) -> None:
    (state_dir() / f"{lab_id}.json").unlink(missing_ok=True)
    lock_path(lab_id).unlink(missing_ok=True)


def lock_path(lab_id: str) -> Path:
    """What ``lab on`` and ``lab off`` hold while they change a running lab."""
    return state_dir() / f"{lab_id}.lock"


def all_records() -> list[dict[str, Any]]:
    found = []
    for path in sorted(state_dir().glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(path.read_text()))
    return found
