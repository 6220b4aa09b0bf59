"""The cloud application: its state (store, clock, keys) and the router of every service."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from cmagent.cloud import management
from cmagent.cloud import metadata
from cmagent.cloud.arm import routes as arm_routes
from cmagent.cloud.arm.throttle import Throttle
from cmagent.cloud.clock import Clock
from cmagent.cloud.faults import Faults
from cmagent.cloud.his import routes as his_routes
from cmagent.cloud.his.identity_ca import IdentityCA
from cmagent.cloud.his.service import Challenges
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import Router
from cmagent.cloud.identity import device
from cmagent.cloud.identity import routes as identity_routes
from cmagent.cloud.identity.keys import SigningKeys
from cmagent.cloud.store import Store

logger = logging.getLogger("cmagent.cloud")
CLOCK_OFFSET = "clock.offset"
DEVICE_INTERVAL = "identity.deviceCodeInterval"


class Cloud:
    """Everything a request handler may need, shared by all threads of the server."""

    def __init__(self, data_dir: Path, store: Store, name: str = "cmagent") -> None:
        self.data_dir = data_dir
        self.store = store
        self.name = name
        self.clock = Clock(float(store.setting(CLOCK_OFFSET, "0") or 0))
        self.keys = SigningKeys(store, self.clock)
        self.consents = device.ConsentSessions()
        self.throttle = Throttle(self.clock)
        self.identity_ca = IdentityCA(data_dir)
        self.challenges = Challenges()
        self.faults = Faults()
        self.admin_key = (data_dir / "admin.key").read_text().strip()
        self.router = Router()
        self.started_at = time.time()
        self._register()

    def _register(self) -> None:
        management.register(self.router, self)
        self.router.add("GET", "/metadata/endpoints", lambda r: metadata.endpoints(self, r))
        arm_routes.register(self.router, self)
        his_routes.register(self.router, self)
        identity_routes.register(self.router, self)

    def device_interval(self) -> int:
        return int(self.store.setting(DEVICE_INTERVAL, "5") or 5)

    def set_clock_offset(self, offset: float) -> None:
        self.store.set_setting(CLOCK_OFFSET, repr(offset))
        self.clock.set_offset(offset)

    def __call__(self, request: Request) -> Response:
        injected = self.faults.apply(request)
        if injected is not None:
            return injected
        handler, allowed = self.router.resolve(request)
        if handler is None:
            raise HttpError(_unrouted(request, allowed))
        return handler(request)


def _unrouted(request: Request, allowed: list[str]) -> Response:
    if allowed:
        return Response.json(405, {"error": {
            "code": "MethodNotAllowed",
            "message": f"The requested resource does not support http method "
                       f"'{request.method}'."}}, {"Allow": ", ".join(sorted(set(allowed)))})
    return Response.json(404, {"error": {
        "code": "NotFound", "message": f"No service answers the path '{request.path}'."}})
