"""The machine's directories as the package sets them up (``postinst`` runs this as root):
``python3 -m cmagent.machine.layout``.

The himds account owns ``/var/opt/azcmagent`` (it renews the identity there), so it can put a
link where a directory or an identity file belongs. Root must then neither follow the link nor
give its target away: every directory and kept file is opened without following links, and
changed through that open descriptor.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
import sys

VAR = "/var/opt/azcmagent"
SERVICE = "himds"
# name, mode (the log directory is sticky: a member of the himds group, who may read tokens,
# must not rename or replace root's log)
DIRECTORIES = (("certs", 0o750), ("socks", 0o750), ("log", 0o1775), ("tokens", 0o770))
KEPT = ("certs/identity.key", "certs/identity.pem")  # an identity from an earlier version


def prepare(var: str, owner: tuple[int, int]) -> None:
    os.makedirs(os.path.dirname(var), mode=0o755, exist_ok=True)  # (/var/opt may be missing)
    top = _directory(None, var, 0o755, owner)
    try:
        for name, mode in DIRECTORIES:
            os.close(_directory(top, name, mode, owner))
        for name in KEPT:
            _give(top, name, owner)
    finally:
        os.close(top)


def _directory(parent: int | None, name: str, mode: int, owner: tuple[int, int]) -> int:
    """The directory ``name`` (made if missing) as a descriptor, owned by ``owner`` with
    ``mode``. A link root made there (an administrator who moved the directory to another
    disk) is followed; one another account made, or a file, is removed."""
    try:
        os.mkdir(name, mode, dir_fd=parent)
    except FileExistsError:
        found = os.stat(name, dir_fd=parent, follow_symlinks=False)
        if stat.S_ISLNK(found.st_mode) and found.st_uid == 0:
            return _followed(parent, name, mode, owner)
        if not stat.S_ISDIR(found.st_mode):
            print(f"azcmagent: removed {name}, which was not a directory", file=sys.stderr)
            os.unlink(name, dir_fd=parent)
            os.mkdir(name, mode, dir_fd=parent)
    descriptor = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    os.fchown(descriptor, *owner)
    os.fchmod(descriptor, mode)
    return descriptor


def _followed(parent: int | None, name: str, mode: int, owner: tuple[int, int]) -> int:
    descriptor = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=parent)
    os.fchown(descriptor, *owner)
    os.fchmod(descriptor, mode)
    return descriptor


def _give(top: int, name: str, owner: tuple[int, int]) -> None:
    """A kept identity file goes to the service account; a link in its place goes."""
    folder, _, leaf = name.partition("/")
    parent = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
    try:
        descriptor = os.open(leaf, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=parent)
    except FileNotFoundError:
        return
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        print(f"azcmagent: removed {name}, a link where the identity belongs", file=sys.stderr)
        os.unlink(leaf, dir_fd=parent)
        return
    finally:
        os.close(parent)
    try:
        found = os.fstat(descriptor)  # (a second name of another file is not given away)
        if stat.S_ISREG(found.st_mode) and found.st_nlink == 1:
            os.fchown(descriptor, *owner)
    finally:
        os.close(descriptor)


def main() -> int:
    owner = (pwd.getpwnam(SERVICE).pw_uid, grp.getgrnam(SERVICE).gr_gid)
    prepare(os.environ.get("AZCMAGENT_VAR", VAR), owner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
