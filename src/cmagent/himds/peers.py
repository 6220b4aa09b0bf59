"""Who is calling over loopback TCP: the local user that owns the client's socket, read from the
kernel's socket tables (``/proc/net/tcp``, ``/proc/net/tcp6``), so that limits can be per user
even though every caller comes from the same address."""

from __future__ import annotations

TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def loopback_peer_uid(client_port: int, server_port: int) -> int | None:
    """The uid owning the socket whose local port is ``client_port`` and remote port is
    ``server_port``; None when it cannot be found (the connection closed, no /proc)."""
    wanted_local, wanted_remote = f"{client_port:04X}", f"{server_port:04X}"
    for table in TABLES:
        try:
            with open(table, encoding="ascii") as handle:
                next(handle, None)  # the header line
                for line in handle:
                    fields = line.split()
                    if len(fields) > 7 and fields[1].endswith(":" + wanted_local) \
                            and fields[2].endswith(":" + wanted_remote):
                        return int(fields[7])
        except (OSError, ValueError):
            continue
    return None
