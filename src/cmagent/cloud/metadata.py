"""``GET /metadata/endpoints``: the cloud's description, so a client given only the cloud's URL
finds its login endpoint, resource manager, token audiences and Hybrid Identity Service.

``api-version=2022-09-01`` answers one cloud object (the shape ARM serves today);
``2015-01-01`` answers the older Azure Stack shape (``galleryEndpoint``, ``graphEndpoint``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from cmagent.cloud.http import Request
from cmagent.cloud.http import Response

if TYPE_CHECKING:
    from cmagent.cloud.app import Cloud

AUDIENCES = ["https://management.core.windows.net/", "https://management.azure.com/"]
_VERSIONS = ("2022-09-01", "2020-06-01", "2019-05-01", "2015-01-01")


def endpoints(cloud: Cloud, request: Request) -> Response:
    version = request.query.get("api-version", "")
    if version not in _VERSIONS:
        return Response.json(400, {"error": {
            "code": "InvalidApiVersionParameter",
            "message": f"The api-version '{version}' is invalid. The supported versions are "
                       f"'{', '.join(_VERSIONS)}'."}})
    base = request.base_url
    if version == "2015-01-01":
        return Response.json(200, {
            "galleryEndpoint": f"{base}/", "graphEndpoint": "https://graph.windows.net/",
            "portalEndpoint": f"{base}/", "hybridIdentityServiceEndpoint": f"{base}/",
            "authentication": {"loginEndpoint": f"{base}/", "audiences": AUDIENCES}})
    return Response.json(200, describe(cloud, base))


def describe(cloud: Cloud, base: str) -> dict[str, Any]:
    return {
        "name": cloud.name,
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
