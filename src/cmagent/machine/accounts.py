"""The service account the machine's files belong to.

On a machine where the agent is installed as a package, ``himds`` runs as the ``himds`` user,
while ``azcmagent`` runs as root: what the CLI writes for the service (the identity's key and
certificate, settings that hold a proxy password) is handed to that user, as the real agent's
files are. Where no such user exists (a development checkout, tests with ``AZCMAGENT_ROOT``),
files stay with whoever wrote them.
"""

from __future__ import annotations

import os
import pwd

SERVICE_USER = "himds"


def service_owner() -> tuple[int, int] | None:
    """(uid, gid) of the service user, when it exists and this process may give files away."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid
