"""uvicorn's httptools protocol with the guards an exposed service needs.

- A request head must arrive within ``head_timeout`` seconds of the connection (or of the
  previous answer's end): slow clients cannot hold connections open for ever.
- Requests the HTTP parser refuses (garbage, a bad Content-Length) and HTTP/0.9 requests (which
  the parser would take) are answered with a JSON 400 and the connection is closed, never with
  a bare text page or an answer without a status line.
- ``scope["extensions"]["cmagent.drop"]`` closes the connection without an answer (fault
  injection of a dropped connection), which plain ASGI cannot express.
- At most ``limit_concurrency`` connections at once (when configured): one more is answered a
  JSON 503 and closed as it opens, so a crowd of idle sockets cannot grow the process.
- When the server stops, idle connections are cut at once instead of waiting for a TLS
  goodbye that an idle client never sends.
"""

from __future__ import annotations

import asyncio
import http
import json
import re
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DROP = "cmagent.drop"
HEAD_TIMEOUT = 30.0
LINGER_SECONDS = 2.0
_VERSIONED = re.compile(rb" HTTP/\d\.\d\r?$")


class GuardedProtocol(HttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT

    @staticmethod
    def protocol_error_body(status: int, message: str) -> bytes:
        """The JSON of a refused request; services with another error shape override it."""
        code = "ServiceUnavailable" if status == 503 else "BadRequest"
        return json.dumps({"error": {"code": code, "message": message}}).encode()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False  # once set, input is dropped and the connection ends
        self._refusal_in_turn: tuple[int, str] | None = None
        self._first_line: bytes | None = b""  # until the connection's request line is complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn would answer a crowd per request in plain text, and only once a head came.
        if self.limit_concurrency is not None and len(self.connections) >= self.limit_concurrency:
            self._refuse(503, "Too many connections: try again in a moment.")
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:  # after a refusal the rest of what the client sends is dropped
            return
        if self._first_line is not None and self._speaks_http09(data):
            self._refuse(400, "HTTP/0.9 requests are not served: send HTTP/1.1.")
            return
        super().data_received(data)

    def _speaks_http09(self, data: bytes) -> bool:
        """Whether the connection's first request line, once complete, lacks a version (a
        one-line HTTP/0.9 request would otherwise wait for a blank line that never comes)."""
        buffered = (self._first_line or b"") + data
        line, newline, _ = buffered.lstrip(b"\r\n").partition(b"\n")
        if not newline:
            self._first_line = buffered if len(buffered) < 65536 else None
            return False
        self._first_line = None
        return _VERSIONED.search(line) is None

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        if self.parser.get_http_version() in ("0.0", "0.9"):  # HTTP/0.9 on a kept-alive connection
            self._refuse(400, "HTTP/0.9 requests are not served: send HTTP/1.1.")
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:  # the parser goes on with the chunk after a refused head
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {DROP: self.drop}  # type: ignore[dict-item]
        if self._head_timer is None:  # armed already when the connection or last answer ended
            self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refusal_in_turn is not None:
            self._write_refusal(*self._refusal_in_turn)
        elif not self.transport.is_closing():
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
        self._refuse(400, msg)

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` and end the connection — after the answer of an earlier pipelined
        request still in flight, so that answers keep their order."""
        if self._refused:
            return
        self._refused = True
        self._disarm_head_timer()
        if self.cycle is not None and not self.cycle.response_complete:
            self._refusal_in_turn = (status, message)
        else:
            self._write_refusal(status, message)

    def _write_refusal(self, status: int, message: str) -> None:
        self._refusal_in_turn = None
        body = self.protocol_error_body(status, message)
        reason = http.HTTPStatus(status).phrase.encode()
        self.transport.write(b"".join([
            b"HTTP/1.1 %d %s\r\n" % (status, reason), b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n", body]))
        if self.transport.can_write_eof():
            # Closing with unread input would reset the connection and lose the answer: send
            # it and a FIN, read and drop what still comes, close a moment later.
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
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
