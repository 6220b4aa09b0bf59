"""The cloud's HTTP layer on Starlette: requests and responses as handlers see them, the endpoint
that runs a route's handlers, and routes that match paths without regard to case, as ARM does.

Handlers are plain functions ``(Request) -> Response`` that raise ``HttpError`` for protocol
errors. An ``Endpoint`` reads the body within the server's limits, runs the handler for the
request's method, and answers anything unexpected with a 500 in the service's envelope; the
traceback goes to the server log only.

Where a handler runs: on the event loop when it only computes or uses an in-process store
(SQLite answers in tens of microseconds, less than handing the call to a thread and back costs
on this stack), in a thread (``offload``) when it waits on a database server (PostgreSQL) or
computes for long (password hashing); a route may decide per request (a token request that
checks a password goes to a thread, one that checks a client secret does not).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.exc import DataError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.routing import Mount
from starlette.routing import Route
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from cmagent.asgi.bodies import BodyRefused
from cmagent.asgi.bodies import read_body
from cmagent.asgi.protocol import DROP
from cmagent.cloud.outage import OUTAGE
from cmagent.cloud.outage import RETRY_SECONDS
from cmagent.cloud.outage import UNREACHABLE
from cmagent.cloud.outage import is_outage

MAX_BODY = 1024 * 1024
BODY_SECONDS = 30.0
THREADS = 16
error_log = logging.getLogger("cmagent.cloud.error")
_threads = ThreadPoolExecutor(THREADS, thread_name_prefix="cloud-handler")


class Request:
    """One request: what the handler may read of it."""

    __slots__ = ("body", "client", "headers", "method", "params", "path", "query")

    def __init__(self, scope: Scope, body: bytes) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"] or "/"
        query = scope["query_string"].decode("latin-1")
        self.query: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
        self.headers: dict[str, str] = {name.decode("latin-1"): value.decode("latin-1")
                                        for name, value in scope["headers"]}
        self.body = body
        client = scope.get("client") or ("", 0)
        self.client: tuple[str, int] = (str(client[0]), int(client[1]))
        self.params: dict[str, str] = dict(scope.get("path_params") or {})

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def host(self) -> str:
        return self.header("host") or "localhost"

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def from_other_site(self) -> bool:
        """A browser's form sent from another site's page (login CSRF, a code pushed into the
        device login): it says cross-site, or its Origin is not this host. Clients that are
        no browser send neither."""
        if self.header("sec-fetch-site").lower() == "cross-site":
            return True
        origin = self.header("origin").lower()
        return bool(origin) and origin != self.base_url.lower()

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()

    def form(self) -> dict[str, str]:
        """The ``application/x-www-form-urlencoded`` body; empty when the body is not a form."""
        if self.content_type != "application/x-www-form-urlencoded":
            return {}
        try:
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return {}

    def json(self) -> Any:
        """The JSON body, or ``None`` when it is missing or not JSON."""
        if not self.body:
            return None
        try:  # NaN, Infinity and 1e999 are no JSON numbers any Azure service takes
            return json.loads(self.body, parse_constant=_no_number, parse_float=_finite)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None


def _no_number(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


class Response:
    __slots__ = ("body", "headers", "status")

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
        """A page: no script, no framing, forms only to this site, never cached."""
        return cls(status, text.encode(), "text/html; charset=utf-8",
                   {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                               "form-action 'self'; frame-ancestors 'none'"})

    async def send(self, send: Send, head_only: bool = False) -> None:
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1", "replace"))
                   for name, value in self.headers.items()]
        headers.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


class HttpError(Exception):
    """A protocol error that is answered with its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


Handler = Callable[[Request], Response]
# (status, code, message, headers) -> the service's error answer
Envelope = Callable[[int, str, str, dict[str, str] | None], Response]


def transport_error(status: int, code: str, message: str) -> Response:
    """A request the server refuses before any service sees it; the connection is closed."""
    return Response.json(status, {"error": {"code": code, "message": message}},
                         {"Connection": "close"})


_BODY_CODES = {413: "RequestEntityTooLarge", 408: "RequestTimeout", 400: "BadRequest"}


