"""uvicorn's httptools protocol with the guards an exposed service needs.

- A request head must arrive within ``head_timeout`` seconds of the connection (or of the
  previous answer's end): slow clients cannot hold connections open for ever.
- Requests the HTTP parser refuses (garbage, HTTP/0.9, a bad Content-Length) are answered with a
  JSON 400 and the connection is closed, never with a bare text page.
- ``scope["extensions"]["cmagent.drop"]`` closes the connection without an answer (fault
  injection of a dropped connection), which plain ASGI cannot express.
- When the server stops, idle connections are cut at once instead of waiting for a TLS
  goodbye that an idle client never sends.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DROP = "cmagent.drop"
HEAD_TIMEOUT = 30.0


class GuardedProtocol(HttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT

    @staticmethod
    def protocol_error_body(message: str) -> bytes:
        """The JSON of a refused request; services with another error shape override it."""
        return json.dumps({"error": {"code": "BadRequest", "message": message}}).encode()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {DROP: self.drop}  # type: ignore[dict-item]
        if self._head_timer is None:  # armed already when the connection or last answer ended
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next head, too, must come in time

    def shutdown(self) -> None:
        """The server stops: an idle connection goes at once (no TLS goodbye to wait for, which
        an idle client never answers); one with a request in flight finishes it first."""
        if self.cycle is None or self.cycle.response_complete:
            self._disarm_head_timer()
            self.transport.abort()
        else:
            super().shutdown()

    def send_400_response(self, msg: str) -> None:
        body = self.protocol_error_body(msg)
        self.transport.write(b"".join([
            b"HTTP/1.1 400 Bad Request\r\n", b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n", body]))
        self.transport.close()

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def drop(self) -> None:
        """Close the connection at once, unanswered."""
        self._disarm_head_timer()
        self.transport.abort()
