"""The Hybrid Identity Service's routes."""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute

from cmagent.cloud import envelopes
from cmagent.cloud.his import service
from cmagent.cloud.his.service import His
from cmagent.cloud.http import route


def routes(his: His) -> list[BaseRoute]:
    envelope = envelopes.for_service("his")
    waits = his.store.shared  # a database server: wait for it in a thread
    return [
        route("/discovery", {"GET": partial(service.discovery, his)}, envelope),
        route("/his/v1/challenges", {"POST": partial(service.challenge, his)}, envelope, waits),
        route("/his/v1/certificates", {"POST": partial(service.certificate, his)}, envelope,
              waits),
        route("/his/v1/machines/{vm}/heartbeat", {"POST": partial(service.heartbeat, his)},
              envelope, waits),
    ]
