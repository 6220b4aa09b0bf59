"""Every error body the cloud sends, built here: one constructor per service.

- ARM: ``{"error": {"code", "message", "target"?, "details"?}}`` with ARM's headers.
- HIS and the management API: ``{"error": {"code", "message"}}``.
- Entra ID: ``{"error", "error_description": "AADSTSnnnn: ...", "error_codes", "timestamp",
  "trace_id", "correlation_id", "error_uri"}``.
- The metadata endpoint and requests no service recognises: ARM's shape without its headers.

``for_service`` gives the constructor for router-level refusals (404, 405, 500) by the service
that owns the path.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from cmagent.cloud.http import Envelope
from cmagent.cloud.http import Response


def arm(status: int, code: str, message: str, *, target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    return Response.json(status, {"error": error}, headers)


def code_and_message(status: int, code: str, message: str,
                     headers: dict[str, str] | None = None) -> Response:
    """HIS's, the management API's, and that of requests outside any service's own protocol
    (unknown paths, the metadata endpoint): ``{"error": {"code", "message"}}``."""
    return Response.json(status, {"error": {"code": code, "message": message}}, headers)


his = management = plain = code_and_message


def entra(status: int, error: str, aadsts: int, text: str, correlation_id: str,
          base_url: str, headers: dict[str, str] | None = None) -> Response:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    description = (f"AADSTS{aadsts}: {text}\r\nTrace ID: {trace_id}\r\n"
                   f"Correlation ID: {correlation_id}\r\nTimestamp: {now}")
    return Response.json(status, {
        "error": error, "error_description": description, "error_codes": [aadsts],
        "timestamp": now, "trace_id": trace_id, "correlation_id": correlation_id,
        "error_uri": f"{base_url}/error?code={aadsts}"}, headers)


def _entra_route_level(status: int, code: str, message: str,
                       headers: dict[str, str] | None = None) -> Response:
    """Entra's shape for what a client must handle as Entra's (MSAL reads ``error``): a race
    lost more often than it was run again (409), a crash or an unreachable database (5xx),
    as AADSTS90033, Entra's transient error. Unknown paths and methods keep the plain shape."""
    if status < 409 or status == 429:
        return plain(status, code, message, headers)
    error = "temporarily_unavailable" if status >= 500 else "invalid_request"
    return entra(status, error, 90033, f"A transient error has occurred. {message}",
                 str(uuid.uuid4()), "https://login.microsoftonline.com", headers)


_ROUTE_LEVEL: dict[str, Envelope] = {"arm": lambda s, c, m, h: arm(s, c, m, headers=h),
                                     "his": his, "admin": management,
                                     "identity": _entra_route_level}


def for_service(service: str) -> Envelope:
    """The envelope of refusals that come before a handler (no route, wrong method, a crash)."""
    return _ROUTE_LEVEL.get(service, plain)


def service_of(path: str) -> str:
    """Which service a path belongs to: admin, arm, his, metadata or identity."""
    lowered = path.lower()
    if lowered.startswith("/_admin"):
        return "admin"
    if lowered.startswith(("/subscriptions", "/providers")):
        return "arm"
    if lowered.startswith(("/his/", "/discovery")):
        return "his"
    if lowered.startswith("/metadata"):
        return "metadata"
    return "identity"
