"""``azcmagent check``: can this machine reach every endpoint the agent needs, and if not,
what stands in the way. Exit 0 when every required endpoint passes, AZCM0026 otherwise;
optional endpoints never fail the run. The JSON schema is docs/check-schema.md (version 1).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from cmagent.agent import clouds
from cmagent.agent import log
from cmagent.agent import netcheck
from cmagent.agent.main import Context
from cmagent.agent.options import CheckOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine import clockskew
from cmagent.machine import connection
from cmagent.machine.connection import Connection

SCHEMA_VERSION = 1
TIMEOUT_VARIABLE = "AZCMAGENT_CHECK_TIMEOUT"
_COLUMNS = ("ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY")


def run(context: Context[CheckOptions]) -> Result:
    cloud_name, location, endpoints = _plan(context)
    private_link = context.options.enable_pls_check
    started = time.monotonic()
    results = netcheck.run(endpoints, context.settings(),
                           context.env.environ, _timeout(context), private_link)
    for result in results:
        log.debug("check %s: %s", result.endpoint.url, result.to_json())
    lang = context.env.lang
    report = _report(results, cloud_name, location, private_link, time.monotonic() - started,
                     lang)
    _add_clock(report, results, context.env.environ, lang)
    blocked = [r for r in results if r.endpoint.required and not r.reachable]
    if blocked:
        names = {language: "; ".join(f"{r.endpoint.url} ({r.blocker(language)})"
                                     for r in blocked) for language in ("en", "ja")}
        raise AzcmError(codes.NETWORK_ERROR, Localized(
            f"{len(blocked)} required endpoint(s) unreachable: {names['en']}",
            f"必須エンドポイント {len(blocked)} 件に到達できません: {names['ja']}"),
            report=report, remedy="in-check")
    return report


def _plan(context: Context[CheckOptions]) -> tuple[str, str, list[clouds.Endpoint]]:
    connected = _connected(context)
    location = (context.options.location or (connected.location if connected else "")) \
        .replace(" ", "")
    if not location:
        raise AzcmError(codes.MISSING_PARAMETER, Localized(
            "--location (the machine is not connected, so there is no region to default to)",
            "--location (このマシンは接続されていないため、既定のリージョンがありません)"))
    cloud = clouds.chosen(context.options.cloud, context.env.environ,
                          connected.cloud.name if connected else None)
    clouds.check_region(cloud, location)
    if cloud.lower().startswith("https://"):
        return cloud, location, clouds.custom_endpoints(cloud)
    match = clouds.built_in(cloud, clouds.source(context.options.cloud, context.env.environ))
    extensions = "all" if context.options.include_all else context.options.extensions
    return match.name, location, clouds.endpoints(match, location, extensions)


def _connected(context: Context[CheckOptions]) -> Connection | None:
    """The connection, if readable: check diagnoses a broken machine rather than refusing."""
    try:
        return connection.load(context.paths)
    except AzcmError:
        return None


def _timeout(context: Context[CheckOptions]) -> float:
    raw = context.env.environ.get(TIMEOUT_VARIABLE, "")
    try:
        return max(0.5, float(raw)) if raw else netcheck.DEFAULT_TIMEOUT
    except ValueError:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"{TIMEOUT_VARIABLE}={raw!r}: a number of seconds is expected.",
            f"{TIMEOUT_VARIABLE}={raw!r}: 秒数を数値で指定してください。")) from None


def _report(results: list[netcheck.Result], cloud: str, location: str, private_link: bool,
            seconds: float, lang: str) -> Result:
    ordered = sorted(results, key=lambda r: r.endpoint.url)
    passed = all(r.reachable for r in results if r.endpoint.required)
    data = {"schemaVersion": SCHEMA_VERSION, "status": "success" if passed else "failed",
            "cloud": cloud, "location": location,
            "mode": "privateLink" if private_link else "public",
            "durationSeconds": round(seconds, 3), "checks": [r.to_json() for r in ordered]}
    return Result(_table(ordered, lang), data)


def _add_clock(report: Result, results: list[netcheck.Result], environ: Mapping[str, str],
               lang: str) -> None:
    """The clock as its own check: the services' Date against ours (the median of them)."""
    dated = sorted((r for r in results if r.clock_offset is not None),
                   key=lambda r: r.clock_offset or 0.0)
    if not dated:
        report.data["clock"] = {"id": "clock", "outcome": "unknown"}
        return
    middle = dated[len(dated) // 2]
    observed = clockskew.Observation(middle.clock_offset, middle.endpoint.host)
    cause = clockskew.likely_cause(observed, environ)
    report.data["clock"] = {"id": "clock", "outcome": "failed" if cause else "passed",
                            "offsetSeconds": round(observed.offset or 0.0, 1),
                            "host": observed.host, "limitSeconds": clockskew.limit(environ)}
    span = clockskew.span(observed.offset or 0.0)
    within = Localized(f"within {span.en} of {observed.host}",
                       f"{observed.host} との差は {span.ja} 以内です。")
    line = (cause or within).pick(lang)
    report.text += f"\n\n{'時計' if lang == 'ja' else 'Clock'}: {line}"


def _cell(value: bool | None) -> str:
    return "unknown" if value is None else str(value).lower()


def _table(results: list[netcheck.Result], lang: str) -> str:
    width = max([len(_COLUMNS[0]), *(len(r.endpoint.url) for r in results)]) + 1
    lines = [f"{_COLUMNS[0]:<{width}}|" + "|".join(f"{c:<9}" for c in _COLUMNS[1:])]
    for r in results:
        cells = (_cell(r.reachable), _cell(r.private), r.tls or "unknown", r.proxy.label)
        lines.append(f"{r.endpoint.url:<{width}}|" + "|".join(f"{c:<9}" for c in cells))
    lines += _problems(results, lang)
    return "\n".join(lines)


_TITLES = {"en": ("Blocked (required):", "Unreachable (optional):"),
           "ja": ("ブロックされています (必須):", "到達できません (省略可能):")}


def _problems(results: list[netcheck.Result], lang: str) -> list[str]:
    lines: list[str] = []
    for required, title in zip((True, False), _TITLES[lang], strict=True):
        failed = [r for r in results if r.endpoint.required == required and not r.reachable]
        if failed:
            lines += ["", title] + [f"  {r.endpoint.url}: {r.blocker(lang)}" for r in failed]
    return lines
