"""What ARM answers for a provider path no other route serves.

A namespace the cloud does not know is ``InvalidResourceNamespace`` and a type its namespace
lacks is ``InvalidResourceType`` (400, as ARM answers before any provider sees the request), so
a typo in ``az resource --namespace`` is named as one. A type the cloud lists but stores nothing
of (``Microsoft.Compute/virtualMachines``, ``machines/extensions``), once the subscription is
registered for its namespace (``MissingSubscriptionRegistration`` before), reads as empty, which is
true here: a list is empty, a resource is 404, a delete is 204 (nothing to delete), and a write
is refused, naming what the cloud serves.
"""

from __future__ import annotations

from cmagent.cloud.arm import frontdoor
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import providers
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import resource_not_found
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.groups import group_name
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Response

_ACTIONS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "POST": "action",
            "DELETE": "delete"}


class _Path:
    """The provider path's parts: namespace, type (``machines/extensions``) and scope."""

    def __init__(self, arm: ArmRequest) -> None:
        self.namespace = arm.params["namespace"]
        segments = [part for part in arm.params["rest"].split("/") if part]
        self.segments = segments
        self.type = "/".join(segments[0::2])  # machines/m1/extensions -> machines/extensions
        self.is_list = len(segments) % 2 == 1
        self.group = arm.params.get("group")
        scope = f"/subscriptions/{arm.subscription_row().id}"
        if self.group:
            scope += f"/resourceGroups/{self.group}"
        self.id = f"{scope}/providers/{self.namespace}/{'/'.join(segments)}"


def serve(arm: ArmRequest) -> Response:
    path = _Path(arm)
    namespace, resource_type, versions = _known(path, arm.api_version)
    frontdoor.api_version(arm.request, versions, resource_type)
    full_type = f"{namespace}/{resource_type}"
    method = arm.request.method
    rbac.require(arm.unit, arm.caller, f"{full_type}/{_ACTIONS[method]}", path.id)
    providers.require_registered(arm, namespace)
    _parents_exist(arm, path)
    if method in ("GET", "HEAD") and path.is_list:
        return Response.json(200, {"value": []})
    if method in ("GET", "HEAD"):
        raise _not_found(full_type, path)
    if method == "DELETE":
        return Response(204, b"")
    raise arm_error(400, "BadRequest", f"The local cloud stores no {full_type} resources; it "
                    "serves Microsoft.HybridCompute/machines, their tags, and resource groups.")


def _known(path: _Path, version: str) -> tuple[str, str, tuple[str, ...]]:
    """The namespace and type as the cloud spells them, and the namespace's api-versions."""
    if path.namespace.lower() == "microsoft.authorization":
        raise arm_error(404, "NotFound", "Of Microsoft.Authorization the local cloud serves "
                        "permissions, roleAssignments and roleDefinitions.")
    known = providers.KNOWN.get(path.namespace.lower())
    if known is None:
        raise arm_error(400, "InvalidResourceNamespace",
                        f"The resource namespace '{path.namespace[:80]}' is invalid.")
    namespace, types, versions, _ = known
    resource_type = next((t for t in types if t.lower() == path.type.lower()), None)
    if resource_type is None:
        raise arm_error(400, "InvalidResourceType",
                        f"The resource type '{path.type[:160]}' could not be found in the "
                        f"namespace '{namespace}' for api version '{version[:40]}'.")
    return namespace, resource_type, versions


def _parents_exist(arm: ArmRequest, path: _Path) -> None:
    """The group, and a machine a nested type hangs under, exist (ARM's 404s otherwise)."""
    if path.group is None:
        return
    group = group_name(arm, path.group)
    if group is None:
        raise group_not_found(path.group)
    nested_in_machine = (path.namespace.lower() == "microsoft.hybridcompute"
                         and len(path.segments) >= 3 and path.segments[0].lower() == "machines")
    if nested_in_machine and machines.find(arm, group, path.segments[1]) is None:
        raise arm_error(404, "ParentResourceNotFound",
                        f"Can not perform requested operation on nested resource. Parent "
                        f"resource '{path.segments[1][:90]}' not found.")


def _not_found(full_type: str, path: _Path) -> HttpError:
    name = path.segments[-1][:90]
    if path.group:
        return resource_not_found(full_type, name, path.group)
    return arm_error(404, "ResourceNotFound", f"The Resource '{full_type}/{name}' was not found.")
