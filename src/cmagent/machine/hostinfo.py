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


FINGERPRINT_FORM = "v2"  # v1 (no prefix) hashed the hostname too: a rename looked like a clone


def fingerprint() -> str:
    """What the cloud compares between heartbeats: the facts a clone of a connected image
    changes (machine-id, SMBIOS UUID) and a rename of the host does not."""
    facts = [read(MACHINE_ID), read(PRODUCT_UUID)]
    return f"{FINGERPRINT_FORM}:" + hashlib.sha256("|".join(facts).encode()).hexdigest()
