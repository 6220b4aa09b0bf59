"""HIMDS's local REST service on ``localhost:40342``: the instance metadata document, the
managed-identity token endpoint with its file challenge, and ``/agentstatus``.

Token flow: a request without proof gets 401 and ``WWW-Authenticate: Basic realm=<file>``, a
fresh secret in the tokens directory that only root and the ``himds`` group can read; the retry
with ``Authorization: Basic <file contents>`` gets the token (from the cache while it is fresh),
and the secret is then spent (a 5xx leaves it good for the SDK's own retry, within its minute).
Requests must come from loopback, carry ``Metadata: true`` and no forwarding header
(``X-Forwarded-For``, ``Forwarded``, ... — empty or not), and use GET; every refusal is JSON in
Azure IMDS's shape ``{"error", "error_description"}``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route
from starlette.routing import Router
from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from cmagent.himds.challenges import Challenges
from cmagent.himds.challenges import TooMany
from cmagent.himds.identity import UNREACHABLE
from cmagent.himds.identity import Identity
from cmagent.himds.identity import Token
from cmagent.himds.peers import loopback_peer_uid
from cmagent.machine import clones
from cmagent.machine import hostinfo
from cmagent.machine.connection import Connection
from cmagent.wire import his

logger = logging.getLogger("cmagent.himds.access")
API_VERSIONS = ("2019-08-15", "2019-11-01", "2020-06-01", "2021-02-01")
TOKEN_PATH = "/metadata/identity/oauth2/token"
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto",
                      "X-Real-IP", "X-Original-Forwarded-For")
ENVIRONMENTS = {"AzureCloud": "AzurePublicCloud", "AzureUSGovernment": "AzureUSGovernmentCloud",
                "AzureChinaCloud": "AzureChinaCloud"}


class Refusal(Exception):
    """An IMDS-style error answer."""

    def __init__(self, status: int, description: str, error: str = "invalid_request",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {"error": error, "error_description": description}
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, self.status, self.headers)


class Service:
    """The routes, with the machine identity, the challenges and the agent's status behind
    them."""

    def __init__(self, identity: Identity, challenges: Challenges,
                 status: Callable[[], dict[str, Any]]) -> None:
        self.identity = identity
        self.challenges = challenges
        self.status = status

    def app(self) -> ASGIApp:
        """Starlette's router behind the guard, which also turns every refusal into IMDS's
        shape (a full Starlette application's extra layers cost a tenth of a token answer)."""
        return Guard(Router([Route(TOKEN_PATH, self._token, methods=["GET"]),
                             Route("/metadata/instance", self._instance, methods=["GET"]),
                             Route("/metadata/instance/compute", self._compute, methods=["GET"]),
                             Route("/agentstatus", self._agent_status, methods=["GET"])],
                            redirect_slashes=False))  # a redirect would echo the Host header

    async def _agent_status(self, request: Request) -> Response:
        status = self.status()
        return JSONResponse({"status": status.get("status"),
                             "lastHeartBeat": status.get("lastHeartbeat") or ""})

    async def _instance(self, request: Request) -> Response:
        _api_version(request)
        return JSONResponse(instance_document(self._connected()))

    async def _compute(self, request: Request) -> Response:
        _api_version(request)
        return JSONResponse(instance_document(self._connected())["compute"])

    def _connected(self) -> Connection:
        current = self.identity.connection
        problem = self.identity.problem
        if problem is not None:
            raise Refusal(503, f"The agent's connection cannot be read: "
                               f"{problem}", "service_unavailable")
        if current is None:
            raise Refusal(400, "Identity not found: this machine is not connected to Azure "
                               "Arc. Connect it with 'azcmagent connect'.")
        if self.identity.copied:  # a copied disk: the identity is another machine's
            raise Refusal(400, "Identity not available: " + clones.copy_sentence(
                current.resource_id, self.identity.copied).en)
        return current

    async def _token(self, request: Request) -> Response:
        _api_version(request)
        _once(request, "resource")
        resource = request.query_params.get("resource", "")
        if not resource:
            raise Refusal(400, "Required audience parameter not specified")
        if {"client_id", "object_id", "msi_res_id", "mi_res_id"} & set(request.query_params):
            raise Refusal(400, "User-assigned identities are not supported on Azure "
                               "Arc-enabled servers: only the system-assigned identity exists.")
        self._connected()
        proof = self._proof(request)
        if proof is None:
            raise self._challenge(request)
        try:
            answer = await self._answer(resource)
        except Refusal as refused:
            if refused.status < 500:
                self.challenges.spend(proof)
            else:  # the SDK retries a 5xx with the same proof: it gets a minute from now
                self.challenges.renew(proof)
            raise
        self.challenges.spend(proof)
        return JSONResponse(answer)

    async def _answer(self, resource: str) -> dict[str, Any]:
        cached = self.identity.cached_token(resource)
        if cached is not None:  # served on the loop: no thread hand-off for the common case
            return _token_answer(resource, cached)
        return await run_in_threadpool(self._issue, resource)

    def _proof(self, request: Request) -> str | None:
        """The contents of a live challenge file the request carries, if it does."""
        scheme, _, proof = request.headers.get("authorization", "").partition(" ")
        proof = proof.strip()
        return proof if scheme.lower() == "basic" and proof and self.challenges.holds(proof) \
            else None

    def _challenge(self, request: Request) -> Refusal:
        """The answer that names a new challenge file (401), or says there are too many for
        this local user (429, with the seconds until the first of theirs expires)."""
        uid = _caller_uid(request.scope)
        try:
            path = self.challenges.issue(uid)
        except TooMany as crowded:
            logger.warning("Challenge refused: %s", crowded)
            return Refusal(429, "Too many unanswered token challenges; answer the outstanding "
                                "ones or wait a minute.", "too_many_requests",
                           {"Retry-After": str(self.challenges.retry_after(crowded))})
        return Refusal(401, "Read the file named in WWW-Authenticate and send its contents as "
                            "'Authorization: Basic <contents>'.", "unauthorized",
                       {"WWW-Authenticate": f"Basic realm={path}"})

    def _issue(self, resource: str) -> dict[str, Any]:
        try:
            return _token_answer(resource, self.identity.token(resource))
        except his.HisError as error:
            raise _token_refusal(resource, error) from None


# Entra's answers that a retry may change (throttling, its own failures): never a final 400.
_TRANSIENT = {UNREACHABLE, "temporarily_unavailable", "server_error", "slow_down"}


def _token_refusal(resource: str, error: his.HisError) -> Refusal:
    """A 400 when the identity service answered and refused (a definite answer: an unknown
    resource, an expired machine certificate), a 503 when it could not be reached."""
    if error.code in ("invalid_resource", "invalid_scope"):
        return Refusal(400, error.message, error.code)
    if error.code and error.code not in _TRANSIENT:
        return Refusal(400, f"The identity service refused a token for {resource}: "
                            f"{error.message}", error.code)
    return Refusal(503, f"The identity service could not be reached and no valid token for "
                        f"{resource} is cached: {error.message}", "service_unavailable")


def _token_answer(resource: str, token: Token) -> dict[str, Any]:
    """The token in HIMDS's shape: every value a string."""
    now = int(time.time())
    return {"access_token": token.value, "refresh_token": "",
            "expires_in": str(int(token.expires) - now), "expires_on": str(int(token.expires)),
            "not_before": str(int(token.not_before)), "resource": resource,
            "token_type": "Bearer"}


def _api_version(request: Request) -> None:
    _once(request, "api-version")
    version = request.query_params.get("api-version", "")
    if version not in API_VERSIONS:
        problem = "was not specified in" if not version else "is invalid or not supported by"
        refusal = Refusal(400, f"Bad request. api-version {problem} the request.")
        refusal.body["newest-versions"] = sorted(API_VERSIONS, reverse=True)  # as Azure IMDS
        raise refusal


def _once(request: Request, name: str) -> None:
    """A parameter given twice is refused: which one counts would differ between parsers (a
    scope an SDK put in the URL unencoded can carry a second 'resource')."""
    if len(request.query_params.getlist(name)) > 1:
        raise Refusal(400, f"Bad request. The parameter '{name}' is given more than once.")


def _caller_uid(scope: Scope) -> int | None:
    client, server = scope.get("client"), scope.get("server")
    if not client or not server:
        return None
    return loopback_peer_uid((str(client[0]), int(client[1])), (str(server[0]), int(server[1])))


class Guard:
    """Before any route: loopback callers only, GET only, no forwarding header, ``Metadata:
    true``; after it, every refusal (the routes', the router's 404, a crash) answered as JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = _guard(scope) or await self._routed(scope, receive, send)
        if answer is not None and answer.status != 401:  # a 401 is the challenge: the flow
            _log_refusal(scope, answer)  # (before answering: a client may then close at once)
        if answer is not None:
            await answer.response()(scope, receive, send)
        logger.info("%s %s %d %.1fms", scope["method"], scope["path"],
                    answer.status if answer else 200, (time.perf_counter() - started) * 1000)

    async def _routed(self, scope: Scope, receive: Receive, send: Send) -> Refusal | None:
        scope["app"] = self  # the router then raises its 404 and 405 instead of answering text
        started: list[bool] = []

        async def noting(message: Message) -> None:
            started.append(True)
            await send(message)

        try:
            await self.app(scope, receive, noting)
        except Refusal as refusal:
            return refusal
        except HTTPException as error:
            return _router_refusal(scope, error)
        except asyncio.CancelledError:  # stopping, and this answer outlasted the grace period
            if started:  # (half sent: nothing more can be said on this connection)
                raise
            return Refusal(503, "himds is stopping; ask again once it is back.",
                           "service_unavailable", {"Retry-After": "5"})
        except Exception as error:  # always answer; the details go to himds.log
            logging.getLogger("cmagent.himds").exception("Request for %s failed", scope["path"])
            return Refusal(500, f"{type(error).__name__}: see himds.log", "internal_error")
        return None


def _log_refusal(scope: Scope, refusal: Refusal) -> None:
    """Why a caller was refused, and which local user it was: what a 4xx or 5xx needs to be
    diagnosed from himds.log (descriptions never hold a secret; the challenge file's name is
    only in the 401's header)."""
    level = logging.WARNING if refusal.status >= 500 else logging.INFO
    logger.log(level, "Refused %s for uid %s: %d %s: %s", scope["path"], _caller_uid(scope),
               refusal.status, refusal.body["error"], refusal.body["error_description"])


def _guard(scope: Scope) -> Refusal | None:
    client = (scope.get("client") or ("",))[0]
    if client not in ("127.0.0.1", "::1") and not str(client).startswith("::ffff:127."):
        return Refusal(403, "Requests must come from this machine.", "forbidden")
    if scope["method"] != "GET":  # HEAD too: it would issue a challenge nobody reads
        return Refusal(405, f"The method '{scope['method']}' is not allowed: use GET.",
                       "method_not_allowed", {"Allow": "GET"})
    names = {name for name, _ in scope["headers"]}
    forwarded = [name for name in FORWARDING_HEADERS if name.lower().encode() in names]
    if forwarded:
        return Refusal(400, f"Bad request. Requests carrying {', '.join(forwarded)} are not "
                            "allowed.")
    # every Metadata header must say true: which of two counts would differ between parsers
    said = {value.strip().lower() for name, value in scope["headers"] if name == b"metadata"}
    if scope["path"].rstrip("/") != "/agentstatus" and said != {b"true"}:
        return Refusal(400, "Bad request. Required metadata header not specified")
    return None


def _router_refusal(scope: Scope, error: HTTPException) -> Refusal:
    return Refusal(error.status_code, f"The path '{scope['path']}' is not served here.",
                   "not_found" if error.status_code == 404 else "invalid_request")


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
