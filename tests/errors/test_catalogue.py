"""The AZCM catalogue: complete, unique, bilingual, and every emitted code held by a test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cmagent.errors import ENTRIES
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import language
from cmagent.errors import render_json
from cmagent.errors import render_text

# The codes of reference §12.1 and the seed's first table, plus the installer ranges they name.
REFERENCE_CODES = {
    0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 23, 26, 27, 28,
    41, 42, 43, 44, 45, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 72, 73, 74, 75, 76,
    81, 82, 83, 101, 102, 103, 104, 105, 106, 107, 108, *range(127, 161), 171,
}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_TESTS = Path(__file__).resolve().parents[1]


def test_every_reference_code_is_in_the_catalogue() -> None:
    assert {entry.code for entry in ENTRIES} == REFERENCE_CODES


def test_codes_and_names_are_unique() -> None:
    assert len({entry.code for entry in ENTRIES}) == len(ENTRIES)
    assert len({entry.name for entry in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label)
def test_entry_has_both_languages_and_its_exit_status(entry) -> None:
    assert re.fullmatch(r"AZCM\d{4}", entry.label)
    assert entry.exit_status == entry.code
    for text in (entry.en.message, entry.en.cause, entry.en.remedy):
        assert text and not _JAPANESE.search(text)
    for text in (entry.ja.message, entry.ja.cause, entry.ja.remedy):
        assert _JAPANESE.search(text), f"{entry.label} Japanese text: {text!r}"


def _test_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in _TESTS.rglob("test_*.py")
                     if p.name != Path(__file__).name)


def test_every_emitted_code_is_produced_by_a_test() -> None:
    sources = _test_sources()
    untested = [e.label for e in ENTRIES if e.unused is None and e.label not in sources]
    assert untested == [], "codes without a test or a documented reason"


def test_language_follows_posix_precedence() -> None:
    assert language({}) == "en"
    assert language({"LANG": "ja_JP.UTF-8"}) == "ja"
    assert language({"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "C"}) == "en"
    assert language({"LC_ALL": "ja_JP", "LC_MESSAGES": "en_US"}) == "ja"


def test_rendering_in_both_languages() -> None:
    error = AzcmError(16, "--location")
    assert render_text(error, "en").startswith(
        "AZCM0016: A mandatory parameter is missing: --location\n  Cause: ")
    assert "原因:" in render_text(error, "ja") and "対処:" in render_text(error, "ja")
    document = render_json(AzcmError(23, Localized("bad", "不正")), "ja")
    assert document["status"] == "failed"
    assert document["error"]["code"] == "AZCM0023"
    assert document["error"]["message"].endswith(": 不正")
    assert set(document["error"]) >= {"code", "message", "cause", "remedy"}


def test_generated_reference_is_up_to_date() -> None:
    from cmagent.errors import docs

    committed = (_TESTS.parent / "docs/errors.md").read_text(encoding="utf-8")
    assert committed == docs.render(), "run: python -m cmagent.errors.docs > docs/errors.md"


def test_generated_code_constants_are_up_to_date() -> None:
    from cmagent.errors import codes
    from cmagent.errors import docs

    committed = (_TESTS.parent / "src/cmagent/errors/codes.py").read_text(encoding="utf-8")
    assert committed == docs.render_codes(), \
        "run: python -m cmagent.errors.docs --codes > src/cmagent/errors/codes.py"
    assert codes.INVALID_ARGUMENT == 23 and codes.HIMDS_COMMUNICATION_FAILED == 64


def test_no_module_raises_a_code_by_bare_number() -> None:
    import re

    bare = re.compile(r"AzcmError\(\s*\d")
    offenders = [str(path.relative_to(_TESTS.parent)) for path in
                 (_TESTS.parent / "src/cmagent").rglob("*.py") if bare.search(path.read_text())]
    assert offenders == []


def test_a_refined_error_keeps_its_heading_under_another_remedy() -> None:
    """A SIGTERM that left a resource behind: still said to be a SIGTERM, with the remedy
    that fits what was left."""
    stopped = AzcmError(11, "Interrupted at step create.", remedy="sigterm")
    left = stopped.refined("Interrupted; the resource was left.", remedy="resource-left")
    assert "SIGTERM" in left.message("en") and "delete the machine's resource" in left.remedy("en")
    assert left.retryable is False


def test_a_resource_left_behind_adds_to_the_failures_own_cause_and_remedy() -> None:
    """An identity certificate that could not be fetched, with the resource left: the
    operator still learns that the Hybrid Identity Service was unreachable, then what to
    delete (the first fix alone would end in AZCM0044 on the next run)."""
    failed = AzcmError(81, "The certificate request was refused.")
    left = failed.refined("...and the resource was left.", remedy="resource-left")
    for lang in ("en", "ja"):
        own_cause, own_remedy = failed.cause(lang), failed.remedy(lang)
        assert left.cause(lang).startswith(own_cause) and len(left.cause(lang)) > len(own_cause)
        assert left.remedy(lang).startswith(own_remedy) and "AZCM0044" in left.remedy(lang)
    assert "Resource Administrator" in left.remedy("en") and left.retryable is False
    assert left.refined("again").remedy("en") == left.remedy("en")  # kept through refinements
