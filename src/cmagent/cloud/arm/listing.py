"""Resources across types (Microsoft.Resources/resources): list in a subscription or a group
with ``$filter``, ``$expand`` and ``$top``; tag names; the tags of one scope
(``{scope}/providers/Microsoft.Resources/tags/default``).

The only resources this cloud holds are machines, so every listing is a listing of machines
seen through ARM's generic shape.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud.arm import filters
from cmagent.cloud.arm import groups
from cmagent.cloud.arm import machines
from cmagent.cloud.arm import paging
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import invalid_body
from cmagent.cloud.arm.errors import resource_not_found
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.names import check_tags
from cmagent.cloud.clock import iso
from cmagent.cloud.http import Response

EXPANDABLE = ("createdTime", "changedTime", "provisioningState")
TAGS_WRITE = "Microsoft.Resources/tags/write"


def list_in_subscription(arm: ArmRequest) -> Response:
    return _listing(arm, group_key=None)


def list_in_group(arm: ArmRequest) -> Response:
    """ARM authorises before it looks: without read on the group, 403 whether it exists."""
    rbac.require(arm.unit, arm.caller, groups.READ,
                 groups.group_scope(arm, arm.params["group"]))
    group = groups.find_group(arm, arm.params["group"])
    if group is None:
        raise group_not_found(arm.params["group"])
    return _listing(arm, group_key=group.name_key)


def _listing(arm: ArmRequest, group_key: str | None) -> Response:
    predicate = filters.compile_filter(arm.request.query.get("$filter", ""))
    expand = _expand(arm.request.query.get("$expand", ""))
    tag_filter = "tagname" in arm.request.query.get("$filter", "").lower()
    items = []
    for machine, group in _readable_machines(arm, group_key):
        item = _generic(machine, group, expand)
        fields = {"name": machine.name, "resourcetype": machines.TYPE, "tags": item["tags"],
                  "location": machine.location, "resourcegroup": group}
        if predicate(fields):
            if tag_filter:  # ARM leaves the tags out of items chosen by a tag filter
                item.pop("tags")
            items.append(item)
    return Response.json(200, paging.page(arm, items))


def _expand(text: str) -> tuple[str, ...]:
    wanted = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [w for w in wanted if w not in EXPANDABLE]
    if unknown:
        raise arm_error(400, "InvalidExpandInQueryString",
                        f"Invalid $expand '{text[:100]}' specified in the query string; it may "
                        f"name {', '.join(EXPANDABLE)}.")
    return wanted


def _readable_machines(arm: ArmRequest, group_key: str | None,
                       ) -> list[tuple[models.Machine, str]]:
    subscription = arm.subscription_row().id
    names = {row.name_key: row.name for row in arm.session.scalars(
        select(models.ResourceGroup).filter_by(subscription_id=subscription))}
    query = select(models.Machine).filter_by(subscription_id=subscription)
    if group_key is not None:
        query = query.filter_by(group_key=group_key)
    readable = []
    for machine in arm.session.scalars(query.order_by(models.Machine.id)):
        group = names.get(machine.group_key, machine.group_key)
        scope = machines.resource_id(subscription, group, machine.name)
        if rbac.allowed(arm.unit, arm.caller.object_id, f"{machines.TYPE}/read", scope):
            readable.append((machine, group))
    return readable


def _generic(machine: models.Machine, group: str, expand: tuple[str, ...]) -> dict[str, Any]:
    body = machine.body or {}
    item: dict[str, Any] = {"id": machines.resource_id(machine.subscription_id, group,
                                                       machine.name),
                            "name": machine.name, "type": machines.TYPE,
                            "location": machine.location, "tags": body.get("tags") or {}}
    if body.get("kind"):
        item["kind"] = body["kind"]
    system = body.get("systemData") or {}
    if "createdTime" in expand:
        item["createdTime"] = system.get("createdAt") or _when(machine.created_at)
    if "changedTime" in expand:
        item["changedTime"] = system.get("lastModifiedAt") or _when(machine.created_at)
    if "provisioningState" in expand:
        item["provisioningState"] = "Succeeded"
    return item


def _when(stamp: float) -> str:
    return iso(datetime.datetime.fromtimestamp(stamp, datetime.UTC))


def list_tag_names(arm: ArmRequest) -> Response:
    """Every tag name on the subscription's groups and machines, with its values and counts."""
    subscription = arm.subscription_row().id
    rbac.require(arm.unit, arm.caller, "Microsoft.Resources/subscriptions/tagNames/read",
                 f"/subscriptions/{subscription}")
    counts: dict[str, dict[str, int]] = {}
    for tags in _all_tags(arm):
        for name, value in tags.items():
            counts.setdefault(name, {}).setdefault(value, 0)
            counts[name][value] += 1
    base = f"/subscriptions/{subscription}/tagNames"
    return Response.json(200, paging.page(arm, [
        {"id": f"{base}/{name}", "tagName": name,
         "count": {"type": "Total", "value": sum(values.values())},
         "values": [{"id": f"{base}/{name}/tagValues/{value}", "tagValue": value,
                     "count": {"type": "Total", "value": count}}
                    for value, count in sorted(values.items())]}
        for name, values in sorted(counts.items())]))


