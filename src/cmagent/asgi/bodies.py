"""Reading a request body within the server's limits: at most ``limit`` bytes, all of it within
``timeout`` seconds (a client that stops sending mid-body, or trickles a byte now and then,
would otherwise hold its request open)."""

from __future__ import annotations

import asyncio

from starlette.types import Receive
from starlette.types import Scope


class BodyRefused(Exception):
    """The body cannot be taken: ``status`` 413 (too large) or 408 (too slow)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """(declared Content-Length, whether the body is chunked)."""
    length, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def read_body(scope: Scope, receive: Receive, limit: int, timeout: float) -> bytes:
    length, chunked = _framing(scope)
    if not chunked and not length:
        return b""  # nothing follows the head (most GETs): no need to wait for it
    if length is not None and length > limit:
        raise BodyRefused(413, f"The request body is larger than {limit} bytes.")
    try:
        async with asyncio.timeout(timeout):
            return await _chunks(receive, limit)
    except TimeoutError:
        raise BodyRefused(408, f"The request body did not arrive within {timeout:.0f} "
                               "seconds.") from None


async def _chunks(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise BodyRefused(400, "The client went away before the body arrived.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyRefused(413, f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
