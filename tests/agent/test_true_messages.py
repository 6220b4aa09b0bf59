"""Each message fits what just happened: Ctrl+C during device sign-in, disconnect on a machine
that is not connected, the remedy after a rolled-back connect, a --cloud that was given, an
access token for another cloud, JSON output that has no "message above", and check's region
and endpoint list."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import pytest

from cmagent.agent import azure
from cmagent.agent import clouds
from cmagent.errors import BY_CODE
from cmagent.errors import render_json
from cmagent.wire import entra
from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import connect_waiting_for_device_code
from tests.agent.test_onboarding import expired_user_token
from tests.agent.test_onboarding import flags_file
from tests.agent.test_onboarding import under_fault
from tests.agent.test_onboarding import user_flags
from tests.net import free_port

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(("after_seconds", "signum"), [(0.3, signal.SIGINT),
                                                     (1.0, signal.SIGINT),
                                                     (0.3, signal.SIGTERM)])
def test_ctrl_c_while_waiting_for_device_sign_in_is_azcm0011_at_once(
        agent_root, himds, trusting, tmp_path, after_seconds, signum) -> None:
    onboarding = trusting.quickstart()
    trusting.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})  # polls in between
    agent, lines, _ = connect_waiting_for_device_code(agent_root,
                                                      user_flags(tmp_path, onboarding))
    time.sleep(after_seconds)  # waiting for the person now
    interrupted = time.monotonic()
    agent.send_signal(signum)
    status = agent.wait(timeout=30)
    waited = time.monotonic() - interrupted
    output = "".join(lines) + agent.stdout.read()
    agent.stdout.close()
    assert status == 11 and "AZCM0011" in output and "AZCM0041" not in output, output
    assert "within 5 minutes" not in output
    # SIGTERM is not said to be Ctrl+C: the message, cause and remedy name it
    heading = "AZCM0011: The operation was stopped before it finished (SIGTERM)"
    assert (heading in output) == (signum == signal.SIGTERM)
    assert ("Ctrl+C" in output) == (signum == signal.SIGINT)
    assert waited < 2.0, f"the interrupt took {waited:.1f} s to end the run"
    assert not (agent_root / "var/opt/azcmagent/agentconfig.json").exists()
    result = json.loads((agent_root / "var/opt/azcmagent/result/connect.json").read_text())
    assert result["code"] == "AZCM0011" and result["phase"] == "authenticate"


def test_disconnect_of_a_machine_never_connected_says_so(azcmagent) -> None:
    run = azcmagent("disconnect")
    english = azcmagent("disconnect", "--json").json["error"]
    assert run.status == 63 and "not connected" in run.stdout, run.stdout
    assert "--force-local-only" not in run.stdout and "step" not in run.stdout
    assert english["remedy"] != BY_CODE[63].en.remedy and "connect" in english["remedy"]
    assert "接続されていません" in azcmagent("disconnect", lang="ja_JP.UTF-8").stdout


def test_azcm0105_after_rollback_does_not_ask_to_delete_what_was_deleted(
        azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    run = under_fault(trusting, {"service": "his", "status": 403,
                                 "pathPattern": "/his/v1/challenges"},
                      lambda: azcmagent("connect", "--config", flags, "--json"))
    error = run.json["error"]
    assert run.status == 105 and "was deleted again" in error["message"]
    assert "delete" not in error["remedy"].lower().replace("was deleted again", "")
    assert "connect" in error["remedy"]


def test_azcm0075_with_cloud_given_points_at_the_value(azcmagent, himds, trusting,
                                                       tmp_path) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart(),
                                                      cloud=url), "--json")
    error = run.json["error"]
    assert run.status == 75 and url in error["message"]
    assert "pass --cloud" not in error["remedy"] and "given to --cloud" in error["remedy"]
    assert "connection refused" in error["details"]


def test_azcm0012_names_the_resource_of_the_cloud_in_use(azcmagent, himds, trusting,
                                                         tmp_path) -> None:
    onboarding = trusting.quickstart()
    token = expired_user_token(trusting, onboarding)
    run = azcmagent("connect", "--config", user_flags(tmp_path, onboarding), "--access-token",
                    token, "--json")
    error = run.json["error"]
    assert run.status == 12 and "expired" in error["message"] and "details" not in error
    # the local cloud takes tokens for the public audience: the catalogue's remedy is right
    assert "https://management.azure.com/" in error["remedy"]


def test_azcm0012_for_another_cloud_names_its_resource_manager() -> None:
    us_government = azure.resolve_cloud("AzureUSGovernment", None)  # type: ignore[arg-type]
    error = azure._entra_failure(entra._token_refused("access token has expired", "期限切れ"),
                                 "", "", us_government, "access-token")
    for lang in ("en", "ja"):
        assert "management.azure.com" not in error.remedy(lang)
        assert "https://management.usgovcloudapi.net/" in error.remedy(lang)
    assert render_json(error, "en")["error"]["message"].endswith("The access token has expired.")


def test_json_texts_never_point_at_a_message_above(azcmagent, tmp_path) -> None:
    for args in (("config", "set", "config.mode", "sleepy"), ("disconnect",),
                 ("check", "-l", "westeurope", "--cloud", "Nowhere")):
        error = azcmagent(*args, "--json").json["error"]
        texts = " ".join(str(error[key]) for key in ("message", "cause", "remedy"))
        assert "above" not in texts and "below" not in texts, (args, texts)
    for entry in BY_CODE.values():
        for texts in (entry.en, entry.ja):
            assert "above" not in texts.remedy + texts.cause and "上の" not in texts.remedy \
                and "上に示" not in texts.cause + texts.remedy, entry


def test_check_validates_the_region_like_connect(azcmagent) -> None:
    run = azcmagent("check", "-l", "nonsense")
    assert run.status == 20 and "AZCM0020" in run.stdout and "nonsense-gas" not in run.stdout


def test_each_endpoint_is_listed_once_with_all_it_serves() -> None:
    for region in ("westeurope", "koreacentral"):  # the second has no HIS host of its own
        listed = clouds.endpoints(clouds.BUILT_IN["AzureCloud"], region)
        urls = [e.url for e in listed]
        assert len(urls) == len(set(urls)), urls
    served = {e.url: e.check_ids for e in clouds.endpoints(clouds.BUILT_IN["AzureCloud"],
                                                            "koreacentral")}
    assert served["https://gbl.his.arc.azure.com"] == ("arc.his.global", "arc.his.regional")
    custom = clouds.custom_endpoints("https://127.0.0.1:8443")
    assert [e.url for e in custom] == ["https://127.0.0.1:8443"]
    assert custom[0].check_ids == ("aad.login", "arm", "arc.his.global")


def test_check_remedy_fits_a_check_that_just_ran(azcmagent) -> None:
    run = azcmagent("check", "--cloud", f"https://127.0.0.1:{free_port()}", "-l", "westeurope",
                    "--json")
    remedy = run.json["error"]["remedy"]
    assert run.status == 26 and "'azcmagent check'" not in remedy
    assert "--private-link-scope" not in remedy and "--enable-pls-check" in remedy


def test_the_help_a_remedy_names_is_the_failed_commands(azcmagent) -> None:
    assert "'azcmagent show --help'" in azcmagent("show", "--bogus").stdout
    assert "'azcmagent config set --help'" in azcmagent("config", "set", "proxy.bypass", "ARM",
                                                        "--add", "--remove").stdout
    # config set's help lists no values: a bad value is pointed to config info instead
    assert "'azcmagent config info'" in azcmagent("config", "set", "config.mode",
                                                  "sleepy").stdout
    assert "'azcmagent <command> --help'" in azcmagent("frobnicate").stdout


def test_config_clear_says_what_the_value_is_now(azcmagent) -> None:
    azcmagent("config", "set", "proxy.url", "http://proxy:3128")
    ja = azcmagent("config", "clear", "proxy.url", lang="ja_JP.UTF-8").stdout
    assert "既定値 (なし) に戻しました" in ja and "  " not in ja.strip()


@pytest.mark.parametrize("args,cause,remedy", [
    (("config", "get", "nosuch.setting"), "does not know", "Use a name as it is listed"),
    (("show", "nosuch"), "does not know", "Use a name as it is listed"),
    (("config", "set", "proxy.bypass", "ARM", "--add", "--remove"), "only one at a time",
     "'azcmagent config set --help' shows"),
    (("config", "set", "proxy.bypass", "Foo"), "does not have the form",
     "'azcmagent config info' describes"),
    (("logs", "--output", "/nonexistent-dir/x.zip"), "cannot be written",
     "an existing directory"),
])
def test_azcm0023_says_what_is_wrong_beyond_a_value_form(azcmagent, args, cause,
                                                         remedy) -> None:
    """AZCM0023's catalogue text is about a value's form; a name, a combination or a path
    that is wrong gets its own cause and remedy (in both languages)."""
    run = azcmagent(*args)
    assert run.status == 23 and cause in run.stdout and remedy in run.stdout, run.stdout
    assert "does not have the form" not in run.stdout or args[-1] == "Foo"
    japanese = azcmagent(*args, lang="ja_JP.UTF-8")
    assert japanese.status == 23 and "<command>" not in run.stdout + japanese.stdout


def test_a_cloud_from_the_environment_is_named_as_such(azcmagent, himds, trusting, tmp_path,
                                                       monkeypatch) -> None:
    """AZCMAGENT_CLOUD, not --cloud, is what the person must correct when it chose the cloud."""
    monkeypatch.setenv("AZCMAGENT_CLOUD", "Foo")
    check = azcmagent("check", "--location", "westeurope")
    assert check.status == 23 and "AZCMAGENT_CLOUD='Foo'" in check.stdout, check.stdout
    assert "--cloud='Foo'" not in check.stdout
    monkeypatch.setenv("AZCMAGENT_CLOUD", f"https://127.0.0.1:{free_port()}")
    run = azcmagent("connect", "--config", flags_file(tmp_path, trusting.quickstart(),
                                                      cloud=None))
    assert run.status == 75 and "Check the value given to AZCMAGENT_CLOUD" in run.stdout
    flagged = azcmagent("check", "--location", "westeurope", "--cloud", "Bar")
    assert flagged.status == 23 and "--cloud='Bar'" in flagged.stdout
