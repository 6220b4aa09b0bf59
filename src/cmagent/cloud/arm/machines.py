"""Microsoft.HybridCompute/machines: PUT, GET, PATCH, DELETE and list, as the RP answers them.

A PUT with a SystemAssigned identity creates the machine's managed identity (a service principal
in the subscription's tenant); DELETE removes it, so its certificate stops working at once.
Properties the agent reports (agentVersion, osName, ...) arrive through heartbeats, not PUT.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from types import SimpleNamespace
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import select

from cmagent.cloud import inventory
from cmagent.cloud import models
from cmagent.cloud import principals
from cmagent.cloud import status as machine_status
from cmagent.cloud.arm import asyncops
from cmagent.cloud.arm import locations
from cmagent.cloud.arm import paging
from cmagent.cloud.arm import rbac
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import group_not_found
from cmagent.cloud.arm.errors import invalid_body
from cmagent.cloud.arm.errors import resource_not_found
from cmagent.cloud.arm.frontdoor import ArmRequest
from cmagent.cloud.arm.groups import group_name
from cmagent.cloud.arm.groups import hold_group
from cmagent.cloud.arm.names import check_machine_name
from cmagent.cloud.arm.names import check_tags
from cmagent.cloud.arm.providers import require_registered
from cmagent.cloud.clock import iso
from cmagent.cloud.http import Response
from cmagent.cloud.identity import directory
from cmagent.cloud.store import lean_first
from cmagent.cloud.store import lean_run

NAMESPACE = "Microsoft.HybridCompute"
TYPE = "Microsoft.HybridCompute/machines"
ASYNC_DELETE_FROM = "2025-01-13"
DELETE_OPERATION = "deleteMachine"
READ_ONLY = {"provisioningState", "status", "statusReason", "lastStatusChange", "errorDetails",
             "agentVersion", "displayName", "machineFqdn", "osName", "osVersion", "osSku",
             "osEdition", "vmUuid", "domainName", "adFqdn", "dnsFqdn", "detectedProperties",
             "networkProfile", "hardwareProfile", "storageProfile", "firmwareProfile",
             "agentConfiguration"}
PATCHABLE = {"locationData", "osProfile", "cloudMetadata", "agentUpgrade", "licenseProfile",
             "parentClusterResourceId", "privateLinkScopeResourceId", "identityKeyStore",
             "tpmEkCertificate", "mssqlDiscovered", "serviceStatuses", "extensions"}


def _scope(arm: ArmRequest, name: str | None = None) -> str:
    scope = f"/subscriptions/{arm.subscription_row().id}/resourceGroups/{arm.params['group']}"
    return f"{scope}/providers/{TYPE}/{name}" if name else scope


_MACHINES = models.table(models.Machine)
_APPLICATIONS = models.table(models.Application)
_WHERE_NAMED = (_MACHINES.c.subscription_id == bindparam("sub"),
                _MACHINES.c.group_key == bindparam("group"),
                _MACHINES.c.name_key == bindparam("name"))
_MACHINE = select(models.Machine).where(*_WHERE_NAMED)
_MACHINE_ROW = select(*_MACHINES.columns).where(*_WHERE_NAMED)
_IDENTITY = select(models.Application.sp_object_id, models.Application.tenant_id).where(
    models.Application.app_id == bindparam("app"))
_VM_ID_TAKEN = select(_MACHINES.c.id).where(_MACHINES.c.vm_id == bindparam("vm_id")).limit(1)
_INSERT_MACHINE = insert(_MACHINES).values(
    {column.key: bindparam(column.key) for column in _MACHINES.columns if column.key != "id"})
_INSERT_APPLICATION = insert(_APPLICATIONS).values(
    {column.key: bindparam(column.key) for column in _APPLICATIONS.columns})


def find(arm: ArmRequest, group: str, name: str) -> models.Machine | None:
    """The machine for a change (the session tracks it)."""
    return arm.session.scalars(_MACHINE, {"sub": arm.subscription_row().id,
                                          "group": group.lower(), "name": name.lower()}).first()


def _stored(arm: ArmRequest, group: str, name: str) -> Any:
    """The machine's stored row, to answer with (read without the ORM: GET and PUT are the
    calls a fleet makes most)."""
    return lean_first(arm.unit, _MACHINE_ROW, sub=arm.subscription_row().id,
                      group=group.lower(), name=name.lower())


def _checked(arm: ArmRequest, action: str) -> str:
    """RBAC, provider registration and the resource group: the checks of every machine call.
    Returns the group's name as it was created."""
    name = arm.params.get("name")
    rbac.require(arm.unit, arm.caller, f"{TYPE}/{action}", _scope(arm, name))
    require_registered(arm, NAMESPACE)
    group = group_name(arm, arm.params["group"])
    if group is None:
        raise group_not_found(arm.params["group"])
    return group


