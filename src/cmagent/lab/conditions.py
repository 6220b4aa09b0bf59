"""The conditions a lab can be in, as data: what ``cmagent-cloud lab on`` switches on a running
lab, what a scenario file's ``conditions`` list names, and what the lab's record keeps (so that
``lab status`` shows them and ``lab off`` can rebuild the rest).

A condition hits names chosen by pattern: a lab name, a wildcard (``*.his.arc.azure.com``) or
``*`` for all of them; a pattern that matches no lab name is an error that lists them.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

NAMED_KINDS = ("no-route", "drop", "reject", "name-missing", "intercept", "slow")
KINDS = (*NAMED_KINDS, "proxy")
WHAT = {
    "no-route": "no route to the names (connect: network is unreachable)",
    "drop": "packets to the names are dropped (connect: times out)",
    "reject": "connections to the names are reset (connect: connection refused)",
    "name-missing": "the names are not in the machines' hosts file (lookup: not known)",
    "intercept": "the names answer through a TLS-intercepting proxy with its own CA",
    "slow": "every chunk to and from the names is held back (latency each way)",
    "proxy": "the lab's squid proxy runs with these rules (the agent uses it when told to)",
}


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    kind: str
    names: tuple[str, ...] = ("*",)  # patterns; the proxy's are in allow and deny
    allow: tuple[str, ...] = ()  # proxy: only these names (all when empty)
    deny: tuple[str, ...] = ()  # proxy: refused with 403
    user: str = ""  # proxy: Basic credentials required when given
    password: str = field(default="", repr=False)
    trusted: bool = False  # intercept: the interceptor's CA is in the machines' trust store
    delay_ms: int = 0  # slow

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConditionError(f"unknown condition '{self.kind}' (one of: {', '.join(KINDS)})")
        if self.kind == "slow" and not 0 < self.delay_ms <= 60_000:
            raise ConditionError("slow: give the delay in milliseconds, 1 to 60000")
        if bool(self.user) != bool(self.password):
            raise ConditionError("proxy: give both the user and the password, or neither")
        misplaced = [what for what, given, kind in (
            ("names", self.names != ("*",), "intercept no-route drop reject name-missing slow"),
            ("allow/deny/user/password", self.allow or self.deny or self.user, "proxy"),
            ("trusted", self.trusted, "intercept"), ("delay", self.delay_ms, "slow"))
            if given and self.kind not in kind.split()]
        if misplaced:
            raise ConditionError(f"{self.kind}: '{misplaced[0]}' does not apply (names are for "
                                 "every kind but the proxy, which takes allow/deny/user/"
                                 "password; trusted is for intercept, delay for slow)")

    def to_json(self, secrets: bool = True) -> dict[str, Any]:
        """The record's form; without ``secrets`` the proxy password is masked."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind != "proxy":
            data["names"] = list(self.names)
        for key, value in (("allow", list(self.allow)), ("deny", list(self.deny)),
                           ("user", self.user), ("trusted", self.trusted),
                           ("delayMs", self.delay_ms)):
            if value:
                data[key] = value
        if self.password:
            data["password"] = self.password if secrets else "***"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Condition:
        return cls(data["kind"], tuple(data.get("names", ("*",))), tuple(data.get("allow", ())),
                   tuple(data.get("deny", ())), data.get("user", ""), data.get("password", ""),
                   bool(data.get("trusted")), int(data.get("delayMs", 0)))

    def describe(self) -> str:
        """One line for ``lab status``, without the proxy password."""
        if self.kind == "proxy":
            parts = [f"allow {' '.join(self.allow)}" if self.allow else "allow all"]
            parts += [f"deny {' '.join(self.deny)}"] if self.deny else []
            parts += [f"credentials {self.user}:***"] if self.user else []
            return "proxy: " + "; ".join(parts)
        extra = {"intercept": " (CA trusted)" if self.trusted else " (CA not trusted)",
                 "slow": f" ({self.delay_ms} ms each way)"}.get(self.kind, "")
        return f"{self.kind}: {' '.join(self.names)}{extra}"


def matching(patterns: tuple[str, ...], names: list[str]) -> list[str]:
    """The lab names the patterns choose, in the lab's order."""
    chosen: set[str] = set()
    for pattern in patterns:
        found = {n for n in names if fnmatch.fnmatchcase(n, pattern.lower())}
        if not found:
            raise ConditionError(f"'{pattern}' matches no lab name (the lab's names: "
                                 f"{', '.join(names)})")
        chosen |= found
    return [n for n in names if n in chosen]


def squid_domains(patterns: tuple[str, ...]) -> list[str]:
    """Patterns as squid's dstdomain words: ``*.example.com`` is ``.example.com`` (the
    domain and every name below it)."""
    return [p[1:] if p.startswith("*.") else p for p in patterns]


def without(conditions: list[Condition], kind: str | None,
            patterns: tuple[str, ...]) -> list[Condition]:
    """``conditions`` with ``kind`` (all kinds when None) switched off, for every name or only
    for ``patterns``."""
    kept: list[Condition] = []
    for condition in conditions:
        if kind not in (None, condition.kind):
            kept.append(condition)
        elif patterns and condition.kind != "proxy":
            rest = tuple(n for n in condition.names if n not in patterns)
            kept += [replace(condition, names=rest)] if rest else []
    return kept


def from_scenario(entry: Any) -> Condition:
    """One item of a scenario file's ``conditions``: ``{KIND: [PATTERN...]}`` or
    ``{KIND: {names: [...], ...}}`` (the proxy's: ``{proxy: {allow, deny, user, password}}``)."""
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ConditionError(f"a condition is one KIND: VALUE pair, not {entry!r}")
    [(kind, value)] = entry.items()
    if isinstance(value, list):
        return Condition(kind, _patterns(value))
    if not isinstance(value, dict):
        raise ConditionError(f"{kind}: give a list of names or a table, not {value!r}")
    unknown = set(value) - {"names", "allow", "deny", "user", "password", "trusted", "delay-ms"}
    if unknown:
        raise ConditionError(f"{kind}: unknown key {', '.join(sorted(unknown))}")
    return Condition(kind, _patterns(value.get("names", ["*"])), _patterns(value.get("allow", [])),
                     _patterns(value.get("deny", [])), str(value.get("user", "")),
                     str(value.get("password", "")), bool(value.get("trusted", False)),
                     int(value.get("delay-ms", 0)))


def _patterns(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConditionError(f"names must be a list of names or wildcards, not {value!r}")
    return tuple(v.lower() for v in value)
