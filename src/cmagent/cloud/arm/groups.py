"""Resource groups (Microsoft.Resources/resourceGroups): list, check, get, create, update and
delete, as ARM answers them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select

from cmagent.cloud import inventory
from cmagent.cloud import models
from cmagent.cloud.arm import asyncops
from cmagent.cloud.arm import filters
from cmagent.cloud.arm import locations
from cmagent.cloud.arm import paging
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import invalid_body
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.names import check_group_name
from cmagent.cloud.arm.names import check_tags
from cmagent.cloud.http import Response
from cmagent.cloud.store import lean_first

READ = "Microsoft.Resources/subscriptions/resourceGroups/read"
WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write"
DELETE_OPERATION = "deleteGroup"
_WHERE_NAMED = (models.ResourceGroup.subscription_id == bindparam("subscription"),
                models.ResourceGroup.name_key == bindparam("name"))
_GROUP = select(models.ResourceGroup).where(*_WHERE_NAMED)
_GROUP_NAME = select(models.ResourceGroup.name).where(*_WHERE_NAMED)
_GROUP_HELD = _GROUP_NAME.with_for_update(read=True)


def group_json(row: models.ResourceGroup) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": f"/subscriptions/{row.subscription_id}/resourceGroups/{row.name}",
        "name": row.name, "type": "Microsoft.Resources/resourceGroups",
        "location": row.location, "tags": row.tags,
        "properties": {"provisioningState": "Succeeded"}}
    if row.managed_by:
        document["managedBy"] = row.managed_by
    return document


def find_group(arm: ArmRequest, name: str) -> models.ResourceGroup | None:
    return arm.session.scalars(_GROUP, {"subscription": arm.subscription_row().id,
                                        "name": name.lower()}).first()


def group_name(arm: ArmRequest, name: str) -> str | None:
    """The group's name as it was created, or None: for calls that only need it to exist."""
    row = lean_first(arm.unit, _GROUP_NAME, subscription=arm.subscription_row().id,
                     name=name.lower())
    return None if row is None else str(row.name)


def hold_group(arm: ArmRequest, name: str) -> None:
    """Keep the group from being deleted until this request's transaction ends: a machine
    created into a group another worker is deleting would outlive it. ResourceGroupNotFound
    when it went meanwhile. (SQLite has one writer at a time: nothing to hold there.)"""
    if lean_first(arm.unit, _GROUP_HELD, subscription=arm.subscription_row().id,
                  name=name.lower()) is None:
        raise group_not_found(name)


def group_scope(arm: ArmRequest, name: str) -> str:
    return f"/subscriptions/{arm.subscription_row().id}/resourceGroups/{name}"


def _existing(arm: ArmRequest, action: str) -> models.ResourceGroup:
    rbac.require(arm.unit, arm.caller, action, group_scope(arm, arm.params["group"]))
    row = find_group(arm, arm.params["group"])
    if row is None:
        raise group_not_found(arm.params["group"])
    return row


def get_group(arm: ArmRequest) -> Response:
    return Response.json(200, group_json(_existing(arm, READ)))


def group_exists(arm: ArmRequest) -> Response:
    """HEAD: 204 when the group exists, 404 when not; never a body."""
    rbac.require(arm.unit, arm.caller, READ, group_scope(arm, arm.params["group"]))
    return Response(204 if find_group(arm, arm.params["group"]) else 404, b"")


def list_groups(arm: ArmRequest) -> Response:
    """The groups the caller may read, filtered by ``$filter`` (tags only, as ARM allows)."""
    predicate = filters.compile_filter(arm.request.query.get("$filter", ""), fields=())
    rows = arm.session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=arm.subscription_row().id).order_by(models.ResourceGroup.name_key))
    readable = [group_json(row) for row in rows if rbac.allowed(
        arm.unit, arm.caller.object_id, READ, group_scope(arm, row.name))]
    chosen = [g for g in readable if predicate({"tags": g["tags"]})]
    return Response.json(200, paging.page(arm, chosen))


def put_group(arm: ArmRequest) -> Response:
    name = arm.params["group"]
    rbac.require(arm.unit, arm.caller, WRITE, group_scope(arm, name))
    body = arm.request.json()
    if not isinstance(body, dict) or not isinstance(body.get("location"), str):
        raise arm_error(400, "LocationRequired",
                        "The location property is required for this definition.")
    check_group_name(name)
    location = checked_location(body["location"])
    tags = check_tags(body.get("tags"))
    managed_by = _managed_by(body.get("managedBy"))
    row = find_group(arm, name)
    if row is None:
        row = models.ResourceGroup(subscription_id=arm.subscription_row().id, name=name,
                                   name_key=name.lower(), location=location, tags=tags,
                                   managed_by=managed_by)
        arm.session.add(row)
        return Response.json(201, group_json(row))
    if row.location.lower() != location.lower():
        raise arm_error(409, "InvalidResourceGroupLocation",
                        f"Invalid resource group location '{body['location']}'. The Resource "
                        f"group already exists in location '{row.location}'.")
    row.tags, row.managed_by = tags, managed_by
    return Response.json(200, group_json(row))


def checked_location(text: str) -> str:
    name = locations.normal(text)
    if not locations.is_known(name):
        raise arm_error(400, "LocationNotAvailableForResourceGroup",
                        f"The provided location '{text}' is not available for resource group. "
                        f"List of available regions is '{','.join(locations.REGIONS)}'.")
    return name


def _managed_by(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid_body("'managedBy' must be a string (a resource id).")
    return value or None


def patch_group(arm: ArmRequest) -> Response:
    """Tags and managedBy replace what the group had; what the body leaves out stays."""
    row = _existing(arm, WRITE)
    body = arm.request.json()
    if not isinstance(body, dict):
        raise invalid_body("The request content was invalid and could not be deserialized: the "
                           "body must be a JSON object.")
    if "tags" in body:
        row.tags = check_tags(body["tags"])
    if "managedBy" in body:
        row.managed_by = _managed_by(body["managedBy"])
    return Response.json(200, group_json(row))


def delete_group(arm: ArmRequest) -> Response:
    row = _existing(arm, "Microsoft.Resources/subscriptions/resourceGroups/delete")
    inventory.delete_group(arm.session, row)
    operation = asyncops.start(arm, DELETE_OPERATION, group_scope(arm, row.name))
    return Response(202, b"", headers={
        "Location": f"{arm.request.base_url}/subscriptions/{arm.subscription_row().id}/"
                    f"operationresults/{operation}?api-version={arm.api_version}",
        "Retry-After": "1"})


def deletion_result(arm: ArmRequest) -> Response:
    """A group's deletion, as its 202 named it: done before it was answered."""
    asyncops.finished(arm, DELETE_OPERATION)
    return Response(200, b"")
