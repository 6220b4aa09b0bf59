"""The machine identity as himds uses it: the connection, the key and certificate on disk, tokens
for any resource (cached until five minutes before expiry), certificate renewal."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from cmagent.agent import state
from cmagent.agent.paths import Paths
from cmagent.wire import his
from cmagent.wire import neterrors

REFRESH_MARGIN = 300


class Identity:
    def __init__(self, paths: Paths, http: Any) -> None:
        self.paths = paths
        self.http = http
        self.config: dict[str, Any] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def reload(self) -> bool:
        """Re-read the connection; True when the machine is connected."""
        with self._lock:
            self.config = state.load(self.paths)
            self._tokens.clear()
        return state.connected(self.config)

    @property
    def connected(self) -> bool:
        return state.connected(self.config)

    def _pems(self) -> tuple[str, str]:
        with open(state.identity_key(self.paths), encoding="utf-8") as key, \
                open(state.identity_certificate(self.paths), encoding="utf-8") as cert:
            return key.read(), cert.read()

    def token(self, resource: str) -> tuple[str, float]:
        """(access token, expiry) for ``resource``, from the cache when still fresh."""
        with self._lock:
            cached = self._tokens.get(resource)
            if cached and cached[1] - REFRESH_MARGIN > time.time():
                return cached
        try:
            fresh = self._fetch(resource)
        except his.HisError:
            # Unreachable cloud: a cached token still valid keeps being served until it expires.
            if cached and cached[1] > time.time():
                return cached
            raise
        with self._lock:
            self._tokens[resource] = fresh
        return fresh

    def _fetch(self, resource: str) -> tuple[str, float]:
        key_pem, cert_pem = self._pems()
        identity = self.config["identity"]
        url = f"{identity['authority']}/oauth2/v2.0/token"
        import msal

        try:
            result = his.identity_token(self.http, identity["authority"], identity["clientId"],
                                        key_pem, cert_pem, resource)
        except requests.RequestException as error:
            raise his.HisError("token", 0, neterrors.describe("POST", url, error),
                               "AZCM0026") from None
        except msal.exceptions.MsalServiceError as error:  # Entra answered a server error
            raise his.HisError("token", 0, f"Post {url}: {error}", "AZCM0026") from None
        if "access_token" not in result:
            # Never the whole result in the message: it is a token response, shown by show.
            description = result.get("error_description") or result.get("error") or "no token"
            raise his.HisError("token", 0, str(description).splitlines()[0],
                               str(result.get("error", "")))
        return str(result["access_token"]), time.time() + float(result["expires_in"])

    def forget(self, resource: str) -> None:
        """Drop a cached token the service refused (it expired or was revoked early)."""
        with self._lock:
            self._tokens.pop(resource, None)

    def renew_certificate(self) -> None:
        key_pem, _ = self._pems()
        answer = his.His(self.http, self.config["hybridIdentityService"]).certificate(
            self.config["vmId"], his.rsa_signer(key_pem.encode()))
        state.save_identity(self.paths, key_pem.encode(), answer["certificate"])
        self.config["identity"]["certificateNotAfter"] = answer["notAfter"]
        state.save(self.paths, self.config)
        with self._lock:
            self._tokens.clear()
