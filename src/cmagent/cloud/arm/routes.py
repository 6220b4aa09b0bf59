"""The resource manager's routes: each handler behind ARM's front door."""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute

from cmagent.cloud import envelopes
from cmagent.cloud.arm import frontdoor
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import resources
from cmagent.cloud.arm.frontdoor import MACHINES_API
from cmagent.cloud.arm.frontdoor import RESOURCES_API
from cmagent.cloud.arm.frontdoor import Arm
from cmagent.cloud.arm.frontdoor import ArmHandler
from cmagent.cloud.http import Handler
from cmagent.cloud.http import route

SUB = "/subscriptions/{subscription}"
GROUP = SUB + "/resourceGroups/{group}"
MACHINES = "/providers/Microsoft.HybridCompute/machines"
OPERATIONS = SUB + "/providers/Microsoft.HybridCompute/locations/{location}"

# path -> {method: (api-versions, handler)}
TABLE: dict[str, dict[str, tuple[tuple[str, ...], ArmHandler]]] = {
    "/subscriptions": {"GET": (RESOURCES_API, resources.list_subscriptions)},
    SUB: {"GET": (RESOURCES_API, resources.get_subscription)},
    GROUP: {"GET": (RESOURCES_API, resources.get_group),
            "PUT": (RESOURCES_API, resources.put_group),
            "DELETE": (RESOURCES_API, resources.delete_group)},
    SUB + "/providers/{namespace}": {"GET": (RESOURCES_API, resources.get_provider)},
    SUB + "/providers/{namespace}/register": {"POST": (RESOURCES_API,
                                                       resources.register_provider)},
    SUB + MACHINES: {"GET": (MACHINES_API, machines.list_in_subscription)},
    GROUP + MACHINES: {"GET": (MACHINES_API, machines.list_in_group)},
    GROUP + MACHINES + "/{name}": {"GET": (MACHINES_API, machines.get),
                                   "PUT": (MACHINES_API, machines.put),
                                   "PATCH": (MACHINES_API, machines.patch),
                                   "DELETE": (MACHINES_API, machines.delete)},
    OPERATIONS + "/operationStatuses/{operation}": {"GET": (MACHINES_API,
                                                            machines.operation_status)},
    OPERATIONS + "/operationResults/{operation}": {"GET": (MACHINES_API,
                                                           machines.operation_result)},
}


def routes(services: Arm) -> list[BaseRoute]:
    envelope = envelopes.for_service("arm")

    def behind_front_door(methods: dict[str, tuple[tuple[str, ...], ArmHandler]],
                          ) -> dict[str, Handler]:
        return {method: partial(frontdoor.serve, services, versions, handler)
                for method, (versions, handler) in methods.items()}

    return [route(path, behind_front_door(methods), envelope, services.store.shared)
            for path, methods in TABLE.items()]
