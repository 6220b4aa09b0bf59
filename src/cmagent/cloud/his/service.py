"""The Hybrid Identity Service: discovery, the machine identity certificate, heartbeats.

The protocol is cmagent's own (the real one is not public); docs/his-protocol.md describes it
with examples. In short: the agent proves it holds the private key whose public key is the
machine resource's ``clientPublicKey`` (challenge → signature), receives a 90-day X.509
certificate for the machine's managed identity, gets Entra tokens with it (certificate
assertion at the ordinary token endpoint), and heartbeats with such a token.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud import status as machine_status
from cmagent.cloud.arm.auth import Authenticator
from cmagent.cloud.arm.machines import resource_id
from cmagent.cloud.clock import Clock
from cmagent.cloud.clock import iso
from cmagent.cloud.his import beats
from cmagent.cloud.his import proof
from cmagent.cloud.his.identity_ca import IdentityCA
from cmagent.cloud.his.proof import his_error
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.store import Store

HIS_AUDIENCES = ("https://his.arc.azure.com", "https://his.arc.azure.com/")
CERTIFICATE_DAYS = 90
RENEW_WITHIN_DAYS = 45
HEARTBEAT_SECONDS = 300
REPORTED = ("agentVersion", "osName", "osType", "osVersion", "osSku", "osEdition",
            "machineFqdn", "displayName", "domainName", "dnsFqdn", "adFqdn", "vmUuid",
            "detectedProperties", "errorDetails", "agentConfiguration")
# Short geography codes of the regional HIS host names (weu.his.arc.azure.com, ...).
GEOGRAPHIES = {"westeurope": "weu", "northeurope": "neu", "eastus": "eus", "eastus2": "eus2",
               "westus": "wus", "westus2": "wus2", "westus3": "wus3", "centralus": "cus",
               "uksouth": "uks", "japaneast": "jpe", "australiaeast": "ae",
               "southeastasia": "sea", "usgovvirginia": "usgv"}


@dataclass(frozen=True)
class His:
    """What the Hybrid Identity Service's handlers are given."""

    store: Store
    clock: Clock
    authenticator: Authenticator
    identity_ca: IdentityCA
    heartbeats: beats.DirectBook


def regional_base(request: Request, location: str) -> str:
    """In the lab every real name points here: answer with the regional HIS host name when the
    request came by a *.his.arc.azure.com name, else with this origin."""
    host = request.host.split(":")[0]
    if host.endswith(".his.arc.azure.com"):
        return f"https://{GEOGRAPHIES.get(location.lower(), 'gbl')}.his.arc.azure.com"
    return request.base_url


def discovery(his: His, request: Request) -> Response:
    location = request.query.get("location", "")
    if not location:
        raise his_error(400, "MissingLocation", "The 'location' query parameter is required.")
    base = regional_base(request, location)
    return Response.json(200, {"location": location,
                               "geography": GEOGRAPHIES.get(location.lower(), "gbl"),
                               "endpoints": {"hybridIdentityService": base,
                                             "identityAuthority": request.base_url,
                                             "resourceManager": request.base_url}})


def _json(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise his_error(400, "InvalidRequestContent", "The body must be a JSON object.")
    return body


def _machine(session: Session, vm_id: Any) -> models.Machine:
    if not isinstance(vm_id, str) or not vm_id:
        raise his_error(400, "InvalidRequestContent", "'vmId' is required: the machine's vmId "
                                                      "as a string.")
    machine = session.scalars(select(models.Machine).where(
        models.Machine.vm_id == vm_id.lower())).first()
    if machine is None or not machine.identity_app_id:
        raise his_error(404, "MachineNotFound", f"No machine with vmId '{vm_id}' and a "
                                                "system-assigned identity exists.")
    return machine


def challenge(his: His, request: Request) -> Response:
    body = _json(request)
    with his.store.writing() as session:
        machine = _machine(session, body.get("vmId"))
        challenge_id, nonce = proof.open_challenge(session, machine.vm_id, his.clock.now())
    return Response.json(201, {"challengeId": challenge_id,
                               "nonce": base64.b64encode(nonce).decode(),
                               "expiresInSeconds": proof.CHALLENGE_SECONDS})


def certificate(his: His, request: Request) -> Response:
    body = _json(request)
    now = his.clock.now()
    with his.store.writing() as session:
        machine = _machine(session, body.get("vmId"))
        nonce = proof.take_challenge(session, str(body.get("challengeId", "")), machine.vm_id,
                                     now)
        if nonce is None:
            raise his_error(400, "InvalidChallenge", "The challenge is unknown, expired or "
                                                     "already used; ask for a new one.")
        proof.verify_possession(machine, nonce, body.get("signature"))
        app = session.get(models.Application, machine.identity_app_id)
        assert app is not None
        _check_renewal_due(session, app, now)
        issued = his.identity_ca.issue(machine, app, now, CERTIFICATE_DAYS)
        session.add(issued.credential)
        group = _group_name(session, machine)
    return Response.json(201, {
        "certificate": issued.cert_pem, "caCertificate": his.identity_ca.ca_pem,
        "notBefore": iso(issued.not_before), "notAfter": iso(issued.not_after),
        "renewAfter": iso(issued.renew_after), "clientId": app.app_id,
        "principalId": app.sp_object_id, "tenantId": app.tenant_id,
        "resourceId": resource_id(machine.subscription_id, group, machine.name),
        "authority": f"{request.base_url}/{app.tenant_id}", "audience": HIS_AUDIENCES[0]})


def _group_name(session: Session, machine: models.Machine) -> str:
    group = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=machine.subscription_id, name_key=machine.group_key)).first()
    return group.name if group else machine.group_key


