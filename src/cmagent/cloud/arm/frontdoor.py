"""ARM's front door: what every ARM request goes through before its handler, in ARM's order.

Request ids → authentication (401) → api-version (400) → a body's media type (415) → throttling
(429) → subscription (400 malformed, 404) and its tenant (401) → the handler (which checks RBAC,
registration and the resource itself).
Every answer, errors included, carries ``x-ms-request-id``, ``x-ms-correlation-request-id``,
``x-ms-routing-request-id`` and the remaining-budget headers.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.arm import auth
from cmagent.cloud.arm import throttle
from cmagent.cloud.arm.auth import Authenticator
from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.errors import subscription_not_found
from cmagent.cloud.arm.locations import display_names
from cmagent.cloud.arm.throttle import Throttle
from cmagent.cloud.clock import Clock
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.store import Store
from cmagent.cloud.store import Unit
from cmagent.cloud.store import lean_first

RESOURCES_API = ("2014-04-01", "2015-01-01", "2016-02-01", "2016-06-01", "2016-09-01",
                 "2017-05-10", "2018-05-01", "2019-05-01", "2019-10-01", "2020-01-01",
                 "2020-06-01", "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01",
                 "2022-12-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01",
                 "2025-01-01", "2025-03-01", "2025-04-01")
# Every Microsoft.HybridCompute api-version the published REST specifications list, oldest
# first. All are served with the newest body shape: clients ignore fields they do not model.
MACHINES_API = ("2019-03-18-preview", "2019-08-02-preview", "2019-12-12", "2020-07-30-preview",
                "2020-08-02", "2020-08-15-preview", "2021-01-28-preview", "2021-03-25-preview",
                "2021-04-22-preview", "2021-05-17-preview", "2021-05-20", "2021-06-10-preview",
                "2021-12-10-preview", "2022-03-10", "2022-05-10-preview", "2022-08-11-preview",
                "2022-11-10", "2022-12-27", "2022-12-27-preview", "2023-03-15-preview",
                "2023-06-20-preview", "2023-10-03-preview", "2024-03-31-preview",
                "2024-05-20-preview", "2024-07-10", "2024-07-31-preview", "2024-09-10-preview",
                "2024-11-10-preview", "2025-01-13", "2025-02-19-preview", "2025-06-01",
                "2025-08-21-preview", "2025-09-16-preview", "2026-02-12-preview",
                "2026-06-04-preview", "2026-06-16-preview", "2026-07-15", "2026-09-01")
# For paths whose handler knows the provider only once it has read the path: the front door
# requires an api-version and the handler checks it against that provider's (``api_version``).
ANY_API: tuple[str, ...] = ("(any)",)  # compared by identity: no other tuple is this one
ROUTING_REGION = "WESTEUROPE"
_SUBSCRIPTION = select(*models.Subscription.__table__.columns).where(
    models.Subscription.id == bindparam("id"))


class SubscriptionRecord(Protocol):
    """A subscription as the front door read it (a stored row, not one the session tracks)."""

    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def state(self) -> str: ...


@dataclass(frozen=True)
class Arm:
    """What the resource manager's handlers are given."""

    store: Store
    clock: Clock
    authenticator: Authenticator
    throttle: Throttle


class ArmRequest:
    """One authenticated ARM request on its way to a handler."""

    def __init__(self, services: Arm, request: Request, caller: auth.Caller, unit: Unit,
                 subscription: SubscriptionRecord | None, api_version: str) -> None:
        self.services = services
        self.request = request
        self.caller = caller
        self.unit = unit  # lean statements run here; the ORM session is made when asked for
        self.subscription = subscription
        self.api_version = api_version

    @property
    def session(self) -> Session:
        return self.unit.session

    @property
    def params(self) -> dict[str, str]:
        return self.request.params

    def subscription_row(self) -> SubscriptionRecord:
        assert self.subscription is not None
        return self.subscription


ArmHandler = Callable[[ArmRequest], Response]


def serve(services: Arm, versions: tuple[str, ...], handler: ArmHandler,
          request: Request) -> Response:
    headers = _ids(request)
    try:
        response = _pipeline(services, request, versions, handler, headers)
    except HttpError as error:
        response = error.response
    response.headers.update(headers)
    return response


