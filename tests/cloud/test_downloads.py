"""The download names' files (DATA_DIR/downloads): served by path, nothing outside the tree."""

from __future__ import annotations

import http.client
import ssl


def _get(cloud, path: str) -> tuple[int, bytes]:
    host, port = cloud.url.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=cloud.ca)
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    try:
        connection.request("GET", path)  # sent as written: no client-side normalisation
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_files_by_path_and_nothing_else(cloud) -> None:
    tree = cloud.data_dir / "downloads" / "keys"
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "microsoft.asc").write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    (cloud.data_dir / "downloads" / "config").mkdir(exist_ok=True)
    (cloud.data_dir / "downloads" / "config" / "escape").symlink_to(cloud.data_dir / "admin.key")
    assert _get(cloud, "/keys/microsoft.asc") == (200, b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    for path in ("/keys/../admin.key", "/keys/%2e%2e/admin.key", "/keys/..%2fadmin.key",
                 "/config/escape", "/keys/", "/keys/.hidden", "/debian/nothing"):
        status, body = _get(cloud, path)
        assert status == 404 and b"admin" not in body, (path, status)
