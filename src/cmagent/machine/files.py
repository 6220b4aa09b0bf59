"""Atomic file writes (a reader sees the old file or the new one, never half of either) and the
UTC time stamp every state file of the machine carries."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
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
    interrupts the write. Its name cannot be guessed and it is created new (never a file or a
    link someone put there first): root writes into directories the himds account owns.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    real_directory(directory)
    descriptor, temporary = _new_file(directory, os.path.basename(path), mode)
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


def _new_file(directory: str, name: str, mode: int) -> tuple[int, str]:
    for _ in range(8):
        temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", directory)


def real_directory(directory: str, mode: int = 0o755) -> None:
    """``directory``, made if missing. A symbolic link in its place is followed only when root
    or this user made it (an administrator who moved /var/opt/azcmagent to another disk): one
    that another account made could lead root's writes to any place that account chose."""
    os.makedirs(directory, mode=mode, exist_ok=True)
    found = os.lstat(directory)
    if stat.S_ISLNK(found.st_mode) and found.st_uid not in (0, os.geteuid()):
        raise OSError(errno.ELOOP, "a link another user made in place of a directory",
                      directory)


def open_own(path: str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` of a file this user owns alone: never through a symbolic link, never a
    second name of another file (a hard link), never someone else's file. Root opens logs and
    locks in directories another account can write."""
    real_directory(os.path.dirname(path) or ".")
    descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    found = os.fstat(descriptor)
    if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1 or \
            found.st_uid != os.geteuid():
        os.close(descriptor)
        raise OSError(errno.EPERM, "not a plain file of this user (replaced by someone?)", path)
    return descriptor


def open_plain(path: str) -> bytes:
    """The bytes of ``path`` when it is a plain file under its own name (no symbolic link, no
    hard link): what a log bundle may copy."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1:
            raise OSError(errno.EPERM, "not a plain file", path)
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    finally:
        os.close(descriptor)


def _sync_directory(directory: str) -> None:
    # The rename is durable only once the directory entry is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
