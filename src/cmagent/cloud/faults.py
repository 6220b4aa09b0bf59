"""Fault injection, pebble-style: for a service (identity, arm, his, metadata) and an optional
path pattern and method, answer with a status and a realistic body, add latency (before the
request is carried out, or after it, before the answer), drop the connection, or throttle with
``Retry-After`` — always, with a probability, or a number of times.

Faults live in memory (a restart clears them); with a shared store (PostgreSQL, several
workers) they live in its ``faults`` table, every worker reloads them per request and a counted
fault is spent with one atomic update, so N means N across all workers. States that are data,
not faults (an expired secret, a missing role, an unregistered provider) come from the store.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from cmagent.cloud import envelopes
from cmagent.cloud import models
from cmagent.cloud.envelopes import service_of
from cmagent.cloud.http import Response

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cmagent.cloud.store import Store

SERVICES = ("identity", "arm", "his", "metadata")
# latency: wait before the request is carried out; slow-answer: carry it out, then wait before
# answering (a client that gives up meanwhile leaves a change it never heard of).
ACTIONS = ("status", "latency", "slow-answer", "drop", "throttle")
_ARM_CODES = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
              429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway",
              503: "ServiceUnavailable", 504: "GatewayTimeout"}


class FaultError(ValueError):
    pass


MAX_LATENCY_MS = 600_000  # ten minutes: longer than any client waits


def _method(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.isalpha():
        raise FaultError("method must be one HTTP method such as GET or PUT")
    return value.upper()


def _typed(spec: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    """``spec[key]`` of JSON type ``kind`` (true is no number, "503" no status), or the
    default when it is absent or null."""
    value = spec.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or isinstance(value, bool):
        name = "a string" if kind is str else "a whole number" if kind is int else "a number"
        raise FaultError(f"{key} must be {name}, not {json.dumps(value)[:40]}")
    return value


class Fault:
    def __init__(self, spec: dict[str, Any], fault_id: str | None = None) -> None:
        self.id = fault_id or str(uuid.uuid4())
        self.service = _one_of(spec.get("service"), SERVICES, "service")
        self.action = _one_of(spec.get("action", "status"), ACTIONS, "action")
        self.method = _method(spec.get("method"))
        self.path = _typed(spec, "pathPattern", str, "")
        try:
            self._pattern = re.compile(self.path) if self.path else None
        except re.error as error:
            raise FaultError(f"pathPattern is not a regular expression: {error}") from None
        self.status = _typed(spec, "status", int, 429 if self.action == "throttle" else 503)
        self.body = spec.get("body")
        self.latency_ms = float(_typed(spec, "latencyMs", (int, float), 0))
        self.retry_after = _typed(spec, "retryAfter", int, 5)
        self.probability = float(_typed(spec, "probability", (int, float), 1.0))
        self.remaining = _typed(spec, "count", int, None)
        if not 100 <= self.status <= 599 or not 0.0 <= self.probability <= 1.0:
            raise FaultError("status must be 100-599 and probability 0-1")
        if not 0 <= self.latency_ms <= MAX_LATENCY_MS or not 0 <= self.retry_after <= 86400:
            raise FaultError(f"latencyMs must be 0-{MAX_LATENCY_MS} and retryAfter 0-86400")
        if fault_id is None and self.remaining is not None and self.remaining < 1:
            raise FaultError("count must be 1 or more (leave it out for a fault that stays)")

    def matches(self, method: str, path: str, service: str) -> bool:
        return (service == self.service and (self.method in (None, method))
                and (self._pattern is None or bool(self._pattern.search(path))))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "service": self.service, "action": self.action,
                "method": self.method, "pathPattern": self.path, "status": self.status,
                "latencyMs": self.latency_ms, "retryAfter": self.retry_after,
                "probability": self.probability, "remaining": self.remaining}

    def spec(self) -> dict[str, Any]:
        """What recreates this fault (in another worker)."""
        return {"service": self.service, "action": self.action, "method": self.method,
                "pathPattern": self.path, "status": self.status, "body": self.body,
                "latencyMs": self.latency_ms, "retryAfter": self.retry_after,
                "probability": self.probability}


def _one_of(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise FaultError(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


class Faults:
    def __init__(self, store: Store | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._store = store  # shared: the database holds the faults

    @property
    def shared(self) -> bool:
        return self._store is not None

    def add(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(spec)
        if self._store is not None:
            with self._store.writing() as session:
                session.add(models.FaultRow(id=fault.id, spec=fault.spec(),
                                            remaining=fault.remaining, created_at=time.time()))
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: str) -> bool:
        if self._store is not None:
            with self._store.writing() as session:
                gone = session.execute(delete(models.FaultRow).where(
                    models.FaultRow.id == fault_id).returning(models.FaultRow.id)).first()
            self.reload()
            return gone is not None
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        if self._store is not None:
            with self._store.writing() as session:
                session.execute(delete(models.FaultRow))
        with self._lock:
            self._faults = []

    def list(self) -> list[dict[str, Any]]:
        if self._store is not None:
            self.reload()
        with self._lock:
            return [f.to_json() for f in self._faults]

    def reload(self, session: Session | None = None) -> None:
        """The faults as the shared store has them now (read with ``session`` when given)."""
        assert self._store is not None
        if session is None:
            with self._store.session() as own:
                self.reload(own)
            return
        rows = session.scalars(select(models.FaultRow).order_by(models.FaultRow.created_at))
        loaded = [Fault({**row.spec, "count": row.remaining}, row.id) for row in rows]
        with self._lock:
            self._faults = loaded

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, if any; a counted one is spent here (with a
        shared store, spend it with ``spend`` before acting on it)."""
        if not self._faults:
            return None
        service = service_of(path)
        if service == "admin":
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, service) and random.random() < fault.probability:
                    if fault.remaining is not None and self._store is None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def spend(self, fault: Fault) -> bool:
        """Use one of a counted fault's uses in the shared store; False when none was left."""
        if fault.remaining is None or self._store is None:
            return True
        table = models.FaultRow
        with self._store.writing() as session:
            left = session.execute(update(table).where(table.id == fault.id, table.remaining > 0)
                                   .values(remaining=table.remaining - 1)
                                   .returning(table.remaining)).scalar()
            if left == 0:
                session.execute(delete(table).where(table.id == fault.id))
        return left is not None


def answer(fault: Fault, path: str) -> Response:
    """What a status or throttle fault answers, in the shape of the service it stands in for."""
    headers = {"Retry-After": str(fault.retry_after)} \
        if fault.action == "throttle" or fault.status in (429, 503) else {}
    if isinstance(fault.body, str):  # a page, as a block page or a captive portal shows
        return Response(fault.status, fault.body.encode(), "text/html; charset=utf-8",
                        {**headers, "Content-Security-Policy": "sandbox",
                         "Cache-Control": "no-store"})
    if fault.body is not None:
        return Response.json(fault.status, fault.body, headers)
    service = service_of(path)
    if service == "identity":
        return Response.json(fault.status, {
            "error": "temporarily_unavailable" if fault.status >= 500 or fault.status == 429
            else "invalid_request",
            "error_description": "AADSTS90033: A transient error has occurred. Please try again.",
            "error_codes": [90033]}, headers)
    code = _ARM_CODES.get(fault.status, "InjectedFault")
    message = ("The request is being throttled." if fault.status == 429 else
               f"The service answered {fault.status} (injected fault {fault.id}).")
    return envelopes.for_service(service)(fault.status, code, message, headers)
