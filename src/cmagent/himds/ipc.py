"""The CLI's channel to himds: a Unix socket; one JSON request, one JSON answer.

``ping`` and ``status`` answer anyone (``show`` works without root); ``reload`` and
``heartbeat`` change state and answer root only, checked by the peer's credentials."""

from __future__ import annotations

import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("cmagent.himds")
PRIVILEGED = {"reload", "heartbeat"}


class Channel:
    def __init__(self, path: str, address: str | bytes,
                 handlers: dict[str, Callable[[], dict[str, Any]]]) -> None:
        self.path = path
        self.handlers = handlers
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(address)
        if isinstance(address, str):
            os.chmod(path, 0o666)  # anyone may ask for the status; changes need root
        else:  # an abstract name leaves no file: mark where it lives for show and for people
            with open(path, "w", encoding="utf-8") as marker:
                marker.write("himds listens on an abstract socket (the root path is long)\n")
        self._socket.listen(16)

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                request = json.loads(connection.makefile("rb").readline() or b"{}")
                reply = self._dispatch(str(request.get("op", "")), _peer_uid(connection))
            except (ValueError, AttributeError) as error:
                reply = {"error": f"bad request: {error}"}
            except Exception as error:  # the channel must answer whatever happens behind it
                logger.exception("Operation failed")
                reply = {"error": f"{type(error).__name__}: {error}"}
            connection.sendall(json.dumps(reply).encode() + b"\n")

    def _dispatch(self, operation: str, uid: int) -> dict[str, Any]:
        if operation not in self.handlers:
            return {"error": f"unknown operation '{operation}'"}
        if operation in PRIVILEGED and uid != 0:
            return {"error": "only root may ask for this"}
        return self.handlers[operation]()

    def close(self) -> None:
        self._socket.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                        struct.calcsize("3i"))
    return int(struct.unpack("3i", credentials)[1])
