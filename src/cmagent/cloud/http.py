"""The cloud's HTTP layer: requests, responses, routing, and the HTTPS server that runs them.

Standard library only (``http.server`` with TLS): one origin serves every service, routed by path,
so that any real host name (login.microsoftonline.com, management.azure.com, ...) can point at it.
Handlers raise ``HttpError`` for protocol errors; anything else becomes a 500 with a generic body,
and the traceback goes to the server log only.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

MAX_BODY = 1024 * 1024
DRAIN_LIMIT = 16 * 1024 * 1024
access_log = logging.getLogger("cmagent.cloud.access")
error_log = logging.getLogger("cmagent.cloud.error")


class Request:
    """One parsed HTTP request."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes,
                 client: tuple[str, int]) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path or "/"
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.client = client
        self.params: dict[str, str] = {}
        self.request_id = str(uuid.uuid4())

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def host(self) -> str:
        return self.header("host") or "localhost"

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()

    def form(self) -> dict[str, str]:
        """The ``application/x-www-form-urlencoded`` body; empty when the body is not a form."""
        if self.content_type != "application/x-www-form-urlencoded":
            return {}
        try:
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True,
                                  strict_parsing=False))
        except UnicodeDecodeError:
            return {}

    def json(self) -> Any:
        """The JSON body, or ``None`` when it is missing or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


class Response:
    def __init__(self, status: int, body: bytes = b"", content_type: str = "application/json",
                 headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = {"Content-Type": content_type, **(headers or {})}

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, body, "application/json; charset=utf-8", headers)

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), "text/html; charset=utf-8",
                   {"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


class HttpError(Exception):
    """A protocol error that is answered with its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class ConnectionDrop(Exception):
    """Close the connection without answering (fault injection)."""


Handler = Callable[[Request], Response]


class Router:
    """Routes ``METHOD /path/{param}`` patterns to handlers; the first match wins."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method, re.compile(f"^{regex}/?$", re.IGNORECASE), handler))

    def resolve(self, request: Request) -> tuple[Handler | None, list[str]]:
        """The handler for the request (params set on it) and the methods the path allows."""
        allowed: list[str] = []
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match is None:
                continue
            if method == request.method:
                request.params = match.groupdict()
                return handler, allowed
            allowed.append(method)
        return None, allowed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cmagent-cloud"
    sys_version = ""
    server: CloudHTTPServer

    def setup(self) -> None:
        super().setup()
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self.close_connection = True
            self.rfile = _EmptyReader()  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ssl.SSLError, ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _serve(self) -> None:
        started = time.perf_counter()
        response = self._response()
        if response is None:
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        access_log.info("%s %s %s %d %.1fms", self.client_address[0], self.command,
                        urlsplit(self.path).path, response.status,
                        (time.perf_counter() - started) * 1000)

    def _response(self) -> Response | None:
        body = self._read_body()
        if isinstance(body, Response):
            return body
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, self.path, headers, body, self.client_address)
        try:
            return self.server.application(request)
        except HttpError as error:
            return error.response
        except ConnectionDrop:
            return None
        except Exception:
            error_log.exception("Unhandled error for %s %s", self.command,
                                urlsplit(self.path).path)
            return Response.json(500, {"error": {
                "code": "InternalServerError",
                "message": "The server met an unexpected condition; see the cloud's log.",
            }})

    def _read_body(self) -> bytes | Response:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return _plain_error(411, "LengthRequired", "Send the body with a Content-Length.")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return _plain_error(400, "InvalidContentLength", "Content-Length is not a number.")
        if length > MAX_BODY or length < 0:
            self.close_connection = True
            self._drain(length)
            return _plain_error(413, "RequestEntityTooLarge",
                                f"The request body is larger than {MAX_BODY} bytes.")
        return self.rfile.read(length) if length else b""

    def _drain(self, length: int) -> None:
        # Read (and drop) a moderately oversized body so that the client, still sending, gets
        # the 413 instead of a reset connection; beyond the limit the connection is just closed.
        remaining = length if 0 < length <= DRAIN_LIMIT else 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # Malformed request lines and headers: answer in JSON, never the default HTML page.
        response = _plain_error(code, HTTPStatus(code).phrase.replace(" ", ""),
                                message or HTTPStatus(code).phrase)
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # never answer without a status line
        try:
            self.send_response(code)
            self.send_header("Content-Type", response.headers["Content-Type"])
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        error_log.debug("%s " + format, self.client_address[0], *args)


class _EmptyReader:
    """Stands in for the input of a connection whose TLS handshake failed: nothing to read."""

    def readline(self, limit: int = -1) -> bytes:
        return b""

    def read(self, size: int = -1) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _plain_error(status: int, code: str, message: str) -> Response:
    return Response.json(status, {"error": {"code": code, "message": message}})


class CloudHTTPServer(ThreadingHTTPServer):
    """A threading HTTPS server; the TLS handshake runs in the request's thread, not in accept."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], application: Handler,
                 tls: ssl.SSLContext) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.application = application
        self.socket = tls.wrap_socket(self.socket, server_side=True,
                                      do_handshake_on_connect=False)
        self.started = threading.Event()

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        connection.settimeout(30)
        # Headers and body leave in separate writes: without NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold every response back by ~40 ms.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error_log.debug("Connection from %s ended with an error", client_address, exc_info=True)


def tls_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
