"""The Japanese catalogue speaks as Microsoft's Japanese troubleshooting article for the agent
does: its terms, one verb for running something again, です/ます, Microsoft's spacing and
punctuation; and the installer codes each say their own cause."""

from __future__ import annotations

import re

import pytest

from cmagent.errors import BY_CODE
from cmagent.errors import ENTRIES
from cmagent.errors import docs

_JA_CHAR = "\u3040-\u30ff\u4e00-\u9fff"
_JAPANESE = re.compile(f"[{_JA_CHAR}]")


def _texts(entry) -> list[str]:
    texts = [entry.ja.message, entry.ja.cause, entry.ja.remedy]
    return texts + ([entry.unused[1]] if entry.unused else [])


JA_TEXTS = [(entry.label, text) for entry in ENTRIES for text in _texts(entry)]


def _each(check):
    return pytest.mark.parametrize("label,text", JA_TEXTS, ids=[label for label, _ in JA_TEXTS])(
        check)


# "ID" alone is never an identity: it is always the ID of something named before it.
_ID = re.compile(r"(?<![A-Za-z])ID(?![A-Za-z])")
_ID_OF = ("マネージド", "テナント", "サブスクリプション", "アプリケーション", "クライアント",
          "オブジェクト", "相関", "リソース", "Microsoft Entra")


@_each
def test_id_always_says_whose(label, text) -> None:
    for match in _ID.finditer(text):
        before = text[:match.start()].rstrip()
        assert before.endswith(_ID_OF), f"{label}: bare ID in {text!r}"


def test_the_id_rule_catches_a_bare_identity() -> None:
    """The rule itself: an identity called plain "ID" fails, whose ID it is passes."""
    def bare(text: str) -> bool:
        return any(not text[:m.start()].rstrip().endswith(_ID_OF) for m in _ID.finditer(text))

    assert bare("ID にはロールが必要です。") and bare("マシン ID に TPM を使用します。")
    assert not bare("マネージド ID 証明書とテナント ID、GUID、--correlation-id を確認します。")


# One verb for running something again; the seed's other wordings are not used.
_OTHER_RETRY_VERBS = ("再実行", "再試行", "お試しください", "やり直して", "もう一度接続")
_RETRY_EN = re.compile(r"\btry(ing)? again\b|\brun\b[^.;]*\bagain\b", re.IGNORECASE)


@_each
def test_one_verb_for_running_again(label, text) -> None:
    for verb in _OTHER_RETRY_VERBS:
        assert verb not in text, f"{label}: {verb!r} (say もう一度実行してください)"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label)
def test_a_remedy_that_says_run_again_says_it_one_way(entry) -> None:
    if _RETRY_EN.search(entry.en.remedy):
        assert "もう一度実行してください" in entry.ja.remedy, entry.ja.remedy


@_each
def test_terms_of_the_seed(label, text) -> None:
    # Elevation is 管理者特権; root stays the account's name ("root が書き込める").
    for wrong in ("root で", "root として", "root 権限", "ルート ユーザー", "ルート アクセス",
                  "ルートで", "ルートとして"):
        assert wrong not in text, f"{label}: {wrong!r} (say 管理者特権 (root))"
    # The agent service by its name: "エージェント サービス (himds)", not "himds サービス";
    # commands ('himds serve', himdsd) stay as they are typed.
    for match in re.finditer(r"himds(?!d| serve)", text):
        assert text[:match.start()].endswith("エージェント サービス ("), f"{label}: {text!r}"
    # Microsoft's spacing of katakana compounds, and its names for support and permissions.
    for joined in ("アクセストークン", "リソースグループ", "サービスプリンシパル",
                   "リソースプロバイダー", "エージェントサービス", "ログファイル", "プライベートリンク",
                   "リンクスコープ", "キーストア", "キーペア", "パッケージマネージャー",
                   "エラーメッセージ", "インストールスクリプト", "コマンドライン",
                   "オペレーティングシステム", "サポートチケット", "Microsoftサポート", "権限"):
        assert joined not in text, f"{label}: {joined!r}"


@_each
def test_style(label, text) -> None:
    assert text.endswith("。"), f"{label}: {text!r}"
    for wrong in ("。。", ".。", "、。", "。、", "（", "）", "：", "，", "．"):
        assert wrong not in text, f"{label}: {wrong!r} in {text!r}"
    # A half-width space between Japanese and Latin letters or digits, as Microsoft writes.
    assert not re.search(f"[A-Za-z0-9][{_JA_CHAR}]|[{_JA_CHAR}][A-Za-z0-9]", text), text
    # No English punctuation glued to Japanese ("例:" is Microsoft's).
    glued = re.search(f"[,.;!?][{_JA_CHAR}]|[{_JA_CHAR}](?<!例)[,.;:!?]", text)
    assert not glued, f"{label}: {text!r}"


