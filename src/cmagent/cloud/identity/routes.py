"""The identity service's routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import Router
from cmagent.cloud.identity import device
from cmagent.cloud.identity import discovery
from cmagent.cloud.identity import grants

if TYPE_CHECKING:
    from cmagent.cloud.app import Cloud

CloudHandler = Callable[["Cloud", Request], Response]
VersionedHandler = Callable[["Cloud", Request, str], Response]


def register(router: Router, cloud: Cloud) -> None:
    def bind(handler: CloudHandler) -> Callable[[Request], Response]:
        return lambda request: handler(cloud, request)

    def versioned(handler: VersionedHandler, version: str) -> Callable[[Request], Response]:
        return lambda request: handler(cloud, request, version)

    router.add("GET", "/common/discovery/instance", bind(discovery.instance_discovery))
    router.add("GET", "/common/discovery/keys", bind(discovery.jwks))
    router.add("GET", "/{tenant}/v2.0/.well-known/openid-configuration", bind(discovery.openid_v2))
    router.add("GET", "/{tenant}/.well-known/openid-configuration", bind(discovery.openid_v1))
    router.add("GET", "/{tenant}/discovery/v2.0/keys", bind(discovery.jwks))
    router.add("GET", "/{tenant}/discovery/keys", bind(discovery.jwks))
    for method in ("POST", "GET"):  # GET answers the protocol's "POST only" error
        router.add(method, "/{tenant}/oauth2/v2.0/token", versioned(grants.token_endpoint, "v2"))
        router.add(method, "/{tenant}/oauth2/token", versioned(grants.token_endpoint, "v1"))
        router.add(method, "/{tenant}/oauth2/v2.0/devicecode",
                   versioned(device.devicecode_endpoint, "v2"))
        router.add(method, "/{tenant}/oauth2/devicecode",
                   versioned(device.devicecode_endpoint, "v1"))
    router.add("GET", "/devicelogin", bind(device.login_page))
    router.add("POST", "/devicelogin", bind(device.submit_code))
    router.add("POST", "/devicelogin/signin", bind(device.sign_in))
    router.add("POST", "/devicelogin/consent", bind(device.consent))
