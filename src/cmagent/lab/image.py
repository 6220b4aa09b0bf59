"""The lab machines' disk: a Debian 12 image built with mmdebstrap, and the agent installed on it
as a user installs it, both built once and cached as directory trees that machines share
read-only under an overlay.

- The base image is keyed by its suite and package list: Debian from the host's own apt sources
  (no mirror name in the code), minimal plus systemd and what the agent needs.
- The agent layer is keyed by the base and the project's wheels: a virtual environment under
  ``/opt/azcmagent`` made from wheels built on the host from the checkout (machines have no
  route to a package index), ``azcmagent`` and ``himds`` on the PATH, the ``himds`` user and
  group, the directories of ``/var/opt/azcmagent`` and the units from ``packaging/`` enabled.

A build writes into ``<key>.partial`` and renames when complete, so an interrupted build is
started again, never used half made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUITE = "bookworm"
PACKAGES = ("systemd", "systemd-sysv", "dbus", "python3", "python3-venv", "ca-certificates",
            "iproute2", "curl", "procps", "util-linux")
CHECKOUT = Path(__file__).resolve().parents[3]
PACKAGING = CHECKOUT / "packaging"
APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


class ImageError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("CMAGENT_LAB_CACHE") or "/var/cache/cmagent-lab")


def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def complete(path: Path) -> bool:
    return path.is_dir() and (path.parent / f"{path.name}.complete").exists()


KEEP = 3  # builds of each kind kept: a lab still up may run on an older one


def publish_build(partial: Path, final: Path) -> Path:
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    (final.parent / f"{final.name}.complete").touch()
    _prune(final)
    return final


def _prune(final: Path) -> None:
    """Remove all but the newest ``KEEP`` builds of ``final``'s kind (every source change
    makes new wheels, agent layers and packages; without this the cache only grows)."""
    kind = final.name.split("-")[0]
    builds = sorted((p for p in final.parent.glob(f"{kind}-*") if p.is_dir() and
                     not p.name.endswith(".partial")), key=lambda p: p.stat().st_mtime,
                    reverse=True)
    for old in builds[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
        (old.parent / f"{old.name}.complete").unlink(missing_ok=True)


def base_image() -> Path:
    """The Debian root file system, built once per package list."""
    check_host()
    key = _digest(SUITE.encode(), " ".join(PACKAGES).encode())
    final = cache_dir() / f"debian-{SUITE}-{key}"
    if complete(final):
        return final
    sources = next((p for p in APT_SOURCES if p.exists()), None)
    if sources is None:
        raise ImageError("no apt sources on this host to build the machines' Debian from")
    partial = Path(f"{final}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    tarball = partial.parent / f"{final.name}.tar"
    run_tool("mmdebstrap", "--quiet", "--variant=minbase", f"--include={','.join(PACKAGES)}",
         SUITE, str(tarball), str(sources))
    run_tool("tar", "-C", str(partial), "-xf", str(tarball))
    tarball.unlink()
    (partial / "etc" / "hostname").unlink(missing_ok=True)  # each machine is named at boot
    return publish_build(partial, final)


def wheels() -> tuple[Path, str]:
    """Wheels of the project and its runtime dependencies, built from the checkout; their key
    changes with every source change."""
    sources = sorted(p for p in (CHECKOUT / "src").rglob("*") if p.is_file() and
                     "__pycache__" not in p.parts)
    key = _digest(*(str(p.relative_to(CHECKOUT)).encode() + p.read_bytes() for p in sources),
                  (CHECKOUT / "pyproject.toml").read_bytes())
    final = cache_dir() / f"wheels-{key}"
    if not complete(final):
        partial = Path(f"{final}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        with tempfile.TemporaryDirectory() as build:  # a clean copy: no stale build/ dirs
            copy = Path(build) / "cmagent"
            shutil.copytree(CHECKOUT, copy, ignore=shutil.ignore_patterns(
                ".venv", ".git", "node_modules", "__pycache__", "*.egg-info", "build", "dist"))
            run_tool(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                 "--wheel-dir", str(partial), str(copy))
        publish_build(partial, final)
    return final, key


def check_host() -> None:
    """What the machines need of this host, each missing part named with its remedy."""
    if os.geteuid() != 0:
        raise ImageError("lab machines need root (mounts, namespaces, containers)")
    _require("systemd-nspawn", "apt-get install systemd-container")
    _require("nsenter", "apt-get install util-linux")
    _require("mmdebstrap", "apt-get install mmdebstrap")
    if "overlay" not in Path("/proc/filesystems").read_text().split():
        raise ImageError("this kernel has no overlay file system (modprobe overlay): each "
                         "machine is an overlay of the shared image")


def agent_layer() -> tuple[Path, Path]:
    """(the agent layer, the base image it lies on): both read-only lower directories."""
    base = base_image()
    wheel_dir, wheel_key = wheels()
    final = cache_dir() / f"agent-{_digest(base.name.encode(), wheel_key.encode())}"
    if complete(final):
        return final, base
    partial = Path(f"{final}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    _install_into(base, partial, wheel_dir)
    return publish_build(partial, final), base


def _install_into(base: Path, upper: Path, wheel_dir: Path) -> None:
    run_in_image(base, upper, {wheel_dir: "/run/wheels", PACKAGING: "/run/packaging"},
                 ["/bin/sh", "/run/packaging/install-from-wheels.sh"])


def run_in_image(base: Path, upper: Path, binds: dict[Path, str],
                 command: list[str]) -> None:
    """Run ``command`` in a container of ``base`` (no network, not booted) whose writes land
    in ``upper``; ``binds`` are host directories it may read."""
    with tempfile.TemporaryDirectory(dir=cache_dir()) as scratch:
        merged, work = Path(scratch) / "merged", Path(scratch) / "work"
        merged.mkdir()
        work.mkdir()
        run_tool("mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={base},upperdir={upper},workdir={work}", str(merged))
        try:
            run_tool("systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
                 "--private-network", "--resolv-conf=off", f"--directory={merged}",
                 *(f"--bind-ro={host}:{inside}" for host, inside in binds.items()), *command)
        finally:
            subprocess.run(["umount", str(merged)], check=False, capture_output=True)


def _require(program: str, install: str) -> None:
    if shutil.which(program) is None:
        raise ImageError(f"the lab machines need {program}: {install} (scripts/setup does)")


def run_tool(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ImageError(f"{' '.join(command[:3])}... failed ({done.returncode}): "
                         f"{(done.stderr or done.stdout).strip()[-2000:]}")
