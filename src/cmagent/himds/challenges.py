"""The managed-identity file challenge: a 401 names a fresh secret file in the tokens directory
that only root and the ``himds`` group can read; its contents, sent back within a minute,
prove the caller may have a token. A proof is good until a token or a definite refusal answers
it (an SDK retries a 5xx with the same proof), or its minute ends.

Outstanding challenges are capped, per local user and in total, so that a flood of unanswered
401s cannot fill the directory; expired files are swept on a timer (``sweep``), an expired
challenge is refused when it is answered, and files an earlier himds left behind (killed before
it could remove them) go when himds starts.
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
from collections import Counter

CHALLENGE_SECONDS = 60
FRESH_SECONDS = 5  # a challenge this young is still being answered, most likely
PER_USER = 32
IN_TOTAL = 1024


class TooMany(Exception):
    """Too many unanswered challenges are outstanding (for this user, or at all)."""

    def __init__(self, message: str, uid: int | None) -> None:
        super().__init__(message)
        self.uid = uid  # whose challenges must expire first: None when all are full


class Challenges:
    def __init__(self, directory: str, per_user: int = PER_USER,
                 in_total: int = IN_TOTAL) -> None:
        self.directory = directory
        self.per_user = per_user
        self.in_total = in_total
        self._open: dict[str, tuple[str, int | None, float]] = {}  # digest -> (path, uid, end)
        self._per_uid: Counter[int | None] = Counter()
        self._lock = threading.Lock()
        self._group = _himds_gid()
        os.makedirs(directory, mode=0o750, exist_ok=True)
        self._share(directory, 0o750)
        _remove_left_behind(directory)

    def issue(self, uid: int | None) -> str:
        """A new challenge file for a caller (``uid`` when known); its path."""
        path = os.path.join(self.directory, f"{uuid.uuid4()}.key")
        secret = secrets.token_hex(32)
        with self._lock:
            expired = self._make_room(uid)
            self._open[_digest(secret)] = (path, uid, time.monotonic() + CHALLENGE_SECONDS)
            self._per_uid[uid] += 1
        for old in expired:
            _remove(old)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            self._share(descriptor, 0o640)
            os.write(descriptor, secret.encode())
        finally:
            os.close(descriptor)
        return path

    def _make_room(self, uid: int | None) -> list[str]:
        """Room for one more challenge of ``uid`` (TooMany if none); expired files to remove."""
        expired: list[str] = []
        if len(self._open) >= self.in_total or self._per_uid[uid] >= self.per_user:
            expired = self._sweep_locked()  # expired ones may be waiting for the timer
        if len(self._open) >= self.in_total:
            raise TooMany(f"{len(self._open)} challenges are outstanding", None)
        if uid is not None and self._per_uid[uid] >= self.per_user:
            raise TooMany(f"user {uid} has {self._per_uid[uid]} unanswered challenges", uid)
        return expired

    def holds(self, proof: str) -> bool:
        """True for the contents of a live challenge file. It stays live until ``spend``: an
        answer the SDK retries (a 5xx) may be asked again with the same proof, in its minute."""
        with self._lock:
            entry = self._open.get(_digest(proof))
            if entry is None or entry[2] >= time.monotonic():
                return entry is not None
        self.spend(proof)  # expired: gone now rather than at the next sweep
        return False

    def renew(self, proof: str) -> None:
        """A minute from now for a live proof whose answer failed on the cloud's side: two
        slow attempts of the SDK's must not outlast it."""
        with self._lock:
            entry = self._open.get(_digest(proof))
            if entry is not None:
                self._open[_digest(proof)] = (entry[0], entry[1],
                                              time.monotonic() + CHALLENGE_SECONDS)

    def spend(self, proof: str) -> None:
        """The challenge has been answered: its file goes, and the proof is no longer good."""
        with self._lock:
            entry = self._open.pop(_digest(proof), None)
            if entry is not None:
                self._per_uid[entry[1]] -= 1
        if entry is not None:
            _remove(entry[0])

    def retry_after(self, crowded: TooMany) -> int:
        """Seconds until room is likely: for one user's crowd, 1 while some of their challenges
        are fresh (an SDK answers its 401 within milliseconds: forty workers starting at once
        must not wait a minute); else until the first of them expires (abandoned ones hold
        their room)."""
        now = time.monotonic()
        with self._lock:
            ends = [end for _, owner, end in self._open.values()
                    if crowded.uid is None or owner == crowded.uid]
        fresh = any(end - CHALLENGE_SECONDS > now - FRESH_SECONDS for end in ends)
        if fresh and crowded.uid is not None:  # (all full is a flood: room comes by expiry)
            return 1
        return max(1, min(CHALLENGE_SECONDS, int(min(ends, default=now) - now) + 1))

    def sweep(self) -> None:
        with self._lock:
            paths = self._sweep_locked()
        for path in paths:
            _remove(path)

    def _sweep_locked(self) -> list[str]:
        now = time.monotonic()
        expired = [digest for digest, (_, _, end) in self._open.items() if end < now]
        paths = []
        for digest in expired:
            path, uid, _ = self._open.pop(digest)
            self._per_uid[uid] -= 1
            paths.append(path)
        return paths

    @property
    def outstanding(self) -> int:
        return len(self._open)

    def close(self) -> None:
        with self._lock:
            paths = [path for path, _, _ in self._open.values()]
            self._open.clear()
            self._per_uid.clear()
        for path in paths:
            _remove(path)

    def _share(self, target: str | int, mode: int) -> None:
        """Readable by the himds group when it exists, else by the owner alone."""
        if self._group is None:
            os.chmod(target, mode & 0o700)
            return
        os.chown(target, os.geteuid(), self._group)
        os.chmod(target, mode)


def _remove_left_behind(directory: str) -> None:
    """Challenge files of an earlier himds (killed, so it could not remove them): nobody can
    answer them now, and they would stay readable until the next reboot."""
    for name in os.listdir(directory):
        stem, dot, extension = name.rpartition(".")
        if dot and extension == "key" and _is_uuid(stem):
            _remove(os.path.join(directory, name))


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _himds_gid() -> int | None:
    """The himds group, when it exists and this process may give files to it."""
    try:
        gid = grp.getgrnam("himds").gr_gid
    except KeyError:
        return None
    return gid if os.geteuid() == 0 or gid in os.getgroups() else None
