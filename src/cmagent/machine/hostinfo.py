"""Facts about this host, read the same way by show, the heartbeat and the metadata service."""

from __future__ import annotations

import hashlib
import socket

PRODUCT_UUID = "/sys/class/dmi/id/product_uuid"
MACHINE_ID = "/etc/machine-id"


def read(path: str) -> str:
    """A small system file's text, or "" when it cannot be read (not every host has DMI)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def os_release() -> dict[str, str]:
    """``/etc/os-release`` as a dict, quotes removed."""
    pairs = (line.partition("=") for line in read("/etc/os-release").splitlines())
    return {key: value.strip().strip('"') for key, _, value in pairs if value}


def hostname() -> str:
    return socket.gethostname()


def fingerprint() -> str:
    """Stable facts of this host; a clone of a connected image differs in at least one."""
    facts = [read(MACHINE_ID), read(PRODUCT_UUID), socket.gethostname()]
    return hashlib.sha256("|".join(facts).encode()).hexdigest()
