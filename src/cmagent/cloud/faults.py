"""Fault injection, pebble-style: for a service (identity, arm, his, metadata) and an optional
path pattern and method, answer with a status and a realistic body, add latency, drop the
connection, or throttle with ``Retry-After`` — always, with a probability, or a number of times.

Faults live in memory (a restart clears them). States that are data, not faults (an expired
secret, a missing role, an unregistered provider) come from the store instead.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from typing import Any

from cmagent.cloud import envelopes
from cmagent.cloud.envelopes import service_of
from cmagent.cloud.http import Response

SERVICES = ("identity", "arm", "his", "metadata")
ACTIONS = ("status", "latency", "drop", "throttle")
_ARM_CODES = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
              429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway",
              503: "ServiceUnavailable", 504: "GatewayTimeout"}


class FaultError(ValueError):
    pass


class Fault:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.id = str(uuid.uuid4())
        self.service = _one_of(spec.get("service"), SERVICES, "service")
        self.action = _one_of(spec.get("action", "status"), ACTIONS, "action")
        self.method = str(spec["method"]).upper() if spec.get("method") else None
        self.path = str(spec.get("pathPattern") or "")
        try:
            self._pattern = re.compile(self.path) if self.path else None
        except re.error as error:
            raise FaultError(f"pathPattern is not a regular expression: {error}") from None
        self.status = int(spec.get("status", 429 if self.action == "throttle" else 503))
        self.body = spec.get("body")
        self.latency_ms = float(spec.get("latencyMs", 0))
        self.retry_after = int(spec.get("retryAfter", 5))
        self.probability = float(spec.get("probability", 1.0))
        self.remaining = int(spec["count"]) if spec.get("count") is not None else None
        if not 100 <= self.status <= 599 or not 0.0 <= self.probability <= 1.0:
            raise FaultError("status must be 100-599 and probability 0-1")

    def matches(self, method: str, path: str, service: str) -> bool:
        return (service == self.service and (self.method in (None, method))
                and (self._pattern is None or bool(self._pattern.search(path))))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "service": self.service, "action": self.action,
                "method": self.method, "pathPattern": self.path, "status": self.status,
                "latencyMs": self.latency_ms, "retryAfter": self.retry_after,
                "probability": self.probability, "remaining": self.remaining}


def _one_of(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise FaultError(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, if any (counted once it applies)."""
        if not self._faults:
            return None
        service = service_of(path)
        if service == "admin":
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, service) and random.random() < fault.probability:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


def answer(fault: Fault, path: str) -> Response:
    """What a status or throttle fault answers, in the shape of the service it stands in for."""
    headers = {"Retry-After": str(fault.retry_after)} \
        if fault.action == "throttle" or fault.status in (429, 503) else {}
    if isinstance(fault.body, str):  # a page, as a block page or a captive portal shows
        return Response(fault.status, fault.body.encode(), "text/html; charset=utf-8", headers)
    if fault.body is not None:
        return Response.json(fault.status, fault.body, headers)
    service = service_of(path)
    if service == "identity":
        return Response.json(fault.status, {
            "error": "temporarily_unavailable" if fault.status >= 500 else "invalid_request",
            "error_description": "AADSTS90033: A transient error has occurred. Please try again.",
            "error_codes": [90033]}, headers)
    code = _ARM_CODES.get(fault.status, "InjectedFault")
    message = ("The request is being throttled." if fault.status == 429 else
               f"The service answered {fault.status} (injected fault {fault.id}).")
    return envelopes.for_service(service)(fault.status, code, message, headers)
