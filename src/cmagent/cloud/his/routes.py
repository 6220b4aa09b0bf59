"""The Hybrid Identity Service's routes (registered before the identity routes, whose first
path segment is a tenant)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmagent.cloud.his import service
from cmagent.cloud.http import Router

if TYPE_CHECKING:
    from cmagent.cloud.app import Cloud


def register(router: Router, cloud: Cloud) -> None:
    router.add("GET", "/discovery", lambda r: service.discovery(cloud, r))
    router.add("POST", "/his/v1/challenges", lambda r: service.challenge(cloud, r))
    router.add("POST", "/his/v1/certificates", lambda r: service.certificate(cloud, r))
    router.add("POST", "/his/v1/machines/{vm}/heartbeat", lambda r: service.heartbeat(cloud, r))
