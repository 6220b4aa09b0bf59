"""The cloud as an ASGI application: every service object built once (``Services``, the
composition root), and the Starlette app that routes each path to the service that owns it.

Each service's routes receive only what that service uses (``Entra``, ``Arm``, ``His``,
``Operator``); no handler reaches into the whole. Middleware, outermost first: access log,
``//`` read as ``/``, then injected faults; router-level refusals (404, 405) answer in the
owning service's envelope.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from collections.abc import Callable
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.routing import BaseRoute

from cmagent.cloud import downloads
from cmagent.cloud import envelopes
from cmagent.cloud import management
from cmagent.cloud import metadata
from cmagent.cloud import portal
from cmagent.cloud.arm import routes as arm_routes
from cmagent.cloud.arm.auth import Authenticator
from cmagent.cloud.arm.frontdoor import Arm
from cmagent.cloud.arm.throttle import Throttle
from cmagent.cloud.clock import Clock
from cmagent.cloud.faults import Faults
from cmagent.cloud.given import Operator
from cmagent.cloud.his import beats
from cmagent.cloud.his import routes as his_routes
from cmagent.cloud.his.identity_ca import IdentityCA
from cmagent.cloud.his.service import His
from cmagent.cloud.http import CaseInsensitiveMount
from cmagent.cloud.http import route
from cmagent.cloud.identity import routes as identity_routes
from cmagent.cloud.identity.entra import Entra
from cmagent.cloud.identity.keys import SigningKeys
from cmagent.cloud.identity.sessions import ConsentSessions
from cmagent.cloud.middleware import AccessLog
from cmagent.cloud.middleware import CloudDate
from cmagent.cloud.middleware import CollapseSlashes
from cmagent.cloud.middleware import FaultInjection
from cmagent.cloud.middleware import SharedStateRefresh
from cmagent.cloud.shared import SharedState
from cmagent.cloud.store import Store

logger = logging.getLogger("cmagent.cloud")


class Services:
    """Every service object of one cloud process."""

    def __init__(self, data_dir: Path, store: Store, name: str = "cmagent") -> None:
        self.data_dir = data_dir
        self.store = store
        self.name = name
        self.clock = Clock.from_store(store)
        self.keys = SigningKeys(store, self.clock)
        self.keys.load()
        self.authenticator = Authenticator(self.keys, self.clock)
        shared = store if store.shared else None
        self.throttle = Throttle(self.clock, shared)
        self.faults = Faults(shared)
        self.identity_ca = IdentityCA(data_dir)
        self.heartbeats = beats.book(store)
        self.admin_key = (data_dir / "admin.key").read_text().strip()

    def entra(self) -> Entra:
        return Entra(self.store, self.clock, self.keys, ConsentSessions(self.store))

    def arm(self) -> Arm:
        return Arm(self.store, self.clock, self.authenticator, self.throttle)

    def his(self) -> His:
        return His(self.store, self.clock, self.authenticator, self.identity_ca,
                   self.heartbeats)

    def operator(self) -> Operator:
        return Operator(self.name, self.data_dir, self.admin_key, self.store, self.clock,
                        self.keys, self.faults, self.throttle)


def routes(services: Services) -> list[BaseRoute]:
    """Every route, in matching order: the busiest first, the identity routes (whose first
    segment is a tenant, ``/{tenant}/...``) last."""
    return [route("/metadata/endpoints", {"GET": partial(metadata.endpoints, services.name)},
                  envelopes.for_service("metadata")),
            *his_routes.routes(services.his()),
            *arm_routes.routes(services.arm()),
            CaseInsensitiveMount(management.PREFIX, management.routes(services.operator())),
            *downloads.routes(services.data_dir, services.store),
            *portal.routes(portal.Portal(services.store, services.clock)),
            *identity_routes.routes(services.entra())]


def application(services: Services, on_ready: Callable[[], None] | None = None) -> Starlette:
    """The app; ``on_ready`` runs once it has started (the server then announces itself)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_ready is not None:
            on_ready()
        yield
        services.store.close()

    middleware = [Middleware(CloudDate, clock=services.clock), Middleware(AccessLog),
                  Middleware(CollapseSlashes),
                  Middleware(FaultInjection, faults=services.faults)]
    if services.store.shared:
        middleware.insert(3, Middleware(SharedStateRefresh, state=SharedState(
            services.store, services.clock, services.throttle, services.faults)))
    return Starlette(routes=routes(services), lifespan=lifespan, middleware=middleware,
                     exception_handlers={HTTPException: _refused_by_router})


async def _refused_by_router(request: StarletteRequest, error: Exception) -> StarletteResponse:
    assert isinstance(error, HTTPException)
    path = request.url.path
    envelope = envelopes.for_service(envelopes.service_of(path))
    if error.status_code == 404:
        answer = envelope(404, "NotFound", f"No service answers the path '{path}'.", None)
    else:
        answer = envelope(error.status_code, "BadRequest", str(error.detail),
                          dict(error.headers or {}))
    return StarletteResponse(answer.body, answer.status, answer.headers)
