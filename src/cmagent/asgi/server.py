"""Configure and run a uvicorn server the way both services run: the guarded protocol, our own
logging (uvicorn's is left unconfigured), no proxy-header rewriting (a client's address is the
socket's), pre-bound sockets (port 0 works, several addresses can share one server), graceful
shutdown, and SIGTERM/SIGINT ending the run with status 0.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

import uvicorn

from cmagent.asgi.protocol import GuardedProtocol

GRACEFUL_SECONDS = 10


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        listener.bind((host, port))
        listener.listen(backlog)
    except OSError as error:
        listener.close()
        raise OSError(error.errno, f"{error.strerror} ({host}:{port})") from None
    listener.set_inheritable(True)
    return listener


def config(app: Any, *, protocol: type[GuardedProtocol] = GuardedProtocol,
           server_name: str, **options: Any) -> uvicorn.Config:
    """A uvicorn configuration; ``options`` pass through (ssl_context_factory, workers, ...)."""
    settings: dict[str, Any] = {
        "http": protocol, "lifespan": "on", "log_config": None, "access_log": False,
        "proxy_headers": False, "server_header": False, "headers": [("server", server_name)],
        "timeout_keep_alive": 30, "timeout_graceful_shutdown": GRACEFUL_SECONDS,
        "loop": "uvloop", "ws": "none"}
    settings.update(options)
    # Each service logs its own requests; uvicorn would log them again through the root logger.
    logging.getLogger("uvicorn.access").disabled = True
    return uvicorn.Config(app, **settings)


def run(server_config: uvicorn.Config, sockets: list[socket.socket]) -> int:
    """Serve on ``sockets`` in this thread until SIGTERM or SIGINT; 0 after a clean stop."""
    # uvicorn restores the previous handlers after its graceful stop and raises the caught
    # signal again: quiet ones here make that a no-op instead of a kill or a KeyboardInterrupt.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: None)
    server = uvicorn.Server(server_config)
    server.run(sockets=sockets)
    return 0 if server.started else 3


class InThread:
    """A server run from a background thread (tests, and services that own the main thread)."""

    def __init__(self, server_config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.server = uvicorn.Server(server_config)
        self.sockets = sockets
        self._thread = threading.Thread(target=self._run, name="uvicorn", daemon=True)

    def _run(self) -> None:
        self.server.run(sockets=self.sockets)

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        self.wait_started(timeout)

    def wait_started(self, timeout: float) -> None:
        deadline = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if self.server.started or not self._thread.is_alive():
                break
            deadline.wait(0.02)
        if not self.server.started:
            raise RuntimeError("the server did not start")

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
