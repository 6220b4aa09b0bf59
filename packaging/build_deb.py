"""Build the ``azcmagent`` Debian package from the checkout (``scripts/build-deb``).

The package is self-contained under ``/opt/azcmagent``: a virtual environment of Debian 12's own
``python3`` holding cmagent and its pinned runtime dependencies, built from wheels at build time.
A virtual environment records its own path, so it is made at ``/opt/azcmagent`` inside a
container of the lab's Debian image (the same ``python3`` the package depends on) and copied
out. Maintainer scripts (``packaging/debian``) create the service account and directories and
run ``himdsd``; the units come from ``packaging/``. Needs root (containers), like the lab.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cmagent import __version__
from cmagent.lab import image

PACKAGING = Path(__file__).resolve().parent
DEBIAN = PACKAGING / "debian"
MAINTAINER_SCRIPTS = ("postinst", "prerm", "postrm")


def build(version: str, out_dir: Path) -> Path:
    base = image.base_image()
    wheels, _ = image.wheels()
    with tempfile.TemporaryDirectory(dir=image.cache_dir()) as scratch:
        upper, root = Path(scratch) / "upper", Path(scratch) / "root"
        upper.mkdir()
        image.run_in_image(base, upper, {wheels: "/run/wheels"}, [
            "/bin/sh", "-c", "python3 -m venv /opt/azcmagent && /opt/azcmagent/bin/pip install "
            "--quiet --no-compile --no-index --find-links /run/wheels cmagent && "
            "/opt/azcmagent/bin/pip uninstall --quiet --yes pip setuptools"])  # build tools
        _stage(root, upper / "opt" / "azcmagent", version)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"azcmagent_{version}_amd64.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root),
                        str(target)], check=True, capture_output=True)
    return target


def _stage(root: Path, venv: Path, version: str) -> None:
    shutil.copytree(venv, root / "opt" / "azcmagent", symlinks=True)
    for cache in list((root / "opt" / "azcmagent").rglob("__pycache__")):  # postinst compiles
        shutil.rmtree(cache)
    for shared in (root / "opt" / "azcmagent").rglob("*.so"):  # as dh_strip would
        subprocess.run(["strip", "--strip-unneeded", "--remove-section=.comment",
                        "--remove-section=.note", str(shared)], check=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "azcmagent").symlink_to("/opt/azcmagent/bin/azcmagent")
    units = root / "lib" / "systemd" / "system"
    units.mkdir(parents=True)
    shutil.copy(PACKAGING / "himdsd.service", units / "himdsd.service")
    (root / "lib" / "systemd" / "system.conf.d").mkdir(parents=True)
    shutil.copy(PACKAGING / "azcmagent-environment.conf",
                root / "lib" / "systemd" / "system.conf.d" / "azcmagent.conf")
    docs = root / "usr" / "share" / "doc" / "azcmagent"
    docs.mkdir(parents=True)
    shutil.copy(DEBIAN / "copyright", docs / "copyright")
    overrides = root / "usr" / "share" / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy(DEBIAN / "lintian-overrides", overrides / "azcmagent")
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    changelog = (f"azcmagent ({version}) bookworm; urgency=medium\n\n  * cmagent {__version__}."
                 f"\n\n -- cmagent developers <cmagent@example.org>  {stamp}\n")
    with gzip.open(docs / "changelog.Debian.gz", "wt", compresslevel=9) as out:
        out.write(changelog)
    _control(root, version)


def _control(root: Path, version: str) -> None:
    control = root / "DEBIAN"
    control.mkdir()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    (control / "control").write_text((DEBIAN / "control.in").read_text()
                                     .replace("@VERSION@", version)
                                     .replace("@SIZE@", str(size // 1024)))
    for script in MAINTAINER_SCRIPTS:
        shutil.copy(DEBIAN / script, control / script)
        (control / script).chmod(0o755)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/build-deb", description=__doc__.split("\n")[0])
    parser.add_argument("--version", default=f"{__version__}-1",
                        help="the package's version (default: cmagent's, Debian revision 1)")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="directory for the .deb")
    args = parser.parse_args()
    try:
        print(build(args.version, args.out))
    except image.ImageError as error:
        print(f"build-deb: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
