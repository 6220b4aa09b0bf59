"""The resource manager's routes: each handler behind ARM's front door."""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute

from cmagent.cloud import envelopes
from cmagent.cloud.arm import authorization
from cmagent.cloud.arm import frontdoor
from cmagent.cloud.arm import groups
from cmagent.cloud.arm import listing
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import permissions
from cmagent.cloud.arm import providers
from cmagent.cloud.arm import subscriptions
from cmagent.cloud.arm import unserved
from cmagent.cloud.arm.frontdoor import ANY_API
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
TAGS = "/providers/Microsoft.Resources/tags/default"
PROVIDER = SUB + "/providers/{namespace}"
PERMISSIONS = "/providers/Microsoft.Authorization/permissions"


def _resources(**handlers: ArmHandler) -> dict[str, tuple[tuple[str, ...], ArmHandler]]:
    return {method: (RESOURCES_API, handler) for method, handler in handlers.items()}


def _unserved() -> dict[str, tuple[tuple[str, ...], ArmHandler]]:
    return {method: (ANY_API, unserved.serve)
            for method in ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")}


def _authorization(handler: ArmHandler | None = None, **handlers: ArmHandler,
                   ) -> dict[str, tuple[tuple[str, ...], ArmHandler]]:
    if handler is not None:
        handlers["GET"] = handler
    return {method: (permissions.AUTHORIZATION_API, h) for method, h in handlers.items()}


def _role_routes(scope: str) -> dict[str, dict[str, tuple[tuple[str, ...], ArmHandler]]]:
    """Role assignments and definitions at one kind of scope."""
    base = scope + authorization.PROVIDER
    return {
        base + "/roleAssignments": _authorization(authorization.list_assignments),
        base + "/roleAssignments/{assignment}": _authorization(
            GET=authorization.get_assignment, PUT=authorization.put_assignment,
            DELETE=authorization.delete_assignment),
        base + "/roleDefinitions": _authorization(authorization.list_definitions),
        base + "/roleDefinitions/{definition}": _authorization(authorization.get_definition),
    }


def _machines(**handlers: ArmHandler) -> dict[str, tuple[tuple[str, ...], ArmHandler]]:
    return {method: (MACHINES_API, handler) for method, handler in handlers.items()}


_TAG_HANDLERS = {"GET": listing.get_tags, "PUT": listing.put_tags, "PATCH": listing.patch_tags,
                 "DELETE": listing.delete_tags}
# path -> {method: (api-versions, handler)}
TABLE: dict[str, dict[str, tuple[tuple[str, ...], ArmHandler]]] = {
    "/tenants": _resources(GET=subscriptions.list_tenants),
    "/providers": _resources(GET=providers.list_at_tenant),
    "/providers/{namespace}": _resources(GET=providers.get_at_tenant),
    "/subscriptions": _resources(GET=subscriptions.list_subscriptions),
    SUB: _resources(GET=subscriptions.get_subscription),
    SUB + "/locations": _resources(GET=subscriptions.list_locations),
    SUB + "/resourceGroups": _resources(GET=groups.list_groups),
    SUB + "/operationresults/{operation}": _resources(GET=groups.deletion_result),
    SUB + "/resources": _resources(GET=listing.list_in_subscription),
    SUB + "/tagNames": _resources(GET=listing.list_tag_names),
    SUB + "/providers": _resources(GET=providers.list_all),
    SUB + PERMISSIONS: _authorization(permissions.at_subscription),
    GROUP + PERMISSIONS: _authorization(permissions.at_group),
    GROUP + MACHINES + "/{name}" + PERMISSIONS: _authorization(permissions.at_machine),
    PROVIDER: _resources(GET=providers.get),
    PROVIDER + "/register": _resources(POST=providers.register),
    PROVIDER + "/unregister": _resources(POST=providers.unregister),
    PROVIDER + "/resourceTypes": _resources(GET=providers.resource_types),
    GROUP: _resources(GET=groups.get_group, HEAD=groups.group_exists, PUT=groups.put_group,
                      PATCH=groups.patch_group, DELETE=groups.delete_group),
    GROUP + "/resources": _resources(GET=listing.list_in_group),
    GROUP + TAGS: _resources(**_TAG_HANDLERS),
    SUB + MACHINES: _machines(GET=machines.list_in_subscription),
    GROUP + MACHINES: _machines(GET=machines.list_in_group),
    GROUP + MACHINES + "/{name}": _machines(GET=machines.get, HEAD=machines.exists,
                                            PUT=machines.put, PATCH=machines.patch,
                                            DELETE=machines.delete),
    GROUP + MACHINES + "/{name}" + TAGS: _resources(**_TAG_HANDLERS),
    OPERATIONS + "/operationStatuses/{operation}": _machines(GET=machines.operation_status),
    OPERATIONS + "/operationResults/{operation}": _machines(GET=machines.operation_result),
    **_role_routes(SUB), **_role_routes(GROUP), **_role_routes(GROUP + MACHINES + "/{name}"),
    # Last: provider paths no route above serves (a typo, or a type stored nowhere here).
    PROVIDER + "/{rest:path}": _unserved(),
    GROUP + "/providers/{namespace}/{rest:path}": _unserved(),
}


def routes(services: Arm) -> list[BaseRoute]:
    envelope = envelopes.for_service("arm")

    def behind_front_door(methods: dict[str, tuple[tuple[str, ...], ArmHandler]],
                          ) -> dict[str, Handler]:
        return {method: partial(frontdoor.serve, services, versions, handler)
                for method, (versions, handler) in methods.items()}

    return [route(path, behind_front_door(methods), envelope, services.store.shared)
            for path, methods in TABLE.items()]
