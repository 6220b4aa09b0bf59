"""HIMDS's local REST service on ``localhost:40342``: the instance metadata document, the
managed-identity token endpoint with its file challenge, and ``/agentstatus``.

Token flow: a request without proof gets 401 and ``WWW-Authenticate: Basic realm=<file>``, a
fresh single-use secret in the tokens directory that only root and the ``himds`` group can read;
the retry with ``Authorization: Basic <file contents>`` gets the token (from the cache while it
is fresh). Requests must carry ``Metadata: true``, come from loopback and carry no
``X-Forwarded-For``; errors are JSON in Azure IMDS's shape.
"""

from __future__ import annotations

import contextlib
import grp
import hmac
import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from cmagent.himds.identity import Identity
from cmagent.machine import hostinfo
from cmagent.machine.connection import Connection
from cmagent.wire import his

logger = logging.getLogger("cmagent.himds.access")
API_VERSIONS = ("2019-08-15", "2019-11-01", "2020-06-01", "2021-02-01")
CHALLENGE_SECONDS = 60
TOKEN_PATH = "/metadata/identity/oauth2/token"
ENVIRONMENTS = {"AzureCloud": "AzurePublicCloud", "AzureUSGovernment": "AzureUSGovernmentCloud",
                "AzureChinaCloud": "AzureChinaCloud"}