def get(arm: ArmRequest) -> Response:
    group = _checked(arm, "read")
    machine = _stored(arm, group, arm.params["name"])
    if machine is None:
        raise resource_not_found(TYPE, arm.params["name"], group)
    return Response.json(200, to_json(arm, machine, group))


def exists(arm: ArmRequest) -> Response:
    """HEAD: 204 when the machine exists, 404 when not; never a body."""
    group = _checked(arm, "read")
    return Response(204 if _stored(arm, group, arm.params["name"]) else 404, b"")


def put(arm: ArmRequest) -> Response:
    group = _checked(arm, "write")
    name = arm.params["name"]
    check_machine_name(name)
    body = _body(arm)
    machine = find(arm, group, name) if _stored(arm, group, name) is not None else None
    if machine is None:  # (another worker may have deleted it since: then create it again)
        hold_group(arm, group)
        return Response.json(200, to_json(arm, _create(arm, group, name, body), group))
    _replace(arm, machine, body)
    arm.session.flush()
    return Response.json(200, to_json(arm, machine, group))


def patch(arm: ArmRequest) -> Response:
    group = _checked(arm, "write")
    machine = find(arm, group, arm.params["name"])
    if machine is None:
        raise resource_not_found(TYPE, arm.params["name"], group)
    body = arm.request.json()
    if not isinstance(body, dict):
        raise invalid_body("The request body must be a JSON object.")
    stored = dict(machine.body)
    if "tags" in body:
        stored["tags"] = check_tags(body["tags"])
    stored["properties"] = {**stored.get("properties", {}), **_patchable(body)}
    machine.body = stored
    _stamp(arm, machine, created=False)
    if isinstance(body.get("identity"), dict):
        _apply_identity(arm, machine, body["identity"])
    return Response.json(200, to_json(arm, machine, group))


def delete(arm: ArmRequest) -> Response:
    group = _checked(arm, "delete")
    machine = find(arm, group, arm.params["name"])
    if machine is None:
        return Response(204, b"")
    inventory.delete_machine(arm.session, machine)
    if arm.api_version >= ASYNC_DELETE_FROM:
        return _accepted(arm, machine, group)
    return Response(200, b"")


def _accepted(arm: ArmRequest, machine: models.Machine, group: str) -> Response:
    operation = asyncops.start(arm, DELETE_OPERATION,
                               resource_id(machine.subscription_id, group, machine.name))
    base = (f"{arm.request.base_url}/subscriptions/{arm.subscription_row().id}/providers/"
            f"{NAMESPACE}/locations/{machine.location}")
    query = f"?api-version={arm.api_version}"
    return Response(202, b"", headers={
        "Azure-AsyncOperation": f"{base}/operationStatuses/{operation}{query}",
        "Location": f"{base}/operationResults/{operation}{query}", "Retry-After": "1"})


