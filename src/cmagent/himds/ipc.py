"""himds's end of the CLI channel (protocol: ``cmagent.machine.channel``): a Unix socket, one
bounded JSON request and one JSON answer per connection.

Anyone may connect (``show`` works without root) but only for ``ping`` and ``status``; ``reload``
and ``heartbeat`` answer root only, checked from the peer's credentials. A request line longer
than ``MAX_FRAME`` or slower than ``READ_SECONDS`` ends the connection with an error answer, and
at most ``MAX_CONNECTIONS`` are served at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from cmagent.machine import channel

logger = logging.getLogger("cmagent.himds")
READ_SECONDS = 10.0
MAX_CONNECTIONS = 64
Operation = Callable[[], Awaitable[dict[str, Any]]]


class ChannelServer:
    def __init__(self, path: str, address: str | bytes,
                 operations: dict[str, Operation]) -> None:
        self.path = path
        self.address = address
        self.operations = operations
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        os.makedirs(os.path.dirname(self.path), mode=0o755, exist_ok=True)
        if os.path.exists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        if isinstance(self.address, str):
            os.chmod(self.path, 0o666)  # anyone may ask for the status; changes need root
        else:  # an abstract name leaves no file: mark where it lives for show and for people
            with open(self.path, "w", encoding="utf-8") as marker:
                marker.write("himds listens on an abstract socket (the root path is long)\n")
        self._server = await asyncio.start_unix_server(self._answer, sock=listener,
                                                       limit=channel.MAX_FRAME)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self._slots:
            try:
                reply = await self._reply(reader, _peer_uid(writer))
                writer.write(channel.encode(reply))
                await writer.drain()
            except (ConnectionError, channel.FrameError):
                pass
            finally:
                writer.close()

    async def _reply(self, reader: asyncio.StreamReader, uid: int) -> dict[str, Any]:
        try:
            async with asyncio.timeout(READ_SECONDS):
                line = await reader.readuntil(b"\n")
            request = channel.decode(line)
        except (asyncio.LimitOverrunError, ValueError):  # ValueError: the line exceeded the limit
            return {"error": f"bad request: a line longer than {channel.MAX_FRAME} bytes"}
        except (asyncio.IncompleteReadError, TimeoutError):
            return {"error": "bad request: no complete request line"}
        except channel.FrameError as error:
            return {"error": f"bad request: {error}"}
        return await self._dispatch(str(request.get("op", "")), uid)

    async def _dispatch(self, operation: str, uid: int) -> dict[str, Any]:
        if operation not in self.operations:
            return {"error": f"unknown operation '{operation}'"}
        if operation in channel.PRIVILEGED and uid != 0:
            return {"error": "only root may ask for this"}
        try:
            return await self.operations[operation]()
        except Exception as error:  # the channel must answer whatever happens behind it
            logger.exception("Operation %s failed", operation)
            return {"error": f"{type(error).__name__}: see himds.log"}

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _peer_uid(writer: asyncio.StreamWriter) -> int:
    connection: socket.socket = writer.get_extra_info("socket")
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                        struct.calcsize("3i"))
    return int(struct.unpack("3i", credentials)[1])