_POLITE = re.compile(r"(ます|ました|ません|ませんでした|です|でした|ください)$")
_TRAILING_NOTE = re.compile(r" \([^()]*(\([^()]*\)[^()]*)*\)$")


@_each
def test_every_sentence_is_desu_masu(label, text) -> None:
    for sentence in text.split("。")[:-1]:
        core = _TRAILING_NOTE.sub("", sentence.strip())
        assert _POLITE.search(core), f"{label}: {sentence!r}"


# The installers: when an installation fails there is no agent to collect logs with.
INSTALLERS = [entry for entry in ENTRIES if entry.code >= 127]


def test_installer_codes_153_to_157_each_have_their_own_cause() -> None:
    codes = range(153, 158)
    for language in ("en", "ja"):
        causes = {BY_CODE[code].texts(language).cause for code in codes}
        assert len(causes) == len(codes), language


def test_installer_causes_are_not_one_generic_sentence() -> None:
    documented = [entry for entry in INSTALLERS if not entry.name.startswith("INSTALL_LINUX_")]
    for language in ("en", "ja"):
        causes = [entry.texts(language).cause for entry in documented]
        assert len(set(causes)) == len(causes), language


def test_code_157_is_the_linux_repository_error() -> None:
    entry = BY_CODE[157]
    assert entry.unused is None  # emitted by the Linux install script, not a Windows code
    assert "Microsoft Linux ソフトウェア リポジトリ" in entry.ja.message
    assert "packages.microsoft.com" in entry.en.cause and "Windows" not in entry.en.cause


def test_code_147_is_one_condition() -> None:
    entry = BY_CODE[147]
    for text in (entry.en.message, entry.en.cause, entry.en.remedy, entry.ja.message,
                 entry.ja.cause, entry.ja.remedy):
        assert "Windows" not in text and "Azure VM" not in text


@pytest.mark.parametrize("entry", INSTALLERS, ids=lambda e: e.label)
def test_installer_remedies_point_at_what_exists(entry) -> None:
    for text in (entry.en.remedy, entry.ja.remedy):
        assert "azcmagent logs" not in text


def test_reports_say_where_to() -> None:
    for code in (1, 103, 150):
        entry = BY_CODE[code]
        assert "issue tracker" in entry.en.remedy and "Microsoft Support" in entry.en.remedy
        assert "Issue トラッカー" in entry.ja.remedy and "Microsoft サポート" in entry.ja.remedy
    for code in (1, 103):
        assert "'azcmagent logs'" in BY_CODE[code].ja.remedy and "ZIP" in BY_CODE[code].ja.remedy
    assert "install.log" in BY_CODE[150].ja.remedy
    # AZCM0001's log path is in the error message (the first line, or "message" in JSON).
    assert "Read the log named in the error message" in BY_CODE[1].en.remedy
    assert "エラー メッセージに示されたログ" in BY_CODE[1].ja.remedy


@_each
def test_no_text_points_up_or_down(label, text) -> None:
    """The texts are printed after the message on a console and beside it in JSON: they name
    "the error message", never a place above or below."""
    for where in ("上の", "上に示", "下に示", "下の"):
        assert where not in text, f"{label}: {where!r}"


def test_code_105_is_the_seeds_certificate_download() -> None:
    entry = BY_CODE[105]
    assert "マネージド ID 証明書のダウンロード" in entry.ja.message
    assert "managed identity certificate" in entry.en.message


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.unused], ids=lambda e: e.label)
def test_an_unused_code_says_why_in_both_languages(entry) -> None:
    english, japanese = entry.unused
    assert english and not _JAPANESE.search(english)
    assert _JAPANESE.search(japanese)


def test_the_japanese_table_is_japanese_in_every_column() -> None:
    japanese = docs.render().split("## 日本語", 1)[1].split("\n## ", 1)[0]
    assert "`azcmagent` の失敗は" in japanese  # the explanation before the table
    rows = [line for line in japanese.splitlines() if line.startswith("| AZCM")]
    assert len(rows) == len(ENTRIES)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[2] in ("はい", "いいえ"), row
        assert cells[6] == "はい" or cells[6].startswith("未使用: "), row
        for cell in cells[3:]:
            assert _JAPANESE.search(cell), row
