"""``azcmagent logs``: a ZIP of the agent's logs and settings, with every secret masked.

Files keep their absolute layout inside the archive (``var/opt/azcmagent/log/azcmagent.log``).
Key material (the certs and tokens directories, ``*.pem``, ``*.key``) is never collected, and
every collected file passes through the redactor.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import time
import zipfile
from pathlib import Path
from typing import Any

from cmagent import __version__
from cmagent.agent import log
from cmagent.agent.main import Context
from cmagent.agent.options import LogsOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.files import atomic_write
from cmagent.machine.files import open_plain
from cmagent.machine.paths import Paths
from cmagent.machine.redact import Redactor
from cmagent.machine.redact import mask_url_password

_LOGS = ("azcmagent.log", "himds.log", "arcproxy.log")
_GUESTCONFIG_LOGS = ("arc_policy_logs/gc_agent.log", "ext_mgr_logs/gc_ext.log")
_NEVER = (".pem", ".key", ".pfx", ".p12")


def run(context: Context[LogsOptions]) -> Result:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target, reserved = _target(context.options.output, stamp)
    try:
        return _bundle(context, target, stamp)
    except BaseException:  # (Ctrl+C too) the name this run took, still empty, goes
        if reserved:
            with contextlib.suppress(OSError):
                if target.stat().st_size == 0:
                    target.unlink()
        raise


def _bundle(context: Context[LogsOptions], target: Path, stamp: str) -> Result:
    archive, files = _archive(context.paths, _collect(context.paths, context.options.full),
                              _redactor(context), stamp)
    try:
        atomic_write(target, archive, 0o600)
    except OSError as error:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--output {target} cannot be written.", f"--output {target} に書き込めません。"),
            quoted=error.strerror, remedy="output-path") from None
    log.debug("Collected %d files into %s", len(files), target)
    return Result(str(target), {"status": "success", "path": str(target),
                                "files": [_member(context.paths, f) for f in files]})


def _unused(target: Path) -> Path:
    """``target``, or ``...-2.zip``, ``-3``... when a bundle of that name exists already;
    the name is taken at once (an empty file, replaced by the bundle), so that two runs in
    one second cannot both choose it."""
    candidate, number = target, 1
    while True:
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return candidate
        except FileExistsError:
            number += 1
            candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
        except OSError:  # (a directory that cannot be written: said when the bundle is)
            return candidate


def _redactor(context: Context[LogsOptions]) -> Redactor:
    """The run's redactor, told the stored proxy password (masked even where no pattern finds
    it); a damaged localconfig.json is collected all the same."""
    try:
        context.settings()
    except AzcmError:
        log.debug("localconfig.json is damaged; collecting it as it is")
    return context.redactor


def _target(output: str | None, stamp: str) -> tuple[Path, bool]:
    """Where the bundle goes, and whether this run took that name (an empty file for now)."""
    name = f"azcmagent-{stamp}-{socket.gethostname()}.zip"
    target = Path(output) if output else Path(name)
    if target.is_dir():
        target = target / name
    reserved = target.name == name
    if reserved:  # a name of our own making replaces no bundle made this second
        target = _unused(target)
    target = target.absolute()
    if not target.parent.is_dir():
        missing = not target.parent.exists()
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--output {target}: {target.parent} "
            f"{'does not exist' if missing else 'is not a directory'}.",
            f"--output {target}: {target.parent} "
            f"{'が存在しません' if missing else 'はディレクトリではありません'}。",
        ), remedy="output-path")
    if target.exists() and not target.is_file():  # /dev/null: replacing it would harm the host
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--output {target} is not a regular file (a device, pipe or socket); the bundle "
            "replaces only regular files.",
            f"--output {target} は通常のファイルではありません (デバイス、パイプ、ソケット)。"
            "バンドルで置き換えるのは通常のファイルだけです。",
        ), remedy="output-path")
    return target, reserved


def _collect(paths: Paths, full: bool) -> list[Path]:
    log_dir, guestconfig = Path(paths.log_dir), Path(paths.guestconfig)
    found = [log_dir / name for name in _LOGS]
    found += [guestconfig / name for name in _GUESTCONFIG_LOGS]
    found += [Path(paths.agentconfig), Path(paths.localconfig), Path(paths.cloudconfig)]
    found += sorted(Path(paths.results).glob("*.json"))  # how the last connect/disconnect ended
    if full:
        found += _everything_under(log_dir)
        found += _everything_under(guestconfig)
    else:
        found += _newest_per_folder(guestconfig / "extension_logs")
    unique = dict.fromkeys(f for f in found if f.is_file() and not f.name.endswith(_NEVER))
    return sorted(unique)


def _everything_under(folder: Path) -> list[Path]:
    """Every file below ``folder``."""
    return [Path(top, name) for top, _, names in os.walk(folder) for name in names]


def _newest_per_folder(folder: Path) -> list[Path]:
    newest: list[Path] = []
    for top, _, names in os.walk(folder):
        files = [Path(top, name) for name in names]
        if files:
            newest.append(max(files, key=lambda f: f.stat().st_mtime))
    return newest


def _member(paths: Paths, file: Path) -> str:
    return str(file.relative_to(paths.root))


def _redacted(file: Path, text: str, redactor: Redactor) -> str:
    """A JSON file (the settings, the connection) is masked value by value, so that it stays
    the JSON it was and a password is found however JSON escapes it; others as text."""
    if file.suffix != ".json":
        return redactor(text)
    try:
        content = json.loads(text)
    except ValueError:
        return redactor(text)
    return json.dumps(_masked(content, redactor), indent=2, ensure_ascii=False) + "\n"


def _masked(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor(mask_url_password(value))
    if isinstance(value, list):
        return [_masked(item, redactor) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item, redactor) for key, item in value.items()}
    return value


def _archive(paths: Paths, files: list[Path], redactor: Redactor,
             stamp: str) -> tuple[bytes, list[Path]]:
    """The ZIP, and the files in it (a link in place of one is left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        taken = []
        for file in files:
            try:  # a link put in place of a log would copy any file of the machine
                text = open_plain(str(file)).decode("utf-8", errors="replace")
            except OSError as error:
                log.warning("Left out of the bundle: %s (%s)", file, error.strerror)
                continue
            archive.writestr(_member(paths, file), _redacted(file, text, redactor))
            taken.append(file)
        journal = _journal(paths)
        if journal:
            archive.writestr(JOURNAL, redactor(journal))
        summary = {"collected": stamp, "host": socket.gethostname(), "cmagent": __version__,
                   "files": [_member(paths, f) for f in taken] + ([JOURNAL] if journal else []),
                   "redacted": True}
        archive.writestr("summary.json", json.dumps(summary, indent=2))
    return buffer.getvalue(), taken


JOURNAL = "journal/himdsd.log"


def _journal(paths: Paths) -> str | None:
    """The service's journal of the last week (what systemd saw: starts, stops, crashes), on a
    machine whose agent lives at the real paths and has journalctl."""
    import shutil
    import subprocess

    if os.path.abspath(paths.root) != "/" or shutil.which("journalctl") is None:
        return None
    try:
        shown = subprocess.run(["journalctl", "--unit", "himdsd.service", "--since", "-7d",
                                "--no-pager", "--output", "short-iso"], capture_output=True,
                               text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shown.stdout if shown.returncode == 0 and shown.stdout.strip() else None
