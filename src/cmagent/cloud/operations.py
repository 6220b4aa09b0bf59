"""The management API's operator controls: provider registrations, the clock, identity
settings, user tokens, faults, throttling, seeded machines, reset. Routed by ``management``."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import given
from cmagent.cloud import models
from cmagent.cloud import status as machine_status
from cmagent.cloud.arm import names
from cmagent.cloud.arm.groups import checked_location
from cmagent.cloud.clock import OFFSET_SETTING
from cmagent.cloud.clock import ClockError
from cmagent.cloud.clock import iso
from cmagent.cloud.clock import parse_iso
from cmagent.cloud.faults import FaultError
from cmagent.cloud.given import Operator
from cmagent.cloud.http import Request
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import policy
from cmagent.cloud.identity import tokens
from cmagent.cloud.identity.tokens import Principal
from cmagent.cloud.store import locked_setting

REGISTRATION_STATES = ("NotRegistered", "Registering", "Registered", "Unregistering")


def list_providers(operator: Operator, request: Request, session: Session) -> list[Any]:
    subscription = given.subscription(session, request.params["subscription"])
    return [{"subscriptionId": r.subscription_id, "namespace": r.namespace,
             "registrationState": r.state}
            for r in operator.store.all(session, models.ProviderRegistration,
                                        subscription_id=subscription.id)]


def set_provider(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    subscription = given.subscription(session, request.params["subscription"])
    namespace = request.params["namespace"]
    state = given.choice(given.body(request).get("registrationState", "Registered"),
                         REGISTRATION_STATES, "registrationState")
    session.merge(models.ProviderRegistration(subscription_id=subscription.id,
                                              namespace_key=namespace.lower(),
                                              namespace=namespace, state=state))
    return {"subscriptionId": subscription.id, "namespace": namespace,
            "registrationState": state}


def _clock_json(operator: Operator) -> dict[str, Any]:
    return {"now": iso(operator.clock.utcnow()), "offsetSeconds": operator.clock.offset,
            "machinesFollow": operator.clock.machines_follow}


def get_clock(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    return _clock_json(operator)


def move_clock(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    clock = operator.clock
    if given.flag(body, "reset"):
        offset = 0.0
    elif "set" in body:
        try:
            offset = clock.offset_to(parse_iso(str(body["set"])))
        except (ValueError, OverflowError):
            raise given.fail(400, "InvalidParameter", "'set' must be an ISO 8601 time.") from None
    elif isinstance(body.get("advanceSeconds"), int | float) and \
            not isinstance(body["advanceSeconds"], bool):
        offset = _stored_offset(session) + float(body["advanceSeconds"])
    else:
        raise given.fail(400, "MissingParameter", "Give 'advanceSeconds', 'set' or 'reset'.")
    try:
        clock.move(session, offset, _machines_follow(body))
    except ClockError as error:
        raise given.fail(400, "InvalidParameter", str(error)) from None
    return _clock_json(operator)


def _stored_offset(session: Session) -> float:
    """The offset as the store has it, its row locked until this move is written: two moves
    at once through two workers both count (a worker's own copy may be a moment old)."""
    try:
        return float(locked_setting(session, OFFSET_SETTING, "0.0"))
    except ValueError:
        return 0.0


def _machines_follow(body: dict[str, Any]) -> bool:
    """``machinesFollow`` (default true; false: the machines' clocks stay behind)."""
    return given.flag(body, "machinesFollow", default=True)


def get_settings(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    return {name: setting.read(operator.store) for name, setting in policy.SETTINGS.items()}


def set_settings(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    for name, value in body.items():
        setting = policy.SETTINGS.get(name)
        if setting is None or not setting.check(value):
            choices = "; ".join(f"{n}: {s.allowed}" for n, s in policy.SETTINGS.items())
            raise given.fail(400, "InvalidParameter", f"Settable: {choices}.")
        session.merge(models.Setting(key=setting.key, value=str(value)))
    return {"updated": sorted(body)}


def user_token(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    """An access token for a user without a password: what ``--access-token`` users bring."""
    body = given.body(request)
    user = directory.user_by_upn(session, given.text(body, "userPrincipalName"))
    if user is None:
        raise given.fail(404, "UserNotFound", "No such user.")
    resource = str(body.get("resource") or "https://management.azure.com/")
    principal = Principal(user.tenant_id, user.object_id,
                          next(iter(directory.FIRST_PARTY_CLIENTS)), user_upn=user.upn,
                          display_name=user.display_name, credential="0")
    now = operator.clock.now()
    token, expires = tokens.access_token(operator.keys, principal, resource, now)
    return {"accessToken": token, "tokenType": "Bearer", "expiresOn": expires,
            "tenant": user.tenant_id, "resource": resource}


def list_installer_reports(operator: Operator, request: Request,
                           session: Session) -> list[Any]:
    """What install scripts reported (``PUT <his>/log``), oldest first."""
    rows = operator.store.all(session, models.InstallerReport)
    return [{"receivedAt": iso(datetime.datetime.fromtimestamp(r.received_at, datetime.UTC)),
             **r.body} for r in sorted(rows, key=lambda r: r.id)]


def list_faults(operator: Operator, request: Request, session: Session) -> list[Any]:
    return operator.faults.list()


def add_fault(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    try:
        return operator.faults.add(given.body(request)).to_json()
    except (FaultError, ValueError, TypeError) as error:
        raise given.fail(400, "InvalidFault", str(error)) from None


def clear_faults(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    operator.faults.clear()
    return {"cleared": True}


def remove_fault(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    if not operator.faults.remove(request.params["fault"]):
        raise given.fail(404, "FaultNotFound", "No such fault.")
    return {"deleted": request.params["fault"]}


def get_throttling(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    return {kind: {"capacity": capacity, "refillPerSecond": refill}
            for kind, (capacity, refill) in operator.throttle.limits.items()}


MAX_LIMIT = 1_000_000_000  # beyond it a bucket is 'unthrottled'; the headers stay numbers


def set_throttling(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    """Every kind given is checked before any is changed: a refusal changes nothing."""
    changes = given.body(request).items()
    if not all(_valid_limits(operator, kind, limits) for kind, limits in changes):
        raise given.fail(400, "InvalidParameter", "Give {kind: {capacity, refillPerSecond}} "
                         f"for reads, writes or deletes: numbers from 0 to {MAX_LIMIT}, a "
                         f"refill of 0 (none) or at least {MIN_REFILL} per second.")
    for kind, limits in changes:
        operator.throttle.configure(kind, float(limits["capacity"]),
                                    float(limits["refillPerSecond"]))
    return get_throttling(operator, request, session)


MIN_REFILL = 0.001  # a token in under 17 minutes: Retry-After stays a number clients can sleep


def _valid_limits(operator: Operator, kind: str, limits: Any) -> bool:
    numbers = isinstance(limits, dict) and kind in operator.throttle.limits and all(
        isinstance(limits.get(k), int | float) and not isinstance(limits.get(k), bool)
        and 0 <= limits[k] <= MAX_LIMIT for k in ("capacity", "refillPerSecond"))
    return numbers and (limits["refillPerSecond"] == 0 or limits["refillPerSecond"] >= MIN_REFILL)


def list_machines(operator: Operator, request: Request, session: Session) -> list[Any]:
    """Machines with their status as the service derives it (for tests and operators)."""
    now = operator.clock.now()
    rows = operator.store.all(session, models.Machine)
    return [{"name": m.name, "vmId": m.vm_id, "subscriptionId": m.subscription_id,
             "status": machine_status.effective(m, now)[0],
             "statusReason": (m.reported or {}).get("statusReason"),
             "identityAppId": m.identity_app_id, "lastHeartbeat": m.last_heartbeat}
            for m in rows]


def create_machine(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    """Seed a machine resource (no identity): 'the name is taken' as data, for scenarios."""
    body = given.body(request)
    subscription = given.subscription(session, given.text(body, "subscriptionId"))
    name, group = given.text(body, "name"), given.text(body, "resourceGroup")
    names.check_machine_name(name)  # ARM's rules: a machine ARM could not address is no data
    if session.scalars(select(models.ResourceGroup).filter_by(
            subscription_id=subscription.id, name_key=group.lower())).first() is None:
        raise given.fail(404, "ResourceGroupNotFound", f"Resource group '{group}' could not "
                                                       "be found.")
    if session.scalars(select(models.Machine).filter_by(
            subscription_id=subscription.id, group_key=group.lower(),
            name_key=name.lower())).first() is not None:
        raise given.fail(409, "ResourceExists", f"A machine named '{name}' exists in resource "
                                                f"group '{group}' already.")
    now = operator.clock.now()
    row = models.Machine(subscription_id=subscription.id, group_key=group.lower(), name=name,
                         name_key=name.lower(),
                         location=checked_location(given.text(body, "location", "westeurope")),
                         vm_id=str(uuid.uuid4()), body={"properties": {}, "tags": {}},
                         reported={}, status="AwaitingConnection", last_status_change=now,
                         created_at=now)
    session.add(row)
    return {"name": name, "resourceGroup": group, "vmId": row.vm_id}


def reset(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    session.commit()
    operator.store.reset()
    operator.clock.reset_in_memory()
    operator.throttle.reset_in_memory()
    operator.faults.clear()
    return {"reset": True}


# The routes under /_admin this module serves, in management's table format.
ROUTES: list[tuple[str, str, Callable[[Operator, Request, Session], Any]]] = [
    ("GET", "/providers/{subscription}", list_providers),
    ("PUT", "/providers/{subscription}/{namespace}", set_provider),
    ("GET", "/clock", get_clock), ("POST", "/clock", move_clock),
    ("GET", "/settings", get_settings), ("PATCH", "/settings", set_settings),
    ("POST", "/tokens", user_token),
    ("GET", "/faults", list_faults), ("POST", "/faults", add_fault),
    ("DELETE", "/faults", clear_faults), ("DELETE", "/faults/{fault}", remove_fault),
    ("GET", "/throttling", get_throttling), ("PATCH", "/throttling", set_throttling),
    ("GET", "/machines", list_machines), ("POST", "/machines", create_machine),
    ("GET", "/installerReports", list_installer_reports),
    ("POST", "/reset", reset),
]
