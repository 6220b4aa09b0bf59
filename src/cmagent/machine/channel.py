"""The channel between the CLI and the local agent service (himds), both ends of its protocol.

A Unix socket under the root (``var/opt/azcmagent/socks/himds.sock``); per connection one request
line and one answer line, each a JSON object of at most ``MAX_FRAME`` bytes. ``ping`` and
``status`` answer anyone (``show`` works without root); ``reload`` and ``heartbeat`` change state
and answer root only, which himds checks from the peer's credentials.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
from typing import Any

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.paths import Paths

PING, STATUS, RELOAD, HEARTBEAT = "ping", "status", "reload", "heartbeat"
SETTINGS = "settings"  # read the local settings again (a proxy set by 'config set')
PRIVILEGED = frozenset({RELOAD, HEARTBEAT, SETTINGS})
MAX_FRAME = 64 * 1024


class FrameError(ValueError):
    """A line that is too long, not JSON, or not a JSON object."""


def encode(message: dict[str, Any]) -> bytes:
    line = json.dumps(message).encode() + b"\n"
    if len(line) > MAX_FRAME:
        raise FrameError(f"a message of {len(line)} bytes exceeds {MAX_FRAME}")
    return line


def decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_FRAME:
        raise FrameError(f"a message longer than {MAX_FRAME} bytes")
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("not JSON") from None
    if not isinstance(message, dict):
        raise FrameError("not a JSON object")
    return message


def socket_address(paths: Paths) -> str | bytes:
    """The socket's file, or — when a deep test root makes that path longer than a Unix socket
    name may be (108 bytes) — an abstract name derived from it."""
    path = paths.himds_socket
    if len(path.encode()) < 100:
        return path
    return b"\0cmagent-himds-" + hashlib.sha256(path.encode()).hexdigest()[:32].encode()


_NOT_ALLOWED = (errno.EACCES, errno.EPERM)  # the socket is root's: the catalogue's 'run as root'


def ask(paths: Paths, operation: str, timeout: float = 60.0) -> dict[str, Any]:
    """Send ``operation``; AZCM0064 when himds cannot be reached or answers no message."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            channel.settimeout(timeout)
            channel.connect(socket_address(paths))
            channel.sendall(encode({"op": operation}))
            return decode(_read_line(channel))
    except TimeoutError:  # connected, then silence: not the same as nothing listening
        raise AzcmError(codes.HIMDS_COMMUNICATION_FAILED, Localized(
            f"The agent service (himds) did not answer on {paths.himds_socket} within "
            f"{timeout:.0f} s.",
            f"エージェント サービス (himds) が {paths.himds_socket} で {timeout:.0f} 秒以内に応答"
            "しませんでした。"), remedy="hung", himdsLog=himds_log(paths)) from None
    except OSError as error:
        raise AzcmError(codes.HIMDS_COMMUNICATION_FAILED, Localized(
            f"Cannot connect to the socket {paths.himds_socket}.",
            f"ソケット {paths.himds_socket} に接続できません。"),
            quoted=error.strerror or str(error),
            remedy=None if error.errno in _NOT_ALLOWED else "not-running",
            himdsLog=himds_log(paths)) from None
    except FrameError as error:
        raise AzcmError(codes.HIMDS_COMMUNICATION_FAILED, Localized(
            "The agent service (himds) answered something unreadable.",
            "エージェント サービス (himds) の応答を読み取れません。"), quoted=str(error),
            remedy="refused", himdsLog=himds_log(paths)) from None


def himds_log(paths: Paths) -> str:
    """Where himds logs on this machine (its remedies name it, also under AZCMAGENT_ROOT)."""
    return os.path.join(paths.log_dir, "himds.log")


def _read_line(channel: socket.socket) -> bytes:
    received = b""
    while not received.endswith(b"\n"):
        chunk = channel.recv(65536)
        if not chunk:
            break
        received += chunk
        if len(received) > MAX_FRAME:
            raise FrameError(f"an answer longer than {MAX_FRAME} bytes")
    return received


def status(paths: Paths) -> dict[str, Any] | None:
    """The service's status, or None when it is not running (for ``show``)."""
    try:
        return ask(paths, STATUS, timeout=5.0)
    except AzcmError:
        return None
