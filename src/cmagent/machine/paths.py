"""Where the agent and himds keep their files: the real agent's Linux layout, under a settable
root.

Every path the agent reads or writes hangs off ``AZCMAGENT_ROOT`` (``/`` when unset), so tests,
demos and several simulated machines can run side by side on one host. Paths are plain strings:
this module is on every run's start-up path, and pathlib costs more to import than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes

ROOT_VARIABLE = "AZCMAGENT_ROOT"


class Paths:
    """The agent's file layout below one root directory."""

    __slots__ = ("root",)

    def __init__(self, root: str) -> None:
        self.root = root

    def under_root(self, relative: str) -> str:
        return os.path.join(self.root, relative)

    @property
    def var(self) -> str:
        return self.under_root("var/opt/azcmagent")

    @property
    def log_dir(self) -> str:
        return os.path.join(self.var, "log")

    @property
    def cli_log(self) -> str:
        return os.path.join(self.log_dir, "azcmagent.log")

    @property
    def localconfig(self) -> str:
        return os.path.join(self.var, "localconfig.json")

    @property
    def agentconfig(self) -> str:
        return os.path.join(self.var, "agentconfig.json")

    @property
    def cloudconfig(self) -> str:
        return os.path.join(self.var, "cloudconfig.json")

    @property
    def certs(self) -> str:
        return os.path.join(self.var, "certs")

    @property
    def genkey_private_key(self) -> str:
        return os.path.join(self.certs, "genPrivateKey.pem")

    @property
    def tokens(self) -> str:
        return os.path.join(self.var, "tokens")

    @property
    def identity_key(self) -> str:
        return os.path.join(self.certs, "identity.key")

    @property
    def identity_certificate(self) -> str:
        return os.path.join(self.certs, "identity.pem")

    @property
    def results(self) -> str:
        return os.path.join(self.var, "result")

    @property
    def last_heartbeat(self) -> str:
        return os.path.join(self.var, "lastheartbeat.json")

    @property
    def himds_socket(self) -> str:
        return os.path.join(self.var, "socks", "himds.sock")

    @property
    def guestconfig(self) -> str:
        return self.under_root("var/lib/GuestConfig")


def from_environ(environ: Mapping[str, str]) -> Paths:
    """Resolve the root from ``AZCMAGENT_ROOT``; it must name an existing directory."""
    root = environ.get(ROOT_VARIABLE) or "/"
    if not os.path.isdir(root):
        raise AzcmError(codes.INIT_FAILED, Localized(
            f"{ROOT_VARIABLE}={root} is not an existing directory; create it or unset the "
            "variable.",
            f"{ROOT_VARIABLE}={root} は既存のディレクトリではありません。作成するか、変数を削除して"
            "ください。",
        ), remedy="root-variable", quoted=_why_not(root))
    return Paths(os.path.abspath(root))


def _why_not(root: str) -> str | None:
    """What stat says of a root that is no directory: a permission is not absence."""
    try:
        os.stat(root)
    except OSError as error:
        return error.strerror
    return "not a directory"