def _ids(request: Request) -> dict[str, str]:
    request_id = str(uuid.uuid4())
    stamp = _routing_stamp(int(time.time()))
    return {"x-ms-request-id": request_id,
            "x-ms-correlation-request-id":
                request.header("x-ms-correlation-request-id") or str(uuid.uuid4()),
            "x-ms-routing-request-id": f"{ROUTING_REGION}:{stamp}:{request_id}",
            "Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}
    # (nosniff and HSTS: on every answer of the cloud, middleware.CloudDate)


@functools.lru_cache(maxsize=1)
def _routing_stamp(second: int) -> str:
    """The routing id's time, formatted once a second (every answer carries it)."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))


def _pipeline(services: Arm, request: Request, versions: tuple[str, ...], handler: ArmHandler,
              headers: dict[str, str]) -> Response:
    if request.header("x-ms-return-client-request-id").lower() == "true":
        headers["x-ms-client-request-id"] = request.header("x-ms-client-request-id")
    caller = services.authenticator.authenticate(request)
    version = api_version(request, versions)
    _check_media_type(request)
    subscription_id = request.params.get("subscription", "")
    kind = throttle.kind_of(request.method)
    headers.update(services.throttle.take(caller.object_id, subscription_id.lower(), kind))
    store = services.store
    with store.unit(writing=kind != "reads") as unit:
        subscription = _subscription(unit, caller, subscription_id, kind,
                                     auth.login_authority(request))
        return handler(ArmRequest(services, request, caller, unit, subscription, version))


def _type_in(path: str) -> str:
    """The resource type a provider path addresses (``machines``, ``roleAssignments``)."""
    parts = path.rsplit("/providers/", 1)[-1].split("/")
    return parts[1] if len(parts) > 1 else parts[0]


def _check_media_type(request: Request) -> None:
    """A body ARM reads is JSON: one labelled as something else is refused, not parsed."""
    kind = request.content_type
    if request.body and kind and kind != "application/json" and not kind.endswith("+json"):
        raise arm_error(415, "UnsupportedMediaType",
                        f"The content media type '{kind[:80]}' is not supported. Only "
                        "'application/json' is supported.")


def api_version(request: Request, versions: tuple[str, ...], resource_type: str = "") -> str:
    """The request's api-version, if ``versions`` holds it (any, for ``ANY_API``)."""
    version = request.query.get("api-version", "")
    if not version:
        raise arm_error(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all "
                        "requests.")
    if versions is ANY_API or version in versions:
        return version
    if versions is RESOURCES_API:
        raise arm_error(400, "InvalidApiVersionParameter",
                        f"The api-version '{version[:40]}' is invalid. The supported versions "
                        f"are '{','.join(reversed(versions))}'.")
    raise arm_error(400, "NoRegisteredProviderFound",
                    f"No registered resource provider found for location "
                    f"'{ROUTING_REGION.lower()}' and API version '{version[:40]}' for type "
                    f"'{resource_type or _type_in(request.path)}'. The supported "
                    f"api-versions are '{', '.join(versions)}'. The supported locations are "
                    "'" + ", ".join(display_names()) + "'.")


def _subscription(unit: Unit, caller: auth.Caller, subscription_id: str, kind: str,
                  authority: str) -> SubscriptionRecord | None:
    if not subscription_id:
        return None
    if not auth.is_guid(subscription_id):
        raise arm_error(400, "InvalidSubscriptionId", f"The provided subscription identifier "
                        f"'{subscription_id[:80]}' is malformed or invalid.")
    row: SubscriptionRecord | None = lean_first(unit, _SUBSCRIPTION, id=subscription_id.lower())
    if row is None or row.state == "Deleted":
        raise subscription_not_found(subscription_id)
    auth.check_tenant(caller, row.tenant_id, authority)
    if row.state == "Disabled" and kind != "reads":
        raise arm_error(409, "ReadOnlyDisabledSubscription",
                        f"The subscription '{row.id}' is disabled and therefore marked as read "
                        "only. You cannot perform any write actions on this subscription until "
                        "it is re-enabled.")
    return row