class Endpoint:
    """The ASGI app of one route: its handlers by method, run within the server's limits."""

    def __init__(self, handlers: dict[str, Handler], envelope: Envelope,
                 offload: bool | Callable[[Request], bool] = False) -> None:
        self.handlers = dict(handlers)
        if "GET" in self.handlers:
            self.handlers.setdefault("HEAD", self.handlers["GET"])
        self.envelope = envelope
        self.offload = offload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._answer(scope, receive)
        await response.send(send, head_only=scope["method"] == "HEAD")

    async def _answer(self, scope: Scope, receive: Receive) -> Response:
        handler = self.handlers.get(scope["method"])
        if handler is None:
            return self.envelope(405, "MethodNotAllowed", f"The requested resource does not "
                                 f"support http method '{scope['method']}'.",
                                 {"Allow": ", ".join(sorted(self.handlers))})
        try:
            request = Request(scope, await read_body(scope, receive, MAX_BODY, BODY_SECONDS))
        except BodyRefused as refused:
            return transport_error(refused.status, _BODY_CODES[refused.status], refused.message)
        return await self._run(handler, request)

    async def _run(self, handler: Handler, request: Request) -> Response:
        try:
            if self.offload is True or (callable(self.offload) and self.offload(request)):
                return await asyncio.get_running_loop().run_in_executor(
                    _threads, _again_after_a_race, handler, request)
            return _again_after_a_race(handler, request)
        except HttpError as error:
            return error.response
        except UNREACHABLE as error:
            if is_outage(error):
                OUTAGE.failed(error)
            else:
                error_log.warning("Answered 503 to %s %s: %s", request.method, request.path,
                                  " ".join(str(getattr(error, "orig", error)).split())[:300])
            return self.envelope(503, "ServiceUnavailable", "The service's database does not "
                                 "answer; retry shortly.",
                                 {"Retry-After": str(RETRY_SECONDS)})
        except (IntegrityError, StaleDataError):  # raced more often than it was run again
            return self.envelope(409, "Conflict", "Another request changed this resource at "
                                 "the same time; retry.", None)
        except DataError:  # a value no column can hold, e.g. a NUL character for PostgreSQL
            return self.envelope(400, "InvalidRequestContent", "The request holds a value that "
                                 "cannot be stored (a NUL character or an out-of-range "
                                 "number).", None)
        except Exception:
            error_log.exception("Unhandled error for %s %s", request.method, request.path)
            return self.envelope(500, "InternalServerError", "The server met an unexpected "
                                 "condition; see the cloud's log.", None)


RACE_ATTEMPTS = 3


def _again_after_a_race(handler: Handler, request: Request) -> Response:
    """The handler, run again when another request (another worker) changed the same rows
    between its reads and its writes: a unique index refused the write, a row it updates was
    deleted, or the database broke a deadlock. A handler's main work is one transaction that
    was rolled back, so the next run reads what the other wrote and answers as it would have
    answered second (an update instead of a create, ARM's or Entra's own refusal). What a
    handler committed on its own before (a throttle token, a failure count, a consent or a
    device code it used up) stays: such a run answers as for a used-up code, which is still
    better than a bare conflict."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return handler(request)
        except (IntegrityError, StaleDataError, OperationalError, InterfaceError) as error:
            if attempt == RACE_ATTEMPTS or not _raced(error):
                raise
            error_log.debug("Raced another request (%s); running %s %s again",
                            type(error).__name__, request.method, request.path)
    raise AssertionError("unreachable")


def _raced(error: Exception) -> bool:
    if getattr(error, "connection_invalidated", False):
        return True  # a pooled connection the server closed (it restarted): a fresh one
    if not isinstance(error, OperationalError | InterfaceError):
        return True
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01")  # serialization failure, deadlock detected


async def drop_connection(scope: Scope, receive: Receive) -> None:
    """Close the connection without an answer (the guarded protocol makes that possible)."""
    drop = (scope.get("extensions") or {}).get(DROP)
    if drop is not None:
        drop()
        while (await receive())["type"] != "http.disconnect":
            pass


class CaseInsensitiveRoute(Route):
    """A route whose literal parts match in any case, with an optional trailing slash."""

    def __init__(self, path: str, endpoint: Endpoint) -> None:
        super().__init__(path, endpoint)
        pattern = self.path_regex.pattern.removesuffix("$") + "/?$"
        self.path_regex = re.compile(pattern, re.IGNORECASE)


class CaseInsensitiveMount(Mount):
    def __init__(self, path: str, routes: list[Any]) -> None:
        super().__init__(path, routes=routes)
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)


def route(path: str, handlers: dict[str, Handler], envelope: Envelope,
          offload: bool | Callable[[Request], bool] = False) -> CaseInsensitiveRoute:
    return CaseInsensitiveRoute(path, Endpoint(handlers, envelope, offload))
