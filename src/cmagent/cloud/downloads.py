"""What the download sites hand out, from whatever lies under ``DATA_DIR/downloads`` (by path,
read-only): packages.microsoft.com's apt repository, configuration packages and keys; the Linux
install script at ``/azcmagent-linux`` (as gbl.his.arc.azure.com serves it) and the
``aka.ms/azcmagent`` redirect to it; and the install script's failure reports (``PUT /log``),
kept for operators. ``packaging/build_repo.py`` builds such a tree; the lab publishes it here.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute

from cmagent.cloud import models
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import route
from cmagent.cloud.store import Store

PREFIXES = ("config", "keys", "debian")
_TYPES = {".deb": "application/vnd.debian.binary-package", ".gz": "application/gzip",
          ".asc": "text/plain; charset=utf-8", ".gpg": "application/pgp-signature"}


def routes(data_dir: Path, store: Store) -> list[BaseRoute]:
    root = data_dir / "downloads"

    def serve(request: Request) -> Response:
        return _file(root, request.path)

    def installer_report(request: Request) -> Response:
        with store.writing() as session:
            session.add(models.InstallerReport(received_at=time.time(),
                                               body=_report_body(request.body)))
        return Response(200, b"", "text/plain")

    return [*(route(f"/{prefix}/{{path:path}}", {"GET": serve}, _not_found)
              for prefix in PREFIXES),
            route("/azcmagent-linux", {"GET": serve}, _not_found),
            route("/azcmagent", {"GET": _to_installer}, _not_found),
            route("/log", {"PUT": installer_report}, _not_found)]


def _to_installer(request: Request) -> Response:
    """aka.ms/azcmagent leads to the script on the global HIS name (elsewhere: this host)."""
    host = "gbl.his.arc.azure.com" if request.host.split(":")[0] == "aka.ms" else request.host
    return Response(301, b"", "text/plain", {"Location": f"https://{host}/azcmagent-linux"})


# user:password@ of a URL quoted in a report (a proxy's, as curl quotes it in its errors)
_URL_PASSWORD = re.compile(r"(://[^:/@\s\"']*:)[^@\"]*@")


def _report_body(raw: bytes) -> dict[str, Any]:
    """The script's report as sent, a password of a URL in it masked: its JSON (built by
    string concatenation, so perhaps not valid JSON), else the text."""
    text = _URL_PASSWORD.sub(r"\1***@", raw[:65536].decode("utf-8", "replace"))
    try:
        body = json.loads(text)
    except ValueError:
        return {"raw": text}
    return body if isinstance(body, dict) else {"raw": text}


def _file(root: Path, path: str) -> Response:
    """The file at ``path`` under ``root``; nothing outside it, no directory listings."""
    parts = [part for part in path.split("/") if part]
    if not parts or any(part in (".", "..") or part.startswith(".") for part in parts):
        return _not_found(404, "", "", None)
    target = root.joinpath(*parts)
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return _not_found(404, "", "", None)
    if not resolved.is_file() or not resolved.is_relative_to(root.resolve()):
        return _not_found(404, "", "", None)
    kind = _TYPES.get(resolved.suffix, "text/plain; charset=utf-8")
    if resolved.name == "azcmagent-linux":
        kind = "text/x-shellscript; charset=utf-8"
    return Response(200, resolved.read_bytes(), kind)


def _not_found(status: int, code: str, message: str, headers: dict[str, str] | None) -> Response:
    return Response(status, b"The resource you are looking for has been removed, had its name "
                            b"changed, or is temporarily unavailable.\n",
                    "text/plain; charset=utf-8", headers)
