"""uvicorn's httptools protocol with the guards an exposed service needs.

- A request head must arrive within ``head_timeout`` seconds of the connection (or of the
  previous answer's end) and stay within ``max_head`` bytes (431 beyond): slow or bloated
  clients cannot hold connections or memory.
- Requests the HTTP parser refuses (garbage, a bad Content-Length), HTTP/0.9 requests (which
  the parser would take) and versions other than 1.0 and 1.1 are answered with a JSON error
  and the connection is closed, never with a bare text page or an answer without a status line.
  A refusal waits for the answers of earlier pipelined requests, and is read by the client even
  when it sent more than was read.
- At most ``max_connections`` connections at once (when set): one more is answered a JSON 503
  and closed as it opens, so a crowd of idle sockets cannot grow the process.
- ``scope["extensions"]["cmagent.drop"]`` closes the connection without an answer (fault
  injection of a dropped connection), which plain ASGI cannot express.
- A client that half-closes after sending its requests still gets every answer.
- When the server stops, idle connections are cut at once instead of waiting for a TLS
  goodbye that an idle client never sends.
"""

from __future__ import annotations

import asyncio
import http
import json
import re
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DROP = "cmagent.drop"
HEAD_TIMEOUT = 30.0
MAX_HEAD = 64 * 1024
LINGER_SECONDS = 2.0
_VERSIONED = re.compile(rb" HTTP/\d\.\d\r?$")
_HTTP09 = "HTTP/0.9 requests are not served: send HTTP/1.1."
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n"
_HTTP2 = "HTTP/2 is not served here: send HTTP/1.1."


class _HeadTooLarge(Exception):
    pass


class _Dropper:
    """Drops its connection. It holds the protocol weakly: a strong reference from the scope
    would make a cycle that keeps every header read alive until a full garbage collection."""

    def __init__(self, protocol: GuardedProtocol) -> None:
        self._protocol = weakref.ref(protocol)

    def __call__(self) -> None:
        protocol = self._protocol()
        if protocol is not None:
            protocol.drop()


class GuardedProtocol(HttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT
    max_head = MAX_HEAD
    max_connections: int | None = None

    @staticmethod
    def protocol_error_body(status: int, message: str) -> bytes:
        """The JSON of a refused request; services with another error shape override it."""
        code = http.HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")
        return json.dumps({"error": {"code": code, "message": message}}).encode()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False  # once set, input is dropped and the connection ends
        self._refusal_in_turn: tuple[int, str] | None = None
        self._first_line: bytes | None = b""  # until the connection's request line is complete
        self._in_head = False
        self._head_bytes = 0  # the head's URL and headers as parsed
        self._head_chunks = 0  # chunks received wholly inside the head (a value in the making)
        self._head_too_large = False
        self._half_closed = False

    # --- the connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            self._refuse(503, "Too many connections: try again in a moment.")
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The client sent all it will send: answer what is pending, then close."""
        if self._idle():
            return None  # the transport closes itself
        self._half_closed = True
        return True

    def data_received(self, data: bytes) -> None:
        if self._refused:  # after a refusal the rest of what the client sends is dropped
            return
        if self._first_line is not None and self._opens_http2(data):
            self._refuse(505, _HTTP2)
            return
        if self._first_line is not None and self._speaks_http09(data):
            self._refuse(400, _HTTP09)
            return
        in_head = self._in_head
        super().data_received(data)
        if in_head and self._in_head:  # a chunk wholly inside one head: one value, unparsed
            self._head_chunks += len(data)
            if self._head_chunks > self.max_head:
                self._head_too_large = True
                self._refuse(431, f"The request head is larger than {self.max_head} bytes.")

    def _opens_http2(self, data: bytes) -> bool:
        """Whether the connection opens with HTTP/2's preface (prior knowledge, as ``curl
        --http2-prior-knowledge`` sends it), which the HTTP/1 parser would call garbage."""
        return ((self._first_line or b"") + data).lstrip(b"\r\n").startswith(_HTTP2_PREFACE)

    def _speaks_http09(self, data: bytes) -> bool:
        """Whether the connection's first request line, once complete, lacks a version (a
        one-line HTTP/0.9 request would otherwise wait for a blank line that never comes)."""
        buffered = (self._first_line or b"") + data
        line, newline, _ = buffered.lstrip(b"\r\n").partition(b"\n")
        if not newline:
            self._first_line = buffered if len(buffered) < self.max_head else None
            return False
        self._first_line = None
        return _VERSIONED.search(line) is None

    # --- the parser's callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {DROP: _Dropper(self)}  # type: ignore[dict-item]
        self._in_head, self._head_bytes, self._head_chunks = True, 0, 0
        if self._head_timer is None:  # armed already when the connection or last answer ended
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        self._in_head = False
        version = self.parser.get_http_version()
        if version in ("0.0", "0.9"):  # HTTP/0.9 later on a kept-alive connection
            self._refuse(400, _HTTP09)
        elif version not in ("1.0", "1.1"):
            self._refuse(505, f"HTTP/{version} is not served here: send HTTP/1.1.")
        else:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:  # the parser goes on with the chunk after a refused head
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._idle():
            return  # a pipelined request is being answered: its head is in, no timer
        if self._refusal_in_turn is not None:
            self._write_refusal(*self._refusal_in_turn)
        elif self._half_closed:
            self.transport.close()
        elif not self.transport.is_closing():
            self._arm_head_timer()  # the next head, too, must come in time

    def _unsupported_upgrade_warning(self) -> None:
        """The parser stops at an Upgrade it cannot honour: answer that request and close,
        so that a client with requests pipelined behind it knows to send them again."""
        super()._unsupported_upgrade_warning()
        if self.cycle is not None:
            self.cycle.keep_alive = False

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head:
            self._head_too_large = True
            raise _HeadTooLarge  # the parser turns it into an error: send_400_response

    # --- refusals -----------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(431, f"The request head is larger than {self.max_head} bytes.")
        else:
            self._refuse(400, msg)

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` and end the connection — after the answers of earlier pipelined
        requests still in flight, so that answers keep their order."""
        if self._refused:
            return
        self._refused = True
        self._disarm_head_timer()
        self.connections.discard(self)  # no longer served: it must not count against the bound
        if self._idle():
            self._write_refusal(status, message)
        else:
            self._refusal_in_turn = (status, message)

    def _write_refusal(self, status: int, message: str) -> None:
        self._refusal_in_turn = None
        body = self.protocol_error_body(status, message)
        head = [b"HTTP/1.1 %d %s\r\n" % (status, http.HTTPStatus(status).phrase.encode())]
        head += [name + b": " + value + b"\r\n" for name, value in
                 self.server_state.default_headers]
        head += [b"content-type: application/json\r\n",
                 b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            # Closing with unread input would reset the connection and lose the answer: send
            # it and a FIN, read and drop what still comes, close a moment later.
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def _idle(self) -> bool:
        """No request is being answered or waiting in the pipeline."""
        return not self.pipeline and (self.cycle is None or self.cycle.response_complete)

    # --- timers and ends ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The server stops: an idle connection goes at once (no TLS goodbye to wait for, which
        an idle client never answers); one with a request in flight finishes it first."""
        if self.cycle is None or self.cycle.response_complete:
            self._disarm_head_timer()
            self.transport.abort()
        else:
            super().shutdown()

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
