"""The managed-identity file challenge: a 401 names a fresh secret file in the tokens directory
that only root and the ``himds`` group can read; its contents, sent back once within a minute,
prove the caller may have a token.

Outstanding challenges are capped, per local user and in total, so that a flood of unanswered
401s cannot fill the directory; expired files are swept on a timer as well as on each request.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import os
import secrets
import threading
import time
import uuid

CHALLENGE_SECONDS = 60
PER_USER = 32
IN_TOTAL = 1024


class TooMany(Exception):
    """Too many unanswered challenges are outstanding (for this user, or at all)."""


class Challenges:
    def __init__(self, directory: str, per_user: int = PER_USER,
                 in_total: int = IN_TOTAL) -> None:
        self.directory = directory
        self.per_user = per_user
        self.in_total = in_total
        self._open: dict[str, tuple[str, int | None, float]] = {}  # digest -> (path, uid, end)
        self._lock = threading.Lock()
        os.makedirs(directory, mode=0o750, exist_ok=True)
        _to_himds_group(directory, 0o750)

    def issue(self, uid: int | None) -> str:
        """A new challenge file for a caller (``uid`` when known); its path."""
        self.sweep()
        with self._lock:
            self._check_room(uid)
            path = os.path.join(self.directory, f"{uuid.uuid4()}.key")
            secret = secrets.token_hex(32)
            self._open[_digest(secret)] = (path, uid, time.monotonic() + CHALLENGE_SECONDS)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secret)
        _to_himds_group(path, 0o640)
        return path

    def _check_room(self, uid: int | None) -> None:
        if len(self._open) >= self.in_total:
            raise TooMany(f"{len(self._open)} challenges are outstanding")
        mine = sum(1 for _, owner, _ in self._open.values() if owner == uid)
        if uid is not None and mine >= self.per_user:
            raise TooMany(f"user {uid} has {mine} unanswered challenges")

    def redeem(self, proof: str) -> bool:
        """True once for the contents of a live challenge file; the file is then removed."""
        self.sweep()
        with self._lock:
            entry = self._open.pop(_digest(proof), None)
        if entry is None:
            return False
        _remove(entry[0])
        return True

    def sweep(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [digest for digest, (_, _, end) in self._open.items() if end < now]
            paths = [self._open.pop(digest)[0] for digest in expired]
        for path in paths:
            _remove(path)

    @property
    def outstanding(self) -> int:
        return len(self._open)

    def close(self) -> None:
        with self._lock:
            paths = [path for path, _, _ in self._open.values()]
            self._open.clear()
        for path in paths:
            _remove(path)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _to_himds_group(path: str, mode: int) -> None:
    """Readable by the himds group when it exists, else by the owner alone."""
    try:
        os.chown(path, os.geteuid(), grp.getgrnam("himds").gr_gid)
        os.chmod(path, mode)
    except (KeyError, PermissionError):
        os.chmod(path, mode & 0o700)
