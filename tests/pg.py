"""A throw-away PostgreSQL cluster for the tests: ``initdb`` and ``pg_ctl`` from Debian's
``postgresql`` package, listening on a Unix socket in its own temporary directory only (no TCP
port), removed afterwards. As root the server runs as the ``postgres`` user, which PostgreSQL
requires; otherwise as the current user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

PORT = 5432  # only names the socket file (.s.PGSQL.5432) in the cluster's own directory


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    def __init__(self) -> None:
        bindir = binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package 'postgresql'); "
                               "scripts/setup installs it")
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="cmagent-pg-"))
        self.data = self.dir / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as_user = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}",
                             "--init-groups"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True,
                       env={**os.environ, "LC_ALL": "C.UTF-8"}, cwd=self.dir)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--no-sync")
        self.resume()

    def pause(self) -> None:
        """The server stopped, its data kept (a database that goes away)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        options = (f"-k {self.dir} -c listen_addresses='' -p {PORT} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}&port={PORT}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"cloud_{uuid.uuid4().hex[:12]}"
        subprocess.run(["psql", "-h", str(self.dir), "-p", str(PORT), "-U", "postgres", "-q",
                        "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "-w", "stop"], capture_output=True, cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)
