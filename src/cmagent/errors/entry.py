"""One AZCM code's record: its name, whether retrying helps, and its texts in each language."""

from __future__ import annotations


class Texts:
    """Message, cause and remedy in one language."""

    __slots__ = ("cause", "message", "remedy")

    def __init__(self, message: str, cause: str, remedy: str) -> None:
        self.message = message
        self.cause = cause
        self.remedy = remedy


# Plain slotted classes rather than dataclasses: this module is on every run's start-up path.
class Entry:
    """One AZCM code. ``unused``, when set, says in English and Japanese why no command emits
    the code yet."""

    __slots__ = ("code", "en", "ja", "name", "retryable", "unused")

    def __init__(self, code: int, name: str, retryable: bool, en: Texts, ja: Texts,
                 unused: tuple[str, str] | None = None) -> None:
        self.code = code
        self.name = name
        self.retryable = retryable
        self.en = en
        self.ja = ja
        self.unused = unused

    def __repr__(self) -> str:
        return f"Entry({self.label})"

    @property
    def label(self) -> str:
        return f"AZCM{self.code:04d}"

    @property
    def exit_status(self) -> int:
        return self.code

    def texts(self, language: str) -> Texts:
        return self.ja if language == "ja" else self.en
