"""Write what is generated from the catalogue: the AZCM reference (``python -m
cmagent.errors.docs > docs/errors.md``) and the code constants (``python -m cmagent.errors.docs
--codes > src/cmagent/errors/codes.py``).

Both are generated, never edited by hand; a test fails when either is out of date.
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


_CODES_HEADER = '''"""AZCM codes by name: code says ``codes.INVALID_ARGUMENT``, never a bare ``23``.

Generated from ``catalogue.py`` by ``python -m cmagent.errors.docs --codes``; do not edit.
"""

'''


def render_codes() -> str:
    return _CODES_HEADER + "".join(f"{entry.name} = {entry.code}\n" for entry in ENTRIES)


if __name__ == "__main__":
    sys.stdout.write(render_codes() if "--codes" in sys.argv[1:] else render())
