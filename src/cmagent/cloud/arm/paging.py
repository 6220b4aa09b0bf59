"""ARM's paging: ``{"value": [...], "nextLink": ...}`` where the next link is an absolute URL on
the host the client used, carrying the request's own query (``$filter``, ``$top``...) and a
``$skiptoken``; clients follow it as given (the Python SDK swaps in its own api-version)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.arm.frontdoor import ArmRequest

PAGE_SIZE = 100


def offset(arm: ArmRequest) -> int:
    """The offset a ``$skiptoken`` of ours stands for (decimal, below 10^9): anything else is a
    token this server never gave out."""
    token = arm.request.query.get("$skiptoken", "")
    if not token:
        return 0
    if not token.isascii() or not token.isdigit() or len(token) > 9:
        raise arm_error(400, "InvalidSkipToken", f"The $skiptoken '{token[:40]}' is not one this "
                                                 "server issued: follow the nextLink as given.")
    return int(token)


def top(arm: ArmRequest) -> int | None:
    """``$top``: at most this many items in all (a positive whole number), else no limit."""
    text = arm.request.query.get("$top", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 1_000_000:
        raise arm_error(400, "InvalidTopInQueryString",
                        f"Invalid $top '{text[:20]}' specified in the query string: give a "
                        "positive whole number.")
    return int(text)


def next_link(arm: ArmRequest, skip: int) -> str:
    query = {k: v for k, v in arm.request.query.items() if k != "$skiptoken"}
    query["$skiptoken"] = str(skip)
    encoded = urlencode(query, safe="$'/:", quote_via=quote)
    return f"{arm.request.base_url}{arm.request.path}?{encoded}"


def page(arm: ArmRequest, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` (everything the request selects, in a stable order)."""
    start = offset(arm)
    limit = top(arm)
    if limit is not None:
        items = items[:limit]
    body: dict[str, Any] = {"value": items[start:start + PAGE_SIZE]}
    if len(items) > start + PAGE_SIZE:
        body["nextLink"] = next_link(arm, start + PAGE_SIZE)
    return body
