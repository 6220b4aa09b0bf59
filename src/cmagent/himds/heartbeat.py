"""The heartbeat: every few minutes, tell the Hybrid Identity Service the machine is alive and
what it is; keep the outcome for ``azcmagent show``."""

from __future__ import annotations

import logging
import os
import platform
import socket
import threading
from typing import Any

from cmagent import __version__
from cmagent.errors import AzcmError
from cmagent.himds.identity import Identity
from cmagent.machine import clockskew
from cmagent.machine import clones
from cmagent.machine import heartbeats
from cmagent.machine import hostinfo
from cmagent.machine.files import timestamp
from cmagent.machine.redact import without_credentials
from cmagent.wire import his

logger = logging.getLogger("cmagent.himds")
DEFAULT_INTERVAL = 300.0


def report(settings: dict[str, Any], error: dict[str, Any] | None) -> dict[str, Any]:
    release = hostinfo.os_release()
    host = socket.gethostname()
    return {"agentVersion": __version__, "osName": "linux", "osType": "linux",
            "osVersion": platform.release(), "osSku": release.get("PRETTY_NAME", "Linux"),
            "machineFqdn": host, "displayName": host,
            "vmUuid": hostinfo.read(hostinfo.PRODUCT_UUID),
            "detectedProperties": {"cloudprovider": "N/A", "cpuArchitecture":
                                   platform.machine(), "processorCount": str(os.cpu_count())},
            "errorDetails": [error] if error else [],
            "agentConfiguration": {"proxyUrl": without_credentials(
                                       str(settings.get("proxy.url", ""))),
                                   "configMode": str(settings.get("config.mode", "full"))},
            "fingerprint": hostinfo.fingerprint()}


PENDING = "pending"  # the error code of a first heartbeat still on its way


class Heartbeat:
    def __init__(self, identity: Identity, settings: dict[str, Any], interval: float,
                 settings_problem: AzcmError | None = None) -> None:
        self.identity = identity
        self.settings = settings
        self.settings_problem = settings_problem  # localconfig.json is damaged: defaults apply
        self.interval = interval
        self.status: dict[str, Any] = {"status": "Disconnected", "lastHeartbeat": None,
                                       "error": None}
        self._lock = threading.Lock()

    def beat(self) -> dict[str, Any]:
        """Send one heartbeat now; the status it leaves."""
        with self._lock:
            problem = self.identity.problem or self.settings_problem
            if not self.identity.connected:
                self.status = {"status": "Error" if problem else "Disconnected",
                               "lastHeartbeat": None, "error": _described(problem)}
                return dict(self.status)
            if self._is_a_copy():
                return dict(self.status)
            self._note_first_in_flight()
            try:
                self._send()
            except his.HisError as error:
                self._failed(error.code or "AZCM0026", self._explained(error))
            except BaseException as error:  # files or answers not as expected, or worse:
                self._failed("AZCM0001", f"{type(error).__name__}: {error}")  # never 'pending'
                if not isinstance(error, (OSError, ValueError, KeyError)):
                    raise
            return dict(self.status)

    def _note_first_in_flight(self) -> None:
        """Until the first heartbeat is answered, 'azcmagent show' says that it is on its way
        (a slow Hybrid Identity Service), not a bare Disconnected."""
        if self.status["lastHeartbeat"] is None and self.status["error"] is None:
            self.status = {**self.status, "error": {
                "code": PENDING, "message": "The first heartbeat was sent and has no answer yet.",
                "time": timestamp()}}

    def _is_a_copy(self) -> bool:
        """A copied disk: no heartbeat with the original's identity (checked every time)."""
        current = self.identity.require()
        differing = clones.copied(current.fingerprint)
        if not differing:
            return False
        sentence = clones.copy_sentence(current.resource_id, differing).en
        logger.error("%s", sentence)
        self.status = {"status": "Error", "lastHeartbeat": None,
                       "error": {"code": clones.CODE, "message": sentence, "time": timestamp()}}
        return True

    def _explained(self, error: his.HisError) -> str:
        if error.code != clones.CODE:
            return error.message
        resource = self.identity.require().resource_id
        return f"{clones.shared_identity_sentence(resource).en} ({error.message})"

    def _clock_cause(self) -> str | None:
        cause = clockskew.likely_cause(getattr(self.identity.http, "clock", None), os.environ)
        return cause.en if cause else None

    def _failed(self, code: str, message: str) -> None:
        cause = self._clock_cause()
        if cause:
            message = f"{message} Likely cause: {cause}"
        logger.warning("Heartbeat failed: %s", message)
        self.status = {**self.status, "status": "Error",
                       "error": {"code": code, "message": message, "time": timestamp()}}

    def _remember(self, when: str) -> None:
        """On disk too, for 'azcmagent show' while himds is stopped (best effort)."""
        if not self.identity.connected:  # (disconnected meanwhile: nothing to remember)
            return
        try:
            heartbeats.remember(self.identity.paths, self.identity.require().vm_id, when)
        except (OSError, his.HisError) as error:
            logger.warning("The last heartbeat could not be recorded: %s", error)

    def _send(self) -> None:
        try:
            answer = self._post()
        except his.HisError as error:
            if error.status != 401:
                raise
            self.identity.forget(his.HIS_AUDIENCE)  # refused token: get a new one, once
            answer = self._post()
        self._accepted(answer)

    def _post(self) -> dict[str, Any]:
        token = self.identity.token(his.HIS_AUDIENCE).value
        connected = self.identity.require()
        return his.His(self.identity.http, connected.his).heartbeat(
            connected.vm_id, token, report(self.settings, None))

    def _accepted(self, answer: dict[str, Any]) -> None:
        cause = self._clock_cause()
        if cause:
            logger.warning("%s", cause)
        self.status = {"status": answer.get("status", "Connected"),
                       "lastHeartbeat": timestamp(), "error": None}
        logger.info("Heartbeat accepted: %s", self.status["status"])
        self._remember(str(self.status["lastHeartbeat"]))
        if answer.get("renewCertificate"):
            logger.info("Renewing the identity certificate")
            self.identity.renew_certificate()


def _described(problem: AzcmError | None) -> dict[str, Any] | None:
    if problem is None:
        return None
    return {"code": problem.code, "message": str(problem), "time": timestamp()}
