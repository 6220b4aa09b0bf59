"""Squid configuration for the lab's proxy host, and waiting for a listener in a namespace."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cmagent.lab.conditions import squid_domains

if TYPE_CHECKING:
    from cmagent.lab.conditions import Condition
    from cmagent.lab.topology import Topology


def squid_config(directory: Path, address: str, port: int, hosts: Path,
                 rules: Condition) -> Path:
    """A squid.conf that allows CONNECT to 443, refuses the ``deny`` names and those outside
    ``allow`` (403) and, with a user, asks for Basic proxy authentication (407)."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"http_port {address}:{port}", f"pid_filename {directory}/squid.pid",
             f"cache_log {directory}/cache.log", f"access_log stdio:{directory}/access.log",
             "cache deny all", "cache_mem 8 MB", f"coredump_dir {directory}",
             f"hosts_file {hosts}", "dns_nameservers 127.0.0.1", "shutdown_lifetime 0 seconds",
             # no DNS server in the lab: a name outside it fails at once, as behind a real
             # proxy that cannot resolve it, not after squid's 30 s of retries
             "dns_timeout 1 seconds", "dns_retransmit_interval 1 seconds",
             "acl SSL_ports port 443", "acl CONNECT method CONNECT",
             "http_access deny CONNECT !SSL_ports"]
    if rules.deny:
        lines += [f"acl denied dstdomain {' '.join(squid_domains(rules.deny))}",
                  "http_access deny denied"]
    if rules.user:
        passwords = directory / "passwords"
        hashed = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input=rules.password,
                                check=True, capture_output=True, text=True).stdout.strip()
        passwords.write_text(f"{rules.user}:{hashed}\n")
        _readable_by_squid_alone(passwords)  # (a hash: crackable offline by whoever reads it)
        lines += [f"auth_param basic program /usr/lib/squid/basic_ncsa_auth {passwords}",
                  "auth_param basic realm cmagent-lab", "acl authenticated proxy_auth REQUIRED",
                  "http_access deny !authenticated"]
    if rules.allow:
        lines += [f"acl allowed dstdomain {' '.join(squid_domains(rules.allow))}",
                  "http_access deny !allowed"]
    lines += ["http_access allow all"]
    config = directory / "squid.conf"
    config.write_text("\n".join(lines) + "\n")
    for path in (directory, *directory.iterdir()):
        shutil.chown(path, "proxy", "proxy")
    return config


def wait_listening(topology: Topology, role: str, address: str, port: int,
                   seconds: float = 30) -> None:
    probe = (f"import socket; socket.create_connection(('{address}', {port}), timeout=1)"
             ".close()")
    deadline = time.monotonic() + seconds
    while topology.exec(role, "python3", "-c", probe, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {address}:{port} in the {role} host")
        time.sleep(0.2)


def _readable_by_squid_alone(path: Path) -> None:
    import grp
    import os

    try:
        os.chown(path, 0, grp.getgrnam("proxy").gr_gid)
    except (KeyError, PermissionError):  # (no squid user here: squid runs as this user)
        path.chmod(0o600)
        return
    path.chmod(0o640)
