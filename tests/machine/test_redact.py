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


def test_a_user_name_alone_and_msal_device_codes_are_masked() -> None:
    from cmagent.machine.redact import mask_url_password

    assert mask_url_password("http://T0kenAsUser@proxy:3128") == "http://***@proxy:3128"
    redactor = Redactor()
    redactor.add_url_password("http://T0kenAsUser@proxy:3128")
    assert "T0kenAsUser" not in redactor("CONNECT via http://T0kenAsUser@proxy:3128 failed")
    device = "GAQABIQEAAAAmoFfGtYxvRrNriQdPKIZ" + "x" * 40
    event = f'event={{"code": "{device}", "device_code": "{device}", "error": {{"code": ' \
            '"AZCM0041"}}'
    masked = Redactor()(event)
    assert device not in masked and '"code": "AZCM0041"' in masked  # error codes stay


def test_proxy_credentials_are_read_as_the_http_stack_reads_them() -> None:
    from cmagent.wire.netconfig import proxy_address

    assert proxy_address("http://u:Pa[ss]/w@127.0.0.1:9") == ("127.0.0.1", 9, "u", "Pa[ss]/w")
    assert proxy_address("http://px:p%40ss%3Aw0rd@10.0.0.2:3128") == \
        ("10.0.0.2", 3128, "px", "p@ss:w0rd")  # as apt and curl need it written
    with pytest.raises(ValueError, match="no usable host") as refused:
        proxy_address("http://u:Secr3tPw@[::1:3128")
    assert "Secr3tPw" not in str(refused.value)
