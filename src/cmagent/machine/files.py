"""Atomic file writes (a reader sees the old file or the new one, never half of either) and the
UTC time stamp every state file of the machine carries."""

from __future__ import annotations

import contextlib
import os
import time

from cmagent.errors import Localized


def timestamp() -> str:
    """Now in UTC, to the second, as every state, status and result file writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def not_written(path: str | os.PathLike[str]) -> Localized:
    """The detail of a failed write; the OS's reason goes in the error's quote."""
    return Localized(f"Cannot write {path}.", f"{path} に書き込めません。")


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644,
                 owner: tuple[int, int] | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    The temporary file gets ``mode`` (and ``owner``, a uid and gid) before any byte is written,
    so a secret is never readable by others, and it is removed if anything (Ctrl+C included)
    interrupts the write.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    # The rename is durable only once the directory entry is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
