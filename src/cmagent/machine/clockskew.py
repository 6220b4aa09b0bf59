"""How far this machine's clock is from the cloud's, learnt from the ``Date`` header of the
answers it gets, and what to say when that may be the cause of a failure: tokens and client
assertions carry times that Entra ID and ARM judge by their own clocks (AADSTS700024, tokens
not yet valid or already expired), so a clock off by minutes fails onboarding and heartbeats.

The limit is 5 minutes (Entra's own tolerance), settable with AZCMAGENT_MAX_CLOCK_SKEW
(seconds).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes

LIMIT_VARIABLE = "AZCMAGENT_MAX_CLOCK_SKEW"
DEFAULT_LIMIT = 300.0
# Failures a skewed clock can cause: sign-in, tokens, and the cloud refusing their times.
TIME_SENSITIVE = {codes.CREDENTIALS_INVALID, codes.INVALID_ACCESS_TOKEN,
                  codes.CREATE_RESOURCE_FAILED, codes.DELETE_RESOURCE_FAILED,
                  codes.MSI_CERTIFICATE_DOWNLOAD_FAILED, codes.SIGNED_MESSAGE_FAILED}


class Observation:
    """The latest offset seen: the server's time minus ours (positive: our clock is behind)."""

    __slots__ = ("host", "offset")

    def __init__(self, offset: float | None = None, host: str = "") -> None:
        self.offset = offset
        self.host = host

    def note(self, date_header: str | None, host: str) -> None:
        offset = offset_of(date_header)
        if offset is not None:
            self.offset, self.host = offset, host


def offset_of(date_header: str | None, now: float | None = None) -> float | None:
    """Seconds the ``Date`` is ahead of this clock (None when absent or unreadable)."""
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # A Date is whole seconds, truncated: the server's time lay within the second after it.
    return server + 0.5 - (time.time() if now is None else now)


def limit(environ: Mapping[str, str]) -> float:
    try:
        return max(1.0, float(environ.get(LIMIT_VARIABLE, "") or DEFAULT_LIMIT))
    except ValueError:
        return DEFAULT_LIMIT


def beyond(observed: Observation, environ: Mapping[str, str]) -> bool:
    return observed.offset is not None and abs(observed.offset) > limit(environ)


def span(seconds: float) -> Localized:
    """``1 h 2 min`` / ``1 時間 2 分``, ``7 min 5 s`` / ``7 分 5 秒``, ``12 s`` / ``12 秒``."""
    whole = round(abs(seconds))
    hours, minutes, rest = whole // 3600, whole % 3600 // 60, whole % 60
    if hours:
        return Localized(f"{hours} h {minutes} min", f"{hours} 時間 {minutes} 分")
    if minutes:
        return Localized(f"{minutes} min {rest} s", f"{minutes} 分 {rest} 秒")
    return Localized(f"{rest} s", f"{rest} 秒")


def fact(observed: Observation) -> Localized:
    """How far off the clock is, and from whom: ``... 1 h 0 min behind host (its Date header).``"""
    offset = observed.offset or 0.0
    way_en, way_ja = ("behind", "遅れています") if offset > 0 else ("ahead of", "進んでいます")
    return Localized(
        f"This machine's clock is {span(offset).en} {way_en} {observed.host} (its Date header).",
        f"このマシンの時計は {observed.host} (Date ヘッダー) より {span(offset).ja}{way_ja}。")


def sentence(observed: Observation) -> Localized:
    """The fact, what follows from it and what to do."""
    said = fact(observed)
    return Localized(
        f"{said.en[:-1]}: the times in tokens and client assertions are then outside their "
        "valid range. Synchronize the clock (for example 'timedatectl set-ntp true', or "
        "'chronyc makestep' with chrony) and try again.",
        f"{said.ja}トークンやクライアント アサーションの時刻が有効範囲外になります。時計を同期"
        "してから (例: 'timedatectl set-ntp true'、chrony では 'chronyc makestep')、もう一度"
        "実行してください。")


def likely_cause(observed: Observation | None, environ: Mapping[str, str]) -> Localized | None:
    """The sentence that names the clock, when it is off (None when it is not, or unknown)."""
    return sentence(observed) if observed is not None and beyond(observed, environ) else None


def explain(error: AzcmError, observed: Observation | None,
            environ: Mapping[str, str]) -> AzcmError:
    """``error`` with the clock named as its likely cause, when it is off and could be."""
    if observed is None or not beyond(observed, environ) \
            or error.entry.code not in TIME_SENSITIVE:
        return error
    said = fact(observed)
    # The clock's cause and remedy replace the code's own (a wrong secret's, say): with the
    # clock off, those would send the operator to check what is not wrong.
    return error.refined(Localized(f"{error.detail_text('en')} Likely cause: {said.en}",
                                   f"{error.detail_text('ja')} 考えられる原因: {said.ja}"),
                         remedy="clock-off", clockOffsetSeconds=round(observed.offset or 0.0),
                         clockLimitSeconds=round(limit(environ)))