def operation_status(arm: ArmRequest) -> Response:
    """A deletion finishes before it is answered: one this cloud started has Succeeded."""
    started = asyncops.finished(arm, DELETE_OPERATION)
    when = iso(datetime.datetime.fromtimestamp(started.created_at, datetime.UTC))
    return Response.json(200, {"id": arm.request.path, "name": started.id,
                               "status": "Succeeded", "startTime": when, "endTime": when})


def operation_result(arm: ArmRequest) -> Response:
    asyncops.finished(arm, DELETE_OPERATION)
    return Response(204, b"")


def list_in_group(arm: ArmRequest) -> Response:
    group = _checked(arm, "read")
    query = select(models.Machine).filter_by(subscription_id=arm.subscription_row().id,
                                             group_key=group.lower())
    return _page(arm, query)


def list_in_subscription(arm: ArmRequest) -> Response:
    """ARM filters collection reads: the machines of the groups the caller may read, and 403
    only when it may read none."""
    subscription = f"/subscriptions/{arm.subscription_row().id}"
    query = select(models.Machine).filter_by(subscription_id=arm.subscription_row().id)
    if not rbac.allowed(arm.unit, arm.caller.object_id, f"{TYPE}/read", subscription):
        readable = [key for key, name in _group_names(arm).items() if rbac.allowed(
            arm.unit, arm.caller.object_id, f"{TYPE}/read",
            f"{subscription}/resourceGroups/{name}")]
        if not readable:
            rbac.require(arm.unit, arm.caller, f"{TYPE}/read", subscription)
        query = query.where(models.Machine.group_key.in_(readable))
    require_registered(arm, NAMESPACE)
    return _page(arm, query)


def _page(arm: ArmRequest, query: Any) -> Response:
    """A page of machines in creation order, after the last one the client has seen (a key,
    not an offset: machines deleted meanwhile do not make it skip any)."""
    seen = paging.after_number(arm)
    rows = list(arm.session.scalars(query.where(models.Machine.id > seen)
                                    .order_by(models.Machine.id).limit(paging.PAGE_SIZE + 1)))
    names = _group_names(arm)
    shown = rows[:paging.PAGE_SIZE]
    body: dict[str, Any] = {"value": [to_json(arm, m, names.get(m.group_key, m.group_key))
                                      for m in shown]}
    if len(rows) > paging.PAGE_SIZE:
        body["nextLink"] = paging.next_link(arm, str(shown[-1].id))
    return Response.json(200, body)


def _group_names(arm: ArmRequest) -> dict[str, str]:
    rows = arm.session.execute(select(models.ResourceGroup.name_key, models.ResourceGroup.name)
                               .filter_by(subscription_id=arm.subscription_row().id))
    return {key: name for key, name in rows}


def _patchable(body: dict[str, Any]) -> dict[str, Any]:
    """The properties a PATCH may change (an object of known names, or nothing)."""
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise invalid_body("The request content was invalid and could not be deserialized: "
                           "'properties' must be an object.")
    unknown = set(properties) - PATCHABLE
    if unknown:
        raise arm_error(400, "HCRP400", f"These properties cannot be updated: "
                                        f"{', '.join(sorted(unknown))}.")
    return properties


def _body(arm: ArmRequest) -> dict[str, Any]:
    body = arm.request.json()
    if not isinstance(body, dict):
        raise invalid_body("The request content was invalid and could not be deserialized: the "
                           "body must be a JSON object.")
    if not isinstance(body.get("location"), str) or not body["location"].strip():
        raise arm_error(400, "LocationRequired",
                        "The location property is required for this definition.")
    if not locations.is_known(body["location"]):
        raise arm_error(400, "LocationNotAvailableForResourceType",
                        f"The provided location '{body['location'][:80]}' is not available for "
                        f"resource type '{TYPE}'. List of available regions for the resource "
                        f"type is '{','.join(locations.REGIONS)}'.")
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise invalid_body("'properties' must be an object.")
    _check_properties(properties)
    return body


