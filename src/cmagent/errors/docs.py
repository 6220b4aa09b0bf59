"""Write the AZCM reference (docs/errors.md) from the catalogue: ``python -m cmagent.errors.docs``.

The document is generated, never edited by hand; a test fails when it is out of date.
"""

from __future__ import annotations

import sys

from cmagent.errors.catalogue import ENTRIES
from cmagent.errors.catalogue import Entry

_HEADER = """\
# AZCM error codes

Generated from `src/cmagent/errors/catalogue.py` by `python -m cmagent.errors.docs`; do not edit.

Every failure of `azcmagent` ends in exactly one of these codes. The process exit status is the
code's number (`AZCM0026` exits with 26). Texts are chosen from `LC_ALL`, `LC_MESSAGES`, `LANG`:
`ja_*` selects Japanese. With `--json` a failure is printed as
`{"status": "failed", "error": {"code", "message", "cause", "remedy", "retryable", "exitCode"}}`.

| Code | Exit | Retryable | Message | Cause | Remedy | Emitted |
|---|---|---|---|---|---|---|
"""


_HEADER_JA = """\
## 日本語

| コード | 終了コード | 再試行 | メッセージ | 原因 | 対処 | 出力 |
|---|---|---|---|---|---|---|
"""


def _row(entry: Entry, lang: str) -> str:
    texts = entry.texts(lang)
    emitted = "yes" if entry.unused is None else f"not yet: {entry.unused}"
    cells = [entry.label, str(entry.exit_status), "yes" if entry.retryable else "no",
             texts.message, texts.cause, texts.remedy, emitted]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def render() -> str:
    english = "\n".join(_row(entry, "en") for entry in ENTRIES)
    japanese = "\n".join(_row(entry, "ja") for entry in ENTRIES)
    return f"{_HEADER}{english}\n\n{_HEADER_JA}{japanese}\n"


if __name__ == "__main__":
    sys.stdout.write(render())
