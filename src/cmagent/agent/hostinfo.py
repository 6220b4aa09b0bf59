"""Facts about this host, read the same way by show, the heartbeat and the metadata service."""

from __future__ import annotations


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
