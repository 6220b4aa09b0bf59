"""``himds serve``: run the machine's agent service until SIGTERM or SIGINT.

One event loop serves the metadata and token service (uvicorn, on 127.0.0.1 and, where the host
has it, ::1), the CLI's channel, the heartbeat and the challenge sweeper; blocking work (calls to
the cloud) runs in threads. Its files live under ``AZCMAGENT_ROOT`` like the CLI's; its log is
``log/himds.log``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections import Counter
from typing import ClassVar

import uvicorn

from cmagent import __version__
from cmagent.asgi import server as asgi_server
from cmagent.asgi.protocol import GuardedProtocol
from cmagent.errors import AzcmError
from cmagent.himds.challenges import Challenges
from cmagent.himds.heartbeat import DEFAULT_INTERVAL
from cmagent.himds.heartbeat import PENDING
from cmagent.himds.heartbeat import Heartbeat
from cmagent.himds.identity import Identity
from cmagent.himds.ipc import ChannelServer
from cmagent.himds.metadata import Refusal
from cmagent.himds.metadata import Service
from cmagent.himds.peers import loopback_peer_uid
from cmagent.machine import channel
from cmagent.machine import paths as machine_paths
from cmagent.machine import settings
from cmagent.machine.files import timestamp
from cmagent.machine.paths import Paths
from cmagent.machine.redact import Redactor
from cmagent.records import log_formatter
from cmagent.wire.http import AgentSession

logger = logging.getLogger("cmagent.himds")
STARTUP_FAILURE = 3
SWEEP_SECONDS = 10.0
RELOAD_BEAT_SECONDS = 20.0  # how long a reload waits for its heartbeat's answer
MAX_CONNECTIONS = 4096  # all users together: a bound on memory
PER_USER_CONNECTIONS = 128  # one local user's: so that no user can crowd out another (root)


class HimdsProtocol(GuardedProtocol):
    """Local callers send their request head at once; answer refusals in IMDS's shape. Open
    connections are counted per local user (as challenges are), so that an unprivileged user
    holding idle connections cannot refuse root or the himds group their tokens."""

    head_timeout = 10.0
    max_connections = MAX_CONNECTIONS
    per_user_connections = PER_USER_CONNECTIONS
    _open_by_uid: ClassVar[Counter[int | None]] = Counter()  # one count for the process

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._uid = _peer_uid(transport)
        self._open_by_uid[self._uid] += 1
        super().connection_made(transport)
        if self._uid is not None and self._open_by_uid[self._uid] > self.per_user_connections:
            self._refuse(503, "Too many connections from this user: close idle ones, or try "
                              "again in a moment.")

    def connection_lost(self, exc: Exception | None) -> None:
        self._open_by_uid[self._uid] -= 1
        if self._open_by_uid[self._uid] <= 0:
            del self._open_by_uid[self._uid]
        super().connection_lost(exc)

    @staticmethod
    def protocol_error_body(status: int, message: str) -> bytes:
        if status == 503:
            return bytes(Refusal(503, message, "service_unavailable").response().body)
        return bytes(Refusal(status, f"Bad request. {message}").response().body)


def _peer_uid(transport: asyncio.Transport) -> int | None:
    client, server = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
    if not client or not server:
        return None
    return loopback_peer_uid((str(client[0]), int(client[1])), (str(server[0]), int(server[1])))


# One per process: the log handlers mask what the settings register (the proxy password).
_REDACTOR = Redactor()


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _REDACTOR(record.getMessage()), None
        return True


def entry() -> None:
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="himds", description="The Connected Machine agent "
                                     "service: heartbeats, identity, local status channel.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service in the foreground")
    serve.add_argument("--heartbeat-seconds", type=float, default=DEFAULT_INTERVAL,
                       help="seconds between heartbeats (default 300)")
    serve.add_argument("--port", type=int, default=40342,
                       help="port of the local metadata and token service (default 40342)")
    serve.add_argument("--tokens-dir", help="where challenge files go (default: the tokens "
                       "directory under the root; SDKs expect /var/opt/azcmagent/tokens)")
    args = parser.parse_args(argv)
    paths = machine_paths.from_environ(os.environ)
    _logging(paths.log_dir)
    try:
        sockets = _listeners(args.port)
    except OSError as error:
        logger.error("Cannot listen on localhost:%d: %s", args.port, error)
        return STARTUP_FAILURE
    runtime = Runtime(paths, args.heartbeat_seconds, args.tokens_dir or paths.tokens, sockets)
    return runtime.run()


def _logging(log_dir: str) -> None:
    os.makedirs(log_dir, mode=0o755, exist_ok=True)
    path = os.path.join(log_dir, "himds.log")
    made = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o640)
    os.fchmod(made, 0o640)  # for root and the himds group, as the docs say
    os.close(made)
    handlers: list[logging.Handler] = [logging.FileHandler(path),
                                       logging.StreamHandler(sys.stderr)]
    for handler in handlers:
        handler.addFilter(_Redacting())
        handler.setFormatter(log_formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)


def _listeners(port: int) -> list[socket.socket]:
    """127.0.0.1 and, where the host has it, ::1, on the same port."""
    listeners = [asgi_server.bind("127.0.0.1", port)]
    try:
        listeners.append(asgi_server.bind("::1", listeners[0].getsockname()[1]))
    except OSError:
        logger.info("No IPv6 loopback: serving on 127.0.0.1 only")
    return listeners


def _local_settings(paths: Paths) -> tuple[dict[str, settings.Value], AzcmError | None]:
    """The local settings; the defaults and the reason when localconfig.json is damaged (himds
    still starts, and says so in its status and log)."""
    try:
        values = settings.effective(settings.load(paths))
        _REDACTOR.add_url_password(values.get("proxy.url"))
        return values, None
    except AzcmError as error:
        logger.error("%s: %s; running with the default settings", error.code, error)
        return settings.effective({}), error


class Runtime:
    """Everything one himds process runs, and its orderly stop."""

    def __init__(self, paths: Paths, interval: float, tokens_dir: str,
                 sockets: list[socket.socket]) -> None:
        values, problem = _local_settings(paths)
        self.paths = paths
        self.sockets = sockets
        self.identity = Identity(paths, AgentSession(values, os.environ))
        self.identity.reload()
        self.heartbeat = Heartbeat(self.identity, values, interval, problem)
        self.challenges = Challenges(tokens_dir)
        service = Service(self.identity, self.challenges, lambda: dict(self.heartbeat.status))
        self.server = uvicorn.Server(asgi_server.config(
            service.app(), protocol=HimdsProtocol, server_name="himds", lifespan="off"))
        self.channel = ChannelServer(paths.himds_socket, channel.socket_address(paths), {
            channel.PING: self._ping, channel.STATUS: self._status,
            channel.RELOAD: self._reload, channel.HEARTBEAT: self._beat,
            channel.SETTINGS: self._settings})

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):  # uvicorn raises them again on exit
            signal.signal(signum, lambda number, frame: None)
        asyncio_run = asyncio.Runner(loop_factory=self.server.config.get_loop_factory())
        with asyncio_run as runner:
            runner.run(self._serve())
        logger.info("himds stopped")
        return 0

    async def _serve(self) -> None:
        await self.channel.start()
        background = [asyncio.create_task(self._heartbeats()),
                      asyncio.create_task(self._sweeps())]
        port = self.sockets[0].getsockname()[1]
        logger.info("himds %s serving %s and http://localhost:%d (heartbeat every %.0f s)",
                    __version__, self.channel.path, port, self.heartbeat.interval)
        try:
            await self.server.serve(sockets=self.sockets)
        finally:
            for task in background:
                task.cancel()
            await self.channel.close()
            self.challenges.close()

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.to_thread(self.heartbeat.beat)
            await asyncio.sleep(self.heartbeat.interval)

    async def _sweeps(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            self.challenges.sweep()

    async def _ping(self) -> dict[str, object]:
        return {"ok": True, "pid": os.getpid(), "version": __version__}

    async def _status(self) -> dict[str, object]:
        return dict(self.heartbeat.status)

    async def _reload(self) -> dict[str, object]:
        """The connection and the local settings read again (a proxy set after himds started,
        as the install script sets it, counts without a restart), then a heartbeat."""
        await asyncio.to_thread(self._read_settings)
        await asyncio.to_thread(self.identity.reload)
        beat = asyncio.ensure_future(asyncio.to_thread(self.heartbeat.beat))
        try:  # (the CLI waits 60 s for the answer: a slow service must not look like a hung
            # himds and undo a good connect; the beat goes on and its outcome is the status)
            return await asyncio.wait_for(asyncio.shield(beat), RELOAD_BEAT_SECONDS)
        except TimeoutError:
            return {**self.heartbeat.status, "error": {
                "code": PENDING, "message": f"no answer within {RELOAD_BEAT_SECONDS:.0f} s; "
                "himds goes on sending it (see 'azcmagent show')", "time": timestamp()},
                    "waitedSeconds": RELOAD_BEAT_SECONDS}

    async def _settings(self) -> dict[str, object]:
        await asyncio.to_thread(self._read_settings)
        return {"ok": True}

    def _read_settings(self) -> None:
        values, problem = _local_settings(self.paths)
        retired, self.identity.http = self.identity.http, AgentSession(values, os.environ)
        retired.close()  # its pools let go; a request still running on it finishes (a retry
        # opens a new connection)
        self.heartbeat.settings, self.heartbeat.settings_problem = values, problem

    async def _beat(self) -> dict[str, object]:
        return await asyncio.to_thread(self.heartbeat.beat)
