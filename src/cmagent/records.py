"""One log record per message, whatever values it quotes: a URL path, a flag's value or an
error text from outside may hold a newline (it would forge a record of its own), an escape
sequence (it would work on the reader's terminal) or bytes that were not UTF-8. Shared by the
agent's log, himds's and the cloud's, which import nothing of each other."""

from __future__ import annotations

from typing import Any


def one_record(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``), lines after the first indented,
    and a byte that was not UTF-8 (a surrogate, as Python keeps one from the command line)
    shown as ``\\xff`` instead of failing the write."""
    if not any(unusual(c) for c in text):
        return text
    return "\n    ".join("".join(_escaped(c) for c in line) for line in text.split("\n"))


def unusual(character: str) -> bool:
    """A control character other than tab (C0, DEL, C1), a line or paragraph separator
    (readers split lines there too), or a byte that was not UTF-8."""
    code = ord(character)
    return (code < 32 and character != "\t") or 127 <= code < 160 or code in (0x2028, 0x2029) \
        or 0xDC80 <= code <= 0xDCFF


def _escaped(character: str) -> str:
    if not unusual(character):
        return character
    if ord(character) >= 0xDC80:
        return f"\\x{ord(character) - 0xDC00:02x}"
    return character.encode("unicode_escape").decode("ascii")


def log_formatter(layout: str) -> Any:
    """A ``logging.Formatter`` for ``layout`` whose messages stay one record each; a
    traceback after one keeps its lines, each indented (an exception's text may quote a
    path with a newline in it, too)."""
    import logging

    class OneRecordFormatter(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:
            return one_record(super().formatMessage(record))

        def formatException(self, ei: Any) -> str:
            lines = super().formatException(ei).split("\n")
            return "\n".join("    " + "".join(_escaped(c) for c in line) for line in lines)

    return OneRecordFormatter(layout)
