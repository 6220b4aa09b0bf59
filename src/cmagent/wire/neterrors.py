"""Network failures in the words the real agent prints (the seed quotes them): ``Post <url>:
dial tcp <host>:443: connect: network is unreachable``, ``... Forbidden`` for a proxy's refusal;
and the error body Azure's services answer with.
"""

from __future__ import annotations

import errno
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
    if "timed out" in text.lower() or "timeout" in type(error).__name__.lower():
        return "i/o timeout"
    return str(error).split("(Caused by")[-1].strip(" ()") or type(error).__name__


def describe(method: str, url: str, error: BaseException) -> str:
    """``Post https://host/path: dial tcp host:443: connect: network is unreachable``."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    cause = phrase(error)
    dial = f"dial tcp {host if ':' in host else host + ':443'}: " \
        if cause.startswith(("connect:", "i/o")) else ""
    return f"{method.capitalize()} {url}: {dial}{cause}"


def azure_error(response: Any) -> tuple[str, str] | None:
    """(code, message) of an Azure error body ``{"error": {"code", "message"}}``, if it is one."""
    try:
        detail = response.json()["error"]
        return str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        return None
