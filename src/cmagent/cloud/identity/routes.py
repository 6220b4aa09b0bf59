"""The identity service's routes. Listed after every other service's, because their first path
segment is a tenant and would match any other service's path."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.routing import BaseRoute

from cmagent.cloud import envelopes
from cmagent.cloud.http import Handler
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import route
from cmagent.cloud.identity import device
from cmagent.cloud.identity import discovery
from cmagent.cloud.identity import grants
from cmagent.cloud.identity import users
from cmagent.cloud.identity.entra import Entra


def routes(entra: Entra) -> list[BaseRoute]:
    envelope = envelopes.for_service("identity")

    def both(handler: Callable[..., Response], version: str) -> dict[str, Handler]:
        # GET answers the protocol's "POST only" error.
        answer = partial(handler, entra, version=version)
        return {"POST": answer, "GET": answer}

    waits = entra.store.shared  # a database server: wait for it in a thread

    def token_offload(request: Request) -> bool:
        return waits or users.checks_password(request)

    # (path, handlers, whether they run in a thread)
    table: list[tuple[str, dict[str, Handler], bool | Callable[[Request], bool]]] = [
        ("/common/discovery/instance", {"GET": partial(discovery.instance_discovery, entra)},
         False),
        ("/common/discovery/keys", {"GET": partial(discovery.jwks, entra)}, False),
        ("/{tenant}/v2.0/.well-known/openid-configuration",
         {"GET": partial(discovery.openid_v2, entra)}, waits),
        ("/{tenant}/.well-known/openid-configuration",
         {"GET": partial(discovery.openid_v1, entra)}, waits),
        ("/{tenant}/discovery/v2.0/keys", {"GET": partial(discovery.jwks, entra)}, False),
        ("/{tenant}/discovery/keys", {"GET": partial(discovery.jwks, entra)}, False),
        ("/common/userrealm/{username}", {"GET": partial(users.user_realm, entra)}, waits),
        ("/{tenant}/oauth2/v2.0/token", both(grants.token_endpoint, "v2"), token_offload),
        ("/{tenant}/oauth2/token", both(grants.token_endpoint, "v1"), token_offload),
        ("/{tenant}/oauth2/v2.0/devicecode", both(device.devicecode_endpoint, "v2"), waits),
        ("/{tenant}/oauth2/devicecode", both(device.devicecode_endpoint, "v1"), waits),
        ("/devicelogin", {"GET": partial(device.login_page, entra),
                          "POST": partial(device.submit_code, entra)}, waits),
        # checks a password: a hash that takes long enough to hold up other requests
        ("/devicelogin/signin", {"POST": partial(device.sign_in, entra)}, True),
        ("/devicelogin/consent", {"POST": partial(device.consent, entra)}, waits),
    ]
    return [route(path, handlers, envelope, blocking) for path, handlers, blocking in table]
