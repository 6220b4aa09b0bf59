"""The machine's connection: ``agentconfig.json`` (resource identifiers, cloud endpoints; no
secrets, readable by everyone as ``show`` needs), the identity key (0600) and certificate, and
the result file every connect and disconnect leaves for fleet scripts."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from typing import Any

from cmagent import __version__
from cmagent.agent.fileio import atomic_write
from cmagent.agent.paths import Paths
from cmagent.errors import AzcmError


def load(paths: Paths) -> dict[str, Any]:
    try:
        with open(paths.agentconfig, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise AzcmError(70, f"{paths.agentconfig} cannot be read: {error}.") from None
    return data if isinstance(data, dict) else {}


def connected(data: dict[str, Any]) -> bool:
    return bool(data.get("resourceId"))


def save(paths: Paths, data: dict[str, Any]) -> None:
    try:
        atomic_write(paths.agentconfig, json.dumps(data, indent=2).encode() + b"\n", 0o644)
    except OSError as error:
        raise AzcmError(69, f"{paths.agentconfig}: {error.strerror}.") from None


def identity_key(paths: Paths) -> str:
    return os.path.join(paths.certs, "identity.key")


def identity_certificate(paths: Paths) -> str:
    return os.path.join(paths.certs, "identity.pem")


def save_identity(paths: Paths, key_pem: bytes, certificate_pem: str) -> None:
    try:
        atomic_write(identity_key(paths), key_pem, 0o600)
        atomic_write(identity_certificate(paths), certificate_pem.encode(), 0o644)
    except OSError as error:
        raise AzcmError(69, f"{paths.certs}: {error.strerror}.") from None


def clear(paths: Paths) -> None:
    """Forget the connection: resource identity, key and certificate. Local settings stay."""
    for path in (identity_key(paths), identity_certificate(paths), paths.agentconfig):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    shutil.rmtree(os.path.join(paths.var, "identity"), ignore_errors=True)


def timestamp() -> str:
    """Now in UTC, to the second, as every state and result file writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_result(paths: Paths, command: str, code: int, started: float,
                 details: dict[str, Any]) -> None:
    """``<root>/var/opt/azcmagent/result/<command>.json``: what fleet scripts read instead of
    scraping logs. Best effort: a failure here never changes the command's outcome."""
    result = {"command": command, "code": f"AZCM{code:04d}", "exitStatus": code, **details,
              "durationSeconds": round(time.monotonic() - started, 3),
              "finishedAt": timestamp(), "agentVersion": __version__}
    with contextlib.suppress(OSError):
        atomic_write(os.path.join(paths.var, "result", f"{command}.json"),
                     json.dumps(result, indent=2).encode() + b"\n", 0o644)
