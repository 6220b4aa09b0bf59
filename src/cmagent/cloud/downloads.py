"""Files the cloud hands out as the download sites do (``packages.microsoft.com``'s apt
repository, configuration packages and keys): whatever lies under ``DATA_DIR/downloads``, by
path, read-only. ``packaging/build_repo.py`` builds such a tree; the lab publishes it here.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute

from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import route

PREFIXES = ("config", "keys", "debian")
_TYPES = {".deb": "application/vnd.debian.binary-package", ".gz": "application/gzip",
          ".asc": "text/plain; charset=utf-8", ".gpg": "application/pgp-signature"}


def routes(data_dir: Path) -> list[BaseRoute]:
    root = data_dir / "downloads"

    def serve(request: Request) -> Response:
        return _file(root, request.path)

    return [route(f"/{prefix}/{{path:path}}", {"GET": serve}, _not_found) for prefix in PREFIXES]


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
    return Response(200, resolved.read_bytes(), kind)


def _not_found(status: int, code: str, message: str, headers: dict[str, str] | None) -> Response:
    return Response(status, b"The resource you are looking for has been removed, had its name "
                            b"changed, or is temporarily unavailable.\n",
                    "text/plain; charset=utf-8", headers)
