"""The cloud's middleware, in the order a request meets it: the access log, the shared state
(workers on PostgreSQL read the clock, limits and faults anew), then injected faults (which
answer, delay or drop a request before any service sees it)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from email.utils import formatdate

from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from cmagent.cloud import faults
from cmagent.cloud.clock import Clock
from cmagent.cloud.faults import Faults
from cmagent.cloud.http import drop_connection
from cmagent.cloud.outage import OUTAGE
from cmagent.cloud.outage import UNREACHABLE
from cmagent.cloud.shared import SharedState

access_log = logging.getLogger("cmagent.cloud.access")


class SharedStateRefresh:
    def __init__(self, app: ASGIApp, state: SharedState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.get_running_loop().run_in_executor(None, self._refresh)
        await self.app(scope, receive, send)

    def _refresh(self) -> None:
        """The shared state, when the database answers; else the request goes on with this
        worker's copy (the metadata endpoint needs no database; others answer 503)."""
        try:
            self.state.refresh()
        except UNREACHABLE as error:
            OUTAGE.failed(error)
        else:
            OUTAGE.answered()


class FaultInjection:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.faults.pick(scope["method"], scope["path"]) \
            if scope["type"] == "http" else None
        if fault is not None and self.faults.shared and not await \
                asyncio.get_running_loop().run_in_executor(None, self.faults.spend, fault):
            fault = None  # another worker used its last count
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.action == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
            await self.app(scope, receive, send)
        elif fault.action == "slow-answer":
            await self.app(scope, receive, _delayed(send, fault.latency_ms / 1000))
        elif fault.action == "drop":
            await drop_connection(scope, receive)
        else:
            await faults.answer(fault, scope["path"]).send(send)


def _delayed(send: Send, seconds: float) -> Send:
    async def later(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)
    return later


class AccessLog:
    """One line per request (client, method, path, status, milliseconds) when enabled."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, noting_status)
        client = (scope.get("client") or ("-",))[0]
        path = scope["path"].encode("unicode_escape").decode("ascii")  # one line per request
        access_log.info("%s %s %s %d %.1fms", client, scope["method"], path, status,
                        (time.perf_counter() - started) * 1000)


_EVERY_ANSWER = [(b"x-content-type-options", b"nosniff"),
                 (b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


class CloudDate:
    """Every answer's ``Date`` is the cloud's clock as it shows it to clients (``Clock.shown``):
    a machine whose clock is off learns it from any answer, as it would from Azure's. Every
    answer also forbids content sniffing and asks for HTTPS only, as Azure's services do."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self._second, self._date = -1, b""  # formatted once per second, not per answer

    def _header(self) -> bytes:
        second = int(self.clock.shown())
        if second != self._second:
            self._second, self._date = second, formatdate(second, usegmt=True).encode()
        return self._date

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":  # (no handler sets these three:
                # appended, not filtered, as the hottest path's cheapest form)
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"date", self._header()), *_EVERY_ANSWER]}
            await send(message)

        await self.app(scope, receive, dated)


class CollapseSlashes:
    """``//`` in a path counts as one separator, as ARM counts it: SDKs put an empty parent path
    into generic resource URLs (``.../Microsoft.HybridCompute//machines/m``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = {**scope, "path": _REPEATED_SLASHES.sub("/", scope["path"])}
        await self.app(scope, receive, send)


_REPEATED_SLASHES = re.compile("/{2,}")
