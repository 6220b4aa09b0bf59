"""Small file helpers of the cloud: private files and atomic JSON."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (0600 from the first byte), atomically."""
    _atomic(path, data, 0o600)


def touch_private(path: str | Path) -> None:
    """The file, made if missing, readable by its owner only; a link in its place is refused
    (OSError), not followed."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def write_public(path: Path, data: bytes) -> None:
    """Write ``data`` readable by all (a certificate), atomically, following no link."""
    _atomic(path, data, 0o644)


def write_json(path: Path, data: Any, mode: int = 0o644) -> None:
    _atomic(path, json.dumps(data, indent=2).encode() + b"\n", mode)


def _atomic(path: Path, data: bytes, mode: int) -> None:
    # An unguessable name, made new: a link planted at a predictable one (in a shared
    # directory, for --ready-file) would be followed by root.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
