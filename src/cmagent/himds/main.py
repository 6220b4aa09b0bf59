"""``himds serve``: run the machine's agent service until SIGTERM or SIGINT.

Its files live under ``AZCMAGENT_ROOT`` like the CLI's; its log is ``log/himds.log``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from cmagent import __version__
from cmagent.himds import metadata
from cmagent.himds.heartbeat import DEFAULT_INTERVAL
from cmagent.himds.heartbeat import Heartbeat
from cmagent.himds.identity import Identity
from cmagent.himds.ipc import Channel
from cmagent.machine import channel
from cmagent.machine import paths as machine_paths
from cmagent.machine import settings
from cmagent.machine.redact import Redactor
from cmagent.wire.http import AgentSession

logger = logging.getLogger("cmagent.himds")


class _Redacting(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.redactor = Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redactor(record.getMessage()), None
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
    return _serve(paths, args.heartbeat_seconds, args.port, args.tokens_dir or paths.tokens)


def _logging(log_dir: str) -> None:
    os.makedirs(log_dir, mode=0o755, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(os.path.join(log_dir, "himds.log")),
                logging.StreamHandler(sys.stderr)]
    for handler in handlers:
        handler.addFilter(_Redacting())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)


def _serve(paths: machine_paths.Paths, interval: float, port: int, tokens_dir: str) -> int:
    values = settings.effective(settings.load(paths))
    identity = Identity(paths, AgentSession(values, os.environ))
    identity.reload()
    heartbeat = Heartbeat(identity, values, interval)
    challenges = metadata.Challenges(tokens_dir)
    try:
        servers = metadata.start(metadata.Service(identity, challenges,
                                                  lambda: dict(heartbeat.status)), port)
    except OSError as error:
        logger.error("Cannot listen on localhost:%d: %s", port, error)
        return 3
    service = Channel(paths.himds_socket, channel.socket_address(paths), {
        "ping": lambda: {"ok": True, "pid": os.getpid(), "version": __version__},
        "status": lambda: dict(heartbeat.status),
        "reload": lambda: (identity.reload(), heartbeat.beat())[1],
        "heartbeat": heartbeat.beat,
    })
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda s, f: _stop(stop, s, f))
    threading.Thread(target=service.serve, daemon=True).start()
    threading.Thread(target=heartbeat.loop, daemon=True).start()
    logger.info("himds %s serving %s and http://localhost:%d (heartbeat every %.0f s)",
                __version__, service.path, servers[0].server_address[1], interval)
    stop.wait()
    heartbeat.stop()
    for server in servers:
        server.shutdown()
        server.server_close()
    challenges.close()
    service.close()
    logger.info("himds stopped")
    return 0


def _stop(stop: threading.Event, signum: int, frame: FrameType | None) -> None:
    stop.set()
