"""Network failures in the words the real agent prints (the seed quotes them): ``Post <url>:
dial tcp <host>:443: connect: network is unreachable``, ``... Forbidden`` for a proxy's refusal;
and the error body Azure's services answer with.
"""

from __future__ import annotations

import errno
import http.client
import re
from typing import Any

_ERRNO = {errno.ENETUNREACH: "connect: network is unreachable",
          errno.EHOSTUNREACH: "connect: no route to host",
          errno.ECONNREFUSED: "connect: connection refused",
          errno.ECONNRESET: "read: connection reset by peer",
          errno.ETIMEDOUT: "i/o timeout"}
_PROXY_STATUS = re.compile(r"Tunnel connection failed: (\d{3})")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__ or _nested(current)
    return seen


def _nested(error: BaseException) -> BaseException | None:
    for argument in getattr(error, "args", ()):
        if isinstance(argument, BaseException):
            return argument
        reason = getattr(argument, "reason", None)
        if isinstance(reason, BaseException):
            return reason
    return getattr(error, "reason", None) if isinstance(getattr(error, "reason", None),
                                                         BaseException) else None


def phrase(error: BaseException) -> str:
    """The cause of a failed request, short and in plain words."""
    text = " ".join(str(e) for e in _chain(error))
    proxy = _PROXY_STATUS.search(text)
    if proxy:
        return {"403": "Forbidden", "407": "Proxy Authentication Required"}.get(
            proxy.group(1), f"proxy answered {proxy.group(1)}")
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "x509: certificate signed by unknown authority"
    if "Name or service not known" in text or "NameResolutionError" in text \
            or "Failed to resolve" in text:
        return "no such host"
    for link in _chain(error):
        number = getattr(link, "errno", None)
        if isinstance(number, int) and number in _ERRNO:
            return _ERRNO[number]
    if "read timed out" in text.lower() or "ReadTimeout" in type(error).__name__:
        return "read: i/o timeout"  # connected, then no answer in time: not a dial's failure
    if "timed out" in text.lower() or "timeout" in type(error).__name__.lower():
        return "i/o timeout"
    if any(isinstance(link, _CLOSED) for link in _chain(error)) or "Connection aborted" in text:
        return "EOF"  # the server closed the connection without an answer, as Go says it
    return _last_words(str(error)) or type(error).__name__


_CLOSED = (ConnectionAbortedError, http.client.RemoteDisconnected,
           http.client.IncompleteRead)


def _last_words(text: str) -> str:
    """The innermost cause of a library's message: what follows its last '(Caused by', with the
    one pair of brackets that wraps it taken off (never a bracket of its own)."""
    inner = text.rsplit("(Caused by", 1)[-1].strip() if "(Caused by" in text else text.strip()
    if "(Caused by" in text and inner.endswith(")"):
        inner = inner[:-1].strip()
    return inner


def describe(method: str, url: str, error: BaseException) -> str:
    """``Post https://host/path: dial tcp host:443: connect: network is unreachable``; through
    a proxy that could not be reached, ``proxyconnect tcp: dial tcp proxy:port: ...`` (Go's
    words), so that the proxy, not the service, is named."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    cause = phrase(error)
    dialled = cause.startswith(("connect:", "i/o"))
    if dialled and through_proxy(error):
        found = _DIALLED.search(" ".join(str(e) for e in _chain(error)))
        proxy = f"{found.group(1)}:{found.group(2)}" if found else "proxy"
        return f"{method.capitalize()} {url}: proxyconnect tcp: dial tcp {proxy}: {cause}"
    dial = f"dial tcp {host if ':' in host else host + ':443'}: " if dialled else ""
    return f"{method.capitalize()} {url}: {dial}{cause}"


_DIALLED = re.compile(r"host='([^']{1,255})', port=(\d{1,5})\): Failed to establish")


def through_proxy(error: BaseException) -> bool:
    """The request failed on its way to the proxy (it could not be reached, or refused)."""
    return any(type(link).__name__ == "ProxyError" for link in _chain(error))


def azure_error(response: Any) -> tuple[str, str] | None:
    """(code, message) of an Azure error body ``{"error": {"code", "message"}}``, if it is one."""
    try:
        detail = response.json()["error"]
        return str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        return None


def not_json(method: str, url: str, response: Any) -> str:
    """What to say of an answer that is no JSON document: a proxy, firewall or captive portal
    answering in the service's place sends a page instead."""
    kind = response.headers.get("Content-Type", "") or "no Content-Type"
    return (f"{method.capitalize()} {url}: the answer (HTTP {response.status_code}, {kind}, "
            f"{len(response.content)} bytes) is not the service's JSON; a proxy, firewall or "
            "captive portal may have answered in its place")


def json_object(response: Any) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is none."""
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
