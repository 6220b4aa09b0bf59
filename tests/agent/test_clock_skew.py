"""A machine whose clock is off: the cloud's clock is moved while the machines' clocks are said
to stay behind, so the cloud shows its own time in Date and judges client assertions by it.
connect with a certificate service principal fails with AADSTS700024 and names the clock;
connect --dry-run and check show the clock as a check of its own; a limit of the user's
choosing is honoured."""

from __future__ import annotations

import pytest

from cmagent.machine import clockskew
from tests.agent.test_onboarding import flags_file
from tests.cloud.helpers import certificate

HOUR = 3600


@pytest.fixture
def behind(trusting):
    """The cloud an hour ahead; the machines' clocks did not follow."""
    trusting.admin.call("POST", "/clock", {"advanceSeconds": HOUR, "machinesFollow": False})
    yield trusting
    trusting.admin.call("POST", "/clock", {"reset": True})


def _certificate_flags(cloud, tmp_path) -> tuple[str, str]:
    onboarding = cloud.quickstart()
    key_pem, cert_pem, _ = certificate()
    cloud.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/certificates",
                     {"certificatePem": cert_pem})
    (tmp_path / "sp.pem").write_text(key_pem + cert_pem)
    return flags_file(tmp_path, onboarding, service_principal_secret=None), \
        str(tmp_path / "sp.pem")


def test_connect_names_the_clock(azcmagent, himds, behind, tmp_path) -> None:
    flags, cert = _certificate_flags(behind, tmp_path)
    run = azcmagent("connect", "--config", flags, "--service-principal-cert", cert)
    assert run.status == 41, run.stdout
    assert "AADSTS700024" in run.stdout
    assert "Likely cause: This machine's clock is 1 h 0 min behind 127.0.0.1" in run.stdout
    assert "timedatectl set-ntp true" in run.stdout
    cause, remedy = _labelled(run.stdout, "Cause"), _labelled(run.stdout, "Remedy")
    assert "clock is more than 300 seconds off" in cause and "secret" not in cause, cause
    assert "Synchronize this machine's clock" in remedy and "certificate" not in remedy, remedy
    ja = azcmagent("connect", "--config", flags, "--service-principal-cert", cert,
                   lang="ja_JP.UTF-8")
    assert "考えられる原因: このマシンの時計は 127.0.0.1 (Date ヘッダー) より 1 時間 0 分遅れて" \
        in ja.stdout
    assert "300 秒を超えてずれています" in _labelled(ja.stdout, "原因")
    assert "時計を同期してから" in _labelled(ja.stdout, "対処")


def _labelled(printed: str, label: str) -> str:
    return next(line for line in printed.splitlines() if line.strip().startswith(f"{label}:"))


def test_dry_run_and_check_show_the_clock(azcmagent, himds, behind, tmp_path) -> None:
    flags, cert = _certificate_flags(behind, tmp_path)
    dry = azcmagent("connect", "--config", flags, "--service-principal-cert", cert,
                    "--dry-run", "--json")
    assert dry.status == 41
    clock = next(c for c in dry.json["checks"] if c["id"] == "clock")
    assert clock["outcome"] == "warning" and "1 h 0 min behind" in clock["message"]
    assert "Likely cause" in dry.json["error"]["message"]
    assert 3590 < dry.json["error"]["clockOffsetSeconds"] < 3610
    assert dry.json["error"]["clockLimitSeconds"] == 300 and not dry.json["error"]["retryable"]
    check = azcmagent("check", "--cloud", behind.url, "--location", "westeurope", "--json")
    assert check.status == 0, check.stdout
    assert check.json["clock"]["outcome"] == "failed"
    assert 3590 < check.json["clock"]["offsetSeconds"] < 3610
    text = azcmagent("check", "--cloud", behind.url, "--location", "westeurope")
    assert "Clock: This machine's clock is 1 h 0 min behind" in text.stdout


def test_a_limit_of_ones_own(azcmagent, himds, behind, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(clockskew.LIMIT_VARIABLE, str(2 * HOUR))
    check = azcmagent("check", "--cloud", behind.url, "--location", "westeurope", "--json")
    assert check.json["clock"]["outcome"] == "passed"
    assert check.json["clock"]["limitSeconds"] == 2 * HOUR


def test_a_moved_clock_that_machines_follow_is_no_skew(azcmagent, trusting) -> None:
    trusting.admin.call("POST", "/clock", {"advanceSeconds": HOUR})
    try:
        check = azcmagent("check", "--cloud", trusting.url, "--location", "westeurope",
                          "--json")
    finally:
        trusting.admin.call("POST", "/clock", {"reset": True})
    assert check.json["clock"]["outcome"] == "passed"
    assert abs(check.json["clock"]["offsetSeconds"]) < 5


def test_date_header_parsing() -> None:
    assert clockskew.offset_of("Sat, 05 Dec 2026 16:00:00 GMT", now=1796486400.0) == 0.5
    assert clockskew.offset_of("not a date") is None and clockskew.offset_of(None) is None
    assert clockskew.span(3725).en == "1 h 2 min" and clockskew.span(-65).en == "1 min 5 s"
    assert clockskew.span(3725).ja == "1 時間 2 分" and clockskew.span(12).ja == "12 秒"