def _check_properties(properties: dict[str, Any]) -> None:
    vm_id = properties.get("vmId")
    if vm_id is not None and (not isinstance(vm_id, str) or not directory.is_guid(vm_id)):
        raise arm_error(400, "HCRP400", "Missing or invalid properties: VmId")
    key = properties.get("clientPublicKey")
    if key is not None and not _valid_public_key(key):
        raise arm_error(400, "HCRP400", "Missing or invalid properties: ClientPublicKey")


def _valid_public_key(value: Any) -> bool:
    """Base64 of a DER RSA public key (PKCS#1, as the agent sends it, or SubjectPublicKeyInfo)."""
    if not isinstance(value, str):
        return False
    try:
        der = base64.b64decode(value, validate=True)
        serialization.load_der_public_key(der)
    except (binascii.Error, ValueError):
        return False
    return True


def _create(arm: ArmRequest, group: str, name: str, body: dict[str, Any]) -> SimpleNamespace:
    """Insert the machine (and its identity) by Core statements; returns the values stored
    (without the row's id, which no answer shows)."""
    properties = {k: v for k, v in (body.get("properties") or {}).items() if k not in READ_ONLY}
    properties["vmId"] = (properties.get("vmId") or str(uuid.uuid4())).lower()  # null: absent
    _check_vm_id_free(arm, properties["vmId"])
    now = arm.services.clock.now()
    stored = {"tags": check_tags(body.get("tags")), "kind": body.get("kind"),
              "properties": properties, "systemData": _system_data(arm, {}, created=True)}
    machine = SimpleNamespace(
        subscription_id=arm.subscription_row().id, group_key=group.lower(), name=name,
        name_key=name.lower(), location=locations.normal(body["location"]),
        vm_id=properties["vmId"], identity_app_id=None, body=stored, reported={},
        status="AwaitingConnection", last_status_change=now, last_heartbeat=None,
        fingerprint=None, created_at=now)
    if _identity_kind(body.get("identity")) == "SystemAssigned":
        machine.identity_app_id = _insert_identity(arm, name)
    lean_run(arm.unit, _INSERT_MACHINE, **vars(machine))
    return machine


def _check_vm_id_free(arm: ArmRequest, vm_id: str) -> None:
    """The Hybrid Identity Service finds a machine by its vmId alone: a second machine with
    the same one (in any tenant) would take over the first one's certificate flow."""
    if lean_first(arm.unit, _VM_ID_TAKEN, vm_id=vm_id) is not None:
        raise arm_error(409, "HCRP409", f"Another machine already has the vmId '{vm_id}'; a "
                                        "machine's vmId must be unique. Onboard this machine "
                                        "with its own vmId.")


def _insert_identity(arm: ArmRequest, machine_name: str) -> str:
    app = principals.new_machine_identity(arm.subscription_row().tenant_id, machine_name)
    lean_run(arm.unit, _INSERT_APPLICATION, **app)
    return str(app["app_id"])


def _replace(arm: ArmRequest, machine: models.Machine, body: dict[str, Any]) -> None:
    properties = {k: v for k, v in (body.get("properties") or {}).items() if k not in READ_ONLY}
    if (properties.get("vmId") or machine.vm_id).lower() != machine.vm_id:
        raise arm_error(400, "HCRP400", "Missing or invalid properties: VmId (a machine's vmId "
                                        "cannot change)")
    properties["vmId"] = machine.vm_id
    _keep_identity_key(machine, properties)
    if locations.normal(body["location"]) != locations.normal(machine.location):
        raise arm_error(409, "InvalidResourceLocation",
                        f"The resource '{machine.name}' already exists in location "
                        f"'{machine.location}'. A resource with the same name cannot be "
                        "created in location "
                        f"'{locations.normal(body['location'])}'. Please select a new resource "
                        "name.")
    stored = dict(machine.body)
    stored.update({"tags": check_tags(body.get("tags")), "kind": body.get("kind"),
                   "properties": properties})
    machine.body = stored
    _stamp(arm, machine, created=False)
    _apply_identity(arm, machine, body.get("identity"))


