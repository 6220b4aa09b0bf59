"""Build a signed apt repository in the layout of packages.microsoft.com for Debian 12
(``scripts/build-repo``), for the local cloud to serve under the ``packages.microsoft.com``
name:

    config/debian/12/packages-microsoft-prod.deb   the source list and the signing keyring
    config/debian/12/prod.list                     the same source line, for by-hand setups
    azcmagent-linux                                the install script (gbl.his.arc.azure.com)
    keys/microsoft.asc                             the repository key (the cloud's own)
    debian/12/prod/dists/bookworm/{InRelease,Release,Release.gpg,main/binary-amd64/Packages*}
    debian/12/prod/pool/main/a/azcmagent/azcmagent_<version>_amd64.deb

Built with the standard tools: ``apt-ftparchive`` for the indices, ``gpg`` for a key of the
repository's own (made once per output directory and kept in it, outside the served tree) and
its signatures, ``dpkg-deb`` for packages-microsoft-prod.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_installer

REPOSITORY = "https://packages.microsoft.com/debian/12/prod"
KEYRING = "/usr/share/keyrings/microsoft-prod.gpg"
SOURCE_LINE = (f"deb [arch=amd64,arm64,armhf signed-by={KEYRING}] {REPOSITORY} bookworm "
               "main\n")
CONFIG_VERSION = "1.1-debian12"


def build(debs: list[Path], out: Path) -> Path:
    """``out/served`` holds the tree to serve; ``out/gnupg`` the repository's key."""
    served, gnupg = out / "served", out / "gnupg"
    shutil.rmtree(served, ignore_errors=True)
    try:
        _ensure_key(gnupg)
        _fill(served, gnupg, debs)
    finally:  # the agent gpg started for the signatures must not outlive the build
        subprocess.run(["gpgconf", "--homedir", str(gnupg), "--kill", "all"], check=False,
                       capture_output=True)
    return served


def _fill(served: Path, gnupg: Path, debs: list[Path]) -> None:
    base = served / "debian" / "12" / "prod"
    pool = base / "pool" / "main"
    (pool / "a" / "azcmagent").mkdir(parents=True)
    for deb in debs:
        shutil.copy(deb, pool / "a" / "azcmagent" / deb.name)
    config = served / "config" / "debian" / "12"
    config.mkdir(parents=True)
    (config / "prod.list").write_text(SOURCE_LINE)
    prod = _config_package(gnupg, config)
    (pool / "p" / "packages-microsoft-prod").mkdir(parents=True)
    shutil.copy(prod, pool / "p" / "packages-microsoft-prod" /
                f"packages-microsoft-prod_{CONFIG_VERSION}_all.deb")
    (served / "azcmagent-linux").write_text(build_installer.render())
    (served / "keys").mkdir()
    (served / "keys" / "microsoft.asc").write_bytes(_gpg(gnupg, "--armor", "--export"))
    _indices(base, gnupg)


def _gpg(gnupg: Path, *args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run(["gpg", "--homedir", str(gnupg), "--batch", "--quiet", *args],
                          input=data, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args[:2])}: {done.stderr.decode()[-500:]}")
    return done.stdout


def _ensure_key(gnupg: Path) -> None:
    if (gnupg / "pubring.kbx").exists() and _gpg(gnupg, "--list-secret-keys"):
        return
    gnupg.mkdir(mode=0o700, parents=True, exist_ok=True)
    _gpg(gnupg, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
         "cmagent local cloud repository <repository@cmagent.example>", "rsa3072", "sign",
         "never")


def _config_package(gnupg: Path, config: Path) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "etc" / "apt" / "sources.list.d").mkdir(parents=True)
        (root / "etc" / "apt" / "sources.list.d" / "microsoft-prod.list").write_text(SOURCE_LINE)
        keyring = root / KEYRING.lstrip("/")
        keyring.parent.mkdir(parents=True)
        keyring.write_bytes(_gpg(gnupg, "--export"))
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(
            f"Package: packages-microsoft-prod\nVersion: {CONFIG_VERSION}\nArchitecture: all\n"
            "Maintainer: cmagent developers <cmagent@example.org>\nSection: admin\n"
            "Priority: optional\nDescription: Apt configuration for packages.microsoft.com\n"
            " The source list and signing keyring of the local cloud's repository.\n")
        (root / "DEBIAN" / "conffiles").write_text(
            "/etc/apt/sources.list.d/microsoft-prod.list\n")
        target = config / "packages-microsoft-prod.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(target)],
                       check=True, capture_output=True)
    return target


def _indices(base: Path, gnupg: Path) -> None:
    binary = base / "dists" / "bookworm" / "main" / "binary-amd64"
    binary.mkdir(parents=True)
    packages = subprocess.run(["apt-ftparchive", "packages", "pool"], cwd=base, check=True,
                              capture_output=True).stdout
    (binary / "Packages").write_bytes(packages)
    subprocess.run(["gzip", "-9", "-k", "-n", str(binary / "Packages")], check=True)
    dists = base / "dists" / "bookworm"
    options = [f"-oAPT::FTPArchive::Release::{key}={value}" for key, value in (
        ("Origin", "cmagent"), ("Label", "cmagent local cloud"), ("Suite", "bookworm"),
        ("Codename", "bookworm"), ("Architectures", "amd64 arm64 armhf"),
        ("Components", "main"))]
    release = subprocess.run(["apt-ftparchive", *options, "release", "."], cwd=dists,
                             check=True, capture_output=True).stdout
    (dists / "Release").write_bytes(release)
    (dists / "InRelease").write_bytes(_gpg(gnupg, "--clearsign", "--digest-algo", "SHA512",
                                           data=release))
    (dists / "Release.gpg").write_bytes(_gpg(gnupg, "--armor", "--detach-sign",
                                             "--digest-algo", "SHA512", data=release))


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/build-repo", description=__doc__.split("\n")[0])
    parser.add_argument("debs", nargs="+", type=Path, help="azcmagent packages to publish")
    parser.add_argument("--out", type=Path, default=Path("dist/repository"))
    args = parser.parse_args()
    missing = [tool for tool in ("apt-ftparchive", "gpg", "dpkg-deb") if not shutil.which(tool)]
    if missing:
        print(f"build-repo: needs {', '.join(missing)} (apt-get install apt-utils gnupg dpkg)",
              file=sys.stderr)
        return 1
    print(build(args.debs, args.out))
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    raise SystemExit(main())
