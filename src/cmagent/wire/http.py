"""The agent's HTTP session: its own trust store (system + REQUESTS_CA_BUNDLE/SSL_CERT_FILE),
the proxy ``netconfig`` chooses for each host, retries of 429/5xx honouring ``Retry-After``
within a deadline, and a redacted wire log. The environment's own requests settings are ignored
so that every call follows the agent's rules."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from cmagent import __version__
from cmagent.machine import clockskew
from cmagent.wire import netconfig

logger = logging.getLogger("cmagent.wire")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 4
MAX_WAIT = 60.0
USER_AGENT = f"azcmagent/{__version__} (cmagent)"


class _TrustAdapter(HTTPAdapter):
    def __init__(self, context: Any) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **kwargs)


class AgentSession(requests.Session):
    """A session that picks the proxy per request from the agent's settings."""

    def __init__(self, settings: Mapping[str, Any], environ: Mapping[str, str],
                 deadline: float | None = None) -> None:
        super().__init__()
        self.trust_env = False
        self._settings = settings
        self._environ = environ
        self.deadline = deadline
        self.clock = clockskew.Observation()  # how far the servers' Date is from our clock
        self.headers["User-Agent"] = USER_AGENT
        self.mount("https://", _TrustAdapter(netconfig.trust(environ)))

    def proxy_for(self, url: str) -> netconfig.ProxyChoice:
        return netconfig.choose_proxy(urlsplit(url).hostname or "", self._settings,
                                      self._environ)

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        method = method.decode() if isinstance(method, bytes) else method
        choice = self.proxy_for(url)
        kwargs["proxies"] = {"https": choice.url} if choice.url else {"https": ""}
        kwargs.setdefault("timeout", 30)
        kwargs["verify"] = True
        return self._with_retries(method, url, args, kwargs)

    def _with_retries(self, method: str, url: str, args: Any,
                      kwargs: dict[str, Any]) -> requests.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            logger.debug("%s %s", method, url.split("?")[0])
            response = super().request(method, url, *args, **kwargs)
            self.clock.note(response.headers.get("Date"), urlsplit(url).hostname or "")
            logger.debug("-> %s %s", response.status_code, response.headers.get(
                "x-ms-request-id", ""))
            wait = _retry_after(response)
            if wait is None or attempt == MAX_ATTEMPTS or not self._time_left(wait):
                return response
            logger.info("%s answered %d; retrying in %.0f s", urlsplit(url).hostname,
                        response.status_code, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns on its last attempt

    def _time_left(self, wait: float) -> bool:
        return self.deadline is None or time.monotonic() + wait < self.deadline


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait before trying again, or None: not retryable, or the server asks for
    more than a minute (e.g. a refused duplicate heartbeat: the next one is minutes away)."""
    if response.status_code not in RETRY_STATUSES:
        return None
    try:
        wait = max(0.0, float(response.headers.get("Retry-After", "2")))
    except ValueError:
        return 2.0
    return wait if wait <= MAX_WAIT else None
