"""Secret redaction for logs, error messages and log bundles.

Two layers: exact values the run knows to be secret (a service principal secret given on the
command line) and patterns that catch secrets whatever their origin (JWTs, PEM private keys,
Authorization headers, ``client_secret=`` form fields, passwords inside URLs).
"""

from __future__ import annotations

import re

MASK = "***"
_URL_PASSWORD = r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)([^@/\s]+)(@)"

# (trigger, pattern, flags, replacement): a pattern can only match text that contains its
# trigger (compared in lower case), so most lines are checked with a substring test alone and
# each pattern is compiled the first time its trigger appears; start-up time matters.
_SOURCES: tuple[tuple[str, str, int, str], ...] = (
    ("private key", r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----",
     re.S, f"-----BEGIN PRIVATE KEY----- {MASK} -----END PRIVATE KEY-----"),
    ("eyj", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", 0, MASK),
    ("authorization", r"(?i)\b(authorization\s*[:=]\s*)(bearer|basic)\s+[^\s\"',]+", 0,
     rf"\1\2 {MASK}"),
    ("=", r"(?i)\b(client_secret|client_assertion|password|passwd|access_token|refresh_token"
     r"|id_token|device_code|secret)=([^&\s\"']+)", 0, rf"\1={MASK}"),
    ('"', r"(?i)(\"(?:client_?secret|password|access_?token|refresh_?token|id_?token"
     r"|service-?principal-?secret|servicePrincipalSecret|private_?key|secret)\"\s*:\s*\")"
     r"[^\"]*(\")", 0, rf"\1{MASK}\2"),
    ("--", r"(?i)(--(?:service-principal-secret|access-token)(?:=|\s+))(\S+)", 0, rf"\1{MASK}"),
    ("-p", r"(?i)(\s-p\s+)(\S+)", 0, rf"\1{MASK}"),
    ("://", _URL_PASSWORD, 0, rf"\1{MASK}\3"),
)
_compiled: dict[str, re.Pattern[str]] = {}


def _apply(text: str) -> str:
    lowered = text.lower()
    for trigger, source, flags, replacement in _SOURCES:
        if trigger in lowered:
            pattern = _compiled.get(source) or _compiled.setdefault(
                source, re.compile(source, flags))
            text = pattern.sub(replacement, text)
    return text


class Redactor:
    """Masks registered secret values and secret-looking patterns in text."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, secret: str | None) -> None:
        """Register a value that must never appear in output (short values would mask noise)."""
        if secret and len(secret) >= 4:
            self._values.add(secret)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return _apply(text)


def mask_url_password(url: str) -> str:
    """``http://user:pass@host`` → ``http://user:***@host``; other URLs unchanged."""
    return re.sub(_URL_PASSWORD, rf"\1{MASK}\3", url)