def _all_tags(arm: ArmRequest) -> list[dict[str, str]]:
    subscription = arm.subscription_row().id
    found = [row.tags or {} for row in arm.session.scalars(
        select(models.ResourceGroup).filter_by(subscription_id=subscription))]
    found += [(row.body or {}).get("tags") or {} for row in arm.session.scalars(
        select(models.Machine).filter_by(subscription_id=subscription))]
    return found


# --- tags of one scope -------------------------------------------------------------------------

class _Tagged:
    """The resource group or machine whose tags a tags/default request reads or writes."""

    def __init__(self, arm: ArmRequest) -> None:
        group = groups.find_group(arm, arm.params["group"])
        if group is None:
            raise group_not_found(arm.params["group"])
        self.group = group
        self.machine: models.Machine | None = None
        self.scope = groups.group_scope(arm, group.name)
        if "name" in arm.params:
            self.machine = machines.find(arm, group.name, arm.params["name"])
            if self.machine is None:
                raise resource_not_found(machines.TYPE, arm.params["name"], group.name)
            self.scope = machines.resource_id(group.subscription_id, group.name,
                                              self.machine.name)

    @property
    def tags(self) -> dict[str, str]:
        if self.machine is None:
            return dict(self.group.tags or {})
        return dict((self.machine.body or {}).get("tags") or {})

    def replace(self, tags: dict[str, str]) -> None:
        if self.machine is None:
            self.group.tags = tags
        else:
            self.machine.body = {**(self.machine.body or {}), "tags": tags}

    def document(self) -> dict[str, Any]:
        return {"id": f"{self.scope}/providers/Microsoft.Resources/tags/default",
                "name": "default", "type": "Microsoft.Resources/tags",
                "properties": {"tags": self.tags}}


def _tagged(arm: ArmRequest, action: str) -> _Tagged:
    """Authorised on the scope as asked, before the group or machine is looked up (so a
    caller without rights cannot tell which exist)."""
    scope = groups.group_scope(arm, arm.params["group"])
    if "name" in arm.params:
        scope = machines.resource_id(arm.subscription_row().id, arm.params["group"],
                                     arm.params["name"])
    rbac.require(arm.unit, arm.caller, action, scope)
    return _Tagged(arm)


def get_tags(arm: ArmRequest) -> Response:
    return Response.json(200, _tagged(arm, "Microsoft.Resources/tags/read").document())


def put_tags(arm: ArmRequest) -> Response:
    tagged = _tagged(arm, TAGS_WRITE)
    tagged.replace(_body_tags(arm))
    return Response.json(200, tagged.document())


def patch_tags(arm: ArmRequest) -> Response:
    """``operation``: Merge (add or overwrite), Replace (all of them), Delete (those named,
    where the value matches)."""
    tagged = _tagged(arm, TAGS_WRITE)
    operation = (arm.request.json() or {}).get("operation", "")
    given, current = _body_tags(arm), tagged.tags
    if operation == "Merge":
        tagged.replace(check_tags({**current, **given}))
    elif operation == "Replace":
        tagged.replace(given)
    elif operation == "Delete":
        tagged.replace({k: v for k, v in current.items() if given.get(k) not in (v, "")})
    else:
        raise invalid_body("'operation' must be Merge, Replace or Delete.")
    return Response.json(200, tagged.document())


def delete_tags(arm: ArmRequest) -> Response:
    tagged = _tagged(arm, TAGS_WRITE)
    tagged.replace({})
    return Response(200, b"")


def _body_tags(arm: ArmRequest) -> dict[str, str]:
    body = arm.request.json()
    properties = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(properties, dict):
        raise invalid_body("The body must be an object with 'properties': {'tags': {...}}.")
    return check_tags(properties.get("tags") or {})
