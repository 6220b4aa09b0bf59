"""Write what is generated from the catalogue: the AZCM reference (``python -m
cmagent.errors.docs > docs/errors.md``) and the code constants (``python -m cmagent.errors.docs
--codes > src/cmagent/errors/codes.py``).

Both are generated, never edited by hand; a test fails when either is out of date.
"""

from __future__ import annotations

import sys

from cmagent.errors.catalogue import ENTRIES
from cmagent.errors.catalogue import Entry
from cmagent.errors.installers import INSTALLER_ENTRIES
from cmagent.errors.variants import VARIANTS

_HEADER = """\
# AZCM error codes

Generated from `src/cmagent/errors/catalogue.py` by `python -m cmagent.errors.docs`; do not edit.

Every failure of `azcmagent` ends in exactly one of these codes. The process exit status is the
code's number (`AZCM0026` exits with 26). Texts are chosen from `LC_ALL`, `LC_MESSAGES`, `LANG`:
`ja_*` selects Japanese. With `--json` a failure is printed as
`{"status": "failed", "error": {"code", "message", "details", "cause", "remedy", "retryable",
"exitCode"}}`; `details` (only when there is one) quotes a text from outside verbatim (Microsoft
Entra's or Azure Resource Manager's error, the operating system's), which the console shows on
its own line after `Details:` / `詳細:`. AZCM0127 and above are the install scripts' codes: the
script exits 1 and writes the code to its `--output` file, as Microsoft's script does.
*Retryable* says whether running the same command again can succeed; *Emitted* says whether
cmagent emits the code, and if not, why.

| Code | Exit | Retryable | Message | Cause | Remedy | Emitted |
|---|---|---|---|---|---|---|
"""


# Japanese prose is kept on one line: a line break inside it would show as a space.
_INTRO_JA = (
    "`azcmagent` の失敗は、必ずこの表のいずれかのコードで終了します。プロセスの終了コードは"
    "コードの番号です (`AZCM0026` の場合は 26)。表示言語は `LC_ALL`、`LC_MESSAGES`、`LANG` の順"
    "に決まり、`ja_*` で日本語になります。`--json` を指定すると、失敗は "
    '`{"status": "failed", "error": {"code", "message", "details", "cause", "remedy", '
    '"retryable", "exitCode"}}` の形式で出力されます。`details` (ある場合のみ) は外部のテキスト '
    "(Microsoft Entra や Azure Resource Manager のエラー、OS のエラー) をそのまま引用したもので、"
    "コンソールでは「詳細:」の後に別の行で表示されます。AZCM0127 以降はインストール スクリプトの"
    "コードです。スクリプトは Microsoft のスクリプトと同じく終了コード 1 で終了し、コードを "
    "`--output` のファイルに書き込みます。"
    "「再試行」は、同じコマンドをもう一度実行すると成功する可能性があるかどうかを示します。"
    "「cmagent で使用」は、cmagent がそのコードで終了することがあるかどうかを示し、ない場合は"
    "その理由を示します。"
)
_HEADER_JA = f"""\
## 日本語

{_INTRO_JA}

| コード | 終了コード | 再試行 | メッセージ | 原因 | 対処 | cmagent で使用 |
|---|---|---|---|---|---|---|
"""

# The words of the yes/no columns, and the prefix of an unused code's reason, per language.
_WORDS = {"en": ("yes", "no", "no: "), "ja": ("はい", "いいえ", "未使用: ")}


def _row(entry: Entry, lang: str) -> str:
    texts = entry.texts(lang)
    yes, no, not_yet = _WORDS[lang]
    reason = None if entry.unused is None else entry.unused[1 if lang == "ja" else 0]
    emitted = yes if reason is None else not_yet + reason
    cells = [entry.label, str(1 if entry in INSTALLER_ENTRIES else entry.exit_status),
             yes if entry.retryable else no,
             texts.message, texts.cause, texts.remedy, emitted]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


_VARIANTS_HEADER = """\
## Variants / 状況に応じた原因と対処

Where a code arises in a situation its catalogue text does not fit, the agent shows the variant
below instead (`src/cmagent/errors/variants.py`); a message in bold replaces the catalogue's;
one marked "added" follows the code's own cause and remedy. /
カタログの原因と対処が当てはまらない状況では、代わりに次の原因と対処が表示されます
(`src/cmagent/errors/variants.py`)。太字のメッセージはカタログのメッセージの代わりに表示されます。
「追加」と記されたものは、コード本来の原因と対処の後に続けて表示されます。

| Code | Variant | Cause | Remedy | 原因 | 対処 |
|---|---|---|---|---|---|
"""


def _variant_rows() -> str:
    rows = []
    for (code, name), variant in VARIANTS.items():
        cause, heading = variant.cause, variant.heading
        said = (f"**{heading.en}.** " if heading else "", f"**{heading.ja}。** " if heading else "")
        where = f"AZCM{code:04d}" if code else "any / 全コード"
        where += " (added / 追加)" if variant.added else ""
        cells = [where, name, said[0] + (cause.en if cause else ""), variant.remedy.en,
                 said[1] + (cause.ja if cause else ""), variant.remedy.ja]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def render() -> str:
    english = "\n".join(_row(entry, "en") for entry in ENTRIES)
    japanese = "\n".join(_row(entry, "ja") for entry in ENTRIES)
    return (f"{_HEADER}{english}\n\n{_HEADER_JA}{japanese}\n\n{_VARIANTS_HEADER}"
            f"{_variant_rows()}\n")


_CODES_HEADER = '''"""AZCM codes by name: code says ``codes.INVALID_ARGUMENT``, never a bare ``23``.

Generated from ``catalogue.py`` by ``python -m cmagent.errors.docs --codes``; do not edit.
"""

'''


def render_codes() -> str:
    return _CODES_HEADER + "".join(f"{entry.name} = {entry.code}\n" for entry in ENTRIES)


if __name__ == "__main__":
    sys.stdout.write(render_codes() if "--codes" in sys.argv[1:] else render())