def _keep_identity_key(machine: models.Machine, properties: dict[str, Any]) -> None:
    """A machine's key may be set once; after that only a flow that proves possession of the
    current key may change it (or deleting the resource, which ends its identity): a PUT that
    would swap it would hand the identity to whoever holds the new key."""
    current = (machine.body.get("properties") or {}).get("clientPublicKey")
    wanted = properties.get("clientPublicKey", current)
    if current and wanted != current:
        raise arm_error(400, "HCRP400", "Missing or invalid properties: ClientPublicKey (the "
                        "key of a machine's identity cannot be replaced by a PUT; delete the "
                        "resource and connect the machine again)")
    if current:
        properties["clientPublicKey"] = current


def _identity_kind(identity: Any) -> str:
    kind = (identity or {}).get("type", "None") if isinstance(identity, dict) else "None"
    if kind not in ("SystemAssigned", "None"):
        raise arm_error(400, "InvalidIdentityType",
                        f"Identity type '{kind}' is not supported; use SystemAssigned or None.")
    return str(kind)


def _apply_identity(arm: ArmRequest, machine: models.Machine, identity: Any) -> None:
    kind = _identity_kind(identity)
    if kind == "SystemAssigned" and not machine.identity_app_id:
        app = principals.create_machine_identity(arm.session, arm.subscription_row().tenant_id,
                                                 machine.name)
        machine.identity_app_id = app.app_id
    elif kind == "None" and machine.identity_app_id:
        principals.delete_application(arm.session, machine.identity_app_id)
        machine.identity_app_id = None


def _stamp(arm: ArmRequest, machine: models.Machine, created: bool) -> None:
    system = _system_data(arm, (machine.body or {}).get("systemData") or {}, created)
    machine.body = {**machine.body, "systemData": system}


def _system_data(arm: ArmRequest, previous: dict[str, Any], created: bool) -> dict[str, Any]:
    by_type = "User" if "upn" in arm.caller.claims else "Application"
    now = iso(arm.services.clock.utcnow())
    system = dict(previous)
    if created:
        system.update({"createdBy": arm.caller.name, "createdByType": by_type, "createdAt": now})
    system.update({"lastModifiedBy": arm.caller.name, "lastModifiedByType": by_type,
                   "lastModifiedAt": now})
    return system


def resource_id(subscription_id: str, group: str, name: str) -> str:
    return (f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{TYPE}/"
            f"{name}")


def to_json(arm: ArmRequest, machine: models.Machine | SimpleNamespace,
            group: str) -> dict[str, Any]:
    body = machine.body or {}
    now = arm.services.clock.now()
    state, changed = machine_status.derive(machine.status, machine.last_status_change,
                                           machine.last_heartbeat, now)
    reported = dict(machine.reported or {})
    properties = {**body.get("properties", {}), **reported,
                  "provisioningState": "Succeeded", "status": state,
                  "lastStatusChange": iso(datetime.datetime.fromtimestamp(changed,
                                                                          datetime.UTC)),
                  "errorDetails": reported.get("errorDetails", []),
                  "vmId": machine.vm_id}
    document: dict[str, Any] = {
        "id": resource_id(machine.subscription_id, group, machine.name), "name": machine.name,
        "type": TYPE, "location": machine.location, "tags": body.get("tags") or {},
        "properties": properties, "systemData": body.get("systemData", {})}
    if body.get("kind"):
        document["kind"] = body["kind"]
    document["identity"] = _identity_json(arm, machine)
    return document


def _identity_json(arm: ArmRequest, machine: models.Machine | SimpleNamespace) -> dict[str, Any]:
    if not machine.identity_app_id:
        return {"type": "None"}
    app = lean_first(arm.unit, _IDENTITY, app=machine.identity_app_id)
    if app is None:
        return {"type": "None"}
    return {"type": "SystemAssigned", "principalId": app.sp_object_id, "tenantId": app.tenant_id}
