"""The azcmagent Debian packages and the signed repository the lab's cloud serves as
packages.microsoft.com (with the install script at gbl.his.arc.azure.com), built from the
checkout by ``packaging/build_deb.py`` and ``packaging/build_repo.py`` and cached like the
machine image: once per state of the sources and of ``packaging/``.

Two versions are published, so that ``--desiredversion`` and upgrades have something to choose.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from cmagent.lab import image

VERSIONS = ("0.1.0-1", "0.1.0-2")  # the second stands for the next release


def _packaging_key() -> str:
    files = sorted(p for p in image.PACKAGING.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files))
    return digest.hexdigest()[:12]


def debs() -> dict[str, Path]:
    """Every published version's package, by version."""
    _, wheel_key = image.wheels()
    out = image.cache_dir() / f"debs-{wheel_key}-{_packaging_key()}"
    if not image.complete(out):
        partial = Path(f"{out}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        for version in VERSIONS:
            _build("build_deb.py", "--version", version, "--out", str(partial))
        image.publish_build(partial, out)
    return {version: out / f"azcmagent_{version}_amd64.deb" for version in VERSIONS}


def repository() -> Path:
    """The tree to serve (``served/`` of build_repo.py's output), for ``Lab.publish``."""
    built = debs()
    final = image.cache_dir() / f"repo-{next(iter(built.values())).parent.name}"
    if not image.complete(final):
        partial = Path(f"{final}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        _build("build_repo.py", *map(str, built.values()), "--out", str(partial))
        image.publish_build(partial, final)
    return final / "served"


def _build(script: str, *args: str) -> None:
    image.run_tool(sys.executable, str(image.PACKAGING / script), *args)
