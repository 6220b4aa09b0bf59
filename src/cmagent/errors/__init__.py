"""AZCM errors: the one exception type every part of the agent raises, and its rendering.

``AzcmError(code, detail)`` names a catalogue entry; the detail says what exactly went wrong
(the flag, the file, the endpoint) in English and Japanese (``Localized``). A text from outside
(Entra's or ARM's error, an OS error) is never glued into our sentence: it is passed as
``quoted`` and shown verbatim on a line of its own. A remedy variant (``remedy="..."``, see
``variants.py``) replaces the catalogue's remedy when the detail shows that another fits. This
package imports nothing else from cmagent, so every module can import it.
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
           "joined", "language", "render_json", "render_text"]


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


def joined(*parts: str | Localized | None) -> Localized:
    """Sentences one after another (a space between English ones, none between Japanese)."""
    given = [part if isinstance(part, Localized) else Localized(part, part)
             for part in parts if part]
    return Localized(" ".join(part.en for part in given), "".join(part.ja for part in given))


def _variant_of(code: int, name: str) -> Any:
    from cmagent.errors.variants import variant  # (variants import this module)

    return variant(code, name)


class AzcmError(Exception):
    """A failure that ends a command with one catalogue entry.

    :param code: the AZCM number (``23``) or the entry's name (``"INVALID_ARGUMENT"``).
    :param detail: what exactly failed; plain text is used for both languages.
    :param quoted: a text from outside (AADSTS..., an ARM error, an OS error), shown verbatim.
    :param remedy: the name of a remedy variant of this code (``variants.py``).
    :param also: the name of an added variant, said after the cause and remedy.
    :param extra: machine-readable facts added to the JSON error object.
    """

    def __init__(self, code: int | str, detail: str | Localized | None = None, *,
                 quoted: str | None = None, remedy: str | None = None,
                 heading: str | None = None, also: str | None = None, **extra: Any) -> None:
        from cmagent.errors import catalogue

        self.entry = catalogue.BY_NAME[code] if isinstance(code, str) else catalogue.BY_CODE[code]
        self.detail = detail
        self.quoted = quoted.strip() if quoted else None
        self.remedy_variant = remedy
        self.heading_variant = heading or remedy  # the variant whose heading is shown
        self.also = also
        self.command: str | None = None  # the words of the failed command, once known
        self.report: Any = extra.pop("report", None)  # a result to print before the error
        self.extra = extra
        super().__init__(self.message("en") + (f" ({self.quoted})" if self.quoted else ""))

    @property
    def code(self) -> str:
        return self.entry.label

    @property
    def exit_status(self) -> int:
        return self.entry.exit_status

    @property
    def retryable(self) -> bool:
        """Whether the same command may work if run again unchanged."""
        for name in (self.also, self.remedy_variant):
            chosen = _variant_of(self.entry.code, name).retryable if name else None
            if chosen is not None:
                return bool(chosen)
        return self.entry.retryable

    def message(self, lang: str) -> str:
        heading = _variant_of(self.entry.code, self.heading_variant).heading \
            if self.heading_variant else None
        base = heading.pick(lang) if heading else self.entry.texts(lang).message
        detail = self.detail_text(lang)
        return f"{base.rstrip('.。')}: {detail}" if detail else base

    def detail_text(self, lang: str) -> str:
        if isinstance(self.detail, Localized):
            return self.detail.pick(lang)
        return self.detail or ""

    def cause(self, lang: str) -> str:
        chosen = self._variant().cause if self.remedy_variant else None
        own = self._filled(chosen, lang) if chosen else self.entry.texts(lang).cause
        return self._with_added(own, "cause", lang)

    def remedy(self, lang: str) -> str:
        text = self._filled(self._variant().remedy, lang) if self.remedy_variant \
            else self.entry.texts(lang).remedy
        text = self._with_added(text, "remedy", lang)
        return text.replace("azcmagent <command>", f"azcmagent {self.command}") \
            if self.command else text

    def _variant(self) -> Any:
        return _variant_of(self.entry.code, str(self.remedy_variant))

    def _with_added(self, own: str, part: str, lang: str) -> str:
        added = getattr(_variant_of(self.entry.code, self.also), part) if self.also else None
        if added is None:
            return own
        return f"{own}{'' if lang == 'ja' else ' '}{self._filled(added, lang)}"

    def _filled(self, text: Localized, lang: str) -> str:
        return text.pick(lang).format_map(self.extra)

    def refined(self, detail: str | Localized | None, remedy: str | None = None,
                **facts: Any) -> AzcmError:
        """The same failure with another detail (its quote, facts and, unless another is
        named, its remedy variant kept; ``facts`` added). Its heading stays: a SIGTERM
        that left a resource is still said to be a SIGTERM. An added variant (``variants.py``)
        goes after the remedy it had instead of replacing it."""
        base, also = self.remedy_variant, self.also
        if remedy and _variant_of(self.entry.code, remedy).added:
            also = remedy
        elif remedy:
            base = remedy
        return AzcmError(self.entry.code, detail, quoted=self.quoted, remedy=base, also=also,
                         heading=self.heading_variant, report=self.report,
                         **{**self.extra, **facts})


def language(environ: Mapping[str, str]) -> str:
    """Return ``"ja"`` or ``"en"`` following the POSIX precedence LC_ALL > LC_MESSAGES > LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


_LABELS = {"en": ("Details", "Cause", "Remedy"), "ja": ("詳細", "原因", "対処")}


def render_text(error: AzcmError, lang: str) -> str:
    """The console form: ``AZCMnnnn: message``, the quoted outside text on its own line, then
    the cause and the remedy."""
    quoted_label, cause_label, remedy_label = _LABELS[lang]
    quoted = f"  {quoted_label}: {error.quoted}\n" if error.quoted else ""
    return (
        f"{error.code}: {error.message(lang)}\n{quoted}"
        f"  {cause_label}: {error.cause(lang)}\n"
        f"  {remedy_label}: {error.remedy(lang)}\n"
    )


def render_json(error: AzcmError, lang: str) -> dict[str, Any]:
    """The ``--json`` form of a failure: ``details`` holds the quoted outside text."""
    body: dict[str, Any] = {
        "code": error.code,
        "message": error.message(lang),
        **({"details": error.quoted} if error.quoted else {}),
        "cause": error.cause(lang),
        "remedy": error.remedy(lang),
        "retryable": error.retryable,
        "exitCode": error.exit_status,
    }
    body.update(error.extra)
    return {"status": "failed", "error": body}
