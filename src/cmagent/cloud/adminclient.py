"""The client the ``cmagent-cloud`` subcommands use to reach a running server's management API.

It finds the URL, the admin key and the CA through the data directory alone.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


class AdminError(Exception):
    pass


class AdminClient:
    def __init__(self, data_dir: Path) -> None:
        server_file = data_dir / "server.json"
        if not server_file.exists():
            raise AdminError(f"no cmagent-cloud is running for {data_dir} (no server.json); start "
                             f"one with: cmagent-cloud serve --data-dir {data_dir}")
        try:
            self.url = str(json.loads(server_file.read_text())["url"])
            self._key = (data_dir / "admin.key").read_text().strip()
            self._tls = ssl.create_default_context(cafile=str(data_dir / "ca.pem"))
        except (OSError, ValueError, KeyError, TypeError) as error:  # (SSLError is one)
            raise AdminError(f"the running cloud's files in {data_dir} (server.json, admin.key, "
                             f"ca.pem) cannot be read ({error}); restart it with: cmagent-cloud "
                             f"serve --data-dir {data_dir}") from None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/_admin{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {self._key}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self._tls, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise AdminError(_message(error)) from None
        except urllib.error.URLError as error:
            raise AdminError(f"cannot reach {self.url}: {error.reason}") from None


def _message(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
        return f"{detail['code']}: {detail['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code}"
