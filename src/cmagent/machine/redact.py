"""Secret redaction for logs, error messages and log bundles.

Two layers: exact values the run knows to be secret (a service principal secret given on the
command line, the password of a proxy URL given to a command) and patterns that catch secrets
whatever their origin (JWTs, PEM private keys, Authorization headers, ``client_secret=`` form
fields, passwords inside URLs).

A URL's password is found the way the HTTP stack finds it: the user information ends at the
last ``@`` before the host, so ``http://u:se@cret@host`` has the password ``se@cret``; a
password may hold ``/``, spaces and ``@``, and the scheme may be missing (``u:pw@host:3128``).
"""

from __future__ import annotations

import re

MASK = "***"
# In free text: user ":" password "@" host — the password runs to the last "@" of the word
# (of the quoted string when the URL is quoted, so a password may hold spaces there); a URL
# without a scheme is recognised by its port. A password already masked is left alone.
# A port, "/#" and "@" is a portal link's fragment (https://host:8443/#@tenant/...), no password.
_URL_PASSWORD = (r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s\"']+:)(?!\*\*\*@)(?!\d{1,5}/#@)"
                 r"([^\s\"'<>]+)(@[^@\s/\"']+)")
# The word after a secret flag is its value, unless it is prose that names the flag: another
# flag, a Japanese word (no space before a particle) or a joining word ("... or --cert").
_FLAG_VALUE = (r"(?i)(--(?:service-principal-secret|access-token)(?:=|\s+))"
               r"(?!--)(?!-[a-z]\b)(?!(?:or|and|nor|is|are|was|with|given|flag|cannot|must|to|needs"
               r"|takes)\b)"
               r"([^\s\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]+)")
_QUOTED_URL_PASSWORD = (r"(?i)([\"'][a-z][a-z0-9+.-]*://[^:/@\s\"']+:)(?!\*\*\*@)([^\"'\n]+)"
                        r"(@[^@\s/\"']+)")
_BARE_PASSWORD = (r"(?i)(?<![\w:/@.-])([a-z0-9._~%-]+:)(?!//)(?!\*\*\*@)([^\s\"'<>]+)"
                  r"(@[a-z0-9.-]+:\d+)\b")

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
     r"|service-?principal-?secret|servicePrincipalSecret|private_?key|secret|device_?code)\""
     r"\s*:\s*\")[^\"]*(\")", 0, rf"\1{MASK}\2"),
    # MSAL's cache events name a device code just "code"; error codes are short words
    ('"code"', r"(\"code\"\s*:\s*\")[A-Za-z0-9_.~+/=-]{32,}(\")", 0, rf"\1{MASK}\2"),
    ("--", _FLAG_VALUE, 0, rf"\1{MASK}"),
    ("-p", r"(?i)(\s-p\s+)(\S+)", 0, rf"\1{MASK}"),
    ("://", _QUOTED_URL_PASSWORD, 0, rf"\1{MASK}\3"),
    ("://", _URL_PASSWORD, 0, rf"\1{MASK}\3"),
    ("@", _BARE_PASSWORD, 0, rf"\1{MASK}\3"),
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
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        """Register a value that must never appear in output, also as JSON writes it (short
        values would mask noise)."""
        if secret and len(secret) >= 4:
            import json  # only runs with secrets need it; start-up time matters

            self._values.update({secret, json.dumps(secret)[1:-1]})
            self._pattern = None

    def add_url_password(self, url: object) -> None:
        """Register the password of a (proxy) URL, so that it is masked even where no pattern
        could find it (free text with a password holding a space)."""
        if isinstance(url, str):
            self.add(secret_of(url))

    def __call__(self, text: str) -> str:
        if self._values:
            text = self._exact().sub(MASK, text)
        return _apply(text)

    def _exact(self) -> re.Pattern[str]:
        """The registered values, longest first, where they stand as words of their own (a
        password "valid" leaves "invalid" alone; "proxy" still goes from "proxy.url")."""
        if self._pattern is None:
            values = "|".join(map(re.escape, sorted(self._values, key=len, reverse=True)))
            self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{values})(?![A-Za-z0-9])")
        return self._pattern


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _userinfo(url: str) -> str | None:
    """What stands between the scheme and the host's ``@``: within the authority when the
    authority has one (``http://u:p@host/x@y``), else up to the last ``@`` (``u:pa/ss@host``, a
    password the stack would misread but that must be masked all the same); None without."""
    rest = url[_scheme_length(url):]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, _ = (authority if "@" in authority else rest).rpartition("@")
    return userinfo if at else None


def _scheme_length(url: str) -> int:
    scheme = _SCHEME.match(url)
    return scheme.end() if scheme else 0


def url_password(url: str) -> str | None:
    """The password in a (proxy) URL, scheme or not, as the HTTP stack would read it."""
    _, colon, password = (_userinfo(url) or "").partition(":")
    return password if colon and password else None


def mask_url_password(url: str) -> str:
    """``http://user:pass@host`` → ``http://user:***@host`` (whatever the password holds); a
    user name alone is masked whole (``http://***@host``: some proxies take a token as the
    user name); a URL without credentials unchanged."""
    userinfo, password = _userinfo(url), url_password(url)
    if not userinfo:
        return url
    end = _scheme_length(url) + len(userinfo)
    hidden = len(password) if password is not None else len(userinfo)
    return f"{url[:end - hidden]}{MASK}{url[end:]}"


def secret_of(url: str) -> str | None:
    """What of a URL's credentials must not be shown: the password, or a user name given
    without one."""
    userinfo = _userinfo(url)
    return url_password(url) or (userinfo if userinfo and ":" not in userinfo else None)


def credentials(url: str) -> tuple[str | None, str | None]:
    """(user, password) of a URL, percent-decoded as the HTTP stack decodes them
    (``p%40ss`` is ``p@ss``: the form apt and curl need for '@' or ':' in a password)."""
    from urllib.parse import unquote

    user, colon, password = (_userinfo(url) or "").partition(":")
    return (unquote(user) if user else None), (unquote(password) if colon else None)


def without_credentials(url: str) -> str:
    """``http://user:pass@host:3128`` → ``http://host:3128``: what may leave the machine."""
    userinfo = _userinfo(url)
    if userinfo is None:
        return url
    start = _scheme_length(url)
    return url[:start] + url[start + len(userinfo) + 1:]
