"""The CLI's side of the channel to the local agent service (himds): a Unix socket under the
root, one JSON request and one JSON answer per connection."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from typing import Any

from cmagent.agent.paths import Paths
from cmagent.errors import AzcmError
from cmagent.errors import Localized

START_HINT = "start it with 'systemctl start himdsd' (or 'himds serve' where there is no systemd)"


def socket_path(paths: Paths) -> str:
    return os.path.join(paths.var, "socks", "himds.sock")


def socket_address(paths: Paths) -> str | bytes:
    """The socket's file, or — when a deep test root makes that path longer than a Unix socket
    name may be (108 bytes) — an abstract name derived from it."""
    path = socket_path(paths)
    if len(path.encode()) < 100:
        return path
    return b"\0cmagent-himds-" + hashlib.sha256(path.encode()).hexdigest()[:32].encode()


def ask(paths: Paths, operation: str, code: int = 64, timeout: float = 60.0) -> dict[str, Any]:
    """Send ``operation``; ``code`` is the AZCM code raised when himds cannot be reached."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            channel.settimeout(timeout)
            channel.connect(socket_address(paths))
            channel.sendall(json.dumps({"op": operation}).encode() + b"\n")
            answer = channel.makefile("rb").readline()
    except OSError as error:
        raise AzcmError(code, Localized(
            f"The agent service (himds) does not answer on {socket_path(paths)} "
            f"({error.strerror or error}); {START_HINT}.",
            f"エージェント サービス (himds) が {socket_path(paths)} で応答しません "
            f"({error.strerror or error})。{START_HINT}。")) from None
    try:
        reply = json.loads(answer)
    except ValueError:
        raise AzcmError(code, "The agent service (himds) answered something unreadable.") \
            from None
    return reply if isinstance(reply, dict) else {}


def status(paths: Paths) -> dict[str, Any] | None:
    """The service's status, or None when it is not running (for ``show``)."""
    try:
        return ask(paths, "status", timeout=5.0)
    except AzcmError:
        return None
