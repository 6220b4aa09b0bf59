"""``cmagent-cloud serve``: the server's lifecycle from data directory to clean shutdown.

Start-up: data directory (0700) → admin key → CA and server certificate → store → listener →
``server.json`` in the data directory and the ready file (both written atomically) → serve until
SIGTERM or SIGINT → stop accepting, finish, close the store, remove ``server.json``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import signal
import threading
from pathlib import Path
from types import FrameType

from cmagent.cloud.app import Cloud
from cmagent.cloud.files import write_json
from cmagent.cloud.files import write_private
from cmagent.cloud.http import CloudHTTPServer
from cmagent.cloud.http import tls_context
from cmagent.cloud.pki import ServerTLS
from cmagent.cloud.store import Store

logger = logging.getLogger("cmagent.cloud")
STARTUP_FAILURE = 3


class ServeOptions:
    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 8443,
                 ready_file: Path | None = None, hostnames: list[str] | None = None,
                 database: str | None = None, allow_remote: bool = False,
                 access_log: bool = False) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.ready_file = ready_file
        self.hostnames = hostnames or []
        self.database = database
        self.allow_remote = allow_remote
        self.access_log = access_log


def prepare_data_dir(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    key_file = data_dir / "admin.key"
    if not key_file.exists():
        write_private(key_file, secrets.token_urlsafe(32).encode() + b"\n")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start(options: ServeOptions) -> tuple[CloudHTTPServer, Cloud, dict[str, object]]:
    """Bind and return the server, its application and the ready document (not yet serving)."""
    if not _is_loopback(options.host) and not options.allow_remote:
        raise SystemExit(f"refusing to listen on {options.host}: only loopback is allowed "
                         "unless --allow-remote is given")
    prepare_data_dir(options.data_dir)
    tls = ServerTLS(options.data_dir)
    names = [*options.hostnames] + ([options.host] if not _is_loopback(options.host) else [])
    tls.ensure(names)
    cloud = Cloud(options.data_dir, Store.in_data_dir(options.data_dir, options.database))
    server = CloudHTTPServer((options.host, options.port), cloud,
                             tls_context(str(tls.cert_path), str(tls.key_path)))
    port = server.server_address[1]
    # A wildcard bind is reached locally through loopback (which the certificate covers).
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(options.host, options.host)
    host = f"[{local}]" if ":" in local else local
    ready = {"url": f"https://{host}:{port}", "ca_bundle": str(tls.ca_cert_path),
             "pid": os.getpid()}
    return server, cloud, ready


def serve(options: ServeOptions) -> int:
    try:
        server, cloud, ready = start(options)
    except OSError as error:
        logger.error("cmagent-cloud could not start: %s", error)
        return STARTUP_FAILURE
    stop = threading.Event()
    previous = {sig: signal.signal(sig, _stopper(stop)) for sig in (signal.SIGTERM, signal.SIGINT)}
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="cmagent-cloud", daemon=True)
    worker.start()
    _announce(options, ready)
    try:
        stop.wait()
    finally:
        logger.info("Shutting down")
        server.shutdown()
        server.server_close()
        cloud.store.close()
        (options.data_dir / "server.json").unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _announce(options: ServeOptions, ready: dict[str, object]) -> None:
    write_json(options.data_dir / "server.json", ready, 0o600)
    if options.ready_file:
        write_json(options.ready_file, ready)
    logger.info("cmagent-cloud listening on %s (CA: %s)", ready["url"], ready["ca_bundle"])


def _stopper(stop: threading.Event):  # type: ignore[no-untyped-def]
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()
    return handle
