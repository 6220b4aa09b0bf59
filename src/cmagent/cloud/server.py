"""``cmagent-cloud serve``: the server's lifecycle from data directory to clean shutdown.

Start-up: data directory (0700) → admin key → CA and server certificate → the listening socket →
store (migrated) → the application → ``server.json`` in the data directory and the ready file
(both written atomically, once the application has started) → serve until SIGTERM or SIGINT →
stop accepting, finish what is in flight, close the store, remove ``server.json``.

One worker serves from this process. With ``--workers N`` (PostgreSQL only) a supervisor keeps N
worker processes on the one socket; everything they must agree on is in the database.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import socket
import ssl
import stat
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from cmagent.asgi import server as asgi_server
from cmagent.cloud.app import Services
from cmagent.cloud.app import application
from cmagent.cloud.files import touch_private
from cmagent.cloud.files import write_json
from cmagent.cloud.files import write_private
from cmagent.cloud.pki import PkiError
from cmagent.cloud.pki import ServerTLS
from cmagent.cloud.store import Store
from cmagent.cloud.store import StoreError
from cmagent.records import log_formatter

logger = logging.getLogger("cmagent.cloud")
STARTUP_FAILURE = 3


class ServeOptions:
    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 8443,
                 ready_file: Path | None = None, hostnames: list[str] | None = None,
                 database: str | None = None, allow_remote: bool = False,
                 access_log: bool = False, workers: int = 1) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.ready_file = ready_file
        self.hostnames = hostnames or []
        self.database = database
        self.allow_remote = allow_remote
        self.access_log = access_log
        self.workers = workers


class StartupError(Exception):
    """The cloud cannot start; the message says why and what to do."""


def own_data_dir(data_dir: Path) -> None:
    """The data directory, made 0700 when new. One that exists must be this user's and
    writable by no other account: a key or a link planted there would be trusted. Its mode is
    left as it is (``--data-dir /tmp`` must not change /tmp)."""
    try:
        data_dir.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        _check_own(data_dir)
    else:
        os.chmod(data_dir, 0o700)  # (mkdir's mode went through the umask)


def prepare_data_dir(data_dir: Path) -> None:
    """The data directory (``own_data_dir``) and its admin key: one that is missing, empty or
    no key this cloud made is made anew (an empty one would let any caller in)."""
    own_data_dir(data_dir)
    key_file = data_dir / "admin.key"
    if not _usable_key(key_file):
        if key_file.exists():
            logger.warning("%s was empty or no key this cloud made: a new admin key is made",
                           key_file)
        write_private(key_file, secrets.token_urlsafe(32).encode() + b"\n")


def _usable_key(key_file: Path) -> bool:
    try:
        return bool(key_file.read_bytes().decode("ascii").strip())
    except (FileNotFoundError, UnicodeDecodeError):
        return False


def _check_own(data_dir: Path) -> None:
    found = os.stat(data_dir)
    if not stat.S_ISDIR(found.st_mode):
        raise StartupError(f"the data directory {data_dir} is not a directory")
    if found.st_uid != os.geteuid():
        raise StartupError(f"the data directory {data_dir} belongs to uid {found.st_uid}, not "
                           f"to this user (uid {os.geteuid()}): its owner could swap the "
                           "cloud's files; give a directory of your own")
    if found.st_mode & 0o022:
        raise StartupError(f"other accounts may write in the data directory {data_dir} (mode "
                           f"{stat.S_IMODE(found.st_mode):04o}): remove their write access "
                           "(chmod go-w) or give a directory of your own")


def hold_data_dir(data_dir: Path) -> int:
    """One server per data directory: a second would split the clock, faults and limits
    from the first and remove its server.json when it stops. The lock lasts as long as the
    returned descriptor is open (the process)."""
    import fcntl

    descriptor = os.open(data_dir / "serve.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
        os.close(descriptor)
        raise StartupError(f"another cmagent-cloud (process {holder}) serves from {data_dir}; "
                           "stop it first, or give another --data-dir") from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    return descriptor


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Prepared:
    """A data directory ready to serve from, the socket bound, the ready document composed."""

    def __init__(self, options: ServeOptions) -> None:
        if not _is_loopback(options.host) and not options.allow_remote:
            raise StartupError(f"refusing to listen on {options.host}: only loopback is "
                               "allowed unless --allow-remote is given")
        if options.workers > 1 and not (options.database or "").startswith("postgresql"):
            raise StartupError("--workers needs --database postgresql://...: SQLite serves "
                               "one worker (its writes are serialised in one process)")
        prepare_data_dir(options.data_dir)
        if options.ready_file and (options.ready_file.is_dir() or
                                   not options.ready_file.absolute().parent.is_dir()):
            raise StartupError(f"--ready-file {options.ready_file} is a directory, or its "
                               "directory does not exist")
        self.options = options
        self.tls = ServerTLS(options.data_dir)
        wildcard = options.host in ("0.0.0.0", "::")
        names = [*options.hostnames] + ([] if wildcard else [options.host])
        self.tls.ensure(names)
        self.listener = asgi_server.bind(options.host, options.port)
        port = self.listener.getsockname()[1]
        # A wildcard bind is reached locally through loopback (which the certificate covers).
        local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(options.host, options.host)
        host = f"[{local}]" if ":" in local else local
        self.ready: dict[str, object] = {"url": f"https://{host}:{port}",
                                         "ca_bundle": str(self.tls.ca_cert_path),
                                         "pid": os.getpid()}

    def announce(self) -> None:
        write_json(self.options.data_dir / "server.json", self.ready, 0o600)
        if self.options.ready_file:
            write_json(self.options.ready_file, self.ready)
        logger.info("cmagent-cloud listening on %s (CA: %s)", self.ready["url"],
                    self.ready["ca_bundle"])

    def withdraw(self) -> None:
        (self.options.data_dir / "server.json").unlink(missing_ok=True)
        self.listener.close()


def tls_context(cert_path: str, key_path: str, config: Any = None,
                default: Any = None) -> ssl.SSLContext:
    """The server's TLS: 1.2 or newer, the data directory's certificate. (A module-level
    function: uvicorn hands it to worker processes by pickling.)"""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def open_services(options: ServeOptions) -> Services:
    """The store (created or migrated) and every service built on it."""
    return Services(options.data_dir, Store.in_data_dir(options.data_dir, options.database))


def configure_logging(options: ServeOptions) -> None:
    """The cloud's log: stderr and ``cloud.log`` in the data directory (every worker appends;
    the directory was checked first, ``prepare_data_dir``)."""
    formatter = log_formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    log_file = _private(options.data_dir / "cloud.log")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr),
                                       logging.FileHandler(log_file)]
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    logging.getLogger("cmagent.cloud.access").setLevel(
        logging.INFO if options.access_log else logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # seven lines a start
    # A connection an outage broke: said once by the outage log, not as a traceback per
    # pooled connection (about 80 lines each).
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)


def worker_app(options: ServeOptions) -> Any:
    """The application of one worker process (uvicorn calls this factory in each worker). A
    worker started again while the database is away says so in one line and waits a little
    before it ends (its supervisor starts another), not a traceback a second."""
    configure_logging(options)
    try:
        return application(open_services(options))
    except StoreError as error:
        logger.error("A worker could not start: %s", error)
        time.sleep(WORKER_RETRY_SECONDS)
        raise SystemExit(STARTUP_FAILURE) from None


WORKER_RETRY_SECONDS = 5


def uvicorn_config(prepared: Prepared, app: Any, **extra: Any) -> uvicorn.Config:
    tls = prepared.tls
    return asgi_server.config(app, server_name="cmagent-cloud", date_header=False,
                              ssl_context_factory=partial(tls_context, str(tls.cert_path),
                                                          str(tls.key_path)), **extra)


def start(options: ServeOptions) -> tuple[asgi_server.InThread, Services, dict[str, object]]:
    """Bind and build, for a server run from a thread (tests); ``.start()`` it to serve."""
    prepared = Prepared(options)
    services = open_services(options)
    app = application(services, on_ready=prepared.announce)
    return asgi_server.InThread(uvicorn_config(prepared, app), [prepared.listener]), \
        services, prepared.ready


def serve(options: ServeOptions) -> int:
    try:
        own_data_dir(options.data_dir)
        held = hold_data_dir(options.data_dir)  # (released as the process ends), before the
        prepared = Prepared(options)  # key, the certificates or server.json are touched
    except (StartupError, OSError, PkiError) as error:
        logger.error("cmagent-cloud could not start: %s", error)
        return STARTUP_FAILURE
    logger.debug("Holding %s (descriptor %d)", options.data_dir / "serve.lock", held)
    try:
        return _serve_workers(prepared) if options.workers > 1 else _serve_here(prepared)
    except (StoreError, PkiError) as error:
        logger.error("cmagent-cloud could not start: %s", error)
        return STARTUP_FAILURE
    finally:
        prepared.withdraw()
        logger.info("cmagent-cloud stopped")


def _serve_here(prepared: Prepared) -> int:
    services = open_services(prepared.options)
    app = application(services, on_ready=prepared.announce)
    return asgi_server.run(uvicorn_config(prepared, app), [prepared.listener])


def _serve_workers(prepared: Prepared) -> int:
    options = prepared.options
    open_services(options).store.close()  # create or migrate once, before any worker opens it
    config = uvicorn_config(prepared, partial(worker_app, options), factory=True,
                            workers=options.workers)
    _Workers(config, [prepared.listener], prepared.announce).run()
    return 0


class _Workers(Multiprocess):
    """uvicorn's worker supervisor, announcing the cloud once every worker serves."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket],
                 on_ready: Callable[[], None]) -> None:
        super().__init__(config, sockets)
        self._on_ready = on_ready

    def init_processes(self) -> None:
        super().init_processes()
        if all(process.wait_until_ready(60, self.should_exit) for process in self.processes):
            self._on_ready()


def _private(path: Path) -> Path:
    """The log file, made readable by the cloud's user alone (it names users and machines);
    a link in its place is refused, not followed."""
    touch_private(path)
    return path
