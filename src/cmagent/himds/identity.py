"""The machine identity as himds uses it: the connection, the key and certificate on disk, tokens
for any resource (cached until five minutes before expiry), certificate renewal."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from typing import Any
from typing import NamedTuple

import msal
import requests

from cmagent.errors import AzcmError
from cmagent.machine import clones
from cmagent.machine import connection
from cmagent.machine.connection import Connection
from cmagent.machine.paths import Paths
from cmagent.wire import his
from cmagent.wire import neterrors

REFRESH_MARGIN = 300
UNREACHABLE = "AZCM0026"  # the code of a token request that got no answer from the cloud
logger = logging.getLogger("cmagent.himds")


class Token(NamedTuple):
    """An access token and its times (seconds since the epoch, on this machine's clock)."""

    value: str
    expires: float
    not_before: float


class Identity:
    def __init__(self, paths: Paths, http: Any) -> None:
        self.paths = paths
        self.http = http
        self.connection: Connection | None = None
        self.problem: AzcmError | None = None  # the connection file is damaged
        self.copied: list[str] = []  # the host facts that say this disk is a copy (clones.py)
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def reload(self) -> bool:
        """Re-read the connection; True when the machine is connected. A damaged file leaves
        the machine unconnected and the reason in ``problem`` (himds keeps running)."""
        try:
            loaded, problem = connection.load(self.paths), None
        except AzcmError as error:
            loaded, problem = None, error
            logger.error("%s: %s", error.code, error)
        copied = clones.copied(loaded.fingerprint) if loaded is not None else []
        with self._lock:
            self.connection, self.problem, self.copied = loaded, problem, copied
            self._tokens.clear()
        return loaded is not None

    @property
    def connected(self) -> bool:
        return self.connection is not None

    def require(self) -> Connection:
        """The connection; callers check ``connected`` first."""
        current = self.connection
        if current is None:
            raise his.HisError("token", 0, "this machine is not connected", "AZCM0063")
        return current

    def cached_token(self, resource: str) -> Token | None:
        """The token for ``resource`` when the cache has it fresh; never waits."""
        cached = self._tokens.get(resource)
        if cached and cached.expires - REFRESH_MARGIN > time.time():
            return cached
        return None

    def token(self, resource: str) -> Token:
        """The token for ``resource``, from the cache when still fresh."""
        fresh = self.cached_token(resource)
        if fresh is not None:
            return fresh
        cached = self._tokens.get(resource)
        try:
            fresh = self._fetch(resource)
        except his.HisError:
            # Unreachable cloud: a cached token still valid keeps being served until it expires.
            if cached and cached.expires > time.time():
                return cached
            raise
        with self._lock:
            self._tokens[resource] = fresh
        return fresh

    def _fetch(self, resource: str) -> Token:
        key_pem, cert_pem = connection.identity_pems(self.paths)
        identity = self.require().identity
        url = f"{identity.authority}/oauth2/v2.0/token"
        try:
            result = his.identity_token(self.http, identity.authority, identity.client_id,
                                        key_pem, cert_pem, resource)
        except requests.RequestException as error:
            raise his.HisError("token", 0, neterrors.describe("POST", url, error),
                               UNREACHABLE) from None
        except msal.exceptions.MsalServiceError as error:  # Entra answered a server error
            raise his.HisError("token", 0, f"Post {url}: {error}", UNREACHABLE) from None
        if "access_token" not in result:
            # Never the whole result in the message: it is a token response, shown by show.
            description = result.get("error_description") or result.get("error") or "no token"
            raise his.HisError("token", 0, " ".join(str(description).split()),
                               str(result.get("error", "")))
        now = time.time()
        value = str(result["access_token"])
        return Token(value, now + float(result["expires_in"]), _not_before(value, now))

    def forget(self, resource: str) -> None:
        """Drop a cached token the service refused (it expired or was revoked early)."""
        with self._lock:
            self._tokens.pop(resource, None)

    def renew_certificate(self) -> None:
        current = self.require()
        key_pem, _ = connection.identity_pems(self.paths)
        answer = his.His(self.http, current.his).certificate(
            current.vm_id, his.rsa_signer(key_pem.encode()))
        connection.save_identity(self.paths, key_pem.encode(), answer["certificate"])
        renewed = current.with_certificate(answer["notAfter"])
        connection.save(self.paths, renewed)
        with self._lock:
            self.connection = renewed
            self._tokens.clear()


def _not_before(access_token: str, default: float) -> float:
    """The token's own ``nbf`` (what HIMDS reports as ``not_before``), else ``default``."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["nbf"])
    except (IndexError, ValueError, KeyError, TypeError, binascii.Error):
        return default
