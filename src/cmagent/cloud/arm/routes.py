"""The resource manager's routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmagent.cloud.arm import frontdoor
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import resources
from cmagent.cloud.arm.frontdoor import MACHINES_API
from cmagent.cloud.arm.frontdoor import RESOURCES_API
from cmagent.cloud.arm.frontdoor import ArmHandler
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import Router

if TYPE_CHECKING:
    from cmagent.cloud.app import Cloud

SUB = "/subscriptions/{subscription}"
GROUP = SUB + "/resourceGroups/{group}"
MACHINES = "/providers/Microsoft.HybridCompute/machines"
OPERATIONS = SUB + "/providers/Microsoft.HybridCompute/locations/{location}"


def register(router: Router, cloud: Cloud) -> None:
    def arm(versions: tuple[str, ...], handler: ArmHandler):  # type: ignore[no-untyped-def]
        def serve(request: Request) -> Response:
            return frontdoor.serve(cloud, request, versions, handler)
        return serve

    table: list[tuple[str, str, tuple[str, ...], ArmHandler]] = [
        ("GET", "/subscriptions", RESOURCES_API, resources.list_subscriptions),
        ("GET", SUB, RESOURCES_API, resources.get_subscription),
        ("GET", GROUP, RESOURCES_API, resources.get_group),
        ("PUT", GROUP, RESOURCES_API, resources.put_group),
        ("DELETE", GROUP, RESOURCES_API, resources.delete_group),
        ("GET", SUB + "/providers/{namespace}", RESOURCES_API, resources.get_provider),
        ("POST", SUB + "/providers/{namespace}/register", RESOURCES_API,
         resources.register_provider),
        ("GET", SUB + MACHINES, MACHINES_API, machines.list_in_subscription),
        ("GET", GROUP + MACHINES, MACHINES_API, machines.list_in_group),
        ("GET", GROUP + MACHINES + "/{name}", MACHINES_API, machines.get),
        ("PUT", GROUP + MACHINES + "/{name}", MACHINES_API, machines.put),
        ("PATCH", GROUP + MACHINES + "/{name}", MACHINES_API, machines.patch),
        ("DELETE", GROUP + MACHINES + "/{name}", MACHINES_API, machines.delete),
        ("GET", OPERATIONS + "/operationStatuses/{operation}", MACHINES_API,
         machines.operation_status),
        ("GET", OPERATIONS + "/operationResults/{operation}", MACHINES_API,
         machines.operation_result),
    ]
    for method, path, versions, handler in table:
        router.add(method, path, arm(versions, handler))
