"""AZCM errors: the one exception type every part of the agent raises, and its rendering.

``AzcmError(code, detail)`` names a catalogue entry; the detail says what exactly went wrong
(the flag, the file, the endpoint) and may carry an English and a Japanese text. This package
imports nothing else from cmagent, so every module can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from cmagent.errors.catalogue import BY_CODE
    from cmagent.errors.catalogue import BY_NAME
    from cmagent.errors.catalogue import ENTRIES
    from cmagent.errors.catalogue import Entry
    from cmagent.errors.catalogue import Texts

__all__ = ["BY_CODE", "BY_NAME", "ENTRIES", "AzcmError", "Entry", "Localized", "Texts",
           "language", "render_json", "render_text"]


def __getattr__(name: str) -> Any:
    # The catalogue is loaded on first use: a run that succeeds never needs it.
    if name in ("BY_CODE", "BY_NAME", "ENTRIES", "Entry", "Texts"):
        from cmagent.errors import catalogue

        return getattr(catalogue, name)
    raise AttributeError(name)


class Localized:
    """A detail sentence in both languages."""

    __slots__ = ("en", "ja")

    def __init__(self, en: str, ja: str) -> None:
        self.en = en
        self.ja = ja

    def pick(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


class AzcmError(Exception):
    """A failure that ends a command with one catalogue entry.

    :param code: the AZCM number (``23``) or the entry's name (``"INVALID_ARGUMENT"``).
    :param detail: what exactly failed; plain text is used for both languages.
    :param extra: machine-readable facts added to the JSON error object.
    """

    def __init__(self, code: int | str, detail: str | Localized | None = None,
                 **extra: Any) -> None:
        from cmagent.errors import catalogue

        self.entry = catalogue.BY_NAME[code] if isinstance(code, str) else catalogue.BY_CODE[code]
        self.detail = detail
        self.report: Any = extra.pop("report", None)  # a result to print before the error
        self.extra = extra
        super().__init__(self.message("en"))

    @property
    def code(self) -> str:
        return self.entry.label

    @property
    def exit_status(self) -> int:
        return self.entry.exit_status

    def message(self, lang: str) -> str:
        base = self.entry.texts(lang).message
        detail = self.detail_text(lang)
        return f"{base.rstrip('.。')}: {detail}" if detail else base

    def detail_text(self, lang: str) -> str:
        if isinstance(self.detail, Localized):
            return self.detail.pick(lang)
        return self.detail or ""


def language(environ: Mapping[str, str]) -> str:
    """Return ``"ja"`` or ``"en"`` following the POSIX precedence LC_ALL > LC_MESSAGES > LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


_LABELS = {"en": ("Cause", "Remedy"), "ja": ("原因", "対処")}


def render_text(error: AzcmError, lang: str) -> str:
    """The console form: ``AZCMnnnn: message`` then the cause and the remedy."""
    texts = error.entry.texts(lang)
    cause_label, remedy_label = _LABELS[lang]
    return (
        f"{error.code}: {error.message(lang)}\n"
        f"  {cause_label}: {texts.cause}\n"
        f"  {remedy_label}: {texts.remedy}\n"
    )


def render_json(error: AzcmError, lang: str) -> dict[str, Any]:
    """The ``--json`` form of a failure."""
    texts = error.entry.texts(lang)
    body: dict[str, Any] = {
        "code": error.code,
        "message": error.message(lang),
        "cause": texts.cause,
        "remedy": texts.remedy,
        "retryable": error.entry.retryable,
        "exitCode": error.exit_status,
    }
    body.update(error.extra)
    return {"status": "failed", "error": body}
