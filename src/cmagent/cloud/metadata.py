"""``GET /metadata/endpoints``: the cloud's description, so a client given only the cloud's URL
finds its login endpoint, resource manager, token audiences and Hybrid Identity Service.

``api-version=2022-09-01`` answers one cloud object (the shape ARM serves today);
``2015-01-01`` answers the older Azure Stack shape (``galleryEndpoint``, ``graphEndpoint``, ...).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cmagent.cloud import envelopes
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response

AUDIENCES = ["https://management.core.windows.net/", "https://management.azure.com/"]
_VERSIONS = ("2022-09-01", "2020-06-01", "2019-05-01", "2015-01-01")


def endpoints(name: str, request: Request) -> Response:
    version = request.query.get("api-version", "")
    if version not in _VERSIONS:
        return envelopes.plain(400, "InvalidApiVersionParameter",
                               f"The api-version '{version}' is invalid. The supported versions "
                               f"are '{', '.join(_VERSIONS)}'.")
    return Response(200, _document(name, request.base_url, version),
                    "application/json; charset=utf-8")


@lru_cache(maxsize=64)  # by the name the client used to reach the cloud: a handful
def _document(name: str, base: str, version: str) -> bytes:
    if version == "2015-01-01":
        document = {
            "galleryEndpoint": f"{base}/", "graphEndpoint": "https://graph.windows.net/",
            "portalEndpoint": f"{base}/", "hybridIdentityServiceEndpoint": f"{base}/",
            "authentication": {"loginEndpoint": f"{base}/", "audiences": AUDIENCES}}
    else:
        document = describe(name, base)
    return json.dumps(document, separators=(",", ":")).encode()


def describe(name: str, base: str) -> dict[str, Any]:
    return {
        "name": name,
        "portal": f"{base}/",
        "authentication": {"loginEndpoint": f"{base}/", "audiences": AUDIENCES,
                           "tenant": "common", "identityProvider": "AAD"},
        "resourceManager": f"{base}/",
        "graph": "https://graph.windows.net/",
        "graphAudience": "https://graph.windows.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "hybridIdentityService": f"{base}/",
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net",
                     "hybridIdentityService": "his.arc.azure.com"},
    }