def _check_renewal_due(session: Session, app: models.Application, now: float) -> None:
    certificates = session.scalars(select(models.Credential).filter_by(
        app_id=app.app_id, kind="certificate"))
    latest = max((c.expires_at for c in certificates), default=0.0)
    if latest - now > RENEW_WITHIN_DAYS * 86400:
        raise his_error(409, "CertificateRenewalNotDue",
                        f"The identity certificate is valid for more than {RENEW_WITHIN_DAYS} "
                        "more days; renew it once 45 days or fewer remain.")


def heartbeat(his: His, request: Request) -> Response:
    caller = his.authenticator.authenticate(request, audiences=HIS_AUDIENCES)
    body = _json(request)
    _check_report(body)
    now = his.clock.now()
    vm_id = request.params["vm"]

    def decide(row: Any) -> beats.Beat:
        if row is None or not row.identity_app_id:
            raise his_error(404, "MachineNotFound", f"No machine with vmId '{vm_id}' and a "
                                                    "system-assigned identity exists.")
        if caller.app_id != row.identity_app_id:
            raise his_error(403, "IdentityMismatch", "The token is not the machine's identity.")
        clone = _clone_detected(row, body, now)
        if clone is not None:
            return beats.Beat(_cloned_changes(row), refusal=clone)
        return _heartbeat(row, body, now)

    row, beat = his.heartbeats.beat(vm_id.lower(), decide)
    if beat.refusal is not None:
        raise beat.refusal
    renew = (row.latest_certificate or 0.0) - now <= RENEW_WITHIN_DAYS * 86400
    return Response(200, _ANSWERS[beat.changes["status"], renew], _ANSWER_TYPE)


# Every answer a heartbeat can give, encoded once (the status is Connected or Error).
_ANSWERS = {(status, renew): json.dumps({"status": status,
                                         "heartbeatIntervalSeconds": HEARTBEAT_SECONDS,
                                         "renewCertificate": renew},
                                        separators=(",", ":")).encode()
            for status in ("Connected", "Error") for renew in (False, True)}
_ANSWER_TYPE = "application/json; charset=utf-8"


_TEXTS = ("agentVersion", "osName", "osType", "osVersion", "osSku", "osEdition", "machineFqdn",
          "displayName", "domainName", "dnsFqdn", "adFqdn", "vmUuid", "fingerprint")


def _check_report(body: dict[str, Any]) -> None:
    """What a machine reports is what the portal and ARM show: texts where texts belong (at
    most 1,000 characters each), errorDetails a list of at most 10 objects."""
    for key in _TEXTS:
        if key in body and not (isinstance(body[key], str) and len(body[key]) <= 1000):
            raise his_error(400, "InvalidRequestContent", f"'{key}' must be a text of at most "
                                                          "1000 characters.")
    errors = body.get("errorDetails")
    if errors is not None and not (isinstance(errors, list) and len(errors) <= 10 and
                                   all(isinstance(e, dict) for e in errors)):
        raise his_error(400, "InvalidRequestContent", "'errorDetails' must be a list of at "
                                                      "most 10 objects.")
    for key in ("detectedProperties", "agentConfiguration"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise his_error(400, "InvalidRequestContent", f"'{key}' must be an object.")


def _clone_detected(row: Any, body: dict[str, Any], now: float) -> HttpError | None:
    fingerprint = str(body.get("fingerprint") or "")
    recent = row.last_heartbeat is not None and \
        now - row.last_heartbeat < machine_status.DISCONNECTED_AFTER
    if not (fingerprint and row.fingerprint and fingerprint != row.fingerprint and recent
            and _form(fingerprint) == _form(row.fingerprint)):
        return None
    return his_error(429, "DuplicateMachineIdentity",
                     "Heartbeats for this machine come from more than one host: it was probably "
                     "cloned from a connected image. On each clone run 'azcmagent disconnect "
                     "--force-local-only', then 'azcmagent connect'.",
                     {"Retry-After": str(HEARTBEAT_SECONDS)})


def _form(fingerprint: str) -> str:
    """Fingerprints of two forms hash different facts (an agent upgraded between heartbeats):
    only two of one form can tell a clone."""
    form, colon, _ = fingerprint.partition(":")
    return form if colon else ""


def _cloned_changes(row: Any) -> dict[str, Any]:
    return {"status": row.status, "last_heartbeat": row.last_heartbeat,
            "last_status_change": row.last_status_change, "fingerprint": row.fingerprint,
            "reported": {**(row.reported or {}), "statusReason": "Cloned"}}


def _heartbeat(row: Any, body: dict[str, Any], now: float) -> beats.Beat:
    """The columns a heartbeat sets, and the history it makes: the silence it ends
    (Disconnected or Expired since when) and the status it brings, when either differs from
    what was recorded."""
    silent, since = machine_status.derive(row.status, row.last_status_change,
                                          row.last_heartbeat, now)
    current = "Error" if body.get("errorDetails") else "Connected"
    reported = {key: body[key] for key in REPORTED if key in body}
    changes = {"status": current, "last_heartbeat": now,
               "last_status_change": now if silent != current else row.last_status_change,
               "fingerprint": str(body.get("fingerprint") or "") or row.fingerprint,
               "reported": reported}
    events: list[tuple[float, str, str | None]] = []
    if silent != row.status:
        events.append((since, silent, None))
    if current != silent:
        events.append((now, current, _error_message(reported)))
    return beats.Beat(changes, events)


def _error_message(reported: dict[str, Any]) -> str | None:
    errors = reported.get("errorDetails")
    first = errors[0] if isinstance(errors, list) and errors else None
    detail = first.get("message") if isinstance(first, dict) else None
    return str(detail)[:400] if detail else None
