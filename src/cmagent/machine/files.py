"""Atomic file writes (a reader sees the old file or the new one, never half of either) and the
UTC time stamp every state file of the machine carries."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time

from cmagent.errors import Localized


def timestamp(at: float | None = None) -> str:
    """Now (or ``at``) in UTC, to the second, as every state, status and result file writes
    it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def not_written(path: str | os.PathLike[str]) -> Localized:
    """The detail of a failed write; the OS's reason goes in the error's quote."""
    return Localized(f"Cannot write {path}.", f"{path} に書き込めません。")


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644,
                 owner: tuple[int, int] | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    The temporary file gets ``mode`` (and ``owner``, a uid and gid) before any byte is written,
    so a secret is never readable by others, and it is removed if anything (Ctrl+C included)
    interrupts the write. Root writes into directories the himds account owns: the directory
    is opened once (see ``open_directory``) and every step works relative to that descriptor,
    so a link swapped in meanwhile leads nowhere; the temporary name cannot be guessed and is
    created new (never a file or a link someone put there first).
    """
    directory, name = os.path.split(os.fspath(path))
    folder = open_directory(directory or ".")
    try:
        descriptor, temporary = _new_file(folder, name, mode)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                if owner is not None:
                    os.fchown(handle.fileno(), *owner)
                os.fchmod(handle.fileno(), mode)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=folder)
            raise
        os.fsync(folder)  # the rename is durable only once the directory entry is on disk
    finally:
        os.close(folder)


def _new_file(folder: int, name: str, mode: int) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(8):
        temporary = f".{name}.{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temporary, flags, mode, dir_fd=folder), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", name)


def open_directory(directory: str, mode: int = 0o755) -> int:
    """A descriptor of ``directory``, made if missing. A symbolic link in its place is
    followed only when root or this user made it (an administrator who moved
    /var/opt/azcmagent to another disk): one another account made could lead root's writes
    to any place that account chose."""
    os.makedirs(directory, mode=mode, exist_ok=True)
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    try:
        return os.open(directory, flags | os.O_NOFOLLOW)
    except OSError as error:  # (a link: ELOOP, or ENOTDIR as Linux says it with O_DIRECTORY)
        if error.errno not in (errno.ELOOP, errno.ENOTDIR) or \
                not stat.S_ISLNK(os.lstat(directory).st_mode):
            raise
    if os.lstat(directory).st_uid not in (0, os.geteuid()):
        raise OSError(errno.ELOOP, "a link another user made in place of a directory",
                      directory)
    return os.open(directory, flags)


def open_own(path: str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` of a file this user owns alone: never through a symbolic link, never a
    second name of another file (a hard link), never someone else's file. Root opens logs and
    locks in directories another account can write."""
    directory, name = os.path.split(path)
    folder = open_directory(directory or ".")
    try:
        return open_own_at(folder, name, flags, mode)
    finally:
        os.close(folder)


def open_own_at(folder: int, name: str, flags: int, mode: int = 0o600) -> int:
    """``open_own`` of ``name`` in the directory open as ``folder``."""
    descriptor = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=folder)
    found = os.fstat(descriptor)
    if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1 or \
            found.st_uid != os.geteuid():
        os.close(descriptor)
        raise OSError(errno.EPERM, "not a plain file of this user (replaced by someone?)", name)
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
