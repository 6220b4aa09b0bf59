"""The redactor masks values, not the prose that names a secret's flag: a message saying
"--service-principal-secret or --service-principal-cert" (or in Japanese, with no space before
the particle) keeps its words, and the portal link's fragment is no password."""

from __future__ import annotations

import pytest

from cmagent.machine.redact import Redactor


@pytest.mark.parametrize("prose", [
    "Give --service-principal-secret or --service-principal-cert, not both.",
    "必須パラメーターがありません: --service-principal-secret または --service-principal-cert",
    "--service-principal-secret と --service-principal-cert のどちらか一方だけを指定してください。",
    "原因: --access-token で指定したトークンの形式が正しくありません。",
    "INFO    Machine overview page: https://127.0.0.1:35835/#@5de75ccf/resource/x/overview",
])
def test_prose_is_left_as_it_is(prose: str) -> None:
    assert Redactor()(prose) == prose


@pytest.mark.parametrize("line,secret", [
    ("azcmagent connect --service-principal-secret Xy8Q~abcdef", "Xy8Q~abcdef"),
    ("azcmagent connect --service-principal-secret -Xy8Q~abcdef", "-Xy8Q~abcdef"),
    ("azcmagent connect --access-token=opaque.token.value", "opaque.token.value"),
    ("proxy http://user:pa55word@proxy:3128", "pa55word"),
    ("proxy http://user:8080/x@proxy:3128", "8080/x"),
])
def test_values_are_masked(line: str, secret: str) -> None:
    masked = Redactor()(line)
    assert secret not in masked and "***" in masked
