"""What a management API request is given: the operator's services, its JSON body, required
fields, the rows they name. Each helper raises the management API's error
(``{"error": {"code", "message"}}``) that says what is missing or wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cmagent.cloud import envelopes
from cmagent.cloud import models
from cmagent.cloud.arm.throttle import Throttle
from cmagent.cloud.clock import Clock
from cmagent.cloud.faults import Faults
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.identity import directory
from cmagent.cloud.identity.keys import SigningKeys
from cmagent.cloud.store import Store


@dataclass(frozen=True)
class Operator:
    """What the management API's handlers are given: the cloud's state and its controls."""

    name: str
    data_dir: Path
    admin_key: str
    store: Store
    clock: Clock
    keys: SigningKeys
    faults: Faults
    throttle: Throttle


def fail(status: int, code: str, message: str) -> HttpError:
    """The management API's refusal, to raise."""
    return HttpError(envelopes.management(status, code, message))


def body(request: Request) -> dict[str, Any]:
    data = request.json()
    if data is None and not request.body:
        return {}
    if not isinstance(data, dict):
        raise fail(400, "InvalidRequestContent", "The body must be a JSON object.")
    return data


def text(body: dict[str, Any], key: str, default: str | None = None,
         exact: bool = False) -> str:
    """A non-empty string, trimmed unless ``exact`` (a password keeps its spaces)."""
    value = body.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise fail(400, "MissingParameter", f"'{key}' is required and must be a non-empty "
                                            "string.")
    return value if exact else value.strip()


def flag(body: dict[str, Any], key: str, default: bool = False) -> bool:
    """A JSON boolean (absent: ``default``); a string such as "false" is refused, not read
    as true."""
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise fail(400, "InvalidParameter", f"'{key}' must be true or false (a JSON boolean).")
    return value


def tenant(session: Session, name: str) -> models.Tenant:
    row = directory.find_tenant(session, name)
    if row is None:
        raise fail(404, "TenantNotFound", f"Tenant '{name}' does not exist.")
    return row


def subscription(session: Session, subscription_id: str) -> models.Subscription:
    row = session.get(models.Subscription, subscription_id.lower())
    if row is None:
        raise fail(404, "SubscriptionNotFound", f"Subscription '{subscription_id}' does not "
                                                "exist.")
    return row


def application(session: Session, app_id: str) -> models.Application:
    row = session.get(models.Application, app_id.lower())
    if row is None:
        raise fail(404, "ApplicationNotFound", f"Application '{app_id}' does not exist.")
    return row


def new_guid(body: dict[str, Any], key: str) -> str:
    value = body.get(key) or str(uuid.uuid4())
    if not isinstance(value, str) or not directory.is_guid(value):
        raise fail(400, "InvalidParameter", f"'{key}' must be a GUID.")
    return value.lower()


def choice(value: Any, allowed: tuple[str, ...], key: str) -> str:
    match = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()),
                 None)
    if match is None:
        raise fail(400, "InvalidParameter", f"'{key}' must be one of {', '.join(allowed)}.")
    return match