class Answer(Exception):
    def __init__(self, status: int, body: dict[str, Any],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _bad(description: str, error: str = "invalid_request", status: int = 400) -> Answer:
    return Answer(status, {"error": error, "error_description": description})


class Challenges:
    """Secret files in the tokens directory: one per 401, single use, gone after a minute."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._open: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        os.makedirs(directory, mode=0o750, exist_ok=True)
        _to_himds_group(directory, 0o750)

    def issue(self) -> str:
        self.sweep()
        path = os.path.join(self.directory, f"{uuid.uuid4()}.key")
        secret = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secret)
        _to_himds_group(path, 0o640)
        with self._lock:
            self._open[path] = (secret, time.monotonic() + CHALLENGE_SECONDS)
        return path

    def redeem(self, proof: str) -> bool:
        """True once for the contents of a live challenge file; the file is then removed."""
        self.sweep()
        with self._lock:
            for path, (secret, _) in list(self._open.items()):
                if hmac.compare_digest(proof.encode(), secret.encode()):
                    del self._open[path]
                    _remove(path)
                    return True
        return False

    def sweep(self) -> None:
        now = time.monotonic()
        with self._lock:
            for path in [p for p, (_, expiry) in self._open.items() if expiry < now]:
                del self._open[path]
                _remove(path)

    def close(self) -> None:
        with self._lock:
            for path in self._open:
                _remove(path)
            self._open.clear()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _to_himds_group(path: str, mode: int) -> None:
    """Readable by the himds group when it exists, else by root alone."""
    try:
        os.chown(path, 0, grp.getgrnam("himds").gr_gid)
        os.chmod(path, mode)
    except (KeyError, PermissionError):
        os.chmod(path, mode & 0o700)


class Service:
    """The routes, with the machine identity and the challenges behind them."""

    def __init__(self, identity: Identity, challenges: Challenges,
                 status: Any) -> None:
        self.identity = identity
        self.challenges = challenges
        self.status = status

    def answer(self, path: str, query: dict[str, str], headers: Any,
               client: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        try:
            _guard(path, headers, client)
            body = self._route(path, query, headers)
            return 200, body, {}
        except Answer as answer:
            return answer.status, answer.body, answer.headers
        except Exception as error:  # always answer; the details go to himds.log
            logging.getLogger("cmagent.himds").exception("Request for %s failed", path)
            return 500, {"error": "internal_error",
                         "error_description": f"{type(error).__name__}: see himds.log"}, {}

    def _route(self, path: str, query: dict[str, str], headers: Any) -> dict[str, Any]:
        if path == "/agentstatus":
            status = self.status()
            return {"status": status.get("status"), "lastHeartBeat":
                    status.get("lastHeartbeat") or ""}
        _api_version(query)
        if path in ("/metadata/instance", "/metadata/instance/compute"):
            document = self._instance()
            return document["compute"] if path.endswith("compute") else document
        if path == TOKEN_PATH:
            return self._token(query, headers)
        raise _bad(f"The path '{path}' is not served here.", "not_found", 404)

    def _connected(self) -> Connection:
        current = self.identity.connection
        if current is None:
            raise _bad("Identity not found: this machine is not connected to Azure Arc. "
                       "Connect it with 'azcmagent connect'.")
        return current

    def _instance(self) -> dict[str, Any]:
        return instance_document(self._connected())

    def _token(self, query: dict[str, str], headers: Any) -> dict[str, Any]:
        resource = query.get("resource", "")
        if not resource:
            raise _bad("Required audience parameter not specified")
        if {"client_id", "object_id", "msi_res_id", "mi_res_id"} & set(query):
            raise _bad("User-assigned identities are not supported on Azure Arc-enabled "
                       "servers: only the system-assigned identity exists.")
        self._connected()
        self._check_proof(headers)
        return self._issue(resource)

    def _check_proof(self, headers: Any) -> None:
        scheme, _, proof = str(headers.get("Authorization", "")).partition(" ")
        if scheme.lower() == "basic" and proof and self.challenges.redeem(proof.strip()):
            return
        path = self.challenges.issue()
        raise Answer(401, {"error": "unauthorized", "error_description":
                           "Read the file named in WWW-Authenticate and send its contents as "
                           "'Authorization: Basic <contents>'."},
                     {"WWW-Authenticate": f"Basic realm={path}"})

    def _issue(self, resource: str) -> dict[str, Any]:
        try:
            token, expires = self.identity.token(resource)
        except his.HisError as error:
            if error.code in ("invalid_resource", "invalid_scope"):
                raise _bad(error.message, error.code) from None
            raise _bad(f"The identity service could not be reached and no valid token for "
                       f"{resource} is cached: {error.message}", "service_unavailable",
                       503) from None
        now = int(time.time())
        return {"access_token": token, "refresh_token": "", "expires_in": str(int(expires) - now),
                "expires_on": str(int(expires)), "not_before": str(now), "resource": resource,
                "token_type": "Bearer"}


def _guard(path: str, headers: Any, client: str) -> None:
    if client not in ("127.0.0.1", "::1") and not client.startswith("::ffff:127."):
        raise _bad("Requests must come from this machine.", "forbidden", 403)
    if headers.get("X-Forwarded-For"):
        raise _bad("Bad request. Requests carrying X-Forwarded-For are not allowed.")
    if path != "/agentstatus" and str(headers.get("Metadata", "")).lower() != "true":
        raise _bad("Bad request. Required metadata header not specified")


def _api_version(query: dict[str, str]) -> None:
    version = query.get("api-version", "")
    if version not in API_VERSIONS:
        problem = "was not specified in" if not version else "is invalid or not supported by"
        raise Answer(400, {"error": f"Bad request. api-version {problem} the request.",
                           "newest-versions": list(reversed(API_VERSIONS))})


def instance_document(config: Connection) -> dict[str, Any]:
    tags = config.tags
    release = hostinfo.os_release()
    cloud = config.cloud.name
    return {"compute": {
        "azEnvironment": ENVIRONMENTS.get(cloud, cloud), "isHostCompatibilityLayerVm": "",
        "location": config.location, "name": config.resource_name,
        "offer": "", "osType": "linux", "placementGroupId": "",
        "plan": {"name": "", "product": "", "publisher": ""}, "platformFaultDomain": "",
        "platformUpdateDomain": "", "provider": "", "publicKeys": None, "publisher": "",
        "resourceGroupName": config.resource_group, "customData": "",
        "resourceId": config.resource_id,
        "securityProfile": {"secureBootEnabled": "", "virtualTpmEnabled": ""},
        "sku": release.get("PRETTY_NAME", "Linux"), "storageProfile": {},
        "subscriptionId": config.subscription_id,
        "tags": ";".join(f"{k}:{v}" for k, v in tags.items()),
        "tagsList": [{"name": k, "value": v} for k, v in tags.items()],
        "version": os.uname().release, "vmId": config.vm_id, "vmScaleSetName": "",
        "vmSize": "", "zone": ""}, "network": {}}


class _Handler(BaseHTTPRequestHandler):
    server: MetadataServer
    server_version = "himds"
    sys_version = ""
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    disable_nagle_algorithm = True  # headers and body leave in two writes

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        status, body, headers = self.server.service.answer(
            parts.path.rstrip("/") or "/", query, self.headers, self.client_address[0])
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json; charset=utf-8", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        logger.info("%s %s %d", self.client_address[0], parts.path, status)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class MetadataServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.service = service


def start(service: Service, port: int) -> list[MetadataServer]:
    """Listen on 127.0.0.1 and, where the host has it, ::1; serve in background threads."""
    servers = [MetadataServer(("127.0.0.1", port), service)]
    try:
        servers.append(MetadataServer(("::1", servers[0].server_address[1]), service))
    except OSError:
        logger.info("No IPv6 loopback: serving on 127.0.0.1 only")
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers
