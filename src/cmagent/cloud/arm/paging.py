"""ARM's paging: ``{"value": [...], "nextLink": ...}`` where the next link is an absolute URL on
the host the client used, carrying the request's own query (``$filter``, ``$top``...) and a
``$skiptoken``; clients follow it as given (the Python SDK swaps in its own api-version).

The token names the last item of the page, not a count: a script that deletes what it has read
while it follows the links (the SDK's ``for m in list(): delete(m)``) still reaches every item.
``$top`` is the page size, as in ARM: the next link keeps it, and clients that follow links get
everything.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.frontdoor import ArmRequest

PAGE_SIZE = 100
MAX_PAGE = 1000
_PREFIX = "cm1:"  # the form of this server's tokens (base64url of prefix + key)


def after(arm: ArmRequest) -> str | None:
    """The key of the last item the client has seen (from ``$skiptoken``), or None."""
    token = arm.request.query.get("$skiptoken", "")
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii") + b"==").decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    if not text.startswith(_PREFIX) or len(token) > 2000:
        raise arm_error(400, "InvalidSkipToken", f"The $skiptoken '{token[:40]}' is not one this "
                                                 "server issued: follow the nextLink as given.")
    return text[len(_PREFIX):]


def after_number(arm: ArmRequest) -> int:
    """``after`` for lists keyed by a row number: 0 before the first page."""
    key = after(arm)
    if key is None:
        return 0
    if not key.isascii() or not key.isdigit() or len(key) > 18:
        raise arm_error(400, "InvalidSkipToken", "The $skiptoken is not one this list issued: "
                                                 "follow the nextLink as given.")
    return int(key)


def size(arm: ArmRequest) -> int:
    """The page size: ``$top`` (a positive whole number, at most 1000 a page), else 100."""
    text = arm.request.query.get("$top", "")
    if not text:
        return PAGE_SIZE
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 1_000_000:
        raise arm_error(400, "InvalidTopInQueryString",
                        f"Invalid $top '{text[:20]}' specified in the query string: give a "
                        "positive whole number.")
    return min(int(text), MAX_PAGE)


def next_link(arm: ArmRequest, last_key: str) -> str:
    query = {k: v for k, v in arm.request.query.items() if k != "$skiptoken"}
    query["$skiptoken"] = base64.urlsafe_b64encode(
        (_PREFIX + last_key).encode("utf-8")).decode("ascii").rstrip("=")
    encoded = urlencode(query, safe="$'/:", quote_via=quote)
    return f"{arm.request.base_url}{arm.request.path}?{encoded}"


def _by_id(item: dict[str, Any]) -> str:
    """ARM orders ids without regard to case; two that differ only in case stay two keys."""
    return f"{str(item['id']).lower()}\n{item['id']}"


def page(arm: ArmRequest, items: list[dict[str, Any]],
         key: Callable[[dict[str, Any]], str] = _by_id) -> dict[str, Any]:
    """One page of ``items`` (everything the request selects), ordered by ``key``."""
    ordered = sorted(items, key=key)
    keys = [key(item) for item in ordered]
    seen = after(arm)
    start = 0 if seen is None else bisect.bisect_right(keys, seen)
    limit = size(arm)
    body: dict[str, Any] = {"value": ordered[start:start + limit]}
    if len(ordered) > start + limit:
        body["nextLink"] = next_link(arm, keys[start + limit - 1])
    return body
